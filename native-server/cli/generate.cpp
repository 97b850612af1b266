// `strider generate --system KEY --out DIR`: a dataset of starting structures by the paper's protocol.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "strider/dataset.hpp"
#include "strider/io.hpp"
#include "strider/md.hpp"
#include "strider/system_spec.hpp"

namespace strider::cli {

const CommandSpec generate_spec{
    "generate",
    "--system KEY --out DIR [--n N] [--count K] [--seed S] [--temperature T] [--interval I]\n"
    "                        [--equilibration E] [--dt DT] [--chemical-potential MU] [--json]",
    "Make a dataset of structures by the paper's protocol: DIR/000.xyz ... and DIR/manifest.json.",
    {},
    [] {
      std::vector<OptionSpec> options;
      // Per-system defaults, "lj-binary 100, sw-si 64, ..." of one setting.
      auto per_system = [](const std::function<std::string(const DatasetSettings&)>& value) {
        std::string out;
        for (const SystemSpec& s : system_specs()) out += (out.empty() ? "" : ", ") + s.key + " " + value(s.dataset.settings);
        return out;
      };
      auto number = [](double x) {
        char text[32];
        std::snprintf(text, sizeof text, "%g", x);
        return std::string(text);
      };
      options.push_back({"--system", "KEY", system_keys_text() + " (required)"});
      options.push_back({"--out", "DIR", "output folder, made if missing (required)"});
      options.push_back({"--n", "N", "atoms (csh: the count GCMC stops at; 0: run to saturation): " +
                                         per_system([&](const DatasetSettings& d) { return number(d.atoms); })});
      options.push_back({"--count", "K", "structures (default 100)"});
      options.push_back({"--seed", "S", "seed (default 1); the same seed and strider build give the same files, byte for byte (MD is chaotic: another build or version that rounds one sum differently gives other structures)"});
      options.push_back({"--temperature", "T", "NVT temperature, the system's unit: " +
                                                   per_system([&](const DatasetSettings& d) { return number(d.temperature); })});
      options.push_back({"--interval", "I", "MD steps between structures (default 1000; csh: unused)"});
      options.push_back({"--equilibration", "E", "MD steps before the first structure (default 10000; csh: before"
                                                 " each structure, after its GCMC)"});
      options.push_back({"--dt", "DT", "MD time step, LAMMPS units: " + per_system([&](const DatasetSettings& d) {
                                         return number(d.dt) + " " + units_for_system(d.system).time;
                                       })});
      options.push_back({"--chemical-potential", "MU", "csh: GCMC chemical potential, kcal/mol (default 0;"
                                                       " see below)"});
      options.push_back({"--json", "", "print one JSON object: out, system, count, energies (mean, min, max), seconds"});
      return options;
    }(),
    [] {
      std::string text = "Protocols (NVT is a Nose-Hoover chain, as LAMMPS fix nvt):\n";
      for (const SystemSpec& s : system_specs()) text += s.dataset.help;
      return text +
             "Each file holds one structure with its potential energy; manifest.json holds\n"
             "the system, parameters, seed, per-structure energies and the engine version.\n";
    }()};

namespace {

std::string file_name(int index, int count) {
  int width = 3;
  for (int c = count - 1; c >= 1000; c /= 10) ++width;
  char name[32];
  std::snprintf(name, sizeof name, "%0*d.xyz", width, index);
  return name;
}

// The paper's dataset settings of system `key` with the options' changes, checked.
DatasetSettings dataset_settings_from(const ParsedArgs& args, const std::string& key) {
  DatasetSettings settings = paper_dataset_settings(key);
  settings.atoms = static_cast<int>(args.whole("--n", settings.atoms, 0, 1000000));
  settings.count = static_cast<int>(args.whole("--count", settings.count, 1, 1000000));
  settings.seed = static_cast<std::uint64_t>(args.whole("--seed", 1, 0, 1L << 53));
  settings.interval = args.whole("--interval", settings.interval, 0, 1L << 40);
  settings.equilibration = args.whole("--equilibration", settings.equilibration, 0, 1L << 40);
  if (auto t = args.number("--temperature")) settings.temperature = *t;
  if (auto dt = args.number("--dt")) settings.dt = *dt;
  if (auto mu = args.number("--chemical-potential")) {
    if (!system_spec(key).dataset.gcmc_per_structure) {
      throw InputError("--chemical-potential is for systems grown by GCMC only (" + key + " is not)");
    }
    settings.chemical_potential = *mu;
  }
  validate(settings);
  return settings;
}

// The dataset's manifest.json: how it was made and its structures (nothing that changes between runs).
nlohmann::json dataset_manifest(const std::string& key, const DatasetSettings& settings, nlohmann::json structures) {
  nlohmann::json parameters{{"n", settings.atoms},
                            {"count", settings.count},
                            {"temperature", settings.temperature},
                            {"dt", settings.dt},
                            {"equilibration", settings.equilibration},
                            {"interval", settings.interval},
                            {"thermostat", "Nose-Hoover chain (3), damping 100 dt"}};
  if (settings.density > 0.0) parameters["density"] = settings.density;
  if (system_spec(key).dataset.gcmc_per_structure) {
    parameters["gcmc_temperature"] = settings.gcmc_temperature;
    parameters["chemical_potential"] = settings.chemical_potential;
    parameters["gcmc_max_moves"] = settings.gcmc_max_moves;
    parameters["box"] = settings.gcmc_box;
  }
  nlohmann::json manifest{{"engine", "strider"},
                          {"version", STRIDER_VERSION},
                          {"system", key},
                          {"units", units_for_system(key).name},
                          {"seed", settings.seed},
                          {"parameters", parameters},
                          {"structures", std::move(structures)}};
  return manifest;
}

}  // namespace

int run_generate(const ParsedArgs& args) {
  using Clock = std::chrono::steady_clock;
  const auto key = args.value("--system");
  if (!key) throw InputError("--system is required (" + system_keys_text() + ")");
  const auto out_option = args.value("--out");
  if (!out_option) throw InputError("--out DIR is required");
  const DatasetSettings settings = dataset_settings_from(args, *key);

  const std::filesystem::path out(*out_option);
  if (std::filesystem::exists(out) && !std::filesystem::is_directory(out)) {
    throw InputError("--out " + out.string() + ": exists and is not a folder");
  }
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error) throw InputError("--out " + out.string() + ": cannot make the folder: " + error.message());

