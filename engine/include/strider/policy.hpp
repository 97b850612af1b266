#pragma once
// The StriderNET policy (paper section 3, App. D; docs/policy.md): a graph
// network from a structure's graph (graph.hpp) to a mean displacement mu_v
// per atom, with a hand-written backward pass. Actions are a_v ~ N(mu_v, alpha I).
//
//   node embedding      h0 = MLP_n(BatchNorm(f_v))            f_v: eq. 3   (3 Linear layers)
//   edge embedding      e0 = MLP_e(f_uv)                      f_uv: eq. 4  (2 Linear layers)
//   L message passing steps (L = 1), for l = 0 .. L-1:
//     node update (6)   h_v <- MLP_v[h_v | mean_{u->v} e_uv | mean_{v->w} e_vw]   (2 layers)
//     edge update (7)   e_uv <- MLP_u[e_uv | h_u | h_v]      (new h)             (2 layers)
//   displacement        y_v = MLP_d[h_v | mean_{u->v} e_uv | mean_{v->w} e_vw]   (4 hidden layers, out 3)
//                       mu_v = displacement_scale * output_gain * y_v  (minus the mean over atoms if center_mu)
// Width 48, Leaky ReLU (slope 0.01) between Linear layers, none after an
// MLP's last layer. Parameters do not depend on N (inductive) and mu is
// permutation-equivariant and translation-invariant.
//
// All trainable parameters form one flat vector whose order (parameter_blocks())
// is documented in shared/policy-weights.md, the weight file format that the
// LibTorch twin reads too.
#include <Eigen/Core>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "strider/evaluation.hpp"
#include "strider/graph.hpp"
#include "strider/policy_model.hpp"
#include "strider/random.hpp"

namespace strider {

namespace nn {
class BatchNorm;
class Mlp;
}  // namespace nn

// Layer counts and widths (App. D, Table 5). Counts are Linear layers.
struct PolicyArchitecture {
  int width = 48;                       // every hidden and embedding width
  int node_embed_layers = 3;            // after the batch norm
  int edge_embed_layers = 2;
  int message_passing_steps = 1;        // L
  int node_update_layers = 2;           // eq. 6, per step
  int edge_update_layers = 2;           // eq. 7, per step
  int displacement_hidden_layers = 4;   // then one Linear to 3 outputs
  double leaky_relu_slope = 0.01;       // in (0, 1)
  double batch_norm_momentum = 0.1;     // torch.nn.BatchNorm1d convention
  double batch_norm_eps = 1e-5;
  bool center_mu = false;               // subtract the mean mu over atoms (the authors' code does)

  // Throws InputError for a count or width out of range.
  void validate() const;
};

// How StriderPolicy(config, seed) draws the initial parameters (not part of
// the weight file: a loaded policy has its values).
//   torch: every Linear's weight and bias uniform in +-1/sqrt(fan_in)
//          (torch.nn.Linear's default). Through the ~9 layers from the
//          features to mu the input-dependent signal shrinks ~1e-3-fold against
//          the biases: the untrained policy moves every atom nearly alike.
//   he:    weights uniform with variance gain^2/fan_in, gain sqrt(2/(1+slope^2))
//          before a Leaky ReLU (He et al. 2015) and 1 for an MLP's last layer;
//          biases 0. mu of the untrained policy differs from atom to atom
//          (~0.01 sigma for LJ with the default gain).
//   lecun: weights normal truncated at 2 standard deviations, scaled to variance
//          1/fan_in, biases 0: flax's default (lecun_normal), what the authors'
//          code started from.
enum class Initialisation : int { torch, he, lecun };

// "torch" / "he" / "lecun"; the parser throws InputError naming them otherwise.
std::string to_string(Initialisation initialisation);
Initialisation initialisation_from_string(const std::string& name);

// Everything that defines a policy besides its parameter values.
struct PolicyConfig {
  GraphSettings graph;                  // includes the system key and feature set
  PolicyArchitecture architecture;
  double displacement_scale = 2.0;      // length unit: 2.0 lj / lj-binary / sw-si, 5.0 csh
  double output_gain = 0.01;            // the authors' code scales the MLP output by 0.01 before sigma
  double variance = 1e-5;               // alpha (length^2)
  Initialisation initialisation = Initialisation::torch;

