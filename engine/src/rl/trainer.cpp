// The training loop (see rl_training.hpp): epochs of batch_size * accumulation
// episodes and one Adam update each, validation every K epochs.
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <sstream>

#include "strider/error.hpp"
#include "strider/rl_training.hpp"

namespace strider::rl {

namespace {

// Purposes of the random streams (rl_training.hpp, [SECTION] randomness).
constexpr std::uint64_t kShuffle = 1, kEpisode = 2, kValidation = 3;

// A fresh evaluator for each episode: the neighbour list then starts from the
// episode's own first structure, so an episode's energies do not depend on
// what the evaluator saw before (resumed runs see the same bits).
std::unique_ptr<Evaluator> fresh_evaluator(const TrainSettings& settings) {
  return std::make_unique<Evaluator>(make_potential(settings.system, settings.potential));
}

std::string number(double x) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", x);
  return text;
}

}  // namespace

void TrainSettings::validate() const {
  auto fail = [](const std::string& what) { throw InputError("training settings: " + what); };
  if (system.empty()) fail("no system key");
  if (steps < 1) fail("steps must be >= 1");
  if (!(gamma >= 0.0 && gamma <= 1.0)) fail("gamma must be in [0, 1]");
  if (batch_size < 1) fail("batch size must be >= 1");
  if (accumulation < 1) fail("gradient accumulation must be >= 1");
  if (!(adam.learning_rate > 0.0) || !std::isfinite(adam.learning_rate)) fail("learning rate must be > 0");
  if (!(adam.beta1 >= 0.0 && adam.beta1 < 1.0) || !(adam.beta2 >= 0.0 && adam.beta2 < 1.0)) {
    fail("Adam betas must be in [0, 1)");
  }
  if (!(adam.epsilon >= 0.0)) fail("Adam epsilon must be >= 0");
  if (!(clip > 0.0) || !std::isfinite(clip)) fail("clip must be > 0");
  if (validation_every < 1) fail("validation interval must be >= 1");
  if (validation_steps < 1) fail("validation steps must be >= 1");
}

Trainer::Trainer(PolicyModel& model, TrainSettings settings, std::vector<System> training,
                 std::vector<System> validation)
    : model_(model),
      settings_(std::move(settings)),
      training_(std::move(training)),
      validation_(std::move(validation)) {
  settings_.validate();
  if (training_.empty()) throw InputError("training needs at least one training structure");
  make_potential(settings_.system, settings_.potential);  // an unknown key fails here, before any work
}

int Trainer::structure_of(long epoch, int slot) const {
  const long n = static_cast<long>(training_.size());
  const long j = epoch * settings_.episodes_per_epoch() + slot;
  const long pass = j / n;
  if (pass != cached_pass_) {
    // Fisher-Yates with the pass's own stream.
    Random random(stream_seed(settings_.seed, {kShuffle, static_cast<std::uint64_t>(pass)}));
    cached_order_.resize(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) cached_order_[static_cast<std::size_t>(i)] = static_cast<int>(i);
    for (long i = n - 1; i > 0; --i) {
      const long k = static_cast<long>(random.below(static_cast<std::uint64_t>(i + 1)));
      std::swap(cached_order_[static_cast<std::size_t>(i)], cached_order_[static_cast<std::size_t>(k)]);
    }
    cached_pass_ = pass;
  }
  return cached_order_[static_cast<std::size_t>(j % n)];
}

const FireBaseline& Trainer::baseline_of(int index) {
  auto it = baselines_.find(index);
  if (it != baselines_.end()) return it->second;
  auto evaluator = fresh_evaluator(settings_);
  FireBaseline b = fire_baseline(training_[static_cast<std::size_t>(index)], *evaluator, settings_.system,
                                 settings_.steps, settings_.gamma);
  evaluations_ += b.evaluations;
  return baselines_.emplace(index, std::move(b)).first->second;
}

