// `strider adapt MODEL FILE`: adapt a trained policy to one structure (paper section 3.5).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "learning.hpp"
#include "progress.hpp"
#include "strider/io.hpp"
#include "strider/rl_adaptation.hpp"
#ifdef STRIDER_WITH_TORCH
#include "strider/torch/distributed.hpp"
#endif

namespace strider::cli {

const CommandSpec adapt_spec{
    "adapt",
    "MODEL FILE [--epochs E] [--seeds K] [--seed S] [--out OUT.xyz] [--curve CURVE.csv] [--json] [options]",
    "Adapt a trained policy to the structure in FILE and keep the lowest energy it reaches.",
    {"MODEL", "FILE"},
    [] {
      std::vector<OptionSpec> options = potential_options();
      options[0].help = "the system; must be the policy's (default: the policy's)";
      options.push_back({"--epochs", "E", "adaptation epochs per seed (default 1000, the paper's)"});
      options.push_back({"--seeds", "K", "independent runs from the trained policy; the best is kept (default 10,"
                                         " the paper's)"});
      options.push_back({"--seed", "S", "seed of the runs' noise (default 1)"});
      options.push_back({"--candidates", "C", "the next start is the lowest of the last C states (default 3, the"
                                              " paper's; see below)"});
      options.push_back({"--restart", "RULE", "the next start by name: last3 (the lowest of the last three"
                                              " states, the paper's; = --candidates 3) or any (the lowest state of"
                                              " the episode; = --candidates T)"});
      options.push_back({"--variance", "ALPHA", "the policy's action variance alpha (length^2) for this"
                                                " adaptation, instead of the weight file's (the paper: 1e-5; the"
                                                " authors' code: 1e-12)"});
      for (const OptionSpec& o : learning_options(15)) options.push_back(o);
      options.push_back({"--out", "OUT.xyz", "write the lowest-energy structure (extxyz with energy, forces,"
                                             " per-atom energies)"});
      options.push_back({"--policy-out", "MODEL2", "write the best run's adapted policy"});
      options.push_back({"--curve", "CURVE.csv", "the start energy after every epoch of every seed"});
      options.push_back({"--json", "", "print one JSON object: initial_energy, final_energy, evaluations, runs, ..."});
      return options;
    }(),
    "Each epoch runs T = 15 policy steps from the current start, updates the\n"
    "policy on them (estimator, baseline, Adam and clipping as in training;\n"
    "Adam state fresh for each seed), and makes the lowest-energy state among the\n"
    "last three the next start. final_energy is the lowest start energy of the\n"
    "best seed; evaluations counts every energy evaluation of every seed (policy\n"
    "steps, and the baselines of reinforce).\n"
    "\n"
    "The paper's rule (the last three states) assumes a policy that keeps lowering\n"
    "the energy to the end of its episode; one that overshoots late drags every\n"
    "next start upward. --restart any (= --candidates 15) lets any state after\n"
    "the start be the next start.\n"
    "\n"
    "Estimators (--estimator): pathwise credits each step with its own return\n"
    "and holds the later graphs constant; bptt is the exact gradient of what the\n"
    "authors' released code optimises (a discounted sum of the episode's later\n"
    "energies, through every later graph; one extra force pass per step, counted\n"
    "in evaluations). The paper's alpha is 1e-5; the authors' code sampled with\n"
    "standard deviation 1e-6 (alpha 1e-12): --variance sets it.\n"
    "\n"
    "A sweep over processes: started with MASTER_ADDR, MASTER_PORT, RANK and\n"
    "WORLD_SIZE set (as strider train --backend torch; needs a build with\n"
    "LibTorch), seed k runs on rank k % WORLD_SIZE, and rank 0 writes and prints\n"
    "the same result one process would have.\n"};

int run_adapt(const ParsedArgs& args) {
  using Clock = std::chrono::steady_clock;
  const std::string& model_path = args.positionals[0];
  const std::string& path = args.positionals[1];
  const auto out_path = args.value("--out");
  if (out_path) check_xyz_output("--out", *out_path);
  PolicyFile file = load_policy(model_path);
  StriderPolicy& policy = *file.policy;
  const std::string key = policy.config().graph.system;
  LoadedStructure loaded = load_structure_for_policy(args, path, key);

  rl::AdaptSettings settings;
  settings.system = key;
  settings.potential = potential_options_from(args);
  apply_learning_options(learning_options_from(args, 15), settings);
  settings.epochs = args.whole("--epochs", 1000, 0, 1000000000);
  settings.seeds = static_cast<int>(args.whole("--seeds", 10, 1, 1000000));
  settings.seed = static_cast<std::uint64_t>(args.whole("--seed", 1, 0, 1L << 53));
  settings.candidates = static_cast<int>(args.whole("--candidates", 3, 1, 100000));
  if (auto rule = args.value("--restart")) {
    if (args.value("--candidates")) throw InputError("--restart and --candidates name the same rule: give one");
    if (*rule != "last3" && *rule != "any") throw InputError("--restart " + *rule + ": unknown rule (known: last3, any)");
    settings.candidates = *rule == "last3" ? 3 : settings.steps;
  }
  if (auto alpha = args.number("--variance")) {
    if (!(*alpha > 0.0) || !std::isfinite(*alpha)) throw InputError("--variance must be a finite number > 0");
    policy.set_variance(*alpha);
  }
  settings.validate();

#ifdef STRIDER_WITH_TORCH
  const std::unique_ptr<C10dEpisodeGroup> group = episode_group_from_environment();
  rl::EpisodeGroup* sweep = group.get();
#else
  rl::EpisodeGroup* sweep = nullptr;
#endif

  Progress progress(settings.epochs * settings.seeds, "epochs");
  // The curve: start energy, best energy and evaluations after each epoch of each seed
  // (seeds x epochs x 3), zero for the seeds of other processes until summed over them.
  const Eigen::Index epochs = settings.epochs;
  Eigen::VectorXd curve = Eigen::VectorXd::Zero(settings.seeds * epochs * 3);
  double best_overall = INFINITY;
  const auto t0 = Clock::now();
  const rl::AdaptResult result = rl::adapt(
      policy, loaded.system, settings,
      [&](const rl::AdaptProgress& p) {
        best_overall = std::min(best_overall, p.best_energy);
        char note[96];
        std::snprintf(note, sizeof note, "seed %d  E %.10g  best %.10g", p.seed_index, p.start_energy, best_overall);
        progress.update(p.seed_index * settings.epochs + p.epoch, note);
        double* row = curve.data() + (p.seed_index * epochs + p.epoch - 1) * 3;
        row[0] = p.start_energy, row[1] = p.best_energy, row[2] = static_cast<double>(p.evaluations);
      },
      sweep);
  progress.finish();
  if (sweep) sweep->sum(curve);
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (sweep && sweep->rank() != 0) return 0;  // one writer: rank 0
  const rl::AdaptRun& best = result.best_run();

  if (out_path) {
    Evaluator evaluator(make_potential(key, settings.potential));
    const Evaluation& e = evaluator.evaluate(best.best);
    Frame frame = to_frame(best.best, evaluator.potential());
    frame.system_key = key;
    frame.energy = e.energy;
    frame.forces = e.forces;
    frame.per_atom_energy = e.per_atom;
    write_extxyz_file(*out_path, {frame});
  }
  if (auto p = args.value("--policy-out")) {
    policy.set_parameters(best.parameters);
    nlohmann::json meta{{"command", "strider adapt"}, {"model", model_path}, {"structure", path},
                        {"epochs", settings.epochs}, {"seed", settings.seed}, {"seed_index", best.seed_index},
                        {"estimator", rl::to_string(settings.estimator)}, {"candidates", settings.candidates}};
    write_policy_weights_file(*p, policy, meta.dump());
  }
  if (auto c = args.value("--curve")) {
    std::ostringstream csv;
    csv << "seed,epoch,start_energy,best_energy,evaluations\n";
    for (const rl::AdaptRun& r : result.runs) {
      for (long e = 1; e <= r.epochs; ++e) {
        const double* row = curve.data() + (r.seed_index * epochs + e - 1) * 3;
        char line[160];
        std::snprintf(line, sizeof line, "%d,%ld,%.17g,%.17g,%ld\n", r.seed_index, e, row[0], row[1],
                      std::lround(row[2]));
        csv << line;
      }
    }
    io::write_file_atomically(*c, csv.str());
  }

  const int n = loaded.system.size();
  long diverged = 0;
  for (const rl::AdaptRun& r : result.runs) diverged += r.diverged ? 1 : 0;
  if (args.flag("--json")) {
    nlohmann::json runs = nlohmann::json::array();
    for (const rl::AdaptRun& r : result.runs) {
      nlohmann::json j{{"seed_index", r.seed_index},   {"final_energy", r.final_energy}, {"last_energy", r.last_energy},
                       {"best_epoch", r.best_epoch},   {"epochs", r.epochs},             {"evaluations", r.evaluations},
                       {"diverged", r.diverged}};
      if (r.diverged) j["message"] = r.message;
      runs.push_back(j);
    }
    nlohmann::json out{{"model", model_path},
                       {"file", path},
                       {"system", key},
                       {"n_atoms", n},
                       {"estimator", rl::to_string(settings.estimator)},
                       {"epochs", settings.epochs},
                       {"seeds", settings.seeds},
                       {"seed", settings.seed},
                       {"steps", settings.steps},
                       {"candidates", settings.candidates},
                       {"variance", policy.variance()},
                       {"processes", sweep ? sweep->size() : 1},
                       {"initial_energy", best.initial_energy},
                       {"final_energy", best.final_energy},
                       {"energy_per_atom", n > 0 ? best.final_energy / n : 0.0},
                       {"best_seed", best.seed_index},
                       {"best_epoch", best.best_epoch},
                       {"evaluations", result.evaluations},
                       {"diverged_runs", diverged},
                       {"runs", runs},
                       {"seconds", seconds}};
    if (out_path) out["out"] = *out_path;
    std::cout << out.dump() << "\n";
  } else {
    std::printf("file:             %s\n", path.c_str());
    std::printf("system:           %s, %d atoms; policy %s\n", key.c_str(), n, model_path.c_str());
    std::printf("adaptation:       %ld epochs x %d seeds, T = %d, %s estimator\n", settings.epochs, settings.seeds,
                settings.steps, rl::to_string(settings.estimator).c_str());
    std::printf("initial energy:   %.12g\n", best.initial_energy);
    std::printf("final energy:     %.12g (seed %d, epoch %ld)\n", best.final_energy, best.seed_index,
                best.best_epoch);
    std::printf("energy per atom:  %.12g\n", n > 0 ? best.final_energy / n : 0.0);
    std::printf("evaluations:      %ld (all seeds), %.3g s\n", result.evaluations, seconds);
    if (diverged > 0) std::printf("diverged runs:    %ld (stopped early; their best states still count)\n", diverged);
    if (out_path) std::printf("final structure:  %s\n", out_path->c_str());
  }
  return 0;
}

}  // namespace strider::cli
