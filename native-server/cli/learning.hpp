#pragma once
// What `strider train`, `strider adapt` and `strider rollout` share: reading a
// policy weight file, the structure it works on, and the learning options.
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "strider/policy.hpp"
#include "strider/rl.hpp"
#include "strider/rl_training.hpp"
#include "torch_backend.hpp"

namespace strider::cli {

// The policy in a weight file (errors name the file).
PolicyFile load_policy(const std::string& path);

// A structure file for a policy of system `key`: as load_structure (with
// --shift / --cutoff), but --system, the file's system= key and the policy's
// system must agree.
LoadedStructure load_structure_for_policy(const ParsedArgs& args, const std::string& path, const std::string& key);

// potential_options() of a command that reads a policy (adapt, rollout): --system must be the policy's.
std::vector<OptionSpec> policy_potential_options();

// --variance ALPHA (train and adapt): the action variance, when given
// (InputError unless finite and > 0).
std::optional<double> variance_option(const ParsedArgs& args);

// --backend engine|torch and --device cpu|cuda (train and adapt), checked.
// With torch, `torch` is the LibTorch backend: in `strider` asking for it
// hands the command over to `strider-torch`, so this runs before any work.
struct BackendChoice {
  std::string name = "engine";  // engine or torch
  std::string device = "cpu";
  const TorchBackend* torch = nullptr;  // with --backend torch
};
BackendChoice backend_option(const ParsedArgs& args);

// --estimator, --steps, --lr, --clipping, --clip, --baseline; the defaults of T and of Adam's
// learning rate are the command's (train: the paper's 5e-3; adapt: rl::kAdaptationLearningRate).
std::vector<OptionSpec> learning_options(int default_steps, double default_learning_rate);
struct LearningOptions {
  rl::Estimator estimator = rl::Estimator::pathwise;
  int steps = 15;
  rl::AdamSettings adam;
  rl::Clipping clipping = rl::Clipping::value;
  double clip = 0.1;
  rl::Baseline baseline = rl::Baseline::fire;
};
LearningOptions learning_options_from(const ParsedArgs& args, int default_steps, double default_learning_rate);

// Copies the options train and adapt share into their settings
// (rl::TrainSettings or rl::AdaptSettings: the same field names).
template <class Settings>
void apply_learning_options(const LearningOptions& learning, Settings& settings) {
  settings.estimator = learning.estimator;
  settings.steps = learning.steps;
  settings.adam = learning.adam;
  settings.clipping = learning.clipping;
  settings.clip = learning.clip;
  settings.baseline = learning.baseline;
}

}  // namespace strider::cli
