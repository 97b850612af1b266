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

// The result of one potential evaluation.
// energy: total energy (system energy unit); forces: 3 x N; per_atom: N,
// split as LAMMPS splits it (pair terms half to each atom, three-body terms a
// third to each of the three atoms), so per_atom.sum() == energy.
struct Evaluation {
  double energy = 0.0;
  Eigen::Matrix3Xd forces;
  Eigen::VectorXd per_atom;

  // Sets every quantity to zero for n atoms (reusing storage).
  void reset(int n);
};

}  // namespace strider
