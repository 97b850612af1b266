// Adaptation with every seed in one batch (rl::adapt_batch over the LibTorch
// TorchSlotPolicy) against the engine's adaptation, one seed after another on
// StriderPolicy, as the oracle: per-slot means and gradients with slots of
// different parameters and structures of different sizes, then whole
// adaptations (every estimator and baseline, batch norm in both modes, several
// targets in one batch) ending with the engine's energies, structures and
// adapted parameters; the slots' derivatives through the state (bptt) against
// the engine's backward_to_state.
#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/rl_adaptation_batch.hpp"
#include "strider/torch/policy.hpp"
#include "strider/torch/slot_policy.hpp"
#include "../reference_structures.hpp"

using namespace strider;

namespace {

using test::load_reference;
using test::normal_matrix;

double relative_difference(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  return (a - b).cwiseAbs().maxCoeff() / std::max(b.cwiseAbs().maxCoeff(), 1e-300);
}

// The reference structure of system `key` the tests start from.
test::Structure reference_of(const std::string& key, double jitter = 0.0, std::uint64_t seed = 1) {
  return load_reference(key == "sw-si" ? "sw-si-hot64.xyz" : "lj-binary-n100.xyz", key, jitter, seed);
}

// He initialisation (mu differs from atom to atom), running statistics near (not at) those of a
// graph of the system, so that batch norm with them differs from batch statistics but stays O(1).
std::unique_ptr<StriderPolicy> make_policy(std::uint64_t seed, const std::string& key = "lj-binary",
                                           GraphFeatures features = GraphFeatures::paper) {
  PolicyConfig config = policy_preset(key, features);
  config.initialisation = Initialisation::he;
  auto policy = std::make_unique<StriderPolicy>(config, seed);
  const test::Structure s = reference_of(key);
  const Graph graph = build_graph(s.system, s.evaluation.per_atom, config.graph, s.evaluation.forces);
  const Eigen::VectorXd mean = graph.node_features.rowwise().mean();
  const Eigen::VectorXd var = (graph.node_features.colwise() - mean).rowwise().squaredNorm() / graph.nodes;
  policy->set_running_statistics(mean.array() + 0.3, var.array() * 1.7 + 0.2);
  return policy;
}

// The parameters of slot s: the policy's, moved by a seeded relative perturbation.
Eigen::VectorXd perturbed(const Eigen::VectorXd& p, std::uint64_t seed) {
  Random rng(seed);
  Eigen::VectorXd out = p;
  for (Eigen::Index k = 0; k < out.size(); ++k) out[k] *= 1.0 + 0.2 * rng.normal();
  return out;
}

// The two backends round differently, and an adaptation amplifies rounding: Adam divides every
// gradient component by its own size (plus epsilon), so a component that is zero but for rounding
// (see the epsilon below) moves its parameter differently in each backend, already in the first
// update (measured 1e-9 of the largest parameter); energies and structures of the first epoch
// agree to ~1e-15 (its rollout uses the initial policy); after that the differences grow ~100-fold
// per epoch (measured at most 2.3e-9 after 4 epochs). A wrong slot, noise stream, baseline or start
// differs by 1e-3 or more. Tolerances are relative: energies to the initial energy, positions and
// parameters to their largest.
void check_same_runs(const rl::AdaptResult& batch, const rl::AdaptResult& engine, double tolerance,
                     double parameter_tolerance) {
  REQUIRE(batch.runs.size() == engine.runs.size());
  CHECK(batch.best == engine.best);
  CHECK(batch.evaluations == engine.evaluations);
  for (std::size_t k = 0; k < engine.runs.size(); ++k) {
    INFO("seed " << k);
    const rl::AdaptRun& a = batch.runs[k];
    const rl::AdaptRun& b = engine.runs[k];
    CHECK(a.seed_index == b.seed_index);
    CHECK(a.epochs == b.epochs);
    CHECK(a.best_epoch == b.best_epoch);
    CHECK(a.evaluations == b.evaluations);
    CHECK(a.diverged == b.diverged);
    const double scale = std::abs(b.initial_energy);
    CHECK(std::abs(a.initial_energy - b.initial_energy) <= 1e-12 * scale);
    CHECK(std::abs(a.final_energy - b.final_energy) <= tolerance * scale);
    CHECK(std::abs(a.last_energy - b.last_energy) <= tolerance * scale);
    REQUIRE(a.start_energies.size() == b.start_energies.size());
    for (std::size_t e = 0; e < b.start_energies.size(); ++e) {
      CHECK(std::abs(a.start_energies[e] - b.start_energies[e]) <= tolerance * scale);
    }
    CHECK(relative_difference(a.best.positions, b.best.positions) <= tolerance);
    CHECK(relative_difference(a.parameters, b.parameters) <= parameter_tolerance);
  }
}

}  // namespace

