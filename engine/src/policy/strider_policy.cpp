// StriderPolicy: the layers of engine/src/policy composed into the StriderNET
// graph network (policy.hpp has the equations), forward and backward.
//
// [SECTION] how the per-edge work is kept small
// The network is evaluated exactly as written in policy.hpp (a test compares
// it with a plain implementation of the documented layout, which is what the
// LibTorch twin computes), but in an order that does little work per edge:
//  - Deferred last layers. Every consumer of edge features is affine in them:
//    the means into and out of a node (node update, displacement MLP) and the
//    edge block of the next edge update's first layer. So an edge MLP stops at
//    its last hidden activations a (one column per edge) and its last layer
//    (W, b) is applied after the mean, mean(W a + b) = W mean(a) + b (zero for
//    a node without edges), or composed with the consumer,
//    W_e (W a + b) = (W_e W) a + W_e b.
//  - Gathered node blocks. The edge update's first layer on [e_uv | h_u | h_v]
//    applies its node blocks once per node, W_u h and W_v h, then gathers them.
// A one-layer edge update has no hidden activations to stop at: its output is
// kept per edge ("materialised").
// Matrices with a column per edge are padded to a capacity that only grows in
// steps of 64 columns: the edge count changes a little from step to step, and
// reallocating blocks of ~1e5 doubles each time (page faults included) cost a
// quarter of a step. No gather or scatter reads a padding column, and their
// gradients are zero.
#include <stdexcept>

#include "batch_norm.hpp"
#include "concat.hpp"
#include "dense.hpp"
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

// The edge features of one stage (0: the embedding; l + 1: after message
// passing step l) as the MLP that made them holds them.
struct EdgeStage {
  nn::Mlp* mlp = nullptr;
  bool deferred = true;  // e = W a + b with a = values(), (W, b) = last(); else e = values()

  const Eigen::MatrixXd& values() const {
    return deferred ? mlp->value(mlp->layer_count() - 1) : mlp->output();
  }
  const nn::Linear& last() const { return mlp->layers().back(); }
};

// Stage s: 0 the edge embedding (always deferred), l + 1 the edge update of
// step l (deferred unless it has a single layer).
EdgeStage edge_stage(nn::Mlp& embed, std::vector<std::unique_ptr<nn::Mlp>>& updates, int s) {
  if (s == 0) return {&embed, true};
  nn::Mlp& mlp = *updates[static_cast<size_t>(s - 1)];
  return {&mlp, mlp.layer_count() >= 2};
}

// The columns of every per-edge matrix for `edges` edges after a forward
// whose matrices had `capacity` columns: unchanged unless the edges no longer
// fit or fill less than half of them (then the next multiple of 64).
int padded_capacity(int edges, int capacity) {
  return edges > capacity || edges < capacity / 2 ? (edges + 63) / 64 * 64 : capacity;
}

// Whether a and b have the same shape and the same numbers, bit for bit (as ==).
template <class A, class B>
bool same_numbers(const A& a, const B& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && (a.array() == b.array()).all();
}

std::size_t bytes_of(const Eigen::MatrixXd& m) { return static_cast<std::size_t>(m.size()) * sizeof(double); }
std::size_t bytes_of(const std::vector<Eigen::MatrixXd>& values) {
  std::size_t total = 0;
  for (const Eigen::MatrixXd& m : values) total += bytes_of(m);
  return total;
}
std::size_t bytes_of(const nn::BatchNorm::Activations& a) {
  return bytes_of(a.normalised) + (a.inv_std.size() + a.mean.size() + a.var.size()) * sizeof(double);
}

// What backward() reads of the last forward besides the MLPs' values and the
// batch norm's: the graph it ran on (inputs, to tell whether a later forward
// would compute the same), its topology and the per-stage edge means.
struct ForwardValues {
  bool ready = false;
  int nodes = 0;
  std::vector<int> sender, receiver;
  Eigen::MatrixXd node_features, edge_features;  // F x N, 4 x E: the graph's
  nn::ScatterMean to_receiver, to_sender;  // edges -> nodes: means over edges into / out of a node
  Eigen::VectorXd has_in, has_out;         // N: 1 where a node has edges in / out

