// Graph settings: the feature-set names, validation, and the per-system presets
// (each system's numbers are in its file under engine/src/systems/).
#include <cmath>
#include <stdexcept>

#include "strider/error.hpp"
#include "strider/graph.hpp"
#include "strider/system_spec.hpp"

namespace strider {

std::string to_string(GraphFeatures features) {
  switch (features) {
    case GraphFeatures::paper: return "paper";
    case GraphFeatures::authors: return "authors";
    case GraphFeatures::forces: return "forces";
  }
  throw std::logic_error("unknown GraphFeatures value");
}

GraphFeatures graph_features_from_string(const std::string& name) {
  if (name == "paper") return GraphFeatures::paper;
  if (name == "authors") return GraphFeatures::authors;
  if (name == "forces") return GraphFeatures::forces;
  throw InputError("unknown graph feature set '" + name + "' (known: paper, authors, forces)");
}

int GraphSettings::node_feature_count() const {
  switch (features) {
    case GraphFeatures::paper: return species_count() + 3;
    case GraphFeatures::authors: return 3;
    case GraphFeatures::forces: return species_count() + 9;
  }
  throw std::logic_error("unknown GraphFeatures value");
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

GraphSettings single_species_graph(const std::string& key, const std::string& species, double sigma, double cutoff,
                                   double r_eq, double length_scale, double energy_scale) {
  GraphSettings s;
  s.system = key;
  s.species = {species};
  s.sigma = Eigen::MatrixXd::Constant(1, 1, sigma);
  s.cutoff = Eigen::MatrixXd::Constant(1, 1, cutoff);
  s.r_eq = Eigen::MatrixXd::Constant(1, 1, r_eq);
  s.length_scale = length_scale;
  s.energy_scale = energy_scale;
  return s;
}

GraphSettings graph_preset(const std::string& system_key, GraphFeatures features) {
  GraphSettings s = system_spec(system_key).graph;
  s.features = features;
  return s;
}

}  // namespace strider
