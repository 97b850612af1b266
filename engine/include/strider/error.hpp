#pragma once
// The errors strider reports to its users.
#include <stdexcept>
#include <string>

namespace strider {

// Bad input from a user: a malformed file, an unknown system, a NaN
// coordinate. The message is complete and meant to be shown as is
// (for files: "FILE:LINE: what is wrong").
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace strider
