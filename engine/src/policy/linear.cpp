#include "linear.hpp"

#include <cmath>

namespace strider::nn {

namespace {
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}  // namespace

void Linear::forward(const double* params, const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) const {
  Eigen::Map<const RowMajor> W(params + offset_, out_, in_);
  Eigen::Map<const Eigen::VectorXd> b(params + offset_ + out_ * in_, out_);
  Y.resize(out_, X.cols());
  Y.noalias() = W * X;
  Y.colwise() += b;
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

void Linear::initialise(double* params, Random& rng) const {
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_));
  for (int k = 0; k < size(); ++k) params[offset_ + k] = bound * (2.0 * rng.uniform() - 1.0);
}

}  // namespace strider::nn
