// torch_backend() in `strider-torch`: the LibTorch twin of the policy, its
// batched adaptation and c10d process groups, linked in (native-server/torch).
#include "strider/torch/distributed.hpp"
#include "strider/torch/policy.hpp"
#include "strider/torch/slot_policy.hpp"
#include "torch_backend.hpp"

namespace strider::cli {

namespace {

class LinkedTorchBackend final : public TorchBackend {
 public:
  std::unique_ptr<PolicyModel> twin(const StriderPolicy& policy, const std::string& device) const override {
    return std::make_unique<TorchPolicy>(policy, device);
  }
  void copy_back(const PolicyModel& twin, StriderPolicy& target) const override {
    dynamic_cast<const TorchPolicy&>(twin).copy_to(target);
  }
  std::unique_ptr<rl::SlotPolicyModel> slot_policy(const StriderPolicy& policy, int slots,
                                                   const std::string& device) const override {
    return std::make_unique<TorchSlotPolicy>(policy, slots, device);
  }
  std::unique_ptr<rl::EpisodeGroup> episode_group_from_environment() const override {
    return strider::episode_group_from_environment();
  }
};

}  // namespace

const TorchBackend& torch_backend(const std::string&) {
  static const LinkedTorchBackend backend;
  return backend;
}

bool torch_available() { return true; }

}  // namespace strider::cli
