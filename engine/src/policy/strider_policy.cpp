// StriderPolicy: the layers of engine/src/policy composed into the StriderNET
// graph network (policy.hpp has the equations), forward and backward.
#include <stdexcept>

#include "batch_norm.hpp"
#include "concat.hpp"
#include "graph_ops.hpp"
#include "mlp.hpp"
#include "strider/error.hpp"
#include "strider/policy.hpp"

namespace strider {

namespace {

std::vector<int> widths(int in, int hidden, int count, int out) {
  std::vector<int> sizes{in};
  for (int k = 0; k < count; ++k) sizes.push_back(hidden);
  sizes.push_back(out);
  return sizes;
}

}  // namespace

StriderPolicy::StriderPolicy(const PolicyConfig& config, std::uint64_t seed) : config_(config) {
  config_.validate();
  const PolicyArchitecture& a = config_.architecture;
  const int h = a.width;
  const int node_in = config_.graph.node_feature_count();
  const int edge_in = config_.graph.edge_feature_count();

  // Layout: every block in construction order (shared/policy-weights.md).
  int offset = 0;
  norm_ = std::make_unique<nn::BatchNorm>(node_in, offset, a.batch_norm_momentum, a.batch_norm_eps);
  blocks_.push_back({"node_embed.norm.weight", offset, node_in, 1});
  blocks_.push_back({"node_embed.norm.bias", offset + node_in, node_in, 1});
  offset += norm_->size();
  auto make_mlp = [&](const std::string& name, const std::vector<int>& sizes) {
    auto mlp = std::make_unique<nn::Mlp>(sizes, offset, a.leaky_relu_slope);
    for (size_t k = 0; k < mlp->layers().size(); ++k) {
      const nn::Linear& layer = mlp->layers()[k];
      const std::string prefix = name + "." + std::to_string(k);
      blocks_.push_back({prefix + ".weight", layer.offset(), layer.out(), layer.in()});
      blocks_.push_back({prefix + ".bias", layer.offset() + layer.out() * layer.in(), layer.out(), 1});
    }
    offset += mlp->size();
    return mlp;
  };
  node_embed_ = make_mlp("node_embed", widths(node_in, h, a.node_embed_layers - 1, h));
  edge_embed_ = make_mlp("edge_embed", widths(edge_in, h, a.edge_embed_layers - 1, h));
  for (int l = 0; l < a.message_passing_steps; ++l) {
    const std::string step = "mp." + std::to_string(l);
    node_update_.push_back(make_mlp(step + ".node", widths(3 * h, h, a.node_update_layers - 1, h)));
    edge_update_.push_back(make_mlp(step + ".edge", widths(3 * h, h, a.edge_update_layers - 1, h)));
  }
  displacement_ = make_mlp("displacement", widths(3 * h, h, a.displacement_hidden_layers, 3));

  params_.setZero(offset);
  grad_.setZero(offset);
  Random rng(seed);
  double* p = params_.data();
  norm_->initialise(p);
  node_embed_->initialise(p, rng);
  edge_embed_->initialise(p, rng);
  for (int l = 0; l < a.message_passing_steps; ++l) {
    node_update_[l]->initialise(p, rng);
    edge_update_[l]->initialise(p, rng);
  }
  displacement_->initialise(p, rng);

  to_receiver_ = std::make_unique<nn::ScatterMean>();
  to_sender_ = std::make_unique<nn::ScatterMean>();
  builder_ = std::make_unique<GraphBuilder>(config_.graph);
}

StriderPolicy::~StriderPolicy() = default;

Eigen::Matrix3Xd StriderPolicy::forward(const System& system, const Evaluation& evaluation, bool training) {
  return forward(builder_->build(system, evaluation.per_atom), training);
}

Eigen::Matrix3Xd StriderPolicy::forward(const Graph& graph, bool training) {
  const int h = config_.architecture.width;
  const int n = graph.nodes;
  const int e = graph.edges();
  if (graph.node_features.rows() != config_.graph.node_feature_count() || graph.node_features.cols() != n ||
      graph.edge_features.rows() != config_.graph.edge_feature_count() || graph.edge_features.cols() != e ||
      static_cast<int>(graph.receiver.size()) != e) {
    throw InputError("policy: graph features do not match the policy's settings (" +
                     std::to_string(config_.graph.node_feature_count()) + " node and " +
                     std::to_string(config_.graph.edge_feature_count()) + " edge features expected)");
  }
  for (int k = 0; k < e; ++k) {
    if (graph.sender[k] < 0 || graph.sender[k] >= n || graph.receiver[k] < 0 || graph.receiver[k] >= n) {
      throw InputError("policy: graph edge " + std::to_string(k) + " joins a node out of range");
    }
  }
  nodes_ = n;
  sender_ = graph.sender;
  receiver_ = graph.receiver;
  *to_receiver_ = nn::ScatterMean(receiver_, n);
  *to_sender_ = nn::ScatterMean(sender_, n);
  const double* p = params_.data();
  const nn::Concat around_node({h, h, h});  // [h_v | mean of edges into v | mean of edges out of v]
  const nn::Concat around_edge({h, h, h});  // [e_uv | h_u | h_v]

  // Embeddings (eq. 5).
  norm_->forward(p, graph.node_features, node_embed_->input(), training);
  const Eigen::MatrixXd* nodes = &node_embed_->forward(p);
  edge_embed_->input() = graph.edge_features;
  const Eigen::MatrixXd* edges = &edge_embed_->forward(p);

  // Message passing: node update (eq. 6), then edge update (eq. 7) from the new nodes.
  for (size_t l = 0; l < node_update_.size(); ++l) {
    Eigen::MatrixXd& x = node_update_[l]->input();
    around_node.resize(x, n);
    around_node.part(x, 0) = *nodes;
    to_receiver_->forward(*edges, around_node.part(x, 1));
    to_sender_->forward(*edges, around_node.part(x, 2));
    nodes = &node_update_[l]->forward(p);

    Eigen::MatrixXd& y = edge_update_[l]->input();
    around_edge.resize(y, e);
    around_edge.part(y, 0) = *edges;
    nn::gather(*nodes, sender_, around_edge.part(y, 1));
    nn::gather(*nodes, receiver_, around_edge.part(y, 2));
    edges = &edge_update_[l]->forward(p);
  }

  // Displacement MLP on the node and its aggregated edges.
  Eigen::MatrixXd& z = displacement_->input();
  around_node.resize(z, n);
  around_node.part(z, 0) = *nodes;
  to_receiver_->forward(*edges, around_node.part(z, 1));
  to_sender_->forward(*edges, around_node.part(z, 2));
  Eigen::Matrix3Xd mu = config_.displacement_scale * config_.output_gain * displacement_->forward(p);
  if (config_.architecture.center_mu && n > 0) mu.colwise() -= mu.rowwise().mean();
  forward_done_ = true;
  return mu;
}

void StriderPolicy::backward(const Eigen::Matrix3Xd& grad_mu) {
  if (!forward_done_) throw std::logic_error("StriderPolicy::backward called before forward");
  if (grad_mu.cols() != nodes_) {
    throw InputError("policy: gradient has " + std::to_string(grad_mu.cols()) + " columns for " +
                     std::to_string(nodes_) + " atoms");
  }
  const int h = config_.architecture.width;
  const int e = static_cast<int>(sender_.size());
  const double* p = params_.data();
  double* g = grad_.data();
  const nn::Concat around_node({h, h, h});
  const nn::Concat around_edge({h, h, h});

  Eigen::MatrixXd d_out = config_.displacement_scale * config_.output_gain * grad_mu;
  if (config_.architecture.center_mu && nodes_ > 0) d_out.colwise() -= d_out.rowwise().mean();
  Eigen::MatrixXd d_in;
  displacement_->backward(p, g, d_out, &d_in);
  Eigen::MatrixXd d_nodes = around_node.part(d_in, 0);
  Eigen::MatrixXd d_edges = Eigen::MatrixXd::Zero(h, e);
  to_receiver_->backward(around_node.part(d_in, 1), d_edges);
  to_sender_->backward(around_node.part(d_in, 2), d_edges);

  for (size_t l = node_update_.size(); l-- > 0;) {
    edge_update_[l]->backward(p, g, d_edges, &d_in);
    Eigen::MatrixXd d_edges_before = around_edge.part(d_in, 0);
    nn::gather_backward(around_edge.part(d_in, 1), sender_, d_nodes);
    nn::gather_backward(around_edge.part(d_in, 2), receiver_, d_nodes);

    node_update_[l]->backward(p, g, d_nodes, &d_in);
    d_nodes = around_node.part(d_in, 0);
    to_receiver_->backward(around_node.part(d_in, 1), d_edges_before);
    to_sender_->backward(around_node.part(d_in, 2), d_edges_before);
    d_edges.swap(d_edges_before);
  }

  edge_embed_->backward(p, g, d_edges, &grad_edge_features_);
  node_embed_->backward(p, g, d_nodes, &d_in);
  norm_->backward(p, g, d_in, &grad_node_features_);
}

void StriderPolicy::set_parameters(const Eigen::VectorXd& values) {
  if (values.size() != params_.size()) {
    throw InputError("policy: " + std::to_string(values.size()) + " parameter values for " +
                     std::to_string(params_.size()) + " parameters");
  }
  params_ = values;
}

const Eigen::VectorXd& StriderPolicy::running_mean() const { return norm_->running_mean; }
const Eigen::VectorXd& StriderPolicy::running_var() const { return norm_->running_var; }

void StriderPolicy::set_running_statistics(const Eigen::VectorXd& mean, const Eigen::VectorXd& var) {
  const int f = norm_->features();
  if (mean.size() != f || var.size() != f) {
    throw InputError("policy: batch-norm running statistics need " + std::to_string(f) + " values each");
  }
  if (!mean.allFinite() || !var.allFinite() || (var.array() < 0.0).any()) {
    throw InputError("policy: batch-norm running statistics must be finite, variances >= 0");
  }
  norm_->running_mean = mean;
  norm_->running_var = var;
}

}  // namespace strider
