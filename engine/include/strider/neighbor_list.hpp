#pragma once
// Half neighbour list over every periodic image, built with cell lists and
// kept valid between rebuilds by a Verlet skin.
#include <Eigen/Core>
#include <array>
#include <vector>

#include "strider/system.hpp"

namespace strider {

// Each unordered pair of atoms (i, j, image) closer than cutoff + skin at
// build time appears exactly once, also when the cutoff exceeds half the box
// (several images of one pair, and an atom with its own images, all count).
// A pair is listed under either of its atoms (j may be below i), in an order
// fixed by the positions alone, so every build from the same input gives the
// same list.
//
// The separation of a listed pair, valid for any positions until the next
// rebuild, is  d = x_j - x_i + offset(i, j, k)  where
//   offset = (wrap[j] - wrap[i]) + images[image_of_pair]
// and wrap holds, per atom, the shift that brought it into the box at build.
class NeighborList {
 public:
  // cutoff, skin: lengths in the system's unit. An infinite cutoff lists all
  // pairs (only valid for a box with no periodic axis).
  NeighborList(double cutoff, double skin);

  // True if any atom moved more than skin/2 since the last build (wrapping
  // into the box does not count), if the atom count or box changed, or if
  // never built.
  bool needs_build(const System& system) const;
  // Brings the list up to date for `system` without a build when it can: one
  // pass that checks every atom's move against skin/2 and folds wraps into
  // the box into the wrap shifts (wrapping is no move). Returns true when the
  // list is valid for `system`; false when needs_build(system), and then the
  // list must be built before it is used again.
  bool follow(const System& system);
  // Rebuilds if needs_build(system), else follows it. Returns true on a rebuild.
  bool update(const System& system);
  // Rebuilds unconditionally. Throws InputError for a non-finite coordinate
  // or box, a periodic box so much smaller than cutoff + skin that each atom
  // would meet more than kMaxImages images of it, or more than kMaxPairs pairs.
  void build(const System& system);

  // Caps checked before anything of that size is allocated.
  static constexpr long kMaxImages = 1000000;
  // 2^26 pairs: about 1 GiB at the peak of a build (pairs in sorted order
  // plus the rows by atom, 8 bytes a pair each, and vector growth).
  static constexpr long kMaxPairs = 1L << 26;

  // The atoms of `system` ordered by the cells a build would sort them into
  // (cells along a Morton curve, atom order within a cell): neighbours in
  // space become neighbours in memory. The identity for an infinite cutoff.
  // Same errors as build.
  std::vector<int> spatial_order(const System& system) const;

  double cutoff() const { return cutoff_; }
  double skin() const { return skin_; }
  int atoms() const { return static_cast<int>(first_.size()) - 1; }
  int pairs() const { return first_.back(); }
  int builds() const { return builds_; }

  // Pairs of atom i are partner()[k], image()[k] for k in [first()[i], first()[i+1]).
  const std::vector<int>& first() const { return first_; }
  const std::vector<int>& partner() const { return partner_; }
  const std::vector<int>& image() const { return image_; }
  // Image shift vectors (3 x images), column 0 is the zero shift.
  const Eigen::Matrix3Xd& images() const { return images_; }
  // Per-atom wrap shift at build (3 x N).
  const Eigen::Matrix3Xd& wrap() const { return wrap_; }

  // x + wrap: the atoms' positions shifted as at build time (3 x N), so that
  // d = shifted[j] - shifted[i] + images[image].
  Eigen::Matrix3Xd shifted(const Eigen::Matrix3Xd& positions) const { return positions + wrap_; }

 private:
  // Cells over the box (periodic axes) or the atoms' extent (free axes).
  struct Grid {
    std::array<double, 3> origin{}, cell_width{};
    std::array<int, 3> dims{};         // cells along each axis
    std::array<int, 3> reach_cells{};  // cells a pair within reach can be apart
    std::array<int, 3> layers{};       // periodic images a pair can be apart
    // Position on the Morton curve of cell (z * dims[1] + y) * dims[0] + x.
    std::vector<int> rank;
    // Rank of the cell holding the (wrapped) position y.
    int rank_of(const Eigen::Vector3d& y) const;
  };
  Grid make_grid(const Box& box, const Eigen::Vector3d& low, const Eigen::Vector3d& high, int n) const;
  // Built before, for as many atoms in the same box as `system`.
  bool same_layout(const System& system) const;
  void build_all_pairs(const System& system);
  void build_cells(const System& system);

  // Atoms sorted by cell: wrapped position and the atom it stands for.
  struct Packed {
    double x, y, z;
    int atom;
  };

  double cutoff_, skin_;
  int builds_ = 0;
  std::vector<int> first_{0};
  std::vector<int> partner_;
  std::vector<int> image_;
  Eigen::Matrix3Xd images_;
  Eigen::Matrix3Xd wrap_;
  Eigen::Matrix3Xd reference_;
  Box reference_box_;
  // Scratch kept between builds so a rebuild allocates nothing new.
  std::vector<Packed> packed_, candidates_;
  std::vector<int> cell_first_, atom_cell_, row_first_, row_partner_, row_image_;
  std::vector<int> axis_cell_, axis_shift_, image_index_, curve_cell_, candidate_image_;
  std::vector<std::array<int, 3>> stencil_;
};

// The brute-force oracle: every (i, j, image) with |d| < cutoff, by looping
// over all pairs and all images that can reach the cutoff. Each entry is
// (i, j, d) with i <= j; for i == j only one of each +/- image pair.
struct BrutePair {
  int i, j;
  Eigen::Vector3d d;
};
std::vector<BrutePair> brute_force_pairs(const System& system, double cutoff);

}  // namespace strider
