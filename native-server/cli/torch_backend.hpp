#pragma once
// The one seam between the command line and LibTorch. LibTorch and the ~290
// libraries it loads cost every process that links them about a second of CPU
// and 170 MB at start (tests/benchmarks/startup.py), so `strider` does not link them: a command that needs them calls
// torch_backend(), which in `strider` hands the whole command line over to
// `strider-torch` beside it (exec: the same process id, open files,
// environment and limits; the command then starts again there) and in
// `strider-torch` (the same commands, linked with native-server/torch)
// returns the LibTorch backend. Nothing else in the CLI names LibTorch.
#include <memory>
#include <string>

#include "strider/policy.hpp"
#include "strider/policy_model.hpp"
#include "strider/rl_adaptation_batch.hpp"
#include "strider/rl_training.hpp"

namespace strider::cli {

// What the commands use of LibTorch (native-server/torch), behind virtual calls only.
class TorchBackend {
 public:
  virtual ~TorchBackend() = default;
  // The LibTorch twin of `policy` on `device` ("cpu" or "cuda"): trains in its place.
  virtual std::unique_ptr<PolicyModel> twin(const StriderPolicy& policy, const std::string& device) const = 0;
  // Copies the parameters and running statistics of `twin` (made by twin()) into `target`.
  virtual void copy_back(const PolicyModel& twin, StriderPolicy& target) const = 0;
  // `slots` copies of `policy` adapted in one batch on `device` (rl::adapt_batch).
  virtual std::unique_ptr<rl::SlotPolicyModel> slot_policy(const StriderPolicy& policy, int slots,
                                                           const std::string& device) const = 0;
  // The c10d process group that MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE
  // describe; nullptr when WORLD_SIZE is unset or <= 1. InputError for bad values.
  virtual std::unique_ptr<rl::EpisodeGroup> episode_group_from_environment() const = 0;
};

// The LibTorch backend. In `strider` this does not return: it hands the
// command line over to `strider-torch`, or throws InputError "`why`: this
// strider was built without LibTorch" when there is none beside it.
const TorchBackend& torch_backend(const std::string& why);

// Whether torch_backend() can succeed (the server offers the torch backend then).
bool torch_available();

// The process group of a distributed run (WORLD_SIZE > 1, via torch_backend()),
// or nullptr for one process.
std::unique_ptr<rl::EpisodeGroup> episode_group_from_environment();

}  // namespace strider::cli
