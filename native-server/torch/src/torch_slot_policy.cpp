// TorchSlotPolicy: S copies of the StriderNET network (the function of
// torch_policy.cpp) with stacked parameters, over one padded batch.
//
// A call's graphs are grouped by slot: the S' slots present form blocks of M
// node rows and E edge rows each (the most any slot has, plus one padding node
// per block), so node tensors are (S', M, width) and edge tensors
// (S', E, width), and a Linear layer of all slots is one baddbmm with weights
// (S', out, in). Padding edges join a block's padding node to itself and
// padding nodes form one extra graph, so they never reach a real node, a real
// graph's batch-norm statistics or the output. Scatter means run on the
// flattened (S' M, width) rows with indices that include the block offset.
// Each parameter block is one (S, ...) tensor; a call takes the rows of its slots.
#include <malloc.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "strider/error.hpp"
#include "tensor_helpers.hpp"
#include "strider/torch/policy.hpp"
#include "strider/torch/slot_policy.hpp"

// OpenBLAS's thread count, where OpenBLAS is loaded (a weak reference: null otherwise).
extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace strider {

namespace {

using torch_helpers::add_gathered_rows;
using torch_helpers::gather_rows;
using torch_helpers::scatter_add_row_pair;
using torch_helpers::scatter_mean;
using torch_helpers::to_tensor;
using torch_helpers::to_vector;
using torch_helpers::widths;

// A chunk of forward_backward (and of forward) holds about this many edges
// (a larger graph alone): per-edge tensors are then edges x H doubles, 25 MB;
// memory for autograd grows with the chunk, not with the call.
constexpr long kBatchEdges = 65536;

// One Linear layer: the indices of its weight (S, out, in) and bias (S, 1, out) in Net::leaves.
struct LinearBlock {
  std::size_t weight = 0, bias = 0;
  std::int64_t out = 0, in = 0;
};
using MlpBlocks = std::vector<LinearBlock>;

// The parameters of the slots of one call: each leaf's rows of those slots (S', ...).
// (One leaf per parameter block, not views of one (S, P) tensor: the backward of
// each view would add a zero-filled (S, P) tensor.)
struct Params {
  std::vector<torch::Tensor> leaves;
  const torch::Tensor& weight(const LinearBlock& b) const { return leaves[b.weight]; }
  const torch::Tensor& bias(const LinearBlock& b) const { return leaves[b.bias]; }
  // x (S', R, in) -> (S', R, out).
  torch::Tensor linear(const torch::Tensor& x, const LinearBlock& b) const {
    return torch::baddbmm(bias(b), x, weight(b).transpose(1, 2));
  }
};

// The padded batch of one call (see the file comment). graph: (S' M) graph
// index of every node row (padding rows: the last graph); in/out_count
// (S', M, 1) edges into / out of a node, at least 1; has_in/out: 1 where a node
// has edges. edges: each edge's features and a 1, (S', E, F_e + 1). graph_slot
// and sizes: the slot (position in the call's slot list) and node count of each
// real graph, in order.
struct Batch {
  torch::Tensor nodes, edges, sender, receiver, graph, graph_count, in_count, out_count, has_in, has_out;
  std::vector<std::int64_t> graph_slot, sizes;
  std::int64_t blocks = 0, rows = 0;  // S', M
};

// Edge features with their MLP's last layer possibly deferred (as in torch_policy.cpp): e = a W^T + bias.
struct Edges {
  torch::Tensor a, w, bias;  // (S', E, H'), (S', H, H'), (S', 1, H)
};

}  // namespace

struct TorchSlotPolicy::Net {
  torch::Device device{torch::kCPU};
  // The parameter blocks in the order of the weight file, each (S, shape...), requiring grad.
  std::vector<torch::Tensor> leaves;
  std::vector<std::vector<std::int64_t>> shapes;  // each leaf's shape without S
  torch::Tensor running_mean, running_var;   // (S, F)
  std::int64_t count = 0;                    // P
  std::int64_t features = 0;
  static constexpr std::size_t kNormWeight = 0, kNormBias = 1;  // (S, 1, F) each
  MlpBlocks node_embed, edge_embed, displacement;
  std::vector<MlpBlocks> node_update, edge_update;
  PolicyConfig config;

  // The layout of shared/policy-weights.md: batch norm weight and bias, then every Linear's weight and bias.
  void lay_out() {
    const PolicyArchitecture& a = config.architecture;
    const int h = a.width;
    features = config.graph.node_feature_count();
    auto leaf = [&](std::vector<std::int64_t> shape) {
      std::int64_t size = 1;
      for (std::int64_t d : shape) size *= d;
      count += size;
      shapes.push_back(std::move(shape));
      return shapes.size() - 1;
    };
    leaf({1, features});  // kNormWeight
    leaf({1, features});  // kNormBias
    auto mlp = [&](const std::vector<int>& sizes) {
      MlpBlocks out;
      for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
        LinearBlock b;
        b.out = sizes[k + 1];
        b.in = sizes[k];
        b.weight = leaf({b.out, b.in});
        b.bias = leaf({1, b.out});
        out.push_back(b);
      }
      return out;
    };
    node_embed = mlp(widths(static_cast<int>(features), h, a.node_embed_layers - 1, h));
    edge_embed = mlp(widths(config.graph.edge_feature_count(), h, a.edge_embed_layers - 1, h));
    for (int l = 0; l < a.message_passing_steps; ++l) {
      node_update.push_back(mlp(widths(3 * h, h, a.node_update_layers - 1, h)));
      edge_update.push_back(mlp(widths(3 * h, h, a.edge_update_layers - 1, h)));
    }
    displacement = mlp(widths(3 * h, h, a.displacement_hidden_layers, 3));
  }

  // The MLP from its first layer's output; stop_before_last: the last layer's input (>= 2 layers).
  torch::Tensor after_first(const Params& p, const MlpBlocks& mlp, torch::Tensor x, bool stop_before_last = false) {
    const double slope = config.architecture.leaky_relu_slope;
    const std::size_t end = mlp.size() - (stop_before_last ? 1 : 0);
    // In place: x is always a layer's fresh output, which no backward needs (leaky ReLU's backward reads its
    // result); one (S', R, H) tensor less per layer.
    for (std::size_t k = 1; k < end; ++k) x = p.linear(torch::leaky_relu_(x, slope), mlp[k]);
    return stop_before_last ? torch::leaky_relu_(x, slope) : x;
  }
  torch::Tensor apply(const Params& p, const MlpBlocks& mlp, const torch::Tensor& x) {
    return after_first(p, mlp, p.linear(x, mlp[0]));
  }
  Edges edges_from(const Params& p, const MlpBlocks& mlp, const torch::Tensor& first) {
    if (mlp.size() < 2) return Edges{after_first(p, mlp, first), {}, {}};
    return Edges{after_first(p, mlp, first, true), p.weight(mlp.back()), p.bias(mlp.back())};
  }

  // Batch norm of the nodes (S', M, F): each graph's own statistics (training) or each slot's running ones.
  torch::Tensor normalise(const Params& p, const Batch& b, const torch::Tensor& slot_ids,
                          const std::vector<int>& slot_list, bool training, bool update_running) {
    const double eps = config.architecture.batch_norm_eps;
    const torch::Tensor& weight = p.leaves[kNormWeight];  // (S', 1, F)
    const torch::Tensor& bias = p.leaves[kNormBias];
    if (!training) {
      const torch::Tensor mean = running_mean.index_select(0, slot_ids).unsqueeze(1);
      const torch::Tensor var = running_var.index_select(0, slot_ids).unsqueeze(1);
      return (b.nodes - mean) * torch::rsqrt(var + eps) * weight + bias;
    }
    const torch::Tensor x = b.nodes.reshape({-1, features});
    const torch::Tensor count = b.graph_count.unsqueeze(1).clamp_min(1.0);
    const torch::Tensor mean = scatter_mean(x, b.graph, count);
    const torch::Tensor centred = x - gather_rows(mean, b.graph);
    const torch::Tensor var = scatter_mean(centred * centred, b.graph, count);
    const torch::Tensor normalised = centred * gather_rows(torch::rsqrt(var + eps), b.graph);
    if (update_running) update_running_statistics(mean.detach(), var.detach(), b, slot_list);
    return normalised.view(b.nodes.sizes()) * weight + bias;
  }

  // torch's update of the running statistics, graph after graph, each into its slot's: in rounds
  // (round r: the r-th graph of every slot), each round one update of the slots it holds.
  void update_running_statistics(const torch::Tensor& mean, const torch::Tensor& var, const Batch& b,
                                 const std::vector<int>& slot_list) {
    torch::NoGradGuard no_grad;
    const double momentum = config.architecture.batch_norm_momentum;
    std::vector<std::vector<std::int64_t>> graphs, slots;  // per round
    std::vector<std::vector<double>> unbiased;
    std::vector<std::size_t> seen(slot_list.size(), 0);
    for (std::size_t g = 0; g < b.sizes.size(); ++g) {
      const std::int64_t n = b.sizes[g];
      if (n == 0) continue;
      const std::size_t round = seen[static_cast<std::size_t>(b.graph_slot[g])]++;
      if (round == graphs.size()) graphs.emplace_back(), slots.emplace_back(), unbiased.emplace_back();
      graphs[round].push_back(static_cast<std::int64_t>(g));
      slots[round].push_back(slot_list[static_cast<std::size_t>(b.graph_slot[g])]);
      unbiased[round].push_back(n > 1 ? static_cast<double>(n) / static_cast<double>(n - 1) : 1.0);
    }
    for (std::size_t r = 0; r < graphs.size(); ++r) {
      const torch::Tensor g = torch::tensor(graphs[r], torch::kInt64).to(mean.device());
      const torch::Tensor s = torch::tensor(slots[r], torch::kInt64).to(mean.device());
      const torch::Tensor u = torch::tensor(unbiased[r], torch::kFloat64).to(mean.device()).unsqueeze(1);
      const torch::Tensor rm = running_mean.index_select(0, s), rv = running_var.index_select(0, s);
      running_mean.index_copy_(0, s, rm + momentum * (mean.index_select(0, g) - rm));
      running_var.index_copy_(0, s, rv + momentum * (u * var.index_select(0, g) - rv));
    }
  }

  // mu (S', M, 3) of the batch with the parameters of the slots slot_list (S'; slot_ids: the same as a tensor).
  torch::Tensor forward(const Batch& b, const torch::Tensor& slot_ids, const std::vector<int>& slot_list,
                        bool training, bool update_running) {
    Params p;
    const bool all_in_order = static_cast<std::int64_t>(slot_list.size()) == leaves.front().size(0) &&
                              std::is_sorted(slot_list.begin(), slot_list.end());
    for (const torch::Tensor& leaf : leaves) p.leaves.push_back(all_in_order ? leaf : leaf.index_select(0, slot_ids));
    const std::int64_t blocks = b.blocks, rows = b.rows;
    torch::Tensor h = apply(p, node_embed, normalise(p, b, slot_ids, slot_list, training, update_running));
    // The edge embedding's first layer, its bias a weight column for the edges' column of ones (see Batch).
    const LinearBlock& edge_layer = edge_embed[0];
    Edges e = edges_from(
        p, edge_embed,
        torch::bmm(b.edges, torch::cat({p.weight(edge_layer), p.bias(edge_layer).transpose(1, 2)}, 2).transpose(1, 2)));
    // Each node's features and the means of its incoming and of its outgoing edges' features: (S', M, 3H).
    auto around_node = [&] {
      const std::int64_t width = e.a.size(2);
      const auto sums = scatter_add_row_pair(e.a.reshape({-1, width}), b.receiver, b.sender, blocks * rows);
      auto mean = [&](const torch::Tensor& sum, const torch::Tensor& count, const torch::Tensor& has) {
        const torch::Tensor m = sum.view({blocks, rows, width}) / count;
        return e.w.defined() ? torch::bmm(m, e.w.transpose(1, 2)) + has * e.bias : m;
      };
      return torch::cat({h, mean(sums.first, b.in_count, b.has_in), mean(sums.second, b.out_count, b.has_out)}, 2);
    };
    auto node_rows = [&](const torch::Tensor& node_term) { return node_term.reshape({blocks * rows, -1}); };
    for (std::size_t l = 0; l < node_update.size(); ++l) {
      h = apply(p, node_update[l], around_node());
      const LinearBlock& first_layer = edge_update[l][0];
      const torch::Tensor w = p.weight(first_layer);  // (S', H, 3H)
      const torch::Tensor bias = p.bias(first_layer);  // (S', 1, H)
      const std::int64_t width = h.size(2);
      const torch::Tensor w_edge = w.narrow(2, 0, width);
      const torch::Tensor from_edge =
          torch::bmm(e.a, (e.w.defined() ? torch::bmm(w_edge, e.w) : w_edge).transpose(1, 2));  // (S', E, H)
      // The layer's bias (and the deferred layer's, through the edge block): (S', 1, H). It rides on
      // the sender's node term (every edge has one sender): a pass over M node rows, not E edge rows.
      const torch::Tensor edge_bias = e.w.defined() ? torch::bmm(e.bias, w_edge.transpose(1, 2)) + bias : bias;
      // from_edge + the sender's and the receiver's node terms gathered onto the edges: (S', E, H).
      const torch::Tensor first =
          add_gathered_rows(from_edge, node_rows(torch::baddbmm(edge_bias, h, w.narrow(2, width, width).transpose(1, 2))),
                            b.sender, node_rows(torch::bmm(h, w.narrow(2, 2 * width, width).transpose(1, 2))),
                            b.receiver);
      e = edges_from(p, edge_update[l], first);
    }
    torch::Tensor mu = (config.displacement_scale * config.output_gain) * apply(p, displacement, around_node());
    if (config.architecture.center_mu) {
      const torch::Tensor flat = mu.reshape({-1, 3});
      const torch::Tensor count = b.graph_count.unsqueeze(1).clamp_min(1.0);
      mu = (flat - gather_rows(scatter_mean(flat, b.graph, count), b.graph)).view(mu.sizes());
    }
    return mu;
  }
};

