#include "graph_ops.hpp"

namespace strider::nn {

void gather_add(const Eigen::MatrixXd& H, const std::vector<int>& index, Eigen::MatrixXd& Y) {
  for (size_t k = 0; k < index.size(); ++k) Y.col(static_cast<Eigen::Index>(k)) += H.col(index[k]);
}

void gather_backward(const Eigen::Ref<const Eigen::MatrixXd>& dY, const std::vector<int>& index, Eigen::MatrixXd& dH) {
  for (size_t k = 0; k < index.size(); ++k) dH.col(index[k]) += dY.col(static_cast<Eigen::Index>(k));
}

ScatterMean::ScatterMean(const std::vector<int>& index, int n) : index_(index), inverse_count_(Eigen::VectorXd::Zero(n)) {
  for (int v : index_) inverse_count_[v] += 1.0;
  for (int v = 0; v < n; ++v) {
    if (inverse_count_[v] > 0.0) inverse_count_[v] = 1.0 / inverse_count_[v];
  }
}

void ScatterMean::forward(const Eigen::MatrixXd& M, Eigen::Ref<Eigen::MatrixXd> Y) const {
  Y.setZero();
  for (size_t k = 0; k < index_.size(); ++k) Y.col(index_[k]) += M.col(static_cast<Eigen::Index>(k));
  Y = Y * inverse_count_.asDiagonal();
}

void ScatterMean::backward(const Eigen::Ref<const Eigen::MatrixXd>& dY, Eigen::MatrixXd& dM) const {
  for (size_t k = 0; k < index_.size(); ++k) {
    const int v = index_[k];
    dM.col(static_cast<Eigen::Index>(k)) += dY.col(v) * inverse_count_[v];
  }
}

}  // namespace strider::nn
