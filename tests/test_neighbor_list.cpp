// The cell-list neighbour list against the brute-force all-images oracle.
#include <algorithm>
#include <limits>
#include <random>
#include <tuple>

#include <catch2/catch.hpp>

#include "../engine/src/neighbor/cell_curve.hpp"
#include "strider/error.hpp"
#include "strider/neighbor_list.hpp"
#include "support.hpp"

using namespace strider;

namespace {

using Key = std::tuple<int, int, long, long, long>;

Key key_of(int i, int j, const Eigen::Vector3d& d) {
  if (j < i) return key_of(j, i, -d);  // the oracle lists i <= j
  return {i, j, std::lround(d[0] * 1e7), std::lround(d[1] * 1e7), std::lround(d[2] * 1e7)};
}

// Every listed pair closer than the cutoff, as sorted keys.
std::vector<Key> listed_pairs(const System& system, const NeighborList& list, double cutoff) {
  std::vector<Key> keys;
  const Eigen::Matrix3Xd y = list.shifted(system.positions);
  for (int i = 0; i < system.size(); ++i) {
    for (int k = list.first()[i]; k < list.first()[i + 1]; ++k) {
      const int j = list.partner()[k];
      const Eigen::Vector3d d = y.col(j) - y.col(i) + list.images().col(list.image()[k]);
      if (d.norm() < cutoff) keys.push_back(key_of(i, j, d));
    }
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

std::vector<Key> oracle_pairs(const System& system, double cutoff) {
  std::vector<Key> keys;
  for (const BrutePair& p : brute_force_pairs(system, cutoff)) keys.push_back(key_of(p.i, p.j, p.d));
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Moves every atom by up to `step` per axis, many times, checking the list
// (with its skin, rebuilt only when needed) against the oracle after each move.
void check_random_walk(System system, double cutoff, double skin, double step, int moves, unsigned seed) {
  NeighborList list(cutoff, skin);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> noise(-step, step);
  for (int move = 0; move <= moves; ++move) {
    list.update(system);
    REQUIRE(listed_pairs(system, list, cutoff) == oracle_pairs(system, cutoff));
    for (int i = 0; i < system.size(); ++i) system.positions.col(i) += Eigen::Vector3d(noise(rng), noise(rng), noise(rng));
  }
  CHECK(list.builds() > 1);          // atoms did travel past the skin
  CHECK(list.builds() < moves + 1);  // and the skin saved rebuilds
}

// The atoms of `system` in the order `order` (atom p of the result is atom
// order[p]).
System permuted(const System& system, const std::vector<int>& order) {
  System out = system;
  for (size_t p = 0; p < order.size(); ++p) {
    out.positions.col(p) = system.positions.col(order[p]);
    out.species[p] = system.species[order[p]];
  }
  return out;
}

// Morton key of cell (x, y, z) by interleaving bits, z the most significant
// of each triple.
long interleaved(int x, int y, int z) {
  long key = 0;
  for (int b = 0; b < 16; ++b) {
    key |= ((x >> b) & 1L) << (3 * b) | ((y >> b) & 1L) << (3 * b + 1) | ((z >> b) & 1L) << (3 * b + 2);
  }
  return key;
}

}  // namespace

TEST_CASE("cells are ranked along the Morton curve of interleaved bits") {
  for (const std::array<int, 3>& dims : {std::array<int, 3>{8, 8, 8}, {3, 5, 6}, {1, 13, 2}, {21, 21, 21}}) {
    const std::vector<int> rank = morton_cell_ranks(dims);
    // The cells sorted by their interleaved keys must be the cells in rank order.
    std::vector<std::pair<long, int>> keyed;
    for (int z = 0, c = 0; z < dims[2]; ++z)
      for (int y = 0; y < dims[1]; ++y)
        for (int x = 0; x < dims[0]; ++x, ++c) keyed.push_back({interleaved(x, y, z), c});
    std::sort(keyed.begin(), keyed.end());
    REQUIRE(rank.size() == keyed.size());
    for (size_t r = 0; r < keyed.size(); ++r) REQUIRE(rank[keyed[r].second] == static_cast<int>(r));
  }
  // A full power-of-two grid: the rank is the key itself.
  const std::vector<int> rank = morton_cell_ranks({8, 8, 8});
  CHECK(rank[(5 * 8 + 3) * 8 + 6] == interleaved(6, 3, 5));
}

TEST_CASE("neighbour list built on atoms in spatial order matches the oracle through rebuilds") {
  // The evaluator's way: before each build the atoms are put in the list's
  // spatial order (the build then takes its rows as they come), every other
  // build left unsorted (rows copied by atom), as the atoms walk.
  System system = test::random_system(300, Box::orthorhombic({7.0, 8.0, 9.0}), 0, 0.8, 0.2, 30);
  NeighborList list(2.5, 0.3);
  std::mt19937_64 rng(31);
  std::uniform_real_distribution<double> noise(-0.06, 0.06);
  int sorted_builds = 0;
  for (int move = 0; move <= 40; ++move) {
    if (list.needs_build(system)) {
      if (list.builds() % 2 == 0) {
        system = permuted(system, list.spatial_order(system));
        ++sorted_builds;
      }
      list.build(system);
    } else {
      REQUIRE(list.follow(system));
    }
    REQUIRE(list.pairs() == list.first().back());
    REQUIRE(listed_pairs(system, list, 2.5) == oracle_pairs(system, 2.5));
    for (int i = 0; i < system.size(); ++i) system.positions.col(i) += Eigen::Vector3d(noise(rng), noise(rng), noise(rng));
  }
  CHECK(sorted_builds >= 2);
  CHECK(list.builds() > sorted_builds);
}

TEST_CASE("following the atoms folds wraps into the box and refuses a move past half the skin") {
  System system = test::random_system(80, Box::cubic(6.0), 0, 0.8, 0.2, 32);
  NeighborList list(2.5, 0.3);
  CHECK_FALSE(list.follow(system));  // never built
  list.build(system);
  // Atom 0 wrapped across a face (a jump of one box length) and atom 1 moved
  // less than skin/2: the list follows.
  system.positions(0, 0) += 6.0;
  system.positions(1, 1) += 0.14;
  REQUIRE(list.follow(system));
  CHECK(listed_pairs(system, list, 2.5) == oracle_pairs(system, 2.5));
  system.positions(2, 2) += 0.16;  // past skin/2
  CHECK(list.needs_build(system));
  CHECK_FALSE(list.follow(system));
  CHECK(list.update(system));
  CHECK(listed_pairs(system, list, 2.5) == oracle_pairs(system, 2.5));
}

TEST_CASE("neighbour list matches the oracle in a box larger than twice the cutoff") {
  System system = test::random_system(120, Box::cubic(7.0), 0, 0.8, 0.2, 1);
  check_random_walk(system, 2.5, 0.3, 0.05, 40, 2);
}

TEST_CASE("neighbour list counts every image when the cutoff exceeds half the box") {
  // N = 25 binary LJ at density 1.2: L = 2.752 < 2 x 2.5.
  System system = test::random_system(25, Box::cubic(2.752), 0, 0.8, 0.2, 3);
  check_random_walk(system, 2.5, 0.3, 0.05, 30, 4);
}

TEST_CASE("neighbour list handles a box smaller than the cutoff itself") {
  System system = test::random_system(3, Box::orthorhombic({1.1, 1.7, 2.3}), 0, 0.5, 0.0, 5);
  check_random_walk(system, 2.5, 0.2, 0.05, 20, 6);
}

TEST_CASE("neighbour list in an orthorhombic box with atoms far outside it") {
  System system = test::random_system(60, Box::orthorhombic({4.0, 5.5, 7.0}), 0, 0.7, 0.0, 7);
  system.box.lo = Eigen::Vector3d(-1.0, 2.0, 0.5);
  system.positions.row(0).array() += 3 * 4.0;   // unwrapped by several box lengths
  system.positions.row(2).array() -= 2 * 7.0;
  check_random_walk(system, 2.2, 0.25, 0.04, 20, 8);
}

TEST_CASE("neighbour list for a free cluster and for mixed periodicity") {
  System cluster = test::random_system(40, Box::free(), 4.0, 0.8, 0.0, 9);
  check_random_walk(cluster, 1.5, 0.2, 0.05, 20, 10);
  Box slab = Box::orthorhombic({4.0, 4.0, 0.0});
  slab.periodic[2] = false;
  System film = test::random_system(40, slab, 3.0, 0.8, 0.0, 11);
  check_random_walk(film, 2.5, 0.2, 0.05, 20, 12);
}

TEST_CASE("an infinite cutoff lists all pairs of a free cluster and refuses a periodic box") {
  System cluster = test::random_system(13, Box::free(), 3.0, 0.8, 0.0, 13);
  NeighborList list(std::numeric_limits<double>::infinity(), 0.3);
  list.build(cluster);
  CHECK(list.pairs() == 13 * 12 / 2);
  System periodic = test::random_system(5, Box::cubic(3.0), 0, 0.5, 0.0, 14);
  CHECK_THROWS_AS(list.build(periodic), InputError);
}

TEST_CASE("neighbour list refuses non-finite coordinates") {
  System system = test::random_system(5, Box::cubic(3.0), 0, 0.5, 0.0, 15);
  system.positions(1, 3) = std::numeric_limits<double>::quiet_NaN();
  NeighborList list(1.0, 0.1);
  CHECK_THROWS_AS(list.build(system), InputError);
}

TEST_CASE("neighbour list matches the oracle in a long thin box (1, 4 and 14 cells along the axes)") {
  System system = test::random_system(150, Box::orthorhombic({2.0, 6.0, 20.0}), 0, 0.8, 0.2, 16);
  check_random_walk(system, 2.5, 0.3, 0.05, 20, 17);
}

TEST_CASE("neighbour list matches the oracle for a box ten times smaller than the cutoff") {
  // Every atom meets each other atom, and itself, in thousands of images.
  System system = test::random_system(2, Box::orthorhombic({0.25, 0.3, 0.35}), 0, 0.0, 0.5, 18);
  check_random_walk(system, 2.5, 0.25, 0.05, 10, 19);
}

TEST_CASE("neighbour list of a free cluster spread over 1e7 and 1e9 length units") {
  // Regression: the cell count of a grid over this extent wrapped to 0 and
  // `strider energy` segfaulted; atoms 1e9 apart ended in bad_alloc.
  for (double spread : {1e7, 1e9}) {
    System cluster;
    cluster.box = Box::free();
    cluster.positions.resize(3, 3);
    cluster.positions << 0.0, spread, spread + 1.1,  //
        0.0, 0.3 * spread, 0.3 * spread,             //
        0.0, -0.2 * spread, -0.2 * spread + 0.4;
    cluster.species = {0, 1, 0};
    NeighborList list(2.5, 0.25);
    list.build(cluster);
    REQUIRE(list.pairs() == 1);  // only the two atoms 1.17 apart
    CHECK(listed_pairs(cluster, list, 2.5) == oracle_pairs(cluster, 2.5));
  }
}

TEST_CASE("neighbour list of a sparse 60 000-atom free cluster stays O(N)") {
  // 30 000 dimers 1.0 long, scattered over a cube 1e7 wide: exactly one pair
  // each. (Regression: bad_alloc after gigabytes.)
  const int dimers = 30000;
  std::mt19937_64 rng(20);
  std::uniform_real_distribution<double> place(0.0, 1e7);
  System cluster;
  cluster.box = Box::free();
  cluster.positions.resize(3, 2 * dimers);
  cluster.species.assign(2 * dimers, 0);
  for (int k = 0; k < dimers; ++k) {
    const Eigen::Vector3d x(place(rng), place(rng), place(rng));
    cluster.positions.col(2 * k) = x;
    cluster.positions.col(2 * k + 1) = x + Eigen::Vector3d(0.6, 0.0, 0.8);
  }
  NeighborList list(2.5, 0.25);
  list.build(cluster);
  REQUIRE(list.pairs() == dimers);
  for (int i = 0; i < 2 * dimers; ++i) {
    for (int k = list.first()[i]; k < list.first()[i + 1]; ++k) CHECK(list.partner()[k] / 2 == i / 2);
  }
}

TEST_CASE("neighbour list refuses a periodic box far smaller than the cutoff, at once") {
  // Regression: 0.01 ... 1e-5 boxes hung, and at 1e-9 the image layers
  // overflowed int (a 2.3e108 energy with only the direct pair counted).
  for (double length : {0.01, 1e-5, 1e-9, 1e-300}) {
    System system = test::random_system(3, Box::cubic(length), 0, 0.0, 0.5, 21);
    NeighborList list(2.5, 0.25);
    CHECK_THROWS_WITH(list.build(system), Catch::Contains("far smaller than the interaction range"));
  }
  // One tiny periodic axis is enough.
  Box wire = Box::orthorhombic({1e-6, 10.0, 10.0});
  System system = test::random_system(3, wire, 0, 0.0, 0.5, 22);
  NeighborList list(2.5, 0.25);
  CHECK_THROWS_AS(list.build(system), InputError);
}

TEST_CASE("neighbour list refuses a non-finite periodic box and an untruncated list too large to hold") {
  System system = test::random_system(3, Box::cubic(3.0), 0, 0.0, 0.5, 23);
  system.box.length[1] = std::numeric_limits<double>::infinity();
  NeighborList list(2.5, 0.25);
  CHECK_THROWS_AS(list.build(system), InputError);
  // 60 000 atoms, every pair: 1.8e9 pairs, refused before any is stored.
  System cluster = test::random_system(1, Box::free(), 1.0, 0.0, 0.0, 24);
  cluster.positions = Eigen::Matrix3Xd::Random(3, 60000) * 100.0;
  cluster.species.assign(60000, 0);
  NeighborList all(std::numeric_limits<double>::infinity(), 0.0);
  CHECK_THROWS_WITH(all.build(cluster), Catch::Contains("untruncated potential on 60000 atoms"));
}
