#pragma once
// Moving features between nodes and edges. Private to engine/src/policy.
//   gather:       edge k adds the column of node index[k]   (nodes -> edges)
//   scatter-mean: node v takes the mean of the columns of the edges k with
//                 index[k] == v, zero when there are none     (edges -> nodes)
// Both are linear; each backward is the transposed map.
#include <Eigen/Core>
#include <cstddef>
#include <vector>

namespace strider::nn {

// H: rows x n; Y(:, k) += H(:, index[k]) for k < index.size() (Y: rows x E or wider, accumulated).
void gather_add(const Eigen::MatrixXd& H, const std::vector<int>& index, Eigen::MatrixXd& Y);
// Its backward: dH(:, index[k]) += dY(:, k) for every k (dH: rows x n, accumulated).
void gather_backward(const Eigen::Ref<const Eigen::MatrixXd>& dY, const std::vector<int>& index, Eigen::MatrixXd& dH);

class ScatterMean {
 public:
  ScatterMean() = default;
  // index: E node indices in [0, n).
  ScatterMean(const std::vector<int>& index, int n);

  int nodes() const { return static_cast<int>(inverse_count_.size()); }
  // n: 1 for a node with at least one edge, else 0.
  Eigen::VectorXd has_edges() const { return (inverse_count_.array() > 0.0).cast<double>(); }

  // M: rows x E (or wider: later columns are ignored) -> Y: rows x n (may be a block, overwritten).
  void forward(const Eigen::MatrixXd& M, Eigen::Ref<Eigen::MatrixXd> Y) const;
  // dY: rows x n; dM(:, k) += dY(:, index[k]) / count[index[k]] (dM: rows x E, accumulated).
  void backward(const Eigen::Ref<const Eigen::MatrixXd>& dY, Eigen::MatrixXd& dM) const;
  // Bytes this map holds (its index and counts).
  std::size_t bytes() const { return index_.capacity() * sizeof(int) + inverse_count_.size() * sizeof(double); }

 private:
  std::vector<int> index_;
  Eigen::VectorXd inverse_count_;  // n: 1 / the number of k with index[k] == v (0 for none)
};

}  // namespace strider::nn