  void validate() const;
};

// The preset of a system key: graph_preset(key, features), the default
// architecture, displacement scale 2.0 (5.0 for csh), gain 0.01, alpha 1e-5.
PolicyConfig policy_preset(const std::string& system_key, GraphFeatures features = GraphFeatures::paper);

// One named block of the flat parameter vector: rows x cols in row-major
// order (a bias or batch-norm vector has cols = 1).
struct ParameterBlock {
  std::string name;                     // e.g. "mp.0.edge.1.weight"
  int offset = 0;
  int rows = 0, cols = 0;
  int size() const { return rows * cols; }
};

class StriderPolicy : public PolicyModel {
 public:
  // The default budget of kept forwards (set_kept_forward_budget). One kept
  // forward of the default architecture holds about 1.5 KB per edge, measured
  // (bench_policy_step): the per-edge matrices (edge features and two hidden
  // layers of width 48, 8 bytes a number) and the per-atom ones (~9 KB an
  // atom). A T = 15 episode keeps 30 MB at N = 100 (1354 edges) and 290 MB
  // at N = 1000 (13 300 edges), so 384 MiB keeps every step up to N = 1000
  // (Table 2's largest), with room for the edge count to grow, and one or
  // two at N = 10 000 (~200 MB each at 1.5 KB per edge), the rest being
  // computed again: a few percent of a 16-32 GB machine per process. In the
  // browser (wasm32, whose whole heap is at most 2 GiB) 64 MiB: every step
  // at N = 100.
#ifdef __EMSCRIPTEN__
  static constexpr std::size_t kDefaultKeptForwardBytes = std::size_t{64} << 20;
#else
  static constexpr std::size_t kDefaultKeptForwardBytes = std::size_t{384} << 20;
#endif

  // Parameters initialised from `seed` (strider::Random: the same on every platform).
  StriderPolicy(const PolicyConfig& config, std::uint64_t seed);
  ~StriderPolicy() override;
  StriderPolicy(const StriderPolicy&) = delete;
  StriderPolicy& operator=(const StriderPolicy&) = delete;

  // PolicyModel. forward builds the graph of `system` (a neighbour list with
  // a skin is kept between calls) from the evaluation (per-atom energies,
  // forces) and system.previous_displacement, then runs forward(graph).
  Eigen::Matrix3Xd forward(const System& system, const Evaluation& evaluation, bool training) override;
  void backward(const Eigen::Matrix3Xd& grad_mu) override;
  // Through the graph of the last forward(system, ...) (graph_feature_gradient).
  void backward_to_state(const Eigen::Matrix3Xd& grad_mu, StateGradient& grad_state) override;
  Eigen::VectorXd parameters() const override { return params_; }
  void set_parameters(const Eigen::VectorXd& values) override;
  const Eigen::VectorXd& gradient() const override { return grad_; }
  void zero_gradient() override { grad_.setZero(); }
  double variance() const override { return config_.variance; }
  // Replaces alpha (length^2; InputError unless finite and > 0).
  void set_variance(double variance);

  // Keeping forwards (PolicyModel). keep_forward moves the last forward's
  // activations (~1.5 KB per edge, see kDefaultKeptForwardBytes) into
  // a pool whose buffers are reused; when kept forwards would hold more than
  // the budget, the oldest is dropped (its state is then recomputed).
  // forward_again builds the state's graph as forward() does and uses the
  // kept activations when that graph, the parameters, the batch-norm mode
  // (and in eval mode the running statistics) and the padding of the
  // per-edge matrices are those of the kept forward; in training mode it
  // adds the kept batch statistics to the running ones again, as forward() would.
  long keep_forward() override;
  Eigen::Matrix3Xd forward_again(long ticket, const System& system, const Evaluation& evaluation,
                                 bool training) override;
  // The pool's budget in bytes (kDefaultKeptForwardBytes unless set; 0 keeps nothing).
  // Setting it drops every kept forward.
  void set_kept_forward_budget(std::size_t bytes);
  std::size_t kept_forward_budget() const { return kept_forward_budget_; }
  // Bytes the pool holds now (kept forwards and the buffers of spent ones).
  std::size_t kept_forward_bytes() const;
  // How many forward_again calls used a kept forward (for tests and benchmarks).
  long reused_forwards() const { return reused_forwards_; }