namespace {

// n LibTorch threads for this process, and as many for OpenBLAS's own pool where LibTorch's BLAS is
// OpenBLAS (at::set_num_threads leaves that pool alone) and OPENBLAS_NUM_THREADS is not set.
void set_threads(int n) {
  at::set_num_threads(n);
  if (openblas_set_num_threads != nullptr && std::getenv("OPENBLAS_NUM_THREADS") == nullptr) {
    openblas_set_num_threads(n);
  }
}

// The padded batch of graphs[i] for position slot_of[i] of the call's slot list
// (S' = blocks positions); each block's graphs in the order given.
Batch make_batch(const std::vector<const Graph*>& graphs, const std::vector<std::int64_t>& slot_of, std::int64_t blocks,
                 int features, int edge_features, torch::Device device) {
  std::vector<std::int64_t> nodes_in(static_cast<std::size_t>(blocks), 0), edges_in(static_cast<std::size_t>(blocks), 0);
  for (std::size_t i = 0; i < graphs.size(); ++i) {
    nodes_in[static_cast<std::size_t>(slot_of[i])] += graphs[i]->nodes;
    edges_in[static_cast<std::size_t>(slot_of[i])] += graphs[i]->edges();
  }
  Batch b;
  b.blocks = blocks;
  b.rows = *std::max_element(nodes_in.begin(), nodes_in.end()) + 1;  // + the padding node
  const std::int64_t edge_rows = std::max<std::int64_t>(1, *std::max_element(edges_in.begin(), edges_in.end()));
  const std::int64_t real_graphs = static_cast<std::int64_t>(graphs.size());
  torch::Tensor nodes = torch::zeros({blocks, b.rows, features}, torch::kFloat64);
  torch::Tensor edges = torch::zeros({blocks, edge_rows, edge_features + 1}, torch::kFloat64);
  edges.select(2, edge_features).fill_(1.0);
  torch::Tensor sender = torch::empty({blocks * edge_rows}, torch::kInt64);
  torch::Tensor receiver = torch::empty({blocks * edge_rows}, torch::kInt64);
  torch::Tensor graph = torch::full({blocks * b.rows}, real_graphs, torch::kInt64);  // padding: the last graph
  torch::Tensor graph_count = torch::zeros({real_graphs + 1}, torch::kFloat64);
  double* node_data = nodes.data_ptr<double>();
  double* edge_data = edges.data_ptr<double>();
  std::int64_t* s = sender.data_ptr<std::int64_t>();
  std::int64_t* r = receiver.data_ptr<std::int64_t>();
  std::int64_t* gi = graph.data_ptr<std::int64_t>();
  double* counts = graph_count.data_ptr<double>();
  std::vector<std::int64_t> node_fill(static_cast<std::size_t>(blocks), 0), edge_fill(static_cast<std::size_t>(blocks), 0);
  for (std::size_t i = 0; i < graphs.size(); ++i) {
    const Graph& g = *graphs[i];
    const std::int64_t block = slot_of[i];
    const std::int64_t node0 = block * b.rows + node_fill[static_cast<std::size_t>(block)];
    const std::int64_t edge0 = block * edge_rows + edge_fill[static_cast<std::size_t>(block)];
    // F x N column-major in the engine is (N, F) row-major here.
    std::memcpy(node_data + node0 * features, g.node_features.data(), sizeof(double) * g.node_features.size());
    for (int k = 0; k < g.edges(); ++k) {
      std::memcpy(edge_data + (edge0 + k) * (edge_features + 1), g.edge_features.col(k).data(),
                  sizeof(double) * static_cast<std::size_t>(edge_features));
    }
    for (int k = 0; k < g.edges(); ++k) {
      s[edge0 + k] = node0 + g.sender[static_cast<std::size_t>(k)];
      r[edge0 + k] = node0 + g.receiver[static_cast<std::size_t>(k)];
    }
    for (int k = 0; k < g.nodes; ++k) gi[node0 + k] = static_cast<std::int64_t>(i);
    counts[i] = g.nodes;
    b.graph_slot.push_back(block);
    b.sizes.push_back(g.nodes);
    node_fill[static_cast<std::size_t>(block)] += g.nodes;
    edge_fill[static_cast<std::size_t>(block)] += g.edges();
  }
  for (std::int64_t block = 0; block < blocks; ++block) {  // padding edges: the block's padding node to itself
    const std::int64_t pad = block * b.rows + b.rows - 1;
    for (std::int64_t k = edge_fill[static_cast<std::size_t>(block)]; k < edge_rows; ++k) {
      s[block * edge_rows + k] = r[block * edge_rows + k] = pad;
    }
    counts[real_graphs] += static_cast<double>(b.rows - node_fill[static_cast<std::size_t>(block)]);
  }
  b.nodes = nodes.to(device);
  b.edges = edges.to(device);
  b.sender = sender.to(device);
  b.receiver = receiver.to(device);
  b.graph = graph.to(device);
  b.graph_count = graph_count.to(device);
  const torch::Tensor ones = torch::ones({blocks * edge_rows}, b.nodes.options());
  auto edge_count = [&](const torch::Tensor& index) {
    return torch::zeros({blocks * b.rows}, ones.options()).index_add_(0, index, ones).view({blocks, b.rows, 1});
  };
  const torch::Tensor in_count = edge_count(b.receiver), out_count = edge_count(b.sender);
  b.in_count = in_count.clamp_min(1.0);
  b.out_count = out_count.clamp_min(1.0);
  b.has_in = (in_count > 0.0).to(torch::kFloat64);
  b.has_out = (out_count > 0.0).to(torch::kFloat64);
  return b;
}

}  // namespace

