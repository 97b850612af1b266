// The learning code (strider/rl*.hpp) with small policies whose answers are
// known: returns by hand; the reinforce estimator's mean against the exact
// gradient of the expected returns on a harmonic bowl; the pathwise estimator
// against finite differences of the sampled returns with the noise fixed;
// with the StriderNET policy, the pathwise estimate against finite differences
// that include the policy's response to the moved atoms (which the estimator
// neglects); Adam and clipping by hand; checkpoints round trip and resume bit for bit;
// a seeded training run on Lennard-Jones clusters improves the validation
// metric; adaptation lowers the energy and keeps its best seed.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "strider/dataset.hpp"
#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/optimizers.hpp"
#include "strider/policy.hpp"
#include "strider/rl.hpp"
#include "strider/rl_adaptation.hpp"
#include "strider/rl_training.hpp"
#include "bowl_potential.hpp"

using namespace strider;
using namespace strider::rl;

namespace {


// mu = sum_j theta_j B_j(S): each basis B_j is the forces at S (when `force`)
// or a fixed 3 x N matrix. With a schedule, the n-th forward() since the last
// reset uses schedule[n] instead of the parameters (to perturb one step only).
class LinearModel : public PolicyModel {
 public:
  struct Basis {
    bool force = false;
    Eigen::Matrix3Xd fixed;
  };
  LinearModel(std::vector<Basis> basis, Eigen::VectorXd theta, double alpha)
      : basis_(std::move(basis)), theta_(std::move(theta)), alpha_(alpha), gradient_(Eigen::VectorXd::Zero(theta_.size())) {}

  Eigen::Matrix3Xd forward(const System& system, const Evaluation& evaluation, bool) override {
    const Eigen::VectorXd& theta =
        calls_ < schedule_.size() ? schedule_[calls_] : theta_;
    ++calls_;
    last_.clear();
    Eigen::Matrix3Xd mu = Eigen::Matrix3Xd::Zero(3, system.size());
    for (std::size_t j = 0; j < basis_.size(); ++j) {
      last_.push_back(basis_[j].force ? evaluation.forces : basis_[j].fixed);
      mu += theta[static_cast<Eigen::Index>(j)] * last_.back();
    }
    return mu;
  }
  void backward(const Eigen::Matrix3Xd& grad_mu) override {
    for (std::size_t j = 0; j < last_.size(); ++j) gradient_[static_cast<Eigen::Index>(j)] += grad_mu.cwiseProduct(last_[j]).sum();
  }
  Eigen::VectorXd parameters() const override { return theta_; }
  void set_parameters(const Eigen::VectorXd& values) override { theta_ = values; }
  const Eigen::VectorXd& gradient() const override { return gradient_; }
  void zero_gradient() override { gradient_.setZero(); }
  double variance() const override { return alpha_; }

  void set_schedule(std::vector<Eigen::VectorXd> schedule) {
    schedule_ = std::move(schedule);
    calls_ = 0;
  }

 private:
  std::vector<Basis> basis_;
  Eigen::VectorXd theta_;
  double alpha_;
  Eigen::VectorXd gradient_;
  std::vector<Eigen::Matrix3Xd> last_;
  std::vector<Eigen::VectorXd> schedule_;
  std::size_t calls_ = 0;
};

LinearModel::Basis force_basis() { return {true, {}}; }
LinearModel::Basis fixed_basis(Eigen::Matrix3Xd m) { return {false, std::move(m)}; }

// [SECTION] the harmonic problem with a known expectation.
// Bowl with spring k and centres c; policy mu = theta0 F + theta1 U. With
// y = x - c: y_{s+1} = (1 - theta0_s k) y_s + theta1_s U + sqrt(alpha) z_s, so
// the mean ybar and P = E|y|^2 follow exactly:
//   ybar' = rho ybar + theta1 U,  P' = rho^2 P + 2 rho theta1 U.ybar + theta1^2 |U|^2 + 3 N alpha,
// and E[E_s] = k/2 P_s gives E[D^t] for any per-step schedule of parameters.
struct Harmonic {
  double k = 1.0, alpha = 0.01, gamma = 0.9;
  int steps = 4;
  Eigen::Matrix3Xd centres, start, U;

  std::vector<double> expected_returns(const std::vector<Eigen::Vector2d>& schedule) const {
    const int n = static_cast<int>(start.cols());
    Eigen::Matrix3Xd ybar = start - centres;
    double P = ybar.squaredNorm();
    std::vector<double> energy{0.5 * k * P};
    for (int s = 0; s < steps; ++s) {
      const double rho = 1.0 - schedule[static_cast<std::size_t>(s)][0] * k;
      const double t1 = schedule[static_cast<std::size_t>(s)][1];
      P = rho * rho * P + 2.0 * rho * t1 * U.cwiseProduct(ybar).sum() + t1 * t1 * U.squaredNorm() + 3.0 * n * alpha;
      ybar = rho * ybar + t1 * U;
      energy.push_back(0.5 * k * P);
    }
    return discounted_returns(rewards(energy), gamma);
  }

