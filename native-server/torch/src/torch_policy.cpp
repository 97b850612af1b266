// TorchPolicy: the StriderNET network of shared/policy-weights.md in
// torch::nn modules (double precision), over one disjoint batch of graphs.
//
// A batch concatenates the graphs' nodes and edges, shifting each graph's
// edge indices by the nodes before it; node k carries the index of its graph.
// Means over edges (scatter means with index_add) then never mix graphs, and
// batch norm takes per-graph statistics with the same index.
#include <torch/torch.h>

#include <cstring>
#include <stdexcept>

#include "strider/error.hpp"
#include "tensor_helpers.hpp"
#include "strider/torch/policy.hpp"

namespace strider {

namespace {

using torch_helpers::gather_rows;
using torch_helpers::scatter_mean;
using torch_helpers::to_tensor;
using torch_helpers::to_vector;
using torch_helpers::widths;

// Linear (LeakyReLU Linear)*: sizes[0] inputs, sizes.back() outputs, no activation after the last layer.
struct MlpImpl : torch::nn::Module {
  MlpImpl(const std::vector<int>& sizes, double slope) : slope(slope) {
    for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
      layers.push_back(register_module(std::to_string(k), torch::nn::Linear(sizes[k], sizes[k + 1])));
    }
  }
  // x: (rows, sizes[0]) -> (rows, sizes.back()).
  torch::Tensor forward(const torch::Tensor& x) { return after_first(layers[0]->forward(x)); }
  // The rest of the MLP given the first layer's output (rows, sizes[1]);
  // stop_before_last: the last layer's input instead (an MLP of >= 2 layers).
  torch::Tensor after_first(torch::Tensor x, bool stop_before_last = false) {
    const std::size_t end = layers.size() - (stop_before_last ? 1 : 0);
    for (std::size_t k = 1; k < end; ++k) x = layers[k]->forward(torch::leaky_relu(x, slope));
    return stop_before_last ? torch::leaky_relu(x, slope) : x;
  }
  std::vector<torch::nn::Linear> layers;
  double slope;
};
TORCH_MODULE(Mlp);

// The disjoint batch: nodes (N, F), edges (E, 4), sender/receiver (E) and
// graph (N) as int64 indices; in/out_count (N, 1): edges into / out of each
// node, at least 1 (a node without edges gets a zero mean); has_in/out (N, 1):
// 1 where a node has edges in / out, else 0; graph_count (G):
// nodes per graph; sizes: the same as numbers. update_running: whether a
// training-mode batch norm updates its running statistics.
struct Batch {
  torch::Tensor nodes, edges, sender, receiver, graph, in_count, out_count, has_in, has_out, graph_count;
  std::vector<std::int64_t> sizes;
  bool update_running = true;
};

// Edge features, possibly with their MLP's last layer deferred: e = a W^T +
// bias when w is defined, else e = a. Every consumer of e is affine in it (the
// means into and out of a node, the next edge update's first layer), so the
// last layer can act after the mean, W mean(a) + bias, or be composed with the
// consumer's weights: per edge only a (edges x H) is ever multiplied.
struct Edges {
  torch::Tensor a, w, bias;
};

// torch.nn.BatchNorm1d over the nodes of each graph separately (training) or
// with the running statistics (eval); see shared/policy-weights.md.
struct GraphBatchNormImpl : torch::nn::Module {
  GraphBatchNormImpl(int features, double momentum, double eps) : momentum(momentum), eps(eps) {
    weight = register_parameter("weight", torch::ones({features}));
    bias = register_parameter("bias", torch::zeros({features}));
    running_mean = register_buffer("running_mean", torch::zeros({features}));
    running_var = register_buffer("running_var", torch::ones({features}));
  }
  // x: (N, F) -> (N, F).
  torch::Tensor forward(const torch::Tensor& x, const Batch& batch, bool training) {
    torch::Tensor normalised;
    if (!training) {
      normalised = (x - running_mean) * torch::rsqrt(running_var + eps);
    } else {
      const torch::Tensor count = batch.graph_count.unsqueeze(1).clamp_min(1.0);  // (G, 1)
      const torch::Tensor mean = scatter_mean(x, batch.graph, count);             // (G, F)
      const torch::Tensor centred = x - gather_rows(mean, batch.graph);
      const torch::Tensor var = scatter_mean(centred * centred, batch.graph, count);  // biased
      normalised = centred * gather_rows(torch::rsqrt(var + eps), batch.graph);
      if (batch.update_running) update_running(mean.detach(), var.detach(), batch.sizes);
    }
    return normalised * weight + bias;
  }
  // One torch-style update per graph, in batch order (as the engine's forward on each graph in turn).
  void update_running(const torch::Tensor& mean, const torch::Tensor& var, const std::vector<std::int64_t>& sizes) {
    torch::NoGradGuard no_grad;
    for (std::size_t g = 0; g < sizes.size(); ++g) {
      const std::int64_t n = sizes[g];
      if (n == 0) continue;
      const double unbiased = n > 1 ? static_cast<double>(n) / static_cast<double>(n - 1) : 1.0;
      const auto i = static_cast<std::int64_t>(g);
      running_mean.add_(momentum * (mean[i] - running_mean));
      running_var.add_(momentum * (unbiased * var[i] - running_var));
    }
  }
  torch::Tensor weight, bias, running_mean, running_var;
  double momentum, eps;
};
TORCH_MODULE(GraphBatchNorm);

// The network: node embedding with batch norm, edge embedding, L message
// passing steps (eq. 6, 7), displacement MLP, scale and gain.
struct StriderNetImpl : torch::nn::Module {
  explicit StriderNetImpl(const PolicyConfig& config) : config(config) {
    const PolicyArchitecture& a = config.architecture;
    const int h = a.width;
    const double slope = a.leaky_relu_slope;
    const int node_in = config.graph.node_feature_count();
    norm = register_module("norm", GraphBatchNorm(node_in, a.batch_norm_momentum, a.batch_norm_eps));
    node_embed = register_module("node_embed", Mlp(widths(node_in, h, a.node_embed_layers - 1, h), slope));
    edge_embed = register_module("edge_embed",
                                 Mlp(widths(config.graph.edge_feature_count(), h, a.edge_embed_layers - 1, h), slope));
    for (int l = 0; l < a.message_passing_steps; ++l) {
      const std::string step = "mp" + std::to_string(l);
      node_update.push_back(
          register_module(step + "_node", Mlp(widths(3 * h, h, a.node_update_layers - 1, h), slope)));
      edge_update.push_back(
          register_module(step + "_edge", Mlp(widths(3 * h, h, a.edge_update_layers - 1, h), slope)));
    }
    displacement =
        register_module("displacement", Mlp(widths(3 * h, h, a.displacement_hidden_layers, 3), slope));
  }

