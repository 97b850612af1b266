// `strider energy FILE`: energy, forces and per-atom energies of one structure.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "strider/evaluator.hpp"
#include "strider/io.hpp"

namespace strider::cli {

const CommandSpec energy_spec{
    "energy",
    "FILE [--system KEY] [--forces] [--per-atom] [--json]",
    "Energy of the structure in FILE (extended XYZ, first frame; or LAMMPS data).",
    {"FILE"},
    [] {
      std::vector<OptionSpec> options = potential_options();
      options.push_back({"--forces", "", "also print the force on each atom (energy unit / length unit)"});
      options.push_back({"--per-atom", "", "also print each atom's energy (energy unit; they sum to the total)"});
      options.push_back({"--json", "", "print one JSON object: system, units, n_atoms, energy, energy_per_atom"
                                       " [, forces] [, per_atom_energy]"});
      return options;
    }(),
    "Units are the system's own: lj-binary and lj in reduced units (eps, sigma);\n"
    "sw-si in eV and Angstrom; csh in kcal/mol and Angstrom. Per-atom energies\n"
    "split pair terms half to each atom and three-body terms a third to each atom,\n"
    "as LAMMPS compute pe/atom does.\n"};

namespace {

const SystemInfo& info_of(const std::string& key) {
  for (const SystemInfo& info : known_systems()) {
    if (info.key == key) return info;
  }
  return known_systems().front();  // unreachable: make_potential validated the key
}

void print_text(const std::string& path, const std::string& key, const Evaluation& result, bool forces,
                bool per_atom) {
  const int n = static_cast<int>(result.per_atom.size());
  std::printf("file:            %s\n", path.c_str());
  std::printf("system:          %s, %s\n", key.c_str(), info_of(key).units.c_str());
  std::printf("atoms:           %d\n", n);
  std::printf("energy:          %.12g\n", result.energy);
  std::printf("energy per atom: %.12g\n", n > 0 ? result.energy / n : 0.0);
  if (forces || per_atom) {
    std::printf("\n%6s", "atom");
    if (per_atom) std::printf(" %20s", "energy");
    if (forces) std::printf(" %20s %20s %20s", "fx", "fy", "fz");
    std::printf("\n");
    for (int i = 0; i < n; ++i) {
      std::printf("%6d", i + 1);
      if (per_atom) std::printf(" %20.12g", result.per_atom[i]);
      if (forces) std::printf(" %20.12g %20.12g %20.12g", result.forces(0, i), result.forces(1, i), result.forces(2, i));
      std::printf("\n");
    }
  }
}

void print_json(const std::string& path, const std::string& key, const Evaluation& result, bool forces,
                bool per_atom) {
  const int n = static_cast<int>(result.per_atom.size());
  nlohmann::json out{{"file", path},
                     {"system", key},
                     {"units", info_of(key).units},
                     {"n_atoms", n},
                     {"energy", result.energy},
                     {"energy_per_atom", n > 0 ? result.energy / n : 0.0}};
  if (forces) {
    nlohmann::json rows = nlohmann::json::array();
    for (int i = 0; i < n; ++i) rows.push_back({result.forces(0, i), result.forces(1, i), result.forces(2, i)});
    out["forces"] = rows;
  }
  if (per_atom) out["per_atom_energy"] = std::vector<double>(result.per_atom.begin(), result.per_atom.end());
  std::cout << out.dump() << "\n";
}

}  // namespace

int run_energy(const ParsedArgs& args) {
  const std::string& path = args.positionals[0];
  LoadedStructure loaded = load_structure(args, path);
  const std::string key = loaded.key;
  Evaluator evaluator(std::move(loaded.potential));
  const System& system = loaded.system;
  const Evaluation& result = evaluator.evaluate(system);
  check_finite_energy(path, result);
  if (args.flag("--json")) {
    print_json(path, key, result, args.flag("--forces"), args.flag("--per-atom"));
  } else {
    print_text(path, key, result, args.flag("--forces"), args.flag("--per-atom"));
  }
  return 0;
}

}  // namespace strider::cli
