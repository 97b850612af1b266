// `strider md FILE`: molecular dynamics (velocity Verlet, Nose-Hoover chain or NVE) on one structure.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
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

namespace {

// The dynamics the options ask for on system `key`, checked before anything runs.
MdSettings md_settings_from(const ParsedArgs& args, const std::string& key, const Units& units) {
  const auto temperature = args.number("--temperature");
  if (!temperature) throw InputError("--temperature is required (reduced units, or K for sw-si and csh)");
  if (*temperature < 0.0) throw InputError("--temperature must be >= 0");
  const std::string thermostat = args.value("--thermostat").value_or("nh");
  if (thermostat != "nh" && thermostat != "none") throw InputError("unknown thermostat '" + thermostat + "' (known: nh, none)");
  MdSettings settings;
  settings.dt = args.number("--dt").value_or(paper_dataset_settings(key).dt);
  if (!(settings.dt > 0.0)) throw InputError("--dt must be > 0 (" + units.time + ")");
  settings.temperature = *temperature;
  settings.thermostat = thermostat == "nh" ? Thermostat::NoseHoover : Thermostat::None;
  if (auto tdamp = args.number("--tdamp")) {
    if (!(*tdamp > 0.0)) throw InputError("--tdamp must be > 0 (" + units.time + ")");
    settings.damping = *tdamp;
  }
  settings.seed = static_cast<std::uint64_t>(args.whole("--seed", 1, 0));
  if (settings.thermostat == Thermostat::NoseHoover && settings.temperature <= 0.0) {
    throw InputError("--thermostat nh needs --temperature > 0 (use --thermostat none for NVE from rest)");
  }
  return settings;
}

// A finished (or diverged) run.
struct MdOutcome {
  MdReport first, last;
  double mean_temperature = 0.0;  // over the second half of the steps (the last report's when none)
  std::string diverged;           // why the run was stopped early; empty when it was not
  double seconds = 0.0;
};

// `steps` steps of md, stopping at a non-finite energy; record(r) after each step, progress every 100.
MdOutcome run_dynamics(MolecularDynamics& md, System& system, Evaluator& evaluator, long steps,
                       const std::function<void(const MdReport&)>& record) {
  MdOutcome o;
  Progress progress(steps, "steps");
  const auto t0 = std::chrono::steady_clock::now();
  o.first = md.init(system, evaluator);
  record(o.first);
  o.last = o.first;
  double temperature_sum = 0.0;
  long temperature_count = 0;
  while (o.last.step < steps) {
    try {
      MdReport next = md.step(system, evaluator);
      if (!std::isfinite(next.potential_energy) || !std::isfinite(next.kinetic_energy)) {
        o.diverged = "the energy is no longer finite at step " + std::to_string(next.step);
        break;
      }
      o.last = next;
    } catch (const InputError& e) {  // non-finite coordinates
      o.diverged = std::string(e.what()) + " at step " + std::to_string(o.last.step + 1);
      break;
    }
    if (2 * o.last.step > steps) {
      temperature_sum += o.last.temperature;
      ++temperature_count;
    }
    record(o.last);
    if (o.last.step % 100 == 0 || o.last.step == steps) {
      char note[96];
      std::snprintf(note, sizeof note, "PE %.8g  T %.4g", o.last.potential_energy, o.last.temperature);
      progress.update(o.last.step, note);
    }
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.finish();
  o.mean_temperature = temperature_count > 0 ? temperature_sum / temperature_count : o.last.temperature;
  return o;
}

// What the summary names besides the outcome.
struct MdRun {
  std::string path, key;
  int n = 0;
  StructureOutputs outputs;  // --out, --trajectory
  long frames = 0;  // trajectory frames written
};

void print_summary(const MdRun& run, const Units& units, const MdSettings& settings, const MdOutcome& o,
                   bool json) {
  const MdReport& first = o.first;
  const MdReport& last = o.last;
  const std::string thermostat = settings.thermostat == Thermostat::NoseHoover ? "nh" : "none";
  if (json) {
    nlohmann::json result{{"file", run.path},
                          {"system", run.key},
                          {"units", units.name},
                          {"n_atoms", run.n},
                          {"steps", last.step},
                          {"dt", settings.dt},
                          {"time", last.time},
                          {"thermostat", thermostat},
                          {"temperature_target", settings.temperature},
                          {"seed", settings.seed},
                          {"initial_energy", first.potential_energy},
                          {"final_energy", last.potential_energy},
                          {"final_kinetic_energy", last.kinetic_energy},
                          {"initial_temperature", first.temperature},
                          {"final_temperature", last.temperature},
                          {"mean_temperature", o.mean_temperature},
                          {"conserved_initial", first.conserved},
                          {"conserved_final", last.conserved},
                          {"conserved_drift", last.conserved - first.conserved},
                          {"evaluations", last.evaluations},
                          {"seconds", o.seconds}};
    if (run.outputs.trajectory) {
      result["trajectory"] = *run.outputs.trajectory;
      result["trajectory_frames"] = run.frames;
    }
    if (run.outputs.out) result["out"] = *run.outputs.out;
    std::cout << result.dump() << "\n";
    return;
  }
  std::printf("file:              %s\n", run.path.c_str());
  std::printf("system:            %s, %d atoms, %s units (energy %s, time %s, temperature %s)\n", run.key.c_str(),
              run.n, units.name.c_str(), units.energy.c_str(), units.time.c_str(), units.temperature.c_str());
  std::printf("dynamics:          %ld steps of %g %s, %s, T = %g\n", last.step, settings.dt, units.time.c_str(),
              thermostat == "nh" ? "Nose-Hoover chain (NVT)" : "no thermostat (NVE)", settings.temperature);
  std::printf("potential energy:  %.12g -> %.12g\n", first.potential_energy, last.potential_energy);
  std::printf("temperature:       %.6g at the end, %.6g mean over the second half\n", last.temperature,
              o.mean_temperature);
  std::printf("conserved energy:  %.12g -> %.12g (drift %.3g)\n", first.conserved, last.conserved,
              last.conserved - first.conserved);
  std::printf("evaluations:       %ld, %.3g s\n", last.evaluations, o.seconds);
  if (run.outputs.trajectory) {
    std::printf("trajectory:        %s (%ld frames)\n", run.outputs.trajectory->c_str(), run.frames);
  }
  if (run.outputs.out) std::printf("final structure:   %s\n", run.outputs.out->c_str());
}

}  // namespace

int run_md(const ParsedArgs& args) {
  MdRun run;
  run.path = args.positionals[0];
  if (!args.value("--steps")) throw InputError("--steps is required");
  const long steps = args.whole("--steps", 0, 0);
  const long every = args.whole("--every", 100, 1);
  run.outputs = structure_outputs(args);

  LoadedStructure loaded = load_structure(args, run.path);
  run.key = loaded.key;
  const Units& units = units_for_system(run.key);
  const MdSettings settings = md_settings_from(args, run.key, units);
  Evaluator evaluator(std::move(loaded.potential));
  System system = std::move(loaded.system);
  run.n = system.size();
  MolecularDynamics md(units, settings);

  std::optional<ExtxyzTrajectory> trajectory;  // written as the run goes
  if (run.outputs.trajectory) trajectory.emplace(*run.outputs.trajectory);
  auto record = [&](const MdReport& r) {
    if (!trajectory || !(r.step % every == 0 || r.step == steps)) return;
    Frame frame = to_frame(system, evaluator.potential());
    frame.system_key = run.key;
    frame.energy = r.potential_energy;
    trajectory->write(frame);
  };
  const MdOutcome outcome = run_dynamics(md, system, evaluator, steps, record);
  if (!outcome.diverged.empty()) {
    std::fprintf(stderr, "strider md: error: the run diverged: %s (potential energy %.12g at step %ld): try a smaller --dt\n",
                 outcome.diverged.c_str(), outcome.last.potential_energy, outcome.last.step);
    return 3;
  }
  if (trajectory) trajectory->finish();
  if (run.outputs.out) {
    Frame frame = to_frame(system, evaluator.potential());
    frame.system_key = run.key;
    frame.energy = outcome.last.potential_energy;
    write_extxyz_file(*run.outputs.out, {frame});
  }
  run.frames = trajectory ? trajectory->frames() : 0;
  print_summary(run, units, settings, outcome, args.flag("--json"));
  return 0;
}

}  // namespace strider::cli
