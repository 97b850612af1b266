#pragma once
// Rows gathered by an index, and rows added into an index, as autograd
// functions (each is the other's backward) whose CPU kernels are plain loops;
// the sum of a matrix and two gathers, fused; and one matrix's rows added
// into two indices at once (an edge's receiver and sender), whose backward
// is one pass (not two gathers and their sum).
// LibTorch 1.13's index_add_ on a CPU matrix runs one TensorIterator add per
// row, and index_select's backward is that index_add_: together about 30% of
// the slot policy's time at N = 100 (tests/benchmarks/README.md). The loops
// add the rows in index order, as index_add_ does. Other devices use
// index_select / index_add_. With several LibTorch threads (at::parallel_for)
// gathers split the rows and scatters the columns: every sum keeps its order,
// so the result is the same for any thread count.
// Includes <torch/torch.h>: only for the torch translation units.
#include <torch/torch.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace strider::torch_helpers {

namespace row_kernels {

// at::parallel_for's grains: gathers give a thread at least kRowGrain rows, scatters kColumnGrain columns
// (a scatter's rows may meet in one output row, its columns never do).
constexpr std::int64_t kRowGrain = 1024, kColumnGrain = 8;

// Throws std::out_of_range unless every index[k] (k < count) is in [0, rows).
inline void check_rows(const std::int64_t* index, std::int64_t count, std::int64_t rows, const char* what) {
  for (std::int64_t k = 0; k < count; ++k) {
    if (index[k] < 0 || index[k] >= rows) {
      throw std::out_of_range(std::string(what) + ": index " + std::to_string(index[k]) + " of " +
                              std::to_string(rows) + " rows");
    }
  }
}

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
  check_rows(at, count, rows, "scatter_add_rows");
  at::parallel_for(0, width, kColumnGrain, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t k = 0; k < count; ++k) {
      double* row = target + at[k] * width;
      const double* from = source + k * width;
      for (std::int64_t j = first; j < last; ++j) row[j] += from[j];
    }
  });
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
  check_rows(at, count, rows, "gather_rows");
  at::parallel_for(0, count, kRowGrain, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t k = first; k < last; ++k) {
      const double* from = source + at[k] * width;
      double* row = target + k * width;
      for (std::int64_t j = 0; j < width; ++j) row[j] = from[j];
    }
  });
  return out;
}

// out (R, H) with out[k] = base[k] + a[ia[k]] + b[ib[k]], in that order (base undefined: a[ia[k]] + b[ib[k]]);
// a, b (rows_a, H), (rows_b, H); ia, ib R int64 each. A defined base may be (..., H) with R rows in all: out
// has its shape.
inline torch::Tensor add_gathered(const torch::Tensor& base, const torch::Tensor& a, const torch::Tensor& ia,
                                  const torch::Tensor& b, const torch::Tensor& ib) {
  if (!a.device().is_cpu() || a.scalar_type() != torch::kFloat64) {
    return base.defined()
               ? (base.reshape({-1, a.size(1)}) + a.index_select(0, ia) + b.index_select(0, ib)).view(base.sizes())
               : a.index_select(0, ia) + b.index_select(0, ib);
  }
  const torch::Tensor ac = a.contiguous(), bc = b.contiguous(), i = ia.contiguous(), j = ib.contiguous();
  const std::int64_t count = i.size(0), width = ac.size(1), a_rows = ac.size(0), b_rows = bc.size(0);
  const torch::Tensor x = base.defined() ? base.contiguous() : torch::Tensor();
  if (j.size(0) != count || bc.size(1) != width ||
      (x.defined() && (x.size(-1) != width || x.numel() != count * width))) {
    throw std::invalid_argument("add_gathered_rows: shapes differ");
  }
  torch::Tensor out = x.defined() ? torch::empty_like(x) : torch::empty({count, width}, ac.options());
  const double *from = x.defined() ? x.data_ptr<double>() : nullptr, *pa = ac.data_ptr<double>(),
               *pb = bc.data_ptr<double>();
  const std::int64_t *at_a = i.data_ptr<std::int64_t>(), *at_b = j.data_ptr<std::int64_t>();
  double* target = out.data_ptr<double>();
  check_rows(at_a, count, a_rows, "add_gathered_rows");
  check_rows(at_b, count, b_rows, "add_gathered_rows");
  at::parallel_for(0, count, kRowGrain, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t k = first; k < last; ++k) {
      const double *a_row = pa + at_a[k] * width, *b_row = pb + at_b[k] * width;
      double* row = target + k * width;
      if (from) {
        const double* x_row = from + k * width;
        for (std::int64_t c = 0; c < width; ++c) row[c] = x_row[c] + a_row[c] + b_row[c];
      } else {
        for (std::int64_t c = 0; c < width; ++c) row[c] = a_row[c] + b_row[c];
      }
    }
  });
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
    return row_kernels::add_gathered(base, a, ia, b, ib);
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grad) {
    const torch::Tensor none;
    if (!grad[0].defined()) return {none, none, none, none, none};
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor rows = grad[0].reshape({-1, grad[0].size(-1)});
    return {grad[0], row_kernels::scatter_add(rows, saved[0], ctx->saved_data["a_rows"].toInt()), none,
            row_kernels::scatter_add(rows, saved[1], ctx->saved_data["b_rows"].toInt()), none};
  }
};

