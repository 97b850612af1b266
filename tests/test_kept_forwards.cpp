// Kept forwards (PolicyModel::keep_forward / forward_again, policy.hpp): the
// rollout keeps each step's forward and the estimators take it back instead
// of computing it again. The oracle is the same run with nothing kept (a
// budget of 0 bytes), which computes every forward again as before: training
// and adaptation must give the same numbers bit for bit, for every estimator
// and for the feature sets authors and forces, and must have used kept forwards.
#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "reference_structures.hpp"
#include "strider/evaluator.hpp"
#include "strider/policy.hpp"
#include "strider/rl.hpp"
#include "strider/rl_adaptation.hpp"
#include "strider/rl_training.hpp"

using namespace strider;

namespace {

using test::load_reference;

PolicyConfig config_for(GraphFeatures features) {
  PolicyConfig config = policy_preset("lj-binary", features);
  config.initialisation = Initialisation::lecun;
  return config;
}

// Three lj-binary structures of 25 atoms (the reference, jittered by seeds 1..3).
std::vector<System> structures() {
  std::vector<System> out;
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    out.push_back(load_reference("lj-binary-n25.xyz", "lj-binary", 0.05, seed).system);
  }
  return out;
}

rl::AdaptSettings adapt_settings(rl::Estimator estimator, long epochs, int seeds) {
  rl::AdaptSettings settings;
  settings.system = "lj-binary";
  settings.estimator = estimator;
  settings.epochs = epochs;
  settings.seeds = seeds;
  return settings;
}

void check_same_runs(const rl::AdaptResult& kept, const rl::AdaptResult& recomputed) {
  REQUIRE(kept.runs.size() == recomputed.runs.size());
  for (std::size_t k = 0; k < kept.runs.size(); ++k) {
    const rl::AdaptRun& a = kept.runs[k];
    const rl::AdaptRun& b = recomputed.runs[k];
    CHECK_FALSE(a.diverged);
    CHECK(a.start_energies == b.start_energies);
    CHECK(a.parameters == b.parameters);
    CHECK(a.best.positions == b.best.positions);
    CHECK(a.evaluations == b.evaluations);
  }
}

}  // namespace

TEST_CASE("adaptation with kept forwards equals adaptation that computes them again, bit for bit",
          "[policy][kept]") {
  const System target = structures().front();
  for (GraphFeatures features : {GraphFeatures::authors, GraphFeatures::forces}) {
    for (rl::Estimator estimator : {rl::Estimator::pathwise, rl::Estimator::bptt, rl::Estimator::reinforce}) {
      for (bool batch_statistics : {true, false}) {
        INFO(to_string(features) << " features, " << rl::to_string(estimator) << ", batch statistics "
                                 << batch_statistics);
        StriderPolicy kept(config_for(features), 5);
        StriderPolicy recomputed(config_for(features), 5);
        recomputed.set_kept_forward_budget(0);
        if (!batch_statistics) {  // normalise with the target's own feature statistics, as a trained policy would
          Evaluator evaluator(make_potential("lj-binary"));
          const Evaluation& e = evaluator.evaluate(target);
          const Eigen::MatrixXd features_of_target =
              build_graph(target, e.per_atom, kept.config().graph, e.forces).node_features;
          const Eigen::VectorXd mean = features_of_target.rowwise().mean();
          const Eigen::VectorXd var = (features_of_target.colwise() - mean).rowwise().squaredNorm() /
                                      static_cast<double>(features_of_target.cols());
          kept.set_running_statistics(mean, var);
          recomputed.set_running_statistics(mean, var);
        }
        rl::AdaptSettings settings = adapt_settings(estimator, 4, 2);
        settings.batch_statistics = batch_statistics;
        const rl::AdaptResult a = rl::adapt(kept, target, settings);
        const rl::AdaptResult b = rl::adapt(recomputed, target, settings);
        check_same_runs(a, b);
        CHECK(a.runs[0].parameters != kept.parameters());  // it adapted
        CHECK(kept.running_mean() == recomputed.running_mean());
        CHECK(kept.running_var() == recomputed.running_var());
        // Most steps' forwards were taken back (2 seeds x 4 epochs x 15 steps);
        // a neighbour list rebuilt between rollout and sweep costs a few.
        INFO("reused " << kept.reused_forwards());
        CHECK(kept.reused_forwards() > 2 * 4 * 15 / 2);
        CHECK(recomputed.reused_forwards() == 0);
        CHECK(recomputed.kept_forward_bytes() == 0);
      }
    }
  }
}