  struct Means {
    Eigen::MatrixXd hidden_in, hidden_out;  // means of a (deferred stages)
    Eigen::MatrixXd in, out;                // means of e: H x N
  };
  std::vector<Means> means;                // per stage

  std::size_t bytes() const {
    std::size_t total = (sender.capacity() + receiver.capacity()) * sizeof(int) + bytes_of(node_features) +
                        bytes_of(edge_features) + to_receiver.bytes() + to_sender.bytes() +
                        (has_in.size() + has_out.size()) * sizeof(double);
    for (const Means& m : means) {
      total += bytes_of(m.hidden_in) + bytes_of(m.hidden_out) + bytes_of(m.in) + bytes_of(m.out);
    }
    return total;
  }
};

}  // namespace

// The last forward's values (ForwardValues) and the scratch of forward and
// backward (kept between calls: per-edge blocks are too large to allocate each time).
struct StriderPolicy::Workspace : ForwardValues {
  int edge_capacity = 0;                   // columns of every per-edge matrix (>= the edge count)
  Eigen::MatrixXd project;                 // H x N: W_u h or W_v h of an edge update
  Eigen::MatrixXd composed;                // W_e W of a deferred stage and the next edge update
  Eigen::VectorXd composed_bias;

  Eigen::MatrixXd d_out, d_in, d_nodes, d_pre, d_project, d_part, d_hidden_mean, d_mean;
  Eigen::MatrixXd d_values, d_values_before;  // d loss / d values() of the current and the previous stage
  Eigen::MatrixXd outer;                      // D a^T of an edge block's backward
};

// One forward kept for its backward (keep_forward), or a spent one whose
// buffers wait for the next keep_forward.
struct StriderPolicy::KeptForward {
  long ticket = kNotKept;                      // kNotKept: spent
  long parameters_version = 0;                 // StriderPolicy::parameters_version_ when kept
  int edge_capacity = 0;                       // columns of its per-edge matrices
  Eigen::VectorXd running_mean, running_var;   // eval mode: the statistics it normalised with
  ForwardValues values;
  nn::BatchNorm::Activations norm;
  std::vector<std::vector<Eigen::MatrixXd>> mlp_values;  // per MLP, in mlps() order

  std::size_t bytes() const {
    std::size_t total = values.bytes() + bytes_of(norm) + (running_mean.size() + running_var.size()) * sizeof(double);
    for (const std::vector<Eigen::MatrixXd>& v : mlp_values) total += bytes_of(v);
    return total;
  }
};

StriderPolicy::StriderPolicy(const PolicyConfig& config, std::uint64_t seed)
    : config_(config), kept_forward_budget_(kDefaultKeptForwardBytes) {
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
  const Initialisation init = config_.initialisation;
  norm_->initialise(p);
  node_embed_->initialise(p, rng, init);
  edge_embed_->initialise(p, rng, init);
  for (int l = 0; l < a.message_passing_steps; ++l) {
    node_update_[l]->initialise(p, rng, init);
    edge_update_[l]->initialise(p, rng, init);
  }
  displacement_->initialise(p, rng, init);

  builder_ = std::make_unique<GraphBuilder>(config_.graph);
  work_ = std::make_unique<Workspace>();
}

StriderPolicy::~StriderPolicy() = default;

Eigen::Matrix3Xd StriderPolicy::forward(const System& system, const Evaluation& evaluation, bool training) {
  return forward(builder_->build(system, evaluation.per_atom, evaluation.forces), training);
}

