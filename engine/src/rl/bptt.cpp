// The bptt estimator: the exact gradient of the objective the authors'
// released code optimises, back-propagated through time through the
// simulator (positions, actions and every later graph).
//
// [SECTION] the objective
// The authors' loss is -sum_t log pi(a_t | S_t) D^t / 100 with reparameterised
// actions a_t = mu_t + sigma z_t and a log-density without normaliser,
// log pi = -|a_t - mu_t|^2 / (2 sigma^2) = -|z_t|^2 / 2: a number that does not
// depend on the parameters. Only the returns carry gradient, and with their
// reward R^t = E^F_T - E_{t+1} (E^F_T: FIRE's energy after T steps, a constant)
//   D^t = sum_{k=0}^{T-1-t} gamma^k (E^F_T - E_{t+k+1}),
// so their update descends, with positive weights |z_t|^2 / 200, the
// discounted sum of the later energies. Taking the weights equal (their
// expectation is the same for every step),
//   L = sum_{t=0}^{T-1} sum_{k=0}^{T-1-t} gamma^k E_{t+k+1} = sum_{m=1}^{T} w_m E_m,
//   w_m = sum_{j=0}^{m-1} gamma^j = (1 - gamma^m) / (1 - gamma),   w_m = gamma w_{m-1} + 1,
// every energy after the start with a positive weight. (With strider's own
// reward E_t - E_{t+1}, differentiating every return through every action
// would push intermediate energies up; see pathwise.cpp. This objective has
// no such term.) The FIRE baseline is a constant and drops out.
//
// [SECTION] the reverse sweep
// With the noise fixed, the episode is a deterministic map of the parameters:
//   x_{m+1} = x_m + mu(G(x_m, U(x_m)); theta) + sqrt(alpha) z_m
// (periodic wrapping is a lattice translation: unit derivative, no energy
// change), where G builds the graph's features from the positions (edge vectors
// and distances) and the per-atom energies U(x_m). Write lambda_m = dL/dx_m,
// the total derivative through every later step. Then
//   lambda_T = w_T dE/dx_T = -w_T F_T,
//   lambda_m = -w_m F_m + lambda_{m+1} + (d mu_m / d x_m)^T lambda_{m+1},   m = T-1 .. 1,
//   dL/dtheta = sum_{m=0}^{T-1} (d mu_m / d theta)^T lambda_{m+1}.
// The policy's backward_to_state(lambda_{m+1}) adds (d mu_m / d theta)^T lambda_{m+1}
// to the gradient and returns the two parts of (d mu_m / d x_m)^T lambda_{m+1}:
// through the edge geometry (grad_positions) and through the per-atom energies
// (c = dL/dU, N numbers), which the potential turns into positions by
//   d/dx (c . U(x)) = -weighted_forces(x; c).
// Cost: T forward and backward passes of the network (as the other
// estimators) and T - 1 weighted-force passes of the potential.
#include "strider/rl_bptt.hpp"

namespace strider::rl {

BpttSweep::BpttSweep(const Episode& episode, double weight, double gamma)
    : episode_(episode), weight_(weight), w_(static_cast<std::size_t>(episode.steps()) + 1, 0.0) {
  const int T = episode.steps();  // w_0 = 0 (E_0 is fixed)
  for (int m = 1; m <= T; ++m) w_[static_cast<std::size_t>(m)] = gamma * w_[static_cast<std::size_t>(m - 1)] + 1.0;
  const std::vector<double> energies = episode.energies();
  for (int m = 1; m <= T; ++m) objective_ += w_[static_cast<std::size_t>(m)] * (energies.front() - energies[m]);
  if (T > 0) lambda_ = -(weight * w_[static_cast<std::size_t>(T)]) * episode.evaluations.back().forces;
}

void BpttSweep::step_back(int t, const Eigen::Matrix3Xd& grad_positions, const Eigen::VectorXd& grad_per_atom,
                          Evaluator& evaluator) {
  const std::size_t k = static_cast<std::size_t>(t);
  lambda_ += grad_positions - evaluator.weighted_forces(episode_.state(t), grad_per_atom) -
             (weight_ * w_[k]) * episode_.evaluations[k].forces;
}

double bptt_gradient(PolicyModel& model, const Episode& episode, Evaluator& evaluator, double weight, double gamma) {
  BpttSweep sweep(episode, weight, gamma);
  Eigen::Matrix3Xd grad_positions;
  Eigen::VectorXd grad_per_atom;
  for (int t = episode.steps() - 1; t >= 0; --t) {
    const std::size_t k = static_cast<std::size_t>(t);
    check_same_mean(model.forward(episode.state(t), episode.evaluations[k], episode.batch_statistics),
                    episode.mu[k], t);
    if (t == 0) {  // x_0 is given: only the parameters' part
      model.backward(sweep.lambda());
      break;
    }
    model.backward_to_state(sweep.lambda(), grad_positions, grad_per_atom);
    sweep.step_back(t, grad_positions, grad_per_atom, evaluator);
  }
  return sweep.objective();
}

}  // namespace strider::rl
