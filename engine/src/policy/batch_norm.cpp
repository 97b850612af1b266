#include "batch_norm.hpp"

namespace strider::nn {

BatchNorm::BatchNorm(int features, int offset, double momentum, double eps)
    : running_mean(Eigen::VectorXd::Zero(features)),
      running_var(Eigen::VectorXd::Ones(features)),
      features_(features),
      offset_(offset),
      momentum_(momentum),
      eps_(eps) {}

void BatchNorm::forward(const double* params, const Eigen::MatrixXd& X, Eigen::MatrixXd& Y, bool training) {
  Eigen::Map<const Eigen::VectorXd> gamma(params + offset_, features_);
  Eigen::Map<const Eigen::VectorXd> beta(params + offset_ + features_, features_);
  const Eigen::Index n = X.cols();
  Activations& a = last_;
  a.training = training;
  a.count = n;
  if (training && n > 0) {
    a.mean = X.rowwise().mean();
    a.normalised = X.colwise() - a.mean;
    a.var = a.normalised.rowwise().squaredNorm() / static_cast<double>(n);
    repeat_running_update();
    a.inv_std = (a.var.array() + eps_).rsqrt();
  } else {
    a.mean.resize(0);
    a.var.resize(0);
    a.normalised = X.colwise() - running_mean;
    a.inv_std = (running_var.array() + eps_).rsqrt();
  }
  a.normalised = a.inv_std.asDiagonal() * a.normalised;
  Y.resize(features_, n);
  Y = gamma.asDiagonal() * a.normalised;
  Y.colwise() += beta;
}

void BatchNorm::repeat_running_update() {
  const Activations& a = last_;
  if (!a.training || a.count == 0) return;
  const Eigen::Index n = a.count;
  const double unbiased = n > 1 ? static_cast<double>(n) / static_cast<double>(n - 1) : 1.0;
  running_mean += momentum_ * (a.mean - running_mean);
  running_var += momentum_ * (unbiased * a.var - running_var);
}

void BatchNorm::backward(const double* params, double* grad, const Eigen::MatrixXd& dY, Eigen::MatrixXd* dX) const {
  Eigen::Map<const Eigen::VectorXd> gamma(params + offset_, features_);
  Eigen::Map<Eigen::VectorXd> g_gamma(grad + offset_, features_);
  Eigen::Map<Eigen::VectorXd> g_beta(grad + offset_ + features_, features_);
  const Eigen::MatrixXd& normalised = last_.normalised;
  g_gamma += dY.cwiseProduct(normalised).rowwise().sum();
  g_beta += dY.rowwise().sum();
  if (!dX) return;
  const Eigen::VectorXd scale = gamma.cwiseProduct(last_.inv_std);
  if (!last_.training || dY.cols() == 0) {
    *dX = scale.asDiagonal() * dY;  // statistics are constants
    return;
  }
  // x_hat = (x - mean) inv_std with mean and var from this batch:
  // dx = gamma inv_std (dy - mean(dy) - x_hat mean(dy x_hat)).
  const double inv_n = 1.0 / static_cast<double>(dY.cols());
  const Eigen::VectorXd mean_dy = dY.rowwise().sum() * inv_n;
  const Eigen::VectorXd mean_dy_xhat = dY.cwiseProduct(normalised).rowwise().sum() * inv_n;
  Eigen::MatrixXd centred = dY.colwise() - mean_dy;
  centred -= mean_dy_xhat.asDiagonal() * normalised;
  *dX = scale.asDiagonal() * centred;
}

void BatchNorm::initialise(double* params) {
  Eigen::Map<Eigen::VectorXd>(params + offset_, features_).setOnes();
  Eigen::Map<Eigen::VectorXd>(params + offset_ + features_, features_).setZero();
  running_mean.setZero();
  running_var.setOnes();
}

}  // namespace strider::nn