Eigen::Matrix3Xd StriderPolicy::forward(const Graph& graph, bool training) {
  const int h = config_.architecture.width;
  const int steps = config_.architecture.message_passing_steps;
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
  Workspace& w = *work_;
  w.ready = false;
  w.nodes = n;
  w.sender = graph.sender;
  w.receiver = graph.receiver;
  w.to_receiver = nn::ScatterMean(w.receiver, n);
  w.to_sender = nn::ScatterMean(w.sender, n);
  w.has_in = w.to_receiver.has_edges();
  w.has_out = w.to_sender.has_edges();
  w.means.resize(static_cast<size_t>(steps) + 1);
  w.node_features = graph.node_features;
  w.edge_features = graph.edge_features;
  w.edge_capacity = padded_capacity(e, w.edge_capacity);
  const double* p = params_.data();
  const nn::Concat around_node({h, h, h});  // [h_v | mean of edges into v | mean of edges out of v]

  // Embeddings (eq. 5); the edge embedding's last layer deferred.
  norm_->forward(p, graph.node_features, node_embed_->input(), training);
  const Eigen::MatrixXd* nodes = &node_embed_->forward(p);
  edge_embed_->input().setZero(graph.edge_features.rows(), w.edge_capacity);
  edge_embed_->input().leftCols(e) = graph.edge_features;
  edge_embed_->forward(p, 0, edge_embed_->layer_count() - 1);
  stage_means_forward(0);

  // Message passing: node update (eq. 6), then edge update (eq. 7) from the new nodes.
  for (int l = 0; l < steps; ++l) {
    Eigen::MatrixXd& x = node_update_[static_cast<size_t>(l)]->input();
    around_node.resize(x, n);
    around_node.part(x, 0) = *nodes;
    around_node.part(x, 1) = w.means[static_cast<size_t>(l)].in;
    around_node.part(x, 2) = w.means[static_cast<size_t>(l)].out;
    nodes = &node_update_[static_cast<size_t>(l)]->forward(p);
    edge_update_forward(l, *nodes);
    stage_means_forward(l + 1);
  }

  // Displacement MLP on the node and the means of its edges.
  Eigen::MatrixXd& z = displacement_->input();
  around_node.resize(z, n);
  around_node.part(z, 0) = *nodes;
  around_node.part(z, 1) = w.means[static_cast<size_t>(steps)].in;
  around_node.part(z, 2) = w.means[static_cast<size_t>(steps)].out;
  displacement_->forward(p);
  w.ready = true;
  return mean_displacement();
}

Eigen::Matrix3Xd StriderPolicy::mean_displacement() const {
  Eigen::Matrix3Xd mu = config_.displacement_scale * config_.output_gain * displacement_->output();
  if (config_.architecture.center_mu && mu.cols() > 0) mu.colwise() -= mu.rowwise().mean();
  return mu;
}

void StriderPolicy::stage_means_forward(int s) {
  Workspace& w = *work_;
  Workspace::Means& m = w.means[static_cast<size_t>(s)];
  const EdgeStage stage = edge_stage(*edge_embed_, edge_update_, s);
  const Eigen::MatrixXd& values = stage.values();
  if (!stage.deferred) {
    m.in.resize(values.rows(), w.nodes);
    m.out.resize(values.rows(), w.nodes);
    w.to_receiver.forward(values, m.in);
    w.to_sender.forward(values, m.out);
    return;
  }
  m.hidden_in.resize(values.rows(), w.nodes);
  m.hidden_out.resize(values.rows(), w.nodes);
  w.to_receiver.forward(values, m.hidden_in);
  w.to_sender.forward(values, m.hidden_out);
  const double* p = params_.data();
  stage.last().forward(p, m.hidden_in, m.in);
  stage.last().forward(p, m.hidden_out, m.out);
  m.in = m.in * w.has_in.asDiagonal();  // no edges: a zero mean, bias included
  m.out = m.out * w.has_out.asDiagonal();
}

void StriderPolicy::edge_update_forward(int step, const Eigen::MatrixXd& nodes) {
  Workspace& w = *work_;
  const int h = config_.architecture.width;
  const double* p = params_.data();
  nn::Mlp& mlp = *edge_update_[static_cast<size_t>(step)];
  const nn::Linear& first = mlp.layers().front();
  const EdgeStage before = edge_stage(*edge_embed_, edge_update_, step);

  // First layer on [e_uv | h_u | h_v]: the edge block per edge (composed with
  // the previous stage's deferred last layer), the node blocks per node, gathered.
  Eigen::MatrixXd& pre = mlp.value(1);
  const auto first_weight = first.weight(p);
  const auto edge_block = first_weight.leftCols(h);
  if (before.deferred) {
    w.composed.noalias() = edge_block * before.last().weight(p);
    w.composed_bias = edge_block * before.last().bias(p) + first.bias(p);
    pre.resize(h, w.edge_capacity);
    pre.colwise() = w.composed_bias;
    const Eigen::MatrixXd& a = before.values();  // pre += composed a, by dense::multiply_add (as every layer)
    nn::dense::multiply_add(h, static_cast<int>(a.cols()), static_cast<int>(a.rows()),
                            nn::dense::view_of(w.composed), nn::dense::view_of(a), pre.data(), h);
  } else {
    first.forward_columns(p, 0, h, before.values(), pre, true);
  }
  for (int block = 1; block <= 2; ++block) {
    first.forward_columns(p, block * h, h, nodes, w.project, false);
    nn::gather_add(w.project, block == 1 ? w.sender : w.receiver, pre);
  }
  if (mlp.layer_count() == 1) return;  // materialised: value(1) is the output
  mlp.activate(1);
  mlp.forward(p, 1, mlp.layer_count() - 1);  // up to the last hidden activations
}

