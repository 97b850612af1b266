#pragma once
// A multilayer perceptron: Linear, then (LeakyReLU, Linear) repeated; no
// activation after the last layer. Private to engine/src/policy.
//
// value(k) is the input of layer k (k = 0 .. layers()); value(layers()) is the
// output. The caller writes value(0) (so a concatenation can be built in
// place) and calls forward(). A caller that computes some layers itself (to
// gather or aggregate between them, see strider_policy.cpp) runs a sub-range
// [begin, end) of the layers and uses activate() / activation_backward() at
// the seams. Every value is kept for backward().
#include <Eigen/Core>
#include <vector>

#include "leaky_relu.hpp"
#include "linear.hpp"
#include "strider/random.hpp"

namespace strider {
enum class Initialisation : int;  // policy.hpp
}  // namespace strider

namespace strider::nn {

class Mlp {
 public:
  // sizes: {in, hidden..., out} (at least two entries); parameters from offset on,
  // layer after layer (each Linear's W then b).
  Mlp(const std::vector<int>& sizes, int offset, double slope);

  int in() const { return layers_.front().in(); }
  int out() const { return layers_.back().out(); }
  int size() const;  // number of parameters
  int layer_count() const { return static_cast<int>(layers_.size()); }
  const std::vector<Linear>& layers() const { return layers_; }

  // The input of layer k (rows: its in()), k = 0 .. layer_count().
  Eigen::MatrixXd& value(int k) { return values_[static_cast<size_t>(k)]; }
  const Eigen::MatrixXd& value(int k) const { return values_[static_cast<size_t>(k)]; }
  Eigen::MatrixXd& input() { return values_.front(); }
  const Eigen::MatrixXd& output() const { return values_.back(); }
  // Exchanges every value(k) with `other` (resized to layer_count() + 1
  // first; O(1)): a caller that keeps forwards for their backward
  // (StriderPolicy::keep_forward).
  void swap_values(std::vector<Eigen::MatrixXd>& other) {
    other.resize(values_.size());
    values_.swap(other);
  }

  // Layers [begin, end) (end < 0: to the last), each output activated unless it
  // is the MLP's output; reads value(begin), returns value(end).
  const Eigen::MatrixXd& forward(const double* params, int begin = 0, int end = -1);
  // dY: d loss / d value(end) for the last forward. Backward through layers
  // [begin, end): adds the parameter gradients into grad; sets dX = d loss /
  // d value(begin) when not null (dX = dY for an empty range).
  void backward(const double* params, double* grad, const Eigen::MatrixXd& dY, Eigen::MatrixXd* dX, int begin = 0,
                int end = -1);
  // For a caller that computed layer k-1 itself into value(k), 1 <= k < layer_count():
  // the activation in place, and its backward (delta: d loss / d value(k) ->
  // d loss / d the raw output of layer k-1).
  void activate(int k) { activation_.forward(value(k)); }
  void activation_backward(int k, Eigen::MatrixXd& delta) const { activation_.backward(value(k), delta); }
  // Every layer in order (strider::Initialisation, policy.hpp). he: Linear::initialise
  // with the gain that keeps the activations' variance through the depth,
  // sqrt(2 / (1 + slope^2)) before a Leaky ReLU (He et al. 2015) and 1 for the
  // last layer; torch: torch.nn.Linear's default; lecun: Linear::initialise_lecun.
  void initialise(double* params, Random& rng, Initialisation initialisation) const;

 private:
  std::vector<Linear> layers_;
  LeakyRelu activation_;
  std::vector<Eigen::MatrixXd> values_;
  Eigen::MatrixXd delta_, next_delta_;
};

}  // namespace strider::nn
