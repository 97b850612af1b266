#pragma once
// Leaky ReLU, applied in place: y = x for x > 0, slope * x otherwise.
// Private to engine/src/policy.
#include <Eigen/Core>

namespace strider::nn {

class LeakyRelu {
 public:
  explicit LeakyRelu(double slope) : slope_(slope) {}
  double slope() const { return slope_; }

  // X (any shape) <- leaky_relu(X).
  void forward(Eigen::MatrixXd& X) const;
  // Y: the forward output (same shape as dY); dY <- dY * leaky_relu'(x),
  // read from the sign of y (y > 0 exactly when x > 0, since slope > 0).
  void backward(const Eigen::MatrixXd& Y, Eigen::MatrixXd& dY) const;

 private:
  double slope_;
};

}  // namespace strider::nn
