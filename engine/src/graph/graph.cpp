// Graph construction from the half neighbour list, and the node (eq. 3) and
// edge (eq. 4) features.
#include <cmath>

#include "strider/error.hpp"
#include "strider/graph.hpp"

namespace strider {

namespace {

void check_inputs(const System& system, const Eigen::VectorXd& per_atom, const Eigen::Matrix3Xd& forces,
                  const GraphSettings& settings) {
  const int n = system.size();
  if (settings.features == GraphFeatures::forces) {
    if (forces.cols() != n) {
      throw InputError("graph: the feature set 'forces' needs the forces of all " + std::to_string(n) + " atoms (got " +
                       std::to_string(forces.cols()) + ")");
    }
    if (system.previous_displacement.size() != 0 && system.previous_displacement.cols() != n) {
      throw InputError("graph: " + std::to_string(system.previous_displacement.cols()) +
                       " previous displacements for " + std::to_string(n) + " atoms");
    }
  }
  if (static_cast<int>(system.species.size()) != n) {
    throw InputError("system has " + std::to_string(n) + " positions but " + std::to_string(system.species.size()) +
                     " species");
  }
  if (per_atom.size() != n) {
    throw InputError("graph: " + std::to_string(per_atom.size()) + " per-atom energies for " + std::to_string(n) +
                     " atoms");
  }
  for (int s : system.species) {
    if (s < 0 || s >= settings.species_count()) {
      throw InputError("graph: species index " + std::to_string(s) + " out of range for system '" +
                       settings.system + "' (" + std::to_string(settings.species_count()) + " species)");
    }
  }
}

// The edges of every listed pair closer than its delta_ab, both directions.
void collect_edges(const System& system, const NeighborList& list, const GraphSettings& settings, Graph& graph) {
  const int n = system.size();
  graph.nodes = n;
  graph.sender.clear();
  graph.receiver.clear();
  const Eigen::Matrix3Xd shifted = list.shifted(system.positions);
  std::vector<double> d_buffer;
  d_buffer.reserve(static_cast<size_t>(list.pairs()) * 3);
  for (int i = 0; i < n; ++i) {
    for (int k = list.first()[i]; k < list.first()[i + 1]; ++k) {
      const int j = list.partner()[k];
      const Eigen::Vector3d d = shifted.col(j) - shifted.col(i) + list.images().col(list.image()[k]);
      const double delta = settings.cutoff(system.species[i], system.species[j]);
      if (!(d.squaredNorm() < delta * delta)) continue;
      // i -> j carries x_j - x_i = d; j -> i carries -d.
      graph.sender.push_back(i);
      graph.receiver.push_back(j);
      graph.sender.push_back(j);
      graph.receiver.push_back(i);
      for (int a = 0; a < 3; ++a) d_buffer.push_back(d[a]);
      for (int a = 0; a < 3; ++a) d_buffer.push_back(-d[a]);
    }
  }
  graph.displacement = Eigen::Map<const Eigen::Matrix3Xd>(d_buffer.data(), 3, graph.edges());
}

}  // namespace

void compute_graph_features(Graph& graph, const std::vector<int>& species, const Eigen::VectorXd& per_atom,
                            const GraphSettings& settings, const Eigen::Matrix3Xd& forces,
                            const Eigen::Matrix3Xd& previous_displacement) {
  const int n = graph.nodes;
  const int e = graph.edges();
  const bool with_forces = settings.features == GraphFeatures::forces;
  const bool paper = settings.features == GraphFeatures::paper || with_forces;  // one-hot, r_eq - r

  // Node features (eq. 3): [one-hot] | U_v | sum_{u->v} U_u | mean_{u->v} U_u.
  const Eigen::VectorXd u = per_atom / settings.energy_scale;
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(n);
  Eigen::VectorXd count = Eigen::VectorXd::Zero(n);
  for (int k = 0; k < e; ++k) {
    sum[graph.receiver[k]] += u[graph.sender[k]];
    count[graph.receiver[k]] += 1.0;
  }
  const int one_hot = paper ? settings.species_count() : 0;
  graph.node_features.setZero(settings.node_feature_count(), n);
  for (int v = 0; v < n; ++v) {
    if (paper) graph.node_features(species[v], v) = 1.0;
    graph.node_features(one_hot + 0, v) = u[v];
    graph.node_features(one_hot + 1, v) = sum[v];
    graph.node_features(one_hot + 2, v) = count[v] > 0.0 ? sum[v] / count[v] : 0.0;
  }
  // forces: | F_v l / e | a_{t-1,v} / l (zero without a previous step).
  if (with_forces) {
    graph.node_features.middleRows(one_hot + 3, 3) = forces * (settings.length_scale / settings.energy_scale);
    if (previous_displacement.size() != 0) {
      graph.node_features.middleRows(one_hot + 6, 3) = previous_displacement / settings.length_scale;
    }
  }

  // Edge features (eq. 4): x_v - x_u | r_eq - r (paper) or r - sigma (authors).
  graph.edge_features.resize(4, e);
  const double inv_length = 1.0 / settings.length_scale;
  for (int k = 0; k < e; ++k) {
    const int a = species[graph.sender[k]];
    const int b = species[graph.receiver[k]];
    const double r = graph.displacement.col(k).norm();
    graph.edge_features.col(k).head<3>() = graph.displacement.col(k) * inv_length;
    graph.edge_features(3, k) = (paper ? settings.r_eq(a, b) - r : r - settings.sigma(a, b)) * inv_length;
  }
}

GraphBuilder::GraphBuilder(GraphSettings settings, double skin)
    : settings_((settings.validate(), std::move(settings))),
      list_(settings_.max_cutoff(), skin >= 0.0 ? skin : 0.1 * settings_.max_cutoff()) {}

const Graph& GraphBuilder::build(const System& system, const Eigen::VectorXd& per_atom,
                                 const Eigen::Matrix3Xd& forces) {
  check_inputs(system, per_atom, forces, settings_);
  list_.update(system);
  collect_edges(system, list_, settings_, graph_);
  compute_graph_features(graph_, system.species, per_atom, settings_, forces, system.previous_displacement);
  return graph_;
}

Graph build_graph(const System& system, const Eigen::VectorXd& per_atom, const GraphSettings& settings,
                  const Eigen::Matrix3Xd& forces) {
  settings.validate();
  check_inputs(system, per_atom, forces, settings);
  NeighborList list(settings.max_cutoff(), 0.0);
  list.build(system);
  Graph graph;
  collect_edges(system, list, settings, graph);
  compute_graph_features(graph, system.species, per_atom, settings, forces, system.previous_displacement);
  return graph;
}

}  // namespace strider