  // mu (N, 3) of the batch.
  torch::Tensor forward(const Batch& b, bool training) {
    torch::Tensor h = node_embed->forward(norm->forward(b.nodes, b, training));
    // The rest of an edge MLP from its first layer's output, deferring the last layer when it has >= 2.
    auto edges_from = [](Mlp& mlp, const torch::Tensor& first) {
      if (mlp->layers.size() < 2) return Edges{mlp->after_first(first), {}, {}};
      return Edges{mlp->after_first(first, true), mlp->layers.back()->weight, mlp->layers.back()->bias};
    };
    Edges e = edges_from(edge_embed, edge_embed->layers[0]->forward(b.edges));
    auto mean = [&](const torch::Tensor& index, const torch::Tensor& count, const torch::Tensor& has) {
      const torch::Tensor m = scatter_mean(e.a, index, count);
      return e.w.defined() ? torch::linear(m, e.w) + has * e.bias : m;  // no edges: 0, bias included
    };
    auto around_node = [&] {  // [h_v | mean of edges into v | mean of edges out of v]
      return torch::cat({h, mean(b.receiver, b.in_count, b.has_in), mean(b.sender, b.out_count, b.has_out)}, 1);
    };
    for (std::size_t l = 0; l < node_update.size(); ++l) {
      h = node_update[l]->forward(around_node());
      // The first layer on [e_uv | h_u | h_v]: its edge block composed with a deferred
      // last layer, its node blocks applied once per node, then gathered.
      const torch::Tensor& w = edge_update[l]->layers[0]->weight;  // (H, 3H)
      const torch::Tensor& bias = edge_update[l]->layers[0]->bias;
      const int64_t width = h.size(1);
      const torch::Tensor w_edge = w.narrow(1, 0, width);
      const torch::Tensor from_edge = e.w.defined()
                                          ? torch::linear(e.a, torch::mm(w_edge, e.w), torch::mv(w_edge, e.bias) + bias)
                                          : torch::linear(e.a, w_edge, bias);
      const torch::Tensor first = from_edge +
                                  gather_rows(torch::linear(h, w.narrow(1, width, width)), b.sender) +
                                  gather_rows(torch::linear(h, w.narrow(1, 2 * width, width)), b.receiver);
      e = edges_from(edge_update[l], first);
    }
    torch::Tensor mu = (config.displacement_scale * config.output_gain) * displacement->forward(around_node());
    if (config.architecture.center_mu) {
      const torch::Tensor count = b.graph_count.unsqueeze(1).clamp_min(1.0);
      mu = mu - gather_rows(scatter_mean(mu, b.graph, count), b.graph);
    }
    return mu;
  }

