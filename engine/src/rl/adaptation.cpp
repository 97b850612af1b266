// Adaptation of a trained policy to one target structure (see rl_adaptation.hpp).
#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

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

AdaptSession::AdaptSession(PolicyModel& model, const System& target, AdaptSettings settings, int seed_index)
    : model_(model), settings_(std::move(settings)), seed_index_(seed_index), start_(target) {
  settings_.validate();
  model_.zero_gradient();
  run_.seed_index = seed_index;
  Evaluator evaluator(make_potential(settings_.system, settings_.potential));
  run_.initial_energy = evaluator.evaluate(start_).energy;
  run_.evaluations += evaluator.evaluations();
  run_.final_energy = run_.last_energy = run_.initial_energy;
  run_.best = start_;
  run_.start_energies.push_back(run_.initial_energy);
}

bool AdaptSession::step() {
  if (run_.diverged) return false;
  const long epoch = run_.epochs;
  const bool reinforce = settings_.estimator == Estimator::reinforce;
  RolloutSettings rollout_settings;
  rollout_settings.steps = settings_.steps;
  rollout_settings.sample = true;
  rollout_settings.batch_statistics = settings_.batch_statistics;
  rollout_settings.keep_forwards = true;  // for the gradient that follows
  // A fresh evaluator per epoch: results depend on the epoch's start only.
  Evaluator evaluator(make_potential(settings_.system, settings_.potential));
  try {
    std::vector<double> baseline;
    if (reinforce && settings_.baseline == Baseline::fire) {
      Evaluator fire_evaluator(make_potential(settings_.system, settings_.potential));
      const FireBaseline b = fire_baseline(start_, fire_evaluator, settings_.system, settings_.steps, settings_.gamma);
      baseline = b.returns;
      run_.evaluations += b.evaluations;
    }
    if (reinforce && settings_.baseline == Baseline::mean) {
      Evaluator mean_evaluator(make_potential(settings_.system, settings_.potential));
      baseline = mean_action_baseline(model_, start_, mean_evaluator, settings_.steps, settings_.batch_statistics,
                                      settings_.gamma, &run_.evaluations);
    }
    Random random(stream_seed(settings_.seed, {kAdaptation, static_cast<std::uint64_t>(seed_index_),
                                               static_cast<std::uint64_t>(epoch)}));
    const Episode episode = rollout(model_, start_, evaluator, rollout_settings, random);

    model_.zero_gradient();
    accumulate_gradient(model_, episode, settings_.estimator, baseline, 1.0, settings_.gamma, &evaluator);
    Eigen::VectorXd gradient = model_.gradient();
    if (!gradient.allFinite()) throw DivergedError("the policy gradient is not finite");
    clip_gradient(gradient, settings_.clipping, settings_.clip);
    Eigen::VectorXd parameters = model_.parameters();
    adam_step(parameters, gradient, adam_, settings_.adam);
    model_.set_parameters(parameters);
    model_.zero_gradient();

    // The next start: the lowest energy among the last `candidates` states (ties: the later).
    const std::vector<double> energies = episode.energies();
    const int T = episode.steps();
    int chosen = T;
    for (int t = T; t >= std::max(0, T - settings_.candidates + 1); --t) {
      if (energies[static_cast<std::size_t>(t)] < energies[static_cast<std::size_t>(chosen)]) chosen = t;
    }
    start_ = episode.state(chosen);
    run_.last_energy = energies[static_cast<std::size_t>(chosen)];
    run_.start_energies.push_back(run_.last_energy);
    run_.epochs = epoch + 1;
    if (run_.last_energy < run_.final_energy) {
      run_.final_energy = run_.last_energy;
      run_.best = start_;
      run_.best_epoch = epoch + 1;
    }
    run_.evaluations += evaluator.evaluations();
  } catch (const DivergedError& e) {
    run_.evaluations += evaluator.evaluations();
    run_.diverged = true;
    run_.message = "epoch " + std::to_string(epoch + 1) + ": " + e.what();
  }
  return !run_.diverged;
}

AdaptRun adapt_once(PolicyModel& model, const Eigen::VectorXd& initial_parameters, const System& target,
                    const AdaptSettings& settings, int seed_index,
                    const std::function<void(const AdaptProgress&)>& on_epoch) {
  model.set_parameters(initial_parameters);
  AdaptSession session(model, target, settings, seed_index);
  while (session.run().epochs < settings.epochs && session.step()) {
    if (on_epoch) {
      const AdaptRun& run = session.run();
      AdaptProgress p;
      p.seed_index = seed_index;
      p.epoch = run.epochs;
      p.start_energy = run.last_energy;
      p.best_energy = run.final_energy;
      p.evaluations = run.evaluations;
      on_epoch(p);
    }
  }
  AdaptRun run = session.run();
  run.parameters = model.parameters();
  return run;
}

