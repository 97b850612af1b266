#include "mlp.hpp"

#include <cmath>

#include "strider/policy.hpp"

namespace strider::nn {

Mlp::Mlp(const std::vector<int>& sizes, int offset, double slope) : activation_(slope) {
  for (size_t k = 0; k + 1 < sizes.size(); ++k) {
    layers_.emplace_back(sizes[k], sizes[k + 1], offset);
    offset += layers_.back().size();
  }
  values_.resize(layers_.size() + 1);
}

int Mlp::size() const {
  int total = 0;
  for (const Linear& layer : layers_) total += layer.size();
  return total;
}

const Eigen::MatrixXd& Mlp::forward(const double* params, int begin, int end) {
  if (end < 0) end = layer_count();
  for (int k = begin; k < end; ++k) {
    layers_[static_cast<size_t>(k)].forward(params, value(k), value(k + 1));
    if (k + 1 < layer_count()) activate(k + 1);
  }
  return value(end);
}

void Mlp::backward(const double* params, double* grad, const Eigen::MatrixXd& dY, Eigen::MatrixXd* dX, int begin,
                   int end) {
  if (end < 0) end = layer_count();
  delta_ = dY;
  for (int k = end - 1; k >= begin; --k) {
    if (k + 1 < layer_count()) activation_backward(k + 1, delta_);
    layers_[static_cast<size_t>(k)].backward(params, grad, value(k), delta_, &next_delta_);
    delta_.swap(next_delta_);
  }
  if (dX) *dX = delta_;  // a copy: the caller's buffer and delta_ both keep their storage
}

void Mlp::initialise(double* params, Random& rng, Initialisation initialisation) const {
  const double slope = activation_.slope();
  const double leaky_gain = std::sqrt(2.0 / (1.0 + slope * slope));
  for (size_t k = 0; k < layers_.size(); ++k) {
    if (initialisation == Initialisation::lecun) {
      layers_[k].initialise_lecun(params, rng);
      continue;
    }
    const bool he = initialisation == Initialisation::he;
    const double gain = !he ? 0.0 : k + 1 < layers_.size() ? leaky_gain : 1.0;
    layers_[k].initialise(params, rng, gain);
  }
}

}  // namespace strider::nn
