#include "strider/neighbor_list.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "strider/error.hpp"

namespace strider {

namespace {

// The atom (owner) and image a cell-list entry stands for, and its position.
struct Entry {
  int owner;
  int image;
  Eigen::Vector3d y;
};

// True when the image shift n is "positive": the first nonzero component > 0.
bool positive_image(const std::array<int, 3>& n) {
  for (int a = 0; a < 3; ++a) {
    if (n[a] != 0) return n[a] > 0;
  }
  return false;
}

}  // namespace

NeighborList::NeighborList(double cutoff, double skin) : cutoff_(cutoff), skin_(std::isfinite(cutoff) ? skin : 0.0) {}

bool NeighborList::update(const System& system) {
  bool stale = builds_ == 0 || system.size() != atoms() || system.box.lo != reference_box_.lo ||
               system.box.length != reference_box_.length || system.box.periodic != reference_box_.periodic;
  if (!stale && std::isfinite(cutoff_)) {
    // An atom wrapped back into the box since the build jumped by box lengths
    // along periodic axes: fold the jump into its wrap shift (x + wrap stays
    // continuous, so the listed pair offsets stay right) and count only its
    // real displacement. Optimisers and MD wrap every step; without this every
    // face crossing would force a rebuild.
    const double limit2 = 0.25 * skin_ * skin_;
    const Box& box = system.box;
    for (int i = 0; i < system.size() && !stale; ++i) {
      Eigen::Vector3d d = system.positions.col(i) - reference_.col(i);
      for (int a = 0; a < 3; ++a) {
        if (!box.periodic[a]) continue;
        const double jumps = std::round(d[a] / box.length[a]);
        if (jumps == 0.0 || !std::isfinite(jumps)) continue;
        d[a] -= jumps * box.length[a];
        wrap_(a, i) -= jumps * box.length[a];
        reference_(a, i) += jumps * box.length[a];
      }
      stale = !(d.squaredNorm() <= limit2);  // NaN: rebuild, which reports the bad coordinate
    }
  }
  if (stale) build(system);
  return stale;
}

void NeighborList::build(const System& system) {
  const int n = system.size();
  for (int i = 0; i < n; ++i) {
    if (!system.positions.col(i).allFinite()) {
      throw InputError("atom " + std::to_string(i + 1) + " has a non-finite coordinate");
    }
  }
  for (int a = 0; a < 3; ++a) {
    if (system.box.periodic[a] && !(system.box.length[a] > 0.0)) {
      throw InputError("periodic box length along axis " + std::to_string(a) + " must be positive");
    }
  }
  reference_ = system.positions;
  reference_box_ = system.box;
  wrap_.setZero(3, n);
  first_.assign(1, 0);
  partner_.clear();
  image_.clear();
  if (n == 0) {
    images_.setZero(3, 1);
  } else if (std::isfinite(cutoff_)) {
    build_cells(system);
  } else {
    if (system.box.any_periodic()) throw InputError("an untruncated potential needs a free (non-periodic) box");
    build_all_pairs(system);
  }
  ++builds_;
}

void NeighborList::build_all_pairs(const System& system) {
  const int n = system.size();
  images_.setZero(3, 1);
  partner_.reserve(static_cast<size_t>(n) * (n - 1) / 2);
  for (int i = 0; i < n; ++i) {
    for (int j = i + 1; j < n; ++j) partner_.push_back(j);
    first_.push_back(static_cast<int>(partner_.size()));
  }
  image_.assign(partner_.size(), 0);
}

void NeighborList::build_cells(const System& system) {
  const int n = system.size();
  const Box& box = system.box;
  const double reach = cutoff_ + skin_;
  const double reach2 = reach * reach;

  // Image shifts: every lattice vector whose image of the box comes within reach.
  std::array<int, 3> layers{0, 0, 0};
  for (int a = 0; a < 3; ++a) {
    if (box.periodic[a]) layers[a] = static_cast<int>(std::ceil(reach / box.length[a]));
  }
  std::vector<std::array<int, 3>> shifts{{0, 0, 0}};
  for (int x = -layers[0]; x <= layers[0]; ++x)
    for (int y = -layers[1]; y <= layers[1]; ++y)
      for (int z = -layers[2]; z <= layers[2]; ++z)
        if (x != 0 || y != 0 || z != 0) shifts.push_back({x, y, z});
  images_.resize(3, static_cast<Eigen::Index>(shifts.size()));
  for (size_t k = 0; k < shifts.size(); ++k) {
    for (int a = 0; a < 3; ++a) images_(a, static_cast<Eigen::Index>(k)) = shifts[k][a] * box.length[a];
  }

  // Atoms wrapped into the box, then every image within reach of the box as a ghost.
  std::vector<Entry> entries;
  entries.reserve(static_cast<size_t>(n) * 2);
  for (int i = 0; i < n; ++i) {
    Eigen::Vector3d y = box.wrap(system.positions.col(i));
    wrap_.col(i) = y - system.positions.col(i);
    entries.push_back({i, 0, y});
  }
  for (size_t k = 1; k < shifts.size(); ++k) {
    for (int i = 0; i < n; ++i) {
      Eigen::Vector3d y = entries[i].y + images_.col(static_cast<Eigen::Index>(k));
      bool near = true;
      for (int a = 0; a < 3 && near; ++a) {
        if (box.periodic[a]) near = y[a] >= box.lo[a] - reach && y[a] < box.lo[a] + box.length[a] + reach;
      }
      if (near) entries.push_back({i, static_cast<int>(k), y});
    }
  }

  // Cells no smaller than the reach over the region the entries span; the
  // grid is coarsened if the region is sparse so memory stays O(entries).
  Eigen::Vector3d low = Eigen::Vector3d::Constant(std::numeric_limits<double>::max());
  Eigen::Vector3d high = -low;
  for (const Entry& e : entries) {
    low = low.cwiseMin(e.y);
    high = high.cwiseMax(e.y);
  }
  double cell = reach;
  std::array<long, 3> dims{};
  auto size_grid = [&] {
    for (int a = 0; a < 3; ++a) dims[a] = std::max(1L, static_cast<long>((high[a] - low[a]) / cell));
    return dims[0] * dims[1] * dims[2];
  };
  while (size_grid() > std::max<long>(27, 4 * static_cast<long>(entries.size()))) cell *= 1.5;
  auto cell_of = [&](const Eigen::Vector3d& y, int a) {
    if (dims[a] == 1) return 0L;
    long c = static_cast<long>((y[a] - low[a]) / (high[a] - low[a]) * dims[a]);
    return std::clamp(c, 0L, dims[a] - 1);
  };
  auto cell_index = [&](long cx, long cy, long cz) { return (cz * dims[1] + cy) * dims[0] + cx; };

  // Counting sort of the entries into cells.
  const long cells = dims[0] * dims[1] * dims[2];
  std::vector<int> cell_first(static_cast<size_t>(cells) + 1, 0);
  std::vector<long> entry_cell(entries.size());
  for (size_t e = 0; e < entries.size(); ++e) {
    entry_cell[e] = cell_index(cell_of(entries[e].y, 0), cell_of(entries[e].y, 1), cell_of(entries[e].y, 2));
    ++cell_first[entry_cell[e] + 1];
  }
  for (long c = 0; c < cells; ++c) cell_first[c + 1] += cell_first[c];
  std::vector<int> cell_entries(entries.size());
  std::vector<int> fill(cell_first.begin(), cell_first.end() - 1);
  for (size_t e = 0; e < entries.size(); ++e) cell_entries[fill[entry_cell[e]]++] = static_cast<int>(e);

  // Each unordered (i, j, image) once: j > i, or j == i with a positive image.
  for (int i = 0; i < n; ++i) {
    const Eigen::Vector3d& yi = entries[i].y;
    std::array<long, 3> c{cell_of(yi, 0), cell_of(yi, 1), cell_of(yi, 2)};
    for (long cz = std::max(0L, c[2] - 1); cz <= std::min(dims[2] - 1, c[2] + 1); ++cz)
      for (long cy = std::max(0L, c[1] - 1); cy <= std::min(dims[1] - 1, c[1] + 1); ++cy)
        for (long cx = std::max(0L, c[0] - 1); cx <= std::min(dims[0] - 1, c[0] + 1); ++cx) {
          long cc = cell_index(cx, cy, cz);
          for (int k = cell_first[cc]; k < cell_first[cc + 1]; ++k) {
            const Entry& e = entries[cell_entries[k]];
            if (e.owner < i || (e.owner == i && !positive_image(shifts[e.image]))) continue;
            if ((e.y - yi).squaredNorm() >= reach2) continue;
            partner_.push_back(e.owner);
            image_.push_back(e.image);
          }
        }
    first_.push_back(static_cast<int>(partner_.size()));
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
