#pragma once
// Simulation cell: orthorhombic, periodic or free along each axis.
#include <Eigen/Core>
#include <array>

namespace strider {

// An orthorhombic box [lo, lo + length) with per-axis periodicity.
// A free axis (periodic = false) has no images; its length only records the
// extent a file gave (it may be zero). Units are the system's length unit.
struct Box {
  Eigen::Vector3d lo = Eigen::Vector3d::Zero();
  Eigen::Vector3d length = Eigen::Vector3d::Zero();
  std::array<bool, 3> periodic{false, false, false};

  // A free box (a cluster in vacuum).
  static Box free();
  // A cubic periodic box of edge L, with lo at the origin.
  static Box cubic(double L);
  // An orthorhombic periodic box with edges (Lx, Ly, Lz), lo at the origin.
  static Box orthorhombic(const Eigen::Vector3d& lengths);

  bool any_periodic() const { return periodic[0] || periodic[1] || periodic[2]; }
  // Volume of the periodic box (product of the three lengths).
  double volume() const { return length.prod(); }
  // The position moved into the box along its periodic axes (free axes untouched).
  Eigen::Vector3d wrap(const Eigen::Vector3d& x) const;
};

}  // namespace strider