TEST_CASE("slot policy: each slot's mu and gradient equal the engine's with that slot's parameters", "[torch]") {
  const std::string key = "lj-binary";
  auto engine = make_policy(5);
  TorchSlotPolicy slots(*engine, 3);
  std::vector<Eigen::VectorXd> parameters;
  for (int s = 0; s < 3; ++s) {
    parameters.push_back(perturbed(engine->parameters(), 70 + s));
    slots.set_parameters(s, parameters.back());
    CHECK(slots.parameters(s) == parameters.back());
  }
  // Slot 2 twice and slot 0 once, with structures of different sizes, in a shuffled order.
  const test::Structure a = load_reference("lj-binary-n100.xyz", key, 0.05, 1);
  const test::Structure b = load_reference("lj-binary-n25.xyz", key, 0.05, 2);
  const test::Structure c = load_reference("lj-binary-n25.xyz", key, 0.05, 3);
  const std::vector<int> ids{2, 0, 2};
  const std::vector<System> states{a.system, b.system, c.system};
  const std::vector<const Evaluation*> evaluations{&a.evaluation, &b.evaluation, &c.evaluation};
  for (bool training : {false, true}) {  // eval first: it reads the running statistics training then moves
    INFO((training ? "training" : "eval") << " mode");
    Random rng(9);
    std::vector<Eigen::Matrix3Xd> grad_mu;
    for (const System& s : states) grad_mu.push_back(normal_matrix(s.size(), rng));
    slots.zero_gradient();
    const std::vector<Eigen::Matrix3Xd> only_mu =
        slots.forward({2, 0}, {a.system, b.system}, {&a.evaluation, &b.evaluation}, training);
    const std::vector<Eigen::Matrix3Xd> mu = slots.forward_backward(ids, states, evaluations, training, grad_mu);
    std::vector<Eigen::VectorXd> expected_gradient(3, Eigen::VectorXd::Zero(engine->parameter_count()));
    for (std::size_t i = 0; i < ids.size(); ++i) {
      INFO("state " << i);
      auto one = make_policy(5);
      one->set_parameters(parameters[static_cast<std::size_t>(ids[i])]);
      one->zero_gradient();
      const Eigen::Matrix3Xd expected = one->forward(states[i], *evaluations[i], training);
      one->backward(grad_mu[i]);
      expected_gradient[static_cast<std::size_t>(ids[i])] += one->gradient();
      REQUIRE(expected.cwiseAbs().maxCoeff() > 0.0);
      CHECK(relative_difference(mu[i], expected) <= 1e-10);
      if (i < only_mu.size()) CHECK(relative_difference(only_mu[i], expected) <= 1e-10);
    }
    for (int s = 0; s < 3; ++s) {
      INFO("slot " << s);
      if (s == 1) {
        CHECK(slots.gradient(s).isZero(0.0));  // no state of slot 1: nothing added
      } else {
        CHECK(relative_difference(slots.gradient(s), expected_gradient[static_cast<std::size_t>(s)]) <= 1e-10);
      }
    }
  }
  // Running statistics: eval mode never moves them; each slot's training graphs move only its own.
  CHECK(slots.running_mean(1) == engine->running_mean());
  CHECK(slots.running_mean(0) != engine->running_mean());
}

