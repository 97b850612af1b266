#include "linear.hpp"

#include <cmath>

namespace strider::nn {

namespace {
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Columns = Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>>;
using GradColumns = Eigen::Map<RowMajor, 0, Eigen::OuterStride<>>;
}  // namespace

void Linear::forward(const double* params, const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) const {
  Eigen::Map<const RowMajor> W(params + offset_, out_, in_);
  Eigen::Map<const Eigen::VectorXd> b(params + offset_ + out_ * in_, out_);
  Y.resize(out_, X.cols());
  Y.colwise() = b;  // then accumulate: one pass fewer than a product (which zeroes Y first) plus a bias pass
  Y.noalias() += W * X;
}

void Linear::backward(const double* params, double* grad, const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY,
                      Eigen::MatrixXd* dX) const {
  Eigen::Map<RowMajor> gW(grad + offset_, out_, in_);
  Eigen::Map<Eigen::VectorXd> gb(grad + offset_ + out_ * in_, out_);
  gW.noalias() += dY * X.transpose();
  gb += dY.rowwise().sum();
  if (dX) {
    Eigen::Map<const RowMajor> W(params + offset_, out_, in_);
    dX->resize(in_, dY.cols());
    dX->noalias() = W.transpose() * dY;
  }
}

void Linear::forward_columns(const double* params, int first, int count, const Eigen::MatrixXd& X,
                             Eigen::MatrixXd& Y, bool with_bias) const {
  Columns W(params + offset_ + first, out_, count, Eigen::OuterStride<>(in_));
  Y.resize(out_, X.cols());
  if (with_bias) {
    Y.colwise() = Eigen::Map<const Eigen::VectorXd>(params + offset_ + out_ * in_, out_);
    Y.noalias() += W * X;
  } else {
    Y.noalias() = W * X;
  }
}

void Linear::backward_columns(const double* params, double* grad, int first, int count, const Eigen::MatrixXd& X,
                              const Eigen::MatrixXd& dY, Eigen::MatrixXd* dX, bool with_bias) const {
  GradColumns gW(grad + offset_ + first, out_, count, Eigen::OuterStride<>(in_));
  gW.noalias() += dY * X.transpose();
  if (with_bias) Eigen::Map<Eigen::VectorXd>(grad + offset_ + out_ * in_, out_) += dY.rowwise().sum();
  if (dX) {
    Columns W(params + offset_ + first, out_, count, Eigen::OuterStride<>(in_));
    dX->resize(count, dY.cols());
    dX->noalias() = W.transpose() * dY;
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
