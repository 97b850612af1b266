#pragma once
// Dense matrix products of the policy's layers, with the same bits on every CPU.
// Private to engine/src/policy.
//
// Every output element is its start value plus the products A(i, p) B(p, j)
// added one at a time in the order p = 0, 1, ..., k - 1, each product rounded
// (no fused multiply-add). The order does not depend on the instruction set
// that runs it, so the AVX-512, AVX2 and portable variants (the widest the CPU
// has runs) and the WebAssembly build (the portable variant in 128-bit SIMD)
// compute the same numbers.
#include <Eigen/Core>
#include <cstddef>
#include <vector>

namespace strider::nn::dense {

// A strided matrix: element (i, j) at data[i * row_stride + j * col_stride].
// A column-major matrix with leading dimension ld is {data, 1, ld}; its
// transpose is {data, ld, 1}.
struct View {
  const double* data;
  std::ptrdiff_t row_stride, col_stride;
};

// The view of an Eigen matrix (column-major, leading dimension its rows), and
// the view of its transpose.
inline View view_of(const Eigen::MatrixXd& m) { return {m.data(), 1, m.rows()}; }
inline View transpose_of(const Eigen::MatrixXd& m) { return {m.data(), m.rows(), 1}; }

// C (m x n, column j at c + j * ldc) += A (m x k) B (k x n).
void multiply_add(int m, int n, int k, View a, View b, double* c, std::ptrdiff_t ldc);

// The implementations this build has, for tests: the portable one always, the
// x86-64 ones where the compiler can build them and this CPU runs them.
enum class Variant { portable, avx2, avx512 };
std::vector<Variant> available_variants();
const char* variant_name(Variant variant);
// multiply_add by a given variant (one of available_variants()).
void multiply_add(Variant variant, int m, int n, int k, View a, View b, double* c, std::ptrdiff_t ldc);

}  // namespace strider::nn::dense
