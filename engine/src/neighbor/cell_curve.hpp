#pragma once
// The order in which the neighbour list visits its cells and sorts atoms.
#include <array>
#include <vector>

namespace strider {

// The cells of a dims[0] x dims[1] x dims[2] grid (cell (x, y, z) has index
// (z * dims[1] + y) * dims[0] + x) along a Morton (Z-order) curve: rank[c] is
// cell c's position on the curve. Cells close in space get close ranks at
// every scale, so atoms sorted by rank keep their neighbours near in memory
// at any N (sorting by plain index puts a cell's upper and lower neighbours
// whole planes of cells apart: a working set that grows as N^(2/3)).
std::vector<int> morton_cell_ranks(const std::array<int, 3>& dims);

}  // namespace strider
