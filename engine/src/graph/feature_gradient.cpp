// The derivative of the graph features (graph.cpp) with respect to positions
// and per-atom energies, for the bptt estimator.
//
// Edge k (sender u, receiver v) carries d_k = x_v - x_u through its image and
//   f_k = [d_k / l, s (|d_k| - c) / l]       s = -1, c = r_eq (paper);  s = +1, c = sigma (authors),
// so with g = d loss / d f_k,
//   d loss / d d_k = g[0:3] / l + s g[3] d_k / (|d_k| l),
// added to receiver v and subtracted from sender u. Node v carries
//   u_v = U_v / e,  S_v = sum_{k: v_k = v} u_{u_k},  M_v = S_v / n_v,
// so d loss / d u_w = g_u(w) + sum_{k: u_k = w} (g_S(v_k) + g_M(v_k) / n_{v_k}),
// and d loss / d U = (d loss / d u) / e. The one-hot block is constant.
// The set forces adds rows F_v l / e and a_v / l, so
//   d loss / d F_v = g_F(v) l / e,   d loss / d a_v = g_a(v) / l
// (the caller chains them through the potential's Hessian and the previous step).
#include "strider/error.hpp"
#include "strider/graph.hpp"

namespace strider {

void graph_feature_gradient(const Graph& graph, const GraphSettings& settings, const Eigen::MatrixXd& grad_node,
                            const Eigen::MatrixXd& grad_edge, StateGradient& out) {
  const int n = graph.nodes;
  const int e = graph.edges();
  if (grad_node.rows() != settings.node_feature_count() || grad_node.cols() != n || grad_edge.rows() != 4 ||
      grad_edge.cols() != e) {
    throw InputError("graph feature gradient: shapes do not match the graph");
  }
  Eigen::Matrix3Xd& grad_positions = out.positions;
  grad_positions.setZero(3, n);

  const bool with_forces = settings.features == GraphFeatures::forces;
  const bool paper = settings.features == GraphFeatures::paper || with_forces;  // one-hot, r_eq - r
  const double inv_length = 1.0 / settings.length_scale;
  const double sign = paper ? -1.0 : 1.0;
  for (int k = 0; k < e; ++k) {
    const Eigen::Vector3d d = graph.displacement.col(k);
    const double r = d.norm();
    Eigen::Vector3d g = grad_edge.col(k).head<3>() * inv_length;
    if (r > 0.0) g += (sign * grad_edge(3, k) * inv_length / r) * d;
    grad_positions.col(graph.receiver[k]) += g;
    grad_positions.col(graph.sender[k]) -= g;
  }

  const int one_hot = paper ? settings.species_count() : 0;
  Eigen::VectorXd count = Eigen::VectorXd::Zero(n);
  for (int k = 0; k < e; ++k) count[graph.receiver[k]] += 1.0;
  Eigen::VectorXd grad_u = grad_node.row(one_hot).transpose();
  for (int k = 0; k < e; ++k) {
    const int v = graph.receiver[k];
    grad_u[graph.sender[k]] += grad_node(one_hot + 1, v) + grad_node(one_hot + 2, v) / count[v];
  }
  out.per_atom = grad_u / settings.energy_scale;

  if (with_forces) {
    out.forces = grad_node.middleRows(one_hot + 3, 3) * (settings.length_scale / settings.energy_scale);
    out.previous_displacement = grad_node.middleRows(one_hot + 6, 3) * inv_length;
  } else {
    out.forces.setZero(3, n);
    out.previous_displacement.setZero(3, n);
  }
}

}  // namespace strider
