#include "strider/neighbor_list.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "cell_curve.hpp"
#include "strider/error.hpp"

namespace strider {

namespace {

// Cells are at least reach / kSubdivision wide, so an atom's neighbours lie in
// the cells up to kSubdivision away: finer cells than the reach itself test
// fewer pairs that turn out too far apart (about 16 reach^3 of volume per
// atom instead of 27 reach^3).
constexpr int kSubdivision = 2;

// True when the image shift n is "positive": the first nonzero component > 0.
bool positive_image(const std::array<int, 3>& n) {
  for (int a = 0; a < 3; ++a) {
    if (n[a] != 0) return n[a] > 0;
  }
  return false;
}

std::string axis_name(int a) { return std::string(1, "xyz"[a]); }

std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", x);
  return text;
}

}  // namespace

namespace {

void check_coordinates(const System& system) {
  for (int i = 0; i < system.size(); ++i) {
    if (!system.positions.col(i).allFinite()) {
      throw InputError("atom " + std::to_string(i + 1) + " has a non-finite coordinate");
    }
  }
  for (int a = 0; a < 3; ++a) {
    const double length = system.box.length[a];
    if (system.box.periodic[a] && !(length > 0.0 && std::isfinite(length))) {
      throw InputError("periodic box length along " + axis_name(a) + " must be positive and finite, not " +
                       number(length));
    }
  }
}

}  // namespace

NeighborList::NeighborList(double cutoff, double skin) : cutoff_(cutoff), skin_(std::isfinite(cutoff) ? skin : 0.0) {}

namespace {

// Displacement of atom i since the build, less whole box lengths along
// periodic axes; `jumps` gets those box lengths.
Eigen::Vector3d displacement(const System& system, const Eigen::Matrix3Xd& reference, int i, Eigen::Vector3d& jumps) {
  const Box& box = system.box;
  Eigen::Vector3d d = system.positions.col(i) - reference.col(i);
  jumps.setZero();
  for (int a = 0; a < 3; ++a) {
    // Most atoms moved less than half a box: no jump, and no division.
    if (!box.periodic[a] || !(std::abs(d[a]) >= 0.5 * box.length[a])) continue;
    const double k = std::round(d[a] / box.length[a]);
    if (!std::isfinite(k)) continue;
    jumps[a] = k * box.length[a];
    d[a] -= jumps[a];
  }
  return d;
}

}  // namespace

bool NeighborList::same_layout(const System& system) const {
  return builds_ > 0 && system.size() == atoms() && system.box.lo == reference_box_.lo &&
         system.box.length == reference_box_.length && system.box.periodic == reference_box_.periodic;
}

bool NeighborList::needs_build(const System& system) const {
  if (!same_layout(system)) return true;
  if (!std::isfinite(cutoff_)) return false;
  const double limit2 = 0.25 * skin_ * skin_;
  Eigen::Vector3d jumps;
  for (int i = 0; i < system.size(); ++i) {
    // NaN: rebuild, which reports the bad coordinate.
    if (!(displacement(system, reference_, i, jumps).squaredNorm() <= limit2)) return true;
  }
  return false;
}

bool NeighborList::follow(const System& system) {
  if (!same_layout(system)) return false;
  if (!std::isfinite(cutoff_)) return true;
  const double limit2 = 0.25 * skin_ * skin_;
  Eigen::Vector3d jumps;
  for (int i = 0; i < system.size(); ++i) {
    // NaN: a build, which reports the bad coordinate.
    if (!(displacement(system, reference_, i, jumps).squaredNorm() <= limit2)) return false;
    // An atom wrapped back into the box since the build jumped by box lengths
    // along periodic axes: fold the jump into its wrap shift (x + wrap stays
    // continuous, so the listed pair offsets stay right). Optimisers and MD
    // wrap every step; without this every face crossing would force a rebuild.
    if (jumps.x() != 0.0 || jumps.y() != 0.0 || jumps.z() != 0.0) {
      wrap_.col(i) -= jumps;
      reference_.col(i) += jumps;
    }
  }
  return true;
}

bool NeighborList::update(const System& system) {
  if (follow(system)) return false;
  build(system);
  return true;
}

