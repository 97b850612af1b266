// C10dEpisodeGroup: c10d's TCPStore rendezvous and ProcessGroupGloo all-reduce.
#define USE_C10D_GLOO 1  // ProcessGroupGloo.hpp is guarded by it (LibTorch builds c10d with Gloo)
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <ATen/ATen.h>

#include <chrono>
#include <cstdlib>

#include "strider/error.hpp"
#include "strider/torch/distributed.hpp"

namespace strider {

struct C10dEpisodeGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

C10dEpisodeGroup::C10dEpisodeGroup(const std::string& master_address, int master_port, int rank, int size)
    : impl_(std::make_unique<Impl>()), rank_(rank), size_(size) {
  if (size < 1) throw InputError("distributed: WORLD_SIZE must be >= 1 (got " + std::to_string(size) + ")");
  if (rank < 0 || rank >= size) {
    throw InputError("distributed: RANK must be in 0 .. " + std::to_string(size - 1) + " (got " +
                     std::to_string(rank) + ")");
  }
  if (master_port < 1 || master_port > 65535) {
    throw InputError("distributed: MASTER_PORT must be in 1 .. 65535 (got " + std::to_string(master_port) + ")");
  }
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(master_port);
  options.isServer = rank == 0;
  options.numWorkers = static_cast<std::size_t>(size);
  options.timeout = std::chrono::minutes(5);
  impl_->store = c10::make_intrusive<c10d::TCPStore>(master_address, options);

  auto group_options = c10d::ProcessGroupGloo::Options::create(std::chrono::minutes(30));
  const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
  if (interface && *interface) {
    group_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
  } else if (master_address == "127.0.0.1" || master_address == "localhost") {
    group_options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  } else {
    group_options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, rank, size, group_options);
}

C10dEpisodeGroup::~C10dEpisodeGroup() = default;

void C10dEpisodeGroup::sum(Eigen::VectorXd& values) {
  std::vector<at::Tensor> tensors{at::from_blob(values.data(), {values.size()}, at::kDouble)};
  impl_->group->allreduce(tensors)->wait();  // default op: SUM, in place
}

namespace {

long environment_number(const char* name, bool required, long fallback) {
  const char* text = std::getenv(name);
  if (!text || !*text) {
    if (required) throw InputError(std::string("distributed: the environment variable ") + name + " is not set");
    return fallback;
  }
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*end != '\0') throw InputError(std::string("distributed: ") + name + "=" + text + " is not a whole number");
  return value;
}

}  // namespace

std::unique_ptr<C10dEpisodeGroup> episode_group_from_environment() {
  const long size = environment_number("WORLD_SIZE", false, 1);
  if (size <= 1) return nullptr;
  const long rank = environment_number("RANK", true, 0);
  const long port = environment_number("MASTER_PORT", true, 0);
  const char* address = std::getenv("MASTER_ADDR");
  if (!address || !*address) throw InputError("distributed: the environment variable MASTER_ADDR is not set");
  return std::make_unique<C10dEpisodeGroup>(address, static_cast<int>(port), static_cast<int>(rank),
                                            static_cast<int>(size));
}

}  // namespace strider
