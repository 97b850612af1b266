// `strider search FILE --method basin-hopping`: a global search for low minima.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "learning.hpp"
#include "progress.hpp"
#include "strider/adaptive_proposal.hpp"
#include "strider/basin_hopping.hpp"
#include "strider/io.hpp"
#include "strider/md.hpp"
#include "strider/optimizers.hpp"
#include "strider/policy.hpp"
#include "strider/policy_proposal.hpp"
#include "strider/system_spec.hpp"
#include "strider/text.hpp"

namespace strider::cli {

const CommandSpec search_spec{
    "search",
    "FILE --method basin-hopping [--local NAME] [--budget EVALS] [--temperature T] [--step S]\n"
    "                      [--proposal random|policy|adaptive --model MODEL [--policy-steps K] [--proposal-lr LR]]\n"
    "                      [--seed S] [--fmax F] [--out OUT.xyz] [--curve CURVE.csv] [--system KEY] [--json]",
    "Search for the lowest minimum near the structure in FILE (basin hopping, Wales & Doye 1997).",
    {"FILE"},
    [] {
      std::vector<OptionSpec> options = potential_options();
      options.push_back({"--method", "NAME", "basin-hopping (the default and, for now, the only method)"});
      options.push_back({"--local", "NAME", "local optimiser of each hop (default lbfgs): " + optimizer_names_text()});
      options.push_back({"--budget", "EVALS", "energy evaluations in all, local minimisations included (default 20000)"});
      options.push_back({"--temperature", "T", "Metropolis temperature, energy unit (default: see below)"});
      options.push_back({"--step", "S", "each coordinate moves uniformly in [-S, S] per hop, length unit (with"
                                        " --proposal policy: a kick before the policy's steps, default 0 = none;"
                                        " with --proposal adaptive: the move's Gaussian spread, default the system's S below / sqrt(3), the"
                                        " uniform move's spread)"});
      options.push_back({"--proposal", "NAME", "how a hop leaves the minimum: random (default, the uniform move"
                                               " above), policy (the policy of --model takes K sampled steps) or"
                                               " adaptive (one Gaussian move around the policy's mean, the policy"
                                               " learning on the target as the search runs)"});
      options.push_back({"--model", "MODEL", "the policy weights of --proposal policy or adaptive (a `strider"
                                             " train` or `strider adapt` output for this system)"});
      options.push_back({"--policy-steps", "K", "policy steps per hop with --proposal policy (default 15)"});
      options.push_back({"--proposal-lr", "LR", "Adam's learning rate of --proposal adaptive (default 0.001;"
                                                " 0 keeps the policy as loaded)"});
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
      return lines +
             "--proposal policy replaces the uniform move by K sampled steps of a learned\n"
             "policy (after an optional --step kick); its K + 1 energy evaluations per hop\n"
             "count in the budget like the local minimisations' do.\n"
             "--proposal adaptive moves every coordinate by the policy's mean plus a\n"
             "normal draw of spread S (one evaluation per hop for the policy's features),\n"
             "and after each relaxation updates the policy by REINFORCE: the log-density\n"
             "of the move, weighted by how much further its relaxed energy fell than the\n"
             "running mean of earlier hops' falls (in units of their running spread).\n";
    }()};

namespace {

double positive_option(const ParsedArgs& args, const std::string& name, double fallback) {
  const double x = args.number(name).value_or(fallback);
  if (!(x > 0.0)) throw InputError(name + " must be > 0");
  return x;
}

// The learned move of --proposal policy or adaptive: its weights (loaded), steps per hop
// (policy) and learning rate (adaptive).
struct LearnedMove {
  std::string name;
  std::string model_path;
  PolicyFile model;
  int steps = 15;
  double learning_rate = 1e-3;
};

// --proposal, --model, --policy-steps and --proposal-lr, checked; nothing for the uniform move.
std::optional<LearnedMove> learned_move_from(const ParsedArgs& args) {
  const std::string name = args.value("--proposal").value_or("random");
  if (name != "random" && name != "policy" && name != "adaptive") {
    throw InputError("unknown proposal '" + name + "' (known: random, policy, adaptive)");
  }
  const bool learned = name != "random";
  const auto model_path = args.value("--model");
  if (learned != model_path.has_value()) throw InputError("--proposal " + name + " and --model MODEL go together");
  if (name != "policy" && args.value("--policy-steps")) throw InputError("--policy-steps is for --proposal policy");
  if (name != "adaptive" && args.value("--proposal-lr")) throw InputError("--proposal-lr is for --proposal adaptive");
  if (!learned) return std::nullopt;
  LearnedMove move{name, *model_path, load_policy(*model_path)};
  move.steps = static_cast<int>(args.whole("--policy-steps", 15, 1, 100000));
  move.learning_rate = args.number("--proposal-lr").value_or(1e-3);
  return move;
}

// The first minimisation, then hops until the budget is spent, with progress;
// returns the --curve CSV (hop 0 and every hop) and leaves the last report in `report`.
// adaptive: the proposal that learns from each hop's outcome, or null.
std::string search_until(BasinHopping& search, System& system, Evaluator& evaluator, long budget, HopReport& report,
                         AdaptiveProposal* adaptive) {
  Progress progress(budget, "evaluations");
  report = search.init(system, evaluator, budget);
  std::ostringstream curve;
  curve << "hop,evaluations,trial_energy,energy,best_energy,accepted\n";
  const auto add_to_curve = [&curve](const HopReport& r) {
    curve << r.hop << ',' << r.evaluations << ',' << io::format_double(r.trial_energy) << ','
          << io::format_double(r.energy) << ',' << io::format_double(r.best_energy) << ',' << (r.accepted ? 1 : 0) << '\n';
  };
  add_to_curve(report);
  while (report.evaluations < budget) {
    const double left = report.energy;
    report = search.hop(system, evaluator, budget);
    if (adaptive) adaptive->learn(report.trial_energy - left);
    add_to_curve(report);
    char note[96];
    std::snprintf(note, sizeof note, "best %.10g  hops %ld", report.best_energy, report.hop);
    progress.update(report.evaluations, note);
  }
  progress.finish();
  return curve.str();
}

}  // namespace

int run_search(const ParsedArgs& args) {
  const std::string& path = args.positionals[0];
  const std::string method = args.value("--method").value_or("basin-hopping");
  if (method != "basin-hopping") throw InputError("unknown method '" + method + "' (known: basin-hopping)");
  const std::optional<LearnedMove> learned = learned_move_from(args);
  LoadedStructure loaded = learned ? load_structure_for_policy(args, path, learned->model.policy->config().graph.system)
                                   : load_structure(args, path);
  const SearchDefaults& defaults = system_spec(loaded.key).search;
  BasinHoppingOptions options;
  options.temperature = args.number("--temperature").value_or(defaults.temperature);
  if (options.temperature < 0.0) throw InputError("--temperature must be >= 0");
  double kick = 0.0;  // --proposal policy: the kick before the policy's steps; adaptive: the Gaussian spread
  std::optional<AdaptiveProposal> adaptive;
  if (learned && learned->name == "adaptive") {
    kick = positive_option(args, "--step", defaults.step / std::sqrt(3.0));
    adaptive.emplace(*learned->model.policy, AdaptiveProposalSettings{kick, learned->learning_rate});
  } else if (learned) {
    kick = args.number("--step").value_or(0.0);
    if (!(kick >= 0.0)) throw InputError("--step must be >= 0");
  } else {
    options.step_size = positive_option(args, "--step", defaults.step);
  }
  options.local_fmax = positive_option(args, "--fmax", defaults.fmax);
  const long budget = args.whole("--budget", 20000, 1);
  options.seed = static_cast<std::uint64_t>(args.whole("--seed", 1, 0));
  const std::string local = args.value("--local").value_or("lbfgs");
  const auto out_path = args.value("--out");
  if (out_path) check_xyz_output("--out", *out_path);

  HopProposal proposal = adaptive ? adaptive->as_hop_proposal()
                         : learned ? policy_proposal(*learned->model.policy, learned->steps, kick)
                                   : HopProposal{};
  BasinHopping search(make_optimizer(local, loaded.key, {}, OptimizerPreset::stable), options, std::move(proposal));
  Evaluator evaluator(std::move(loaded.potential));
  System system = loaded.system;
  const double initial_energy = evaluator.evaluate(system).energy;
  HopReport report;
  const std::string curve = search_until(search, system, evaluator, budget, report, adaptive ? &*adaptive : nullptr);

  if (auto c = args.value("--curve")) io::write_file_atomically(*c, curve);
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
                       {"proposal", learned ? learned->name : "random"},
                       {"step_size", learned ? kick : options.step_size},
                       {"seed", options.seed}};
    if (learned) {
      out["model"] = learned->model_path;
      if (adaptive) {
        out["proposal_lr"] = learned->learning_rate;
        out["policy_updates"] = adaptive->updates();
        out["last_policy_move_rms"] = adaptive->last_mean_move();
      } else {
        out["policy_steps"] = learned->steps;
      }
    }
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
