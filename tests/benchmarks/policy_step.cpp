// Micro-benchmark: one StriderNET policy step at N = 100 (binary LJ), against
// the paper's 543 ms (Table 10: 54.3 s per 100 steps of the policy forward
// pass, 100-atom LJ, 2 x 12-core Haswell).
//
//   bench_policy_step [STRUCTURE.xyz] [STEPS]
//
// A step is what a rollout does per action: build the graph (neighbour list
// with a skin, features), run the network forward, sample a ~ N(mu, alpha I)
// and move the atoms; episodes of T = 15 steps start from the structure (an
// untrained policy would otherwise drift the atoms into each other). Timed
// separately: the energy evaluation that gives the next step's per-atom
// energies (the environment, not the policy), a graph built from scratch, the
// forward alone and forward + backward. Also the bytes one kept forward holds
// (StriderPolicy::keep_forward: the activations the backward reads).
//
// Each figure is the best of 10 batches (mean time per step within a batch):
// on a shared machine the least disturbed batch is the closest to the code's cost.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "strider/evaluator.hpp"
#include "strider/io.hpp"
#include "strider/policy.hpp"

using namespace strider;

namespace {

constexpr double kPaperStepMs = 543.0;
constexpr int kEpisode = 15;

// Best of 10 batches of `steps` / 10 calls of step(k): ms per call.
double best_ms(int steps, const std::function<void(int)>& step) {
  const int batch = std::max(1, steps / 10);
  double best = 1e300;
  for (int b = 0; b < 10; ++b) {
    const auto start = std::chrono::steady_clock::now();
    for (int k = 0; k < batch; ++k) step(b * batch + k);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    best = std::min(best, ms / batch);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 && argv[1][0] ? argv[1] : std::string(STRIDER_TEST_DATA) + "/references/lj-binary-n100.xyz";
  const int steps = argc > 2 ? std::max(10, std::atoi(argv[2])) : 3000;
  const Frame frame = read_extxyz_file(path).at(0);
  const std::string key = frame.system_key.value_or("lj-binary");
  Evaluator evaluator(make_potential(key));
  const System system = to_system(frame, evaluator.potential());
  const Evaluation initial = evaluator.evaluate(system);
  StriderPolicy policy(policy_preset(key), 1);
  Random rng(2);

  // The policy step: graph + forward + sampling (+ the move), energies held fixed.
  System moving = system;
  const double step_ms = best_ms(steps, [&](int k) {
    if (k % kEpisode == 0) moving.positions = system.positions;
    const Eigen::Matrix3Xd mu = policy.forward(moving, initial, false);
    moving.positions += sample_action(mu, policy.variance(), rng);
  });
  const int edges = policy.last_graph().edges();

  // The same with the energy evaluation after each move.
  Evaluation evaluation = initial;
  const double with_energy_ms = best_ms(steps, [&](int k) {
    if (k % kEpisode == 0) {
      moving.positions = system.positions;
      evaluation = initial;
    }
    const Eigen::Matrix3Xd mu = policy.forward(moving, evaluation, false);
    moving.positions += sample_action(mu, policy.variance(), rng);
    evaluation = evaluator.evaluate(moving);
  });

  // Parts.
  const double scratch_graph_ms =
      best_ms(steps, [&](int) { build_graph(system, initial.per_atom, policy.config().graph); });
  const Graph graph = build_graph(system, initial.per_atom, policy.config().graph);
  const double forward_ms = best_ms(steps, [&](int) { policy.forward(graph, false); });
  const double forward_training_ms = best_ms(steps, [&](int) { policy.forward(graph, true); });
  const Eigen::Matrix3Xd ones = Eigen::Matrix3Xd::Ones(3, system.size());
  const double forward_backward_ms = best_ms(steps, [&](int) {
    policy.forward(graph, true);
    policy.backward(ones);
  });

  // What keeping one forward for its backward holds (PolicyModel::keep_forward).
  StriderPolicy keeper(policy_preset(key), 1);
  keeper.forward(system, initial, true);
  keeper.keep_forward();
  const double kept_bytes = static_cast<double>(keeper.kept_forward_bytes());
  const int kept_edges = keeper.last_graph().edges();

  std::printf("policy step, %s: N = %d, %d edges, %d parameters, best of 10 batches of %d steps\n", key.c_str(),
              system.size(), edges, policy.parameter_count(), std::max(1, steps / 10));
  std::printf("  graph (skin list) + forward + sampling: %8.4f ms   paper 543 ms: %.0fx faster\n", step_ms,
              kPaperStepMs / step_ms);
  std::printf("  ... with the energy evaluation:         %8.4f ms   %.0fx faster\n", with_energy_ms,
              kPaperStepMs / with_energy_ms);
  std::printf("  graph built from scratch:               %8.4f ms\n", scratch_graph_ms);
  std::printf("  forward, eval / training batch norm:    %8.4f / %.4f ms\n", forward_ms, forward_training_ms);
  std::printf("  forward + backward (training):          %8.4f ms\n", forward_backward_ms);
  std::printf("  kept forward (what backward reads):     %8.1f KB = %.0f bytes per edge; T = %d steps: %.1f MB\n",
              kept_bytes / 1024.0, kept_bytes / std::max(1, kept_edges), kEpisode, kEpisode * kept_bytes / (1 << 20));
  std::printf("goal: policy step < 1 ms: %s\n", step_ms < 1.0 ? "met" : "not met");
  return 0;
}
