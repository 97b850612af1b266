// `strider rollout MODEL FILE --steps T`: run a policy on a structure (no learning).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "learning.hpp"
#include "progress.hpp"
#include "strider/io.hpp"
#include "strider/rl.hpp"

namespace strider::cli {

const CommandSpec rollout_spec{
    "rollout",
    "MODEL FILE [--steps T] [--seed S] [--mean] [--trajectory TRAJ.xyz] [--out OUT.xyz] [--json]",
    "Move the atoms of FILE with a policy for T steps (no learning) and report the energies.",
    {"MODEL", "FILE"},
    [] {
      std::vector<OptionSpec> options = policy_potential_options();
      options.push_back({"--steps", "T", "policy steps (default 20)"});
      options.push_back({"--seed", "S", "seed of the action noise (default 1)"});
      options.push_back({"--mean", "", "take the mean action a = mu (default: sample a = mu + sqrt(alpha) z)"});
      options.push_back({"--trajectory", "TRAJ.xyz", "write every state, the first and last included"});
      options.push_back({"--out", "OUT.xyz", "write the final structure (extxyz with energy, forces, per-atom"
                                             " energies)"});
      options.push_back({"--json", "", "print one JSON object: initial_energy, final_energy, min_energy,"
                                       " min_step, energies, evaluations, seconds"});
      return options;
    }(),
    "Each step computes mu with the policy (batch statistics of the structure, as in\n"
    "training), moves every atom by a = mu + sqrt(alpha) z, wraps the periodic axes\n"
    "and evaluates the energy once: T + 1 evaluations in all. Exit status 3 when a\n"
    "step makes the energy non-finite.\n"};

namespace {

// State t of the episode as a frame of system `key` with its energy (and, when
// `full`, its forces and per-atom energies).
Frame episode_frame(const rl::Episode& episode, int t, const Potential& potential, const std::string& key, bool full) {
  Frame frame = to_frame(episode.state(t), potential);
  frame.system_key = key;
  const Evaluation& e = episode.evaluations[static_cast<std::size_t>(t)];
  frame.energy = e.energy;
  if (full) {
    frame.forces = e.forces;
    frame.per_atom_energy = e.per_atom;
  }
  return frame;
}

// Every state of the episode to the trajectory file and the last, in full, to the out file (each when given).
void write_episode(const rl::Episode& episode, const Potential& potential, const std::string& key,
                   const std::optional<std::string>& trajectory_path, const std::optional<std::string>& out_path) {
  if (trajectory_path) {
    ExtxyzTrajectory trajectory(*trajectory_path);
    for (int t = 0; t <= episode.steps(); ++t) trajectory.write(episode_frame(episode, t, potential, key, false));
    trajectory.finish();
  }
  if (out_path) write_extxyz_file(*out_path, {episode_frame(episode, episode.steps(), potential, key, true)});
}

}  // namespace

int run_rollout(const ParsedArgs& args) {
  using Clock = std::chrono::steady_clock;
  const std::string& model_path = args.positionals[0];
  const std::string& path = args.positionals[1];
  const auto out_path = args.value("--out");
  const auto trajectory_path = args.value("--trajectory");
  if (out_path) check_xyz_output("--out", *out_path);
  if (trajectory_path) check_xyz_output("--trajectory", *trajectory_path);
  PolicyFile file = load_policy(model_path);
  StriderPolicy& policy = *file.policy;
  const std::string key = policy.config().graph.system;
  LoadedStructure loaded = load_structure_for_policy(args, path, key);

  rl::RolloutSettings settings;
  settings.steps = static_cast<int>(args.whole("--steps", 20, 0, 100000000));
  settings.sample = !args.flag("--mean");
  const std::uint64_t seed = static_cast<std::uint64_t>(args.whole("--seed", 1, 0, 1L << 53));
  Random random(rl::stream_seed(seed, {5}));
  Evaluator evaluator(std::move(loaded.potential));

  const auto t0 = Clock::now();
  rl::Episode episode;
  try {
    episode = rl::rollout(policy, loaded.system, evaluator, settings, random);
  } catch (const rl::DivergedError& e) {
    std::fprintf(stderr, "strider rollout: error: %s\n", e.what());
    return 3;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const std::vector<double> energies = episode.energies();
  const auto min_it = std::min_element(energies.begin(), energies.end());
  const long min_step = static_cast<long>(min_it - energies.begin());

  write_episode(episode, evaluator.potential(), key, trajectory_path, out_path);

  const int n = loaded.system.size();
  if (args.flag("--json")) {
    nlohmann::json out{{"model", model_path},
                       {"file", path},
                       {"system", key},
                       {"n_atoms", n},
                       {"steps", episode.steps()},
                       {"sampled", settings.sample},
                       {"seed", seed},
                       {"initial_energy", energies.front()},
                       {"final_energy", energies.back()},
                       {"min_energy", *min_it},
                       {"min_step", min_step},
                       {"energies", energies},
                       {"evaluations", episode.evaluations_used},
                       {"seconds", seconds},
                       {"seconds_per_step", episode.steps() > 0 ? seconds / episode.steps() : 0.0}};
    if (out_path) out["out"] = *out_path;
    if (trajectory_path) out["trajectory"] = *trajectory_path;
    std::cout << out.dump() << "\n";
  } else {
    std::printf("file:             %s\n", path.c_str());
    std::printf("system:           %s, %d atoms; policy %s\n", key.c_str(), n, model_path.c_str());
    std::printf("steps:            %d (%s actions), %ld evaluations, %.3g s (%.3g ms per step)\n", episode.steps(),
                settings.sample ? "sampled" : "mean", episode.evaluations_used, seconds,
                episode.steps() > 0 ? 1e3 * seconds / episode.steps() : 0.0);
    std::printf("initial energy:   %.12g\n", energies.front());
    std::printf("final energy:     %.12g\n", energies.back());
    std::printf("lowest energy:    %.12g (step %ld)\n", *min_it, min_step);
    if (trajectory_path) std::printf("trajectory:       %s (%d frames)\n", trajectory_path->c_str(), episode.steps() + 1);
    if (out_path) std::printf("final structure:  %s\n", out_path->c_str());
  }
  return 0;
}

}  // namespace strider::cli
