#pragma once
// Rows gathered by an index, and rows added into an index, as autograd
// functions (each is the other's backward) whose CPU kernels are plain loops.
// LibTorch 1.13's index_add_ on a CPU matrix runs one TensorIterator add per
// row, and index_select's backward is that index_add_: together about 30% of
// the slot policy's time at N = 100 (tests/benchmarks/README.md). The loops
// add the rows in index order, as index_add_ does, so results are the same
// bit for bit. Other devices use index_select / index_add_.
// Includes <torch/torch.h>: only for the torch translation units.
#include <torch/torch.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace strider::torch_helpers {

namespace row_kernels {

// out (rows, H) with out[index[k]] += values[k] (values (R, H), index (R) int64), k in order.
inline torch::Tensor scatter_add(const torch::Tensor& values, const torch::Tensor& index, std::int64_t rows) {
  if (!values.device().is_cpu() || values.scalar_type() != torch::kFloat64) {
    return torch::zeros({rows, values.size(1)}, values.options()).index_add_(0, index, values);
  }
  const torch::Tensor v = values.contiguous(), i = index.contiguous();
  torch::Tensor out = torch::zeros({rows, v.size(1)}, v.options());
  const std::int64_t count = i.size(0), width = v.size(1);
  const double* source = v.data_ptr<double>();
  const std::int64_t* at = i.data_ptr<std::int64_t>();
  double* target = out.data_ptr<double>();
  for (std::int64_t k = 0; k < count; ++k) {
    if (at[k] < 0 || at[k] >= rows) {
      throw std::out_of_range("scatter_add_rows: index " + std::to_string(at[k]) + " of " + std::to_string(rows) + " rows");
    }
    double* row = target + at[k] * width;
    const double* from = source + k * width;
    for (std::int64_t j = 0; j < width; ++j) row[j] += from[j];
  }
  return out;
}

// out (R, H) with out[k] = values[index[k]].
inline torch::Tensor gather(const torch::Tensor& values, const torch::Tensor& index) {
  if (!values.device().is_cpu() || values.scalar_type() != torch::kFloat64) return values.index_select(0, index);
  const torch::Tensor v = values.contiguous(), i = index.contiguous();
  const std::int64_t count = i.size(0), width = v.size(1), rows = v.size(0);
  torch::Tensor out = torch::empty({count, width}, v.options());
  const double* source = v.data_ptr<double>();
  const std::int64_t* at = i.data_ptr<std::int64_t>();
  double* target = out.data_ptr<double>();
  for (std::int64_t k = 0; k < count; ++k) {
    if (at[k] < 0 || at[k] >= rows) {
      throw std::out_of_range("gather_rows: index " + std::to_string(at[k]) + " of " + std::to_string(rows) + " rows");
    }
    const double* from = source + at[k] * width;
    double* row = target + k * width;
    for (std::int64_t j = 0; j < width; ++j) row[j] = from[j];
  }
  return out;
}

}  // namespace row_kernels

struct ScatterAddRows : torch::autograd::Function<ScatterAddRows> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& values,
                               const torch::Tensor& index, std::int64_t rows) {
    ctx->save_for_backward({index});
    return row_kernels::scatter_add(values, index, rows);
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grad) {
    if (!grad[0].defined()) return {torch::Tensor(), torch::Tensor(), torch::Tensor()};
    return {row_kernels::gather(grad[0], ctx->get_saved_variables()[0]), torch::Tensor(), torch::Tensor()};
  }
};

struct GatherRows : torch::autograd::Function<GatherRows> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& values,
                               const torch::Tensor& index) {
    ctx->save_for_backward({index});
    ctx->saved_data["rows"] = values.size(0);
    return row_kernels::gather(values, index);
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grad) {
    if (!grad[0].defined()) return {torch::Tensor(), torch::Tensor()};
    const std::int64_t rows = ctx->saved_data["rows"].toInt();
    return {row_kernels::scatter_add(grad[0], ctx->get_saved_variables()[0], rows), torch::Tensor()};
  }
};

// (rows, H): row r the sum of the rows k of `values` (R, H) with index[k] = r (index: R int64).
inline torch::Tensor scatter_add_rows(const torch::Tensor& values, const torch::Tensor& index, std::int64_t rows) {
  return ScatterAddRows::apply(values, index, rows);
}

// (R, H): row k is row index[k] of `values`.
inline torch::Tensor gather_rows(const torch::Tensor& values, const torch::Tensor& index) {
  return GatherRows::apply(values, index);
}

}  // namespace strider::torch_helpers