EpochRecord Trainer::train_epoch() {
  const int episodes = settings_.episodes_per_epoch();
  const double weight = 1.0 / episodes;
  RolloutSettings rollout_settings;
  rollout_settings.steps = settings_.steps;
  rollout_settings.sample = true;
  rollout_settings.batch_statistics = settings_.batch_statistics;
  rollout_settings.keep_forwards = true;  // each episode's gradient follows its rollout
  const bool reinforce = settings_.estimator == Estimator::reinforce;

  EpochRecord record;
  const long evaluations_before = evaluations_;
  model_.zero_gradient();
  // Slot k's baseline (reinforce: FIRE's, cached per structure, or a mean-action rollout).
  auto baseline_for = [&](int index) {
    std::vector<double> baseline;
    if (reinforce && settings_.baseline == Baseline::fire) baseline = baseline_of(index).returns;
    if (reinforce && settings_.baseline == Baseline::mean) {
      auto evaluator = fresh_evaluator(settings_);
      baseline = mean_action_baseline(model_, training_[static_cast<std::size_t>(index)], *evaluator,
                                      settings_.steps, settings_.batch_statistics, settings_.gamma, &evaluations_);
    }
    return baseline;
  };
  auto noise_for = [&](int slot) {
    return Random(stream_seed(settings_.seed, {kEpisode, static_cast<std::uint64_t>(epoch_),
                                               static_cast<std::uint64_t>(slot)}));
  };
  // evaluator: the episode's (bptt's weighted-force passes count as evaluations).
  auto add_episode = [&](const Episode& episode, const std::vector<double>& baseline, Evaluator& evaluator) {
    const long passes_before = evaluator.evaluations();
    record.mean_objective += weight * accumulate_gradient(model_, episode, settings_.estimator, baseline, weight,
                                                          settings_.gamma, &evaluator);
    evaluations_ += episode.evaluations_used + (evaluator.evaluations() - passes_before);
    const std::vector<double> energies = episode.energies();
    record.mean_return += weight * discounted_returns(rewards(energies), settings_.gamma).front();
    record.mean_energy_change += weight * (energies.back() - energies.front());
  };
  if (!model_.batches_states()) {
    // One episode after another: its rollout, then its gradient.
    for (int slot = 0; slot < episodes; ++slot) {
      if (!runs_here(slot)) continue;
      const int index = structure_of(epoch_, slot);
      const std::vector<double> baseline = baseline_for(index);
      Random random = noise_for(slot);
      auto evaluator = fresh_evaluator(settings_);
      add_episode(rollout(model_, training_[static_cast<std::size_t>(index)], *evaluator, rollout_settings, random),
                  baseline, *evaluator);
    }
  } else {
    // This process's episodes in lockstep (each step one batch for the model), then their gradients.
    std::vector<System> starts;
    std::vector<std::vector<double>> baselines;
    std::vector<Random> randoms;
    std::vector<std::unique_ptr<Evaluator>> evaluators;
    std::vector<Evaluator*> evaluator_pointers;
    for (int slot = 0; slot < episodes; ++slot) {
      if (!runs_here(slot)) continue;
      const int index = structure_of(epoch_, slot);
      starts.push_back(training_[static_cast<std::size_t>(index)]);
      baselines.push_back(baseline_for(index));
      randoms.push_back(noise_for(slot));
      evaluators.push_back(fresh_evaluator(settings_));
      evaluator_pointers.push_back(evaluators.back().get());
    }
    const std::vector<Episode> batch = rollouts(model_, starts, evaluator_pointers, rollout_settings, randoms);
    for (std::size_t k = 0; k < batch.size(); ++k) add_episode(batch[k], baselines[k], *evaluators[k]);
  }
  Eigen::VectorXd gradient = model_.gradient();
  if (group_) {
    // Sum the processes' shares: gradient, then the record's sums and the evaluations.
    const Eigen::Index p = gradient.size();
    Eigen::VectorXd sums(p + 4);
    sums << gradient, record.mean_objective, record.mean_return, record.mean_energy_change,
        static_cast<double>(evaluations_ - evaluations_before);
    group_->sum(sums);
    gradient = sums.head(p);
    record.mean_objective = sums[p];
    record.mean_return = sums[p + 1];
    record.mean_energy_change = sums[p + 2];
    evaluations_ = evaluations_before + std::lround(sums[p + 3]);
  }
  record.gradient_norm = gradient.norm();
  if (!gradient.allFinite()) throw DivergedError("the policy gradient is not finite at epoch " + std::to_string(epoch_ + 1));
  clip_gradient(gradient, settings_.clipping, settings_.clip);
  Eigen::VectorXd parameters = model_.parameters();
  adam_step(parameters, gradient, adam_, settings_.adam);
  model_.set_parameters(parameters);
  model_.zero_gradient();

  ++epoch_;
  record.epoch = epoch_;
  record.evaluations = evaluations_;
  epoch_records_.push_back(record);
  return record;
}

