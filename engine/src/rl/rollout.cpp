// Policy rollouts: T steps of a = mu + sqrt(alpha) z from one structure.
#include <cmath>
#include <string>

#include "strider/rl.hpp"

namespace strider::rl {

std::vector<double> Episode::energies() const {
  std::vector<double> out;
  out.reserve(evaluations.size());
  for (const Evaluation& e : evaluations) out.push_back(e.energy);
  return out;
}

System Episode::state(int t) const {
  System s;
  s.positions = positions.at(static_cast<std::size_t>(t));
  s.species = start.species;
  s.box = start.box;
  return s;
}

namespace {

void wrap(System& system) {
  if (!system.box.any_periodic()) return;
  for (int i = 0; i < system.size(); ++i) system.positions.col(i) = system.box.wrap(system.positions.col(i));
}

// The evaluation of `s` after the policy's step `step`; DivergedError when a
// position (checked first: the neighbour list refuses it) or the energy is not finite.
const Evaluation& evaluate_finite(Evaluator& evaluator, const System& s, int step) {
  if (s.positions.allFinite()) {
    const Evaluation& e = evaluator.evaluate(s);
    if (std::isfinite(e.energy)) return e;
  }
  throw DivergedError("the policy's step " + std::to_string(step) +
                      " made the energy or a position non-finite (the step is too large for this structure)");
}

}  // namespace

Episode rollout(PolicyModel& model, const System& start, Evaluator& evaluator, const RolloutSettings& settings,
                Random& random) {
  if (settings.steps < 0) throw std::invalid_argument("rollout: steps must be >= 0");
  Episode episode;
  episode.start = start;
  episode.alpha = model.variance();
  episode.batch_statistics = settings.batch_statistics;
  const long evaluations_before = evaluator.evaluations();
  const int n = start.size();
  const double scale = std::sqrt(episode.alpha);

  System state = start;
  episode.positions.push_back(state.positions);
  episode.evaluations.push_back(evaluate_finite(evaluator, state, 0));
  for (int t = 0; t < settings.steps; ++t) {
    Eigen::Matrix3Xd mu = model.forward(state, episode.evaluations.back(), settings.batch_statistics);
    Eigen::Matrix3Xd z = Eigen::Matrix3Xd::Zero(3, n);
    if (settings.sample) {
      for (int i = 0; i < n; ++i)
        for (int a = 0; a < 3; ++a) z(a, i) = random.normal();
    }
    Eigen::Matrix3Xd action = mu + scale * z;
    state.positions += action;
    wrap(state);
    episode.evaluations.push_back(evaluate_finite(evaluator, state, t + 1));
    episode.positions.push_back(state.positions);
    episode.mu.push_back(std::move(mu));
    episode.noise.push_back(std::move(z));
    episode.actions.push_back(std::move(action));
  }
  episode.evaluations_used = evaluator.evaluations() - evaluations_before;
  return episode;
}

}  // namespace strider::rl
