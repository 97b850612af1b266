// The bptt estimator (rl.hpp, bptt.cpp) and what it is built from: the
// potentials' weighted forces and the whole episode's gradient, each against
// central finite differences (of the weighted energy sum; of the sampled
// objective with the noise fixed, for every parameter block, on all three
// paper systems), and the LeCun initialisation it is usually paired with.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "reference_structures.hpp"
#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "strider/policy.hpp"
#include "strider/rl.hpp"

using namespace strider;

namespace {

using test::load_reference;
using test::Structure;

struct Case {
  const char* file;
  const char* key;
};

const Case kSystems[] = {
    {"lj-binary-n25.xyz", "lj-binary"},
    {"sw-si-small8.xyz", "sw-si"},
    {"csh-small.xyz", "csh"},
};

PotentialOptions options_for(const std::string& key, const System& system) {
  PotentialOptions options;
  if (key == "lj" && system.box.any_periodic()) options.cutoff = 2.5;
  return options;
}

// The smallest |central difference - analytic| over steps 1e-3 .. 1e-7
// relative to max(1, |x|) (rounding spoils small steps, curvature large ones;
// a wrong derivative fails at every step). Restores x by calling f(x) last.
template <class F>
double difference_error(F&& f, double x, double analytic, double tolerance) {
  double best = std::numeric_limits<double>::infinity();
  for (double step : {1e-3, 1e-4, 1e-5, 1e-6, 1e-7}) {
    const double h = step * std::max(1.0, std::abs(x));
    best = std::min(best, std::abs((f(x + h) - f(x - h)) / (2.0 * h) - analytic));
    if (best <= tolerance) break;
  }
  f(x);
  return best;
}

// The bptt objective sum_m w_m E_m of one episode, w_m = (1 - gamma^m) / (1 - gamma),
// written from its definition (not through bptt.cpp's recurrence).
double weighted_energy_sum(const rl::Episode& episode, double gamma) {
  const std::vector<double> energies = episode.energies();
  double sum = 0.0;
  for (std::size_t m = 1; m < energies.size(); ++m) {
    sum += (1.0 - std::pow(gamma, static_cast<double>(m))) / (1.0 - gamma) * energies[m];
  }
  return sum;
}

}  // namespace

TEST_CASE("weighted forces are minus the gradient of the weighted per-atom energies", "[bptt]") {
  const Case cases[] = {{"lj-binary-n25.xyz", "lj-binary"}, {"sw-si-small8.xyz", "sw-si"},
                        {"csh-small.xyz", "csh"}, {"lj-cluster13.xyz", "lj"}};
  for (const Case& c : cases) {
    INFO(c.key);
    const Structure s = load_reference(c.file, c.key, 0.05, 3);
    Evaluator evaluator(make_potential(c.key, options_for(c.key, s.system)));
    Random rng(5);
    Eigen::VectorXd weights(s.system.size());
    for (int i = 0; i < weights.size(); ++i) weights[i] = 2.0 * rng.uniform() - 0.5;
    const Eigen::Matrix3Xd analytic = evaluator.weighted_forces(s.system, weights);
    // All weights 1: the forces themselves.
    const Eigen::Matrix3Xd plain = evaluator.weighted_forces(s.system, Eigen::VectorXd::Ones(s.system.size()));
    const Eigen::Matrix3Xd forces = evaluator.evaluate(s.system).forces;
    CHECK((plain - forces).cwiseAbs().maxCoeff() <= 1e-12 * std::max(1.0, forces.cwiseAbs().maxCoeff()));

    System moved = s.system;
    const double scale = std::max(1.0, analytic.cwiseAbs().maxCoeff());
    double worst = 0.0;
    for (int i = 0; i < s.system.size(); i += std::max(1, s.system.size() / 8)) {
      for (int a = 0; a < 3; ++a) {
        auto weighted_energy = [&](double value) {
          moved.positions(a, i) = value;
          return weights.dot(evaluator.evaluate(moved).per_atom);
        };
        const double tolerance = 1e-6 * scale;
        worst = std::max(worst, difference_error(weighted_energy, s.system.positions(a, i), -analytic(a, i),
                                                 tolerance) / tolerance);
      }
    }
    INFO("worst error / tolerance " << worst);
    CHECK(worst <= 1.0);
  }
}

