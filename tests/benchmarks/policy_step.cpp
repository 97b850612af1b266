// Micro-benchmark: one StriderNET policy step at N = 100 (binary LJ), against
// the paper's 543 ms (Table 10: 54.3 s per 100 steps of the policy forward
// pass, 100-atom LJ, 2 x 12-core Haswell).
//
//   bench_policy_step [STRUCTURE.xyz] [STEPS]
//
// A step is what a rollout does per action: build the graph (neighbour list
// with a skin, features), run the network forward, sample a ~ N(mu, alpha I)
// and move the atoms. Timed separately: the energy evaluation that gives the
// next step's per-atom energies (the environment, not the policy), the
// backward pass, and a graph built from scratch every step.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "strider/evaluator.hpp"
#include "strider/io.hpp"
#include "strider/policy.hpp"

using namespace strider;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kPaperStepMs = 543.0;

double ms_since(Clock::time_point start, int steps) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count() / steps;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : std::string(STRIDER_TEST_DATA) + "/references/lj-binary-n100.xyz";
  const int steps = argc > 2 ? std::atoi(argv[2]) : 2000;
  const Frame frame = read_extxyz_file(path).at(0);
  const std::string key = frame.system_key.value_or("lj-binary");
  Evaluator evaluator(make_potential(key));
  System system = to_system(frame, evaluator.potential());
  Evaluation evaluation = evaluator.evaluate(system);
  StriderPolicy policy(policy_preset(key), 1);
  Random rng(2);

  // Warm up (allocations, first neighbour list).
  for (int k = 0; k < 20; ++k) policy.forward(system, evaluation, false);

  // The policy step: graph + forward + sampling (+ the move), energies held fixed.
  System moving = system;
  Clock::time_point start = Clock::now();
  for (int k = 0; k < steps; ++k) {
    const Eigen::Matrix3Xd mu = policy.forward(moving, evaluation, false);
    moving.positions += sample_action(mu, policy.variance(), rng);
  }
  const double step_ms = ms_since(start, steps);
  const int edges = policy.last_graph().edges();

  // Parts, for the record.
  start = Clock::now();
  for (int k = 0; k < steps; ++k) build_graph(system, evaluation.per_atom, policy.config().graph);
  const double scratch_graph_ms = ms_since(start, steps);
  const Graph graph = build_graph(system, evaluation.per_atom, policy.config().graph);
  start = Clock::now();
  for (int k = 0; k < steps; ++k) policy.forward(graph, false);
  const double forward_ms = ms_since(start, steps);
  start = Clock::now();
  for (int k = 0; k < steps; ++k) policy.forward(graph, true);
  const double forward_training_ms = ms_since(start, steps);
  const Eigen::Matrix3Xd ones = Eigen::Matrix3Xd::Ones(3, system.size());
  start = Clock::now();
  for (int k = 0; k < steps; ++k) {
    policy.forward(graph, true);
    policy.backward(ones);
  }
  const double forward_backward_ms = ms_since(start, steps);
  moving = system;
  start = Clock::now();
  for (int k = 0; k < steps; ++k) {
    const Eigen::Matrix3Xd mu = policy.forward(moving, evaluation, false);
    moving.positions += sample_action(mu, policy.variance(), rng);
    evaluation = evaluator.evaluate(moving);
  }
  const double with_energy_ms = ms_since(start, steps);

  std::printf("policy step, %s: N = %d, %d edges, %d parameters, %d steps\n", key.c_str(), system.size(), edges,
              policy.parameter_count(), steps);
  std::printf("  graph (skin list) + forward + sampling: %.4f ms   paper 543 ms: %.0fx faster\n", step_ms,
              kPaperStepMs / step_ms);
  std::printf("  ... with the energy evaluation:         %.4f ms   %.0fx faster\n", with_energy_ms,
              kPaperStepMs / with_energy_ms);
  std::printf("  graph built from scratch:               %.4f ms\n", scratch_graph_ms);
  std::printf("  forward (eval / training batch norm):   %.4f / %.4f ms\n", forward_ms, forward_training_ms);
  std::printf("  forward + backward (training):          %.4f ms\n", forward_backward_ms);
  std::printf("goal: policy step < 1 ms: %s\n", step_ms < 1.0 ? "met" : "NOT met");
  return 0;
}
