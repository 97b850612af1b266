#pragma once
// Adaptation with every seed in one batch: the runs of adapt()
// (rl_adaptation.hpp) of one or several targets, stepped in lockstep. Each run
// ("slot": one seed of one target) keeps its own parameters, Adam moments,
// noise stream and next start, exactly as adapt() runs it alone; what is shared
// is the model call: step t of every slot's rollout is one forward of a
// SlotPolicyModel, and the update of every slot is one forward_backward. The
// LibTorch twin (strider/torch/slot_policy.hpp) stacks the slots' parameters
// and evaluates them as one disjoint batch graph.
//
// Estimators: every one the engine has. reinforce (every baseline) and
// pathwise take one forward_backward per update; bptt runs the reverse sweep
// of bptt.cpp in lockstep, step t of every slot's episode in one
// backward_to_state call (t = T-1 .. 1), each slot chaining its per-atom
// energy gradient through its own potential.
#include <Eigen/Core>
#include <functional>
#include <vector>

#include "strider/rl_adaptation.hpp"

namespace strider::rl {

// S parameter sets of one policy architecture ("slots"), evaluated together.
// Slot s's parameters act only on the states given for slot s.
class SlotPolicyModel {
 public:
  virtual ~SlotPolicyModel() = default;
  virtual int slots() const = 0;

  // mu (3 x N_i each) of states[i] with the parameters of slot slots[i]
  // (distinct slots), all in one call; evaluation i holds the per-atom
  // energies. training: batch norm as PolicyModel::forward (each slot updates
  // its own running statistics).
  virtual std::vector<Eigen::Matrix3Xd> forward(const std::vector<int>& slots, const std::vector<System>& states,
                                                const std::vector<const Evaluation*>& evaluations,
                                                bool training) = 0;
  // The same means for states[i] with slot slots[i] (slots may repeat), adding
  // d(loss)/d(parameters) of slot slots[i] given d(loss)/d(mu_i) = grad_mu[i]
  // (3 x N_i) to that slot's gradient. Returns the means.
  virtual std::vector<Eigen::Matrix3Xd> forward_backward(const std::vector<int>& slots,
                                                         const std::vector<System>& states,
                                                         const std::vector<const Evaluation*>& evaluations,
                                                         bool training,
                                                         const std::vector<Eigen::Matrix3Xd>& grad_mu) = 0;
  // forward_backward(slots, states, evaluations, training, grad_mu), and also
  // each state's derivative of the loss through its structure inputs, as
  // PolicyModel::backward_to_state: grad_state[i] (graph.hpp's StateGradient:
  // through the edge geometry, the per-atom energies and forces of
  // evaluations[i], and the previous displacement; the caller chains them
  // through the potential). What the bptt estimator needs. Returns the means.
  virtual std::vector<Eigen::Matrix3Xd> backward_to_state(const std::vector<int>& slots,
                                                          const std::vector<System>& states,
                                                          const std::vector<const Evaluation*>& evaluations,
                                                          bool training,
                                                          const std::vector<Eigen::Matrix3Xd>& grad_mu,
                                                          std::vector<StateGradient>& grad_state) = 0;

  // Slot s's parameters and accumulated gradient (PolicyModel's flat layout).
  virtual Eigen::Index parameter_count() const = 0;  // per slot
  virtual Eigen::VectorXd parameters(int slot) const = 0;
  virtual void set_parameters(int slot, const Eigen::VectorXd& values) = 0;
  virtual Eigen::VectorXd gradient(int slot) const = 0;
  virtual void zero_gradient() = 0;  // every slot's
  virtual double variance() const = 0;  // alpha (length^2), the same for every slot
};

// The slots adapt_batch() needs: targets x this process's seeds (seed k runs
// on rank k % P of a group of P processes; all seeds without a group).
int adapt_batch_slots(int targets, const AdaptSettings& settings, const EpisodeGroup* group = nullptr);

// adapt(policy, targets[j], settings, ..., group) for every target j, with all
// runs in lockstep: slot j * L + i runs this rank's i-th seed of target j (L
// seeds per target here). Every slot must start with the trained policy's
// parameters (and running statistics). Result j equals adapt()'s for target j
// to rounding (the model evaluates a batch, not one graph at a time); the
// runs' `parameters` are each slot's final ones. A run that diverges stops
// there, the others go on. on_epoch(j, p) after each epoch of each slot (in
// epoch order, then slot order). InputError for bad settings or a model with
// the wrong slot count.
std::vector<AdaptResult> adapt_batch(
    SlotPolicyModel& model, const std::vector<System>& targets, const AdaptSettings& settings,
    const std::function<void(int target, const AdaptProgress&)>& on_epoch = {}, EpisodeGroup* group = nullptr);

}  // namespace strider::rl
