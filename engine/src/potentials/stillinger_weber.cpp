// Stillinger-Weber silicon (metal units: eV, Angstrom), two- and three-body,
// with the parameters of the standard Si.sw file.
#include <cmath>
#include <utility>
#include <vector>

#include "potentials.hpp"

namespace strider {

namespace {

// Stillinger & Weber 1985 silicon. The kernel below is written for p = 4, q = 0.
constexpr double kEpsilon = 2.1683;       // eV
constexpr double kSigma = 2.0951;         // Angstrom
constexpr double kA = 7.049556277;
constexpr double kB = 0.6022245584;
constexpr double kCutoffRatio = 1.80;     // a: cutoff = a sigma
constexpr double kLambda = 21.0;
constexpr double kGamma = 1.20;
constexpr double kCosTheta0 = -0.333333333333;  // as in Si.sw (-1/3 to 12 digits)
constexpr double kCutoff = kCutoffRatio * kSigma;

// One neighbour of a centre atom within the cutoff: separation d = x_nb - x_centre,
// its length r, the three-body radial factor exp(gamma sigma / (r - rc)) and
// that factor's log-derivative over r:  gamma sigma / ((r - rc)^2 r).
struct Neighbor {
  int atom;
  double d[3];
  double r;
  double radial;
  double radial_slope;
};

class StillingerWeber final : public Potential {
 public:
  double cutoff() const override { return kCutoff; }
  const std::vector<std::string>& species_names() const override { return names_; }
  std::vector<double> masses() const override { return {28.0855}; }

  void compute(const System& system, const NeighborList& list, Evaluation& out) const override {
    all_terms<false>(system, list, nullptr, out);
    out.energy = out.per_atom.sum();
  }

  // Pair terms weighted by the mean of their two atoms' weights, angle terms
  // by the mean of their three (the split of compute's per-atom energies).
  void weighted_forces(const System& system, const NeighborList& list, const Eigen::VectorXd& weights,
                       Eigen::Matrix3Xd& out) const override {
    Evaluation scratch;
    all_terms<true>(system, list, weights.data(), scratch);
    out = std::move(scratch.forces);
  }

 private:
  // Both passes into out (reset to N atoms): compute's terms, or with
  // Weighted the forces of the weighted per-atom energies.
  template <bool Weighted>
  void all_terms(const System& system, const NeighborList& list, const double* weights, Evaluation& out) const {
    out.reset(system.size());
    close_.clear();
    const Eigen::Matrix3Xd y = list.shifted(system.positions);
    two_body<Weighted>(y, list, weights, out);
    collect_neighbors(system.size());
    three_body<Weighted>(weights, out);
  }

  struct ClosePair {
    int i, j;
    Neighbor nb;  // as seen from i
  };

  // Pair terms A eps (B (sigma/r)^4 - 1) exp(sigma / (r - rc)), half to each atom;
  // remembers every pair within the cutoff for the three-body pass.
  // Weighted: forces of sum_i weights[i] e_i (see weighted_forces).
  template <bool Weighted>
  void two_body(const Eigen::Matrix3Xd& y, const NeighborList& list, const double* weights, Evaluation& out) const {
    const double* images = list.images().data();
    double* f = out.forces.data();
    for (int i = 0; i < list.atoms(); ++i) {
      for (int k = list.first()[i]; k < list.first()[i + 1]; ++k) {
        const int j = list.partner()[k];
        const double* s = images + 3 * list.image()[k];
        Neighbor nb{j, {y(0, j) - y(0, i) + s[0], y(1, j) - y(1, i) + s[1], y(2, j) - y(2, i) + s[2]}, 0, 0, 0};
        const double r2 = nb.d[0] * nb.d[0] + nb.d[1] * nb.d[1] + nb.d[2] * nb.d[2];
        if (r2 >= kCutoff * kCutoff) continue;
        nb.r = std::sqrt(r2);
        const double inv_gap = 1.0 / (nb.r - kCutoff);  // negative inside the cutoff
        const double s4 = (kSigma * kSigma / r2) * (kSigma * kSigma / r2);
        const double screen = std::exp(kSigma * inv_gap);
        const double e = kA * kEpsilon * (kB * s4 - 1.0) * screen;
        // -dV/dr / r
        double fpair = kA * kEpsilon * screen *
                       (4.0 * kB * s4 / r2 + (kB * s4 - 1.0) * kSigma * inv_gap * inv_gap / nb.r);
        if constexpr (Weighted) fpair *= 0.5 * (weights[i] + weights[j]);
        for (int a = 0; a < 3; ++a) {
          f[3 * i + a] -= fpair * nb.d[a];
          f[3 * j + a] += fpair * nb.d[a];
        }
        out.per_atom[i] += 0.5 * e;
        out.per_atom[j] += 0.5 * e;
        nb.radial = std::exp(kGamma * kSigma * inv_gap);
        nb.radial_slope = kGamma * kSigma * inv_gap * inv_gap / nb.r;
        close_.push_back({i, j, nb});
      }
    }
  }

