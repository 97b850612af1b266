// `strider minimize FILE`: a local optimiser (one of the registry: gd, adam, fire, ...) on one structure.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "strider/evaluator.hpp"
#include "strider/io.hpp"
#include "strider/optimizers.hpp"
#include "strider/system_spec.hpp"
#include "strider/text.hpp"

namespace strider::cli {

namespace {

// "gd (gradient descent), adam (...), ... or lbfgs (...)": the registry's optimisers.
std::string optimizer_choices() {
  const std::vector<OptimizerSpec>& specs = optimizer_specs();
  std::string out;
  for (std::size_t k = 0; k < specs.size(); ++k) {
    out += (k == 0 ? "" : k + 1 == specs.size() ? " or " : ", ") + specs[k].name + " (" + specs[k].summary + ")";
  }
  return out;
}

// Every optimiser's parameters with their paper-preset values on the first system
// of the registry and, in brackets, on the others where they differ; lines of at
// most 80 columns.
std::string optimizer_parameter_table() {
  const std::vector<SystemSpec>& systems = system_specs();
  std::size_t width = 0;
  for (const std::string& name : optimizer_names()) width = std::max(width, name.size() + 1);
  std::string out = "Parameters (--set NAME=VALUE) and their paper-preset values for " + systems.front().key +
                    "\n(other systems' in brackets where they differ; `strider minimize FILE --json` lists them):\n";
  for (const OptimizerSpec& spec : optimizer_specs()) {
    std::vector<std::vector<OptimizerParameter>> values;
    for (const SystemSpec& system : systems) {
      values.push_back(optimizer_parameters(spec.name, system.key, {}, OptimizerPreset::paper));
    }
    std::string line = "  " + spec.name + std::string(width - spec.name.size(), ' ');
    const std::string indent(line.size(), ' ');
    for (std::size_t k = 0; k < values.front().size(); ++k) {
      std::string item = values.front()[k].name + " " + io::format_double(values.front()[k].value);
      std::string others;
      for (std::size_t j = 1; j < systems.size(); ++j) {
        if (values[j][k].value == values.front()[k].value) continue;
        others += (others.empty() ? "" : ", ") + systems[j].key + " " + io::format_double(values[j][k].value);
      }
      if (!others.empty()) item += " (" + others + ")";
      if (k + 1 < values.front().size()) item += ",";
      if (line.size() > indent.size() && line.size() + 1 + item.size() > 80) {
        out += line + "\n";
        line = indent;
      }
      line += (line.size() > indent.size() ? " " : "") + item;
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace

const CommandSpec minimize_spec{
    "minimize",
    "FILE --optimizer NAME [--preset stable|paper] [--steps N] [--fmax F] [--set NAME=VALUE,...]\n"
    "                        [--out OUT.xyz] [--trajectory TRAJ.xyz [--every K]] [--system KEY] [--json]",
    "Relax the structure in FILE with a local optimiser (one thread).",
    {"FILE"},
    [] {
      std::vector<OptionSpec> options = potential_options();
      options.push_back({"--optimizer", "NAME", optimizer_choices() + " (required)"});
      options.push_back({"--preset", "NAME", "parameter preset, per system: stable (the default: the paper's values"
                                             " except where they diverge, see below) or paper (Table 6 of the paper)"});
      options.push_back({"--steps", "N", "largest number of steps (default: the paper's, 1000; 2000 for csh)"});
      options.push_back({"--fmax", "F", "stop once every atom's force |F_i| <= F (energy unit / length unit;"
                                        " default 0: run all steps)"});
      options.push_back({"--set", "NAME=VALUE,...", "override optimizer parameters (see the list below)"});
      options.push_back({"--out", "OUT.xyz", "write the final structure (extxyz with energy, forces, per-atom energies)"});
      options.push_back({"--trajectory", "TRAJ.xyz", "write the structure every K steps, first and last included"});
      options.push_back({"--every", "K", "trajectory interval in steps (default 1)"});
      options.push_back({"--json", "", "print one JSON object: initial_energy, final_energy, energy_per_atom, steps,"
                                       " evaluations, max_force, converged, optimizer, parameters, ..."});
      return options;
    }(),
    "Each step moves the atoms once and evaluates the energy once (fire2: twice\n"
    "after a half step back; lbfgs may undo an overshooting step); evaluations\n"
    "counts them all, the first one included. Periodic axes stay wrapped in the\n"
    "box; free clusters are never wrapped.\n"
    "\n"
    "A run whose energy stops being finite or grows past 1000 times its initial\n"
    "size ends with exit status 3 (diverged: the steps are too large for the\n"
    "structure). The paper's FIRE preset (--preset paper: dt_max 0.4) does that\n"
    "on liquid lj-binary, csh and lj clusters and on hot sw-si (dt_start 0.5); the\n"
    "stable preset, the default, changes only those: FIRE dt_max 0.02 (lj-binary,\n"
    "csh, lj), dt_start 0.05 and dt_max 0.2 (sw-si).\n"
    "\n" +
        optimizer_parameter_table() +
    "Time steps are for unit mass (dt^2 F is a length). fire2 with dt_start = dt_L\n"
    "sqrt(ftm2v / m) is LAMMPS min_style fire with timestep dt_L.\n"};

namespace {

// "a=1,b=2" -> {a: 1, b: 2}; InputError for anything else.
ParameterOverrides parse_overrides(const std::string& text) {
  ParameterOverrides out;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto eq = item.find('=');
    if (item.empty() || eq == std::string::npos || eq == 0) {
      throw InputError("--set needs NAME=VALUE[,NAME=VALUE...], got '" + text + "'");
    }
    const std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    double x = 0.0;
    if (!io::parse_double(value, x) || !std::isfinite(x)) {
      throw InputError("--set " + name + " needs a finite number, got '" + value + "'");
    }
    out[name] = x;
  }
  return out;
}

// The paper's preset of an optimiser that the stable preset changes diverges on
// some of the system's structures: says so on stderr, with the stable values.
void warn_if_paper_diverges(const std::string& optimizer, const SystemSpec& system) {
  const auto changes = system.stable_changes.find(optimizer);
  if (changes == system.stable_changes.end()) return;
  std::string stable;
  for (const auto& [name, value] : changes->second) {
    char text[64];
    std::snprintf(text, sizeof text, "%s%s=%g", stable.empty() ? "" : ",", name.c_str(), value);
    stable += text;
  }
  std::fprintf(stderr,
               "strider minimize: warning: the paper's %s preset diverges on %s structures that `strider generate`"
               " makes; the stable preset (the default) sets %s\n",
               optimizer.c_str(), system.key.c_str(), stable.c_str());
}

Frame frame_of(const System& system, const Potential& potential, const std::string& key, double energy) {
  Frame frame = to_frame(system, potential);
  frame.system_key = key;
  frame.energy = energy;
  return frame;
}

// A finished (or diverged) run: its first and last reports.
struct MinimizeOutcome {
  StepReport first, last;
  std::string diverged;  // why the run was stopped early; empty when it was not
  double seconds = 0.0;  // the optimiser loop
};

// The loop of strider::minimize, watching for a run that blows up; record(r) after every kept step.
MinimizeOutcome run_watched(Optimizer& optimizer, System& system, Evaluator& evaluator,
                            const std::function<bool(const StepReport&)>& done,
                            const std::function<void(const StepReport&)>& record) {
  MinimizeOutcome o;
  const auto t0 = std::chrono::steady_clock::now();
  o.first = optimizer.init(system, evaluator);
  record(o.first);
  o.last = o.first;
  while (!done(o.last)) {
    try {
      const StepReport next = optimizer.step(system, evaluator);
      if (!std::isfinite(next.energy) || !std::isfinite(next.max_force)) {
        o.diverged = "the energy is no longer finite at step " + std::to_string(next.step);
        break;
      }
      if (next.energy > o.first.energy + 1e3 * std::max(std::abs(o.first.energy), 1.0)) {
        o.diverged = "the energy rose above 1000 times its initial size at step " + std::to_string(next.step);
        break;
      }
      o.last = next;
    } catch (const InputError& e) {  // non-finite coordinates
      o.diverged = std::string(e.what()) + " at step " + std::to_string(o.last.step + 1);
      break;
    }
    record(o.last);
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

// What the summary names besides the outcome.
struct MinimizeRun {
  std::string path, key, optimizer, preset;
  std::vector<OptimizerParameter> parameters;
  double fmax = 0.0;
  int n = 0;
  StructureOutputs outputs;  // --out, --trajectory
  long trajectory_frames = 0;
  long neighbor_builds = 0;
};

void print_summary(const MinimizeRun& run, const MinimizeOutcome& o, bool json) {
  const StepReport& first = o.first;
  const StepReport& last = o.last;
  const int n = run.n;
  const bool converged = run.fmax > 0.0 && last.max_force <= run.fmax;
  if (json) {
    nlohmann::json params = nlohmann::json::object();
    for (const OptimizerParameter& p : run.parameters) params[p.name] = p.value;
    nlohmann::json result{{"file", run.path},
                          {"system", run.key},
                          {"n_atoms", n},
                          {"optimizer", run.optimizer},
                          {"preset", run.preset},
                          {"parameters", params},
                          {"initial_energy", first.energy},
                          {"final_energy", last.energy},
                          {"energy_per_atom", n > 0 ? last.energy / n : 0.0},
                          {"initial_max_force", first.max_force},
                          {"max_force", last.max_force},
                          {"steps", last.step},
                          {"evaluations", last.evaluations},
                          {"fmax", run.fmax},
                          {"converged", converged},
                          {"stop_reason", converged ? "fmax" : "steps"},
                          {"seconds", o.seconds},
                          {"neighbor_builds", run.neighbor_builds}};
    if (run.outputs.out) result["out"] = *run.outputs.out;
    if (run.outputs.trajectory) {
      result["trajectory"] = *run.outputs.trajectory;
      result["trajectory_frames"] = run.trajectory_frames;
    }
    std::cout << result.dump() << "\n";
    return;
  }
  std::printf("file:             %s\n", run.path.c_str());
  std::printf("system:           %s, %d atoms\n", run.key.c_str(), n);
  std::printf("optimizer:        %s (preset %s):", run.optimizer.c_str(), run.preset.c_str());
  for (const OptimizerParameter& p : run.parameters) std::printf(" %s=%g", p.name.c_str(), p.value);
  std::printf("\ninitial energy:   %.12g (max |F_i| %.6g)\n", first.energy, first.max_force);
  std::printf("final energy:     %.12g (max |F_i| %.6g)\n", last.energy, last.max_force);
  std::printf("energy per atom:  %.12g\n", n > 0 ? last.energy / n : 0.0);
  std::printf("steps:            %ld (%s), %ld evaluations, %.3g s\n", last.step,
              converged ? "force tolerance reached" : "step budget used", last.evaluations, o.seconds);
  if (run.outputs.out) std::printf("final structure:  %s\n", run.outputs.out->c_str());
  if (run.outputs.trajectory) {
    std::printf("trajectory:       %s (%ld frames)\n", run.outputs.trajectory->c_str(), run.trajectory_frames);
  }
}

}  // namespace

int run_minimize(const ParsedArgs& args) {
  MinimizeRun run;
  run.path = args.positionals[0];
  const auto optimizer_option = args.value("--optimizer");
  if (!optimizer_option) throw InputError("--optimizer is required (" + optimizer_names_text() + ")");
  run.optimizer = *optimizer_option;
  const OptimizerPreset preset = optimizer_preset_from_string(args.value("--preset").value_or("stable"));
  run.preset = to_string(preset);
  const ParameterOverrides overrides = args.value("--set") ? parse_overrides(*args.value("--set")) : ParameterOverrides{};
  run.fmax = args.number("--fmax").value_or(0.0);
  if (run.fmax < 0.0) throw InputError("--fmax must be >= 0 (0: no force criterion)");
  const long every = args.whole("--every", 1, 1);
  run.outputs = structure_outputs(args);

  LoadedStructure loaded = load_structure(args, run.path);
  run.key = loaded.key;
  Evaluator evaluator(std::move(loaded.potential));
  System system = std::move(loaded.system);
  run.n = system.size();
  // The optimiser and the step budget are checked before anything runs.
  std::unique_ptr<Optimizer> optimizer = make_optimizer(run.optimizer, run.key, overrides, preset);
  run.parameters = optimizer_parameters(run.optimizer, run.key, overrides, preset);
  const long steps = args.whole("--steps", paper_steps(run.key), 0);
  if (preset == OptimizerPreset::paper) warn_if_paper_diverges(run.optimizer, system_spec(run.key));

  std::unique_ptr<ExtxyzTrajectory> trajectory;  // written as the run goes
  if (run.outputs.trajectory) trajectory = std::make_unique<ExtxyzTrajectory>(*run.outputs.trajectory);
  Progress progress(steps, "steps");
  auto done = [&](const StepReport& r) { return r.step >= steps || (run.fmax > 0.0 && r.max_force <= run.fmax); };
  auto record = [&](const StepReport& r) {
    if (trajectory && (r.step % every == 0 || done(r))) {
      trajectory->write(frame_of(system, evaluator.potential(), run.key, r.energy));
    }
    char note[96];
    std::snprintf(note, sizeof note, "E %.10g  max|F| %.3g", r.energy, r.max_force);
    progress.update(r.step, note);
  };
  const MinimizeOutcome outcome = run_watched(*optimizer, system, evaluator, done, record);
  progress.finish();
  if (trajectory) trajectory->finish();
  if (!outcome.diverged.empty()) {
    std::fprintf(stderr,
                 "strider minimize: error: %s diverged: %s (energy %.12g at step %ld before); its step is too "
                 "large for this structure: see --help\n",
                 run.optimizer.c_str(), outcome.diverged.c_str(), outcome.last.energy, outcome.last.step);
    return 3;
  }
  if (run.outputs.out) {
    // One more evaluation (not counted: the report was taken above) for the forces and
    // per-atom energies of the final structure, on the run's own neighbour list.
    const Evaluation& e = evaluator.evaluate(system);
    Frame out = frame_of(system, evaluator.potential(), run.key, e.energy);
    out.forces = e.forces;
    out.per_atom_energy = e.per_atom;
    write_extxyz_file(*run.outputs.out, {out});
  }
  run.trajectory_frames = trajectory ? trajectory->frames() : 0;
  run.neighbor_builds = evaluator.neighbor_list().builds();
  print_summary(run, outcome, args.flag("--json"));
  return 0;
}

}  // namespace strider::cli