  // Every trainable tensor in the order of the weight file (shared/policy-weights.md).
  std::vector<torch::Tensor> ordered_parameters() {
    std::vector<torch::Tensor> out{norm->weight, norm->bias};
    auto add = [&](Mlp& mlp) {
      for (auto& layer : mlp->layers) {
        out.push_back(layer->weight);
        out.push_back(layer->bias);
      }
    };
    add(node_embed);
    add(edge_embed);
    for (std::size_t l = 0; l < node_update.size(); ++l) {
      add(node_update[l]);
      add(edge_update[l]);
    }
    add(displacement);
    return out;
  }

  PolicyConfig config;
  GraphBatchNorm norm{nullptr};
  Mlp node_embed{nullptr}, edge_embed{nullptr}, displacement{nullptr};
  std::vector<Mlp> node_update, edge_update;
};
TORCH_MODULE(StriderNet);

// Consecutive ranges [begin, end) of `graphs` with at most kBatchEdges edges
// each (a larger graph alone). Per-edge tensors of a batch are ~ edges x 3H
// doubles: beyond ~16k edges (~20 MB each) they outgrow the allocator's heap
// and every forward pays page faults (train_torch_vs_engine.sh at N = 1000
// with whole batches: a quarter of the time in the kernel, half the speed).
constexpr int kBatchEdges = 16384;

std::vector<std::pair<std::size_t, std::size_t>> chunks(const std::vector<Graph>& graphs) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::size_t begin = 0;
  long edges = 0;
  for (std::size_t k = 0; k < graphs.size(); ++k) {
    if (k > begin && edges + graphs[k].edges() > kBatchEdges) {
      out.emplace_back(begin, k);
      begin = k;
      edges = 0;
    }
    edges += graphs[k].edges();
  }
  if (begin < graphs.size()) out.emplace_back(begin, graphs.size());
  return out;
}

}  // namespace

struct TorchPolicy::Net {
  torch::Device device{torch::kCPU};
  StriderNet net{nullptr};
  std::vector<torch::Tensor> parameters;  // file order
  torch::Tensor mu;                       // (N, 3) of the last forward, with its autograd graph
  torch::Tensor nodes, edges;             // its input features (N, F), (E, 4) when their gradient is wanted
  std::vector<std::int64_t> sizes;        // nodes per graph of the last forward
  std::int64_t count = 0;                 // parameter count
};

bool torch_cuda_available() { return torch::cuda::is_available(); }

TorchPolicy::TorchPolicy(const StriderPolicy& source, const std::string& device)
    : config_(source.config()), device_(device), net_(std::make_unique<Net>()) {
  if (device == "cuda") {
    if (!torch::cuda::is_available()) {
      throw InputError("--device cuda: this LibTorch build sees no CUDA device (use --device cpu)");
    }
    net_->device = torch::Device(torch::kCUDA);
  } else if (device != "cpu") {
    throw InputError("unknown device '" + device + "' (known: cpu, cuda)");
  }
  net_->net = StriderNet(config_);
  net_->net->to(net_->device, torch::kFloat64);
  net_->parameters = net_->net->ordered_parameters();
  for (const torch::Tensor& p : net_->parameters) net_->count += p.numel();
  if (net_->count != source.parameter_count()) {
    throw std::logic_error("TorchPolicy: " + std::to_string(net_->count) + " parameters, the engine's policy " +
                           std::to_string(source.parameter_count()));
  }
  set_parameters(source.parameters());
  {
    torch::NoGradGuard no_grad;
    net_->net->norm->running_mean.copy_(to_tensor(source.running_mean()));
    net_->net->norm->running_var.copy_(to_tensor(source.running_var()));
  }
  builder_ = std::make_unique<GraphBuilder>(config_.graph);
}

TorchPolicy::~TorchPolicy() = default;

int TorchPolicy::parameter_count() const { return static_cast<int>(net_->count); }

