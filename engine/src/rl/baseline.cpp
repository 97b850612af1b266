// The baselines of the reinforce estimator: FIRE's returns (paper eq. 10) and
// the policy's own mean-action returns (see rl.hpp, [SECTION] baseline).
#include <cmath>

#include "strider/error.hpp"
#include "strider/optimizers.hpp"
#include "strider/rl.hpp"

namespace strider::rl {

FireBaseline fire_baseline(const System& start, Evaluator& evaluator, const std::string& system_key, int steps,
                           double gamma) {
  FireBaseline out;
  const long before = evaluator.evaluations();
  std::unique_ptr<Optimizer> fire = make_optimizer("fire", system_key);
  System system = start;
  // Checked at every step: a non-finite force would carry FIRE's next positions
  // to infinity, which the evaluator refuses as bad input rather than a divergence.
  auto finite = [](const StepReport& report) {
    if (!std::isfinite(report.energy) || !std::isfinite(report.max_force)) {
      throw DivergedError("the FIRE baseline diverged on this structure");
    }
    return report.energy;
  };
  out.energies.push_back(finite(fire->init(system, evaluator)));
  for (int t = 0; t < steps; ++t) out.energies.push_back(finite(fire->step(system, evaluator)));
  out.returns = discounted_returns(rewards(out.energies), gamma);
  out.evaluations = evaluator.evaluations() - before;
  return out;
}

std::string to_string(Baseline baseline) {
  switch (baseline) {
    case Baseline::fire: return "fire";
    case Baseline::mean: return "mean";
    case Baseline::none: return "none";
  }
  return "fire";
}

Baseline baseline_from_string(const std::string& name) {
  if (name == "fire") return Baseline::fire;
  if (name == "mean") return Baseline::mean;
  if (name == "none") return Baseline::none;
  throw InputError("unknown baseline '" + name + "' (known: fire, mean, none)");
}

std::vector<double> mean_action_baseline(PolicyModel& model, const System& start, Evaluator& evaluator, int steps,
                                         bool batch_statistics, double gamma, long* evaluations) {
  RolloutSettings settings;
  settings.steps = steps;
  settings.sample = false;
  settings.batch_statistics = batch_statistics;
  Random unused(0);  // a mean-action rollout draws nothing
  const Episode episode = rollout(model, start, evaluator, settings, unused);
  if (evaluations) *evaluations += episode.evaluations_used;
  return discounted_returns(rewards(episode.energies()), gamma);
}

}  // namespace strider::rl