TEST_CASE("slot policy: each slot's derivatives through the state equal the engine's backward_to_state", "[torch]") {
  for (const std::string key : {"lj-binary", "sw-si"}) {
    for (GraphFeatures features : {GraphFeatures::paper, GraphFeatures::forces}) {
      for (int threads : {1, 2}) {  // the row kernels split their work between LibTorch's threads
        auto engine = make_policy(11, key, features);
        TorchSlotPolicy slots(*engine, 3, "cpu", threads);
        std::vector<Eigen::VectorXd> parameters;
        for (int s = 0; s < 3; ++s) {
          parameters.push_back(perturbed(engine->parameters(), 80 + s));
          slots.set_parameters(s, parameters.back());
        }
        // Slots 2 and 0 (slot 1 idle), on two structures of the system, one per slot (as a bptt step);
        // the second with a previous displacement (read by the forces set).
        const test::Structure a = reference_of(key, 0.05, 1), b = reference_of(key, 0.05, 2);
        const std::vector<int> ids{2, 0};
        std::vector<System> states{a.system, b.system};
        Random previous(7);
        states[1].previous_displacement = normal_matrix(b.system.size(), previous) * 0.01;
        const std::vector<const Evaluation*> evaluations{&a.evaluation, &b.evaluation};
        for (bool training : {false, true}) {
          INFO(key << ", " << to_string(features) << ", " << (training ? "training" : "eval") << " mode, "
                       << threads << " threads");
          Random rng(12);
          std::vector<Eigen::Matrix3Xd> grad_mu;
          for (const System& s : states) grad_mu.push_back(normal_matrix(s.size(), rng));
          slots.zero_gradient();
          std::vector<StateGradient> grad_state;
          const std::vector<Eigen::Matrix3Xd> mu =
              slots.backward_to_state(ids, states, evaluations, training, grad_mu, grad_state);
          REQUIRE(grad_state.size() == 2);
          for (std::size_t i = 0; i < ids.size(); ++i) {
            INFO("state " << i);
            auto one = make_policy(11, key, features);
            one->set_parameters(parameters[static_cast<std::size_t>(ids[i])]);
            one->zero_gradient();
            const Eigen::Matrix3Xd expected = one->forward(states[i], *evaluations[i], training);
            StateGradient expected_state;
            one->backward_to_state(grad_mu[i], expected_state);
            REQUIRE(expected_state.positions.cwiseAbs().maxCoeff() > 0.0);
            REQUIRE(expected_state.per_atom.cwiseAbs().maxCoeff() > 0.0);
            CHECK(relative_difference(mu[i], expected) <= 1e-10);
            CHECK(relative_difference(grad_state[i].positions, expected_state.positions) <= 1e-10);
            CHECK(relative_difference(grad_state[i].per_atom, expected_state.per_atom) <= 1e-10);
            if (features == GraphFeatures::forces) {
              REQUIRE(expected_state.forces.cwiseAbs().maxCoeff() > 0.0);
              REQUIRE(expected_state.previous_displacement.cwiseAbs().maxCoeff() > 0.0);
              CHECK(relative_difference(grad_state[i].forces, expected_state.forces) <= 1e-10);
              CHECK(relative_difference(grad_state[i].previous_displacement, expected_state.previous_displacement) <=
                    1e-10);
            }
            CHECK(relative_difference(slots.gradient(ids[i]), one->gradient()) <= 1e-10);
          }
          CHECK(slots.gradient(1).isZero(0.0));
        }
      }
    }
  }
}

