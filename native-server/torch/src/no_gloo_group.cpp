// C10dEpisodeGroup where LibTorch's Gloo headers are missing (CMake found no
// gloo/algorithm.h): single-process training works; WORLD_SIZE > 1 is refused.
#include <cstdlib>
#include <string>

#include "strider/error.hpp"
#include "strider/torch/distributed.hpp"

namespace strider {

struct C10dEpisodeGroup::Impl {};

C10dEpisodeGroup::C10dEpisodeGroup(const std::string&, int, int, int) {
  throw InputError("distributed: this strider was built without c10d Gloo (install libgloo-dev and rebuild)");
}

C10dEpisodeGroup::~C10dEpisodeGroup() = default;

void C10dEpisodeGroup::sum(Eigen::VectorXd&) {}

std::unique_ptr<C10dEpisodeGroup> episode_group_from_environment() {
  const char* size = std::getenv("WORLD_SIZE");
  if (size && std::atol(size) > 1) return std::make_unique<C10dEpisodeGroup>("", 0, 0, 1);
  return nullptr;
}

}  // namespace strider
