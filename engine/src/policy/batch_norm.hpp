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
#include <utility>

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

  // What backward() reads of one forward, and the batch statistics that
  // forward added to the running ones (training mode).
  struct Activations {
    bool training = false;
    Eigen::MatrixXd normalised;  // F x n: (x - mean) / sqrt(var + eps)
    Eigen::VectorXd inv_std;     // F: 1 / sqrt(var + eps)
    Eigen::VectorXd mean, var;   // F: the batch mean and biased variance (training mode; else empty)
    Eigen::Index count = 0;      // n
  };
  // Exchanges the last forward's activations with `other` (O(1)): a caller
  // that keeps forwards for their backward (StriderPolicy::keep_forward).
  void swap_activations(Activations& other) { std::swap(last_, other); }
  const Activations& activations() const { return last_; }
  // In training mode, adds the last forward's batch statistics to the
  // running ones again, bit for bit what repeating that forward would add.
  void repeat_running_update();

  Eigen::VectorXd running_mean;  // F
  Eigen::VectorXd running_var;   // F

 private:
  int features_, offset_;
  double momentum_, eps_;
  Activations last_;
};

}  // namespace strider::nn
