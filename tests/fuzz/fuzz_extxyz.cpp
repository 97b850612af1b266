// libFuzzer target: the extended XYZ reader on any bytes. Bad input must end
// in InputError; a crash, a sanitizer report or another exception is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>

#include "strider/error.hpp"
#include "strider/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    strider::read_extxyz(in, "fuzz.xyz");
  } catch (const strider::InputError&) {
  }
  return 0;
}