std::vector<Eigen::Matrix3Xd> TorchPolicy::forward(const std::vector<const Graph*>& graphs, bool training) {
  pending_ = false;
  return run(graphs, training, true, true);
}

std::vector<Eigen::Matrix3Xd> TorchPolicy::run(const std::vector<const Graph*>& graphs, bool training, bool record,
                                               bool update_running) {
  const int f = config_.graph.node_feature_count();
  const int fe = config_.graph.edge_feature_count();
  std::int64_t n_total = 0, e_total = 0;
  for (const Graph* g : graphs) {
    const int n = g->nodes, e = g->edges();
    if (g->node_features.rows() != f || g->node_features.cols() != n || g->edge_features.rows() != fe ||
        g->edge_features.cols() != e || static_cast<int>(g->receiver.size()) != e) {
      throw InputError("policy: graph features do not match the policy's settings (" + std::to_string(f) +
                       " node and " + std::to_string(fe) + " edge features expected)");
    }
    for (int k = 0; k < e; ++k) {
      if (g->sender[k] < 0 || g->sender[k] >= n || g->receiver[k] < 0 || g->receiver[k] >= n) {
        throw InputError("policy: graph edge " + std::to_string(k) + " joins a node out of range");
      }
    }
    n_total += n;
    e_total += e;
  }
  // Features are F x N column-major in the engine: the same memory as (N, F) row-major.
  torch::Tensor nodes = torch::empty({n_total, f}, torch::kFloat64);
  torch::Tensor edges = torch::empty({e_total, fe}, torch::kFloat64);
  torch::Tensor sender = torch::empty({e_total}, torch::kInt64), receiver = torch::empty({e_total}, torch::kInt64);
  torch::Tensor graph = torch::empty({n_total}, torch::kInt64);
  torch::Tensor graph_count = torch::empty({static_cast<std::int64_t>(graphs.size())}, torch::kFloat64);
  std::vector<std::int64_t> sizes;
  {
    double* node_data = nodes.data_ptr<double>();
    double* edge_data = edges.data_ptr<double>();
    std::int64_t* s = sender.data_ptr<std::int64_t>();
    std::int64_t* r = receiver.data_ptr<std::int64_t>();
    std::int64_t* gi = graph.data_ptr<std::int64_t>();
    double* counts = graph_count.data_ptr<double>();
    std::int64_t node0 = 0, edge0 = 0;
    for (std::size_t i = 0; i < graphs.size(); ++i) {
      const Graph& g = *graphs[i];
      std::memcpy(node_data + node0 * f, g.node_features.data(), sizeof(double) * g.node_features.size());
      std::memcpy(edge_data + edge0 * fe, g.edge_features.data(), sizeof(double) * g.edge_features.size());
      for (int k = 0; k < g.edges(); ++k) {
        s[edge0 + k] = node0 + g.sender[k];
        r[edge0 + k] = node0 + g.receiver[k];
      }
      for (int k = 0; k < g.nodes; ++k) gi[node0 + k] = static_cast<std::int64_t>(i);
      counts[i] = static_cast<double>(g.nodes);
      sizes.push_back(g.nodes);
      node0 += g.nodes;
      edge0 += g.edges();
    }
  }
  const torch::Device d = net_->device;
  Batch b;
  b.nodes = nodes.to(d);
  b.edges = edges.to(d);
  if (record && input_gradient_) {  // backward_to_state: d loss / d features too
    net_->nodes = b.nodes.requires_grad_(true);
    net_->edges = b.edges.requires_grad_(true);
  }
  b.sender = sender.to(d);
  b.receiver = receiver.to(d);
  b.graph = graph.to(d);
  b.graph_count = graph_count.to(d);
  const torch::Tensor ones = torch::ones({e_total}, torch::TensorOptions().dtype(torch::kFloat64).device(d));
  auto edge_count = [&](const torch::Tensor& index) {
    return torch::zeros({n_total}, ones.options()).index_add_(0, index, ones).unsqueeze(1);
  };
  const torch::Tensor in_count = edge_count(b.receiver), out_count = edge_count(b.sender);
  b.in_count = in_count.clamp_min(1.0);
  b.out_count = out_count.clamp_min(1.0);
  b.has_in = (in_count > 0.0).to(torch::kFloat64);
  b.has_out = (out_count > 0.0).to(torch::kFloat64);
  b.sizes = sizes;
  b.update_running = update_running;

  torch::Tensor mu_tensor;
  if (record) {
    mu_tensor = net_->mu = net_->net->forward(b, training);
  } else {
    torch::NoGradGuard no_grad;
    mu_tensor = net_->net->forward(b, training);
    net_->mu = torch::Tensor();
  }
  net_->sizes = sizes;
  // (N, 3) row-major is the memory of the engine's 3 x N column-major.
  const torch::Tensor mu = mu_tensor.detach().to(torch::kCPU).contiguous();
  std::vector<Eigen::Matrix3Xd> out;
  std::int64_t node0 = 0;
  for (std::int64_t n : sizes) {
    Eigen::Matrix3Xd m(3, n);
    std::memcpy(m.data(), mu.data_ptr<double>() + 3 * node0, sizeof(double) * 3 * static_cast<std::size_t>(n));
    out.push_back(std::move(m));
    node0 += n;
  }
  return out;
}

