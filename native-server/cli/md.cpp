// `strider md FILE`: molecular dynamics (velocity Verlet, Nose-Hoover chain or NVE) on one structure.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "strider/dataset.hpp"
#include "strider/evaluator.hpp"
#include "strider/io.hpp"
#include "strider/md.hpp"

namespace strider::cli {

const CommandSpec md_spec{
    "md",
    "FILE --temperature T --steps N [--dt DT] [--seed S] [--thermostat nh|none] [--tdamp TAU]\n"
    "                  [--trajectory OUT.xyz [--every K]] [--out FINAL.xyz] [--system KEY] [--json]",
    "Molecular dynamics from the structure in FILE: velocity Verlet, NVT (Nose-Hoover chain) or NVE.",
    {"FILE"},
    [] {
      std::vector<OptionSpec> options = potential_options();
      options.push_back({"--temperature", "T", "target and initial temperature: reduced units for lj-binary and lj,"
                                               " Kelvin for sw-si and csh (required)"});
      options.push_back({"--steps", "N", "number of time steps (required; 0 only evaluates the start)"});
      options.push_back({"--dt", "DT", "time step in the system's time unit, as LAMMPS: tau (lj-binary 0.003, lj"
                                       " 0.005), ps (sw-si 0.001 = 1 fs), fs (csh 10); defaults as given"});
      options.push_back({"--seed", "S", "seed of the Maxwell-Boltzmann initial velocities (default 1)"});
      options.push_back({"--thermostat", "NAME", "nh (Nose-Hoover chain of 3, as LAMMPS fix nvt; default) or none (NVE)"});
      options.push_back({"--tdamp", "TAU", "thermostat relaxation time, time unit (default 100 dt)"});
      options.push_back({"--trajectory", "OUT.xyz", "write the structure every K steps (first and last included)"});
      options.push_back({"--every", "K", "trajectory interval in steps (default 100)"});
      options.push_back({"--out", "FINAL.xyz", "write the final structure (extxyz with its energy)"});
      options.push_back({"--json", "", "print one JSON object: steps, dt, initial/final potential energy, mean"
                                       " temperature, conserved-quantity drift, evaluations, seconds, ..."});
      return options;
    }(),
    "Units follow LAMMPS: lj-binary and lj in lj units (k_B = 1, m = 1, time tau);\n"
    "sw-si in metal units (eV, Angstrom, amu, time in ps: --dt 0.001 is 1 fs,\n"
    "temperature in K); csh in real units (kcal/mol, Angstrom, g/mol, time in fs,\n"
    "temperature in K). Initial velocities are Maxwell-Boltzmann at exactly T with\n"
    "zero total momentum (3N - 3 degrees of freedom). The same seed gives the same\n"
    "trajectory, bit for bit. Periodic axes stay wrapped in the box.\n"
    "\n"
    "The conserved quantity is the total energy (NVE) or the total energy plus\n"
    "the thermostat's (NVT); its drift measures the integration error. A run\n"
    "whose energy stops being finite ends with exit status 3 (dt too large).\n"};

int run_md(const ParsedArgs& args) {
  using Clock = std::chrono::steady_clock;
  const std::string& path = args.positionals[0];
  const auto temperature = args.number("--temperature");
  if (!temperature) throw InputError("--temperature is required (reduced units, or K for sw-si and csh)");
  if (*temperature < 0.0) throw InputError("--temperature must be >= 0");
  if (!args.value("--steps")) throw InputError("--steps is required");
  const long steps = args.whole("--steps", 0, 0);
  const std::uint64_t seed = static_cast<std::uint64_t>(args.whole("--seed", 1, 0));
  const long every = args.whole("--every", 100, 1);
  if (args.value("--every") && !args.value("--trajectory")) throw InputError("--every needs --trajectory");
  const std::string thermostat = args.value("--thermostat").value_or("nh");
  if (thermostat != "nh" && thermostat != "none") throw InputError("unknown thermostat '" + thermostat + "' (known: nh, none)");
  const auto out_path = args.value("--out");
  const auto trajectory_path = args.value("--trajectory");
  if (out_path) check_xyz_output("--out", *out_path);
  if (trajectory_path) check_xyz_output("--trajectory", *trajectory_path);

  LoadedStructure loaded = load_structure(args, path);
  const std::string key = loaded.key;
  const Units& units = units_for_system(key);
  MdSettings settings;
  settings.dt = args.number("--dt").value_or(paper_dataset_settings(key).dt);
  if (!(settings.dt > 0.0)) throw InputError("--dt must be > 0 (" + units.time + ")");
  settings.temperature = *temperature;
  settings.thermostat = thermostat == "nh" ? Thermostat::NoseHoover : Thermostat::None;
  if (auto tdamp = args.number("--tdamp")) {
    if (!(*tdamp > 0.0)) throw InputError("--tdamp must be > 0 (" + units.time + ")");
    settings.damping = *tdamp;
  }
  settings.seed = seed;
  if (settings.thermostat == Thermostat::NoseHoover && settings.temperature <= 0.0) {
    throw InputError("--thermostat nh needs --temperature > 0 (use --thermostat none for NVE from rest)");
  }

  Evaluator evaluator(std::move(loaded.potential));
  System system = std::move(loaded.system);
  MolecularDynamics md(units, settings);

  std::optional<ExtxyzTrajectory> trajectory;  // written as the run goes
  if (trajectory_path) trajectory.emplace(*trajectory_path);
  auto record = [&](const MdReport& r) {
    if (!trajectory || !(r.step % every == 0 || r.step == steps)) return;
    Frame frame = to_frame(system, evaluator.potential());
    frame.system_key = key;
    frame.energy = r.potential_energy;
    trajectory->write(frame);
  };

  Progress progress(steps, "steps");
  const auto t0 = Clock::now();
  const MdReport first = md.init(system, evaluator);
  record(first);
  MdReport last = first;
  double temperature_sum = 0.0;
  long temperature_count = 0;
  std::string diverged;
  while (last.step < steps) {
    try {
      MdReport next = md.step(system, evaluator);
      if (!std::isfinite(next.potential_energy) || !std::isfinite(next.kinetic_energy)) {
        diverged = "the energy is no longer finite at step " + std::to_string(next.step);
        break;
      }
      last = next;
    } catch (const InputError& e) {  // non-finite coordinates
      diverged = std::string(e.what()) + " at step " + std::to_string(last.step + 1);
      break;
    }
    if (2 * last.step > steps) {
      temperature_sum += last.temperature;
      ++temperature_count;
    }
    record(last);
    if (last.step % 100 == 0 || last.step == steps) {
      char note[96];
      std::snprintf(note, sizeof note, "PE %.8g  T %.4g", last.potential_energy, last.temperature);
      progress.update(last.step, note);
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  progress.finish();
  if (!diverged.empty()) {
    std::fprintf(stderr, "strider md: error: the run diverged: %s (potential energy %.12g at step %ld): try a smaller --dt\n",
                 diverged.c_str(), last.potential_energy, last.step);
    return 3;
  }
  if (trajectory) trajectory->finish();
  if (out_path) {
    Frame frame = to_frame(system, evaluator.potential());
    frame.system_key = key;
    frame.energy = last.potential_energy;
    write_extxyz_file(*out_path, {frame});
  }

  const double mean_temperature = temperature_count > 0 ? temperature_sum / temperature_count : last.temperature;
  const int n = system.size();
  if (args.flag("--json")) {
    nlohmann::json result{{"file", path},
                          {"system", key},
                          {"units", units.name},
                          {"n_atoms", n},
                          {"steps", last.step},
                          {"dt", settings.dt},
                          {"time", last.time},
                          {"thermostat", thermostat},
                          {"temperature_target", settings.temperature},
                          {"seed", seed},
                          {"initial_energy", first.potential_energy},
                          {"final_energy", last.potential_energy},
                          {"final_kinetic_energy", last.kinetic_energy},
                          {"initial_temperature", first.temperature},
                          {"final_temperature", last.temperature},
                          {"mean_temperature", mean_temperature},
                          {"conserved_initial", first.conserved},
                          {"conserved_final", last.conserved},
                          {"conserved_drift", last.conserved - first.conserved},
                          {"evaluations", last.evaluations},
                          {"seconds", seconds}};
    if (trajectory_path) {
      result["trajectory"] = *trajectory_path;
      result["trajectory_frames"] = trajectory->frames();
    }
    if (out_path) result["out"] = *out_path;
    std::cout << result.dump() << "\n";
  } else {
    std::printf("file:              %s\n", path.c_str());
    std::printf("system:            %s, %d atoms, %s units (energy %s, time %s, temperature %s)\n", key.c_str(), n,
                units.name.c_str(), units.energy.c_str(), units.time.c_str(), units.temperature.c_str());
    std::printf("dynamics:          %ld steps of %g %s, %s, T = %g\n", last.step, settings.dt, units.time.c_str(),
                thermostat == "nh" ? "Nose-Hoover chain (NVT)" : "no thermostat (NVE)", settings.temperature);
    std::printf("potential energy:  %.12g -> %.12g\n", first.potential_energy, last.potential_energy);
    std::printf("temperature:       %.6g at the end, %.6g mean over the second half\n", last.temperature, mean_temperature);
    std::printf("conserved energy:  %.12g -> %.12g (drift %.3g)\n", first.conserved, last.conserved,
                last.conserved - first.conserved);
    std::printf("evaluations:       %ld, %.3g s\n", last.evaluations, seconds);
    if (trajectory) std::printf("trajectory:        %s (%ld frames)\n", trajectory_path->c_str(), trajectory->frames());
    if (out_path) std::printf("final structure:   %s\n", out_path->c_str());
  }
  return 0;
}

}  // namespace strider::cli