ValidationRecord Trainer::validate() {
  RolloutSettings rollout_settings;
  rollout_settings.steps = settings_.validation_steps;
  rollout_settings.sample = true;
  rollout_settings.batch_statistics = settings_.batch_statistics;
  ValidationRecord record;
  record.epoch = epoch_;
  const double n = static_cast<double>(validation_.size());
  if (validation_.empty()) {
    record.mean_energy_change = record.mean_initial_energy = record.mean_final_energy =
        std::numeric_limits<double>::quiet_NaN();
  }
  const long evaluations_before = evaluations_;
  auto add_episode = [&](const Episode& episode) {
    evaluations_ += episode.evaluations_used;
    const std::vector<double> energies = episode.energies();
    record.mean_energy_change += (energies.back() - energies.front()) / n;
    record.mean_initial_energy += energies.front() / n;
    record.mean_final_energy += energies.back() / n;
  };
  auto noise_for = [&](std::size_t i) {
    return Random(stream_seed(settings_.seed, {kValidation, static_cast<std::uint64_t>(i)}));
  };
  if (!model_.batches_states()) {
    for (std::size_t i = 0; i < validation_.size(); ++i) {
      if (!runs_here(static_cast<int>(i))) continue;
      Random random = noise_for(i);
      auto evaluator = fresh_evaluator(settings_);
      add_episode(rollout(model_, validation_[i], *evaluator, rollout_settings, random));
    }
  } else {
    // In lockstep, as the training episodes (train_epoch).
    std::vector<System> starts;
    std::vector<Random> randoms;
    std::vector<std::unique_ptr<Evaluator>> evaluators;
    std::vector<Evaluator*> evaluator_pointers;
    for (std::size_t i = 0; i < validation_.size(); ++i) {
      if (!runs_here(static_cast<int>(i))) continue;
      starts.push_back(validation_[i]);
      randoms.push_back(noise_for(i));
      evaluators.push_back(fresh_evaluator(settings_));
      evaluator_pointers.push_back(evaluators.back().get());
    }
    for (const Episode& episode : rollouts(model_, starts, evaluator_pointers, rollout_settings, randoms)) {
      add_episode(episode);
    }
  }
  if (group_ && !validation_.empty()) {
    Eigen::VectorXd sums(4);
    sums << record.mean_energy_change, record.mean_initial_energy, record.mean_final_energy,
        static_cast<double>(evaluations_ - evaluations_before);
    group_->sum(sums);
    record.mean_energy_change = sums[0];
    record.mean_initial_energy = sums[1];
    record.mean_final_energy = sums[2];
    evaluations_ = evaluations_before + std::lround(sums[3]);
  }
  record.evaluations = evaluations_;
  validation_records_.push_back(record);
  return record;
}

void Trainer::run(long epochs, const std::function<void(const EpochRecord&)>& on_epoch,
                  const std::function<void(const ValidationRecord&)>& on_validation,
                  const std::function<void(const TrainerState&)>& on_checkpoint) {
  if (validation_records_.empty()) {
    const ValidationRecord v = validate();
    if (on_validation) on_validation(v);
  }
  bool checkpointed = false;
  while (epoch_ < epochs) {
    const EpochRecord r = train_epoch();
    if (on_epoch) on_epoch(r);
    checkpointed = false;
    if (epoch_ % settings_.validation_every == 0) {
      const ValidationRecord v = validate();
      if (on_validation) on_validation(v);
      if (on_checkpoint) on_checkpoint(state());
      checkpointed = true;
    }
  }
  if (!checkpointed && epoch_ > 0 && on_checkpoint) on_checkpoint(state());
}

std::map<std::string, std::string> Trainer::settings_map() const {
  const TrainSettings& s = settings_;
  return {{"system", s.system},
          {"shift", s.potential.shift ? "1" : "0"},
          {"cutoff", number(s.potential.cutoff)},
          {"estimator", to_string(s.estimator)},
          {"steps", std::to_string(s.steps)},
          {"gamma", number(s.gamma)},
          {"batch_size", std::to_string(s.batch_size)},
          {"accumulation", std::to_string(s.accumulation)},
          {"learning_rate", number(s.adam.learning_rate)},
          {"beta1", number(s.adam.beta1)},
          {"beta2", number(s.adam.beta2)},
          {"epsilon", number(s.adam.epsilon)},
          {"clipping", to_string(s.clipping)},
          {"clip", number(s.clip)},
          {"baseline", to_string(s.baseline)},
          {"validation_every", std::to_string(s.validation_every)},
          {"validation_steps", std::to_string(s.validation_steps)},
          {"batch_statistics", s.batch_statistics ? "1" : "0"},
          {"seed", std::to_string(s.seed)},
          {"training_structures", std::to_string(training_.size())},
          {"validation_structures", std::to_string(validation_.size())},
          {"parameters", std::to_string(model_.parameters().size())}};
}

TrainerState Trainer::state() const {
  TrainerState s;
  s.settings = settings_map();
  s.epoch = epoch_;
  s.evaluations = evaluations_;
  s.parameters = model_.parameters();
  s.adam = adam_;
  s.epochs = epoch_records_;
  s.validations = validation_records_;
  s.baselines = baselines_;
  return s;
}

void Trainer::restore(const TrainerState& state) {
  const std::map<std::string, std::string> mine = settings_map();
  for (const auto& [key, value] : mine) {
    auto it = state.settings.find(key);
    const std::string theirs = it == state.settings.end() ? "(missing)" : it->second;
    if (theirs != value) {
      throw InputError("the checkpoint was made with " + key + " = " + theirs + ", this run has " + key + " = " +
                       value + " (resume with the same settings and data)");
    }
  }
  if (state.parameters.size() != model_.parameters().size()) {
    throw InputError("the checkpoint has " + std::to_string(state.parameters.size()) + " parameters, the model " +
                     std::to_string(model_.parameters().size()));
  }
  epoch_ = state.epoch;
  evaluations_ = state.evaluations;
  model_.set_parameters(state.parameters);
  model_.zero_gradient();
  adam_ = state.adam;
  epoch_records_ = state.epochs;
  validation_records_ = state.validations;
  baselines_ = state.baselines;
}

}  // namespace strider::rl
