#pragma once
// Pair potentials of the Mie (2n, n) family, V(r) = 4 eps [(sigma/r)^(2n) - (sigma/r)^n],
// truncated at a cutoff per species pair: Lennard-Jones is n = 6, the C-S-H
// colloid model is n = 14. Shared by lj-binary, csh and lj.
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <string>
#include <vector>

#include "strider/potential.hpp"

namespace strider {

// One species pair: energy scale, length scale, cutoff (infinite: none).
struct MieCoefficients {
  double epsilon, sigma, cutoff;
};

template <int N>
class MiePairPotential : public Potential {
 public:
  // coefficients: S x S symmetric table for S species (row-major), energies
  // shifted to zero at each cutoff when `shift` is set.
  MiePairPotential(std::vector<std::string> names, std::vector<double> masses,
                   const std::vector<MieCoefficients>& coefficients, bool shift)
      : names_(std::move(names)), masses_(std::move(masses)) {
    for (const MieCoefficients& c : coefficients) {
      Pair p;
      p.cutoff2 = c.cutoff * c.cutoff;
      p.repulsion = 4.0 * c.epsilon * power_n(c.sigma * c.sigma) * power_n(c.sigma * c.sigma);
      p.attraction = 4.0 * c.epsilon * power_n(c.sigma * c.sigma);
      p.offset = 0.0;
      if (shift && std::isfinite(c.cutoff)) {
        double sn = power_n(1.0 / p.cutoff2);
        p.offset = sn * (p.repulsion * sn - p.attraction);
      }
      cutoff_ = std::max(cutoff_, c.cutoff);
      pairs_.push_back(p);
    }
  }

  double cutoff() const override { return cutoff_; }
  const std::vector<std::string>& species_names() const override { return names_; }
  std::vector<double> masses() const override { return masses_; }

  void compute(const System& system, const NeighborList& list, Evaluation& out) const override {
    kernel<false>(system, list, nullptr, out);
  }

  // Each pair's term weighted by the mean of its two atoms' weights (a pair
  // energy is split half to each atom).
  void weighted_forces(const System& system, const NeighborList& list, const Eigen::VectorXd& weights,
                       Eigen::Matrix3Xd& out) const override {
    Evaluation scratch;
    kernel<true>(system, list, weights.data(), scratch);
    out = std::move(scratch.forces);
  }

 private:
  // compute() (Weighted false) or weighted_forces() (Weighted true: forces of
  // sum_i weights[i] e_i; the energies are left unweighted).
  template <bool Weighted>
  void kernel(const System& system, const NeighborList& list, const double* weights, Evaluation& out) const {
    const int n = system.size();
    const int species = static_cast<int>(names_.size());
    out.reset(n);
    const Eigen::Matrix3Xd y = list.shifted(system.positions);
    const double* yp = y.data();
    const double* images = list.images().data();
    double* f = out.forces.data();
    double* e_atom = out.per_atom.data();
    const int* partner = list.partner().data();
    const int* image = list.image().data();
    const int* type = system.species.data();
    // An atom's listed pairs are taken in chunks: a first pass keeps those inside
    // their species pair's cutoff (with a branch-free count: for lj-binary about
    // 40% of the list lies in the skin or beyond a shorter cross cutoff, too many
    // to predict), a second pass does the arithmetic on them. The sums run in
    // list order, as a single loop would take them.
    constexpr int kChunk = 64;
    Close close[kChunk];
    double energy = 0.0;
    for (int i = 0; i < n; ++i) {
      const double xi = yp[3 * i], yi = yp[3 * i + 1], zi = yp[3 * i + 2];
      const Pair* row = &pairs_[static_cast<size_t>(type[i]) * species];
      double fx = 0.0, fy = 0.0, fz = 0.0, ei = 0.0;
      for (int begin = list.first()[i], end = list.first()[i + 1]; begin < end; begin += kChunk) {
        int count = 0;
        for (int k = begin; k < std::min(begin + kChunk, end); ++k) {
          const int j = partner[k];
          const double* s = images + 3 * image[k];
          Close& c = close[count];
          c.j = j;
          c.dx = yp[3 * j] - xi + s[0];
          c.dy = yp[3 * j + 1] - yi + s[1];
          c.dz = yp[3 * j + 2] - zi + s[2];
          c.r2 = c.dx * c.dx + c.dy * c.dy + c.dz * c.dz;
          c.pair = &row[type[j]];
          count += !(c.r2 >= c.pair->cutoff2);  // keeps a NaN, which must reach the energy
        }
        for (int m = 0; m < count; ++m) {
          const Close& c = close[m];
          const Pair& p = *c.pair;
          const int j = c.j;
          const double r2inv = 1.0 / c.r2;
          const double sn = power_n(r2inv);
          // V = sn (rep sn - att) - offset;  -dV/dr / r = sn (2n rep sn - n att) / r^2
          const double e = sn * (p.repulsion * sn - p.attraction) - p.offset;
          double fpair = sn * (2 * N * p.repulsion * sn - N * p.attraction) * r2inv;
          if constexpr (Weighted) fpair *= 0.5 * (weights[i] + weights[j]);
          fx -= fpair * c.dx;
          fy -= fpair * c.dy;
          fz -= fpair * c.dz;
          f[3 * j] += fpair * c.dx;
          f[3 * j + 1] += fpair * c.dy;
          f[3 * j + 2] += fpair * c.dz;
          ei += 0.5 * e;
          e_atom[j] += 0.5 * e;
          energy += e;
        }
      }
      f[3 * i] += fx;
      f[3 * i + 1] += fy;
      f[3 * i + 2] += fz;
      e_atom[i] += ei;
    }
    out.energy = energy;
  }

  struct Pair {
    double cutoff2, repulsion, attraction, offset;
  };
  // A listed pair of the current atom: partner, separation, its coefficients.
  struct Close {
    int j;
    double dx, dy, dz, r2;
    const Pair* pair;
  };
  // x^(N/2) for x = (sigma/r)^2, by multiplication.
  static double power_n(double x) {
    double result = 1.0;
    for (int k = 0; k < N / 2; ++k) result *= x;
    return result;
  }

  std::vector<std::string> names_;
  std::vector<double> masses_;
  std::vector<Pair> pairs_;
  double cutoff_ = 0.0;
};

}  // namespace strider
