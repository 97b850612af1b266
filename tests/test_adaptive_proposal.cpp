// The adaptive basin-hopping move: a Gaussian move around the policy's mean,
// and a REINFORCE update of the policy from each hop's outcome.
#include <catch2/catch.hpp>

#include <cmath>

#include "strider/adaptive_proposal.hpp"
#include "strider/error.hpp"
#include "strider/optimizers.hpp"
#include "support.hpp"

using namespace strider;

namespace {

// mu = theta (3 parameters) for every atom: d mu / d theta sums over atoms.
class ShiftModel : public PolicyModel {
 public:
  Eigen::Matrix3Xd forward(const System& system, const Evaluation&, bool) override {
    return theta_.replicate(1, system.size());
  }
  void backward(const Eigen::Matrix3Xd& grad_mu) override { gradient_ += grad_mu.rowwise().sum(); }
  Eigen::VectorXd parameters() const override { return theta_; }
  void set_parameters(const Eigen::VectorXd& values) override { theta_ = values; }
  const Eigen::VectorXd& gradient() const override { return gradient_; }
  void zero_gradient() override { gradient_.setZero(); }
  double variance() const override { return 1e-12; }
  Eigen::Vector3d theta() const { return theta_; }

 private:
  Eigen::VectorXd theta_ = Eigen::Vector3d(0.01, -0.02, 0.03);
  Eigen::VectorXd gradient_ = Eigen::VectorXd::Zero(3);
};

System cluster(unsigned seed) { return test::random_system(8, Box::free(), 2.2, 0.95, 0.0, seed); }

// The move of the last propose(): the trial's positions minus the start's, summed over atoms.
Eigen::Vector3d total_move(const System& trial, const System& start) {
  return (trial.positions - start.positions).rowwise().sum();
}

}  // namespace

TEST_CASE("an adaptive proposal moves every coordinate by the policy's mean plus noise of the given spread") {
  ShiftModel model;
  const double noise = 0.05;
  AdaptiveProposal proposal(model, {noise, 1e-3});
  Evaluator evaluator(make_potential("lj"));
  const System start = cluster(61);
  System trial = start;
  Random random(7), same(7);
  proposal.propose(trial, evaluator, random);
  CHECK(evaluator.evaluations() == 1);
  CHECK(proposal.last_mean_move() == Approx(model.theta().norm()));
  for (int i = 0; i < start.size(); ++i)
    for (int a = 0; a < 3; ++a) {
      const double expected = model.theta()[a] + noise * same.normal();  // drawn atom by atom, x y z
      CHECK(trial.positions(a, i) - start.positions(a, i) == Approx(expected).margin(1e-14));
    }
}

TEST_CASE("a hop that falls further than the running mean makes its move more likely, one that falls less, less") {
  // Adam's first step moves each parameter by lr against the sign of its gradient,
  // d L / d theta = -A sum_i z_i / noise: towards the noise for A > 0, away for A < 0.
  for (const double sign : {1.0, -1.0}) {
    ShiftModel model;
    const double lr = 1e-3, noise = 0.05;
    AdaptiveProposal proposal(model, {noise, lr});
    Evaluator evaluator(make_potential("lj"));
    Random random(11);
    const System start = cluster(62);
    for (double rise : {-1.0, -3.0}) {  // two hops set the running mean and spread: no update yet
      System trial = start;
      proposal.propose(trial, evaluator, random);
      proposal.learn(rise);
    }
    CHECK(proposal.updates() == 0);
    CHECK(model.theta() == Eigen::Vector3d(0.01, -0.02, 0.03));
    System trial = start;
    proposal.propose(trial, evaluator, random);
    const Eigen::Vector3d noise_sum = (total_move(trial, start) - start.size() * model.theta()) / noise;
    const Eigen::Vector3d before = model.theta();
    proposal.learn(sign > 0 ? -10.0 : 5.0);  // the mean fall is 1.1: a fall of 10 is better, a rise of 5 worse
    CHECK(proposal.updates() == 1);
    for (int a = 0; a < 3; ++a) {
      CHECK(model.theta()[a] - before[a] == Approx(sign * lr * (noise_sum[a] > 0 ? 1.0 : -1.0)).epsilon(1e-4));
    }
  }
}

TEST_CASE("an adaptive proposal learns the direction whose moves fall furthest") {
  // A synthetic landscape: a hop's relaxed energy falls by d . (the atoms' mean move).
  // REINFORCE's expected gradient points along d, so the mean move must turn towards it.
  ShiftModel model;
  model.set_parameters(Eigen::Vector3d::Zero());
  AdaptiveProposal proposal(model, {0.1, 2e-3});
  Evaluator evaluator(make_potential("lj"));
  Random random(12);
  const System start = cluster(63);
  const Eigen::Vector3d d = Eigen::Vector3d(1.0, -2.0, 0.5).normalized();
  for (int hop = 0; hop < 400; ++hop) {
    System trial = start;
    proposal.propose(trial, evaluator, random);
    proposal.learn(-d.dot(total_move(trial, start)) / start.size());
  }
  const Eigen::Vector3d theta = model.theta();
  CHECK(theta.norm() > 0.1);                      // 400 steps of lr 2e-3 at most 0.8 per component
  CHECK(theta.normalized().dot(d) > 0.9);
}

TEST_CASE("an adaptive proposal at learning rate 0 and after non-finite hops keeps the policy") {
  ShiftModel model;
  AdaptiveProposal fixed(model, {0.05, 0.0});
  Evaluator evaluator(make_potential("lj"));
  Random random(13);
  const System start = cluster(64);
  for (double rise : {-1.0, 2.0, -7.0, 0.5}) {
    System trial = start;
    fixed.propose(trial, evaluator, random);
    fixed.learn(rise);
  }
  CHECK(fixed.updates() == 0);
  AdaptiveProposal learning(model, {0.05, 1e-3});
  for (double rise : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    System trial = start;
    learning.propose(trial, evaluator, random);
    learning.learn(rise);
  }
  CHECK(learning.updates() == 0);
  CHECK(model.theta() == Eigen::Vector3d(0.01, -0.02, 0.03));
}

TEST_CASE("an adaptive proposal refuses bad settings and learning without a proposal") {
  ShiftModel model;
  CHECK_THROWS_AS(AdaptiveProposal(model, {0.0, 1e-3}), InputError);
  CHECK_THROWS_AS(AdaptiveProposal(model, {std::nan(""), 1e-3}), InputError);
  CHECK_THROWS_AS(AdaptiveProposal(model, {0.1, -1.0}), InputError);
  CHECK_THROWS_AS(AdaptiveProposal(model, {0.1, 1e-3, 1.0}), InputError);
  CHECK_THROWS_AS(AdaptiveProposal(model, {0.1, 1e-3, 0.95, 0.0}), InputError);
  AdaptiveProposal proposal(model, {0.1, 1e-3});
  CHECK_THROWS_AS(proposal.learn(-1.0), std::logic_error);
}
