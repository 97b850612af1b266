#pragma once
// A learned basin-hopping move: the policy, not a uniform random kick, takes
// the structure out of its current minimum. Basin hopping then relaxes the
// result and accepts it by the Metropolis rule as for any proposal.
#include "strider/basin_hopping.hpp"
#include "strider/policy_model.hpp"

namespace strider {

// From the current minimum: a uniform random kick of every coordinate in
// [-kick, kick] (length unit; 0: none), then `steps` sampled policy steps
// a = mu + sqrt(alpha) z (rl::rollout with batch statistics, T + 1 energy
// evaluations, counted in the search's budget). When a policy step makes the
// energy non-finite, the trial is the structure before the policy's steps.
// `model` must outlive the proposal.
HopProposal policy_proposal(PolicyModel& model, int steps, double kick);

}  // namespace strider
