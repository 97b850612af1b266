#include "strider/system.hpp"

namespace strider {

void wrap_positions(System& system) {
  if (!system.box.any_periodic()) return;
  for (int i = 0; i < system.size(); ++i) system.positions.col(i) = system.box.wrap(system.positions.col(i));
}

}  // namespace strider
