#include "leaky_relu.hpp"

namespace strider::nn {

void LeakyRelu::forward(Eigen::MatrixXd& X) const {
  X = X.cwiseMax(slope_ * X);  // slope in (0, 1): the larger of x and slope x
}

void LeakyRelu::backward(const Eigen::MatrixXd& Y, Eigen::MatrixXd& dY) const {
  dY = (Y.array() > 0.0).select(dY, slope_ * dY);
}

}  // namespace strider::nn
