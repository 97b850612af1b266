#pragma once
// Training a policy on a set of structures (paper section 3.4, Table 5;
// docs/training.md): Adam with gradient clipping over batches of episodes, a
// validation curve, and checkpoints a killed run resumes from bit for bit.
//
// [SECTION] index
//   adam         AdamSettings, AdamMoments, Clipping, clip_gradient(), adam_step()
//   settings     TrainSettings (the paper's values as defaults)
//   records      EpochRecord, ValidationRecord
//   trainer      Trainer
//   checkpoints  TrainerState, write_checkpoint(), read_checkpoint()
//   distributed  EpisodeGroup (data-parallel training over processes)
//
// [SECTION] what one epoch is
// As the authors' code: one epoch is one parameter update. It runs
// batch_size * accumulation episodes (4 x 2 = 8) of T = 15 steps from the
// next training structures, adds each episode's gradient with weight 1/8 (the
// mean over episodes), clips, and takes one Adam step. Structures are visited
// in a seeded random order, a fresh order for each pass over the training set.
// A model that evaluates batches (PolicyModel::batches_states, the LibTorch
// twin) runs the epoch's episodes in lockstep, each step of all of them one
// batch; the others run them one after another. The result is the same.
//
// [SECTION] randomness
// Every random draw comes from a Random seeded by stream_seed(seed, {purpose,
// indices}) (rl.hpp): the shuffle of pass p from {1, p}, the noise of slot s of
// epoch e from {2, e, s}, the noise of validation structure i from {3, i}
// (the same at every validation: the curve compares policies under common
// random numbers). The epoch number therefore fixes all future randomness, and
// that is the "RNG state" a checkpoint holds.
//
// [SECTION] choice of estimator
// All three estimators of rl.hpp are available; pathwise is the default because at
// the paper's alpha = 1e-5 the score-function (reinforce) gradient is noise:
// with the StriderNET policy on a 100-atom lj-binary structure, along a random
// parameter direction, one episode's pathwise estimate agrees with per-step
// finite differences of its returns (noise fixed) to 1e-3, while reinforce
// estimates of the same quantity (~0.01) scatter by ~150 per episode with the
// FIRE baseline and ~15 with the mean-action baseline. The paper's eq. 10
// (reinforce) and the authors' objective (bptt) are kept, selectable, for
// comparison; docs/estimators.md derives all three.
//
// [SECTION] validation
// Every validation_every epochs (and at epoch 0, before any update), every
// validation structure runs one episode of validation_steps = 20 steps with
// the policy as trained: sampled actions a = mu + sqrt(alpha) z (alpha is tiny,
// 1e-5, so this is within sqrt(alpha) of the mean action), and the metric is
// <E_20 - E_0>, the mean energy change over the validation structures (lower
// is better; the validation reward is its negative). No parameters change.
#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "strider/potential.hpp"
#include "strider/rl.hpp"

namespace strider::rl {

// ---------------------------------------------------------------- [SECTION] adam

// Adam on the policy parameters, as optax.adam: with gradient g,
//   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
//   theta <- theta - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
struct AdamSettings {
  double learning_rate = 0.005;  // paper Table 5
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
};

struct AdamMoments {
  Eigen::VectorXd m, v;     // moments, one per parameter (empty before the first step)
  long steps = 0;           // t
  double beta1_power = 1.0; // b1^t, b2^t kept by multiplication (no pow: the same bits everywhere)
  double beta2_power = 1.0;
};

// Gradient clipping before Adam, with limit 0.1 (paper Table 5):
//   value  each component clipped into [-limit, limit] (optax.clip: the authors' code, the default)
//   norm   the whole gradient scaled down to norm <= limit (optax.clip_by_global_norm)
//   none   no clipping
enum class Clipping { value, norm, none };
std::string to_string(Clipping clipping);
Clipping clipping_from_string(const std::string& name);  // InputError naming the known ones

void clip_gradient(Eigen::VectorXd& gradient, Clipping clipping, double limit);
// One Adam step: parameters -= the update for `gradient` (same length).
void adam_step(Eigen::VectorXd& parameters, const Eigen::VectorXd& gradient, AdamMoments& state,
               const AdamSettings& settings);

// ---------------------------------------------------------------- [SECTION] settings

struct TrainSettings {
  std::string system;                    // system key: the potential and the FIRE baseline's preset
  PotentialOptions potential;            // shift / cutoff options of the potential
  Estimator estimator = Estimator::pathwise;  // see "choice of estimator" above
  int steps = 15;                        // T of a training episode
  double gamma = kGamma;                 // discount
  int batch_size = 4;                    // episodes per batch
  int accumulation = 2;                  // batches per update (gradient accumulation)
  AdamSettings adam;
  Clipping clipping = Clipping::value;
  double clip = 0.1;
  Baseline baseline = Baseline::fire;    // reinforce: what b^t is (rl.hpp)
  int validation_every = 20;             // epochs between validations (K)
  int validation_steps = 20;             // T of a validation episode
  bool batch_statistics = true;          // see RolloutSettings
  std::uint64_t seed = 1;

