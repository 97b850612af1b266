#pragma once
// An atomic configuration: positions, species and the box.
#include <Eigen/Core>
#include <string>
#include <vector>

#include "strider/box.hpp"

namespace strider {

// positions: 3 x N (one column per atom), in the system's length unit.
// species:   N indices into the potential's species list (0-based).
// previous_displacement: the learned policy's last step a_{t-1} that led here
// (3 x N, length unit), read only by the graph feature set `forces`
// (graph.hpp); empty means none (a structure read from a file). Rollouts set
// it (rl.hpp), so a state a policy step reached carries it into the next episode.
struct System {
  Eigen::Matrix3Xd positions;
  std::vector<int> species;
  Box box;
  Eigen::Matrix3Xd previous_displacement;

  int size() const { return static_cast<int>(positions.cols()); }
};

// Moves every atom into the box along its periodic axes.
void wrap_positions(System& system);

}  // namespace strider
