#pragma once
// Small tensor helpers shared by the two networks (torch_policy.cpp,
// torch_slot_policy.cpp). Includes <torch/torch.h>: only for those files.
#include <torch/torch.h>

#include <Eigen/Core>
#include <cstring>
#include <vector>

#include "row_index.hpp"

namespace strider::torch_helpers {

// Mean over the rows of `values` (rows, H) that share an index -> (count.size(0), H);
// count: (groups, 1) rows per index, at least 1.
inline torch::Tensor scatter_mean(const torch::Tensor& values, const torch::Tensor& index, const torch::Tensor& count) {
  return scatter_add_rows(values, index, count.size(0)) / count;
}

// The layer sizes of an MLP: `in`, `count` hidden layers of `hidden`, then `out`.
inline std::vector<int> widths(int in, int hidden, int count, int out) {
  std::vector<int> sizes{in};
  for (int k = 0; k < count; ++k) sizes.push_back(hidden);
  sizes.push_back(out);
  return sizes;
}

// An Eigen vector as a new CPU float64 tensor, and any float64 tensor back.
inline torch::Tensor to_tensor(const Eigen::VectorXd& v) {
  return torch::from_blob(const_cast<double*>(v.data()), {v.size()}, torch::kFloat64).clone();
}

inline Eigen::VectorXd to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU).contiguous();
  Eigen::VectorXd v(c.numel());
  std::memcpy(v.data(), c.data_ptr<double>(), sizeof(double) * static_cast<std::size_t>(c.numel()));
  return v;
}

}  // namespace strider::torch_helpers