void NeighborList::build(const System& system) {
  check_coordinates(system);
  const int n = system.size();
  reference_ = system.positions;
  reference_box_ = system.box;
  wrap_.setZero(3, n);
  first_.assign(1, 0);  // no pairs until the build completes
  if (n == 0) {
    images_.setZero(3, 1);
    partner_.clear();
    image_.clear();
  } else if (std::isfinite(cutoff_)) {
    build_cells(system);
  } else {
    if (system.box.any_periodic()) throw InputError("an untruncated potential needs a free (non-periodic) box");
    build_all_pairs(system);
  }
  ++builds_;
}

void NeighborList::build_all_pairs(const System& system) {
  const long n = system.size();
  const long pairs = n * (n - 1) / 2;
  if (pairs > kMaxPairs) {
    throw InputError("an untruncated potential on " + std::to_string(n) + " atoms needs " + std::to_string(pairs) +
                     " pairs, more than the " + std::to_string(kMaxPairs) + " a neighbour list may hold");
  }
  images_.setZero(3, 1);
  partner_.clear();
  partner_.reserve(static_cast<size_t>(pairs));
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) partner_.push_back(j);
    first_.push_back(static_cast<int>(partner_.size()));
  }
  image_.assign(partner_.size(), 0);
}

// Cells at least reach / kSubdivision wide over the box along periodic axes
// and over [low, high] along free ones. Throws for a box far smaller than the
// reach (see build).
NeighborList::Grid NeighborList::make_grid(const Box& box, const Eigen::Vector3d& low, const Eigen::Vector3d& high,
                                           int n) const {
  // Cell counts per axis, in doubles until they are known to be small: at
  // most max(64, 2N) cells (a sparse cluster gets coarser cells, not memory
  // beyond O(N)); a periodic axis holds a whole number of cells.
  Grid grid;
  std::array<double, 3> extent{};
  for (int a = 0; a < 3; ++a) {
    grid.origin[a] = box.periodic[a] ? box.lo[a] : low[a];
    extent[a] = box.periodic[a] ? box.length[a] : high[a] - low[a];
    if (!std::isfinite(extent[a])) {
      throw InputError("atoms spread over more than " + number(std::numeric_limits<double>::max()) + " along " +
                       axis_name(a));
    }
  }
  const double reach = cutoff_ + skin_;
  const double max_cells = std::max(64.0, 2.0 * n);
  double width = reach / kSubdivision;
  std::array<double, 3> count{};
  for (;;) {
    for (int a = 0; a < 3; ++a) count[a] = std::clamp(std::floor(extent[a] / width), 1.0, max_cells);
    const double cells = count[0] * count[1] * count[2];
    if (cells <= max_cells) break;
    width *= std::max(1.01, std::cbrt(cells / max_cells));
  }
  double images = 1.0;
  for (int a = 0; a < 3; ++a) {
    grid.dims[a] = static_cast<int>(count[a]);
    // A free axis narrower than one cell (all atoms in a plane) still gets a
    // cell of the full width.
    grid.cell_width[a] = extent[a] / grid.dims[a];
    if (!box.periodic[a]) grid.cell_width[a] = std::max(grid.cell_width[a], reach / kSubdivision);
    // Cells within reach along a; with a margin so that rounding in an atom's
    // cell can never hide a pair.
    const double reach_count = std::ceil(reach * (1.0 + 1e-9) / grid.cell_width[a]);
    const double layer_count = box.periodic[a] ? std::ceil(reach_count / grid.dims[a]) : 0.0;
    images *= 2.0 * layer_count + 1.0;
    if (images > kMaxImages || reach_count > kMaxImages) {
      throw InputError("the periodic box (" + number(box.length[0]) + " x " + number(box.length[1]) + " x " +
                       number(box.length[2]) + ") is far smaller than the interaction range " + number(reach) +
                       " (cutoff + skin): each atom would meet more than " + std::to_string(kMaxImages) +
                       " periodic images of the box");
    }
    grid.reach_cells[a] = static_cast<int>(reach_count);
    grid.layers[a] = static_cast<int>(layer_count);
  }
  grid.rank = morton_cell_ranks(grid.dims);
  return grid;
}

int NeighborList::Grid::rank_of(const Eigen::Vector3d& y) const {
  std::array<int, 3> c{};
  for (int a = 0; a < 3; ++a) {
    const double k = std::floor((y[a] - origin[a]) / cell_width[a]);
    c[a] = static_cast<int>(std::clamp(k, 0.0, dims[a] - 1.0));
  }
  return rank[(static_cast<size_t>(c[2]) * dims[1] + c[1]) * dims[0] + c[0]];
}