void StriderPolicy::backward(const Eigen::Matrix3Xd& grad_mu) {
  Workspace& w = *work_;
  if (!w.ready) throw std::logic_error("StriderPolicy::backward called before forward");
  if (grad_mu.cols() != w.nodes) {
    throw InputError("policy: gradient has " + std::to_string(grad_mu.cols()) + " columns for " +
                     std::to_string(w.nodes) + " atoms");
  }
  const int h = config_.architecture.width;
  const int steps = config_.architecture.message_passing_steps;
  const double* p = params_.data();
  double* g = grad_.data();
  const nn::Concat around_node({h, h, h});

  w.d_out = config_.displacement_scale * config_.output_gain * grad_mu;
  if (config_.architecture.center_mu && w.nodes > 0) w.d_out.colwise() -= w.d_out.rowwise().mean();
  displacement_->backward(p, g, w.d_out, &w.d_in);
  w.d_nodes = around_node.part(w.d_in, 0);
  const EdgeStage final_stage = edge_stage(*edge_embed_, edge_update_, steps);
  w.d_values.setZero(final_stage.values().rows(), w.edge_capacity);
  stage_means_backward(steps, around_node.part(w.d_in, 1), around_node.part(w.d_in, 2), w.d_values);

  for (int l = steps - 1; l >= 0; --l) {
    // w.d_values: the complete gradient of stage l + 1; its edge update passes
    // gradients to the nodes h_{l+1} and to stage l.
    const EdgeStage before = edge_stage(*edge_embed_, edge_update_, l);
    w.d_values_before.setZero(before.values().rows(), w.edge_capacity);
    edge_update_backward(l, w.d_values, w.d_nodes, w.d_values_before);
    node_update_[static_cast<size_t>(l)]->backward(p, g, w.d_nodes, &w.d_in);
    w.d_nodes = around_node.part(w.d_in, 0);
    stage_means_backward(l, around_node.part(w.d_in, 1), around_node.part(w.d_in, 2), w.d_values_before);
    w.d_values.swap(w.d_values_before);
  }

  edge_embed_->backward(p, g, w.d_values, &w.d_in, 0, edge_embed_->layer_count() - 1);
  grad_edge_features_ = w.d_in.leftCols(static_cast<Eigen::Index>(w.sender.size()));
  node_embed_->backward(p, g, w.d_nodes, &w.d_in);
  norm_->backward(p, g, w.d_in, &grad_node_features_);
}

void StriderPolicy::stage_means_backward(int s, const Eigen::MatrixXd& d_in, const Eigen::MatrixXd& d_out,
                                         Eigen::MatrixXd& d_values) {
  Workspace& w = *work_;
  const Workspace::Means& m = w.means[static_cast<size_t>(s)];
  const EdgeStage stage = edge_stage(*edge_embed_, edge_update_, s);
  if (!stage.deferred) {
    w.to_receiver.backward(d_in, d_values);
    w.to_sender.backward(d_out, d_values);
    return;
  }
  const double* p = params_.data();
  double* g = grad_.data();
  for (int direction = 0; direction < 2; ++direction) {
    const bool into = direction == 0;
    w.d_mean = (into ? d_in : d_out) * (into ? w.has_in : w.has_out).asDiagonal();
    stage.last().backward(p, g, into ? m.hidden_in : m.hidden_out, w.d_mean, &w.d_hidden_mean);
    (into ? w.to_receiver : w.to_sender).backward(w.d_hidden_mean, d_values);
  }
}

