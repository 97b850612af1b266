#pragma once
// The LibTorch twin of the StriderNET policy (policy.hpp; the network and its
// parameter layout are in shared/policy-weights.md): the same function of the
// same parameters, written with torch::nn modules in double precision and
// differentiated by autograd. Several graphs of different sizes run as one
// disjoint batch graph; batch norm in training mode still normalises each
// graph with its own statistics, as the engine does for one graph at a time.
//
// This header does not include <torch/torch.h> (35 s per translation unit):
// the CLI and the server use the twin through it.
#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

#include "strider/graph.hpp"
#include "strider/policy.hpp"
#include "strider/policy_model.hpp"

namespace strider {

class TorchPolicy : public PolicyModel {
 public:
  // A twin of `source`: its configuration, parameters and batch-norm running
  // statistics. device: "cpu" or "cuda" (InputError when CUDA is not
  // available or for another name).
  explicit TorchPolicy(const StriderPolicy& source, const std::string& device = "cpu");
  ~TorchPolicy() override;
  TorchPolicy(const TorchPolicy&) = delete;
  TorchPolicy& operator=(const TorchPolicy&) = delete;

  // PolicyModel (see policy_model.hpp). forward builds the graph of `system`
  // with the engine's GraphBuilder and runs without autograd (rollouts only
  // need mu); backward then runs that forward again with autograd.
  // forward_many and forward_backward run all states as one batch.
  Eigen::Matrix3Xd forward(const System& system, const Evaluation& evaluation, bool training) override;
  void backward(const Eigen::Matrix3Xd& grad_mu) override;
  // The last forward(system, ...) again with autograd through its input
  // features, then graph_feature_gradient (for the bptt estimator).
  void backward_to_state(const Eigen::Matrix3Xd& grad_mu, StateGradient& grad_state) override;
  std::vector<Eigen::Matrix3Xd> forward_backward(const std::vector<System>& states,
                                                 const std::vector<const Evaluation*>& evaluations, bool training,
                                                 const std::vector<Eigen::Matrix3Xd>& grad_mu) override;
  std::vector<Eigen::Matrix3Xd> forward_many(const std::vector<System>& states,
                                             const std::vector<const Evaluation*>& evaluations,
                                             bool training) override;
  bool batches_states() const override { return true; }
  Eigen::VectorXd parameters() const override;
  void set_parameters(const Eigen::VectorXd& values) override;
  const Eigen::VectorXd& gradient() const override;
  void zero_gradient() override;
  double variance() const override { return config_.variance; }

  // mu (3 x N_g each, length unit) of graphs built with this policy's
  // settings, evaluated as one disjoint batch. training: batch norm uses each
  // graph's own statistics and updates the running ones graph after graph, in
  // order (as the engine's forward called on each graph in turn). Remembers
  // the batch for backward().
  std::vector<Eigen::Matrix3Xd> forward(const std::vector<const Graph*>& graphs, bool training);
  // Adds d(loss)/d(parameters) given d(loss)/d(mu) of each graph of the last
  // forward (3 x N_g each).
  void backward(const std::vector<Eigen::Matrix3Xd>& grad_mu);

  const PolicyConfig& config() const { return config_; }
  int parameter_count() const;
  // Batch-norm running statistics of the node features (F each).
  Eigen::VectorXd running_mean() const;
  Eigen::VectorXd running_var() const;
  // "cpu" or "cuda".
  const std::string& device() const { return device_; }

  // Writes this policy's parameters and running statistics into `target`,
  // an engine policy of the same configuration (InputError otherwise).
  void copy_to(StriderPolicy& target) const;

 private:
  struct Net;  // the torch::nn modules and the last batch (torch_policy.cpp)
  // The batch forward; record: keep the autograd graph for backward().
  std::vector<Eigen::Matrix3Xd> run(const std::vector<const Graph*>& graphs, bool training, bool record,
                                    bool update_running);

  PolicyConfig config_;
  std::string device_;
  std::unique_ptr<Net> net_;
  std::unique_ptr<GraphBuilder> builder_;
  std::vector<std::unique_ptr<GraphBuilder>> batch_builders_;  // forward_many: one per position in the batch
  mutable Eigen::VectorXd gradient_;  // the flat gradient, gathered by gradient()
  Graph pending_graph_;               // the graph of the last forward(system, ...) ...
  bool pending_training_ = false;     // ... and its mode, until backward() differentiates it
  bool pending_ = false;
  bool input_gradient_ = false;       // run() with record also keeps the features' gradient
};

// Whether this LibTorch build sees a CUDA device.
bool torch_cuda_available();

// Weight files (shared/policy-weights.md), through the engine's reader and
// writer, so the files are the same bytes. Errors as read_policy_weights_file.
struct TorchPolicyFile {
  std::unique_ptr<TorchPolicy> policy;
  std::string training;  // the "training" object, compact JSON
};
TorchPolicyFile read_torch_policy_file(const std::string& path, const std::string& device = "cpu");
void write_torch_policy_file(const std::string& path, const TorchPolicy& policy, const std::string& training = "{}");

}  // namespace strider
