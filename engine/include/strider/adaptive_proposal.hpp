#pragma once
// A basin-hopping move that the policy learns on the target while the search
// runs: from the current minimum, one Gaussian move around the policy's mean,
//   a = mu(S) + noise z,   z standard normal (3 x N),
// and after the hop's local minimisation a REINFORCE update of the policy on
// how far the relaxed energy fell. Loss to minimise for one hop:
//   L = -A log pi(a | S),  d L / d mu = -A z / noise,
// with advantage A = (r - b) / s, reward r = -(E_trial_min - E_current_min),
// b and s the running mean and standard deviation of earlier rewards
// (exponential averages). A hop whose relaxed energy is not finite teaches
// nothing. Adam (rl_training.hpp) after value clipping (settings.clip) applies the step.
#include "strider/basin_hopping.hpp"
#include "strider/policy_model.hpp"
#include "strider/rl_training.hpp"

namespace strider {

struct AdaptiveProposalSettings {
  double noise = 0.23;          // standard deviation of z's coordinates (length unit)
  double learning_rate = 1e-3;  // Adam's; 0 keeps the policy fixed (the control)
  double decay = 0.95;          // of the reward's running mean and variance, per hop
  double clip = 0.1;            // each gradient component clipped into [-clip, clip] before Adam (paper Table 5)
};

class AdaptiveProposal {
 public:
  // `model` must outlive the proposal; its parameters change as it learns.
  AdaptiveProposal(PolicyModel& model, const AdaptiveProposalSettings& settings);

  // Moves `trial` (the current minimum) by mu + noise z: one energy evaluation
  // for the policy's per-atom energy features, counted in the search's budget.
  void propose(System& trial, Evaluator& evaluator, Random& random);
  // The last proposal's outcome: its relaxed energy minus the minimum it left
  // (energy unit). Updates the policy unless learning_rate is 0.
  void learn(double rise);
  // propose() as basin hopping's HopProposal (this object must outlive it).
  HopProposal as_hop_proposal();

  long updates() const { return moments_.steps; }
  // Root mean square over the atoms of |mu| at the last proposal (length unit): how far the
  // policy's own part of the move reaches, to see what learning did to it.
  double last_mean_move() const { return last_mean_move_; }

 private:
  PolicyModel& model_;
  AdaptiveProposalSettings settings_;
  rl::AdamMoments moments_;
  Eigen::Matrix3Xd last_noise_;  // z of the last proposal (empty: none pending)
  long rewards_seen_ = 0;
  double reward_mean_ = 0.0, reward_variance_ = 0.0;
  double last_mean_move_ = 0.0;
};

}  // namespace strider