std::vector<int> NeighborList::spatial_order(const System& system) const {
  const int n = system.size();
  check_coordinates(system);
  std::vector<int> order(n);
  if (!std::isfinite(cutoff_) || n == 0) {
    for (int i = 0; i < n; ++i) order[i] = i;
    return order;
  }
  Eigen::Matrix3Xd wrapped(3, n);
  for (int i = 0; i < n; ++i) wrapped.col(i) = system.box.wrap(system.positions.col(i));
  const Grid grid = make_grid(system.box, wrapped.rowwise().minCoeff(), wrapped.rowwise().maxCoeff(), n);
  std::vector<int> cell(n), first(static_cast<size_t>(grid.dims[0]) * grid.dims[1] * grid.dims[2] + 1, 0);
  for (int i = 0; i < n; ++i) {
    cell[i] = grid.rank_of(wrapped.col(i));
    ++first[cell[i] + 1];
  }
  for (size_t c = 1; c < first.size(); ++c) first[c] += first[c - 1];
  for (int i = 0; i < n; ++i) order[first[cell[i]]++] = i;
  return order;
}

// A grid of cells over the box (periodic axes) and over the atoms' extent
// (free axes); the atoms are sorted by the cells' ranks on a Morton curve so
// that a cell's atoms, and nearby cells' atoms, lie together in memory. Each
// pair is found once, from the cell whose offset to the other is positive in
// the "half stencil"; a periodic axis wraps a cell offset into a cell of the
// grid plus an image shift, which also covers boxes smaller than the reach
// (an offset of several whole boxes).
void NeighborList::build_cells(const System& system) {
  const int n = system.size();
  const Box& box = system.box;
  const double reach = cutoff_ + skin_;
  const double reach2 = reach * reach;

  // Atoms wrapped into the box, and the extent of the free axes.
  Eigen::Vector3d low = Eigen::Vector3d::Constant(std::numeric_limits<double>::max());
  Eigen::Vector3d high = -low;
  for (int i = 0; i < n; ++i) {
    const Eigen::Vector3d y = box.wrap(system.positions.col(i));
    wrap_.col(i) = y - system.positions.col(i);
    low = low.cwiseMin(y);
    high = high.cwiseMax(y);
  }

  const Grid grid = make_grid(box, low, high, n);
  const std::array<int, 3>& dims = grid.dims;
  const std::array<int, 3>& reach_cells = grid.reach_cells;
  const std::array<int, 3>& layers = grid.layers;
  const std::array<double, 3>& cell_width = grid.cell_width;

  // Image shifts: every lattice vector a cell offset can wrap to, zero first.
  const std::array<int, 3> side{2 * layers[0] + 1, 2 * layers[1] + 1, 2 * layers[2] + 1};
  images_.resize(3, side[0] * side[1] * side[2]);
  image_index_.assign(static_cast<size_t>(side[0]) * side[1] * side[2], 0);
  images_.col(0).setZero();
  int next_image = 1;
  for (int x = -layers[0]; x <= layers[0]; ++x)
    for (int y = -layers[1]; y <= layers[1]; ++y)
      for (int z = -layers[2]; z <= layers[2]; ++z) {
        const size_t slot = (static_cast<size_t>(z + layers[2]) * side[1] + (y + layers[1])) * side[0] + (x + layers[0]);
        if (x == 0 && y == 0 && z == 0) continue;
        image_index_[slot] = next_image;
        images_.col(next_image++) = Eigen::Vector3d(x * box.length[0], y * box.length[1], z * box.length[2]);
      }

  // Per axis, the cell and image shift that cell c plus offset o lands in
  // (cell -1: outside a free axis), stored at axis_base[a] + c * (2 r + 1) + o + r.
  std::array<size_t, 3> axis_base{};
  axis_cell_.clear();
  axis_shift_.clear();
  for (int a = 0; a < 3; ++a) {
    axis_base[a] = axis_cell_.size();
    for (int c = 0; c < dims[a]; ++c) {
      for (int o = -reach_cells[a]; o <= reach_cells[a]; ++o) {
        const int t = c + o;
        int shift = 0;
        if (box.periodic[a]) {
          shift = (t >= 0 ? t : t - dims[a] + 1) / dims[a];  // floor division
        }
        const int cell = t - shift * dims[a];
        axis_cell_.push_back(cell >= 0 && cell < dims[a] ? cell : -1);
        axis_shift_.push_back(shift + layers[a]);
      }
    }
  }

  // The half stencil: nonzero offsets with a positive first nonzero
  // component whose cells can hold atoms closer than the reach.
  stencil_.clear();
  for (int z = -reach_cells[2]; z <= reach_cells[2]; ++z)
    for (int y = -reach_cells[1]; y <= reach_cells[1]; ++y)
      for (int x = -reach_cells[0]; x <= reach_cells[0]; ++x) {
        const std::array<int, 3> o{x, y, z};
        if (!positive_image(o)) continue;
        double gap2 = 0.0;
        for (int a = 0; a < 3; ++a) {
          const double gap = std::max(0, std::abs(o[a]) - 1) * cell_width[a];
          gap2 += gap * gap;
        }
        if (gap2 < reach2 * (1.0 + 1e-9)) stencil_.push_back(o);
      }

  // Counting sort of the atoms by cell rank; within a cell in atom order.
  // cell_first_ and the sorted slots go by rank, cell indices by (x, y, z).
  const long cells = static_cast<long>(dims[0]) * dims[1] * dims[2];
  cell_first_.assign(static_cast<size_t>(cells) + 1, 0);
  atom_cell_.resize(n);
  for (int i = 0; i < n; ++i) {
    const Eigen::Vector3d y = system.positions.col(i) + wrap_.col(i);
    const int c = grid.rank_of(y);
    atom_cell_[i] = c;
    ++cell_first_[c + 1];
  }
  for (long c = 0; c < cells; ++c) cell_first_[c + 1] += cell_first_[c];
  packed_.resize(n);
  {
    std::vector<int>& fill = row_first_;  // reused as the fill cursor
    fill.assign(cell_first_.begin(), cell_first_.end() - 1);
    for (int i = 0; i < n; ++i) {
      const Eigen::Vector3d y = system.positions.col(i) + wrap_.col(i);
      packed_[fill[atom_cell_[i]]++] = {y[0], y[1], y[2], i};
    }
  }

  // Pairs in sorted order: row p of sorted atom p; then rows by atom.
  // row_partner_ and row_image_ are buffers whose first `used` entries hold
  // pairs; they grow as needed and are kept, or swapped with the list's own
  // storage, between builds (a rebuild allocates nothing new).
  row_first_.assign(1, 0);
  row_image_.resize(row_partner_.size());
  size_t used = 0;
  const double* shift_table = images_.data();
  // Cells in rank order, so that rows come in sorted-slot order.
  curve_cell_.resize(static_cast<size_t>(cells));
  for (long c = 0; c < cells; ++c) curve_cell_[grid.rank[c]] = static_cast<int>(c);
  for (long r = 0; r < cells; ++r) {
    const int cell = curve_cell_[r];
    const int cx = cell % dims[0], cy = cell / dims[0] % dims[1], cz = cell / dims[0] / dims[1];
    // The candidates of this cell's atoms, gathered once per cell: the cell's
    // own atoms, then the atoms of its half-stencil cells, each seen through
    // its image shift (position + shift) with that image's index.
    const int begin = cell_first_[r], end = cell_first_[r + 1];
    candidates_.assign(packed_.begin() + begin, packed_.begin() + end);
    candidate_image_.assign(static_cast<size_t>(end - begin), 0);
    const size_t bx = axis_base[0] + static_cast<size_t>(cx) * (2 * reach_cells[0] + 1) + reach_cells[0];
    const size_t by = axis_base[1] + static_cast<size_t>(cy) * (2 * reach_cells[1] + 1) + reach_cells[1];
    const size_t bz = axis_base[2] + static_cast<size_t>(cz) * (2 * reach_cells[2] + 1) + reach_cells[2];
    for (const std::array<int, 3>& o : stencil_) {
      const int nx = axis_cell_[bx + o[0]], ny = axis_cell_[by + o[1]], nz = axis_cell_[bz + o[2]];
      if (nx < 0 || ny < 0 || nz < 0) continue;
      const int near = grid.rank[(static_cast<size_t>(nz) * dims[1] + ny) * dims[0] + nx];
      const size_t slot =
          (static_cast<size_t>(axis_shift_[bz + o[2]]) * side[1] + axis_shift_[by + o[1]]) * side[0] +
          axis_shift_[bx + o[0]];
      const int image = image_index_[slot];
      const double* s = shift_table + 3 * image;
      for (int q = cell_first_[near]; q < cell_first_[near + 1]; ++q) {
        const Packed& b = packed_[q];
        candidates_.push_back({b.x + s[0], b.y + s[1], b.z + s[2], b.atom});
        candidate_image_.push_back(image);
      }
    }
    // Atom p of the cell against the candidates after it in the cell and all
    // of the neighbour cells'; branch-free (about half the candidates are
    // kept, too many for the branch predictor): every candidate is written,
    // only the kept ones advance the count.
    for (int p = begin; p < end; ++p) {
      const Packed& a = packed_[p];
      const size_t first = static_cast<size_t>(p - begin) + 1, last = candidates_.size();
      if (used + (last - first) > row_partner_.size()) {
        row_partner_.resize(std::max(2 * row_partner_.size(), used + (last - first)));
        row_image_.resize(row_partner_.size());
      }
      int* partner = row_partner_.data() + used;
      int* partner_image = row_image_.data() + used;
      int count = 0;
      for (size_t q = first; q < last; ++q) {
        const Packed& b = candidates_[q];
        const double dx = b.x - a.x, dy = b.y - a.y, dz = b.z - a.z;
        partner[count] = b.atom;
        partner_image[count] = candidate_image_[q];
        count += dx * dx + dy * dy + dz * dz < reach2;
      }
      used += count;
      if (static_cast<long>(used) > kMaxPairs) {
        throw InputError("more than " + std::to_string(kMaxPairs) + " atom pairs lie within the interaction range " +
                         number(reach) + " (cutoff + skin): the structure is far too dense or its box too small");
      }
      row_first_.push_back(static_cast<int>(used));
    }
  }

  // Rows by atom: atom i's row is the row of its sorted slot. Atoms that came
  // sorted (the evaluator sorts them by spatial_order before each build) have
  // their rows in atom order already: the buffers become the list, with no
  // copy (at 32 000 atoms the list is 13 MB), and keep their length (entries
  // past first_.back() are unused), so that no later build zeroes or
  // reallocates them.
  bool sorted = true;
  for (int p = 0; p < n && sorted; ++p) sorted = packed_[p].atom == p;
  if (sorted) {
    partner_.swap(row_partner_);
    image_.swap(row_image_);
    first_.swap(row_first_);
    return;
  }
  std::vector<int>& slot_of = atom_cell_;  // reused: sorted slot of each atom
  for (int p = 0; p < n; ++p) slot_of[packed_[p].atom] = p;
  first_.resize(static_cast<size_t>(n) + 1);
  for (int i = 0; i < n; ++i) first_[i + 1] = first_[i] + row_first_[slot_of[i] + 1] - row_first_[slot_of[i]];
  partner_.resize(used);
  image_.resize(used);
  for (int i = 0; i < n; ++i) {
    const int begin = row_first_[slot_of[i]], end = row_first_[slot_of[i] + 1];
    std::copy(row_partner_.begin() + begin, row_partner_.begin() + end, partner_.begin() + first_[i]);
    std::copy(row_image_.begin() + begin, row_image_.begin() + end, image_.begin() + first_[i]);
  }
}

