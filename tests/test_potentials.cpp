// The potentials checked against themselves (finite differences, symmetries)
// and against published values.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include <catch2/catch.hpp>

#include "strider/error.hpp"
#include "strider/evaluator.hpp"
#include "support.hpp"

using namespace strider;

namespace {

struct Case {
  std::string name, key;
  PotentialOptions options;
  System system;
  double h;  // finite-difference step (length unit)
};

// Random structures of every system, including boxes smaller than twice the
// cutoff, an orthorhombic box, a free cluster and a strongly distorted crystal.
std::vector<Case> cases() {
  std::vector<Case> out;
  out.push_back({"lj-binary N=60", "lj-binary", {}, test::random_system(60, Box::cubic(3.7), 0, 0.8, 0.2, 21), 1e-5});
  out.push_back({"lj-binary N=25 small box", "lj-binary", {}, test::random_system(25, Box::cubic(2.752), 0, 0.8, 0.2, 22), 1e-5});
  out.push_back({"lj-binary shifted", "lj-binary", {true, 0}, test::random_system(40, Box::orthorhombic({3.0, 3.5, 4.0}), 0, 0.8, 0.2, 23), 1e-5});
  out.push_back({"sw-si diamond 64 distorted", "sw-si", {}, test::diamond(2, 5.431, 0.35, 24), 1e-5});
  out.push_back({"sw-si diamond 8 small box", "sw-si", {}, test::diamond(1, 5.431, 0.2, 25), 1e-5});
  out.push_back({"sw-si liquid-like", "sw-si", {}, test::random_system(50, Box::cubic(9.5), 0, 2.0, 0.0, 26), 1e-5});
  out.push_back({"csh N=40", "csh", {}, test::random_system(40, Box::cubic(260.0), 0, 44.0, 0.0, 27), 1e-4});
  out.push_back({"csh small box", "csh", {}, test::random_system(10, Box::cubic(140.0), 0, 45.0, 0.0, 28), 1e-4});
  out.push_back({"lj free cluster", "lj", {}, test::random_system(20, Box::free(), 2.8, 0.85, 0.0, 29), 1e-5});
  out.push_back({"lj periodic rc=2.5", "lj", {false, 2.5}, test::random_system(30, Box::cubic(3.3), 0, 0.85, 0.0, 30), 1e-5});
  return out;
}

double energy_of(Evaluator& evaluator, const System& system) { return evaluator.evaluate(system).energy; }

// Atoms with a neighbour within `margin` of one of the truncation distances,
// where the force itself jumps and a finite difference cannot see it.
std::vector<bool> near_truncation(const System& system, const std::vector<double>& cutoffs, double margin) {
  std::vector<bool> near(system.size(), false);
  const double reach = *std::max_element(cutoffs.begin(), cutoffs.end()) + margin;
  for (const BrutePair& p : brute_force_pairs(system, reach)) {
    for (double rc : cutoffs) {
      if (std::abs(p.d.norm() - rc) < margin) near[p.i] = near[p.j] = true;
    }
  }
  return near;
}

// The truncation distances of each system's pair terms (SW is smooth at its cutoff).
std::vector<double> truncations(const std::string& key) {
  if (key == "lj-binary") return {2.5, 2.0, 2.2};
  if (key == "csh") return {150.0};
  if (key == "lj") return {2.5};
  return {};
}

}  // namespace

