#pragma once
// S copies ("slots") of the StriderNET policy in LibTorch, each with its own
// parameters and batch-norm running statistics, evaluated as one batch: the
// model of the batched adaptation (rl::adapt_batch, rl_adaptation_batch.hpp).
// Each parameter block of all slots is one (S, ...) tensor; a call's graphs are
// grouped by slot into blocks padded to a common size, so every Linear layer
// of every slot is one batched matrix product (torch::bmm) over the slots.
// Each slot computes the function of TorchPolicy and StriderPolicy.
//
// This header does not include <torch/torch.h> (35 s per translation unit).
#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

#include "strider/graph.hpp"
#include "strider/policy.hpp"
#include "strider/rl_adaptation_batch.hpp"

namespace strider {

class TorchSlotPolicy : public rl::SlotPolicyModel {
 public:
  // `slots` copies of `source` (configuration, parameters, running
  // statistics). device: "cpu" or "cuda" (InputError when CUDA is not
  // available or for another name). threads: LibTorch's CPU threads for the
  // whole process (at::set_num_threads, and OpenBLAS's pool unless
  // OPENBLAS_NUM_THREADS is set); 0: OMP_NUM_THREADS where set, else 1 (the
  // libraries' own defaults, one per core, ran 1.4x slower than one thread on
  // a loaded 2-core machine: tests/benchmarks/README.md).
  TorchSlotPolicy(const StriderPolicy& source, int slots, const std::string& device = "cpu", int threads = 0);
  ~TorchSlotPolicy() override;
  TorchSlotPolicy(const TorchSlotPolicy&) = delete;
  TorchSlotPolicy& operator=(const TorchSlotPolicy&) = delete;

  // rl::SlotPolicyModel. Graphs are built with one GraphBuilder per slot (its
  // neighbour list kept between calls). forward_backward runs the states in
  // chunks of about 64k edges (torch_slot_policy.cpp), taking the
  // first state of every slot, then the second, ..., so that a chunk spans
  // the slots; memory grows with the largest chunk, not with the call.
  int slots() const override { return slots_; }
  std::vector<Eigen::Matrix3Xd> forward(const std::vector<int>& slots, const std::vector<System>& states,
                                        const std::vector<const Evaluation*>& evaluations, bool training) override;
  std::vector<Eigen::Matrix3Xd> forward_backward(const std::vector<int>& slots, const std::vector<System>& states,
                                                 const std::vector<const Evaluation*>& evaluations, bool training,
                                                 const std::vector<Eigen::Matrix3Xd>& grad_mu) override;
  // forward_backward with autograd through the input features too, then
  // graph_feature_gradient (graph.hpp) of each state, as TorchPolicy.
  std::vector<Eigen::Matrix3Xd> backward_to_state(const std::vector<int>& slots, const std::vector<System>& states,
                                                  const std::vector<const Evaluation*>& evaluations, bool training,
                                                  const std::vector<Eigen::Matrix3Xd>& grad_mu,
                                                  std::vector<StateGradient>& grad_state) override;
  Eigen::Index parameter_count() const override;
  Eigen::VectorXd parameters(int slot) const override;
  void set_parameters(int slot, const Eigen::VectorXd& values) override;
  Eigen::VectorXd gradient(int slot) const override;
  void zero_gradient() override;
  double variance() const override { return config_.variance; }

  // Batch-norm running statistics of slot `slot` (F each).
  Eigen::VectorXd running_mean(int slot) const;
  Eigen::VectorXd running_var(int slot) const;
  // Writes slot `slot`'s parameters and running statistics into `target`, an
  // engine policy of the same configuration (InputError otherwise).
  void copy_to(int slot, StriderPolicy& target) const;
  const PolicyConfig& config() const { return config_; }

 private:
  struct Net;  // the parameter tensor, its layout and the running statistics (torch_slot_policy.cpp)
  void check_slot(int slot) const;
  // forward (grad_mu null, under no autograd), forward_backward, or with
  // grad_state backward_to_state.
  std::vector<Eigen::Matrix3Xd> evaluate(const std::vector<int>& slots, const std::vector<System>& states,
                                         const std::vector<const Evaluation*>& evaluations, bool training,
                                         const std::vector<Eigen::Matrix3Xd>* grad_mu,
                                         std::vector<StateGradient>* grad_state = nullptr);

  PolicyConfig config_;
  int slots_;
  std::unique_ptr<Net> net_;
  std::vector<std::unique_ptr<GraphBuilder>> builders_;  // one per slot
};

}  // namespace strider