  // mu (3 x N) for a graph built with this policy's settings (node features
  // F x N, edge features 4 x E). Remembers what backward() needs.
  Eigen::Matrix3Xd forward(const Graph& graph, bool training);
  // After backward(): d(loss)/d(node features) (F x N) and d(loss)/d(edge
  // features) (4 x E) of the last forward (not accumulated).
  const Eigen::MatrixXd& node_feature_gradient() const { return grad_node_features_; }
  const Eigen::MatrixXd& edge_feature_gradient() const { return grad_edge_features_; }
  // The graph the last forward(system, ...) built (empty before the first).
  const Graph& last_graph() const { return builder_->graph(); }

  const PolicyConfig& config() const { return config_; }
  int parameter_count() const { return static_cast<int>(params_.size()); }
  const std::vector<ParameterBlock>& parameter_blocks() const { return blocks_; }

  // Batch-norm running statistics of the node features (F each).
  const Eigen::VectorXd& running_mean() const;
  const Eigen::VectorXd& running_var() const;
  // Throws InputError for a wrong length or a negative or non-finite variance.
  void set_running_statistics(const Eigen::VectorXd& mean, const Eigen::VectorXd& var);

 private:
  PolicyConfig config_;
  Eigen::VectorXd params_, grad_;
  std::vector<ParameterBlock> blocks_;
  std::unique_ptr<nn::BatchNorm> norm_;
  std::unique_ptr<nn::Mlp> node_embed_, edge_embed_, displacement_;
  std::vector<std::unique_ptr<nn::Mlp>> node_update_, edge_update_;
  std::unique_ptr<GraphBuilder> builder_;
  struct Workspace;  // the last forward's topology and intermediate values (strider_policy.cpp)
  std::unique_ptr<Workspace> work_;
  Eigen::MatrixXd grad_node_features_, grad_edge_features_;
  struct KeptForward;  // one forward's activations kept for its backward (strider_policy.cpp)
  std::vector<std::unique_ptr<KeptForward>> kept_;
  std::size_t kept_forward_budget_;
  long next_ticket_ = 0;
  long reused_forwards_ = 0;
  long parameters_version_ = 0;  // counts set_parameters calls: a kept forward needs the same

  std::vector<nn::Mlp*> mlps();  // every MLP, in a fixed order
  // Exchanges the model's forward state (what backward reads) with `kept`'s (O(1)).
  void swap_forward_state(KeptForward& kept);
  // The pool entry keep_forward() fills (nullptr: keep nothing).
  KeptForward* slot_for_forward(std::size_t bytes);
  Eigen::Matrix3Xd mean_displacement() const;  // mu from the displacement MLP's output

  // Steps of forward() and backward() (strider_policy.cpp).
  void stage_means_forward(int stage);
  void edge_update_forward(int step, const Eigen::MatrixXd& nodes);
  void stage_means_backward(int stage, const Eigen::MatrixXd& d_in, const Eigen::MatrixXd& d_out,
                            Eigen::MatrixXd& d_values);
  void edge_update_backward(int step, const Eigen::MatrixXd& d_values, Eigen::MatrixXd& d_nodes,
                            Eigen::MatrixXd& d_values_before);
};

// a = mu + sqrt(variance) z with z standard normal, drawn column by column
// (x, y, z of atom 0 first).
Eigen::Matrix3Xd sample_action(const Eigen::Matrix3Xd& mu, double variance, Random& rng);

// Weight files (format: shared/policy-weights.md). `training` is a JSON
// object (free-form training metadata, "{}" for none) stored verbatim in
// canonical form. Writers replace the file atomically; readers throw
// InputError("SOURCE:LINE: what") for a malformed, truncated or
// wrong-version file.
struct PolicyFile {
  std::unique_ptr<StriderPolicy> policy;
  std::string training;                 // the "training" object, compact JSON
};
void write_policy_weights(std::ostream& out, const StriderPolicy& policy, const std::string& training = "{}");
void write_policy_weights_file(const std::string& path, const StriderPolicy& policy,
                               const std::string& training = "{}");
PolicyFile read_policy_weights(std::istream& in, const std::string& source);
PolicyFile read_policy_weights_file(const std::string& path);

}  // namespace strider