  // G_j = sum_t d E[D^t] / d theta_{t,j} (central differences: exact, E[D^t] is quadratic in theta_t).
  Eigen::Vector2d exact_gradient(const Eigen::Vector2d& theta) const {
    Eigen::Vector2d G = Eigen::Vector2d::Zero();
    const double h = 1e-3;
    for (int t = 0; t < steps; ++t) {
      for (int j = 0; j < 2; ++j) {
        std::vector<Eigen::Vector2d> plus(static_cast<std::size_t>(steps), theta), minus = plus;
        plus[static_cast<std::size_t>(t)][j] += h;
        minus[static_cast<std::size_t>(t)][j] -= h;
        G[j] += (expected_returns(plus)[static_cast<std::size_t>(t)] -
                 expected_returns(minus)[static_cast<std::size_t>(t)]) /
                (2.0 * h);
      }
    }
    return G;
  }

  std::unique_ptr<Evaluator> evaluator() const { return std::make_unique<Evaluator>(std::make_unique<Bowl>(centres, k)); }
  System system() const {
    System s;
    s.positions = start;
    s.species.assign(static_cast<std::size_t>(start.cols()), 0);
    s.box = Box::free();
    return s;
  }
};

Harmonic harmonic_problem() {
  Harmonic h;
  h.centres.resize(3, 2);
  h.centres << 0.0, 1.0, 0.0, 0.5, 0.0, -0.5;
  h.start.resize(3, 2);
  h.start << 0.8, 1.3, -0.6, 0.9, 0.4, -1.1;
  h.U.resize(3, 2);
  h.U << 1.0, -0.5, 0.5, 0.2, -0.3, 1.0;
  return h;
}

// Mean and standard error of the reinforce or pathwise estimate of grad J
// (the negative of the loss gradient) over `episodes` sampled episodes.
struct MonteCarlo {
  Eigen::Vector2d mean, error;
};

MonteCarlo sample_gradient(const Harmonic& h, const Eigen::Vector2d& theta, Estimator estimator,
                           const std::vector<double>& baseline, int episodes, std::uint64_t seed,
                           bool mean_baseline = false) {
  LinearModel model({force_basis(), fixed_basis(h.U)}, theta, h.alpha);
  auto evaluator = h.evaluator();
  const System start = h.system();
  RolloutSettings settings;
  settings.steps = h.steps;
  Random random(seed);
  Eigen::Vector2d sum = Eigen::Vector2d::Zero(), sum2 = Eigen::Vector2d::Zero();
  for (int i = 0; i < episodes; ++i) {
    const std::vector<double> b =
        mean_baseline ? mean_action_baseline(model, start, *evaluator, h.steps, true, h.gamma) : baseline;
    const Episode episode = rollout(model, start, *evaluator, settings, random);
    model.zero_gradient();
    accumulate_gradient(model, episode, estimator, b, 1.0, h.gamma);
    const Eigen::Vector2d g = -model.gradient();
    sum += g;
    sum2 += g.cwiseProduct(g);
  }
  MonteCarlo out;
  out.mean = sum / episodes;
  const Eigen::Vector2d variance = sum2 / episodes - out.mean.cwiseProduct(out.mean);
  out.error = (variance / episodes).cwiseSqrt();
  return out;
}

// A few small Lennard-Jones clusters (13 atoms) from the `lj` protocol, shortened.
std::vector<System> lj_clusters(int count, std::uint64_t seed) {
  DatasetSettings settings = paper_dataset_settings("lj");
  settings.atoms = 13;
  settings.count = count;
  settings.seed = seed;
  settings.equilibration = 300;
  settings.interval = 100;
  std::vector<System> out;
  generate_dataset(settings, [&](const DatasetSample& s) { out.push_back(s.system); });
  return out;
}

TrainSettings lj_training_settings() {
  TrainSettings s;
  s.system = "lj";
  s.estimator = Estimator::reinforce;
  s.steps = 8;
  s.batch_size = 2;
  s.accumulation = 2;
  s.validation_every = 4;
  s.validation_steps = 20;
  s.adam.learning_rate = 1e-3;
  s.seed = 7;
  return s;
}

}  // namespace

TEST_CASE("discounted returns follow D^t = sum_k gamma^k R^{t+k}") {
  const std::vector<double> energies{10.0, 7.0, 6.0, 6.5};
  const std::vector<double> r = rewards(energies);
  REQUIRE(r == std::vector<double>{3.0, 1.0, -0.5});
  const std::vector<double> d = discounted_returns(r, 0.9);
  REQUIRE(d.size() == 3);
  CHECK(d[2] == -0.5);
  CHECK(d[1] == Approx(1.0 - 0.9 * 0.5).epsilon(1e-15));
  CHECK(d[0] == Approx(3.0 + 0.9 * 1.0 - 0.81 * 0.5).epsilon(1e-15));
  CHECK(discounted_returns({}, 0.9).empty());
  CHECK(rewards({1.0}).empty());
}

TEST_CASE("random streams are a function of the seed and the indices") {
  CHECK(stream_seed(1, {2, 3}) == stream_seed(1, {2, 3}));
  CHECK(stream_seed(1, {2, 3}) != stream_seed(1, {3, 2}));
  CHECK(stream_seed(1, {2, 3}) != stream_seed(2, {2, 3}));
  CHECK(stream_seed(1, {2}) != stream_seed(1, {2, 0}));
}