  const Units& units = units_for_system(*key);
  nlohmann::json structures = nlohmann::json::array();
  double energy_sum = 0.0, energy_min = INFINITY, energy_max = -INFINITY;
  const bool per_structure = system_spec(*key).dataset.gcmc_per_structure;
  const long md_total = settings.equilibration + static_cast<long>(settings.count - 1) * settings.interval;
  Progress progress(per_structure ? settings.count : md_total, per_structure ? "structures" : "steps");
  const auto t0 = Clock::now();

  const std::unique_ptr<Potential> potential = make_potential(*key);
  auto on_sample = [&](const DatasetSample& sample) {
    Frame frame = to_frame(sample.system, *potential);
    frame.system_key = *key;
    frame.energy = sample.energy;
    const std::string name = file_name(sample.index, settings.count);
    write_extxyz_file((out / name).string(), {frame});
    const int n = sample.system.size();
    nlohmann::json entry{{"file", name},
                         {"n_atoms", n},
                         {"energy", sample.energy},
                         {"energy_per_atom", sample.energy / n},
                         {"temperature", sample.temperature},
                         {"md_step", sample.md_step}};
    if (per_structure) {
      const GcmcReport& g = sample.gcmc;
      entry["gcmc"] = {{"moves", g.moves},         {"particles", g.particles},
                       {"saturated", g.saturated}, {"reached_target", g.reached_target},
                       {"inserts", g.inserts},     {"insert_attempts", g.insert_attempts},
                       {"deletes", g.deletes},     {"delete_attempts", g.delete_attempts},
                       {"displaces", g.displaces}, {"displace_attempts", g.displace_attempts}};
      char note[64];
      std::snprintf(note, sizeof note, "N %d  E %.8g", n, sample.energy);
      progress.update(sample.index + 1, note);
    }
    structures.push_back(entry);
    energy_sum += sample.energy;
    energy_min = std::min(energy_min, sample.energy);
    energy_max = std::max(energy_max, sample.energy);
  };
  auto on_progress = [&](long done, long total) {
    if (!per_structure) progress.update(std::min(done, total));
  };
  generate_dataset(settings, on_sample, on_progress);
  progress.finish();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  io::write_file_atomically((out / "manifest.json").string(),
                            dataset_manifest(*key, settings, std::move(structures)).dump(1) + "\n");

  const double mean = energy_sum / settings.count;
  if (args.flag("--json")) {
    nlohmann::json result{{"out", out.string()},     {"system", *key},         {"count", settings.count},
                          {"seed", settings.seed},   {"energy_mean", mean},    {"energy_min", energy_min},
                          {"energy_max", energy_max}, {"seconds", seconds}};
    std::cout << result.dump() << "\n";
  } else {
    std::printf("wrote %d %s structures to %s (manifest.json), seed %llu, %.3g s\n", settings.count, key->c_str(),
                out.string().c_str(), static_cast<unsigned long long>(settings.seed), seconds);
    std::printf("energy (%s): mean %.10g, min %.10g, max %.10g\n", units.energy.c_str(), mean, energy_min, energy_max);
  }
  return 0;
}

}  // namespace strider::cli