TEST_CASE("bptt equals central differences of the sampled objective for every parameter block", "[bptt]") {
  for (const Case& c : kSystems) {
    for (GraphFeatures features : {GraphFeatures::paper, GraphFeatures::authors, GraphFeatures::forces}) {
      INFO(c.key << ", " << to_string(features) << " features");
      const Structure s = load_reference(c.file, c.key, 0.05, 7);
      const PotentialOptions options = options_for(c.key, s.system);
      PolicyConfig config = policy_preset(c.key, features);
      config.initialisation = Initialisation::lecun;
      config.output_gain = 0.05;  // steps large enough that the later graphs matter
      StriderPolicy policy(config, 9);
      constexpr int kSteps = 4;
      constexpr double kGamma = 0.9;
      constexpr std::uint64_t kNoise = 13;
      rl::RolloutSettings settings;
      settings.steps = kSteps;
      auto episode_at = [&](Evaluator& evaluator) {
        Random random(kNoise);  // the same noise for every parameter value
        return rl::rollout(policy, s.system, evaluator, settings, random);
      };

      policy.zero_gradient();
      Evaluator evaluator(make_potential(c.key, options));
      const rl::Episode episode = episode_at(evaluator);
      const double objective =
          rl::bptt_gradient(policy, episode, evaluator, 1.0, kGamma);
      const Eigen::VectorXd grad = policy.gradient();
      const Eigen::VectorXd theta = policy.parameters();
      // Its logged objective: the weighted energy decrease.
      const std::vector<double> e = episode.energies();
      double decrease = 0.0;
      for (int m = 1; m <= kSteps; ++m) decrease += (1.0 - std::pow(kGamma, m)) / (1.0 - kGamma) * (e[0] - e[m]);
      CHECK(objective == Approx(decrease).epsilon(1e-12));

      const double scale = grad.cwiseAbs().maxCoeff();
      REQUIRE(scale > 0.0);
      Random pick(17);
      for (const ParameterBlock& block : policy.parameter_blocks()) {
        double worst = 0.0;
        for (int n = 0; n < std::min(3, block.size()); ++n) {
          const int k = block.offset + static_cast<int>(pick.below(block.size()));
          Eigen::VectorXd t = theta;
          auto sampled_objective = [&](double value) {
            t[k] = value;
            policy.set_parameters(t);
            Evaluator fresh(make_potential(c.key, options));
            return weighted_energy_sum(episode_at(fresh), kGamma);
          };
          const double tolerance = 1e-5 * std::abs(grad[k]) + 1e-6 * scale;
          worst = std::max(worst, difference_error(sampled_objective, theta[k], grad[k], tolerance) / tolerance);
        }
        INFO(block.name << ": worst error / tolerance " << worst);
        CHECK(worst <= 1.0);
      }
      policy.set_parameters(theta);
    }
  }
}

TEST_CASE("bptt differs from pathwise, which holds the later graphs constant", "[bptt]") {
  // The same episode: the two estimators weight the energies alike only when
  // the policy ignores its inputs; here it does not, so the gradients differ.
  const Structure s = load_reference("lj-binary-n25.xyz", "lj-binary", 0.05, 7);
  PolicyConfig config = policy_preset("lj-binary");
  config.initialisation = Initialisation::lecun;
  StriderPolicy policy(config, 9);
  Evaluator evaluator(make_potential("lj-binary"));
  Random random(3);
  const rl::Episode episode = rl::rollout(policy, s.system, evaluator, rl::RolloutSettings{}, random);
  policy.zero_gradient();
  rl::accumulate_gradient(policy, episode, rl::Estimator::bptt, {}, 1.0, rl::kGamma, &evaluator);
  const Eigen::VectorXd bptt = policy.gradient();
  policy.zero_gradient();
  rl::accumulate_gradient(policy, episode, rl::Estimator::pathwise, {}, 1.0);
  const Eigen::VectorXd pathwise = policy.gradient();
  CHECK(bptt.allFinite());
  CHECK((bptt.normalized() - pathwise.normalized()).norm() > 1e-3);
  // bptt needs the evaluator.
  CHECK_THROWS_AS(rl::accumulate_gradient(policy, episode, rl::Estimator::bptt, {}, 1.0), std::invalid_argument);
  CHECK(rl::estimator_from_string("bptt") == rl::Estimator::bptt);
  CHECK_THROWS_AS(rl::estimator_from_string("bpt"), InputError);
}

TEST_CASE("lecun initialisation: truncated normal weights of variance 1/fan_in, zero biases", "[bptt][policy]") {
  PolicyConfig config = policy_preset("lj-binary");
  config.initialisation = Initialisation::lecun;
  StriderPolicy policy(config, 4);
  const Eigen::VectorXd theta = policy.parameters();
  for (const ParameterBlock& block : policy.parameter_blocks()) {
    const Eigen::VectorXd values = theta.segment(block.offset, block.size());
    INFO(block.name);
    if (block.name.find("norm") != std::string::npos) continue;  // batch norm: gamma 1, beta 0
    if (block.cols == 1) {
      CHECK(values.cwiseAbs().maxCoeff() == 0.0);
      continue;
    }
    const double sigma = 1.0 / std::sqrt(static_cast<double>(block.cols));
    CHECK(values.cwiseAbs().maxCoeff() < 2.0 * sigma / 0.87962566103423978);
    if (block.size() >= 1000) {
      const double variance = values.squaredNorm() / static_cast<double>(values.size());
      CHECK(variance == Approx(sigma * sigma).epsilon(0.1));
    }
  }
  CHECK(initialisation_from_string("lecun") == Initialisation::lecun);
  CHECK_THROWS_AS(initialisation_from_string("xavier"), InputError);
}