TEST_CASE("a rollout records states, mu, noise and actions, wraps periodic axes and is seeded") {
  // Two atoms in a periodic box, driven across its faces in x.
  System start;
  start.box = Box::cubic(3.0);
  start.positions.resize(3, 2);
  start.positions << 0.1, 2.9, 1.5, 0.0, 1.5, 1.6;  // atoms (0.1, 1.5, 1.5) and (2.9, 0, 1.6)
  start.species = {0, 0};
  Eigen::Matrix3Xd drift(3, 2);
  drift << -0.3, 0.3, 0.0, 0.0, 0.0, 0.0;
  LinearModel model({fixed_basis(drift)}, Eigen::VectorXd::Ones(1), 1e-4);
  Evaluator evaluator(make_potential("lj", PotentialOptions{false, 1.2}));
  RolloutSettings settings;
  settings.steps = 5;
  Random random(11);
  const Episode e = rollout(model, start, evaluator, settings, random);
  REQUIRE(e.steps() == 5);
  REQUIRE(e.positions.size() == 6);
  REQUIRE(e.evaluations.size() == 6);
  CHECK(e.evaluations_used == 6);
  CHECK(e.alpha == 1e-4);

  Random replay(11);
  Evaluator check(make_potential("lj", PotentialOptions{false, 1.2}));
  for (int t = 0; t < 5; ++t) {
    CHECK(e.mu[t] == drift);
    for (int i = 0; i < 2; ++i)
      for (int a = 0; a < 3; ++a) CHECK(e.noise[t](a, i) == replay.normal());
    CHECK(e.actions[t] == e.mu[t] + 1e-2 * e.noise[t]);
    for (int i = 0; i < 2; ++i) {
      const Eigen::Vector3d moved = e.positions[t].col(i) + e.actions[t].col(i);
      CHECK((start.box.wrap(moved) - e.positions[t + 1].col(i)).norm() == 0.0);
      for (int a = 0; a < 3; ++a) {
        CHECK(e.positions[t + 1](a, i) >= 0.0);
        CHECK(e.positions[t + 1](a, i) < 3.0);
      }
    }
    CHECK(e.evaluations[t + 1].energy == check.evaluate(e.state(t + 1)).energy);
  }
  // Atom 0 left through the lower face, atom 1 through the upper one.
  CHECK(e.positions[1](0, 0) > 2.0);
  CHECK(e.positions[1](0, 1) < 1.0);

  Random again(11);
  const Episode same = rollout(model, start, evaluator, settings, again);
  for (int t = 0; t <= 5; ++t) CHECK(same.positions[t] == e.positions[t]);

  settings.sample = false;
  const Episode mean = rollout(model, start, evaluator, settings, again);
  for (int t = 0; t < 5; ++t) {
    CHECK(mean.noise[t].isZero());
    CHECK(mean.actions[t] == mean.mu[t]);
  }
}

TEST_CASE("a rollout that blows up throws DivergedError naming the step") {
  System start;
  start.box = Box::free();
  start.positions.resize(3, 2);
  start.positions << 0.0, 1.1, 0.0, 0.0, 0.0, 0.0;
  start.species = {0, 0};
  Eigen::Matrix3Xd collide(3, 2);
  collide << 0.55, -0.55, 0.0, 0.0, 0.0, 0.0;  // both atoms onto the same point
  LinearModel model({fixed_basis(collide)}, Eigen::VectorXd::Ones(1), 0.0);
  Evaluator evaluator(make_potential("lj"));
  RolloutSettings settings;
  settings.steps = 3;
  settings.sample = false;
  Random random(1);
  REQUIRE_THROWS_AS(rollout(model, start, evaluator, settings, random), DivergedError);
  REQUIRE_THROWS_WITH(rollout(model, start, evaluator, settings, random), Catch::Contains("step 1"));
}

TEST_CASE("a rollout whose policy outputs a non-finite step throws DivergedError, not an input error") {
  System start;
  start.box = Box::cubic(3.0);
  start.positions.resize(3, 2);
  start.positions << 0.0, 1.1, 0.0, 0.0, 0.0, 0.0;
  start.species = {0, 0};
  Eigen::Matrix3Xd runaway = Eigen::Matrix3Xd::Constant(3, 2, std::numeric_limits<double>::quiet_NaN());
  LinearModel model({fixed_basis(runaway)}, Eigen::VectorXd::Ones(1), 0.0);
  Evaluator evaluator(make_potential("lj", PotentialOptions{false, 1.2}));
  RolloutSettings settings;
  settings.steps = 2;
  settings.sample = false;
  Random random(1);
  REQUIRE_THROWS_AS(rollout(model, start, evaluator, settings, random), DivergedError);
}

TEST_CASE("a FIRE baseline that blows up throws DivergedError, not an input error") {
  System start;
  start.box = Box::cubic(5.0);
  start.positions = Eigen::Matrix3Xd::Constant(3, 2, 1.0);
  start.positions(0, 1) += 1e-30;  // finite positions, infinite forces
  start.species = {0, 0};
  Evaluator evaluator(make_potential("lj-binary"));
  REQUIRE_THROWS_AS(fire_baseline(start, evaluator, "lj-binary", 15, 0.9), DivergedError);
}

TEST_CASE("the FIRE baseline is FIRE's own discounted return over the same steps") {
  const std::vector<System> clusters = lj_clusters(1, 3);
  Evaluator evaluator(make_potential("lj"));
  const FireBaseline b = fire_baseline(clusters[0], evaluator, "lj", 15);
  REQUIRE(b.energies.size() == 16);
  REQUIRE(b.returns.size() == 15);
  CHECK(b.evaluations == 16);
  auto fire = make_optimizer("fire", "lj");
  System s = clusters[0];
  Evaluator own(make_potential("lj"));
  CHECK(fire->init(s, own).energy == b.energies[0]);
  for (int t = 1; t <= 15; ++t) CHECK(fire->step(s, own).energy == b.energies[t]);
  CHECK(b.returns == discounted_returns(rewards(b.energies), 0.9));
  CHECK(b.energies.back() < b.energies.front());
}

