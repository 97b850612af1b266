// Adaptation with every seed in one batch (see rl_adaptation_batch.hpp): each
// slot's epoch is AdaptSession::step (adaptation.cpp) taken apart, so that the
// model calls of all slots become one call per rollout step and one update.
#include <algorithm>
#include <memory>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "strider/error.hpp"
#include "strider/rl_adaptation_batch.hpp"
#include "strider/rl_bptt.hpp"

namespace strider::rl {

namespace {

constexpr std::uint64_t kAdaptation = 4;  // the purpose of AdaptSession's noise streams (adaptation.cpp)

// One seed of one target: what AdaptSession keeps.
struct Slot {
  int target = 0;
  System start;
  AdamMoments adam;
  AdaptRun run;
};

// One episode per entry of `slots` (model slot ids) from starts[i], evaluated
// by evaluators[i] with noise from randoms[i], in lockstep: step t of every
// episode still running is one model.forward. An episode whose step diverges
// stops; failure[i] then holds the DivergedError's message (else stays empty).
std::vector<Episode> lockstep_rollouts(SlotPolicyModel& model, const std::vector<int>& slots,
                                       const std::vector<System>& starts, std::vector<Evaluator>& evaluators,
                                       const RolloutSettings& settings, std::vector<Random>& randoms,
                                       std::vector<std::string>& failure) {
  const std::size_t count = slots.size();
  std::vector<Episode> episodes(count);
  std::vector<System> states = starts;
  failure.assign(count, "");
  for (std::size_t i = 0; i < count; ++i) {
    try {
      episodes[i] = begin_episode(model.variance(), starts[i], evaluators[i], settings);
    } catch (const DivergedError& e) {
      failure[i] = e.what();
    }
  }
  for (int t = 0; t < settings.steps; ++t) {
    std::vector<std::size_t> running;
    std::vector<int> ids;
    std::vector<System> current;
    std::vector<const Evaluation*> evaluations;
    for (std::size_t i = 0; i < count; ++i) {
      if (!failure[i].empty()) continue;
      running.push_back(i);
      ids.push_back(slots[i]);
      current.push_back(states[i]);
      evaluations.push_back(&episodes[i].evaluations.back());
    }
    if (running.empty()) break;
    std::vector<Eigen::Matrix3Xd> mu = model.forward(ids, current, evaluations, settings.batch_statistics);
    for (std::size_t r = 0; r < running.size(); ++r) {
      const std::size_t i = running[r];
      try {
        take_step(episodes[i], states[i], std::move(mu[r]), evaluators[i], settings, randoms[i], t);
      } catch (const DivergedError& e) {
        failure[i] = e.what();
      }
    }
  }
  for (std::size_t i = 0; i < count; ++i) episodes[i].evaluations_used = evaluators[i].evaluations();
  return episodes;
}

// The bptt gradient (weight 1) of episodes[r], run by model slot ids[r] and
// evaluated by evaluators[r]: the reverse sweep of bptt.cpp (BpttSweep) in
// lockstep, step t of every episode in one model call, t = T-1 .. 0 (step 0
// only the parameters' part, as bptt_gradient). Returns the recomputed means,
// episode after episode, step by step.
std::vector<Eigen::Matrix3Xd> lockstep_bptt(SlotPolicyModel& model, const std::vector<int>& ids,
                                            const std::vector<const Episode*>& episodes,
                                            const std::vector<Evaluator*>& evaluators, bool training, double gamma) {
  std::vector<BpttSweep> sweeps;
  std::vector<std::size_t> first_row;  // of each episode in the result
  std::size_t rows = 0;
  int steps = 0;
  for (const Episode* episode : episodes) {
    sweeps.emplace_back(*episode, 1.0, gamma);
    first_row.push_back(rows);
    rows += static_cast<std::size_t>(episode->steps());
    steps = std::max(steps, episode->steps());
  }
  std::vector<Eigen::Matrix3Xd> mus(rows);
  std::vector<StateGradient> grad_state;
  for (int t = steps - 1; t >= 0; --t) {
    std::vector<std::size_t> here;  // the episodes with a step t
    std::vector<int> slots;
    std::vector<System> states;
    std::vector<const Evaluation*> evaluations;
    std::vector<Eigen::Matrix3Xd> grad_mu;
    for (std::size_t r = 0; r < episodes.size(); ++r) {
      if (t >= episodes[r]->steps()) continue;
      here.push_back(r);
      slots.push_back(ids[r]);
      states.push_back(episodes[r]->state(t));
      evaluations.push_back(&episodes[r]->evaluations[static_cast<std::size_t>(t)]);
      grad_mu.push_back(sweeps[r].grad_mu());
    }
    std::vector<Eigen::Matrix3Xd> mu =
        t == 0 ? model.forward_backward(slots, states, evaluations, training, grad_mu)
               : model.backward_to_state(slots, states, evaluations, training, grad_mu, grad_state);
    for (std::size_t k = 0; k < here.size(); ++k) {
      const std::size_t r = here[k];
      mus[first_row[r] + static_cast<std::size_t>(t)] = std::move(mu[k]);
      if (t > 0) sweeps[r].step_back(t, grad_state[k], *evaluators[r]);
    }
  }
  return mus;
}

std::unique_ptr<Potential> potential_of(const AdaptSettings& settings) {
  return make_potential(settings.system, settings.potential);
}

}  // namespace

int adapt_batch_slots(int targets, const AdaptSettings& settings, const EpisodeGroup* group) {
  const int size = group ? group->size() : 1, rank = group ? group->rank() : 0;
  int here = 0;
  for (int k = 0; k < settings.seeds; ++k) here += k % size == rank ? 1 : 0;
  return targets * here;
}

std::vector<AdaptResult> adapt_batch(SlotPolicyModel& model, const std::vector<System>& targets,
                                     const AdaptSettings& settings,
                                     const std::function<void(int target, const AdaptProgress&)>& on_epoch,
                                     EpisodeGroup* group) {
  settings.validate();
  const bool reinforce = settings.estimator == Estimator::reinforce;
  const bool bptt = settings.estimator == Estimator::bptt;
  const int size = group ? group->size() : 1, rank = group ? group->rank() : 0;
  std::vector<int> seeds_here;
  for (int k = 0; k < settings.seeds; ++k) {
    if (k % size == rank) seeds_here.push_back(k);
  }
  const int per_target = static_cast<int>(seeds_here.size());
  if (model.slots() != adapt_batch_slots(static_cast<int>(targets.size()), settings, group)) {
    throw InputError("adapt_batch: the model has " + std::to_string(model.slots()) + " slots, the adaptation needs " +
                     std::to_string(adapt_batch_slots(static_cast<int>(targets.size()), settings, group)));
  }

  // Every slot's first start: its target, evaluated.
  std::vector<Slot> slots;
  for (std::size_t j = 0; j < targets.size(); ++j) {
    for (int k : seeds_here) {
      Slot& s = slots.emplace_back();
      s.target = static_cast<int>(j);
      s.start = targets[j];
      s.run.seed_index = k;
      Evaluator evaluator(potential_of(settings));
      s.run.initial_energy = evaluator.evaluate(s.start).energy;
      s.run.evaluations += evaluator.evaluations();
      s.run.final_energy = s.run.last_energy = s.run.initial_energy;
      s.run.best = s.start;
      s.run.start_energies.push_back(s.run.initial_energy);
    }
  }
  model.zero_gradient();

  RolloutSettings rollout_settings;
  rollout_settings.steps = settings.steps;
  rollout_settings.batch_statistics = settings.batch_statistics;
  for (long epoch = 0; epoch < settings.epochs; ++epoch) {
    // The slots still running, and what their epoch needs: a fresh evaluator (as AdaptSession) and a baseline.
    std::vector<int> live;
    for (int i = 0; i < static_cast<int>(slots.size()); ++i) {
      if (!slots[static_cast<std::size_t>(i)].run.diverged) live.push_back(i);
    }
    if (live.empty()) break;
    auto stop = [&](int i, const std::string& why) {
      AdaptRun& run = slots[static_cast<std::size_t>(i)].run;
      run.diverged = true;
      run.message = "epoch " + std::to_string(epoch + 1) + ": " + why;
    };
    std::vector<std::vector<double>> baselines(slots.size());
    if (reinforce && settings.baseline == Baseline::fire) {
      for (int i : live) {
        Slot& s = slots[static_cast<std::size_t>(i)];
        Evaluator fire_evaluator(potential_of(settings));
        const FireBaseline b = fire_baseline(s.start, fire_evaluator, settings.system, settings.steps, settings.gamma);
        baselines[static_cast<std::size_t>(i)] = b.returns;
        s.run.evaluations += b.evaluations;
      }
    }
    if (reinforce && settings.baseline == Baseline::mean) {  // mean_action_baseline() of every slot, in lockstep
      RolloutSettings mean_settings = rollout_settings;
      mean_settings.sample = false;
      std::vector<System> starts;
      std::vector<Evaluator> mean_evaluators;
      std::vector<Random> unused;  // a mean-action rollout draws nothing
      for (int i : live) {
        starts.push_back(slots[static_cast<std::size_t>(i)].start);
        mean_evaluators.emplace_back(potential_of(settings));
        unused.emplace_back(0);
      }
      std::vector<std::string> failure;
      const std::vector<Episode> means =
          lockstep_rollouts(model, live, starts, mean_evaluators, mean_settings, unused, failure);
      std::vector<int> still;
      for (std::size_t r = 0; r < live.size(); ++r) {
        const int i = live[r];
        if (!failure[r].empty()) {
          stop(i, failure[r]);
          continue;
        }
        baselines[static_cast<std::size_t>(i)] = discounted_returns(rewards(means[r].energies()), settings.gamma);
        slots[static_cast<std::size_t>(i)].run.evaluations += means[r].evaluations_used;
        still.push_back(i);
      }
      live = std::move(still);
    }

    // The epoch's episodes.
    std::vector<System> starts;
    std::vector<Evaluator> evaluators;
    std::vector<Random> randoms;
    for (int i : live) {
      const Slot& s = slots[static_cast<std::size_t>(i)];
      starts.push_back(s.start);
      evaluators.emplace_back(potential_of(settings));
      randoms.emplace_back(stream_seed(settings.seed, {kAdaptation, static_cast<std::uint64_t>(s.run.seed_index),
                                                       static_cast<std::uint64_t>(epoch)}));
    }
    std::vector<std::string> failure;
    const std::vector<Episode> episodes =
        lockstep_rollouts(model, live, starts, evaluators, rollout_settings, randoms, failure);

    // Every slot's gradient (weight 1: one episode per update): one forward_backward, or bptt's sweep.
    std::vector<int> ids;
    std::vector<System> states;
    std::vector<const Evaluation*> evaluations;
    std::vector<Eigen::Matrix3Xd> grad_mu;
    std::vector<std::size_t> updated;  // positions in `live`
    std::vector<int> bptt_ids;
    std::vector<const Episode*> bptt_episodes;
    std::vector<Evaluator*> bptt_evaluators;
    for (std::size_t r = 0; r < live.size(); ++r) {
      if (!failure[r].empty()) {
        slots[static_cast<std::size_t>(live[r])].run.evaluations += evaluators[r].evaluations();
        stop(live[r], failure[r]);
        continue;
      }
      updated.push_back(r);
      const Episode& episode = episodes[r];
      if (bptt) {
        bptt_ids.push_back(live[r]);
        bptt_episodes.push_back(&episode);
        bptt_evaluators.push_back(&evaluators[r]);
        continue;
      }
      std::vector<Eigen::Matrix3Xd> g = reinforce
                                            ? reinforce_mu_gradients(episode, baselines[static_cast<std::size_t>(live[r])],
                                                                     settings.gamma)
                                            : pathwise_mu_gradients(episode, settings.gamma);
      for (int t = 0; t < episode.steps(); ++t) {
        ids.push_back(live[r]);
        states.push_back(episode.state(t));
        evaluations.push_back(&episode.evaluations[static_cast<std::size_t>(t)]);
        grad_mu.push_back(std::move(g[static_cast<std::size_t>(t)]));
      }
    }
    model.zero_gradient();
    const std::vector<Eigen::Matrix3Xd> mus =
        bptt ? lockstep_bptt(model, bptt_ids, bptt_episodes, bptt_evaluators, settings.batch_statistics,
                             settings.gamma)
        : ids.empty() ? std::vector<Eigen::Matrix3Xd>{}
                      : model.forward_backward(ids, states, evaluations, settings.batch_statistics, grad_mu);
    std::size_t row = 0;
    for (std::size_t r : updated) {
      const int i = live[r];
      Slot& s = slots[static_cast<std::size_t>(i)];
      const Episode& episode = episodes[r];
      for (int t = 0; t < episode.steps(); ++t, ++row) {  // the recomputed means must be the rollout's
        const Eigen::Matrix3Xd& recorded = episode.mu[static_cast<std::size_t>(t)];
        const double scale = recorded.size() > 0 ? std::max(1.0, recorded.cwiseAbs().maxCoeff()) : 1.0;
        if (mus[row].cols() != recorded.cols() ||
            (recorded.size() > 0 && (mus[row] - recorded).cwiseAbs().maxCoeff() > 1e-9 * scale)) {
          throw std::logic_error("adapt_batch: the model's mean differs from the rollout's at step " +
                                 std::to_string(t));
        }
      }
      Eigen::VectorXd gradient = model.gradient(i);
      if (!gradient.allFinite()) {
        s.run.evaluations += evaluators[r].evaluations();
        stop(i, "the policy gradient is not finite");
        continue;
      }
      clip_gradient(gradient, settings.clipping, settings.clip);
      Eigen::VectorXd parameters = model.parameters(i);
      adam_step(parameters, gradient, s.adam, settings.adam);
      model.set_parameters(i, parameters);

      // The next start, as AdaptSession::step: the lowest of the last `candidates` states (ties: the later).
      const std::vector<double> energies = episode.energies();
      const int T = episode.steps();
      int chosen = T;
      for (int t = T; t >= std::max(0, T - settings.candidates + 1); --t) {
        if (energies[static_cast<std::size_t>(t)] < energies[static_cast<std::size_t>(chosen)]) chosen = t;
      }
      s.start = episode.state(chosen);
      s.run.last_energy = energies[static_cast<std::size_t>(chosen)];
      s.run.start_energies.push_back(s.run.last_energy);
      s.run.epochs = epoch + 1;
      if (s.run.last_energy < s.run.final_energy) {
        s.run.final_energy = s.run.last_energy;
        s.run.best = s.start;
        s.run.best_epoch = epoch + 1;
      }
      s.run.evaluations += evaluators[r].evaluations();
      if (on_epoch) {
        AdaptProgress p;
        p.seed_index = s.run.seed_index;
        p.epoch = s.run.epochs;
        p.start_energy = s.run.last_energy;
        p.best_energy = s.run.final_energy;
        p.evaluations = s.run.evaluations;
        on_epoch(s.target, p);
      }
    }
  }
  model.zero_gradient();

  // Each target's runs in seed order (other ranks' seeds filled in by gather_adaptation).
  std::vector<AdaptResult> results;
  for (std::size_t j = 0; j < targets.size(); ++j) {
    std::vector<AdaptRun> runs(static_cast<std::size_t>(settings.seeds));
    for (int k = 0; k < settings.seeds; ++k) runs[static_cast<std::size_t>(k)].seed_index = k;
    for (int i = 0; i < per_target; ++i) {
      const int slot = static_cast<int>(j) * per_target + i;
      AdaptRun& run = slots[static_cast<std::size_t>(slot)].run;
      run.parameters = model.parameters(slot);
      runs[static_cast<std::size_t>(run.seed_index)] = std::move(run);
    }
    results.push_back(gather_adaptation(std::move(runs), targets[j], settings, model.parameter_count(), group));
  }
  return results;
}

}  // namespace strider::rl
