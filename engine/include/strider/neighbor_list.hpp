#pragma once
// Half neighbour list over every periodic image, built with cell lists and
// kept valid between rebuilds by a Verlet skin.
#include <Eigen/Core>
#include <vector>

#include "strider/system.hpp"

namespace strider {

// Each unordered pair of atoms (i, j, image) closer than cutoff + skin at
// build time appears exactly once, also when the cutoff exceeds half the box
// (several images of one pair, and an atom with its own images, all count).
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

  // Rebuilds if any atom moved more than skin/2 since the last build, if the
  // atom count or box changed, or if never built. Returns true on a rebuild.
  bool update(const System& system);
  // Rebuilds unconditionally.
  void build(const System& system);

  double cutoff() const { return cutoff_; }
  double skin() const { return skin_; }
  int atoms() const { return static_cast<int>(first_.size()) - 1; }
  int pairs() const { return static_cast<int>(partner_.size()); }
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
  void build_all_pairs(const System& system);
  void build_cells(const System& system);

  double cutoff_, skin_;
  int builds_ = 0;
  std::vector<int> first_{0};
  std::vector<int> partner_;
  std::vector<int> image_;
  Eigen::Matrix3Xd images_;
  Eigen::Matrix3Xd wrap_;
  Eigen::Matrix3Xd reference_;
  Box reference_box_;
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
