// engine/src/policy/dense: every variant this CPU runs gives the same bits as a
// plain triple loop summing in the documented order (the oracle), on random
// shapes and strides, and agrees with Eigen's product to rounding.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include <Eigen/Core>
#include <catch2/catch.hpp>

#include "../engine/src/policy/dense.hpp"

namespace {

using strider::nn::dense::View;

// A random m x n matrix stored with the given strides in a buffer with slack.
struct Strided {
  int rows, cols;
  std::ptrdiff_t row_stride, col_stride;
  std::vector<double> data;

  double at(int i, int j) const { return data[static_cast<size_t>(i * row_stride + j * col_stride)]; }
  View view() const { return {data.data(), row_stride, col_stride}; }
};

Strided random_matrix(int rows, int cols, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> coin(0, 1), pad(0, 3);
  std::normal_distribution<double> normal;
  Strided s{rows, cols, 1, 1, {}};
  if (coin(rng)) {  // column-major, leading dimension >= rows
    s.col_stride = rows + pad(rng);
  } else {  // row-major
    s.row_stride = cols + pad(rng);
  }
  const size_t size = static_cast<size_t>((rows > 0 ? (rows - 1) * s.row_stride : 0) +
                                          (cols > 0 ? (cols - 1) * s.col_stride : 0) + 1);
  s.data.resize(size);
  for (double& x : s.data) x = normal(rng);
  return s;
}

// The oracle: c(i, j) = c(i, j) + a(i, 0) b(0, j) + a(i, 1) b(1, j) + ..., each
// product rounded before it is added.
void oracle(const Strided& a, const Strided& b, double* c, std::ptrdiff_t ldc) {
  for (int i = 0; i < a.rows; ++i) {
    for (int j = 0; j < b.cols; ++j) {
      double sum = c[i + j * ldc];
      for (int p = 0; p < a.cols; ++p) {
        const double product = a.at(i, p) * b.at(p, j);
        sum = sum + product;
      }
      c[i + j * ldc] = sum;
    }
  }
}

int random_size(std::mt19937_64& rng) {
  static const int sizes[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 23, 24, 25, 31, 47, 48, 49, 65, 97};
  std::uniform_int_distribution<size_t> pick(0, std::size(sizes) - 1);
  return sizes[pick(rng)];
}

}  // namespace

TEST_CASE("dense products: every variant matches the in-order oracle bit for bit and Eigen to rounding") {
  namespace dense = strider::nn::dense;
  const std::vector<dense::Variant> variants = dense::available_variants();
  REQUIRE(variants.front() == dense::Variant::portable);
  std::mt19937_64 rng(20261202);
  std::normal_distribution<double> normal;
  for (int trial = 0; trial < 400; ++trial) {
    const int m = random_size(rng), n = random_size(rng), k = random_size(rng);
    const Strided a = random_matrix(m, k, rng);
    const Strided b = random_matrix(k, n, rng);
    const std::ptrdiff_t ldc = m + std::uniform_int_distribution<int>(0, 2)(rng);
    // C with a start value, and slack rows between columns that must stay untouched.
    std::vector<double> start(static_cast<size_t>(ldc * n + 1));
    for (double& x : start) x = normal(rng);

    std::vector<double> expected = start;
    oracle(a, b, expected.data(), ldc);
    for (dense::Variant variant : variants) {
      INFO("variant " << dense::variant_name(variant) << ", m " << m << " n " << n << " k " << k);
      std::vector<double> c = start;
      dense::multiply_add(variant, m, n, k, a.view(), b.view(), c.data(), ldc);
      CHECK(std::memcmp(c.data(), expected.data(), c.size() * sizeof(double)) == 0);
    }
    std::vector<double> c = start;
    dense::multiply_add(m, n, k, a.view(), b.view(), c.data(), ldc);
    CHECK(std::memcmp(c.data(), expected.data(), c.size() * sizeof(double)) == 0);

    // Eigen's product, summed in its own order: equal to rounding.
    Eigen::MatrixXd A(m, k), B(k, n), C(m, n);
    for (int i = 0; i < m; ++i) for (int p = 0; p < k; ++p) A(i, p) = a.at(i, p);
    for (int p = 0; p < k; ++p) for (int j = 0; j < n; ++j) B(p, j) = b.at(p, j);
    for (int i = 0; i < m; ++i) for (int j = 0; j < n; ++j) C(i, j) = start[static_cast<size_t>(i + j * ldc)];
    C.noalias() += A * B;
    const Eigen::MatrixXd magnitude = A.cwiseAbs() * B.cwiseAbs();
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) {
        const double scale = std::abs(start[static_cast<size_t>(i + j * ldc)]) + magnitude(i, j);
        CHECK(std::abs(expected[static_cast<size_t>(i + j * ldc)] - C(i, j)) <= 1e-14 * (k + 1) * scale);
      }
    }
  }
}

TEST_CASE("dense products: negative sizes are an error") {
  double c = 0.0;
  CHECK_THROWS(strider::nn::dense::multiply_add(-1, 1, 1, {&c, 1, 1}, {&c, 1, 1}, &c, 1));
}
