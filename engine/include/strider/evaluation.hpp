#pragma once
// What one evaluation of a potential returns.
#include <Eigen/Core>

namespace strider {

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
