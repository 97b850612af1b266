#include "mlp.hpp"

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

const Eigen::MatrixXd& Mlp::forward(const double* params) {
  for (size_t k = 0; k < layers_.size(); ++k) {
    layers_[k].forward(params, values_[k], values_[k + 1]);
    if (k + 1 < layers_.size()) activation_.forward(values_[k + 1]);
  }
  return values_.back();
}

void Mlp::backward(const double* params, double* grad, const Eigen::MatrixXd& dY, Eigen::MatrixXd* dX) {
  delta_ = dY;
  for (size_t k = layers_.size(); k-- > 0;) {
    if (k + 1 < layers_.size()) activation_.backward(values_[k + 1], delta_);
    if (k == 0) {
      layers_[k].backward(params, grad, values_[k], delta_, dX);
    } else {
      layers_[k].backward(params, grad, values_[k], delta_, &next_delta_);
      delta_.swap(next_delta_);
    }
  }
}

void Mlp::initialise(double* params, Random& rng) const {
  for (const Linear& layer : layers_) layer.initialise(params, rng);
}

}  // namespace strider::nn