TorchSlotPolicy::TorchSlotPolicy(const StriderPolicy& source, int slots, const std::string& device, int threads)
    : config_(source.config()), slots_(slots), net_(std::make_unique<Net>()) {
  if (slots < 1) throw InputError("TorchSlotPolicy: slots must be >= 1");
  if (threads < 0) throw InputError("TorchSlotPolicy: threads must be >= 0");
  if (threads > 0) {
    set_threads(threads);
  } else if (std::getenv("OMP_NUM_THREADS") == nullptr) {
    set_threads(1);
  }
  if (device == "cuda") {
    if (!torch_cuda_available()) {
      throw InputError("--device cuda: this LibTorch build sees no CUDA device (use --device cpu)");
    }
    net_->device = torch::Device(torch::kCUDA);
  } else if (device != "cpu") {
    throw InputError("unknown device '" + device + "' (known: cpu, cuda)");
  }
  // A batch's tensors are megabytes each, allocated and freed many times per
  // epoch. glibc's default (its mmap threshold adapting to the sizes freed, and
  // the heap trimmed back to the system above 2x that) returns them to the
  // kernel, so every new tensor pays page faults: measured 4x slower at
  // N = 100, K = 10 (adapt_torch_vs_engine.sh). Serve every block from the
  // heap (no mmap, whatever the size) and keep up to 1 GiB of it when freed.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  net_->config = config_;
  net_->lay_out();
  if (net_->count != source.parameter_count()) {
    throw std::logic_error("TorchSlotPolicy: " + std::to_string(net_->count) + " parameters, the engine's policy " +
                           std::to_string(source.parameter_count()));
  }
  const auto options = torch::TensorOptions().dtype(torch::kFloat64).device(net_->device);
  const torch::Tensor flat = to_tensor(source.parameters()).to(options);
  std::int64_t offset = 0;
  for (const std::vector<std::int64_t>& shape : net_->shapes) {
    std::vector<std::int64_t> repeat(shape.size() + 1, 1);
    repeat[0] = slots;
    const torch::Tensor block = flat.narrow(0, offset, std::accumulate(shape.begin(), shape.end(), std::int64_t{1},
                                                                      std::multiplies<>()));
    net_->leaves.push_back(block.view(shape).unsqueeze(0).repeat(repeat).set_requires_grad(true));
    offset += block.numel();
  }
  net_->running_mean = to_tensor(source.running_mean()).to(options).unsqueeze(0).repeat({slots, 1});
  net_->running_var = to_tensor(source.running_var()).to(options).unsqueeze(0).repeat({slots, 1});
  for (int s = 0; s < slots; ++s) builders_.push_back(std::make_unique<GraphBuilder>(config_.graph));
}