void TorchPolicy::backward(const std::vector<Eigen::Matrix3Xd>& grad_mu) {
  if (!net_->mu.defined()) throw std::logic_error("TorchPolicy::backward without a forward");
  if (grad_mu.size() != net_->sizes.size()) {
    throw std::invalid_argument("TorchPolicy::backward: " + std::to_string(grad_mu.size()) + " gradients for " +
                                std::to_string(net_->sizes.size()) + " graphs");
  }
  torch::Tensor grad = torch::empty({net_->mu.size(0), 3}, torch::kFloat64);
  std::int64_t node0 = 0;
  for (std::size_t i = 0; i < grad_mu.size(); ++i) {
    if (grad_mu[i].cols() != net_->sizes[i]) {
      throw std::invalid_argument("TorchPolicy::backward: gradient " + std::to_string(i) + " has " +
                                  std::to_string(grad_mu[i].cols()) + " atoms, the graph " +
                                  std::to_string(net_->sizes[i]));
    }
    std::memcpy(grad.data_ptr<double>() + 3 * node0, grad_mu[i].data(), sizeof(double) * grad_mu[i].size());
    node0 += net_->sizes[i];
  }
  net_->mu.backward(grad.to(net_->device));
  net_->mu = torch::Tensor();  // its graph is spent
}

Eigen::Matrix3Xd TorchPolicy::forward(const System& system, const Evaluation& evaluation, bool training) {
  pending_graph_ = builder_->build(system, evaluation.per_atom, evaluation.forces);
  pending_training_ = training;
  pending_ = true;
  return run(std::vector<const Graph*>{&pending_graph_}, training, false, true).front();
}

void TorchPolicy::backward(const Eigen::Matrix3Xd& grad_mu) {
  if (pending_) {  // the same forward again, with autograd (its running-statistics update is already done)
    run(std::vector<const Graph*>{&pending_graph_}, pending_training_, true, false);
    pending_ = false;
  }
  backward(std::vector<Eigen::Matrix3Xd>{grad_mu});
}

void TorchPolicy::backward_to_state(const Eigen::Matrix3Xd& grad_mu, StateGradient& grad_state) {
  if (!pending_) throw std::logic_error("TorchPolicy::backward_to_state without a forward(system, ...)");
  input_gradient_ = true;  // the same forward again, with autograd through the features too
  run(std::vector<const Graph*>{&pending_graph_}, pending_training_, true, false);
  input_gradient_ = false;
  pending_ = false;
  backward(std::vector<Eigen::Matrix3Xd>{grad_mu});
  // (N, F) row-major is the memory of the engine's F x N column-major.
  auto to_matrix = [](const torch::Tensor& grad, Eigen::Index rows, Eigen::Index cols) {
    Eigen::MatrixXd m = Eigen::MatrixXd::Zero(rows, cols);
    if (grad.defined()) {
      const torch::Tensor g = grad.to(torch::kCPU).contiguous();
      std::memcpy(m.data(), g.data_ptr<double>(), sizeof(double) * static_cast<std::size_t>(m.size()));
    }
    return m;
  };
  const Eigen::MatrixXd grad_node =
      to_matrix(net_->nodes.grad(), pending_graph_.node_features.rows(), pending_graph_.nodes);
  const Eigen::MatrixXd grad_edge =
      to_matrix(net_->edges.grad(), pending_graph_.edge_features.rows(), pending_graph_.edges());
  net_->nodes = net_->edges = torch::Tensor();
  graph_feature_gradient(pending_graph_, config_.graph, grad_node, grad_edge, grad_state);
}

