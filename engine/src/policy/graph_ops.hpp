#pragma once
// Moving features between nodes and edges. Private to engine/src/policy.
//   gather:       edge k takes the column of node index[k]  (nodes -> edges)
//   scatter-mean: node v takes the mean of the columns of the edges k with
//                 index[k] == v, zero when there are none     (edges -> nodes)
// Both are linear; each backward is the transposed map.
#include <Eigen/Core>
#include <vector>

namespace strider::nn {

// H: rows x n; Y (rows x E) with Y(:, k) = H(:, index[k]).
void gather(const Eigen::MatrixXd& H, const std::vector<int>& index, Eigen::Ref<Eigen::MatrixXd> Y);
// Y(:, k) += H(:, index[k]) (Y: rows x E, accumulated).
void gather_add(const Eigen::MatrixXd& H, const std::vector<int>& index, Eigen::MatrixXd& Y);
// dY: rows x E; dH(:, index[k]) += dY(:, k) for every k (dH: rows x n, accumulated).
// The backward of gather and of gather_add.
void gather_backward(const Eigen::Ref<const Eigen::MatrixXd>& dY, const std::vector<int>& index, Eigen::MatrixXd& dH);

class ScatterMean {
 public:
  ScatterMean() = default;
  // index: E node indices in [0, n).
  ScatterMean(const std::vector<int>& index, int n);

  int nodes() const { return static_cast<int>(inverse_count_.size()); }
  // n: 1 for a node with at least one edge, else 0.
  Eigen::VectorXd has_edges() const { return (inverse_count_.array() > 0.0).cast<double>(); }

  // M: rows x E -> Y: rows x n (a block of a larger matrix, overwritten).
  void forward(const Eigen::MatrixXd& M, Eigen::Ref<Eigen::MatrixXd> Y) const;
  // dY: rows x n; dM(:, k) += dY(:, index[k]) / count[index[k]] (dM: rows x E, accumulated).
  void backward(const Eigen::Ref<const Eigen::MatrixXd>& dY, Eigen::MatrixXd& dM) const;

 private:
  std::vector<int> index_;
  Eigen::VectorXd inverse_count_;  // n: 1 / number of edges into each node (0 for none)
};

}  // namespace strider::nn
