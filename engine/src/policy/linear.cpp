#include "linear.hpp"

#include <cmath>
#include <stdexcept>

#include "dense.hpp"

namespace strider::nn {

// Every product below is dense::multiply_add (the same bits on every CPU). W
// (out x in, row-major) starts at params + offset_; its columns [first, first
// + count) are the view {W + first, in_, 1}, their transpose {W + first, 1, in_}.

void Linear::forward(const double* params, const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) const {
  forward_columns(params, 0, in_, X, Y, true);
}

void Linear::backward(const double* params, double* grad, const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY,
                      Eigen::MatrixXd* dX) const {
  backward_columns(params, grad, 0, in_, X, dY, dX, true);
}

void Linear::forward_columns(const double* params, int first, int count, const Eigen::MatrixXd& X,
                             Eigen::MatrixXd& Y, bool with_bias) const {
  if (X.rows() != count) throw std::logic_error("Linear: input rows do not match the layer's columns");
  Y.resize(out_, X.cols());
  if (with_bias) {
    Y.colwise() = Eigen::Map<const Eigen::VectorXd>(params + offset_ + out_ * in_, out_);
  } else {
    Y.setZero();
  }
  const int n = static_cast<int>(X.cols());
  dense::multiply_add(out_, n, count, {params + offset_ + first, in_, 1}, dense::view_of(X), Y.data(), out_);
}

void Linear::backward_columns(const double* params, double* grad, int first, int count, const Eigen::MatrixXd& X,
                              const Eigen::MatrixXd& dY, Eigen::MatrixXd* dX, bool with_bias) const {
  if (X.rows() != count || dY.rows() != out_ || dY.cols() != X.cols()) {
    throw std::logic_error("Linear: backward shapes do not match the layer");
  }
  const int n = static_cast<int>(X.cols());
  // dW^T (count x out, column-major with leading dimension in) += X dY^T.
  dense::multiply_add(count, out_, n, dense::view_of(X), dense::transpose_of(dY), grad + offset_ + first, in_);
  if (with_bias) Eigen::Map<Eigen::VectorXd>(grad + offset_ + out_ * in_, out_) += dY.rowwise().sum();
  if (dX) {
    dX->setZero(count, n);
    dense::multiply_add(count, n, out_, {params + offset_ + first, 1, in_}, dense::view_of(dY), dX->data(), count);
  }
}

void Linear::initialise(double* params, Random& rng, double gain) const {
  const double fan_in = static_cast<double>(in_);
  if (gain <= 0.0) {
    const double bound = 1.0 / std::sqrt(fan_in);
    for (int k = 0; k < size(); ++k) params[offset_ + k] = bound * (2.0 * rng.uniform() - 1.0);
    return;
  }
  const double bound = gain * std::sqrt(3.0 / fan_in);
  for (int k = 0; k < out_ * in_; ++k) params[offset_ + k] = bound * (2.0 * rng.uniform() - 1.0);
  bias(params).setZero();
}

void Linear::initialise_lecun(double* params, Random& rng) const {
  // The standard deviation of a standard normal truncated to [-2, 2].
  constexpr double kTruncatedStd = 0.87962566103423978;
  const double scale = 1.0 / (std::sqrt(static_cast<double>(in_)) * kTruncatedStd);
  for (int k = 0; k < out_ * in_; ++k) {
    double z = rng.normal();
    while (!(std::abs(z) < 2.0)) z = rng.normal();
    params[offset_ + k] = scale * z;
  }
  bias(params).setZero();
}

}  // namespace strider::nn