TEST_CASE("forces are minus the gradient of the energy (central differences)") {
  for (Case& c : cases()) {
    DYNAMIC_SECTION(c.name) {
      // A truncated pair energy jumps at the cutoff; shifting removes the jump
      // and leaves the forces as they are (checked below), so differentiate that.
      PotentialOptions shifted = c.options;
      shifted.shift = true;
      Evaluator evaluator(make_potential(c.key, shifted));
      const Eigen::Matrix3Xd forces = evaluator.evaluate(c.system).forces;
      Evaluator unshifted(make_potential(c.key, c.options));
      REQUIRE((unshifted.evaluate(c.system).forces - forces).cwiseAbs().maxCoeff() == 0.0);
      const double scale = std::max(forces.cwiseAbs().maxCoeff(), 1.0);
      System moved = c.system;
      auto energy_at = [&](int i, int a, double dx) {
        moved.positions(a, i) = c.system.positions(a, i) + dx;
        const double e = energy_of(evaluator, moved);
        moved.positions(a, i) = c.system.positions(a, i);
        return e;
      };
      const std::vector<double> cutoffs = truncations(c.key);
      const std::vector<bool> skip = cutoffs.empty() ? std::vector<bool>(c.system.size(), false)
                                                     : near_truncation(c.system, cutoffs, 3 * c.h);
      int checked = 0;
      for (int i = 0; i < c.system.size(); ++i) {
        if (skip[i]) continue;
        ++checked;
        for (int a = 0; a < 3; ++a) {
          // Fourth-order central difference.
          const double numeric = -(energy_at(i, a, -2 * c.h) - 8 * energy_at(i, a, -c.h) + 8 * energy_at(i, a, c.h) -
                                   energy_at(i, a, 2 * c.h)) / (12 * c.h);
          INFO("atom " << i << " axis " << a);
          REQUIRE(std::abs(numeric - forces(a, i)) <= 1e-6 * scale);
        }
      }
      CHECK(checked >= c.system.size() * 3 / 4);
    }
  }
}

TEST_CASE("forces sum to zero and per-atom energies sum to the total") {
  for (Case& c : cases()) {
    DYNAMIC_SECTION(c.name) {
      Evaluator evaluator(make_potential(c.key, c.options));
      const Evaluation& result = evaluator.evaluate(c.system);
      const double scale = std::max(result.forces.cwiseAbs().maxCoeff(), 1.0);
      CHECK(result.forces.rowwise().sum().cwiseAbs().maxCoeff() <= 1e-10 * scale * c.system.size());
      CHECK(result.per_atom.sum() == Approx(result.energy).epsilon(1e-12));
      CHECK(std::isfinite(result.energy));
    }
  }
}

TEST_CASE("energy is invariant under translation and permutation of atoms") {
  std::mt19937_64 rng(31);
  for (Case& c : cases()) {
    DYNAMIC_SECTION(c.name) {
      Evaluator evaluator(make_potential(c.key, c.options));
      const Evaluation reference = evaluator.evaluate(c.system);
      const double tolerance = 1e-11 * std::max(std::abs(reference.energy), 1.0);

      System translated = c.system;
      const Eigen::Vector3d shift(1.7, -2.3, 0.9);
      translated.positions.colwise() += shift * (c.key == "csh" ? 30.0 : 1.0);
      Evaluator fresh(make_potential(c.key, c.options));
      const Evaluation moved = fresh.evaluate(translated);
      CHECK(std::abs(moved.energy - reference.energy) <= tolerance);
      CHECK((moved.forces - reference.forces).cwiseAbs().maxCoeff() <=
            1e-9 * std::max(reference.forces.cwiseAbs().maxCoeff(), 1.0));

      std::vector<int> order(c.system.size());
      std::iota(order.begin(), order.end(), 0);
      std::shuffle(order.begin(), order.end(), rng);
      System permuted = c.system;
      for (int k = 0; k < c.system.size(); ++k) {
        permuted.positions.col(k) = c.system.positions.col(order[k]);
        permuted.species[k] = c.system.species[order[k]];
      }
      Evaluator other(make_potential(c.key, c.options));
      const Evaluation shuffled = other.evaluate(permuted);
      CHECK(std::abs(shuffled.energy - reference.energy) <= tolerance);
      for (int k = 0; k < c.system.size(); ++k) {
        CHECK((shuffled.forces.col(k) - reference.forces.col(order[k])).norm() <=
              1e-9 * std::max(reference.forces.cwiseAbs().maxCoeff(), 1.0));
        CHECK(shuffled.per_atom[k] == Approx(reference.per_atom[order[k]]).margin(1e-11));
      }
    }
  }
}

