#pragma once
// The policy's view of a structure (paper section 3, docs/policy.md): nodes
// are atoms, directed edges u -> v join every pair closer than the graph
// cutoff delta_ab (every periodic image counts, as in the potentials), node
// features follow paper eq. 3 and edge features eq. 4.
//
// Feature sets (GraphFeatures):
//   paper   node: one-hot species | U_v | sum_{u->v} U_u | mean_{u->v} U_u   (S + 3 numbers)
//           edge: x_v - x_u (3) | r_eq_ab - r_vu                              (4 numbers)
//   authors node: U_v | sum | mean                                            (3 numbers)
//           edge: x_v - x_u (3) | r_vu - sigma_ab                             (4 numbers)
//   forces  node: paper's | F_v l / e (3) | a_{t-1,v} / l (3)                 (S + 9 numbers)
//           edge: as paper
// (the authors' released code had no one-hot and used r - sigma; kept for
// ablation. forces is strider's own, beyond the paper: the force on each atom
// and the policy's previous displacement of it (System::previous_displacement,
// zero when empty), so the policy can represent FIRE-like momentum.)
// Lengths are divided by GraphSettings::length_scale (l) and energies by
// energy_scale (e), so features are O(1) in every system (csh energies are
// ~1e3-1e4 kcal/mol); the presets are listed in shared/policy-weights.md.
#include <Eigen/Core>
#include <string>
#include <vector>

#include "strider/neighbor_list.hpp"
#include "strider/system.hpp"

namespace strider {

enum class GraphFeatures { paper, authors, forces };

// "paper" / "authors" / "forces"; the parser throws InputError naming them for anything else.
std::string to_string(GraphFeatures features);
GraphFeatures graph_features_from_string(const std::string& name);

// Everything that defines a system's graph. Matrices are species x species
// and symmetric; lengths in the system's length unit, energies in its energy unit.
struct GraphSettings {
  std::string system;                          // system key ("lj-binary", ...)
  std::vector<std::string> species;            // species names, one-hot order
  Eigen::MatrixXd cutoff;                      // graph cutoff delta_ab: an edge iff r < delta_ab
  Eigen::MatrixXd r_eq;                        // equilibrium pair distance (paper edge feature)
  Eigen::MatrixXd sigma;                       // sigma_ab (authors' edge feature r - sigma)
  double length_scale = 1.0;                   // lengths in features are divided by this
  double energy_scale = 1.0;                   // energies in features are divided by this
  GraphFeatures features = GraphFeatures::paper;

  int species_count() const { return static_cast<int>(species.size()); }
  // Rows of Graph::node_features and Graph::edge_features.
  int node_feature_count() const;
  int edge_feature_count() const { return 4; }
  // Largest delta_ab (the neighbour-list cutoff the builder uses).
  double max_cutoff() const;
  // Throws InputError when a matrix has the wrong shape, is not symmetric,
  // or holds a non-positive or non-finite value, or a scale is not positive.
  void validate() const;
};

// The preset of a system key (graph cutoff = first-neighbour shell), from its
// SystemSpec (each system's file under engine/src/systems/ gives its numbers),
// with `features`. Throws InputError naming the known keys for any other key.
GraphSettings graph_preset(const std::string& system_key, GraphFeatures features = GraphFeatures::paper);

// The graph settings of a single-species system (key, species name): 1 x 1
// matrices sigma, cutoff and r_eq (length unit) and the feature scales.
GraphSettings single_species_graph(const std::string& key, const std::string& species, double sigma, double cutoff,
                                   double r_eq, double length_scale, double energy_scale);

// A directed graph with its features. Edge k goes from sender[k] (u) to
// receiver[k] (v); both directions of every neighbour pair are present, and a
// pair closer than the cutoff through several periodic images has one edge
// per image (an atom may be its own neighbour in a small box).
struct Graph {
  int nodes = 0;
  std::vector<int> sender;                     // E
  std::vector<int> receiver;                   // E
  Eigen::Matrix3Xd displacement;               // 3 x E: x_v - x_u through the edge's image (length unit)
  Eigen::MatrixXd node_features;               // F x N (eq. 3, scaled)
  Eigen::MatrixXd edge_features;               // 4 x E (eq. 4, scaled)

  int edges() const { return static_cast<int>(sender.size()); }
};

// Builds graphs of successive configurations of one system, reusing a
// neighbour list with a Verlet skin between rebuilds (a policy step moves
// atoms little).
class GraphBuilder {
 public:
  // skin: Verlet skin (length unit); negative picks 10% of the largest cutoff.
  explicit GraphBuilder(GraphSettings settings, double skin = -1.0);

  // The graph of `system` whose per-atom energies (N, energy unit) are
  // `per_atom` and forces (3 x N, energy / length; read only by the feature
  // set `forces`, which needs them) are `forces`. Throws InputError for a
  // species index outside the settings' species, a per_atom, forces or
  // system.previous_displacement of the wrong size. The reference stays
  // valid until the next call.
  const Graph& build(const System& system, const Eigen::VectorXd& per_atom,
                     const Eigen::Matrix3Xd& forces = Eigen::Matrix3Xd());

  const GraphSettings& settings() const { return settings_; }
  const NeighborList& neighbor_list() const { return list_; }
  // The last graph built (empty before the first build).
  const Graph& graph() const { return graph_; }

 private:
  GraphSettings settings_;
  NeighborList list_;
  Graph graph_;
};

// One graph, with a fresh neighbour list (no skin): the stateless form of GraphBuilder::build.
Graph build_graph(const System& system, const Eigen::VectorXd& per_atom, const GraphSettings& settings,
                  const Eigen::Matrix3Xd& forces = Eigen::Matrix3Xd());

// Fills graph.node_features and graph.edge_features from its topology and
// displacements (used by the builder; exposed for tests and tools).
// species: N indices; per_atom: N energies; forces (3 x N) and
// previous_displacement (3 x N, or empty for zero) are read by the set `forces` only.
void compute_graph_features(Graph& graph, const std::vector<int>& species, const Eigen::VectorXd& per_atom,
                            const GraphSettings& settings, const Eigen::Matrix3Xd& forces = Eigen::Matrix3Xd(),
                            const Eigen::Matrix3Xd& previous_displacement = Eigen::Matrix3Xd());

// The derivative of a loss with respect to the inputs of a graph's features.
struct StateGradient {
  Eigen::Matrix3Xd positions;              // 3 x N, per length unit, through the edge geometry
  Eigen::VectorXd per_atom;                // N, per energy unit
  Eigen::Matrix3Xd forces;                 // 3 x N, per (energy / length); zero unless the set is forces
  Eigen::Matrix3Xd previous_displacement;  // 3 x N, per length unit; zero unless the set is forces
};

// Back-propagation through compute_graph_features with the edge set held
// fixed (it is piecewise constant in the positions). Given d(loss)/d(node
// features) grad_node (F x N) and d(loss)/d(edge features) grad_edge (4 x E)
// of `graph`, sets `out` to the loss's derivative through the edge
// displacements (positions), the per-atom energies, the forces and the
// previous displacement the features were computed from.
void graph_feature_gradient(const Graph& graph, const GraphSettings& settings, const Eigen::MatrixXd& grad_node,
                            const Eigen::MatrixXd& grad_edge, StateGradient& out);

}  // namespace strider