// values (R, H) added into rows index_a[k] and into rows index_b[k] of two (rows, H) matrices, in
// one pass over the rows; the backward, d values[k] = d out_a[index_a[k]] + d out_b[index_b[k]], is one too.
struct ScatterAddRowPair : torch::autograd::Function<ScatterAddRowPair> {
  static torch::autograd::tensor_list forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& values,
                                              const torch::Tensor& index_a, const torch::Tensor& index_b,
                                              std::int64_t rows) {
    ctx->save_for_backward({index_a, index_b});
    ctx->saved_data["rows"] = rows;
    if (!values.device().is_cpu() || values.scalar_type() != torch::kFloat64) {
      return {row_kernels::scatter_add(values, index_a, rows), row_kernels::scatter_add(values, index_b, rows)};
    }
    const torch::Tensor v = values.contiguous(), i = index_a.contiguous(), j = index_b.contiguous();
    const std::int64_t count = v.size(0), width = v.size(1);
    if (i.size(0) != count || j.size(0) != count) throw std::invalid_argument("scatter_add_row_pair: shapes differ");
    torch::Tensor out_a = torch::zeros({rows, width}, v.options()), out_b = torch::zeros({rows, width}, v.options());
    const double* source = v.data_ptr<double>();
    const std::int64_t *at_a = i.data_ptr<std::int64_t>(), *at_b = j.data_ptr<std::int64_t>();
    double *target_a = out_a.data_ptr<double>(), *target_b = out_b.data_ptr<double>();
    row_kernels::check_rows(at_a, count, rows, "scatter_add_row_pair");
    row_kernels::check_rows(at_b, count, rows, "scatter_add_row_pair");
    at::parallel_for(0, width, row_kernels::kColumnGrain, [&](std::int64_t first, std::int64_t last) {
      for (std::int64_t k = 0; k < count; ++k) {
        const double* from = source + k * width;
        double *row_a = target_a + at_a[k] * width, *row_b = target_b + at_b[k] * width;
        for (std::int64_t c = first; c < last; ++c) row_a[c] += from[c];
        for (std::int64_t c = first; c < last; ++c) row_b[c] += from[c];
      }
    });
    return {out_a, out_b};
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* ctx,
                                               torch::autograd::tensor_list grad) {
    const torch::Tensor none;
    const auto saved = ctx->get_saved_variables();
    if (!grad[0].defined() && !grad[1].defined()) return {none, none, none, none};
    if (!grad[1].defined()) return {row_kernels::gather(grad[0], saved[0]), none, none, none};
    if (!grad[0].defined()) return {row_kernels::gather(grad[1], saved[1]), none, none, none};
    return {row_kernels::add_gathered(none, grad[0], saved[0], grad[1], saved[1]), none, none, none};
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

// Two (rows, H): scatter_add_rows(values, index_a, rows) and scatter_add_rows(values, index_b, rows).
inline std::pair<torch::Tensor, torch::Tensor> scatter_add_row_pair(const torch::Tensor& values,
                                                                    const torch::Tensor& index_a,
                                                                    const torch::Tensor& index_b, std::int64_t rows) {
  const torch::autograd::tensor_list out = ScatterAddRowPair::apply(values, index_a, index_b, rows);
  return {out[0], out[1]};
}

// base + a[ia] + b[ib], base's shape: base (R, H) or (..., H) with R rows in all (a, b: (rows, H); ia, ib:
// R int64 each).
inline torch::Tensor add_gathered_rows(const torch::Tensor& base, const torch::Tensor& a, const torch::Tensor& ia,
                                       const torch::Tensor& b, const torch::Tensor& ib) {
  return AddGatheredRows::apply(base, a, ia, b, ib);
}

}  // namespace strider::torch_helpers
