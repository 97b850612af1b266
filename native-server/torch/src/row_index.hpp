#pragma once
// Rows gathered by an index, and rows added into an index, as autograd
// functions (each is the other's backward) whose CPU kernels are plain loops;
// and the sum of a matrix and two gathers, fused.
// LibTorch 1.13's index_add_ on a CPU matrix runs one TensorIterator add per
// row, and index_select's backward is that index_add_: together about 30% of
// the slot policy's time at N = 100 (tests/benchmarks/README.md). The loops
// add the rows in index order, as index_add_ does. Other devices use
// index_select / index_add_.
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

// base + a[ia] + b[ib], row by row, in that order: one pass over the edges
// instead of two gathered temporaries and two sums (and in the backward, the
// two scatters straight from the one gradient).
struct AddGatheredRows : torch::autograd::Function<AddGatheredRows> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& base, const torch::Tensor& a,
                               const torch::Tensor& ia, const torch::Tensor& b, const torch::Tensor& ib) {
    ctx->save_for_backward({ia, ib});
    ctx->saved_data["a_rows"] = a.size(0);
    ctx->saved_data["b_rows"] = b.size(0);
    if (!base.device().is_cpu() || base.scalar_type() != torch::kFloat64) {
      return base + a.index_select(0, ia) + b.index_select(0, ib);
    }
    const torch::Tensor x = base.contiguous(), ac = a.contiguous(), bc = b.contiguous(), i = ia.contiguous(),
                        j = ib.contiguous();
    const std::int64_t count = x.size(0), width = x.size(1), a_rows = ac.size(0), b_rows = bc.size(0);
    if (i.size(0) != count || j.size(0) != count || ac.size(1) != width || bc.size(1) != width) {
      throw std::invalid_argument("add_gathered_rows: shapes differ");
    }
    torch::Tensor out = torch::empty_like(x);
    const double *from = x.data_ptr<double>(), *pa = ac.data_ptr<double>(), *pb = bc.data_ptr<double>();
    const std::int64_t *at_a = i.data_ptr<std::int64_t>(), *at_b = j.data_ptr<std::int64_t>();
    double* target = out.data_ptr<double>();
    for (std::int64_t k = 0; k < count; ++k) {
      if (at_a[k] < 0 || at_a[k] >= a_rows || at_b[k] < 0 || at_b[k] >= b_rows) {
        throw std::out_of_range("add_gathered_rows: index out of range at row " + std::to_string(k));
      }
      const double *x_row = from + k * width, *a_row = pa + at_a[k] * width, *b_row = pb + at_b[k] * width;
      double* row = target + k * width;
      for (std::int64_t c = 0; c < width; ++c) row[c] = x_row[c] + a_row[c] + b_row[c];
    }
    return out;
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grad) {
    const torch::Tensor none;
    if (!grad[0].defined()) return {none, none, none, none, none};
    const auto saved = ctx->get_saved_variables();
    return {grad[0], row_kernels::scatter_add(grad[0], saved[0], ctx->saved_data["a_rows"].toInt()), none,
            row_kernels::scatter_add(grad[0], saved[1], ctx->saved_data["b_rows"].toInt()), none};
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

// (R, H): base (R, H) + a[ia] + b[ib] (a, b: (rows, H); ia, ib: R int64 each).
inline torch::Tensor add_gathered_rows(const torch::Tensor& base, const torch::Tensor& a, const torch::Tensor& ia,
                                       const torch::Tensor& b, const torch::Tensor& ib) {
  return AddGatheredRows::apply(base, a, ia, b, ib);
}

}  // namespace strider::torch_helpers