TEST_CASE("adaptation with every seed in one batch equals the engine's, every estimator", "[torch]") {
  const std::string key = "lj-binary";
  const System target = load_reference("lj-binary-n25.xyz", key, 0.05, 4).system;
  struct Variant {
    rl::Estimator estimator;
    rl::Baseline baseline;
    bool batch_statistics;
  };
  for (const Variant v : {Variant{rl::Estimator::pathwise, rl::Baseline::fire, true},
                          Variant{rl::Estimator::pathwise, rl::Baseline::fire, false},
                          Variant{rl::Estimator::reinforce, rl::Baseline::fire, true},
                          Variant{rl::Estimator::reinforce, rl::Baseline::mean, false},
                          Variant{rl::Estimator::reinforce, rl::Baseline::none, true}}) {
    INFO(rl::to_string(v.estimator) << ", baseline " << rl::to_string(v.baseline) << ", batch statistics "
                                    << v.batch_statistics);
    rl::AdaptSettings settings;
    settings.system = key;
    settings.estimator = v.estimator;
    settings.baseline = v.baseline;
    settings.batch_statistics = v.batch_statistics;
    settings.seeds = 3;
    settings.seed = 8;
    settings.candidates = 15;
    // As in test_torch_policy's training test: with the pathwise estimator the output bias's gradient is
    // the total force, zero but for rounding, which Adam at epsilon 1e-8 turns into a step of ~lr x
    // rounding / 1e-8 that differs between backends and grows over the epochs (measured: 1e-12 of the
    // energy after 3 epochs). epsilon 1e-5 leaves every real component's step unchanged to < 1e-3.
    settings.adam.epsilon = 1e-5;
    struct Length {
      long epochs;
      double tolerance, parameter_tolerance;
    };
    for (const auto& [epochs, tolerance, parameter_tolerance] : {Length{1, 1e-12, 1e-8}, Length{4, 1e-7, 1e-7}}) {
      INFO(epochs << " epochs");
      // With running statistics this untrained policy's episodes reach overlaps (forces ~1e14, and
      // a gradient of that size, clipped to 0.1): its rounding, ~1e-2 absolute, moves the second
      // Adam step apart in the two backends. Its first epoch is compared.
      if (!v.batch_statistics && epochs > 1) continue;
      settings.epochs = epochs;
      auto engine = make_policy(6);
      const rl::AdaptResult expected = rl::adapt(*engine, target, settings);
      TorchSlotPolicy slots(*engine, rl::adapt_batch_slots(1, settings));
      const std::vector<rl::AdaptResult> batch = rl::adapt_batch(slots, {target}, settings);
      REQUIRE(batch.size() == 1);
      // The starts moved (an adaptation that changes nothing would pass trivially).
      REQUIRE(expected.runs[0].start_energies.back() != expected.runs[0].initial_energy);
      check_same_runs(batch[0], expected, tolerance, parameter_tolerance);
    }
  }
}

TEST_CASE("bptt adaptation with every seed in one batch equals the engine's, lj-binary and sw-si", "[torch]") {
  for (const std::string key : {"lj-binary", "sw-si"}) {
    INFO(key);
    const System target = key == "sw-si" ? reference_of(key, 0.02, 4).system
                                         : load_reference("lj-binary-n25.xyz", key, 0.05, 4).system;
    rl::AdaptSettings settings;
    settings.system = key;
    settings.estimator = rl::Estimator::bptt;
    settings.seeds = key == "sw-si" ? 2 : 3;
    settings.seed = 9;
    settings.candidates = 15;
    settings.adam.epsilon = 1e-5;  // see the test above
    // bptt's gradient chains every step's force derivatives back through the episode, so it rounds
    // more than pathwise's; Adam amplifies that as above. Measured on lj-binary: parameters 1.9e-8
    // apart after the first update (sw-si 2.6e-11), energies and structures 5e-16; after 3 epochs
    // parameters 1.7e-6, energies 1.1e-9, structures 9e-10. A wrong slot, noise stream, start or
    // sweep step differs by 1e-3 or more.
    struct Length {
      long epochs;
      double tolerance, parameter_tolerance;
    };
    for (const auto& [epochs, tolerance, parameter_tolerance] : {Length{1, 1e-12, 1e-7}, Length{3, 1e-7, 1e-5}}) {
      INFO(epochs << " epochs");
      settings.epochs = epochs;
      auto engine = make_policy(6, key);
      const rl::AdaptResult expected = rl::adapt(*engine, target, settings);
      TorchSlotPolicy slots(*engine, rl::adapt_batch_slots(1, settings));
      const std::vector<rl::AdaptResult> batch = rl::adapt_batch(slots, {target}, settings);
      REQUIRE(batch.size() == 1);
      REQUIRE(expected.runs[0].start_energies.back() != expected.runs[0].initial_energy);
      // Every epoch: T + 1 evaluations of the rollout and T - 1 weighted-force passes of the sweep.
      for (const rl::AdaptRun& run : batch[0].runs) CHECK(run.evaluations == 1 + epochs * 2 * settings.steps);
      check_same_runs(batch[0], expected, tolerance, parameter_tolerance);
    }
  }
}

