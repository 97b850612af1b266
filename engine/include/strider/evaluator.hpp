#pragma once
// A potential together with the neighbour list it needs: the one object
// optimisers and front ends call to get energies and forces.
#include <memory>

#include "strider/neighbor_list.hpp"
#include "strider/potential.hpp"

namespace strider {

class Evaluator {
 public:
  // skin: Verlet skin (length unit); negative picks 10% of the cutoff.
  // The neighbour list is rebuilt only when an atom moved more than skin/2.
  explicit Evaluator(std::unique_ptr<Potential> potential, double skin = -1.0);

  // Energy, forces and per-atom energies of `system`; the reference stays
  // valid until the next call.
  const Evaluation& evaluate(const System& system);
  // -d/dx sum_i weights[i] e_i (3 x N; Potential::weighted_forces) at
  // `system`. Counted as an evaluation: it costs one.
  Eigen::Matrix3Xd weighted_forces(const System& system, const Eigen::VectorXd& weights);

  const Potential& potential() const { return *potential_; }
  // The list over the atoms in spatial order (its atom indices are not the
  // system's: see sorted_).
  const NeighborList& neighbor_list() const { return sorted_list_; }
  long evaluations() const { return evaluations_; }

 private:
  // Checks the species, sorts `system` into sorted_ (re-sorting at a list
  // build) and brings sorted_list_ up to date.
  void prepare(const System& system);

  std::unique_ptr<Potential> potential_;
  // The potential runs on a copy of the system with its atoms sorted by
  // neighbour-list cell (atom p of sorted_ is atom order_[p] of the caller's
  // system), re-sorted at every list build, so that the force loops read and
  // write memory in order at any N; results go back to the caller's order.
  std::vector<int> order_;
  System sorted_;
  NeighborList sorted_list_;
  Evaluation sorted_result_;
  Evaluation result_;
  long evaluations_ = 0;
};

}  // namespace strider