TEST_CASE("the reinforce gradient of one episode is sum_t (D^t - b^t) z_t . dmu_t/dtheta / sqrt(alpha)") {
  const Harmonic h = harmonic_problem();
  LinearModel model({force_basis(), fixed_basis(h.U)}, Eigen::Vector2d(0.3, 0.05), h.alpha);
  auto evaluator = h.evaluator();
  RolloutSettings settings;
  settings.steps = h.steps;
  Random random(5);
  const Episode e = rollout(model, h.system(), *evaluator, settings, random);
  const std::vector<double> baseline{0.3, -0.2, 0.1, 0.05};
  model.zero_gradient();
  const double objective = accumulate_gradient(model, e, Estimator::reinforce, baseline, 0.5, h.gamma);
  const std::vector<double> D = discounted_returns(rewards(e.energies()), h.gamma);
  Eigen::Vector2d expected = Eigen::Vector2d::Zero();
  double expected_objective = 0.0;
  for (int t = 0; t < h.steps; ++t) {
    const double advantage = D[t] - baseline[t];
    expected[0] += advantage * e.noise[t].cwiseProduct(e.evaluations[t].forces).sum() / std::sqrt(h.alpha);
    expected[1] += advantage * e.noise[t].cwiseProduct(h.U).sum() / std::sqrt(h.alpha);
    expected_objective += advantage;
  }
  // The model's gradient is of the loss (minus the objective), times the weight 0.5.
  CHECK(model.gradient()[0] == Approx(-0.5 * expected[0]).epsilon(1e-12));
  CHECK(model.gradient()[1] == Approx(-0.5 * expected[1]).epsilon(1e-12));
  CHECK(objective == Approx(expected_objective).epsilon(1e-12));
  // Changing the parameters between rollout and gradient is caught.
  model.set_parameters(Eigen::Vector2d(0.31, 0.05));
  CHECK_THROWS_AS(accumulate_gradient(model, e, Estimator::reinforce, baseline, 1.0, h.gamma), std::logic_error);
}

TEST_CASE("the reinforce estimator's mean is the exact gradient of the expected returns (harmonic bowl)") {
  // State-dependent policy mu = 0.3 F + 0.05 U: each step's parameters also act
  // through every later state, which the score-function estimator must capture.
  const Harmonic h = harmonic_problem();
  const Eigen::Vector2d theta(0.3, 0.05);
  const Eigen::Vector2d G = h.exact_gradient(theta);
  // Without a baseline, and with the exact E[D^t] as a constant baseline
  // (unbiased either way, with much less variance).
  const std::vector<double> expected = h.expected_returns(std::vector<Eigen::Vector2d>(h.steps, theta));
  for (const auto& baseline : {std::vector<double>{}, expected}) {
    const MonteCarlo mc = sample_gradient(h, theta, Estimator::reinforce, baseline, 200000, 17);
    INFO("baseline " << (baseline.empty() ? "none" : "E[D^t]") << ": exact " << G.transpose() << ", Monte Carlo "
                     << mc.mean.transpose() << " +- " << mc.error.transpose());
    for (int j = 0; j < 2; ++j) {
      CHECK(std::abs(mc.mean[j] - G[j]) < 4.0 * mc.error[j]);
      CHECK(mc.error[j] < 0.05 * std::abs(G[j]));  // the comparison is sharp enough to mean something
    }
  }
  // The policy's own mean-action returns as the baseline: unbiased too, and
  // with less variance than no baseline.
  const MonteCarlo plain = sample_gradient(h, theta, Estimator::reinforce, {}, 200000, 17);
  const MonteCarlo mean = sample_gradient(h, theta, Estimator::reinforce, {}, 200000, 17, true);
  INFO("mean-action baseline: " << mean.mean.transpose() << " +- " << mean.error.transpose());
  for (int j = 0; j < 2; ++j) {
    CHECK(std::abs(mean.mean[j] - G[j]) < 4.0 * mean.error[j]);
    CHECK(mean.error[j] < 0.5 * plain.error[j]);
  }
  CHECK(baseline_from_string("mean") == Baseline::mean);
  CHECK(to_string(Baseline::fire) == "fire");
  CHECK_THROWS_WITH(baseline_from_string("critic"), Catch::Contains("fire, mean, none"));
}

TEST_CASE("both estimators have the exact gradient as their mean when mu does not feed back through the state") {
  // theta0 = 0: mu = 0.05 U at the base point, so the pathwise estimator's
  // frozen features lose nothing, and both estimate G exactly.
  const Harmonic h = harmonic_problem();
  const Eigen::Vector2d theta(0.0, 0.05);
  const Eigen::Vector2d G = h.exact_gradient(theta);
  const std::vector<double> expected = h.expected_returns(std::vector<Eigen::Vector2d>(h.steps, theta));
  const MonteCarlo reinforce = sample_gradient(h, theta, Estimator::reinforce, expected, 200000, 23);
  const MonteCarlo pathwise = sample_gradient(h, theta, Estimator::pathwise, {}, 50000, 29);
  INFO("exact " << G.transpose() << "; reinforce " << reinforce.mean.transpose() << " +- "
                << reinforce.error.transpose() << "; pathwise " << pathwise.mean.transpose() << " +- "
                << pathwise.error.transpose());
  for (int j = 0; j < 2; ++j) {
    CHECK(std::abs(reinforce.mean[j] - G[j]) < 4.0 * reinforce.error[j]);
    CHECK(std::abs(pathwise.mean[j] - G[j]) < 4.0 * pathwise.error[j] + 1e-12);
    CHECK(reinforce.error[j] < 0.05 * std::abs(G[j]));
    CHECK(pathwise.error[j] < 0.01 * std::abs(G[j]));  // far less variance than reinforce
  }
}

