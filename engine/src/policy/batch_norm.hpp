#pragma once
// Batch normalisation over the columns (the atoms of one graph), per feature
// row, as torch.nn.BatchNorm1d computes it. Private to engine/src/policy.
//
// Parameters at offset(): gamma (F), then beta (F). Running statistics are
// state, not parameters (they are saved in the weight file).
//   training: y = gamma (x - m) / sqrt(v + eps) + beta with the batch mean m
//             and biased variance v; then running_mean += momentum (m - running_mean),
//             running_var += momentum (v n/(n-1) - running_var) (unbiased; v when n = 1).
//   eval:     the same with running_mean and running_var in place of m and v.
#include <Eigen/Core>

namespace strider::nn {

class BatchNorm {
 public:
  BatchNorm(int features, int offset, double momentum, double eps);

  int features() const { return features_; }
  int offset() const { return offset_; }
  int size() const { return 2 * features_; }
  double momentum() const { return momentum_; }
  double eps() const { return eps_; }

  // X: F x n -> Y: F x n. Remembers what backward() needs.
  void forward(const double* params, const Eigen::MatrixXd& X, Eigen::MatrixXd& Y, bool training);
  // dY: F x n for the last forward. Adds dL/dgamma, dL/dbeta into grad; sets
  // dX (F x n) when not null (through the batch statistics in training mode).
  void backward(const double* params, double* grad, const Eigen::MatrixXd& dY, Eigen::MatrixXd* dX) const;
  // gamma = 1, beta = 0; running mean 0, running variance 1.
  void initialise(double* params);

  Eigen::VectorXd running_mean;  // F
  Eigen::VectorXd running_var;   // F

 private:
  int features_, offset_;
  double momentum_, eps_;
  bool training_ = false;
  Eigen::MatrixXd normalised_;  // F x n: (x - mean) / sqrt(var + eps)
  Eigen::VectorXd inv_std_;     // F: 1 / sqrt(var + eps)
};

}  // namespace strider::nn
