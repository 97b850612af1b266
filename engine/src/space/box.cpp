#include "strider/box.hpp"

#include <cmath>

namespace strider {

Box Box::free() { return Box{}; }

Box Box::cubic(double L) { return orthorhombic(Eigen::Vector3d::Constant(L)); }

Box Box::orthorhombic(const Eigen::Vector3d& lengths) {
  Box box;
  box.length = lengths;
  box.periodic = {true, true, true};
  return box;
}

Eigen::Vector3d Box::wrap(const Eigen::Vector3d& x) const {
  Eigen::Vector3d y = x;
  for (int a = 0; a < 3; ++a) {
    if (!periodic[a]) continue;
    double s = (x[a] - lo[a]) / length[a];
    y[a] = x[a] - std::floor(s) * length[a];
    if (y[a] >= lo[a] + length[a]) y[a] -= length[a];  // rounding at the upper face
  }
  return y;
}

}  // namespace strider