TEST_CASE("the pathwise estimator equals finite differences of the sampled returns with the noise fixed") {
  // A Lennard-Jones cluster and a state-independent policy mu = theta0 U + theta1 W:
  // G_j = sum_t d D^t / d theta_{t,j}, the parameters of step t moved alone,
  // the same noise in every rollout.
  const std::vector<System> clusters = lj_clusters(1, 5);
  const System& start = clusters[0];
  const int n = start.size();
  Random basis_random(99);
  Eigen::Matrix3Xd U(3, n), W(3, n);
  for (int i = 0; i < n; ++i)
    for (int a = 0; a < 3; ++a) {
      U(a, i) = basis_random.normal();
      W(a, i) = basis_random.normal();
    }
  const Eigen::Vector2d theta(0.01, -0.004);
  const double alpha = 1e-5;
  const int steps = 6;
  RolloutSettings settings;
  settings.steps = steps;

  LinearModel model({fixed_basis(U), fixed_basis(W)}, theta, alpha);
  Evaluator evaluator(make_potential("lj"));
  Random random(31);
  const Episode e = rollout(model, start, evaluator, settings, random);
  model.zero_gradient();
  accumulate_gradient(model, e, Estimator::pathwise, {}, 1.0);
  const Eigen::Vector2d pathwise = -model.gradient();

  auto returns_with = [&](int t, int j, double delta) {
    std::vector<Eigen::VectorXd> schedule(static_cast<std::size_t>(steps), theta);
    schedule[static_cast<std::size_t>(t)][j] += delta;
    LinearModel perturbed({fixed_basis(U), fixed_basis(W)}, theta, alpha);
    perturbed.set_schedule(schedule);
    Evaluator fresh(make_potential("lj"));
    Random same(31);
    return discounted_returns(rewards(rollout(perturbed, start, fresh, settings, same).energies()));
  };
  Eigen::Vector2d fd = Eigen::Vector2d::Zero();
  const double h = 1e-5;
  for (int t = 0; t < steps; ++t)
    for (int j = 0; j < 2; ++j) fd[j] += (returns_with(t, j, h)[t] - returns_with(t, j, -h)[t]) / (2.0 * h);
  INFO("pathwise " << pathwise.transpose() << ", finite differences " << fd.transpose());
  for (int j = 0; j < 2; ++j) CHECK(pathwise[j] == Approx(fd[j]).epsilon(1e-6));
  // And by the recursion's closed form: G_t = sum_{m>t} beta_{t,m} F_m.
  const std::vector<Eigen::Matrix3Xd> g = pathwise_mu_gradients(e, 0.9);
  for (int t = 0; t < steps; ++t) {
    Eigen::Matrix3Xd expected = Eigen::Matrix3Xd::Zero(3, n);
    for (int m = t + 1; m <= steps; ++m) {
      const double beta = m < steps ? 0.1 * std::pow(0.9, m - t - 1) : std::pow(0.9, steps - 1 - t);
      expected += beta * e.evaluations[m].forces;
    }
    CHECK((g[t] + expected).cwiseAbs().maxCoeff() < 1e-12 * std::max(1.0, expected.cwiseAbs().maxCoeff()));
  }
}

namespace {

// Uses `schedule[n]` as the parameters of the n-th forward() (then the policy's own).
class Scheduled : public PolicyModel {
 public:
  Scheduled(StriderPolicy& policy, std::vector<Eigen::VectorXd> schedule)
      : policy_(policy), schedule_(std::move(schedule)), own_(policy.parameters()) {}
  ~Scheduled() override { policy_.set_parameters(own_); }
  Eigen::Matrix3Xd forward(const System& s, const Evaluation& e, bool training) override {
    policy_.set_parameters(calls_ < schedule_.size() ? schedule_[calls_] : own_);
    ++calls_;
    return policy_.forward(s, e, training);
  }
  void backward(const Eigen::Matrix3Xd& g) override { policy_.backward(g); }
  Eigen::VectorXd parameters() const override { return policy_.parameters(); }
  void set_parameters(const Eigen::VectorXd& v) override { policy_.set_parameters(v); }
  const Eigen::VectorXd& gradient() const override { return policy_.gradient(); }
  void zero_gradient() override { policy_.zero_gradient(); }
  double variance() const override { return policy_.variance(); }

 private:
  StriderPolicy& policy_;
  std::vector<Eigen::VectorXd> schedule_;
  Eigen::VectorXd own_;
  std::size_t calls_ = 0;
};

}  // namespace

