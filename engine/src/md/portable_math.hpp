#pragma once
// exp and cbrt from +, -, *, / and ldexp only, which IEEE 754 rounds the same
// way everywhere, so MD trajectories do not depend on the C library (glibc,
// musl under WebAssembly) whose exp may differ in the last bit: one differing
// bit in a thermostat factor grows, by chaos, into a different trajectory.
// Private to the engine (md/ and datasets/).
#include <cmath>
#include <limits>

namespace strider::portable {

// e^x to about 1 ulp: x = k ln2 + r with |r| <= ln2/2, e^r by its Taylor series.
inline double exp(double x) {
  if (x != x) return x;
  if (x > 709.78) return std::numeric_limits<double>::infinity();
  if (x < -745.2) return 0.0;
  constexpr double ln2_hi = 6.93147180369123816490e-01;  // Cody-Waite split of ln 2
  constexpr double ln2_lo = 1.90821492927058770002e-10;
  const double k = std::round(x * 1.44269504088896338700);
  const double r = (x - k * ln2_hi) - k * ln2_lo;
  double term = 1.0, sum = 1.0;
  for (int n = 1; n <= 16; ++n) {
    term *= r / n;
    sum += term;
  }
  return std::ldexp(sum, static_cast<int>(k));
}

// The real cube root of x >= 0 by Newton's iteration (a few ulp, same everywhere).
inline double cbrt(double x) {
  if (!(x > 0.0) || x == std::numeric_limits<double>::infinity()) return x;
  int e = 0;
  const double m = std::frexp(x, &e);  // x = m 2^e, m in [0.5, 1)
  // Bring the exponent to a multiple of 3 so the scale is exact.
  const int shift = ((e % 3) + 3) % 3;
  const double mm = std::ldexp(m, shift);  // in [0.5, 4)
  double y = 1.0;
  for (int k = 0; k < 60; ++k) {
    const double next = y - (y * y * y - mm) / (3.0 * y * y);
    if (next == y) break;
    y = next;
  }
  return std::ldexp(y, (e - shift) / 3);
}

}  // namespace strider::portable