TorchSlotPolicy::~TorchSlotPolicy() = default;

void TorchSlotPolicy::check_slot(int slot) const {
  if (slot < 0 || slot >= slots_) {
    throw std::out_of_range("TorchSlotPolicy: slot " + std::to_string(slot) + " of " + std::to_string(slots_));
  }
}

std::vector<Eigen::Matrix3Xd> TorchSlotPolicy::forward(const std::vector<int>& slots, const std::vector<System>& states,
                                                       const std::vector<const Evaluation*>& evaluations,
                                                       bool training) {
  torch::NoGradGuard no_grad;
  return evaluate(slots, states, evaluations, training, nullptr);
}

std::vector<Eigen::Matrix3Xd> TorchSlotPolicy::forward_backward(const std::vector<int>& slots,
                                                                const std::vector<System>& states,
                                                                const std::vector<const Evaluation*>& evaluations,
                                                                bool training,
                                                                const std::vector<Eigen::Matrix3Xd>& grad_mu) {
  if (grad_mu.size() != slots.size()) {
    throw std::invalid_argument("TorchSlotPolicy::forward_backward: slots and gradients differ in number");
  }
  return evaluate(slots, states, evaluations, training, &grad_mu);
}

std::vector<Eigen::Matrix3Xd> TorchSlotPolicy::backward_to_state(const std::vector<int>& slots,
                                                                 const std::vector<System>& states,
                                                                 const std::vector<const Evaluation*>& evaluations,
                                                                 bool training,
                                                                 const std::vector<Eigen::Matrix3Xd>& grad_mu,
                                                                 std::vector<StateGradient>& grad_state) {
  if (grad_mu.size() != slots.size()) {
    throw std::invalid_argument("TorchSlotPolicy::backward_to_state: slots and gradients differ in number");
  }
  return evaluate(slots, states, evaluations, training, &grad_mu, &grad_state);
}

