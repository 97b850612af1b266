// The FIRE baseline of paper eq. 10 (see rl.hpp, [SECTION] baseline).
#include <cmath>

#include "strider/optimizers.hpp"
#include "strider/rl.hpp"

namespace strider::rl {

FireBaseline fire_baseline(const System& start, Evaluator& evaluator, const std::string& system_key, int steps,
                           double gamma) {
  FireBaseline out;
  const long before = evaluator.evaluations();
  std::unique_ptr<Optimizer> fire = make_optimizer("fire", system_key);
  System system = start;
  out.energies.push_back(fire->init(system, evaluator).energy);
  for (int t = 0; t < steps; ++t) out.energies.push_back(fire->step(system, evaluator).energy);
  for (double e : out.energies) {
    if (!std::isfinite(e)) throw DivergedError("the FIRE baseline diverged on this structure");
  }
  out.returns = discounted_returns(rewards(out.energies), gamma);
  out.evaluations = evaluator.evaluations() - before;
  return out;
}

}  // namespace strider::rl
