// The registry of systems. Adding a system: its file engine/src/systems/NAME.cpp
// defining strider::systems::NAME() (a SystemSpec), and one line X(NAME) below.
#include "strider/error.hpp"
#include "strider/system_spec.hpp"

// Every system, in the order lists show them.
#define STRIDER_EACH_SYSTEM(X) \
  X(lj_binary)                 \
  X(sw_si)                     \
  X(csh)                       \
  X(lj)                        \
  /* end of the list */

namespace strider {

namespace systems {
#define STRIDER_DECLARE_SYSTEM(name) SystemSpec name();
STRIDER_EACH_SYSTEM(STRIDER_DECLARE_SYSTEM)
#undef STRIDER_DECLARE_SYSTEM
}  // namespace systems

const std::vector<SystemSpec>& system_specs() {
#define STRIDER_MAKE_SYSTEM(name) systems::name(),
  static const std::vector<SystemSpec> specs{STRIDER_EACH_SYSTEM(STRIDER_MAKE_SYSTEM)};
#undef STRIDER_MAKE_SYSTEM
  return specs;
}

const SystemSpec& system_spec(const std::string& key) {
  for (const SystemSpec& spec : system_specs()) {
    if (spec.key == key) return spec;
  }
  throw InputError("unknown system '" + key + "' (known: " + system_keys_text() + ")");
}

std::string system_keys_text() {
  std::string known;
  for (const SystemSpec& spec : system_specs()) known += (known.empty() ? "" : ", ") + spec.key;
  return known;
}

}  // namespace strider
