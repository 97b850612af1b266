// Graph settings: the feature-set names, validation, and the documented
// per-system presets (graph cutoff = first-neighbour shell; shared/policy-weights.md).
#include <cmath>

#include "strider/error.hpp"
#include "strider/graph.hpp"

namespace strider {

std::string to_string(GraphFeatures features) {
  return features == GraphFeatures::paper ? "paper" : "authors";
}

GraphFeatures graph_features_from_string(const std::string& name) {
  if (name == "paper") return GraphFeatures::paper;
  if (name == "authors") return GraphFeatures::authors;
  throw InputError("unknown graph feature set '" + name + "' (known: paper, authors)");
}

int GraphSettings::node_feature_count() const {
  return (features == GraphFeatures::paper ? species_count() : 0) + 3;
}

double GraphSettings::max_cutoff() const { return cutoff.size() == 0 ? 0.0 : cutoff.maxCoeff(); }

void GraphSettings::validate() const {
  const int s = species_count();
  if (s < 1) throw InputError("graph settings: no species");
  auto check = [&](const Eigen::MatrixXd& m, const char* name) {
    if (m.rows() != s || m.cols() != s) {
      throw InputError(std::string("graph settings: ") + name + " must be " + std::to_string(s) + " x " +
                       std::to_string(s) + " (one row and column per species)");
    }
    for (int a = 0; a < s; ++a)
      for (int b = 0; b < s; ++b) {
        if (!std::isfinite(m(a, b)) || !(m(a, b) > 0.0)) {
          throw InputError(std::string("graph settings: ") + name + " must hold finite positive numbers");
        }
        if (m(a, b) != m(b, a)) throw InputError(std::string("graph settings: ") + name + " must be symmetric");
      }
  };
  check(cutoff, "cutoff");
  check(r_eq, "r_eq");
  check(sigma, "sigma");
  if (!(length_scale > 0.0) || !std::isfinite(length_scale) || !(energy_scale > 0.0) || !std::isfinite(energy_scale)) {
    throw InputError("graph settings: length_scale and energy_scale must be finite positive numbers");
  }
}

namespace {

GraphSettings single_species(const std::string& key, const std::string& name, double sigma, double cutoff,
                             double r_eq, double length_scale, double energy_scale) {
  GraphSettings s;
  s.system = key;
  s.species = {name};
  s.sigma = Eigen::MatrixXd::Constant(1, 1, sigma);
  s.cutoff = Eigen::MatrixXd::Constant(1, 1, cutoff);
  s.r_eq = Eigen::MatrixXd::Constant(1, 1, r_eq);
  s.length_scale = length_scale;
  s.energy_scale = energy_scale;
  return s;
}

}  // namespace

GraphSettings graph_preset(const std::string& system_key, GraphFeatures features) {
  const double lj_min = std::pow(2.0, 1.0 / 6.0);  // LJ 12-6 minimum in sigma
  GraphSettings s;
  if (system_key == "lj-binary") {
    // Kob-Andersen: sigma_AA 1.0, sigma_AB 0.8, sigma_BB 0.88 (docs/systems.md).
    s.system = system_key;
    s.species = {"A", "B"};
    s.sigma.resize(2, 2);
    s.sigma << 1.0, 0.8, 0.8, 0.88;
    s.cutoff.resize(2, 2);
    s.cutoff << 1.5, 1.2, 1.2, 1.32;  // 1.5 sigma_ab
    s.r_eq = lj_min * s.sigma;
  } else if (system_key == "lj") {
    s = single_species(system_key, "X", 1.0, 1.5, lj_min, 1.0, 1.0);
  } else if (system_key == "sw-si") {
    // Stillinger-Weber: sigma 2.0951 A, eps 2.1683 eV. The pair term's minimum
    // sits at 2^(1/6) sigma = 2.3517 A, the diamond nearest-neighbour distance.
    // 3.0 A: first minimum of g(r) in inherent structures quenched from the
    // 3500 K liquid (2.8-3.0 A, coordination 4.4-4.8; shared/policy-weights.md).
    const double sigma = 2.0951;
    s = single_species(system_key, "Si", sigma, 3.0, lj_min * sigma, sigma, 2.1683);
  } else if (system_key == "csh") {
    // Mie 28-14: minimum at 2^(1/14) sigma; sigma 50 A, eps 2660.77425533 kcal/mol.
    const double sigma = 50.0;
    s = single_species(system_key, "CSH", sigma, 1.5 * sigma, std::pow(2.0, 1.0 / 14.0) * sigma, sigma,
                       2660.77425533);
  } else {
    throw InputError("no graph preset for system '" + system_key + "' (known: lj-binary, sw-si, csh, lj)");
  }
  s.features = features;
  return s;
}

}  // namespace strider
