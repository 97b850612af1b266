// The Gaussian policy's action: a_v ~ N(mu_v, alpha I).
#include <cmath>

#include "strider/policy.hpp"

namespace strider {

Eigen::Matrix3Xd sample_action(const Eigen::Matrix3Xd& mu, double variance, Random& rng) {
  const double std_dev = std::sqrt(variance);
  Eigen::Matrix3Xd action(3, mu.cols());
  for (Eigen::Index i = 0; i < mu.cols(); ++i)
    for (int a = 0; a < 3; ++a) action(a, i) = mu(a, i) + std_dev * rng.normal();
  return action;
}

}  // namespace strider
