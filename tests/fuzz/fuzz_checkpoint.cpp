// libFuzzer target: the training checkpoint reader on any bytes. Bad input
// must end in InputError; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>

#include "strider/error.hpp"
#include "strider/rl_training.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    strider::rl::read_checkpoint(in, "fuzz.checkpoint");
  } catch (const strider::InputError&) {
  }
  return 0;
}
