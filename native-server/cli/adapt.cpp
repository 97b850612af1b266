// `strider adapt MODEL FILE`: adapt a trained policy to one structure (paper section 3.5).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "learning.hpp"
#include "progress.hpp"
#include "strider/io.hpp"
#include "strider/rl_adaptation.hpp"
#include "strider/rl_adaptation_batch.hpp"
#ifdef STRIDER_WITH_TORCH
#include "strider/torch/distributed.hpp"
#include "strider/torch/slot_policy.hpp"
#endif

namespace strider::cli {

const CommandSpec adapt_spec{
    "adapt",
    "MODEL FILE... [--epochs E] [--seeds K] [--seed S] [--out OUT.xyz] [--curve CURVE.csv] [--json]\n"
    "                        [--backend engine|torch] [--device cpu|cuda] [options]",
    "Adapt a trained policy to the structure in each FILE and keep the lowest energy it reaches.",
    {"MODEL", "FILE..."},
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
      options.push_back({"--backend", "NAME", "engine (the hand-written network, one seed after another; default) or"
                                              " torch (the LibTorch twin, every seed of every FILE in one batch)"});
      options.push_back({"--device", "DEV", "with --backend torch: cpu (default) or cuda"});
      options.push_back({"--json", "", "print one JSON object per FILE: initial_energy, final_energy, evaluations,"
                                       " runs, ..."});
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
    "--backend torch runs all seeds of all FILEs together: each keeps its own\n"
    "policy, Adam moments, noise and next start, and every policy step of every\n"
    "seed is one batch of disjoint graphs in LibTorch (the parameters of the\n"
    "seeds stacked). The result equals --backend engine to rounding. Several\n"
    "FILEs are each adapted as if alone; --out, --curve and --policy-out then get\n"
    "-0, -1, ... (the FILE's position) before their extension, and --json prints\n"
    "one line per FILE.\n"
    "\n"
    "A sweep over processes: started with MASTER_ADDR, MASTER_PORT, RANK and\n"
    "WORLD_SIZE set (as strider train --backend torch; needs a build with\n"
    "LibTorch), seed k runs on rank k % WORLD_SIZE (with either backend), and\n"
    "rank 0 writes and prints the same result one process would have.\n"};

namespace {

// PATH for target j of `count`: PATH itself for one target, else with "-j" before the extension.
std::string target_path(const std::string& path, std::size_t j, std::size_t count) {
  if (count == 1) return path;
  const std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + "-" + std::to_string(j) + p.extension().string())).string();
}

}  // namespace

