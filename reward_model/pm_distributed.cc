// Shape legend: N total elements of the flattened tensors.
#include "reward_model/pm_distributed.h"

#include <cstdlib>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/torch_boundary.h"

namespace shammie::reward_model {

struct ProcessGroup::Impl {
  DistributedOptions options;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

absl::StatusOr<DistributedOptions> DistributedOptionsFromEnv() {
  DistributedOptions o;
  auto read = [](const char* name, int64_t* out) -> absl::Status {
    const char* v = std::getenv(name);
    if (v == nullptr) return absl::OkStatus();
    if (!absl::SimpleAtoi(v, out)) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": not an integer: \"", v, "\""));
    }
    return absl::OkStatus();
  };
  if (auto s = read("WORLD_SIZE", &o.world_size); !s.ok()) return s;
  if (auto s = read("RANK", &o.rank); !s.ok()) return s;
  if (o.world_size < 1) return absl::InvalidArgumentError("WORLD_SIZE: must be >= 1");
  if (o.rank < 0 || o.rank >= o.world_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("RANK: must be in [0, WORLD_SIZE=", o.world_size, "), got ", o.rank));
  }
  if (o.world_size == 1) return o;
  const char* addr = std::getenv("MASTER_ADDR");
  const char* port = std::getenv("MASTER_PORT");
  if (addr == nullptr) return absl::InvalidArgumentError("MASTER_ADDR: required when WORLD_SIZE > 1");
  if (port == nullptr) return absl::InvalidArgumentError("MASTER_PORT: required when WORLD_SIZE > 1");
  o.master_addr = addr;
  if (!absl::SimpleAtoi(port, &o.master_port) || o.master_port <= 0 || o.master_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("MASTER_PORT: not a port: \"", port, "\""));
  }
  return o;
}

absl::StatusOr<std::unique_ptr<ProcessGroup>> ProcessGroup::Connect(
    const DistributedOptions& options) {
  return common::GuardTorch(
      absl::StrCat("join process group at ", options.master_addr, ":", options.master_port),
      [&]() -> std::unique_ptr<ProcessGroup> {
        auto impl = std::make_unique<Impl>();
        impl->options = options;
        c10d::TCPStoreOptions so;
        so.port = static_cast<uint16_t>(options.master_port);
        so.isServer = options.rank == 0;
        so.numWorkers = static_cast<size_t>(options.world_size);
        so.waitWorkers = true;
        so.timeout = std::chrono::milliseconds(absl::ToInt64Milliseconds(options.timeout));
        impl->store = c10::make_intrusive<c10d::TCPStore>(options.master_addr, so);
        auto go = c10d::ProcessGroupGloo::Options::create();
        go->timeout = so.timeout;
        go->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(options.master_addr));
        impl->group = c10::make_intrusive<c10d::ProcessGroupGloo>(
            impl->store, static_cast<int>(options.rank), static_cast<int>(options.world_size), go);
        return std::unique_ptr<ProcessGroup>(new ProcessGroup(std::move(impl)));
      },
      absl::StatusCode::kUnavailable);
}

ProcessGroup::ProcessGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProcessGroup::~ProcessGroup() = default;
int64_t ProcessGroup::rank() const { return impl_->options.rank; }
int64_t ProcessGroup::world_size() const { return impl_->options.world_size; }

void ProcessGroup::AllReduceMean(std::vector<torch::Tensor>& tensors, bool sum) {
  if (tensors.empty()) return;
  std::vector<torch::Tensor> flat_parts;
  for (const auto& t : tensors) flat_parts.push_back(t.detach().reshape({-1}));
  std::vector<torch::Tensor> buffer{torch::cat(flat_parts)};  // (N)
  impl_->group->allreduce(buffer)->wait();
  if (!sum) buffer[0].div_(static_cast<double>(impl_->options.world_size));
  int64_t offset = 0;
  torch::NoGradGuard no_grad;
  for (auto& t : tensors) {
    const int64_t n = t.numel();
    t.copy_(buffer[0].narrow(0, offset, n).view_as(t));
    offset += n;
  }
}

void ProcessGroup::Broadcast(std::vector<torch::Tensor> tensors) {
  if (tensors.empty()) return;
  std::vector<torch::Tensor> flat_parts;
  for (const auto& t : tensors) flat_parts.push_back(t.detach().reshape({-1}));
  std::vector<torch::Tensor> buffer{torch::cat(flat_parts)};  // (N)
  impl_->group->broadcast(buffer)->wait();
  int64_t offset = 0;
  torch::NoGradGuard no_grad;
  for (auto& t : tensors) {
    const int64_t n = t.numel();
    t.copy_(buffer[0].narrow(0, offset, n).view_as(t));
    offset += n;
  }
}

}  // namespace shammie::reward_model
