#pragma once
// Data-parallel training over processes with torch's c10d: a TCPStore for the
// rendezvous and a Gloo process group for the sums (the trainer's gradient
// lives in host memory, so Gloo serves CPU and CUDA training alike). Set up
// from the usual environment, so any launcher (mpirun, a cluster scheduler, a
// shell loop) can start the processes on one host or many:
//   MASTER_ADDR  host of rank 0 (its TCPStore listens there)
//   MASTER_PORT  TCP port of that store
//   RANK         this process, 0 .. WORLD_SIZE-1
//   WORLD_SIZE   number of processes
//   GLOO_SOCKET_IFNAME  (optional) the network interface Gloo binds to
// No <torch/torch.h> here.
#include <memory>
#include <string>

#include "strider/rl_training.hpp"

namespace strider {

class C10dEpisodeGroup : public rl::EpisodeGroup {
 public:
  // Joins the group (blocks until all `size` processes have joined). Throws
  // InputError for a rank outside 0 .. size-1 or a port outside 1 .. 65535.
  C10dEpisodeGroup(const std::string& master_address, int master_port, int rank, int size);
  ~C10dEpisodeGroup() override;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void sum(Eigen::VectorXd& values) override;

 private:
  struct Impl;  // the store and the process group (gloo_group.cpp)
  std::unique_ptr<Impl> impl_;
  int rank_ = 0, size_ = 1;
};

// The group the environment describes, or nullptr when WORLD_SIZE is unset or
// 1. InputError naming the variable when one is missing or malformed.
std::unique_ptr<C10dEpisodeGroup> episode_group_from_environment();

}  // namespace strider
