// Estimator names and the common driver that turns d(loss)/d(mu_t) into
// parameter gradients through the model.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "strider/error.hpp"
#include "strider/rl.hpp"

namespace strider::rl {

std::string to_string(Estimator estimator) {
  switch (estimator) {
    case Estimator::reinforce: return "reinforce";
    case Estimator::pathwise: return "pathwise";
    case Estimator::bptt: return "bptt";
  }
  throw std::logic_error("unknown estimator");
}

Estimator estimator_from_string(const std::string& name) {
  for (Estimator e : {Estimator::reinforce, Estimator::pathwise, Estimator::bptt}) {
    if (name == to_string(e)) return e;
  }
  throw InputError("unknown estimator '" + name + "' (known: reinforce, pathwise, bptt)");
}

void check_same_mean(const Eigen::Matrix3Xd& mu, const Eigen::Matrix3Xd& recorded, int t) {
  const bool same_shape = mu.cols() == recorded.cols();
  const double size = recorded.size() > 0 ? std::max(1.0, recorded.cwiseAbs().maxCoeff()) : 1.0;
  if (!same_shape || (recorded.size() > 0 && (mu - recorded).cwiseAbs().maxCoeff() > 1e-9 * size)) {
    throw std::logic_error("accumulate_gradient: the model's mean differs from the rollout's at step " +
                           std::to_string(t) + " (were the parameters changed in between?)");
  }
}

double accumulate_gradient(PolicyModel& model, const Episode& episode, Estimator estimator,
                           const std::vector<double>& baseline, double weight, double gamma, Evaluator* evaluator) {
  if (estimator == Estimator::bptt) {
    if (!evaluator) throw std::invalid_argument("accumulate_gradient: the bptt estimator needs the evaluator");
    return bptt_gradient(model, episode, *evaluator, weight, gamma);
  }
  const int T = episode.steps();
  const std::vector<Eigen::Matrix3Xd> grad_mu = estimator == Estimator::reinforce
                                                    ? reinforce_mu_gradients(episode, baseline, gamma)
                                                    : pathwise_mu_gradients(episode, gamma);
  std::vector<Eigen::Matrix3Xd> mus;
  if (!episode.kept_forwards.empty()) {
    // The rollout kept its forwards: each step's back (or computed again), then its backward.
    for (int t = 0; t < T; ++t) {
      const std::size_t k = static_cast<std::size_t>(t);
      mus.push_back(model.forward_again(episode.kept_forward(t), episode.state(t), episode.evaluations[k],
                                        episode.batch_statistics));
      model.backward(weight * grad_mu[k]);
    }
  } else {
    // Every step again (same parameters and mode as the rollout, so the same mu_t), in one call.
    std::vector<System> states;
    std::vector<const Evaluation*> evaluations;
    std::vector<Eigen::Matrix3Xd> weighted;
    for (int t = 0; t < T; ++t) {
      states.push_back(episode.state(t));
      evaluations.push_back(&episode.evaluations[static_cast<std::size_t>(t)]);
      weighted.push_back(weight * grad_mu[static_cast<std::size_t>(t)]);
    }
    mus = model.forward_backward(states, evaluations, episode.batch_statistics, weighted);
  }
  // The recomputed means must be the rollout's: same parameters, same states.
  for (int t = 0; t < T; ++t) {
    check_same_mean(mus[static_cast<std::size_t>(t)], episode.mu[static_cast<std::size_t>(t)], t);
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