std::vector<BrutePair> brute_force_pairs(const System& system, double cutoff) {
  if (system.size() == 0) return {};
  const Box& box = system.box;
  // Enough images that any separation up to the cutoff is reached, wherever
  // the (unwrapped) atoms are.
  std::array<int, 3> layers{0, 0, 0};
  for (int a = 0; a < 3; ++a) {
    double spread = system.positions.row(a).maxCoeff() - system.positions.row(a).minCoeff();
    if (box.periodic[a]) layers[a] = static_cast<int>(std::ceil((cutoff + spread) / box.length[a]));
  }
  std::vector<BrutePair> pairs;
  const int n = system.size();
  for (int i = 0; i < n; ++i) {
    for (int j = i; j < n; ++j) {
      for (int x = -layers[0]; x <= layers[0]; ++x)
        for (int y = -layers[1]; y <= layers[1]; ++y)
          for (int z = -layers[2]; z <= layers[2]; ++z) {
            std::array<int, 3> s{x, y, z};
            if (i == j && !positive_image(s)) continue;
            Eigen::Vector3d d = system.positions.col(j) - system.positions.col(i) +
                                Eigen::Vector3d(x, y, z).cwiseProduct(box.length);
            if (d.norm() < cutoff) pairs.push_back({i, j, d});
          }
    }
  }
  return pairs;
}

}  // namespace strider
