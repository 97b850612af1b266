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
// Cost: T backward passes of the network, after the rollout's T forwards
// (which the model keeps for them, PolicyModel::keep_forward, or else runs
// again: as the other estimators), and T - 1 weighted-force passes of the potential.
//
// [SECTION] the feature set forces
// Its node features add the forces F(x_m) and the previous action a_{m-1},
//   mu_m = mu(G(x_m, U(x_m), F(x_m), a_{m-1}); theta),
// so backward_to_state also returns g_F = dL/dF_m (through the features only)
// and p_m = dL/da_{m-1} (the same). The force is a function of x_m with
// dF/dx = -H (H the potential's Hessian, symmetric), and a_{m-1} reaches
// both x_m and mu_m, so with grad_mu_m := dL/dmu_m = dL/da_m,
//   grad_mu_{T-1} = lambda_T,   grad_mu_{m-1} = lambda_m + p_m,
//   lambda_m = -w_m F_m + lambda_{m+1} + (d mu_m / d x_m)^T grad_mu_m,
// where the state part now has a third term, -H_m g_F, and
// dL/dtheta = sum_m (d mu_m / d theta)^T grad_mu_m. (a_{-1} = 0 is a
// constant: p_0 is dropped.) H_m g_F is a central difference of the forces
// along g_F (minus_hessian_times below): two force evaluations per step,
// counted like every other evaluation.
#include <algorithm>
#include <cmath>

#include "strider/rl_bptt.hpp"

#include "strider/system.hpp"

namespace strider::rl {

namespace {

// -H v (3 x N) at `system` for the potential's Hessian H, by the central
// difference (F(x + h u) - F(x - h u)) |v| / (2h) along u = v / |v|. Its
// error is about (h / s)^2 (curvature) + eps |x| / h (rounding of the moved
// positions), s the mean interatomic spacing (the box or cluster's largest
// extent over N^(1/3)); h = 1e-5 s makes both ~1e-10 relative to |H v|.
// Two evaluations, counted by `evaluator`; zero v costs none.
Eigen::Matrix3Xd minus_hessian_times(const System& system, const Eigen::Matrix3Xd& v, Evaluator& evaluator) {
  const double norm = v.norm();
  if (norm == 0.0) return Eigen::Matrix3Xd::Zero(3, system.size());
  const Eigen::Vector3d extent = system.positions.rowwise().maxCoeff() - system.positions.rowwise().minCoeff();
  const double spacing = std::max(extent.maxCoeff(), 1e-3) / std::cbrt(static_cast<double>(system.size()));
  const double h = 1e-5 * spacing;
  auto forces_at = [&](double sign) {
    System moved = system;
    moved.positions += (sign * h / norm) * v;
    wrap_positions(moved);
    return Eigen::Matrix3Xd(evaluator.evaluate(moved).forces);
  };
  const Eigen::Matrix3Xd plus = forces_at(1.0);
  return (plus - forces_at(-1.0)) * (norm / (2.0 * h));
}

}  // namespace

BpttSweep::BpttSweep(const Episode& episode, double weight, double gamma)
    : episode_(episode), weight_(weight), w_(static_cast<std::size_t>(episode.steps()) + 1, 0.0) {
  const int T = episode.steps();  // w_0 = 0 (E_0 is fixed)
  for (int m = 1; m <= T; ++m) w_[static_cast<std::size_t>(m)] = gamma * w_[static_cast<std::size_t>(m - 1)] + 1.0;
  const std::vector<double> energies = episode.energies();
  for (int m = 1; m <= T; ++m) objective_ += w_[static_cast<std::size_t>(m)] * (energies.front() - energies[m]);
  if (T > 0) lambda_ = -(weight * w_[static_cast<std::size_t>(T)]) * episode.evaluations.back().forces;
  grad_mu_ = lambda_;
}

void BpttSweep::step_back(int t, const StateGradient& grad, Evaluator& evaluator) {
  const std::size_t k = static_cast<std::size_t>(t);
  const System state = episode_.state(t);
  lambda_ += grad.positions - evaluator.weighted_forces(state, grad.per_atom) +
             minus_hessian_times(state, grad.forces, evaluator) - (weight_ * w_[k]) * episode_.evaluations[k].forces;
  grad_mu_ = lambda_ + grad.previous_displacement;
}

double bptt_gradient(PolicyModel& model, const Episode& episode, Evaluator& evaluator, double weight, double gamma) {
  BpttSweep sweep(episode, weight, gamma);
  StateGradient grad_state;
  for (int t = episode.steps() - 1; t >= 0; --t) {
    const std::size_t k = static_cast<std::size_t>(t);
    check_same_mean(model.forward_again(episode.kept_forward(t), episode.state(t), episode.evaluations[k],
                                        episode.batch_statistics),
                    episode.mu[k], t);
    if (t == 0) {  // x_0 is given: only the parameters' part
      model.backward(sweep.grad_mu());
      break;
    }
    model.backward_to_state(sweep.grad_mu(), grad_state);
    sweep.step_back(t, grad_state, evaluator);
  }
  return sweep.objective();
}

}  // namespace strider::rl