std::vector<Eigen::Matrix3Xd> TorchPolicy::forward_backward(const std::vector<System>& states,
                                                            const std::vector<const Evaluation*>& evaluations,
                                                            bool training,
                                                            const std::vector<Eigen::Matrix3Xd>& grad_mu) {
  if (evaluations.size() != states.size() || grad_mu.size() != states.size()) {
    throw std::invalid_argument("forward_backward: states, evaluations and gradients differ in number");
  }
  std::vector<Graph> graphs;
  graphs.reserve(states.size());
  for (std::size_t k = 0; k < states.size(); ++k) {
    graphs.push_back(builder_->build(states[k], evaluations[k]->per_atom, evaluations[k]->forces));
  }
  std::vector<Eigen::Matrix3Xd> mu;
  for (const auto& [begin, end] : chunks(graphs)) {
    std::vector<const Graph*> pointers;
    for (std::size_t k = begin; k < end; ++k) pointers.push_back(&graphs[k]);
    for (Eigen::Matrix3Xd& m : forward(pointers, training)) mu.push_back(std::move(m));
    backward(std::vector<Eigen::Matrix3Xd>(grad_mu.begin() + static_cast<long>(begin),
                                           grad_mu.begin() + static_cast<long>(end)));
  }
  return mu;
}

std::vector<Eigen::Matrix3Xd> TorchPolicy::forward_many(const std::vector<System>& states,
                                                        const std::vector<const Evaluation*>& evaluations,
                                                        bool training) {
  if (evaluations.size() != states.size()) {
    throw std::invalid_argument("forward_many: states and evaluations differ in number");
  }
  // Position k of successive batches is usually one episode: its own builder keeps its neighbour list.
  while (batch_builders_.size() < states.size()) batch_builders_.push_back(std::make_unique<GraphBuilder>(config_.graph));
  std::vector<Graph> graphs;
  for (std::size_t k = 0; k < states.size(); ++k) {
    graphs.push_back(batch_builders_[k]->build(states[k], evaluations[k]->per_atom, evaluations[k]->forces));
  }
  pending_ = false;
  std::vector<Eigen::Matrix3Xd> mu;
  for (const auto& [begin, end] : chunks(graphs)) {
    std::vector<const Graph*> pointers;
    for (std::size_t k = begin; k < end; ++k) pointers.push_back(&graphs[k]);
    for (Eigen::Matrix3Xd& m : run(pointers, training, false, true)) mu.push_back(std::move(m));
  }
  return mu;
}

Eigen::VectorXd TorchPolicy::parameters() const {
  std::vector<torch::Tensor> flat;
  for (const torch::Tensor& p : net_->parameters) flat.push_back(p.detach().reshape({-1}));
  return to_vector(torch::cat(flat));
}

void TorchPolicy::set_parameters(const Eigen::VectorXd& values) {
  if (values.size() != net_->count) {
    throw InputError("policy: " + std::to_string(values.size()) + " parameter values for " +
                     std::to_string(net_->count) + " parameters");
  }
  const torch::Tensor all = to_tensor(values).to(net_->device);
  torch::NoGradGuard no_grad;
  std::int64_t offset = 0;
  for (torch::Tensor& p : net_->parameters) {
    p.copy_(all.narrow(0, offset, p.numel()).view(p.sizes()));
    offset += p.numel();
  }
}

const Eigen::VectorXd& TorchPolicy::gradient() const {
  std::vector<torch::Tensor> flat;
  for (const torch::Tensor& p : net_->parameters) {
    flat.push_back(p.grad().defined() ? p.grad().reshape({-1}) : torch::zeros({p.numel()}, p.options()));
  }
  gradient_ = to_vector(torch::cat(flat));
  return gradient_;
}

void TorchPolicy::zero_gradient() {
  for (torch::Tensor& p : net_->parameters) {
    if (p.grad().defined()) p.grad().zero_();
  }
}

Eigen::VectorXd TorchPolicy::running_mean() const { return to_vector(net_->net->norm->running_mean); }
Eigen::VectorXd TorchPolicy::running_var() const { return to_vector(net_->net->norm->running_var); }

void TorchPolicy::copy_to(StriderPolicy& target) const {
  if (target.parameter_count() != parameter_count() ||
      target.config().graph.node_feature_count() != config_.graph.node_feature_count()) {
    throw InputError("policy: the engine policy has another architecture (" +
                     std::to_string(target.parameter_count()) + " parameters, this one " +
                     std::to_string(parameter_count()) + ")");
  }
  target.set_parameters(parameters());
  target.set_running_statistics(running_mean(), running_var());
}

}  // namespace strider
