// The pathwise (reparameterised) estimator: what the authors' released code
// effectively computed (docs/estimators.md, pathwise), built from forces only.
//
// [SECTION] derivation
// Reparameterise a_t = mu_t + sqrt(alpha) z_t with the noise z_t fixed. From
// step t on the positions are (unwrapped; wrapping is a lattice translation,
// which changes no energy and has unit derivative)
//   x_m = x_t + sum_{k=t}^{m-1} a_k,        m > t,
// and with the state features of later steps held constant (mu_k, k > t, does
// not move when x_k moves) d x_m / d a_t = I for every m > t, and
// d E_m / d x_m = -F_m. Write the return of step t in terms of energies:
//   D^t = sum_{k=t}^{T-1} gamma^{k-t} (E_k - E_{k+1})
//       = E_t - sum_{m=t+1}^{T-1} (1 - gamma) gamma^{m-t-1} E_m - gamma^{T-1-t} E_T
//       = E_t - sum_{m=t+1}^{T} beta_{t,m} E_m,
//   beta_{t,m} = (1 - gamma) gamma^{m-t-1} (m < T),  gamma^{T-1-t} (m = T),  sum_m beta_{t,m} = 1:
// D^t is E_t minus a weighted mean of the later energies. Hence
//   G_t := d D^t / d a_t = sum_{m=t+1}^{T} beta_{t,m} F_m,
// a weighted mean of the forces at every later position. Since
// beta_{t,m} = gamma beta_{t+1,m} for m >= t+2 and beta_{t,t+1} = 1 - gamma,
//   G_{T-1} = F_T,   G_t = (1 - gamma) F_{t+1} + gamma G_{t+1},
// one backward sweep over the episode. With d a_t / d theta = d mu_t / d theta,
//   d D^t / d theta_t = G_t . d mu_t / d theta,
// and the loss to MINIMISE, L = -sum_t D^t (each step credited with its own
// return), has dL / d mu_t = -G_t. Cost: no evaluation beyond the rollout's
// (the forces are its own) and T backward passes of the network, after the
// rollout's T forwards (which the model keeps for them,
// PolicyModel::keep_forward, or else runs again).
//
// [SECTION] why each step's own return
// This is the reparameterised estimate of the same quantity the reinforce
// estimator targets, G = sum_t d E[D^t] / d theta_t (see reinforce.cpp), so the
// two are comparable. Differentiating sum_t D^t through every action instead
// would give each intermediate energy E_m (0 < m < T) the net coefficient
// +gamma^m (it starts D^m and is subtracted in the earlier returns with total
// weight 1 - gamma^m): it would push intermediate steps uphill. (The authors'
// code did not meet this because its reward, E^F_T - E_{t+1}, is minus an
// energy rather than an energy decrease.) The baseline b^t is a constant of the
// structure and drops out of any pathwise gradient.
#include "strider/rl.hpp"

namespace strider::rl {

std::vector<Eigen::Matrix3Xd> pathwise_mu_gradients(const Episode& episode, double gamma) {
  const int T = episode.steps();
  std::vector<Eigen::Matrix3Xd> out(static_cast<std::size_t>(T));
  if (T == 0) return out;
  Eigen::Matrix3Xd g = episode.evaluations[static_cast<std::size_t>(T)].forces;  // G_{T-1}
  out[static_cast<std::size_t>(T - 1)] = -g;
  for (int t = T - 2; t >= 0; --t) {
    g = (1.0 - gamma) * episode.evaluations[static_cast<std::size_t>(t + 1)].forces + gamma * g;
    out[static_cast<std::size_t>(t)] = -g;
  }
  return out;
}

}  // namespace strider::rl