TEST_CASE("with the StriderNET policy the pathwise estimate matches finite differences that include the policy's feedback") {
  // The pathwise estimator holds the state features of later steps constant.
  // Finite differences of each step's return, with that step's parameters
  // moved alone and the noise fixed, include the later policy steps' response
  // to the moved atoms; on a 25-atom lj-binary liquid they agree to ~1e-3.
  DatasetSettings data = paper_dataset_settings("lj-binary");
  data.atoms = 25;
  data.count = 1;
  data.equilibration = 300;
  std::vector<System> structures;
  generate_dataset(data, [&](const DatasetSample& s) { structures.push_back(s.system); });
  const System& start = structures.at(0);
  StriderPolicy policy(policy_preset("lj-binary"), 3);
  const Eigen::VectorXd theta = policy.parameters();
  Random direction_random(8);
  Eigen::VectorXd direction(theta.size());
  for (Eigen::Index i = 0; i < direction.size(); ++i) direction[i] = direction_random.normal();
  direction /= direction.norm();
  const int steps = 5;
  RolloutSettings settings;
  settings.steps = steps;

  auto run = [&](int t, double delta) {
    std::vector<Eigen::VectorXd> schedule(static_cast<std::size_t>(steps), theta);
    if (t >= 0) schedule[static_cast<std::size_t>(t)] += delta * direction;
    Scheduled model(policy, schedule);
    Evaluator evaluator(make_potential("lj-binary"));
    Random random(41);
    return rollout(model, start, evaluator, settings, random);
  };
  for (int repeat = 0; repeat < 2; ++repeat) {
    const double h = 1e-4 * (repeat + 1);
    double fd = 0.0;
    for (int t = 0; t < steps; ++t) {
      fd += (discounted_returns(rewards(run(t, h).energies()))[t] -
             discounted_returns(rewards(run(t, -h).energies()))[t]) /
            (2.0 * h);
    }
    const Episode e = run(-1, 0.0);
    policy.set_parameters(theta);
    policy.zero_gradient();
    accumulate_gradient(policy, e, Estimator::pathwise, {}, 1.0);
    const double pathwise = -policy.gradient().dot(direction);
    INFO("h " << h << ": pathwise " << pathwise << ", finite differences " << fd);
    CHECK(std::abs(fd) > 1e-6);
    CHECK(pathwise == Approx(fd).epsilon(1e-2));
  }
}

TEST_CASE("Adam and gradient clipping follow optax by hand") {
  Eigen::VectorXd g(3);
  g << 0.5, -0.05, -2.0;
  Eigen::VectorXd v = g;
  clip_gradient(v, Clipping::value, 0.1);
  CHECK(v == (Eigen::VectorXd(3) << 0.1, -0.05, -0.1).finished());
  v = g;
  clip_gradient(v, Clipping::norm, 0.1);
  CHECK(v.norm() == Approx(0.1).epsilon(1e-14));
  CHECK(v[0] / v[2] == Approx(g[0] / g[2]).epsilon(1e-14));
  v = g;
  clip_gradient(v, Clipping::none, 0.1);
  CHECK(v == g);
  CHECK(clipping_from_string("norm") == Clipping::norm);
  CHECK_THROWS_AS(clipping_from_string("sign"), InputError);

  AdamSettings settings;
  AdamMoments state;
  Eigen::VectorXd p = Eigen::VectorXd::Zero(3);
  adam_step(p, g, state, settings);
  // First step: m_hat = g, v_hat = g^2, so each parameter moves by -lr g / (|g| + eps).
  for (int i = 0; i < 3; ++i) CHECK(p[i] == Approx(-0.005 * g[i] / (std::abs(g[i]) + 1e-8)).epsilon(1e-14));
  Eigen::VectorXd g2(3);
  g2 << -0.5, 0.1, 1.0;
  const Eigen::VectorXd before = p;
  adam_step(p, g2, state, settings);
  for (int i = 0; i < 3; ++i) {
    const double m = 0.9 * 0.1 * g[i] + 0.1 * g2[i], w = 0.999 * 0.001 * g[i] * g[i] + 0.001 * g2[i] * g2[i];
    const double m_hat = m / (1 - 0.81), v_hat = w / (1 - 0.999 * 0.999);
    CHECK(p[i] - before[i] == Approx(-0.005 * m_hat / (std::sqrt(v_hat) + 1e-8)).epsilon(1e-12));
  }
  CHECK(state.steps == 2);
}

TEST_CASE("estimator names") {
  CHECK(estimator_from_string("reinforce") == Estimator::reinforce);
  CHECK(estimator_from_string("pathwise") == Estimator::pathwise);
  CHECK(to_string(Estimator::pathwise) == "pathwise");
  CHECK_THROWS_WITH(estimator_from_string("ppo"), Catch::Contains("reinforce, pathwise"));
}