void StriderPolicy::edge_update_backward(int step, const Eigen::MatrixXd& d_values, Eigen::MatrixXd& d_nodes,
                                         Eigen::MatrixXd& d_values_before) {
  Workspace& w = *work_;
  const int h = config_.architecture.width;
  const double* p = params_.data();
  double* g = grad_.data();
  nn::Mlp& mlp = *edge_update_[static_cast<size_t>(step)];
  const int layers = mlp.layer_count();
  const nn::Linear& first = mlp.layers().front();
  const EdgeStage before = edge_stage(*edge_embed_, edge_update_, step);

  // d loss / d (the first layer's raw output), D.
  if (layers == 1) {
    w.d_pre = d_values;
  } else {
    mlp.backward(p, g, d_values, &w.d_pre, 1, layers - 1);
    mlp.activation_backward(1, w.d_pre);
  }

  // Node blocks, through the gathers.
  for (int block = 1; block <= 2; ++block) {
    w.d_project.setZero(h, w.nodes);
    nn::gather_backward(w.d_pre, block == 1 ? w.sender : w.receiver, w.d_project);
    first.backward_columns(p, g, block * h, h, node_update_[static_cast<size_t>(step)]->output(), w.d_project,
                           &w.d_part, false);
    d_nodes += w.d_part;
  }

  // Edge block: pre = W_e e + b_first with e = W a + b for a deferred stage.
  if (!before.deferred) {
    first.backward_columns(p, g, 0, h, before.values(), w.d_pre, &w.d_part, true);
    d_values_before += w.d_part;
    return;
  }
  const auto first_weight = first.weight(p);
  const auto edge_block = first_weight.leftCols(h);
  const nn::Linear& last = before.last();
  const Eigen::VectorXd d_sum = w.d_pre.rowwise().sum();   // D 1
  const Eigen::MatrixXd& a = before.values();
  const int edges = static_cast<int>(w.d_pre.cols()), hidden = static_cast<int>(a.rows());
  w.outer.setZero(h, hidden);  // D a^T
  nn::dense::multiply_add(h, hidden, edges, nn::dense::view_of(w.d_pre), nn::dense::transpose_of(a), w.outer.data(), h);
  first.weight(g).leftCols(h).noalias() += w.outer * last.weight(p).transpose();
  first.weight(g).leftCols(h).noalias() += d_sum * last.bias(p).transpose();
  first.bias(g) += d_sum;
  last.weight(g).noalias() += edge_block.transpose() * w.outer;
  last.bias(g).noalias() += edge_block.transpose() * d_sum;
  w.composed.noalias() = edge_block * last.weight(p);
  nn::dense::multiply_add(hidden, edges, h, nn::dense::transpose_of(w.composed), nn::dense::view_of(w.d_pre),
                          d_values_before.data(), hidden);
}

