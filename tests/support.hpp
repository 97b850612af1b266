#pragma once
// Structures for the physics tests, made from a seeded generator so every run
// sees the same ones.
#include <cmath>
#include <random>

#include "strider/dataset.hpp"
#include "strider/system.hpp"

namespace strider::test {

// n atoms placed uniformly in `box` (periodic axes) or a cube of edge
// `extent` (free), no two closer than min_distance (minimum image), species
// drawn with probability p_second of being species 1.
inline System random_system(int n, const Box& box, double extent, double min_distance, double p_second,
                            unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  System system;
  system.box = box;
  system.positions.resize(3, n);
  system.species.resize(n);
  for (int i = 0; i < n; ++i) {
    for (int attempt = 0;; ++attempt) {
      Eigen::Vector3d x;
      for (int a = 0; a < 3; ++a) x[a] = box.lo[a] + unit(rng) * (box.periodic[a] ? box.length[a] : extent);
      bool clear = true;
      for (int j = 0; j < i && clear; ++j) {
        Eigen::Vector3d d = x - system.positions.col(j);
        for (int a = 0; a < 3; ++a) {
          if (box.periodic[a]) d[a] -= box.length[a] * std::round(d[a] / box.length[a]);
        }
        clear = d.norm() >= min_distance;
      }
      if (clear || attempt > 100000) {
        system.positions.col(i) = x;
        break;
      }
    }
    system.species[i] = unit(rng) < p_second ? 1 : 0;
  }
  return system;
}

// Cubic diamond silicon: cells^3 conventional cells of edge a (Angstrom), each
// atom displaced by a uniform random vector in [-jitter, jitter]^3.
inline System diamond(int cells, double a, double jitter, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> noise(-jitter, jitter);
  System system = diamond_lattice(cells, a);
  for (int i = 0; i < system.size(); ++i) system.positions.col(i) += Eigen::Vector3d(noise(rng), noise(rng), noise(rng));
  return system;
}

}  // namespace strider::test
