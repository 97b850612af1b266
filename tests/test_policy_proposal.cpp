// The learned basin-hopping move: a kick, then the policy's sampled steps.
#include <catch2/catch.hpp>

#include "strider/basin_hopping.hpp"
#include "strider/error.hpp"
#include "strider/optimizers.hpp"
#include "strider/policy_proposal.hpp"
#include "support.hpp"

using namespace strider;

namespace {

// mu = the same displacement d for every atom and every state; no parameters.
class ConstantModel : public PolicyModel {
 public:
  ConstantModel(Eigen::Vector3d d, double alpha) : d_(d), alpha_(alpha) {}
  Eigen::Matrix3Xd forward(const System& system, const Evaluation&, bool) override {
    ++calls;
    return d_.replicate(1, system.size());
  }
  void backward(const Eigen::Matrix3Xd&) override {}
  Eigen::VectorXd parameters() const override { return {}; }
  void set_parameters(const Eigen::VectorXd&) override {}
  const Eigen::VectorXd& gradient() const override { return gradient_; }
  void zero_gradient() override {}
  double variance() const override { return alpha_; }
  int calls = 0;

 private:
  Eigen::Vector3d d_;
  double alpha_;
  Eigen::VectorXd gradient_;
};

}  // namespace

TEST_CASE("a policy proposal without a kick moves every atom by the policy's K sampled steps") {
  const System start = test::random_system(13, Box::free(), 2.6, 0.95, 0.0, 51);
  const Eigen::Vector3d d(0.01, -0.02, 0.005);
  const double alpha = 1e-10;  // noise of standard deviation 1e-5 per coordinate and step
  ConstantModel model(d, alpha);
  Evaluator evaluator(make_potential("lj"));
  Random random(3);
  System trial = start;
  policy_proposal(model, 4, 0.0)(trial, evaluator, random);
  CHECK(model.calls == 4);
  CHECK(evaluator.evaluations() == 5);  // T + 1
  const Eigen::Matrix3Xd moved = trial.positions - start.positions;
  for (int i = 0; i < start.size(); ++i) {
    // 4 d plus the sum of 4 normal draws of standard deviation 1e-5: within 10 sigma of 4 d.
    CHECK((moved.col(i) - 4.0 * d).cwiseAbs().maxCoeff() < 10.0 * 2.0 * 1e-5);
  }
}

TEST_CASE("a policy proposal with a kick moves every coordinate by at most kick + the policy's steps") {
  const System start = test::random_system(13, Box::free(), 2.6, 0.95, 0.0, 52);
  ConstantModel model(Eigen::Vector3d::Zero(), 1e-14);
  Evaluator evaluator(make_potential("lj"));
  Random random(4);
  System trial = start;
  policy_proposal(model, 1, 0.3)(trial, evaluator, random);
  const double largest = (trial.positions - start.positions).cwiseAbs().maxCoeff();
  CHECK(largest <= 0.3 + 1e-6);
  CHECK(largest > 0.1);  // 39 uniform draws in [-0.3, 0.3]: one is above 0.1 unless something is wrong
}

TEST_CASE("a policy step that blows the energy up leaves the kicked structure to relax") {
  const System start = test::random_system(13, Box::free(), 2.6, 0.95, 0.0, 53);
  ConstantModel model(Eigen::Vector3d(std::nan(""), 0.0, 0.0), 1e-12);
  Evaluator evaluator(make_potential("lj"));
  Random random(5);
  System trial = start;
  policy_proposal(model, 3, 0.0)(trial, evaluator, random);
  CHECK(trial.positions == start.positions);
}

TEST_CASE("a policy proposal refuses no steps and a bad kick") {
  ConstantModel model(Eigen::Vector3d::Zero(), 1e-12);
  CHECK_THROWS_AS(policy_proposal(model, 0, 0.0), InputError);
  CHECK_THROWS_AS(policy_proposal(model, 1, -0.1), InputError);
  CHECK_THROWS_AS(policy_proposal(model, 1, std::nan("")), InputError);
}
