// Weight files of the LibTorch twin: the engine's reader and writer with a
// copy of the parameters in between, so both write the same bytes.
#include "strider/torch/policy.hpp"

namespace strider {

TorchPolicyFile read_torch_policy_file(const std::string& path, const std::string& device) {
  PolicyFile file = read_policy_weights_file(path);
  return {std::make_unique<TorchPolicy>(*file.policy, device), file.training};
}

void write_torch_policy_file(const std::string& path, const TorchPolicy& policy, const std::string& training) {
  StriderPolicy engine(policy.config(), 0);
  policy.copy_to(engine);
  write_policy_weights_file(path, engine, training);
}

}  // namespace strider
