#pragma once
// The quadratic bowl, a test potential whose minimum and forces are known exactly:
// E = 1/2 sum_i k_i |x_i - c_i|^2 in a free box (one species "X", mass 1).
// centres: 3 x N (length); k: N spring constants, or one for every atom.
#include <Eigen/Core>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "strider/potential.hpp"

class Bowl : public strider::Potential {
 public:
  Bowl(Eigen::Matrix3Xd centres, Eigen::VectorXd k) : centres_(std::move(centres)), k_(std::move(k)) {}
  Bowl(Eigen::Matrix3Xd centres, double k) : Bowl(centres, Eigen::VectorXd::Constant(centres.cols(), k)) {}
  double cutoff() const override { return std::numeric_limits<double>::infinity(); }
  const std::vector<std::string>& species_names() const override { return names_; }
  std::vector<double> masses() const override { return {1.0}; }
  void compute(const strider::System& system, const strider::NeighborList&, strider::Evaluation& out) const override {
    out.reset(system.size());
    for (int i = 0; i < system.size(); ++i) {
      const Eigen::Vector3d d = system.positions.col(i) - centres_.col(i);
      out.per_atom[i] = 0.5 * k_[i] * d.squaredNorm();
      out.energy += out.per_atom[i];
      out.forces.col(i) = -k_[i] * d;
    }
  }

 private:
  Eigen::Matrix3Xd centres_;
  Eigen::VectorXd k_;
  std::vector<std::string> names_{"X"};
};
