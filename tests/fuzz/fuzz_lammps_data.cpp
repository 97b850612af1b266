// libFuzzer target: the LAMMPS data reader (species A and B) on any bytes.
// Bad input must end in InputError; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <sstream>

#include "strider/error.hpp"
#include "strider/io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    strider::read_lammps_data(in, "fuzz.data", {"A", "B"});
  } catch (const strider::InputError&) {
  }
  return 0;
}
