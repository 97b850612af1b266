// Policy rollouts: T steps of a = mu + sqrt(alpha) z from one structure.
#include <algorithm>
#include <cmath>
#include <string>

#include "strider/system.hpp"
#include "strider/rl.hpp"

namespace strider::rl {

std::vector<double> Episode::energies() const {
  std::vector<double> out;
  out.reserve(evaluations.size());
  for (const Evaluation& e : evaluations) out.push_back(e.energy);
  return out;
}

long Episode::kept_forward(int t) const {
  return t >= 0 && t < static_cast<int>(kept_forwards.size()) ? kept_forwards[static_cast<std::size_t>(t)]
                                                               : PolicyModel::kNotKept;
}

System Episode::state(int t) const {
  System s;
  s.positions = positions.at(static_cast<std::size_t>(t));
  s.species = start.species;
  s.box = start.box;
  s.previous_displacement = t > 0 ? actions.at(static_cast<std::size_t>(t - 1)) : start.previous_displacement;
  return s;
}

namespace {

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

Episode begin_episode(double alpha, const System& start, Evaluator& evaluator, const RolloutSettings& settings) {
  if (settings.steps < 0) throw std::invalid_argument("rollout: steps must be >= 0");
  Episode episode;
  episode.start = start;
  episode.alpha = alpha;
  episode.batch_statistics = settings.batch_statistics;
  episode.positions.push_back(start.positions);
  episode.evaluations.push_back(evaluate_finite(evaluator, start, 0));
  return episode;
}

void take_step(Episode& episode, System& state, Eigen::Matrix3Xd mu, Evaluator& evaluator,
               const RolloutSettings& settings, Random& random, int t) {
  const int n = state.size();
  Eigen::Matrix3Xd z = Eigen::Matrix3Xd::Zero(3, n);
  if (settings.sample) {
    for (int i = 0; i < n; ++i)
      for (int a = 0; a < 3; ++a) z(a, i) = random.normal();
  }
  Eigen::Matrix3Xd action = mu + std::sqrt(episode.alpha) * z;
  state.positions += action;
  wrap_positions(state);
  state.previous_displacement = action;
  episode.evaluations.push_back(evaluate_finite(evaluator, state, t + 1));
  episode.positions.push_back(state.positions);
  episode.mu.push_back(std::move(mu));
  episode.noise.push_back(std::move(z));
  episode.actions.push_back(std::move(action));
}

Episode rollout(PolicyModel& model, const System& start, Evaluator& evaluator, const RolloutSettings& settings,
                Random& random) {
  const long evaluations_before = evaluator.evaluations();
  Episode episode = begin_episode(model.variance(), start, evaluator, settings);
  System state = start;
  for (int t = 0; t < settings.steps; ++t) {
    Eigen::Matrix3Xd mu = model.forward(state, episode.evaluations.back(), settings.batch_statistics);
    if (settings.keep_forwards) episode.kept_forwards.push_back(model.keep_forward());
    take_step(episode, state, std::move(mu), evaluator, settings, random, t);
  }
  // A model that kept nothing (the default) leaves its estimators their batched forward_backward.
  if (std::all_of(episode.kept_forwards.begin(), episode.kept_forwards.end(),
                  [](long ticket) { return ticket == PolicyModel::kNotKept; })) {
    episode.kept_forwards.clear();
  }
  episode.evaluations_used = evaluator.evaluations() - evaluations_before;
  return episode;
}

std::vector<Episode> rollouts(PolicyModel& model, const std::vector<System>& starts,
                              const std::vector<Evaluator*>& evaluators, const RolloutSettings& settings,
                              std::vector<Random>& randoms) {
  const std::size_t count = starts.size();
  if (evaluators.size() != count || randoms.size() != count) {
    throw std::invalid_argument("rollouts: starts, evaluators and random streams differ in number");
  }
  std::vector<long> evaluations_before;
  std::vector<Episode> episodes;
  std::vector<System> states = starts;
  for (std::size_t k = 0; k < count; ++k) {
    evaluations_before.push_back(evaluators[k]->evaluations());
    episodes.push_back(begin_episode(model.variance(), starts[k], *evaluators[k], settings));
  }
  for (int t = 0; t < settings.steps; ++t) {
    std::vector<const Evaluation*> evaluations;
    for (const Episode& e : episodes) evaluations.push_back(&e.evaluations.back());
    std::vector<Eigen::Matrix3Xd> mu = model.forward_many(states, evaluations, settings.batch_statistics);
    for (std::size_t k = 0; k < count; ++k) {
      take_step(episodes[k], states[k], std::move(mu[k]), *evaluators[k], settings, randoms[k], t);
    }
  }
  for (std::size_t k = 0; k < count; ++k) {
    episodes[k].evaluations_used = evaluators[k]->evaluations() - evaluations_before[k];
  }
  return episodes;
}

}  // namespace strider::rl
