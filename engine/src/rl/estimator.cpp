// Estimator names and the common driver that turns d(loss)/d(mu_t) into
// parameter gradients through the model.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "strider/error.hpp"
#include "strider/rl.hpp"

namespace strider::rl {

std::string to_string(Estimator estimator) {
  return estimator == Estimator::reinforce ? "reinforce" : "pathwise";
}

Estimator estimator_from_string(const std::string& name) {
  if (name == "reinforce") return Estimator::reinforce;
  if (name == "pathwise") return Estimator::pathwise;
  throw InputError("unknown estimator '" + name + "' (known: reinforce, pathwise)");
}

double accumulate_gradient(PolicyModel& model, const Episode& episode, Estimator estimator,
                           const std::vector<double>& baseline, double weight, double gamma) {
  const int T = episode.steps();
  const std::vector<Eigen::Matrix3Xd> grad_mu = estimator == Estimator::reinforce
                                                    ? reinforce_mu_gradients(episode, baseline, gamma)
                                                    : pathwise_mu_gradients(episode, gamma);
  // Every step again (same parameters and mode as the rollout, so the same mu_t), in one call.
  std::vector<System> states;
  std::vector<const Evaluation*> evaluations;
  std::vector<Eigen::Matrix3Xd> weighted;
  for (int t = 0; t < T; ++t) {
    states.push_back(episode.state(t));
    evaluations.push_back(&episode.evaluations[static_cast<std::size_t>(t)]);
    weighted.push_back(weight * grad_mu[static_cast<std::size_t>(t)]);
  }
  const std::vector<Eigen::Matrix3Xd> mus =
      model.forward_backward(states, evaluations, episode.batch_statistics, weighted);
  for (int t = 0; t < T; ++t) {
    // The recomputed mean must be the rollout's: same parameters, same state.
    const Eigen::Matrix3Xd& mu = mus[static_cast<std::size_t>(t)];
    const Eigen::Matrix3Xd& recorded = episode.mu[static_cast<std::size_t>(t)];
    const bool same_shape = mu.cols() == recorded.cols();
    const double size = recorded.size() > 0 ? std::max(1.0, recorded.cwiseAbs().maxCoeff()) : 1.0;
    if (!same_shape || (recorded.size() > 0 && (mu - recorded).cwiseAbs().maxCoeff() > 1e-9 * size)) {
      throw std::logic_error("accumulate_gradient: the model's mean differs from the rollout's at step " +
                             std::to_string(t) + " (were the parameters changed in between?)");
    }
  }
  const std::vector<double> returns = discounted_returns(rewards(episode.energies()), gamma);
  double objective = 0.0;
  for (int t = 0; t < T; ++t) {
    objective += returns[static_cast<std::size_t>(t)];
    if (estimator == Estimator::reinforce && !baseline.empty()) objective -= baseline[static_cast<std::size_t>(t)];
  }
  return objective;
}

}  // namespace strider::rl
