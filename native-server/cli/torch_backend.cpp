// The part of the torch seam both executables share.
#include "torch_backend.hpp"

#include <cstdlib>

namespace strider::cli {

std::unique_ptr<rl::EpisodeGroup> episode_group_from_environment() {
  // One process unless WORLD_SIZE is set to anything but a number <= 1 (LibTorch's side checks the value).
  const char* size = std::getenv("WORLD_SIZE");
  if (!size || !*size) return nullptr;
  char* end = nullptr;
  const long processes = std::strtol(size, &end, 10);
  if (*end == '\0' && processes <= 1) return nullptr;
  return torch_backend("WORLD_SIZE=" + std::string(size)).episode_group_from_environment();
}

}  // namespace strider::cli
