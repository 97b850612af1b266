#pragma once
// The per-step algebra of the bptt estimator's reverse sweep (derivation in
// bptt.cpp), for a caller that runs the model itself: bptt_gradient (rl.hpp)
// one step at a time, and adapt_batch (rl_adaptation_batch.hpp), which runs
// step t of every seed's episode in one model call.
#include <Eigen/Core>
#include <vector>

#include "strider/rl.hpp"

namespace strider::rl {

// Steps go t = T-1 .. 0: give the model grad_mu() at step t; for t >= 1
// then hand its backward_to_state output to step_back(t, ...).
class BpttSweep {
 public:
  // `episode` must outlive the sweep; weight multiplies the loss.
  BpttSweep(const Episode& episode, double weight, double gamma = kGamma);
  // sum_m w_m (E_0 - E_m), the objective for logs.
  double objective() const { return objective_; }
  // d(loss)/d(mu_t) = weight * (lambda_{t+1} + p_{t+1}) (3 x N, per length
  // unit): lambda_{t+1} = dL/dx_{t+1}, p_{t+1} the derivative through step
  // t+1's previous-displacement feature (zero unless the set is forces).
  const Eigen::Matrix3Xd& grad_mu() const { return grad_mu_; }
  // lambda_t = lambda_{t+1} + grad.positions - weighted_forces(S_t; grad.per_atom)
  //            - H_t grad.forces - weight w_t F_t,   p_t = grad.previous_displacement,
  // with the model's derivatives through the state at step t (t >= 1) and the
  // episode's potential (one weighted-force pass, and two force evaluations
  // for the Hessian product when grad.forces is not zero; all counted by `evaluator`).
  void step_back(int t, const StateGradient& grad, Evaluator& evaluator);

 private:
  const Episode& episode_;
  double weight_;
  std::vector<double> w_;  // w_0 .. w_T
  double objective_ = 0.0;
  Eigen::Matrix3Xd lambda_;
  Eigen::Matrix3Xd grad_mu_;
};

}  // namespace strider::rl