std::vector<Eigen::Matrix3Xd> TorchSlotPolicy::evaluate(const std::vector<int>& slots, const std::vector<System>& states,
                                                        const std::vector<const Evaluation*>& evaluations,
                                                        bool training, const std::vector<Eigen::Matrix3Xd>* grad_mu,
                                                        std::vector<StateGradient>* grad_state) {
  if (states.size() != slots.size() || evaluations.size() != slots.size()) {
    throw std::invalid_argument("TorchSlotPolicy: slots, states and evaluations differ in number");
  }
  const bool to_state = grad_state != nullptr;
  if (to_state) grad_state->assign(slots.size(), StateGradient());
  for (int s : slots) check_slot(s);
  // The order of evaluation: every slot's first state, then every slot's second, ...
  std::vector<int> seen(static_cast<std::size_t>(slots_), 0), rank(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) rank[i] = seen[static_cast<std::size_t>(slots[i])]++;
  std::vector<std::size_t> order(slots.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rank[a] < rank[b]; });

  const int f = config_.graph.node_feature_count(), fe = config_.graph.edge_feature_count();
  std::vector<Eigen::Matrix3Xd> mu(slots.size());
  std::size_t begin = 0;
  std::optional<Graph> next;  // a graph built that did not fit in the last chunk
  while (begin < order.size()) {
    // The chunk [begin, end) of `order`: at most kBatchEdges edges (a larger graph alone).
    std::vector<Graph> graphs;
    long edges = 0;
    std::size_t end = begin;
    while (end < order.size()) {
      if (!next) {
        const std::size_t i = order[end];
        next = builders_[static_cast<std::size_t>(slots[i])]->build(states[i], evaluations[i]->per_atom,
                                                                     evaluations[i]->forces);
      }
      if (end > begin && edges + next->edges() > kBatchEdges) break;  // it opens the next chunk
      edges += next->edges();
      graphs.push_back(std::move(*next));
      next.reset();
      ++end;
    }
    // The chunk's slots, in order of appearance, and each graph's position among them.
    std::vector<int> chunk_slots;
    std::vector<std::int64_t> slot_of;
    for (std::size_t k = begin; k < end; ++k) {
      const int s = slots[order[k]];
      auto at = std::find(chunk_slots.begin(), chunk_slots.end(), s);
      if (at == chunk_slots.end()) at = chunk_slots.insert(chunk_slots.end(), s);
      slot_of.push_back(at - chunk_slots.begin());
    }
    std::vector<const Graph*> pointers;
    for (const Graph& g : graphs) pointers.push_back(&g);
    Batch b = make_batch(pointers, slot_of, static_cast<std::int64_t>(chunk_slots.size()), f, fe, net_->device);
    if (to_state) {  // d loss / d features too
      b.nodes.requires_grad_(true);
      b.edges.requires_grad_(true);
    }
    const torch::Tensor slot_ids =
        torch::tensor(std::vector<std::int64_t>(chunk_slots.begin(), chunk_slots.end()), torch::kInt64).to(net_->device);
    const torch::Tensor mu_tensor = net_->forward(b, slot_ids, chunk_slots, training, true);

    // Rows of each graph within its block, as in make_batch.
    std::vector<std::int64_t> fill(chunk_slots.size(), 0), first_row(graphs.size());
    for (std::size_t k = 0; k < graphs.size(); ++k) {
      first_row[k] = slot_of[k] * b.rows + fill[static_cast<std::size_t>(slot_of[k])];
      fill[static_cast<std::size_t>(slot_of[k])] += graphs[k].nodes;
    }
    if (grad_mu) {
      torch::Tensor grad = torch::zeros({b.blocks * b.rows, 3}, torch::kFloat64);
      for (std::size_t k = 0; k < graphs.size(); ++k) {
        const Eigen::Matrix3Xd& g = (*grad_mu)[order[begin + k]];
        if (g.cols() != graphs[k].nodes) {
          throw std::invalid_argument("TorchSlotPolicy: a gradient has " + std::to_string(g.cols()) +
                                      " atoms, its state " + std::to_string(graphs[k].nodes));
        }
        std::memcpy(grad.data_ptr<double>() + 3 * first_row[k], g.data(), sizeof(double) * g.size());
      }
      mu_tensor.backward(grad.view({b.blocks, b.rows, 3}).to(net_->device));
    }
    if (to_state) {  // each graph's rows of the feature gradients, through graph_feature_gradient
      // (rows, F) row-major is the memory of the engine's F x rows column-major.
      auto host_grad = [](const torch::Tensor& input) {
        return input.grad().defined() ? input.grad().to(torch::kCPU).contiguous()
                                      : torch::zeros_like(input, torch::TensorOptions().device(torch::kCPU));
      };
      const torch::Tensor node_grad = host_grad(b.nodes), edge_grad = host_grad(b.edges).narrow(2, 0, fe).contiguous();
      const std::int64_t edge_rows = b.edges.size(1);
      std::vector<std::int64_t> edge_fill(chunk_slots.size(), 0);
      for (std::size_t k = 0; k < graphs.size(); ++k) {
        const Graph& g = graphs[k];
        const std::int64_t first_edge = slot_of[k] * edge_rows + edge_fill[static_cast<std::size_t>(slot_of[k])];
        edge_fill[static_cast<std::size_t>(slot_of[k])] += g.edges();
        Eigen::MatrixXd grad_node(f, g.nodes), grad_edge(fe, g.edges());
        std::memcpy(grad_node.data(), node_grad.data_ptr<double>() + f * first_row[k],
                    sizeof(double) * static_cast<std::size_t>(grad_node.size()));
        std::memcpy(grad_edge.data(), edge_grad.data_ptr<double>() + fe * first_edge,
                    sizeof(double) * static_cast<std::size_t>(grad_edge.size()));
        const std::size_t i = order[begin + k];
        graph_feature_gradient(g, config_.graph, grad_node, grad_edge, (*grad_state)[i]);
      }
    }
    const torch::Tensor host = mu_tensor.detach().to(torch::kCPU).contiguous();
    for (std::size_t k = 0; k < graphs.size(); ++k) {
      Eigen::Matrix3Xd m(3, graphs[k].nodes);
      std::memcpy(m.data(), host.data_ptr<double>() + 3 * first_row[k], sizeof(double) * m.size());
      mu[order[begin + k]] = std::move(m);
    }
    begin = end;
  }
  return mu;
}

