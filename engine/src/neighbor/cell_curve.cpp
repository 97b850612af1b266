#include "cell_curve.hpp"

#include <algorithm>

namespace strider {

namespace {

// True when the highest set bit of a is below that of b.
bool lower_top_bit(unsigned a, unsigned b) { return a < b && a < (a ^ b); }

// Z-order of two cells without building interleaved keys (so no limit on the
// bits per axis): the axis whose coordinates differ in the highest bit
// decides; on a tie in that bit, z before y before x.
bool morton_less(const std::array<int, 3>& p, const std::array<int, 3>& q) {
  int axis = 2;
  unsigned top = static_cast<unsigned>(p[2] ^ q[2]);
  for (int a = 1; a >= 0; --a) {
    const unsigned differ = static_cast<unsigned>(p[a] ^ q[a]);
    if (lower_top_bit(top, differ)) {
      top = differ;
      axis = a;
    }
  }
  return p[axis] < q[axis];
}

}  // namespace

std::vector<int> morton_cell_ranks(const std::array<int, 3>& dims) {
  const int cells = dims[0] * dims[1] * dims[2];
  std::vector<std::array<int, 3>> along(static_cast<size_t>(cells));
  for (int z = 0, c = 0; z < dims[2]; ++z)
    for (int y = 0; y < dims[1]; ++y)
      for (int x = 0; x < dims[0]; ++x) along[c++] = {x, y, z};
  std::sort(along.begin(), along.end(), morton_less);
  std::vector<int> rank(static_cast<size_t>(cells));
  for (int r = 0; r < cells; ++r) {
    const std::array<int, 3>& p = along[r];
    rank[(static_cast<size_t>(p[2]) * dims[1] + p[1]) * dims[0] + p[0]] = r;
  }
  return rank;
}

}  // namespace strider
