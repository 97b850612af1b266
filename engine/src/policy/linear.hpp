#pragma once
// A fully connected layer, y = W x + b for every column x. Private to engine/src/policy.
//
// Parameters live in the policy's flat vector at offset(): W (out x in) in
// row-major order (as torch.nn.Linear.weight is stored), then b (out).
// The layer holds no activations: its owner passes the forward input back to
// backward().
#include <Eigen/Core>

#include "strider/random.hpp"

namespace strider::nn {

class Linear {
 public:
  using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  Linear(int in, int out, int offset) : in_(in), out_(out), offset_(offset) {}

  int in() const { return in_; }
  int out() const { return out_; }
  int offset() const { return offset_; }
  int size() const { return out_ * in_ + out_; }

  // W (out x in) and b (out) inside a flat vector laid out like the
  // parameters: the parameters themselves, or their gradient.
  Eigen::Map<const RowMajorMatrix> weight(const double* flat) const { return {flat + offset_, out_, in_}; }
  Eigen::Map<RowMajorMatrix> weight(double* flat) const { return {flat + offset_, out_, in_}; }
  Eigen::Map<const Eigen::VectorXd> bias(const double* flat) const { return {flat + offset_ + out_ * in_, out_}; }
  Eigen::Map<Eigen::VectorXd> bias(double* flat) const { return {flat + offset_ + out_ * in_, out_}; }

  // X: in x n  ->  Y: out x n.
  void forward(const double* params, const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) const;
  // X: the forward input (in x n); dY: out x n. Adds dL/dW = dY X^T and
  // dL/db = row sums of dY into grad (same layout as params); sets
  // dX = W^T dY (in x n) when dX is not null.
  void backward(const double* params, double* grad, const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY,
                Eigen::MatrixXd* dX) const;
  // The share of input rows [first, first + count) in W x, for an input that is
  // a row-wise concatenation: Y (out x n) = W[:, first : first + count] X (+ b
  // when with_bias), X: count x n. Lets a caller apply the layer to one block
  // of the concatenation before gathering it (linear maps commute with gathers).
  void forward_columns(const double* params, int first, int count, const Eigen::MatrixXd& X, Eigen::MatrixXd& Y,
                       bool with_bias) const;
  // Its backward: adds dY X^T into those columns of dL/dW (and row sums of dY
  // into dL/db when with_bias); sets dX = W[:, first : first + count]^T dY when not null.
  void backward_columns(const double* params, double* grad, int first, int count, const Eigen::MatrixXd& X,
                        const Eigen::MatrixXd& dY, Eigen::MatrixXd* dX, bool with_bias) const;
  // Parameters drawn in storage order. gain <= 0: W and b uniform in
  // +-1/sqrt(in) (torch.nn.Linear's default). gain > 0: W uniform in
  // +-gain sqrt(3/in) (variance gain^2 / in), b = 0.
  void initialise(double* params, Random& rng, double gain) const;
  // W normal truncated at +-2 standard deviations and scaled to variance 1/in
  // (flax's lecun_normal), drawn in storage order; b = 0.
  void initialise_lecun(double* params, Random& rng) const;

 private:
  int in_, out_, offset_;
};

}  // namespace strider::nn