TEST_CASE("the Verlet skin gives the same energies as a list rebuilt every step") {
  System system = test::random_system(50, Box::cubic(3.5), 0, 0.85, 0.2, 32);
  Evaluator lazy(make_potential("lj-binary"));
  std::mt19937_64 rng(33);
  std::uniform_real_distribution<double> noise(-0.01, 0.01);
  for (int step = 0; step < 60; ++step) {
    for (int i = 0; i < system.size(); ++i) system.positions.col(i) += Eigen::Vector3d(noise(rng), noise(rng), noise(rng));
    Evaluator fresh(make_potential("lj-binary"), 0.0);
    REQUIRE(lazy.evaluate(system).energy == Approx(fresh.evaluate(system).energy).epsilon(1e-12));
  }
  CHECK(lazy.neighbor_list().builds() < 30);
}

TEST_CASE("published values: Lennard-Jones pair minimum is -eps at 2^(1/6) sigma with zero force") {
  struct Pair {
    std::string key;
    int s0, s1;
    double epsilon, sigma;
  };
  // lj; Kob-Andersen AA, AB, BB; C-S-H Mie 28-14 has its minimum at 2^(1/14) sigma.
  for (const Pair& p : {Pair{"lj", 0, 0, 1.0, 1.0}, Pair{"lj-binary", 0, 0, 1.0, 1.0}, Pair{"lj-binary", 0, 1, 1.5, 0.8},
                        Pair{"lj-binary", 1, 1, 0.5, 0.88}, Pair{"csh", 0, 0, 2660.77425533, 50.0}}) {
    const double r = (p.key == "csh" ? std::pow(2.0, 1.0 / 14.0) : std::pow(2.0, 1.0 / 6.0)) * p.sigma;
    System dimer;
    dimer.box = Box::free();
    dimer.positions = Eigen::Matrix3Xd::Zero(3, 2);
    dimer.positions(0, 1) = r;
    dimer.species = {p.s0, p.s1};
    Evaluator evaluator(make_potential(p.key));
    const Evaluation& result = evaluator.evaluate(dimer);
    CHECK(result.energy == Approx(-p.epsilon).epsilon(1e-13));
    CHECK(result.per_atom[0] == Approx(-p.epsilon / 2).epsilon(1e-13));
    CHECK(std::abs(result.forces(0, 0)) <= 1e-12 * p.epsilon / p.sigma);
  }
}

TEST_CASE("published values: Stillinger-Weber diamond silicon is -4.3366 eV/atom at a = 5.431 A") {
  for (int cells : {1, 2, 3}) {
    System crystal = test::diamond(cells, 5.431, 0.0, 0);
    Evaluator evaluator(make_potential("sw-si"));
    const Evaluation& result = evaluator.evaluate(crystal);
    CHECK(result.energy / crystal.size() == Approx(-4.3366).margin(5e-5));
    CHECK(result.forces.cwiseAbs().maxCoeff() < 1e-10);
    CHECK(result.per_atom.maxCoeff() - result.per_atom.minCoeff() < 1e-12);
  }
}

TEST_CASE("potential options and species are validated") {
  CHECK_THROWS_AS(make_potential("argon"), InputError);
  CHECK_THROWS_WITH(make_potential("argon"), Catch::Contains("lj-binary"));
  PotentialOptions bad;
  bad.cutoff = std::nan("");
  CHECK_THROWS_AS(make_potential("lj", bad), InputError);
  auto potential = make_potential("lj-binary");
  CHECK(species_index(*potential, "B") == 1);
  CHECK_THROWS_WITH(species_index(*potential, "Si"), Catch::Contains("A, B"));
}
