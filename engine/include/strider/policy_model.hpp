#pragma once
// What the learning code (rollouts, estimators, training, adaptation) needs of
// a policy: per-atom mean displacements for a structure, and the gradient of a
// scalar through them. The StriderNET GNN (policy.hpp) is one such model;
// tests use small ones whose answers are known in closed form.
#include <Eigen/Core>
#include <vector>

#include "strider/graph.hpp"
#include "strider/evaluation.hpp"
#include "strider/system.hpp"

namespace strider {

class PolicyModel {
 public:
  virtual ~PolicyModel() = default;

  // Mean displacement mu (3 x N, length unit, displacement scale included) of
  // every atom of `system`, whose energies are `evaluation` (per-atom energies
  // are node features). training: batch norm uses this call's statistics (and
  // updates its running ones); otherwise the running statistics.
  // Remembers what backward() needs, until the next forward().
  virtual Eigen::Matrix3Xd forward(const System& system, const Evaluation& evaluation, bool training) = 0;

  // Adds d(loss)/d(parameters) to the gradient, given d(loss)/d(mu) (3 x N)
  // for the last forward(). Structure inputs are treated as constants.
  virtual void backward(const Eigen::Matrix3Xd& grad_mu) = 0;

  // backward(grad_mu), and also the derivative of the loss through the
  // structure inputs of the last forward() (graph.hpp's StateGradient):
  // through the geometry the model reads (edge vectors and distances), the
  // per-atom energies and forces of its `evaluation` and the system's
  // previous displacement (the caller chains them through the potential and
  // the previous step). What the bptt estimator needs. The default throws
  // InputError (a model without it).
  virtual void backward_to_state(const Eigen::Matrix3Xd& grad_mu, StateGradient& grad_state);

  // forward() then backward(grad_mu[k]) for each state k in turn, returning
  // the means (3 x N_k each); the gradient of all of them is added. A model
  // may evaluate all states at once (the LibTorch twin runs them as one
  // disjoint batch graph); the result must equal the one-by-one loop.
  virtual std::vector<Eigen::Matrix3Xd> forward_backward(const std::vector<System>& states,
                                                         const std::vector<const Evaluation*>& evaluations,
                                                         bool training, const std::vector<Eigen::Matrix3Xd>& grad_mu);

  // mu of several states (3 x N_k each), equal to forward() on each in turn
  // but keeping nothing for backward(). The default calls forward() on each.
  virtual std::vector<Eigen::Matrix3Xd> forward_many(const std::vector<System>& states,
                                                     const std::vector<const Evaluation*>& evaluations,
                                                     bool training);
  // Whether forward_many() is cheaper than forward() in turn: the trainer then
  // runs an epoch's episodes in lockstep (rollouts() in rl.hpp).
  virtual bool batches_states() const { return false; }

  // [SECTION] keeping forwards for the backward pass
  // The estimators run backward() at every state of an episode whose
  // forward() the rollout already ran. A model may keep what backward() needs
  // of those forwards (their activations), so that the estimators run T
  // backward passes instead of T forward and T backward passes.

  // The ticket of a forward that was not kept.
  static constexpr long kNotKept = -1;

  // Keeps what backward() needs of the last forward() and returns a ticket
  // for forward_again(), or kNotKept (the default: a model that keeps
  // nothing). The last forward is then gone: backward() needs a forward()
  // or forward_again() first.
  virtual long keep_forward() { return kNotKept; }

  // forward(system, evaluation, training) of a state whose forward was kept
  // under `ticket`: the kept forward back (so backward() follows it) when it
  // is bit for bit what forward() would compute now, leaving the model as
  // forward() would; otherwise forward() (the default, and for kNotKept).
  // Either way the ticket is spent.
  virtual Eigen::Matrix3Xd forward_again(long ticket, const System& system, const Evaluation& evaluation,
                                         bool training) {
    (void)ticket;
    return forward(system, evaluation, training);
  }

  // All trainable parameters as one flat vector, and their accumulated gradient (same layout).
  virtual Eigen::VectorXd parameters() const = 0;
  virtual void set_parameters(const Eigen::VectorXd& values) = 0;
  virtual const Eigen::VectorXd& gradient() const = 0;
  virtual void zero_gradient() = 0;

  // The policy's variance alpha: actions are a_v ~ N(mu_v, alpha I) (length^2).
  virtual double variance() const = 0;
};

}  // namespace strider