  int episodes_per_epoch() const { return batch_size * accumulation; }
  // InputError naming the first bad value.
  void validate() const;
};

// ---------------------------------------------------------------- [SECTION] records

// One epoch (update). Means are over its episodes.
struct EpochRecord {
  long epoch = 0;                  // updates done, this one included (1, 2, ...)
  double mean_return = 0.0;        // <D^0>, the discounted energy decrease (energy unit)
  double mean_energy_change = 0.0; // <E_T - E_0>
  double mean_objective = 0.0;     // <sum_t (D^t - b^t)> (reinforce), <sum_t D^t> (pathwise) or <sum_m w_m (E_0 - E_m)> (bptt)
  double gradient_norm = 0.0;      // |grad| before clipping
  long evaluations = 0;            // energy evaluations so far in the run (rollouts, baselines, validations)
};

struct ValidationRecord {
  long epoch = 0;                   // updates done when validated (0: the untrained policy)
  double mean_energy_change = 0.0;  // <E_T - E_0> over the validation structures (the metric)
  double mean_initial_energy = 0.0; // <E_0>
  double mean_final_energy = 0.0;   // <E_T>
  long evaluations = 0;             // energy evaluations so far in the run
};

// ---------------------------------------------------------------- [SECTION] checkpoints

// Everything a run needs to continue exactly as if never stopped. The model's
// non-trainable state (batch-norm running statistics) is not here: with
// batch_statistics (the default) it never influences training; with
// batch_statistics off the caller must save it with the model (the CLI writes
// the policy's weight file beside every checkpoint).
struct TrainerState {
  std::map<std::string, std::string> settings;  // what must match on resume (see Trainer::restore)
  long epoch = 0;
  long evaluations = 0;
  Eigen::VectorXd parameters;
  AdamMoments adam;
  std::vector<EpochRecord> epochs;
  std::vector<ValidationRecord> validations;
  std::map<int, FireBaseline> baselines;  // per training structure, as cached
};

// A text format: a version line, then key/value lines; every double is
// written in hexadecimal floating point (%a), so reading gives back the same
// bits. read_* throws InputError ("SOURCE: ...") for a wrong version, a
// truncated file or a malformed line. The file writer writes a temporary file
// beside the target and renames it into place.
void write_checkpoint(std::ostream& out, const TrainerState& state);
TrainerState read_checkpoint(std::istream& in, const std::string& source);
void write_checkpoint_file(const std::string& path, const TrainerState& state);
TrainerState read_checkpoint_file(const std::string& path);

// ---------------------------------------------------------------- [SECTION] distributed

// Training spread over `size` processes (data parallel): process `rank` runs
// the episodes of slots k with k % size == rank (and likewise the validation
// structures), then the sums of the gradients and of the records are added
// over the processes, so every process takes the update that one process
// running all the episodes takes (to rounding: the terms are added in another
// order). The LibTorch build implements it with c10d (strider/torch/distributed.hpp).
// Not shared: FIRE baselines are cached per process, so `evaluations` counts a
// structure's baseline once per process that met it.
class EpisodeGroup {
 public:
  virtual ~EpisodeGroup() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // values <- the element-wise sum of `values` over all processes (the same length everywhere).
  virtual void sum(Eigen::VectorXd& values) = 0;
};

// ---------------------------------------------------------------- [SECTION] trainer

class Trainer {
 public:
  // The model starts from its current parameters. training must not be empty;
  // validation may be (then validate() records NaN metrics). Every structure
  // must be of settings.system. Throws InputError for bad settings.
  Trainer(PolicyModel& model, TrainSettings settings, std::vector<System> training, std::vector<System> validation);

  // One update (see "what one epoch is"); returns its record.
  EpochRecord train_epoch();
  // Validates the current policy and records the result at the current epoch.
  ValidationRecord validate();
  // Trains until `epochs` updates are done: validates first if nothing was
  // validated yet, then after every epoch that is a multiple of
  // validation_every, and calls on_checkpoint right after each validation
  // after epoch 0 and after the last epoch (whichever comes first, once per epoch).
  void run(long epochs, const std::function<void(const EpochRecord&)>& on_epoch = {},
           const std::function<void(const ValidationRecord&)>& on_validation = {},
           const std::function<void(const TrainerState&)>& on_checkpoint = {});

  long epoch() const { return epoch_; }
  long evaluations() const { return evaluations_; }
  const TrainSettings& settings() const { return settings_; }
  const std::vector<EpochRecord>& epochs() const { return epoch_records_; }
  const std::vector<ValidationRecord>& validations() const { return validation_records_; }
  // The training structure of slot `slot` of epoch `epoch` (the seeded order).
  int structure_of(long epoch, int slot) const;

  // Spreads every epoch and validation over the processes of `group` (not
  // owned; nullptr: this process runs everything). Every process of the group
  // must call train_epoch() and validate() alike.
  void set_group(EpisodeGroup* group) { group_ = group; }

  TrainerState state() const;
  // Continues from a checkpoint: sets the model's parameters. Throws
  // InputError if the checkpoint was made with other settings or data sizes
  // (naming the setting) or for another parameter count.
  void restore(const TrainerState& state);

 private:
  const FireBaseline& baseline_of(int index);
  std::map<std::string, std::string> settings_map() const;

  // Whether this process runs item k of an epoch or a validation.
  bool runs_here(int k) const { return !group_ || k % group_->size() == group_->rank(); }

  PolicyModel& model_;
  TrainSettings settings_;
  std::vector<System> training_, validation_;
  long epoch_ = 0;
  long evaluations_ = 0;
  AdamMoments adam_;
  std::vector<EpochRecord> epoch_records_;
  std::vector<ValidationRecord> validation_records_;
  std::map<int, FireBaseline> baselines_;
  EpisodeGroup* group_ = nullptr;
  mutable long cached_pass_ = -1;
  mutable std::vector<int> cached_order_;
};

}  // namespace strider::rl
