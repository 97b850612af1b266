// Shared pieces of the learning commands (train, adapt, rollout).
#include "learning.hpp"

#include <cmath>
#include <filesystem>

#include "strider/io.hpp"
#include "strider/text.hpp"

namespace strider::cli {

PolicyFile load_policy(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw InputError(path + ": no such policy file");
  return read_policy_weights_file(path);
}

LoadedStructure load_structure_for_policy(const ParsedArgs& args, const std::string& path, const std::string& key) {
  if (auto chosen = args.value("--system"); chosen && *chosen != key) {
    throw InputError("--system " + *chosen + " differs from the policy's system " + key);
  }
  const Frame frame = read_structure_file(path, make_potential(key)->species_names());
  if (frame.system_key && *frame.system_key != key) {
    throw InputError(path + ": a " + *frame.system_key + " structure, but the policy is for " + key);
  }
  return resolve_structure(path, frame, key, potential_options_from(args));
}

std::optional<double> variance_option(const ParsedArgs& args) {
  const std::optional<double> alpha = args.number("--variance");
  if (alpha && (!(*alpha > 0.0) || !std::isfinite(*alpha))) {
    throw InputError("--variance must be a finite number > 0");
  }
  return alpha;
}

BackendChoice backend_option(const ParsedArgs& args) {
  BackendChoice choice;
  choice.name = args.value("--backend").value_or("engine");
  choice.device = args.value("--device").value_or("cpu");
  if (choice.name != "engine" && choice.name != "torch") {
    throw InputError("--backend " + choice.name + ": unknown backend (known: engine, torch)");
  }
  if (choice.name == "engine" && choice.device != "cpu") {
    throw InputError("--device " + choice.device + " needs --backend torch");
  }
  if (choice.name == "torch") choice.torch = &torch_backend("--backend torch");
  return choice;
}

std::vector<OptionSpec> policy_potential_options() {
  std::vector<OptionSpec> options = potential_options();
  options[0].help = "the system; must be the policy's (default: the policy's)";
  return options;
}

std::vector<OptionSpec> learning_options(int default_steps, double default_learning_rate) {
  return {{"--estimator", "NAME", "pathwise (reparameterised, later graphs held constant; the default),"
                                  " bptt (what the authors' code computes: descent on the discounted later"
                                  " energies, back-propagated through every later graph) or reinforce (score"
                                  " function, paper eq. 10: far noisier at alpha 1e-5)"},
          {"--steps", "T", "policy steps per episode (default " + std::to_string(default_steps) + ")"},
          {"--lr", "LR", "Adam learning rate on the policy parameters (default " + io::format_double(default_learning_rate) +
                             "; the paper used 0.005 for training and adaptation)"},
          {"--clipping", "MODE", "gradient clipping before Adam: value (each component, as the authors' optax"
                                 " code; default), norm (global norm) or none"},
          {"--clip", "C", "clipping limit (default 0.1)"},
          {"--baseline", "NAME", "reinforce's baseline: fire (FIRE's return from the same start, the paper's;"
                                 " default), mean (the policy's own mean-action return: far less variance) or none"}};
}

LearningOptions learning_options_from(const ParsedArgs& args, int default_steps, double default_learning_rate) {
  LearningOptions o;
  o.adam.learning_rate = default_learning_rate;
  if (auto e = args.value("--estimator")) o.estimator = rl::estimator_from_string(*e);
  o.steps = static_cast<int>(args.whole("--steps", default_steps, 1, 100000));
  if (auto lr = args.number("--lr")) {
    if (!(*lr > 0.0)) throw InputError("--lr must be > 0");
    o.adam.learning_rate = *lr;
  }
  if (auto c = args.value("--clipping")) o.clipping = rl::clipping_from_string(*c);
  if (auto c = args.number("--clip")) {
    if (!(*c > 0.0)) throw InputError("--clip must be > 0");
    o.clip = *c;
  }
  if (auto b = args.value("--baseline")) {
    o.baseline = rl::baseline_from_string(*b);
    if (o.estimator != rl::Estimator::reinforce) {
      throw InputError("--baseline is for --estimator reinforce (a baseline does not change a pathwise or bptt"
                       " gradient)");
    }
  }
  return o;
}

}  // namespace strider::cli
