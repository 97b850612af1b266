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
#include "strider/rl_protocol.hpp"
#include "strider/text.hpp"
#include "torch_backend.hpp"

namespace strider::cli {

const CommandSpec adapt_spec{
    "adapt",
    "MODEL FILE... [--epochs E] [--seeds K] [--seed S] [--out OUT.xyz] [--curve CURVE.csv] [--json]\n"
    "                        [--backend engine|torch] [--device cpu|cuda] [options]",
    "Adapt a trained policy to the structure in each FILE and keep the lowest energy it reaches.",
    {"MODEL", "FILE..."},
    [] {
      std::vector<OptionSpec> options = policy_potential_options();
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
      for (const OptionSpec& o : learning_options(15, rl::kAdaptationLearningRate)) options.push_back(o);
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
    "seeds stacked), on one CPU thread unless OMP_NUM_THREADS says otherwise\n"
    "(OMP_NUM_THREADS=2: two). The result equals --backend engine to rounding.\n"
    "Several FILEs are each adapted as if alone; --out, --curve and --policy-out\n"
    "then get -0, -1, ... (the FILE's position) before their extension, and --json\n"
    "prints one line per FILE.\n"
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

// An adaptation as the options describe it: the policy, its targets and the settings.
struct Adaptation {
  std::string model_path;
  std::vector<std::string> paths;  // the FILEs
  std::optional<std::string> out_path;
  BackendChoice backend;
  std::unique_ptr<rl::EpisodeGroup> group;  // a sweep over processes (WORLD_SIZE > 1), else nullptr
  PolicyFile file;
  std::vector<System> systems;  // one per FILE
  rl::AdaptSettings settings;   // settings.system: the policy's system key
};

Adaptation adaptation_from(const ParsedArgs& args) {
  Adaptation a;
  a.model_path = args.positionals[0];
  a.paths.assign(args.positionals.begin() + 1, args.positionals.end());
  a.out_path = args.value("--out");
  if (a.out_path) check_xyz_output("--out", *a.out_path);
  a.backend = backend_option(args);  // before any work: may hand over to strider-torch
  a.file = load_policy(a.model_path);
  StriderPolicy& policy = *a.file.policy;
  const std::string key = policy.config().graph.system;
  for (const std::string& path : a.paths) a.systems.push_back(load_structure_for_policy(args, path, key).system);

  rl::AdaptSettings& settings = a.settings;
  settings.system = key;
  settings.potential = potential_options_from(args);
  apply_learning_options(learning_options_from(args, 15, rl::kAdaptationLearningRate), settings);
  settings.epochs = args.whole("--epochs", 1000, 0, 1000000000);
  settings.seeds = static_cast<int>(args.whole("--seeds", 10, 1, 1000000));
  settings.seed = static_cast<std::uint64_t>(args.whole("--seed", 1, 0, 1L << 53));
  settings.candidates = static_cast<int>(args.whole("--candidates", 3, 1, 100000));
  if (auto rule = args.value("--restart")) {
    if (args.value("--candidates")) throw InputError("--restart and --candidates name the same rule: give one");
    try {
      settings.candidates = rl::restart_candidates(*rule, settings.steps);
    } catch (const InputError& e) {
      throw InputError(std::string("--restart ") + e.what());
    }
  }
  if (auto alpha = variance_option(args)) policy.set_variance(*alpha);
  settings.validate();
  a.group = episode_group_from_environment();
  return a;
}

// Every target's result, with its curve: the start energy, best energy and
// evaluations after each epoch of each seed (seeds x epochs x 3), summed over the processes.
struct AdaptOutcome {
  std::vector<rl::AdaptResult> results;
  std::vector<Eigen::VectorXd> curves;
  double seconds = 0.0;
};

AdaptOutcome adapt_all(Adaptation& a) {
  const rl::AdaptSettings& settings = a.settings;
  const std::size_t targets = a.paths.size();
  rl::EpisodeGroup* sweep = a.group.get();
  const int slots = rl::adapt_batch_slots(static_cast<int>(targets), settings, sweep);
  const TorchBackend* torch = a.backend.torch;
  std::unique_ptr<rl::SlotPolicyModel> batch =
      torch ? torch->slot_policy(*a.file.policy, slots, a.backend.device) : nullptr;

  // Progress: every epoch of every run of this process; the per-seed state goes to the server's progress file.
  Progress progress(settings.epochs * slots, "epochs");
  long done = 0;
  std::vector<nlohmann::ordered_json> seed_state(static_cast<std::size_t>(targets * settings.seeds));
  const Eigen::Index epochs = settings.epochs;
  AdaptOutcome outcome;
  outcome.curves.assign(targets, Eigen::VectorXd::Zero(settings.seeds * epochs * 3));
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
    double* row = outcome.curves[static_cast<std::size_t>(target)].data() + (p.seed_index * epochs + p.epoch - 1) * 3;
    row[0] = p.start_energy, row[1] = p.best_energy, row[2] = static_cast<double>(p.evaluations);
  };
  const auto t0 = std::chrono::steady_clock::now();
  if (batch) {
    outcome.results = rl::adapt_batch(*batch, a.systems, settings, on_epoch, sweep);
  } else {
    for (std::size_t j = 0; j < targets; ++j) {
      outcome.results.push_back(rl::adapt(
          *a.file.policy, a.systems[j], settings, [&](const rl::AdaptProgress& p) { on_epoch(static_cast<int>(j), p); },
          sweep));
    }
  }
  progress.finish();
  if (sweep) {
    for (Eigen::VectorXd& curve : outcome.curves) sweep->sum(curve);
  }
  outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return outcome;
}

// Target j's files: --out (the lowest-energy structure), --policy-out (the best run's policy), --curve.
void write_target_files(const ParsedArgs& args, Adaptation& a, std::size_t j, const AdaptOutcome& outcome) {
  const rl::AdaptSettings& settings = a.settings;
  const std::size_t targets = a.paths.size();
  const rl::AdaptResult& result = outcome.results[j];
  const rl::AdaptRun& best = result.best_run();
  if (a.out_path) {
    Evaluator evaluator(make_potential(settings.system, settings.potential));
    const Evaluation& e = evaluator.evaluate(best.best);
    Frame frame = to_frame(best.best, evaluator.potential());
    frame.system_key = settings.system;
    frame.energy = e.energy;
    frame.forces = e.forces;
    frame.per_atom_energy = e.per_atom;
    write_extxyz_file(target_path(*a.out_path, j, targets), {frame});
  }
  if (auto p = args.value("--policy-out")) {
    a.file.policy->set_parameters(best.parameters);
    nlohmann::json meta{{"command", "strider adapt"}, {"model", a.model_path}, {"structure", a.paths[j]},
                        {"epochs", settings.epochs}, {"seed", settings.seed}, {"seed_index", best.seed_index},
                        {"estimator", rl::to_string(settings.estimator)}, {"candidates", settings.candidates}};
    write_policy_weights_file(target_path(*p, j, targets), *a.file.policy, meta.dump());
  }
  if (auto c = args.value("--curve")) {
    std::ostringstream csv;
    csv << "seed,epoch,start_energy,best_energy,evaluations\n";
    for (const rl::AdaptRun& r : result.runs) {
      for (long e = 1; e <= r.epochs; ++e) {
        const double* row = outcome.curves[j].data() + (r.seed_index * settings.epochs + e - 1) * 3;
        csv << r.seed_index << ',' << e << ',' << io::format_double(row[0]) << ',' << io::format_double(row[1]) << ','
            << std::lround(row[2]) << '\n';
      }
    }
    io::write_file_atomically(target_path(*c, j, targets), csv.str());
  }
}

long diverged_runs(const rl::AdaptResult& result) {
  long diverged = 0;
  for (const rl::AdaptRun& r : result.runs) diverged += r.diverged ? 1 : 0;
  return diverged;
}

// Target j's result as one JSON line.
void print_json_summary(const Adaptation& a, std::size_t j, const AdaptOutcome& outcome) {
  const rl::AdaptSettings& settings = a.settings;
  const rl::AdaptResult& result = outcome.results[j];
  const rl::AdaptRun& best = result.best_run();
  const int n = a.systems[j].size();
  nlohmann::json runs = nlohmann::json::array();
  for (const rl::AdaptRun& r : result.runs) {
    nlohmann::json run{{"seed_index", r.seed_index}, {"final_energy", r.final_energy},
                       {"last_energy", r.last_energy}, {"best_epoch", r.best_epoch},
                       {"epochs", r.epochs},         {"evaluations", r.evaluations},
                       {"diverged", r.diverged}};
    if (r.diverged) run["message"] = r.message;
    runs.push_back(run);
  }
  nlohmann::json summary{{"model", a.model_path},
                         {"file", a.paths[j]},
                         {"system", settings.system},
                         {"n_atoms", n},
                         {"estimator", rl::to_string(settings.estimator)},
                         {"epochs", settings.epochs},
                         {"seeds", settings.seeds},
                         {"seed", settings.seed},
                         {"steps", settings.steps},
                         {"candidates", settings.candidates},
                         {"variance", a.file.policy->variance()},
                         {"learning_rate", settings.adam.learning_rate},
                         {"processes", a.group ? a.group->size() : 1},
                         {"backend", a.backend.name},
                         {"device", a.backend.device},
                         {"initial_energy", best.initial_energy},
                         {"final_energy", best.final_energy},
                         {"energy_per_atom", n > 0 ? best.final_energy / n : 0.0},
                         {"best_seed", best.seed_index},
                         {"best_epoch", best.best_epoch},
                         {"evaluations", result.evaluations},
                         {"diverged_runs", diverged_runs(result)},
                         {"runs", runs},
                         {"seconds", outcome.seconds}};
  if (a.out_path) summary["out"] = target_path(*a.out_path, j, a.paths.size());
  std::cout << summary.dump() << "\n";
}

void print_text_summary(const Adaptation& a, std::size_t j, const AdaptOutcome& outcome) {
  const rl::AdaptSettings& settings = a.settings;
  const rl::AdaptResult& result = outcome.results[j];
  const rl::AdaptRun& best = result.best_run();
  const int n = a.systems[j].size();
  if (j > 0) std::printf("\n");
  std::printf("file:             %s\n", a.paths[j].c_str());
  std::printf("system:           %s, %d atoms; policy %s\n", settings.system.c_str(), n, a.model_path.c_str());
  std::printf("adaptation:       %ld epochs x %d seeds, T = %d, %s estimator, %s backend (%s)\n", settings.epochs,
              settings.seeds, settings.steps, rl::to_string(settings.estimator).c_str(), a.backend.name.c_str(),
              a.backend.device.c_str());
  std::printf("initial energy:   %.12g\n", best.initial_energy);
  std::printf("final energy:     %.12g (seed %d, epoch %ld)\n", best.final_energy, best.seed_index, best.best_epoch);
  std::printf("energy per atom:  %.12g\n", n > 0 ? best.final_energy / n : 0.0);
  std::printf("evaluations:      %ld (all seeds), %.3g s%s\n", result.evaluations, outcome.seconds,
              a.paths.size() > 1 ? " (all targets)" : "");
  if (const long diverged = diverged_runs(result); diverged > 0) {
    std::printf("diverged runs:    %ld (stopped early; their best states still count)\n", diverged);
  }
  if (a.out_path) std::printf("final structure:  %s\n", target_path(*a.out_path, j, a.paths.size()).c_str());
}

}  // namespace

int run_adapt(const ParsedArgs& args) {
  Adaptation a = adaptation_from(args);
  const AdaptOutcome outcome = adapt_all(a);
  if (a.group && a.group->rank() != 0) return 0;  // one writer: rank 0
  for (std::size_t j = 0; j < a.paths.size(); ++j) {
    write_target_files(args, a, j, outcome);
    if (args.flag("--json")) {
      print_json_summary(a, j, outcome);  // one line per target
    } else {
      print_text_summary(a, j, outcome);
    }
  }
  return 0;
}

}  // namespace strider::cli
