#pragma once
// Row-wise concatenation [A; B; ...] of blocks with the same number of
// columns. Forward writes each block into its rows of the output; backward
// reads the gradient of each block back out of the same rows.
// Private to engine/src/policy.
#include <Eigen/Core>
#include <vector>

namespace strider::nn {

class Concat {
 public:
  // rows: the height of each block, in order.
  explicit Concat(std::vector<int> rows);

  int rows() const { return total_; }
  int blocks() const { return static_cast<int>(rows_.size()); }

  // Y (rows() x n) resized for n columns; its blocks are then filled through part().
  void resize(Eigen::MatrixXd& Y, Eigen::Index n) const { Y.resize(total_, n); }
  // Block i of Y (forward: the destination of input i; backward: the gradient of input i).
  Eigen::Block<Eigen::MatrixXd> part(Eigen::MatrixXd& Y, int i) const {
    return Y.middleRows(offset_[i], rows_[i]);
  }
  Eigen::Block<const Eigen::MatrixXd> part(const Eigen::MatrixXd& Y, int i) const {
    return Y.middleRows(offset_[i], rows_[i]);
  }

 private:
  std::vector<int> rows_, offset_;
  int total_ = 0;
};

}  // namespace strider::nn
