// Shape legend: N total elements of the flattened tensors; L bytes of a message.
#include "common/process_group.h"

#include <torch/torch.h>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstring>
#include <functional>

#include "absl/strings/str_cat.h"
#include "common/torch_boundary.h"

namespace shammie::common {

struct ProcessGroup::Impl {
  DistributedOptions options;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

absl::StatusOr<std::unique_ptr<ProcessGroup>> ProcessGroup::Connect(
    const DistributedOptions& options) {
  return GuardTorch(
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

namespace {

// Runs `collective` on one flat buffer holding every tensor (one message
// instead of one per tensor), then copies the result back into the tensors.
void OnFlatBuffer(std::vector<torch::Tensor>& tensors,
                  const std::function<void(std::vector<torch::Tensor>&)>& collective) {
  if (tensors.empty()) return;
  std::vector<torch::Tensor> flat_parts;
  for (const auto& t : tensors) flat_parts.push_back(t.detach().reshape({-1}));
  std::vector<torch::Tensor> buffer{torch::cat(flat_parts)};  // (N)
  collective(buffer);
  int64_t offset = 0;
  torch::NoGradGuard no_grad;
  for (auto& t : tensors) {
    const int64_t n = t.numel();
    t.copy_(buffer[0].narrow(0, offset, n).view_as(t));
    offset += n;
  }
}

}  // namespace

void ProcessGroup::AllReduceMean(std::vector<torch::Tensor>& tensors, bool sum) {
  OnFlatBuffer(tensors, [&](std::vector<torch::Tensor>& buffer) {
    impl_->group->allreduce(buffer)->wait();
    if (!sum) buffer[0].div_(static_cast<double>(impl_->options.world_size));
  });
}

void ProcessGroup::Broadcast(std::vector<torch::Tensor> tensors) {
  OnFlatBuffer(tensors, [&](std::vector<torch::Tensor>& buffer) {
    impl_->group->broadcast(buffer)->wait();
  });
}

absl::Status ProcessGroup::BroadcastBytes(std::string* bytes) {
  return GuardTorch(
      "broadcast bytes",
      [&]() -> absl::Status {
        std::vector<torch::Tensor> size{
            torch::full({1}, static_cast<int64_t>(bytes->size()), torch::kInt64)};  // (1)
        impl_->group->broadcast(size)->wait();
        const int64_t n = size[0].item<int64_t>();
        std::vector<torch::Tensor> data{torch::zeros({n}, torch::kUInt8)};  // (L)
        if (impl_->options.rank == 0 && n > 0) std::memcpy(data[0].data_ptr(), bytes->data(), n);
        if (n > 0) impl_->group->broadcast(data)->wait();
        bytes->assign(static_cast<const char*>(data[0].data_ptr()), static_cast<size_t>(n));
        return absl::OkStatus();
      },
      absl::StatusCode::kUnavailable);
}

absl::StatusOr<bool> ProcessGroup::AllTrue(bool ok) {
  return GuardTorch(
      "agree across ranks",
      [&]() -> absl::StatusOr<bool> {
        std::vector<torch::Tensor> failed{torch::full({1}, ok ? 0.0 : 1.0, torch::kFloat64)};  // (1)
        impl_->group->allreduce(failed)->wait();
        return failed[0].item<double>() == 0.0;
      },
      absl::StatusCode::kUnavailable);
}

absl::Status ProcessGroup::Publish(const std::string& key, const std::string& value) {
  return GuardTorch(
      absl::StrCat("publish ", key),
      [&]() -> absl::Status {
        impl_->store->set(key, std::vector<uint8_t>(value.begin(), value.end()));
        return absl::OkStatus();
      },
      absl::StatusCode::kUnavailable);
}

absl::StatusOr<bool> ProcessGroup::TryFetch(const std::string& key, std::string* value) {
  return GuardTorch(
      absl::StrCat("fetch ", key),
      [&]() -> absl::StatusOr<bool> {
        if (!impl_->store->check({key})) return false;
        const std::vector<uint8_t> v = impl_->store->get(key);
        value->assign(v.begin(), v.end());
        return true;
      },
      absl::StatusCode::kUnavailable);
}

}  // namespace shammie::common
