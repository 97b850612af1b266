// Random streams derived from a seed and indices (see rl.hpp, [SECTION] streams).
#include "strider/rl.hpp"

namespace strider::rl {

namespace {

// The splitmix64 finaliser: a bijection of 64-bit words that mixes every bit.
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t stream_seed(std::uint64_t seed, std::initializer_list<std::uint64_t> indices) {
  std::uint64_t h = mix(seed + 0x9e3779b97f4a7c15ULL);
  std::uint64_t position = 1;
  for (std::uint64_t index : indices) {
    // Position-dependent so that {1, 2} and {2, 1} differ.
    h = mix(h ^ mix(index + position * 0x632be59bd9b4e019ULL));
    ++position;
  }
  return h;
}

}  // namespace strider::rl