TEST_CASE("several targets of different sizes in one batch: each as the engine adapts it alone", "[torch]") {
  const std::string key = "lj-binary";
  const std::vector<System> targets{load_reference("lj-binary-n25.xyz", key, 0.05, 5).system,
                                    load_reference("lj-binary-n100.xyz", key, 0.05, 6).system};
  rl::AdaptSettings settings;
  settings.system = key;
  settings.epochs = 3;
  settings.seeds = 2;
  settings.adam.epsilon = 1e-5;  // see the test above
  auto engine = make_policy(7);
  TorchSlotPolicy slots(*engine, rl::adapt_batch_slots(2, settings));
  REQUIRE(slots.slots() == 4);
  std::vector<std::pair<int, int>> seen;  // (target, seed) of every progress report
  const std::vector<rl::AdaptResult> batch = rl::adapt_batch(
      slots, targets, settings, [&](int j, const rl::AdaptProgress& p) { seen.emplace_back(j, p.seed_index); });
  REQUIRE(batch.size() == 2);
  CHECK(seen.size() == 2 * 2 * 3);
  CHECK(seen.front() == std::pair<int, int>{0, 0});
  CHECK(seen[3] == std::pair<int, int>{1, 1});  // epoch 1 of every slot first
  for (std::size_t j = 0; j < targets.size(); ++j) {
    INFO("target " << j);
    const rl::AdaptResult expected = rl::adapt(*engine, targets[j], settings);
    check_same_runs(batch[j], expected, 1e-7, 1e-7);
  }
}

TEST_CASE("batched adaptation: clear errors for a CUDA device without CUDA and a wrong slot count", "[torch]") {
  auto engine = make_policy(8);
  if (!torch_cuda_available()) {
    CHECK_THROWS_WITH(TorchSlotPolicy(*engine, 2, "cuda"), Catch::Contains("sees no CUDA device"));
  }
  CHECK_THROWS_WITH(TorchSlotPolicy(*engine, 2, "tpu"), Catch::Contains("unknown device"));
  rl::AdaptSettings settings;
  settings.system = "lj-binary";
  settings.seeds = 3;
  TorchSlotPolicy two(*engine, 2);
  const System target = load_reference("lj-binary-n25.xyz", "lj-binary").system;
  CHECK_THROWS_AS(rl::adapt_batch(two, {target}, settings), InputError);
}


TEST_CASE("bptt adaptation of a forces-feature policy in one batch equals the engine's", "[torch]") {
  // The forces set's sweep (Hessian products, the previous step's term), batched against the
  // engine, one epoch. Energies and structures to 1e-12 as above; the parameters after the first
  // Adam update to 1e-4, not 1e-7: the Hessian products are central differences of forces with a
  // step of 1e-5 x the spacing, so the forces' rounding (which differs between the two runs'
  // evaluators, whose neighbour lists sum the pairs in another order) enters the gradient ~1e5
  // times larger than in the other sets, and Adam's first step amplifies it in components near
  // its epsilon as the comment above says. Measured: 1.1e-5 .. 1.7e-5 (the gradients themselves
  // agree to 1e-9 of their largest component, test_torch_policy).
  const std::string key = "lj-binary";
  const System target = load_reference("lj-binary-n25.xyz", key, 0.05, 4).system;
  rl::AdaptSettings settings;
  settings.system = key;
  settings.estimator = rl::Estimator::bptt;
  settings.seeds = 3;
  settings.seed = 9;
  settings.candidates = 15;
  settings.adam.epsilon = 1e-5;
  settings.epochs = 1;
  auto engine = make_policy(6, key, GraphFeatures::forces);
  const rl::AdaptResult expected = rl::adapt(*engine, target, settings);
  TorchSlotPolicy slots(*engine, rl::adapt_batch_slots(1, settings));
  const std::vector<rl::AdaptResult> batch = rl::adapt_batch(slots, {target}, settings);
  REQUIRE(batch.size() == 1);
  REQUIRE(expected.runs[0].start_energies.back() != expected.runs[0].initial_energy);
  // Every epoch: T + 1 evaluations of the rollout, T - 1 weighted-force passes and 2 (T - 1) force
  // evaluations of the Hessian products.
  for (const rl::AdaptRun& run : batch[0].runs) {
    CHECK(run.evaluations == 1 + settings.epochs * (2 * settings.steps + 2 * (settings.steps - 1)));
  }
  check_same_runs(batch[0], expected, 1e-12, 1e-4);
}
