// libFuzzer target: the policy weight file reader on any bytes. Bad input
// must end in InputError; anything else (bad_alloc from a declared size
// included) is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>

#include "strider/error.hpp"
#include "strider/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    strider::read_policy_weights(in, "fuzz.weights");
  } catch (const strider::InputError&) {
  }
  return 0;
}
