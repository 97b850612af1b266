#include "strider/policy_proposal.hpp"

#include <cmath>

#include "strider/error.hpp"
#include "strider/rl.hpp"

namespace strider {

HopProposal policy_proposal(PolicyModel& model, int steps, double kick) {
  if (steps < 1) throw InputError("a policy proposal needs at least one policy step");
  if (!(kick >= 0.0) || !std::isfinite(kick)) throw InputError("the policy proposal's kick must be finite and >= 0");
  HopProposal kick_move = kick > 0.0 ? random_displacement(kick) : HopProposal{};
  return [&model, steps, kick_move](System& trial, Evaluator& evaluator, Random& random) {
    if (kick_move) kick_move(trial, evaluator, random);
    rl::RolloutSettings settings;
    settings.steps = steps;
    try {
      const rl::Episode episode = rl::rollout(model, trial, evaluator, settings, random);
      trial.positions = episode.positions.back();
    } catch (const rl::DivergedError&) {
      // The policy's step was too large here: relax the kicked structure instead.
    }
  };
}

}  // namespace strider
