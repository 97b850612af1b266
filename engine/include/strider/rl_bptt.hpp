#pragma once
// The per-step algebra of the bptt estimator's reverse sweep (derivation in
// bptt.cpp), for a caller that runs the model itself: bptt_gradient (rl.hpp)
// one step at a time, and adapt_batch (rl_adaptation_batch.hpp), which runs
// step t of every seed's episode in one model call.
#include <Eigen/Core>
#include <vector>

#include "strider/rl.hpp"

namespace strider::rl {

// Steps go t = T-1 .. 0: give the model grad_mu = lambda() at step t; for
// t >= 1 then hand its backward_to_state outputs to step_back(t, ...).
class BpttSweep {
 public:
  // `episode` must outlive the sweep; weight multiplies the loss.
  BpttSweep(const Episode& episode, double weight, double gamma = kGamma);
  // sum_m w_m (E_0 - E_m), the objective for logs.
  double objective() const { return objective_; }
  // weight * lambda_{t+1} = weight * dL/dx_{t+1} (3 x N, per length unit): d(loss)/d(mu_t).
  const Eigen::Matrix3Xd& lambda() const { return lambda_; }
  // lambda_t = lambda_{t+1} + grad_positions - weighted_forces(S_t; grad_per_atom) - weight w_t F_t,
  // with the model's derivatives through the state at step t (t >= 1) and the
  // episode's potential (one weighted-force pass, counted by `evaluator`).
  void step_back(int t, const Eigen::Matrix3Xd& grad_positions, const Eigen::VectorXd& grad_per_atom,
                 Evaluator& evaluator);

 private:
  const Episode& episode_;
  double weight_;
  std::vector<double> w_;  // w_0 .. w_T
  double objective_ = 0.0;
  Eigen::Matrix3Xd lambda_;
};

}  // namespace strider::rl
