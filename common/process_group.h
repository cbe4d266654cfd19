// Data-parallel training across processes through torch c10d with the Gloo
// backend on CPU (NCCL would take its place with a CUDA LibTorch). Used by
// the PM trainer (reward_model/) and PPO (policy/, services/ppo_trainer/).
//
// Processes find each other like torchrun's: RANK, WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT (common/distributed_env.h). Rank 0 hosts a c10d TCPStore on
// MASTER_ADDR:MASTER_PORT; every rank connects, and the Gloo process group
// is built over loopback/TCP.
//
// The header is torch-free (at::Tensor is only declared): services hold a
// ProcessGroup and use its byte channels; torch code (policy/, reward_model/)
// includes <torch/torch.h> itself to call the tensor collectives. The
// implementation (process_group.cc, library shammie_process_group) links torch.
//
// Thread-compatible: the collectives are used by one training thread; every
// rank must call them in the same order with the same shapes.
#ifndef SHAMMIE_COMMON_PROCESS_GROUP_H_
#define SHAMMIE_COMMON_PROCESS_GROUP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/distributed_env.h"

namespace at {
class Tensor;
}  // namespace at

namespace shammie::common {

class ProcessGroup {
 public:
  // Blocks until every rank joined. UNAVAILABLE when they do not within
  // the timeout or the store cannot be reached.
  static absl::StatusOr<std::unique_ptr<ProcessGroup>> Connect(const DistributedOptions& options);
  ~ProcessGroup();

  // Sums the tensors in place across ranks (divides by world size when
  // sum is false). The tensors may differ in shape: they travel as one
  // flattened buffer. Throws c10::Error on transport errors (callers run
  // inside GuardTorch).
  void AllReduceMean(std::vector<at::Tensor>& tensors, bool sum = false);
  // Copies rank 0's values into every rank's tensors. Throws like AllReduceMean.
  void Broadcast(std::vector<at::Tensor> tensors);

  // Rank 0's `*bytes` replaces every other rank's (a collective: all ranks
  // call it). UNAVAILABLE when a rank is gone or the timeout passes.
  absl::Status BroadcastBytes(std::string* bytes);

  // Every rank passes its own `ok`; returns true on every rank iff all
  // passed true (a collective). UNAVAILABLE as BroadcastBytes.
  absl::StatusOr<bool> AllTrue(bool ok);

  // The rendezvous store as a mailbox, for messages a rank may not be
  // waiting for yet (e.g. "a job started" while the others are idle).
  // Publish sets `key`; TryFetch returns false at once when it is not set.
  // UNAVAILABLE when the store is gone (rank 0 exited).
  absl::Status Publish(const std::string& key, const std::string& value);
  absl::StatusOr<bool> TryFetch(const std::string& key, std::string* value);

  int64_t rank() const;
  int64_t world_size() const;

 private:
  struct Impl;
  explicit ProcessGroup(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shammie::common

#endif  // SHAMMIE_COMMON_PROCESS_GROUP_H_