TEST_CASE("a seeded training run on Lennard-Jones clusters improves the validation metric, with either estimator") {
  const std::vector<System> clusters = lj_clusters(6, 11);
  const std::vector<System> training(clusters.begin(), clusters.begin() + 4), validation(clusters.begin() + 4, clusters.end());
  for (Estimator estimator : {Estimator::reinforce, Estimator::pathwise}) {
    // mu = theta F: gradient descent with a learned step, starting from a tiny
    // one. The reinforce estimator's variance grows as 1/alpha: at the paper's
    // alpha = 1e-5 the score term of a few episodes is noise (a handful of
    // epochs walk theta the wrong way), so it gets alpha = 1e-4 here; the
    // pathwise estimator learns at the paper's alpha.
    const double alpha = estimator == Estimator::reinforce ? 1e-4 : 1e-5;
    LinearModel model({force_basis()}, Eigen::VectorXd::Constant(1, 1e-4), alpha);
    TrainSettings settings = lj_training_settings();
    settings.estimator = estimator;
    settings.adam.learning_rate = 5e-4;
    Trainer trainer(model, settings, training, validation);
    trainer.run(12);
    const auto& v = trainer.validations();
    REQUIRE(v.size() == 4);  // epochs 0, 4, 8, 12
    INFO(to_string(estimator) << ": <E_20 - E_0> " << v.front().mean_energy_change << " -> "
                              << v.back().mean_energy_change << ", step " << model.parameters()[0]);
    CHECK(v.back().mean_energy_change < v.front().mean_energy_change - 0.1);
    CHECK(model.parameters()[0] > 1e-3);
    REQUIRE(trainer.epochs().size() == 12);
    CHECK(trainer.validations().back().evaluations == trainer.evaluations());
    // Evaluations: 8 episodes of 9 per epoch, 2 x 21 per validation, FIRE baselines 9 per structure (reinforce).
    const long baselines = estimator == Estimator::reinforce ? 4 * 9 : 0;
    CHECK(trainer.evaluations() == 12 * 4 * 9 + 4 * 2 * 21 + baselines);
  }
}

TEST_CASE("training visits the structures in a seeded order, a fresh permutation each pass") {
  const std::vector<System> clusters = lj_clusters(5, 13);
  LinearModel model({force_basis()}, Eigen::VectorXd::Constant(1, 1e-4), 1e-5);
  TrainSettings settings = lj_training_settings();
  Trainer trainer(model, settings, clusters, {});
  // 4 episodes per epoch over 5 structures: each run of 5 consecutive slots is a permutation.
  std::vector<int> seen;
  for (long e = 0; e < 5; ++e)
    for (int s = 0; s < 4; ++s) seen.push_back(trainer.structure_of(e, s));
  for (int pass = 0; pass < 4; ++pass) {
    std::vector<int> block(seen.begin() + 5 * pass, seen.begin() + 5 * pass + 5);
    std::sort(block.begin(), block.end());
    CHECK(block == std::vector<int>{0, 1, 2, 3, 4});
  }
  CHECK(std::vector<int>(seen.begin(), seen.begin() + 5) != std::vector<int>(seen.begin() + 5, seen.begin() + 10));
}

TEST_CASE("a checkpointed run resumes bit for bit") {
  const std::vector<System> clusters = lj_clusters(6, 17);
  const std::vector<System> training(clusters.begin(), clusters.begin() + 4), validation(clusters.begin() + 4, clusters.end());
  for (Estimator estimator : {Estimator::reinforce, Estimator::pathwise}) {
    TrainSettings settings = lj_training_settings();
    settings.estimator = estimator;
    // Uninterrupted: 10 epochs, keeping the checkpoint written at epoch 4.
    LinearModel model({force_basis()}, Eigen::VectorXd::Constant(1, 1e-4), 1e-5);
    Trainer trainer(model, settings, training, validation);
    std::string saved;
    trainer.run(10, {}, {}, [&](const TrainerState& s) {
      if (s.epoch == 4) {
        std::ostringstream out;
        write_checkpoint(out, s);
        saved = out.str();
      }
    });
    REQUIRE(!saved.empty());

    // "Killed" after epoch 4: a new process with a differently initialised model resumes.
    LinearModel other({force_basis()}, Eigen::VectorXd::Constant(1, 0.123), 1e-5);
    Trainer resumed(other, settings, training, validation);
    std::istringstream in(saved);
    resumed.restore(read_checkpoint(in, "checkpoint"));
    CHECK(resumed.epoch() == 4);
    resumed.run(10);
    CHECK(other.parameters() == model.parameters());  // bitwise
    REQUIRE(resumed.epochs().size() == trainer.epochs().size());
    for (std::size_t i = 0; i < trainer.epochs().size(); ++i) {
      CHECK(resumed.epochs()[i].mean_return == trainer.epochs()[i].mean_return);
      CHECK(resumed.epochs()[i].gradient_norm == trainer.epochs()[i].gradient_norm);
      CHECK(resumed.epochs()[i].evaluations == trainer.epochs()[i].evaluations);
    }
    REQUIRE(resumed.validations().size() == trainer.validations().size());
    for (std::size_t i = 0; i < trainer.validations().size(); ++i) {
      CHECK(resumed.validations()[i].mean_energy_change == trainer.validations()[i].mean_energy_change);
    }
    // The checkpoint text of both runs is the same.
    std::ostringstream a, b;
    write_checkpoint(a, trainer.state());
    write_checkpoint(b, resumed.state());
    CHECK(a.str() == b.str());
  }
}

