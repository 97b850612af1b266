// The score-function (REINFORCE) estimator of paper eq. 10.
//
// For the Gaussian policy pi(a | S) = N(mu(S; theta), alpha I) over the 3N
// coordinates,
//   log pi(a | S) = -|a - mu|^2 / (2 alpha) + const,
//   d log pi / d mu_v = (a_v - mu_v) / alpha,
// so grad_theta log pi = sum_v ((a_v - mu_v) / alpha) . d mu_v / d theta. Eq. 10,
//   grad J = sum_t (D^t - b^t) grad_theta log pi(a^t | S^t),
// is the gradient of the surrogate loss L = -sum_t (D^t - b^t) log pi(a^t | S^t)
// with the returns held fixed, to be MINIMISED:
//   dL / d mu_t = -(D^t - b^t) (a_t - mu_t) / alpha = -(D^t - b^t) z_t / sqrt(alpha).
// Expectation: E[(D^t - b^t) grad log pi_t] = d E[D^t] / d theta_t, the change of
// the step's expected return with the parameters used at step t (score-function
// identity over a_t; b^t does not depend on a_t, so its term has mean zero).
#include <cmath>
#include <stdexcept>

#include "strider/rl.hpp"

namespace strider::rl {

std::vector<Eigen::Matrix3Xd> reinforce_mu_gradients(const Episode& episode, const std::vector<double>& baseline,
                                                     double gamma) {
  const int T = episode.steps();
  if (!(episode.alpha > 0.0)) throw std::invalid_argument("reinforce: the policy variance alpha must be > 0");
  if (!baseline.empty() && static_cast<int>(baseline.size()) != T) {
    throw std::invalid_argument("reinforce: the baseline has " + std::to_string(baseline.size()) +
                                " steps, the episode " + std::to_string(T));
  }
  const std::vector<double> returns = discounted_returns(rewards(episode.energies()), gamma);
  const double inverse_scale = 1.0 / std::sqrt(episode.alpha);
  std::vector<Eigen::Matrix3Xd> out;
  out.reserve(T);
  for (int t = 0; t < T; ++t) {
    const double advantage = returns[t] - (baseline.empty() ? 0.0 : baseline[t]);
    out.push_back((-advantage * inverse_scale) * episode.noise[t]);
  }
  return out;
}

}  // namespace strider::rl
