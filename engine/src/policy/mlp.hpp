#pragma once
// A multilayer perceptron: Linear, then (LeakyReLU, Linear) repeated; no
// activation after the last layer. Private to engine/src/policy.
//
// The caller writes the input into input() (so a concatenation can be built
// in place), then calls forward(); the MLP keeps every layer's input for
// backward().
#include <Eigen/Core>
#include <vector>

#include "leaky_relu.hpp"
#include "linear.hpp"
#include "strider/random.hpp"

namespace strider::nn {

class Mlp {
 public:
  // sizes: {in, hidden..., out} (at least two entries); parameters from offset on,
  // layer after layer (each Linear's W then b).
  Mlp(const std::vector<int>& sizes, int offset, double slope);

  int in() const { return layers_.front().in(); }
  int out() const { return layers_.back().out(); }
  int size() const;  // number of parameters
  const std::vector<Linear>& layers() const { return layers_; }

  // The input (in x n) of the next forward().
  Eigen::MatrixXd& input() { return values_.front(); }
  // The output (out x n) for input().
  const Eigen::MatrixXd& forward(const double* params);
  const Eigen::MatrixXd& output() const { return values_.back(); }
  // dY: out x n for the last forward. Adds the parameter gradients into grad;
  // sets dX (in x n) when not null.
  void backward(const double* params, double* grad, const Eigen::MatrixXd& dY, Eigen::MatrixXd* dX);
  // Every layer as Linear::initialise does, in order.
  void initialise(double* params, Random& rng) const;

 private:
  std::vector<Linear> layers_;
  LeakyRelu activation_;
  std::vector<Eigen::MatrixXd> values_;  // values_[k]: input of layer k; values_.back(): the output
  Eigen::MatrixXd delta_, next_delta_;
};

}  // namespace strider::nn