  // Full per-atom lists (both directions of every close pair), CSR by centre atom.
  void collect_neighbors(int n) const {
    first_.assign(static_cast<size_t>(n) + 1, 0);
    for (const ClosePair& p : close_) {
      ++first_[p.i + 1];
      ++first_[p.j + 1];
    }
    for (int i = 0; i < n; ++i) first_[i + 1] += first_[i];
    neighbors_.resize(static_cast<size_t>(first_[n]));
    std::vector<int> fill(first_.begin(), first_.end() - 1);
    for (const ClosePair& p : close_) {
      Neighbor back = p.nb;
      back.atom = p.i;
      for (double& c : back.d) c = -c;
      neighbors_[fill[p.i]++] = p.nb;
      neighbors_[fill[p.j]++] = back;
    }
  }

  // Angle terms lambda eps (cos theta_jik - cos theta0)^2 radial_ij radial_ik,
  // a third to each of i, j and k.
  template <bool Weighted>
  void three_body(const double* weights, Evaluation& out) const {
    double* f = out.forces.data();
    const int n = static_cast<int>(first_.size()) - 1;
    for (int i = 0; i < n; ++i) {
      for (int a = first_[i]; a < first_[i + 1]; ++a) {
        const Neighbor& j = neighbors_[a];
        for (int b = a + 1; b < first_[i + 1]; ++b) {
          const Neighbor& k = neighbors_[b];
          const double inv_rr = 1.0 / (j.r * k.r);
          const double cos = (j.d[0] * k.d[0] + j.d[1] * k.d[1] + j.d[2] * k.d[2]) * inv_rr;
          const double delta = cos - kCosTheta0;
          const double radial = kLambda * kEpsilon * j.radial * k.radial;
          const double e = radial * delta * delta;
          // Force on j = -dh/dd_ij; likewise k; i takes minus their sum.
          const double angular = 2.0 * radial * delta;
          double along_j = e * j.radial_slope + angular * cos / (j.r * j.r);
          double along_k = e * k.radial_slope + angular * cos / (k.r * k.r);
          double cross = angular * inv_rr;
          if constexpr (Weighted) {
            const double w = (weights[i] + weights[j.atom] + weights[k.atom]) / 3.0;
            along_j *= w, along_k *= w, cross *= w;
          }
          for (int c = 0; c < 3; ++c) {
            const double fj = j.d[c] * along_j - k.d[c] * cross;
            const double fk = k.d[c] * along_k - j.d[c] * cross;
            f[3 * j.atom + c] += fj;
            f[3 * k.atom + c] += fk;
            f[3 * i + c] -= fj + fk;
          }
          out.per_atom[i] += e / 3.0;
          out.per_atom[j.atom] += e / 3.0;
          out.per_atom[k.atom] += e / 3.0;
        }
      }
    }
  }

  std::vector<std::string> names_{"Si"};
  // Scratch reused between calls (compute is logically const).
  mutable std::vector<ClosePair> close_;
  mutable std::vector<int> first_;
  mutable std::vector<Neighbor> neighbors_;
};

}  // namespace

std::unique_ptr<Potential> make_stillinger_weber(const PotentialOptions&) {
  return std::make_unique<StillingerWeber>();
}

}  // namespace strider