int run_adapt(const ParsedArgs& args) {
  using Clock = std::chrono::steady_clock;
  const std::string& model_path = args.positionals[0];
  const std::vector<std::string> paths(args.positionals.begin() + 1, args.positionals.end());
  const std::size_t targets = paths.size();
  const auto out_path = args.value("--out");
  if (out_path) check_xyz_output("--out", *out_path);
  PolicyFile file = load_policy(model_path);
  StriderPolicy& policy = *file.policy;
  const std::string key = policy.config().graph.system;
  std::vector<System> systems;
  for (const std::string& path : paths) systems.push_back(load_structure_for_policy(args, path, key).system);

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
  if (auto alpha = variance_option(args)) policy.set_variance(*alpha);
  settings.validate();
  const std::string backend = args.value("--backend").value_or("engine");
  const std::string device = args.value("--device").value_or("cpu");
  if (backend != "engine" && backend != "torch") {
    throw InputError("--backend " + backend + ": unknown backend (known: engine, torch)");
  }
  if (backend == "engine" && device != "cpu") throw InputError("--device " + device + " needs --backend torch");

#ifdef STRIDER_WITH_TORCH
  const std::unique_ptr<C10dEpisodeGroup> group = episode_group_from_environment();
  rl::EpisodeGroup* sweep = group.get();
  std::unique_ptr<TorchSlotPolicy> batch;
  if (backend == "torch") {
    batch = std::make_unique<TorchSlotPolicy>(
        policy, rl::adapt_batch_slots(static_cast<int>(targets), settings, sweep), device);
  }
#else
  if (backend == "torch") throw InputError("--backend torch: this strider was built without LibTorch");
  rl::EpisodeGroup* sweep = nullptr;
#endif

  // Progress: every epoch of every run of this process; the per-seed state goes to the server's progress file.
  const long runs_here = rl::adapt_batch_slots(static_cast<int>(targets), settings, sweep);
  Progress progress(settings.epochs * runs_here, "epochs");
  long done = 0;
  std::vector<nlohmann::ordered_json> seed_state(static_cast<std::size_t>(targets * settings.seeds));
  // The curves: start energy, best energy and evaluations after each epoch of each seed
  // (seeds x epochs x 3 per target), zero for the seeds of other processes until summed over them.
  const Eigen::Index epochs = settings.epochs;
  std::vector<Eigen::VectorXd> curves(targets, Eigen::VectorXd::Zero(settings.seeds * epochs * 3));
  double best_overall = INFINITY;
  auto on_epoch = [&](int target, const rl::AdaptProgress& p) {
    best_overall = std::min(best_overall, p.best_energy);
    char note[128];
    const std::string which = targets > 1 ? "target " + std::to_string(target) + " " : "";
    std::snprintf(note, sizeof note, "%sseed %d  E %.10g  best %.10g", which.c_str(), p.seed_index, p.start_energy,
                  best_overall);
    nlohmann::ordered_json seeds;
    if (progress.writes_json_lines()) {
      nlohmann::ordered_json& state = seed_state[static_cast<std::size_t>(target * settings.seeds + p.seed_index)];
      state = {{"seed", p.seed_index}, {"epoch", p.epoch}, {"energy", p.start_energy}, {"best_energy", p.best_energy}};
      if (targets > 1) state["target"] = target;
      seeds = nlohmann::ordered_json::array();
      for (const nlohmann::ordered_json& s : seed_state) {
        if (!s.is_null()) seeds.push_back(s);
      }
    }
    progress.update(++done, note, seeds);
    double* row = curves[static_cast<std::size_t>(target)].data() + (p.seed_index * epochs + p.epoch - 1) * 3;
    row[0] = p.start_energy, row[1] = p.best_energy, row[2] = static_cast<double>(p.evaluations);
  };
  const auto t0 = Clock::now();
  std::vector<rl::AdaptResult> results;
#ifdef STRIDER_WITH_TORCH
  if (batch) results = rl::adapt_batch(*batch, systems, settings, on_epoch, sweep);
#endif
  if (backend == "engine") {
    for (std::size_t j = 0; j < targets; ++j) {
      results.push_back(rl::adapt(
          policy, systems[j], settings, [&](const rl::AdaptProgress& p) { on_epoch(static_cast<int>(j), p); }, sweep));
    }
  }
  progress.finish();
  if (sweep) {
    for (Eigen::VectorXd& curve : curves) sweep->sum(curve);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (sweep && sweep->rank() != 0) return 0;  // one writer: rank 0

  for (std::size_t j = 0; j < targets; ++j) {
    const std::string& path = paths[j];
    const System& target = systems[j];
    const rl::AdaptResult& result = results[j];
    const Eigen::VectorXd& curve = curves[j];
    const rl::AdaptRun& best = result.best_run();
    const std::optional<std::string> out =
        out_path ? std::optional<std::string>(target_path(*out_path, j, targets)) : std::nullopt;
    if (out) {
      Evaluator evaluator(make_potential(key, settings.potential));
      const Evaluation& e = evaluator.evaluate(best.best);
      Frame frame = to_frame(best.best, evaluator.potential());
      frame.system_key = key;
      frame.energy = e.energy;
      frame.forces = e.forces;
      frame.per_atom_energy = e.per_atom;
      write_extxyz_file(*out, {frame});
    }
    if (auto p = args.value("--policy-out")) {
      policy.set_parameters(best.parameters);
      nlohmann::json meta{{"command", "strider adapt"}, {"model", model_path}, {"structure", path},
                          {"epochs", settings.epochs}, {"seed", settings.seed}, {"seed_index", best.seed_index},
                          {"estimator", rl::to_string(settings.estimator)}, {"candidates", settings.candidates}};
      write_policy_weights_file(target_path(*p, j, targets), policy, meta.dump());
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
      io::write_file_atomically(target_path(*c, j, targets), csv.str());
    }

    const int n = target.size();
    long diverged = 0;
    for (const rl::AdaptRun& r : result.runs) diverged += r.diverged ? 1 : 0;
    if (args.flag("--json")) {
      nlohmann::json runs = nlohmann::json::array();
      for (const rl::AdaptRun& r : result.runs) {
        nlohmann::json run{{"seed_index", r.seed_index}, {"final_energy", r.final_energy},
                           {"last_energy", r.last_energy}, {"best_epoch", r.best_epoch},
                           {"epochs", r.epochs},         {"evaluations", r.evaluations},
                           {"diverged", r.diverged}};
        if (r.diverged) run["message"] = r.message;
        runs.push_back(run);
      }
      nlohmann::json summary{{"model", model_path},
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
                          {"backend", backend},
                          {"device", device},
                          {"initial_energy", best.initial_energy},
                          {"final_energy", best.final_energy},
                          {"energy_per_atom", n > 0 ? best.final_energy / n : 0.0},
                          {"best_seed", best.seed_index},
                          {"best_epoch", best.best_epoch},
                          {"evaluations", result.evaluations},
                          {"diverged_runs", diverged},
                          {"runs", runs},
                          {"seconds", seconds}};
      if (out) summary["out"] = *out;
      std::cout << summary.dump() << "\n";  // one line per target
    } else {
      if (j > 0) std::printf("\n");
      std::printf("file:             %s\n", path.c_str());
      std::printf("system:           %s, %d atoms; policy %s\n", key.c_str(), n, model_path.c_str());
      std::printf("adaptation:       %ld epochs x %d seeds, T = %d, %s estimator, %s backend (%s)\n",
                  settings.epochs, settings.seeds, settings.steps, rl::to_string(settings.estimator).c_str(),
                  backend.c_str(), device.c_str());
      std::printf("initial energy:   %.12g\n", best.initial_energy);
      std::printf("final energy:     %.12g (seed %d, epoch %ld)\n", best.final_energy, best.seed_index,
                  best.best_epoch);
      std::printf("energy per atom:  %.12g\n", n > 0 ? best.final_energy / n : 0.0);
      std::printf("evaluations:      %ld (all seeds), %.3g s%s\n", result.evaluations, seconds,
                  targets > 1 ? " (all targets)" : "");
      if (diverged > 0) std::printf("diverged runs:    %ld (stopped early; their best states still count)\n", diverged);
      if (out) std::printf("final structure:  %s\n", out->c_str());
    }
  }
  return 0;
}

}  // namespace strider::cli
