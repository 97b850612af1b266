#pragma once
// Adaptation of a trained policy to one target structure (paper section 3.5,
// docs/adaptation.md; the authors never released this loop, so it is built from
// the paper's description):
//   repeat for E epochs: run one episode of T = 15 steps from the current
//   start with the current policy, update the policy on it (the training
//   estimator, baseline, Adam and clipping, Adam state fresh for each seed),
//   and make the lowest-energy configuration among the episode's last three
//   states (x_{T-2}, x_{T-1}, x_T) the next start.
// Several seeds (paper: 10) each start from the trained parameters and the
// target; the seed whose lowest start energy is lowest wins.
//
// Reported per run: initial_energy (the target's), final_energy (the lowest
// energy among the starts: the target and every epoch's chosen state, whose
// structure is `best`), last_energy (the start after the last epoch), and
// evaluations (every energy evaluation: T + 1 per rollout, T + 1 per FIRE
// baseline with reinforce). The learned policy of each run is kept too.
#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "strider/potential.hpp"
#include "strider/rl.hpp"
#include "strider/rl_training.hpp"

namespace strider::rl {

// Adaptation's Adam learning rate: a tenth of the paper's 5e-3 (Table 5, kept for training).
// At 5e-3 Adam's first update, which moves every parameter by the rate, wrecks a well-trained
// policy (measured on LJ-100 and SW-64: docs/adaptation.md).
inline constexpr double kAdaptationLearningRate = 5e-4;

struct AdaptSettings {
  std::string system;                    // system key: the potential and the FIRE baseline's preset
  PotentialOptions potential;
  Estimator estimator = Estimator::pathwise;  // as TrainSettings (rl_training.hpp)
  int steps = 15;                        // T
  double gamma = kGamma;
  long epochs = 1000;                    // paper: 1000
  int seeds = 10;                        // paper: 10, keep the best
  std::uint64_t seed = 1;                // seed k's noise comes from stream_seed(seed, {4, k, epoch})
  int candidates = 3;                    // the next start is the lowest of the last `candidates` states
  AdamSettings adam{kAdaptationLearningRate};
  Clipping clipping = Clipping::value;
  double clip = 0.1;
  Baseline baseline = Baseline::fire;    // reinforce: what b^t is (rl.hpp); fire: of each epoch's start
  bool batch_statistics = true;          // see RolloutSettings

  // InputError naming the first bad value.
  void validate() const;
};

// After each epoch of one seed.
struct AdaptProgress {
  int seed_index = 0;
  long epoch = 0;              // epochs done in this seed (1 ..)
  double start_energy = 0.0;   // the new start's energy
  double best_energy = 0.0;    // the lowest start energy of this seed so far
  long evaluations = 0;        // this seed's evaluations so far
};

struct AdaptRun {
  int seed_index = 0;
  double initial_energy = 0.0;
  double final_energy = 0.0;          // lowest start energy (the best structure's)
  double last_energy = 0.0;           // the start after the last epoch
  long best_epoch = 0;                // epoch whose chosen state is `best` (0: the target itself)
  long epochs = 0;                    // epochs run
  long evaluations = 0;
  System best;                        // the lowest-energy start
  std::vector<double> start_energies; // E of the start before epoch 1 .. after epoch E (epochs + 1 values)
  Eigen::VectorXd parameters;         // the policy after the run
  bool diverged = false;              // a step went non-finite; the run stopped there
  std::string message;                // why, when diverged
};

struct AdaptResult {
  std::vector<AdaptRun> runs;  // one per seed
  int best = 0;                // index into runs of the lowest final_energy
  long evaluations = 0;        // all seeds together
  const AdaptRun& best_run() const { return runs.at(static_cast<std::size_t>(best)); }
};

// One seed's adaptation, an epoch at a time, from the model's current
// parameters and `target`: what adapt_once() runs, for a caller that steps it
// itself (the browser, a frame at a time) with the Adam state kept between epochs.
class AdaptSession {
 public:
  // Evaluates the target (the run's first start). InputError for bad settings.
  AdaptSession(PolicyModel& model, const System& target, AdaptSettings settings, int seed_index = 0);
  // One epoch (rollout, update, next start); false once the run has diverged.
  // settings.epochs is not checked here: the caller decides when to stop.
  bool step();
  const AdaptRun& run() const { return run_; }  // the run so far; its policy is the model's own
  const System& start() const { return start_; }  // the next epoch's start

 private:
  PolicyModel& model_;
  AdaptSettings settings_;
  int seed_index_;
  System start_;
  AdamMoments adam_;
  AdaptRun run_;
};

// One seed: starts from `initial_parameters` and `target`. The model is left
// with the run's final parameters.
AdaptRun adapt_once(PolicyModel& model, const Eigen::VectorXd& initial_parameters, const System& target,
                    const AdaptSettings& settings, int seed_index,
                    const std::function<void(const AdaptProgress&)>& on_epoch = {});

// All seeds, from the model's current parameters; the model's parameters are
// restored afterwards (the best run's policy is in the result).
// With a group of P processes (a sweep over ranks), seed k runs on rank k % P
// and on_epoch sees only this rank's seeds; the runs are then shared, so every
// rank returns the result one process would have: every run's numbers and
// start energies, and the best run's structure and policy (other runs' `best`
// and `parameters` stay on their own rank, and a diverged run's message is
// only "diverged" elsewhere). Each seed's randomness depends on k alone, so the
// result equals the single-process one exactly.
AdaptResult adapt(PolicyModel& model, const System& target, const AdaptSettings& settings,
                  const std::function<void(const AdaptProgress&)>& on_epoch = {}, EpisodeGroup* group = nullptr);

// The result of all seeds from each seed's run: `runs` holds every seed k in
// order, real for this rank's seeds (k % P == rank) and only seed_index set for
// the others, which a group of P > 1 processes fills in as adapt() describes;
// then the best run and the evaluation total. parameter_count: the policy's.
// (adapt() ends with it; so does the batched driver, rl_adaptation_batch.hpp.)
AdaptResult gather_adaptation(std::vector<AdaptRun> runs, const System& target, const AdaptSettings& settings,
                              Eigen::Index parameter_count, EpisodeGroup* group);

}  // namespace strider::rl