void StriderPolicy::set_parameters(const Eigen::VectorXd& values) {
  if (values.size() != params_.size()) {
    throw InputError("policy: " + std::to_string(values.size()) + " parameter values for " +
                     std::to_string(params_.size()) + " parameters");
  }
  params_ = values;
  ++parameters_version_;
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

void StriderPolicy::backward_to_state(const Eigen::Matrix3Xd& grad_mu, StateGradient& grad_state) {
  backward(grad_mu);
  graph_feature_gradient(builder_->graph(), config_.graph, grad_node_features_, grad_edge_features_, grad_state);
}

void StriderPolicy::set_variance(double variance) {
  PolicyConfig changed = config_;
  changed.variance = variance;
  changed.validate();
  config_ = changed;
}

// [SECTION] keeping forwards
// keep_forward swaps the last forward's values into a pool entry and the
// entry's old buffers (a spent forward's) into the model, so neither
// allocates once the pool has grown; forward_again swaps them back.

std::vector<nn::Mlp*> StriderPolicy::mlps() {
  std::vector<nn::Mlp*> all{node_embed_.get(), edge_embed_.get(), displacement_.get()};
  for (auto& mlp : node_update_) all.push_back(mlp.get());
  for (auto& mlp : edge_update_) all.push_back(mlp.get());
  return all;
}

void StriderPolicy::swap_forward_state(KeptForward& kept) {
  std::swap(static_cast<ForwardValues&>(*work_), kept.values);
  norm_->swap_activations(kept.norm);
  const std::vector<nn::Mlp*> all = mlps();
  kept.mlp_values.resize(all.size());
  for (std::size_t k = 0; k < all.size(); ++k) all[k]->swap_values(kept.mlp_values[k]);
}

StriderPolicy::KeptForward* StriderPolicy::slot_for_forward(std::size_t bytes) {
  std::size_t held = 0;
  KeptForward* spent = nullptr;   // a spent entry, or one of parameters since changed
  KeptForward* oldest = nullptr;  // else the oldest kept forward
  for (const auto& kept : kept_) {
    held += kept->bytes();
    if (kept->ticket == kNotKept || kept->parameters_version != parameters_version_) {
      spent = kept.get();
    } else if (!oldest || kept->ticket < oldest->ticket) {
      oldest = kept.get();
    }
  }
  auto fits = [&](const KeptForward* replaced) {
    return held - (replaced ? replaced->bytes() : 0) + bytes <= kept_forward_budget_;
  };
  if (spent && fits(spent)) return spent;
  if (fits(nullptr)) return kept_.emplace_back(std::make_unique<KeptForward>()).get();
  if (oldest && fits(oldest)) return oldest;
  return nullptr;
}

long StriderPolicy::keep_forward() {
  Workspace& w = *work_;
  if (!w.ready) return kNotKept;
  std::size_t bytes = w.ForwardValues::bytes() + bytes_of(norm_->activations());
  for (nn::Mlp* mlp : mlps()) {
    for (int k = 0; k <= mlp->layer_count(); ++k) bytes += bytes_of(mlp->value(k));
  }
  KeptForward* kept = slot_for_forward(bytes);
  if (!kept) return kNotKept;
  swap_forward_state(*kept);
  w.ready = false;  // the model now holds a spent forward's buffers
  kept->ticket = next_ticket_++;
  kept->parameters_version = parameters_version_;
  kept->edge_capacity = w.edge_capacity;
  kept->running_mean = norm_->running_mean;
  kept->running_var = norm_->running_var;
  return kept->ticket;
}

Eigen::Matrix3Xd StriderPolicy::forward_again(long ticket, const System& system, const Evaluation& evaluation,
                                              bool training) {
  KeptForward* kept = nullptr;
  for (const auto& entry : kept_) {
    if (ticket != kNotKept && entry->ticket == ticket) kept = entry.get();
  }
  // forward(system, ...) is forward(graph) of this graph; the kept values are
  // what forward(graph) would compute when everything it reads is the same.
  const Graph& graph = builder_->build(system, evaluation.per_atom, evaluation.forces);
  if (!kept) return forward(graph, training);
  kept->ticket = kNotKept;
  const ForwardValues& v = kept->values;
  const bool same = v.ready && kept->parameters_version == parameters_version_ && kept->norm.training == training &&
                    (training || (same_numbers(kept->running_mean, norm_->running_mean) &&
                                  same_numbers(kept->running_var, norm_->running_var))) &&
                    padded_capacity(graph.edges(), work_->edge_capacity) == kept->edge_capacity &&
                    v.nodes == graph.nodes && v.sender == graph.sender && v.receiver == graph.receiver &&
                    same_numbers(v.node_features, graph.node_features) &&
                    same_numbers(v.edge_features, graph.edge_features);
  if (!same) return forward(graph, training);
  swap_forward_state(*kept);
  work_->edge_capacity = kept->edge_capacity;
  norm_->repeat_running_update();  // what the forward added to the running statistics (training mode)
  ++reused_forwards_;
  return mean_displacement();
}

void StriderPolicy::set_kept_forward_budget(std::size_t bytes) {
  kept_forward_budget_ = bytes;
  kept_.clear();
}

std::size_t StriderPolicy::kept_forward_bytes() const {
  std::size_t total = 0;
  for (const auto& kept : kept_) total += kept->bytes();
  return total;
}

}  // namespace strider
