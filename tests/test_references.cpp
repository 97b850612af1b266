// The engine against LAMMPS: every tests/references/*.json (written by
// tests/references/generate.py) gives a structure, the potential options and
// LAMMPS's total energy, per-atom energies and forces. See tests/references/README.md.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "strider/evaluator.hpp"
#include "strider/frame.hpp"
#include "strider/io.hpp"
#include "strider/potential.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kReferences = fs::path(STRIDER_TEST_DATA) / "references";

std::vector<fs::path> reference_files() {
  std::vector<fs::path> files;
  if (fs::is_directory(kReferences))
    for (const auto& entry : fs::directory_iterator(kReferences))
      if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

// The largest deviation, for a readable failure message.
struct Worst {
  double error = 0.0;
  int atom = -1;
  int component = -1;
  double engine = 0.0, lammps = 0.0;
};

std::string describe(const char* what, const Worst& w, double tolerance) {
  std::ostringstream s;
  s.precision(17);
  s << what << ": worst atom " << w.atom;
  if (w.component >= 0) s << " component " << "xyz"[w.component];
  s << ": engine " << w.engine << " LAMMPS " << w.lammps << " |diff| " << w.error << " tolerance "
    << tolerance;
  return s.str();
}

void check_reference(const fs::path& path) {
  const nlohmann::json ref = read_json(path);
  const std::string key = ref.at("system").get<std::string>();
  strider::PotentialOptions options;
  options.shift = ref.at("options").value("shift", false);
  options.cutoff = ref.at("options").value("cutoff", 0.0);

  const fs::path structure = kReferences / ref.at("structure").get<std::string>();
  const auto frames = strider::read_extxyz_file(structure.string());
  REQUIRE(frames.size() == 1);
  const strider::Frame& frame = frames.front();
  if (frame.system_key) CHECK(*frame.system_key == key);

  auto potential = strider::make_potential(key, options);
  const strider::System system = strider::to_system(frame, *potential);
  strider::Evaluator evaluator(std::move(potential));
  const strider::Evaluation& out = evaluator.evaluate(system);

  const auto per_atom_ref = ref.at("per_atom_energy").get<std::vector<double>>();
  const auto forces_ref = ref.at("forces").get<std::vector<std::vector<double>>>();
  const int n = system.size();
  REQUIRE(static_cast<int>(per_atom_ref.size()) == n);
  REQUIRE(static_cast<int>(forces_ref.size()) == n);
  REQUIRE(out.per_atom.size() == n);
  REQUIRE(out.forces.cols() == n);

  // Total energy: 1e-9 relative (absolute below |E| = 1).
  const double energy_ref = ref.at("energy").get<double>();
  const double energy_tol = 1e-9 * std::max(std::abs(energy_ref), 1.0);
  std::ostringstream energy_msg;
  energy_msg.precision(17);
  energy_msg << "energy: engine " << out.energy << " LAMMPS " << energy_ref << " |diff| "
             << std::abs(out.energy - energy_ref) << " tolerance " << energy_tol;
  INFO(energy_msg.str());
  CHECK(std::abs(out.energy - energy_ref) <= energy_tol);

  // Per-atom energies, on the scale of the largest reference value.
  double per_atom_scale = 1.0;
  for (double e : per_atom_ref) per_atom_scale = std::max(per_atom_scale, std::abs(e));
  const double per_atom_tol = 1e-9 * per_atom_scale;
  Worst worst_e;
  for (int i = 0; i < n; ++i) {
    const double err = std::abs(out.per_atom[i] - per_atom_ref[i]);
    if (!(err <= worst_e.error) && !std::isnan(worst_e.error))
      worst_e = {err, i, -1, out.per_atom[i], per_atom_ref[i]};
  }
  INFO(describe("per-atom energy", worst_e, per_atom_tol));
  CHECK(worst_e.error <= per_atom_tol);

  // Forces, each component on the scale of the largest reference component.
  double force_scale = 1.0;
  for (const auto& f : forces_ref) {
    REQUIRE(f.size() == 3);
    for (double c : f) force_scale = std::max(force_scale, std::abs(c));
  }
  const double force_tol = 1e-9 * force_scale;
  Worst worst_f;
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < 3; ++c) {
      const double err = std::abs(out.forces(c, i) - forces_ref[i][c]);
      if (!(err <= worst_f.error) && !std::isnan(worst_f.error))
        worst_f = {err, i, c, out.forces(c, i), forces_ref[i][c]};
    }
  INFO(describe("force", worst_f, force_tol));
  CHECK(worst_f.error <= force_tol);

  // STRIDER_REFERENCE_REPORT=1 prints how close each case is (relative errors).
  if (std::getenv("STRIDER_REFERENCE_REPORT"))
    std::printf("%-28s energy %.1e  per-atom %.1e  forces %.1e\n", path.filename().string().c_str(),
                std::abs(out.energy - energy_ref) / std::max(std::abs(energy_ref), 1.0),
                worst_e.error / per_atom_scale, worst_f.error / force_scale);

  // The engine's own bookkeeping: per-atom energies sum to the total.
  CHECK(std::abs(out.per_atom.sum() - out.energy) <= energy_tol);
}

}  // namespace

TEST_CASE("engine matches the LAMMPS references", "[references]") {
  const auto files = reference_files();
  INFO("reference directory " << kReferences.string());
  REQUIRE(files.size() >= 14);
  for (const auto& path : files) {
    DYNAMIC_SECTION(path.filename().string()) { check_reference(path); }
  }
}