TEST_CASE("checkpoints round trip exactly and refuse what they cannot resume") {
  const std::vector<System> clusters = lj_clusters(3, 19);
  LinearModel model({force_basis()}, Eigen::VectorXd::Constant(1, 1e-4), 1e-5);
  TrainSettings settings = lj_training_settings();
  Trainer trainer(model, settings, {clusters[0], clusters[1]}, {clusters[2]});
  trainer.run(3);
  const TrainerState s = trainer.state();
  std::ostringstream out;
  write_checkpoint(out, s);
  const std::string text = out.str();
  std::istringstream in(text);
  const TrainerState back = read_checkpoint(in, "c");
  CHECK(back.parameters == s.parameters);
  CHECK(back.adam.m == s.adam.m);
  CHECK(back.adam.v == s.adam.v);
  CHECK(back.adam.beta1_power == s.adam.beta1_power);
  CHECK(back.settings == s.settings);
  REQUIRE(back.baselines.size() == s.baselines.size());
  CHECK(back.baselines.begin()->second.energies == s.baselines.begin()->second.energies);
  std::ostringstream again;
  write_checkpoint(again, back);
  CHECK(again.str() == text);

  std::istringstream truncated(text.substr(0, text.size() / 2));
  CHECK_THROWS_WITH(read_checkpoint(truncated, "c"), Catch::StartsWith("c:"));
  std::istringstream wrong_version("strider-rl-checkpoint 99\nend\n");
  CHECK_THROWS_WITH(read_checkpoint(wrong_version, "c"), Catch::Contains("version 99"));
  std::istringstream not_one("hello\n");
  CHECK_THROWS_WITH(read_checkpoint(not_one, "c"), Catch::Contains("not a strider training checkpoint"));

  TrainSettings other_seed = settings;
  other_seed.seed = 8;
  LinearModel fresh({force_basis()}, Eigen::VectorXd::Constant(1, 1e-4), 1e-5);
  Trainer mismatched(fresh, other_seed, {clusters[0], clusters[1]}, {clusters[2]});
  CHECK_THROWS_WITH(mismatched.restore(s), Catch::Contains("seed = 7"));
}

TEST_CASE("adaptation lowers the energy, chooses among the last three states, and keeps the best seed") {
  const std::vector<System> clusters = lj_clusters(1, 23);
  LinearModel model({force_basis()}, Eigen::VectorXd::Constant(1, 2e-3), 1e-5);
  AdaptSettings settings;
  settings.system = "lj";
  settings.estimator = Estimator::reinforce;
  settings.epochs = 6;
  settings.seeds = 3;
  settings.adam.learning_rate = 1e-3;
  std::vector<AdaptProgress> progress;
  const AdaptResult result = adapt(model, clusters[0], settings, [&](const AdaptProgress& p) { progress.push_back(p); });
  CHECK(model.parameters()[0] == 2e-3);  // restored
  REQUIRE(result.runs.size() == 3);
  CHECK(progress.size() == 18);
  long total = 0;
  for (const AdaptRun& run : result.runs) {
    CHECK_FALSE(run.diverged);
    CHECK(run.epochs == 6);
    REQUIRE(run.start_energies.size() == 7);
    CHECK(run.final_energy < run.initial_energy);
    CHECK(run.final_energy == *std::min_element(run.start_energies.begin(), run.start_energies.end()));
    CHECK(run.last_energy == run.start_energies.back());
    Evaluator check(make_potential("lj"));
    CHECK(check.evaluate(run.best).energy == Approx(run.final_energy).epsilon(1e-12));
    // 1 for the target, then per epoch a FIRE baseline (16) and a rollout (16).
    CHECK(run.evaluations == 1 + 6 * 32);
    CHECK(run.parameters[0] != 2e-3);
    CHECK(result.best_run().final_energy <= run.final_energy);
    total += run.evaluations;
  }
  CHECK(result.evaluations == total);
  // The seeds differ, and the same settings give the same result.
  CHECK(result.runs[0].final_energy != result.runs[1].final_energy);
  const AdaptResult again = adapt(model, clusters[0], settings);
  CHECK(again.best_run().final_energy == result.best_run().final_energy);
  CHECK(again.best == result.best);

  // The start after an epoch is the lowest of that episode's last three states:
  // replay seed 0's first epoch by hand.
  LinearModel replay({force_basis()}, Eigen::VectorXd::Constant(1, 2e-3), 1e-5);
  Evaluator evaluator(make_potential("lj"));
  Random random(stream_seed(settings.seed, {4, 0, 0}));
  RolloutSettings rs;
  rs.steps = 15;
  const Episode e = rollout(replay, clusters[0], evaluator, rs, random);
  const std::vector<double> E = e.energies();
  CHECK(result.runs[0].start_energies[1] == std::min({E[13], E[14], E[15]}));
}

TEST_CASE("a checkpoint's counts allocate nothing before the numbers are read, and values must be finite") {
  auto error_of = [](const std::string& text) -> std::string {
    std::istringstream in(text);
    try {
      read_checkpoint(in, "c");
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  // 10^8 declared on a line of two numbers: an error, not 800 MB first.
  CHECK(error_of("strider-rl-checkpoint 1\nparameters 100000000 0x1p+0\nend\n") == "c:2: line ends early");
  CHECK(error_of("strider-rl-checkpoint 1\nbaseline 0 100000000 1\nend\n") == "c:2: line ends early");
  CHECK(error_of("strider-rl-checkpoint 1\nparameters 1000000000 1\nend\n") == "c:2: bad count 1000000000");
  CHECK(error_of("strider-rl-checkpoint 1\nepoch 99999999999999999999\nend\n") ==
        "c:2: '99999999999999999999' is not a whole number");
  CHECK(error_of("strider-rl-checkpoint 1\nparameters 2 0x1p+0 nan\nend\n") ==
        "c:2: a non-finite number (nan) among the values");
  CHECK(error_of("strider-rl-checkpoint 1\nparameters 2 0x1p+0 0x1p-1\nend\n") == "no error");
}
