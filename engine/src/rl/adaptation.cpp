// Adaptation of a trained policy to one target structure (see rl_adaptation.hpp).
#include <algorithm>
#include <cmath>
#include <memory>

#include "strider/error.hpp"
#include "strider/rl_adaptation.hpp"

namespace strider::rl {

namespace {

constexpr std::uint64_t kAdaptation = 4;  // purpose of the random streams (rl_training.hpp lists 1-3)

}  // namespace

void AdaptSettings::validate() const {
  auto fail = [](const std::string& what) { throw InputError("adaptation settings: " + what); };
  if (system.empty()) fail("no system key");
  if (steps < 1) fail("steps must be >= 1");
  if (!(gamma >= 0.0 && gamma <= 1.0)) fail("gamma must be in [0, 1]");
  if (epochs < 0) fail("epochs must be >= 0");
  if (seeds < 1) fail("seeds must be >= 1");
  if (candidates < 1) fail("candidates must be >= 1");
  if (!(adam.learning_rate > 0.0) || !std::isfinite(adam.learning_rate)) fail("learning rate must be > 0");
  if (!(clip > 0.0) || !std::isfinite(clip)) fail("clip must be > 0");
}

AdaptRun adapt_once(PolicyModel& model, const Eigen::VectorXd& initial_parameters, const System& target,
                    const AdaptSettings& settings, int seed_index,
                    const std::function<void(const AdaptProgress&)>& on_epoch) {
  settings.validate();
  model.set_parameters(initial_parameters);
  model.zero_gradient();
  AdamMoments adam;
  RolloutSettings rollout_settings;
  rollout_settings.steps = settings.steps;
  rollout_settings.sample = true;
  rollout_settings.batch_statistics = settings.batch_statistics;
  const bool reinforce = settings.estimator == Estimator::reinforce;

  AdaptRun run;
  run.seed_index = seed_index;
  System start = target;
  {
    Evaluator evaluator(make_potential(settings.system, settings.potential));
    run.initial_energy = evaluator.evaluate(start).energy;
    run.evaluations += evaluator.evaluations();
  }
  run.final_energy = run.last_energy = run.initial_energy;
  run.best = start;
  run.start_energies.push_back(run.initial_energy);

  for (long epoch = 0; epoch < settings.epochs; ++epoch) {
    // A fresh evaluator per epoch: results depend on the epoch's start only.
    Evaluator evaluator(make_potential(settings.system, settings.potential));
    try {
      std::vector<double> baseline;
      if (reinforce && settings.baseline == Baseline::fire) {
        Evaluator fire_evaluator(make_potential(settings.system, settings.potential));
        const FireBaseline b = fire_baseline(start, fire_evaluator, settings.system, settings.steps, settings.gamma);
        baseline = b.returns;
        run.evaluations += b.evaluations;
      }
      if (reinforce && settings.baseline == Baseline::mean) {
        Evaluator mean_evaluator(make_potential(settings.system, settings.potential));
        baseline = mean_action_baseline(model, start, mean_evaluator, settings.steps, settings.batch_statistics,
                                        settings.gamma, &run.evaluations);
      }
      Random random(stream_seed(settings.seed, {kAdaptation, static_cast<std::uint64_t>(seed_index),
                                                static_cast<std::uint64_t>(epoch)}));
      const Episode episode = rollout(model, start, evaluator, rollout_settings, random);

      model.zero_gradient();
      accumulate_gradient(model, episode, settings.estimator, baseline, 1.0, settings.gamma);
      Eigen::VectorXd gradient = model.gradient();
      if (!gradient.allFinite()) throw DivergedError("the policy gradient is not finite");
      clip_gradient(gradient, settings.clipping, settings.clip);
      Eigen::VectorXd parameters = model.parameters();
      adam_step(parameters, gradient, adam, settings.adam);
      model.set_parameters(parameters);
      model.zero_gradient();

      // The next start: the lowest energy among the last `candidates` states (ties: the later).
      const std::vector<double> energies = episode.energies();
      const int T = episode.steps();
      int chosen = T;
      for (int t = T; t >= std::max(0, T - settings.candidates + 1); --t) {
        if (energies[static_cast<std::size_t>(t)] < energies[static_cast<std::size_t>(chosen)]) chosen = t;
      }
      start = episode.state(chosen);
      run.last_energy = energies[static_cast<std::size_t>(chosen)];
      run.start_energies.push_back(run.last_energy);
      run.epochs = epoch + 1;
      if (run.last_energy < run.final_energy) {
        run.final_energy = run.last_energy;
        run.best = start;
        run.best_epoch = epoch + 1;
      }
      run.evaluations += evaluator.evaluations();
    } catch (const DivergedError& e) {
      run.evaluations += evaluator.evaluations();
      run.diverged = true;
      run.message = "epoch " + std::to_string(epoch + 1) + ": " + e.what();
      break;
    }
    if (on_epoch) {
      AdaptProgress p;
      p.seed_index = seed_index;
      p.epoch = run.epochs;
      p.start_energy = run.last_energy;
      p.best_energy = run.final_energy;
      p.evaluations = run.evaluations;
      on_epoch(p);
    }
  }
  run.parameters = model.parameters();
  return run;
}

AdaptResult adapt(PolicyModel& model, const System& target, const AdaptSettings& settings,
                  const std::function<void(const AdaptProgress&)>& on_epoch) {
  settings.validate();
  const Eigen::VectorXd initial = model.parameters();
  AdaptResult result;
  for (int k = 0; k < settings.seeds; ++k) {
    result.runs.push_back(adapt_once(model, initial, target, settings, k, on_epoch));
    result.evaluations += result.runs.back().evaluations;
    if (result.runs.back().final_energy < result.runs[static_cast<std::size_t>(result.best)].final_energy) {
      result.best = k;
    }
  }
  model.set_parameters(initial);
  model.zero_gradient();
  return result;
}

}  // namespace strider::rl
