// `strider search FILE --method basin-hopping`: a global search for low minima.
#include <cstdio>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "progress.hpp"
#include "strider/basin_hopping.hpp"
#include "strider/io.hpp"
#include "strider/md.hpp"
#include "strider/optimizers.hpp"
#include "strider/system_spec.hpp"

namespace strider::cli {

const CommandSpec search_spec{
    "search",
    "FILE --method basin-hopping [--local NAME] [--budget EVALS] [--temperature T] [--step S]\n"
    "                      [--seed S] [--fmax F] [--out OUT.xyz] [--curve CURVE.csv] [--system KEY] [--json]",
    "Search for the lowest minimum near the structure in FILE (basin hopping, Wales & Doye 1997).",
    {"FILE"},
    [] {
      std::vector<OptionSpec> options = potential_options();
      options.push_back({"--method", "NAME", "basin-hopping (the default and, for now, the only method)"});
      options.push_back({"--local", "NAME", "local optimiser of each hop: lbfgs (default), fire, fire2, adam, gd"});
      options.push_back({"--budget", "EVALS", "energy evaluations in all, local minimisations included (default 20000)"});
      options.push_back({"--temperature", "T", "Metropolis temperature, energy unit (default: see below)"});
      options.push_back({"--step", "S", "each coordinate moves uniformly in [-S, S] per hop, length unit"});
      options.push_back({"--fmax", "F", "a local minimisation ends at max |F_i| <= F, energy / length (default: see below)"});
      options.push_back({"--seed", "S", "random seed (default 1); the same seed repeats the same search"});
      options.push_back({"--out", "OUT.xyz", "write the lowest minimum found (extxyz)"});
      options.push_back({"--curve", "CURVE.csv", "after the first minimisation (hop 0) and every hop: hop, evaluations"
                                                 " so far, the hop's minimum, the current and the best minimum"});
      options.push_back({"--json", "", "print one JSON object: initial_energy, final_energy (the best), hops,"
                                       " accepted, evaluations, ..."});
      return options;
    }(),
    "Each hop moves every atom, relaxes with the local optimiser (its stable\n"
    "preset for the system, at most 2000 steps) and accepts the new minimum with\n"
    "probability min(1, exp(-dE/T)). The budget counts every energy evaluation,\n"
    "so results compare fairly with `strider minimize`.\n"
    "Defaults per system (T, S, F):\n" + [] {
      std::string lines;
      for (const SystemSpec& s : system_specs()) {
        char line[160];
        std::snprintf(line, sizeof line, "  %-10s %g %s, %g %s, %g\n", s.key.c_str(), s.search.temperature,
                      units_named(s.units).energy.c_str(), s.search.step, units_named(s.units).length.c_str(),
                      s.search.fmax);
        lines += line;
      }
      return lines;
    }()};

namespace {

double positive_option(const ParsedArgs& args, const std::string& name, double fallback) {
  const double x = args.number(name).value_or(fallback);
  if (!(x > 0.0)) throw InputError(name + " must be > 0");
  return x;
}

}  // namespace

int run_search(const ParsedArgs& args) {
  const std::string& path = args.positionals[0];
  const std::string method = args.value("--method").value_or("basin-hopping");
  if (method != "basin-hopping") throw InputError("unknown method '" + method + "' (known: basin-hopping)");
  LoadedStructure loaded = load_structure(args, path);
  const SearchDefaults& defaults = system_spec(loaded.key).search;
  BasinHoppingOptions options;
  options.temperature = args.number("--temperature").value_or(defaults.temperature);
  if (options.temperature < 0.0) throw InputError("--temperature must be >= 0");
  options.step_size = positive_option(args, "--step", defaults.step);
  options.local_fmax = positive_option(args, "--fmax", defaults.fmax);
  const long budget = args.whole("--budget", 20000, 1);
  options.seed = static_cast<std::uint64_t>(args.whole("--seed", 1, 0));
  const std::string local = args.value("--local").value_or("lbfgs");
  const auto out_path = args.value("--out");
  if (out_path) check_xyz_output("--out", *out_path);

  BasinHopping search(make_optimizer(local, loaded.key, {}, OptimizerPreset::stable), options);
  Evaluator evaluator(std::move(loaded.potential));
  System system = loaded.system;
  const double initial_energy = evaluator.evaluate(system).energy;
  Progress progress(budget, "evaluations");
  HopReport report = search.init(system, evaluator);
  std::ostringstream curve;
  curve.precision(17);
  curve << "hop,evaluations,trial_energy,energy,best_energy,accepted\n";
  const auto add_to_curve = [&curve](const HopReport& r) {
    curve << r.hop << ',' << r.evaluations << ',' << r.trial_energy << ',' << r.energy << ',' << r.best_energy << ','
          << (r.accepted ? 1 : 0) << '\n';
  };
  add_to_curve(report);
  while (report.evaluations < budget) {
    report = search.hop(system, evaluator, budget);
    add_to_curve(report);
    char note[96];
    std::snprintf(note, sizeof note, "best %.10g  hops %ld", report.best_energy, report.hop);
    progress.update(report.evaluations, note);
  }
  progress.finish();

  if (auto c = args.value("--curve")) io::write_file_atomically(*c, curve.str());
  if (out_path) {
    Frame best = to_frame(search.best(), evaluator.potential());
    best.system_key = loaded.key;
    best.energy = report.best_energy;
    write_extxyz_file(*out_path, {best});
  }
  const int n = system.size();
  if (args.flag("--json")) {
    nlohmann::json out{{"file", path},         {"system", loaded.key},
                       {"method", method},     {"local", local},
                       {"n_atoms", n},         {"initial_energy", initial_energy},
                       {"final_energy", report.best_energy},
                       {"energy_per_atom", report.best_energy / n},
                       {"hops", report.hop},   {"accepted", report.accepted_hops},
                       {"evaluations", report.evaluations},
                       {"temperature", options.temperature},
                       {"step_size", options.step_size},
                       {"seed", options.seed}};
    std::cout << out.dump() << "\n";
  } else {
    std::printf("initial energy: %.12g\nbest minimum:   %.12g (%.12g per atom)\n", initial_energy,
                report.best_energy, report.best_energy / n);
    std::printf("hops %ld (%ld accepted), %ld energy evaluations\n", report.hop, report.accepted_hops,
                report.evaluations);
  }
  return 0;
}

}  // namespace strider::cli