Eigen::Index TorchSlotPolicy::parameter_count() const { return static_cast<Eigen::Index>(net_->count); }

Eigen::VectorXd TorchSlotPolicy::parameters(int slot) const {
  check_slot(slot);
  std::vector<torch::Tensor> rows;
  for (const torch::Tensor& leaf : net_->leaves) rows.push_back(leaf.detach()[slot].reshape({-1}));
  return to_vector(torch::cat(rows));
}

void TorchSlotPolicy::set_parameters(int slot, const Eigen::VectorXd& values) {
  check_slot(slot);
  if (values.size() != net_->count) {
    throw InputError("policy: " + std::to_string(values.size()) + " parameter values for " +
                     std::to_string(net_->count) + " parameters");
  }
  torch::NoGradGuard no_grad;
  const torch::Tensor flat = to_tensor(values).to(net_->device);
  std::int64_t offset = 0;
  for (torch::Tensor& leaf : net_->leaves) {
    torch::Tensor row = leaf[slot];
    row.copy_(flat.narrow(0, offset, row.numel()).view(row.sizes()));
    offset += row.numel();
  }
}

Eigen::VectorXd TorchSlotPolicy::gradient(int slot) const {
  check_slot(slot);
  std::vector<torch::Tensor> rows;
  for (const torch::Tensor& leaf : net_->leaves) {
    rows.push_back(leaf.grad().defined() ? leaf.grad()[slot].reshape({-1}) : torch::zeros({leaf[slot].numel()}, leaf.options()));
  }
  return to_vector(torch::cat(rows));
}

void TorchSlotPolicy::zero_gradient() {
  for (torch::Tensor& leaf : net_->leaves) {
    if (leaf.grad().defined()) leaf.mutable_grad().zero_();
  }
}

Eigen::VectorXd TorchSlotPolicy::running_mean(int slot) const {
  check_slot(slot);
  return to_vector(net_->running_mean[slot]);
}

Eigen::VectorXd TorchSlotPolicy::running_var(int slot) const {
  check_slot(slot);
  return to_vector(net_->running_var[slot]);
}

void TorchSlotPolicy::copy_to(int slot, StriderPolicy& target) const {
  if (target.parameter_count() != net_->count ||
      target.config().graph.node_feature_count() != config_.graph.node_feature_count()) {
    throw InputError("policy: the engine policy has another architecture (" +
                     std::to_string(target.parameter_count()) + " parameters, this one " +
                     std::to_string(net_->count) + ")");
  }
  target.set_parameters(parameters(slot));
  target.set_running_statistics(running_mean(slot), running_var(slot));
}

}  // namespace strider
