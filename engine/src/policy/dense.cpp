// The register-blocked kernel behind dense::multiply_add, and its run-time choice
// of instruction set. Compiled with -ffp-contract=off (CMakeLists.txt): a fused
// multiply-add would round differently from the portable variant.
//
// A is cut into panels of MR = MV * W rows (W doubles per SIMD vector); each
// panel times NR columns of B is accumulated in MV x NR vector registers over
// the whole of k, so every element's sum runs over p in order, whatever W is.
#include "dense.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__x86_64__) && !defined(__EMSCRIPTEN__) && (defined(__GNUC__) || defined(__clang__))
#define STRIDER_DENSE_X86 1
#else
#define STRIDER_DENSE_X86 0
#endif

#define STRIDER_INLINE [[gnu::always_inline]] inline

namespace strider::nn::dense {

namespace {

template <int W>
struct Lanes {
  typedef double type __attribute__((vector_size(W * sizeof(double))));
};
template <int W>
using Vec = typename Lanes<W>::type;

// C (MV W x NR, column j at c + j ldc) += A panel (MV W x k, column p at
// a + p a_step) B (k x NR).
template <int W, int MV, int NR>
STRIDER_INLINE void block(int k, const double* a, std::ptrdiff_t a_step, View b, double* c, std::ptrdiff_t ldc) {
  // Loads and stores through memcpy: unaligned, and no function passes a vector
  // by value (its ABI would depend on the instruction set).
  Vec<W> acc[NR][MV];
#pragma GCC unroll 32
  for (int j = 0; j < NR; ++j) {
#pragma GCC unroll 8
    for (int v = 0; v < MV; ++v) std::memcpy(&acc[j][v], c + j * ldc + v * W, sizeof(Vec<W>));
  }
  for (int p = 0; p < k; ++p) {
    Vec<W> column[MV];
#pragma GCC unroll 8
    for (int v = 0; v < MV; ++v) std::memcpy(&column[v], a + p * a_step + v * W, sizeof(Vec<W>));
    const double* row = b.data + p * b.row_stride;
#pragma GCC unroll 32
    for (int j = 0; j < NR; ++j) {
      const Vec<W> factor = row[j * b.col_stride] - Vec<W>{};  // a broadcast (x - 0 is x, -0 included)
#pragma GCC unroll 8
      for (int v = 0; v < MV; ++v) acc[j][v] += column[v] * factor;
    }
  }
#pragma GCC unroll 32
  for (int j = 0; j < NR; ++j) {
#pragma GCC unroll 8
    for (int v = 0; v < MV; ++v) std::memcpy(c + j * ldc + v * W, &acc[j][v], sizeof(Vec<W>));
  }
}

// block() for a panel of `rows` <= MV W rows of C (the rest of A's panel is zero).
template <int W, int MV, int NR>
STRIDER_INLINE void block_rows(int rows, int k, const double* a, std::ptrdiff_t a_step, View b, double* c,
                               std::ptrdiff_t ldc) {
  constexpr int MR = MV * W;
  if (rows == MR) {
    block<W, MV, NR>(k, a, a_step, b, c, ldc);
    return;
  }
  double partial[MR * NR] = {};
  for (int j = 0; j < NR; ++j) std::copy_n(c + j * ldc, rows, partial + j * MR);
  block<W, MV, NR>(k, a, a_step, b, partial, MR);
  for (int j = 0; j < NR; ++j) std::copy_n(partial + j * MR, rows, c + j * ldc);
}

// One panel of A times all n columns of B: blocks of NR columns, then the rest
// in blocks of NR / 2, NR / 4, ..., 1.
template <int W, int MV, int NR>
STRIDER_INLINE void panel_columns(int rows, int n, int k, const double* a, std::ptrdiff_t a_step, View b, double* c,
                                  std::ptrdiff_t ldc) {
  int j = 0;
  for (; j + NR <= n; j += NR) {
    block_rows<W, MV, NR>(rows, k, a, a_step, {b.data + j * b.col_stride, b.row_stride, b.col_stride}, c + j * ldc,
                          ldc);
  }
  if constexpr (NR > 1) {
    if (j < n) {
      panel_columns<W, MV, NR / 2>(rows, n - j, k, a, a_step, {b.data + j * b.col_stride, b.row_stride, b.col_stride},
                                   c + j * ldc, ldc);
    }
  }
}

// The whole product. A panel is read in place when its rows are contiguous and
// complete, else copied (zero-padded to MV W rows) into `packed`.
template <int W, int MV, int NR>
STRIDER_INLINE void product(int m, int n, int k, View a, View b, double* c, std::ptrdiff_t ldc,
                            std::vector<double>& packed) {
  constexpr int MR = MV * W;
  for (int i = 0; i < m; i += MR) {
    const int rows = std::min(MR, m - i);
    const double* panel = a.data + i * a.row_stride;
    std::ptrdiff_t step = a.col_stride;
    if (a.row_stride != 1 || rows < MR) {
      packed.assign(static_cast<size_t>(MR) * static_cast<size_t>(k), 0.0);
      for (int p = 0; p < k; ++p) {
        for (int r = 0; r < rows; ++r) {
          packed[static_cast<size_t>(p * MR + r)] = panel[r * a.row_stride + p * a.col_stride];
        }
      }
      panel = packed.data();
      step = MR;
    }
    panel_columns<W, MV, NR>(rows, n, k, panel, step, b, c + i, ldc);
  }
}

// Block shapes (MV vectors x NR columns: 12 or 24 accumulators, within 16 or 32
// registers) measured best of a few on the policy's products (48 x 48..144 x
// ~1400 edges) on an AVX-512 machine.
using Kernel = void (*)(int, int, int, View, View, double*, std::ptrdiff_t, std::vector<double>&);

// 128-bit vectors: SSE2 on any x86-64, SIMD128 in the WebAssembly build.
void portable_kernel(int m, int n, int k, View a, View b, double* c, std::ptrdiff_t ldc, std::vector<double>& packed) {
  product<2, 2, 6>(m, n, k, a, b, c, ldc, packed);
}

#if STRIDER_DENSE_X86
__attribute__((target("avx2"))) void avx2_kernel(int m, int n, int k, View a, View b, double* c, std::ptrdiff_t ldc,
                                                 std::vector<double>& packed) {
  product<4, 2, 6>(m, n, k, a, b, c, ldc, packed);
}

__attribute__((target("avx512f"))) void avx512_kernel(int m, int n, int k, View a, View b, double* c,
                                                      std::ptrdiff_t ldc, std::vector<double>& packed) {
  product<8, 3, 8>(m, n, k, a, b, c, ldc, packed);
}
#endif

bool runs_here(Variant variant) {
  switch (variant) {
    case Variant::portable:
      return true;
#if STRIDER_DENSE_X86
    case Variant::avx2:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx2");
    case Variant::avx512:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx512f");
#endif
    default:
      return false;
  }
}

Kernel kernel_of(Variant variant) {
  if (!runs_here(variant)) {
    throw std::invalid_argument(std::string("dense: variant ") + variant_name(variant) + " does not run here");
  }
#if STRIDER_DENSE_X86
  if (variant == Variant::avx2) return avx2_kernel;
  if (variant == Variant::avx512) return avx512_kernel;
#endif
  return portable_kernel;
}

void check(int m, int n, int k) {
  if (m < 0 || n < 0 || k < 0) throw std::invalid_argument("dense: negative matrix size");
}

}  // namespace

std::vector<Variant> available_variants() {
  std::vector<Variant> found;
  for (Variant v : {Variant::portable, Variant::avx2, Variant::avx512}) {
    if (runs_here(v)) found.push_back(v);
  }
  return found;
}

const char* variant_name(Variant variant) {
  switch (variant) {
    case Variant::portable:
      return "portable";
    case Variant::avx2:
      return "avx2";
    case Variant::avx512:
      return "avx512";
  }
  return "unknown";
}

void multiply_add(Variant variant, int m, int n, int k, View a, View b, double* c, std::ptrdiff_t ldc) {
  check(m, n, k);
  thread_local std::vector<double> packed;
  kernel_of(variant)(m, n, k, a, b, c, ldc, packed);
}

void multiply_add(int m, int n, int k, View a, View b, double* c, std::ptrdiff_t ldc) {
  static const Kernel widest = kernel_of(available_variants().back());
  check(m, n, k);
  thread_local std::vector<double> packed;
  widest(m, n, k, a, b, c, ldc, packed);
}

}  // namespace strider::nn::dense