namespace {

// The index of the run with the lowest final energy (the first of equals).
int lowest_run(const std::vector<AdaptRun>& runs) {
  int best = 0;
  for (int k = 1; k < static_cast<int>(runs.size()); ++k) {
    if (runs[static_cast<std::size_t>(k)].final_energy < runs[static_cast<std::size_t>(best)].final_energy) best = k;
  }
  return best;
}

// Makes every rank's runs whole (see adapt()): the runs of rank r hold real
// numbers only for seeds k with k % size == r, zeros elsewhere, so an
// element-wise sum over the group gathers them exactly. The best run's
// structure and policy (`parameter_count` numbers) are shared too.
void share_runs(std::vector<AdaptRun>& runs, const System& target, long epochs, Eigen::Index parameter_count,
                EpisodeGroup& group) {
  const int seeds = static_cast<int>(runs.size());
  auto mine = [&](int k) { return k % group.size() == group.rank(); };
  constexpr int kScalars = 7;
  const Eigen::Index width = kScalars + epochs + 1;
  Eigen::VectorXd table = Eigen::VectorXd::Zero(seeds * width);
  for (int k = 0; k < seeds; ++k) {
    if (!mine(k)) continue;
    const AdaptRun& r = runs[static_cast<std::size_t>(k)];
    double* row = table.data() + k * width;
    row[0] = r.initial_energy, row[1] = r.final_energy, row[2] = r.last_energy;
    row[3] = static_cast<double>(r.best_epoch), row[4] = static_cast<double>(r.epochs);
    row[5] = static_cast<double>(r.evaluations), row[6] = r.diverged ? 1.0 : 0.0;
    for (std::size_t e = 0; e < r.start_energies.size(); ++e) row[kScalars + e] = r.start_energies[e];
  }
  group.sum(table);
  for (int k = 0; k < seeds; ++k) {
    if (mine(k)) continue;
    AdaptRun& r = runs[static_cast<std::size_t>(k)];
    const double* row = table.data() + k * width;
    r.initial_energy = row[0], r.final_energy = row[1], r.last_energy = row[2];
    r.best_epoch = std::lround(row[3]), r.epochs = std::lround(row[4]), r.evaluations = std::lround(row[5]);
    r.diverged = row[6] != 0.0;
    if (r.diverged) r.message = "diverged (on another process)";
    r.start_energies.assign(row + kScalars, row + kScalars + r.epochs + 1);
  }
  // The best run's structure and policy, from the rank that ran it.
  const int best = lowest_run(runs);
  AdaptRun& winner = runs[static_cast<std::size_t>(best)];
  const Eigen::Index n = 3 * static_cast<Eigen::Index>(target.size());
  Eigen::VectorXd shared = Eigen::VectorXd::Zero(n + parameter_count);
  if (mine(best)) {
    shared.head(n) = Eigen::Map<const Eigen::VectorXd>(winner.best.positions.data(), n);
    shared.tail(parameter_count) = winner.parameters;
  }
  group.sum(shared);
  if (!mine(best)) {
    winner.best = target;
    Eigen::Map<Eigen::VectorXd>(winner.best.positions.data(), n) = shared.head(n);
    winner.parameters = shared.tail(parameter_count);
  }
}

}  // namespace

AdaptResult gather_adaptation(std::vector<AdaptRun> runs, const System& target, const AdaptSettings& settings,
                              Eigen::Index parameter_count, EpisodeGroup* group) {
  AdaptResult result;
  result.runs = std::move(runs);
  if (group && group->size() > 1) share_runs(result.runs, target, settings.epochs, parameter_count, *group);
  result.best = lowest_run(result.runs);
  for (const AdaptRun& r : result.runs) result.evaluations += r.evaluations;
  return result;
}

AdaptResult adapt(PolicyModel& model, const System& target, const AdaptSettings& settings,
                  const std::function<void(const AdaptProgress&)>& on_epoch, EpisodeGroup* group) {
  settings.validate();
  const Eigen::VectorXd initial = model.parameters();
  AdaptResult result;
  for (int k = 0; k < settings.seeds; ++k) {
    if (group && k % group->size() != group->rank()) {
      result.runs.emplace_back().seed_index = k;  // filled in by share_runs
      continue;
    }
    result.runs.push_back(adapt_once(model, initial, target, settings, k, on_epoch));
  }
  result = gather_adaptation(std::move(result.runs), target, settings, initial.size(), group);
  model.set_parameters(initial);
  model.zero_gradient();
  return result;
}

}  // namespace strider::rl
