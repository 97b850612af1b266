#pragma once
// A seeded random stream that gives the same numbers on every platform and
// compiler (native and WebAssembly): xoshiro256** seeded by splitmix64, with
// uniform and normal variates written out here rather than taken from
// <random>, whose distributions differ between standard libraries.
#include <cstdint>

namespace strider {

class Random {
 public:
  explicit Random(std::uint64_t seed);
  // 64 random bits.
  std::uint64_t next();
  // Uniform in [0, 1), 53 random bits.
  double uniform();
  // Standard normal (Box-Muller; the second variate is kept for the next call).
  double normal();
  // Uniform integer in [0, n), n > 0.
  std::uint64_t below(std::uint64_t n);

 private:
  std::uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0.0;
};

}  // namespace strider