TEST_CASE("training with kept forwards equals training that computes them again, bit for bit", "[policy][kept]") {
  const std::vector<System> training = structures();
  for (GraphFeatures features : {GraphFeatures::authors, GraphFeatures::forces}) {
    for (rl::Estimator estimator : {rl::Estimator::pathwise, rl::Estimator::bptt, rl::Estimator::reinforce}) {
      INFO(to_string(features) << " features, " << rl::to_string(estimator));
      StriderPolicy kept(config_for(features), 8);
      StriderPolicy recomputed(config_for(features), 8);
      recomputed.set_kept_forward_budget(0);
      rl::TrainSettings settings;
      settings.system = "lj-binary";
      settings.estimator = estimator;
      settings.batch_size = 2;
      settings.accumulation = 1;
      rl::Trainer a(kept, settings, training, {});
      rl::Trainer b(recomputed, settings, training, {});
      for (int epoch = 0; epoch < 2; ++epoch) {
        const rl::EpochRecord ra = a.train_epoch();
        const rl::EpochRecord rb = b.train_epoch();
        CHECK(ra.mean_objective == rb.mean_objective);
        CHECK(ra.mean_return == rb.mean_return);
        CHECK(ra.gradient_norm == rb.gradient_norm);
        CHECK(ra.evaluations == rb.evaluations);
        CHECK(kept.parameters() == recomputed.parameters());
      }
      CHECK(kept.running_mean() == recomputed.running_mean());
      CHECK(kept.running_var() == recomputed.running_var());
      INFO("reused " << kept.reused_forwards());
      CHECK(kept.reused_forwards() > 2 * 2 * 15 / 2);
    }
  }
}

TEST_CASE("a budget for a few forwards keeps the latest and still gives the same adaptation", "[policy][kept]") {
  const System target = structures().front();
  constexpr int kSteps = 15;
  StriderPolicy probe(config_for(GraphFeatures::forces), 5);
  {
    Evaluator evaluator(make_potential("lj-binary"));
    rl::RolloutSettings rollout_settings;
    rollout_settings.keep_forwards = true;
    Random random(3);
    const rl::Episode episode = rl::rollout(probe, target, evaluator, rollout_settings, random);
    REQUIRE(episode.kept_forwards.size() == kSteps);
  }
  const std::size_t per_forward = probe.kept_forward_bytes() / kSteps;
  // The activations: at least the three per-edge matrices of hidden width, 8 bytes a number.
  CHECK(per_forward > 3 * 48 * 8 * static_cast<std::size_t>(probe.last_graph().edges()));
  CHECK(probe.kept_forward_bytes() <= probe.kept_forward_budget());

  for (rl::Estimator estimator : {rl::Estimator::pathwise, rl::Estimator::bptt}) {
    INFO(rl::to_string(estimator));
    StriderPolicy kept(config_for(GraphFeatures::forces), 5);
    StriderPolicy recomputed(config_for(GraphFeatures::forces), 5);
    kept.set_kept_forward_budget(4 * per_forward + per_forward / 2);
    recomputed.set_kept_forward_budget(0);
    const rl::AdaptSettings settings = adapt_settings(estimator, 3, 1);
    check_same_runs(rl::adapt(kept, target, settings), rl::adapt(recomputed, target, settings));
    CHECK(kept.kept_forward_bytes() <= kept.kept_forward_budget());
    CHECK(kept.reused_forwards() > 0);
    CHECK(kept.reused_forwards() <= 3 * 4);
  }
}

TEST_CASE("forward_again computes the forward when the kept one no longer applies", "[policy][kept]") {
  const test::Structure s = load_reference("lj-binary-n25.xyz", "lj-binary", 0.05, 2);
  const test::Structure other = load_reference("lj-binary-n25.xyz", "lj-binary", 0.05, 3);
  StriderPolicy policy(config_for(GraphFeatures::authors), 4);
  StriderPolicy fresh(config_for(GraphFeatures::authors), 4);
  const Eigen::Matrix3Xd mu = policy.forward(s.system, s.evaluation, false);

  // A spent ticket and a state other than the kept one's are computed.
  const long ticket = policy.keep_forward();
  REQUIRE(ticket != PolicyModel::kNotKept);
  CHECK(policy.forward_again(ticket, s.system, s.evaluation, false) == mu);
  CHECK(policy.reused_forwards() == 1);
  CHECK(policy.forward_again(ticket, s.system, s.evaluation, false) == mu);
  CHECK(policy.reused_forwards() == 1);
  const long kept_other = policy.keep_forward();
  CHECK(policy.forward_again(kept_other, other.system, other.evaluation, false) ==
        fresh.forward(other.system, other.evaluation, false));
  CHECK(policy.reused_forwards() == 1);

  // Changed parameters: the new parameters' forward, and backward follows it.
  policy.forward(s.system, s.evaluation, false);
  const long before_change = policy.keep_forward();
  Eigen::VectorXd changed = policy.parameters();
  changed.array() += 1e-3;
  policy.set_parameters(changed);
  fresh.set_parameters(changed);
  const Eigen::Matrix3Xd expected = fresh.forward(s.system, s.evaluation, false);
  CHECK(policy.forward_again(before_change, s.system, s.evaluation, false) == expected);
  CHECK(policy.reused_forwards() == 1);
  const Eigen::Matrix3Xd grad_mu = Eigen::Matrix3Xd::Ones(3, s.system.size());
  policy.zero_gradient();
  fresh.zero_gradient();
  policy.backward(grad_mu);
  fresh.backward(grad_mu);
  CHECK(policy.gradient() == fresh.gradient());

  // keep_forward takes the last forward away: backward needs a new one.
  policy.forward(s.system, s.evaluation, false);
  REQUIRE(policy.keep_forward() != PolicyModel::kNotKept);
  CHECK_THROWS_AS(policy.backward(grad_mu), std::logic_error);
}
