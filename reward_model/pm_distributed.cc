// Shape legend: N total elements of the flattened tensors.
#include "reward_model/pm_distributed.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "absl/strings/str_cat.h"
#include "common/torch_boundary.h"

namespace shammie::reward_model {

struct ProcessGroup::Impl {
  DistributedOptions options;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

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
