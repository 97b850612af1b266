#pragma once
// The paper's protocol around the Trainer and adapt(): how a dataset is split
// into training and validation structures, the FIRE line a validation curve
// is read against, how a stopped run resumes, the log a run keeps, and the
// restart rule of adaptation by name. `strider train` and `strider adapt` are
// these plus options and output.
#include <string>
#include <vector>

#include "strider/policy.hpp"
#include "strider/potential.hpp"
#include "strider/rl_training.hpp"
#include "strider/system.hpp"

namespace strider::rl {

// A dataset split in file order: the first round(0.75 n) structures train, the
// rest validate, each side keeping at least one. InputError for n < 2.
struct DatasetSplit {
  std::vector<System> training;
  std::vector<System> validation;
};
DatasetSplit split_dataset(std::vector<System> structures);

// The line to beat: FIRE's mean energy change <E_T - E_0> (energy unit) over
// `structures` in T = `steps` steps, with the system's paper preset
// (fire_baseline), each from a fresh evaluator of system `key`.
double fire_reference(const std::vector<System>& structures, const std::string& key,
                      const PotentialOptions& potential, int steps);

// Where the trainer state of the run writing policy MODEL lives: MODEL.checkpoint.
std::string checkpoint_path(const std::string& model_path);

// A stopped run to continue: the policy in MODEL (with its metadata) and the
// trainer state in MODEL.checkpoint. InputError when either file is missing
// or unreadable, or when the policy is not of system `key`.
struct ResumedRun {
  PolicyFile model;
  TrainerState state;
};
ResumedRun resume_run(const std::string& model_path, const std::string& key);

// A run's log as CSV: a header, then one row per epoch (epoch, mean return,
// mean energy change, mean objective, gradient norm, evaluations) with the
// validation columns (energy change, final energy) filled at the epochs that
// validated; an epoch-0 validation gets a row of its own.
std::string training_curves_csv(const std::vector<EpochRecord>& epochs,
                                const std::vector<ValidationRecord>& validations);

// The next-start rule of adaptation by name, as AdaptSettings::candidates:
// last3 (the lowest of the last three states, the paper's) is 3, any (the
// lowest state of the episode) is `steps`. InputError ("RULE: unknown rule ...") for another name.
int restart_candidates(const std::string& rule, int steps);

}  // namespace strider::rl
