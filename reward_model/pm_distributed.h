// Data-parallel training across processes through torch c10d with the Gloo
// backend on CPU (NCCL would take its place with a CUDA LibTorch).
//
// Processes find each other like torchrun's: RANK, WORLD_SIZE, MASTER_ADDR,
// MASTER_PORT. Rank 0 hosts a c10d TCPStore on MASTER_ADDR:MASTER_PORT; every
// rank connects, and the Gloo process group is built over loopback/TCP.
//
// Includes torch: private to reward_model/. A ProcessGroup is used by one
// training thread.
#ifndef SHAMMIE_REWARD_MODEL_PM_DISTRIBUTED_H_
#define SHAMMIE_REWARD_MODEL_PM_DISTRIBUTED_H_

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reward_model/distributed_env.h"

namespace shammie::reward_model {

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
  void AllReduceMean(std::vector<torch::Tensor>& tensors, bool sum = false);
  // Copies rank 0's values into every rank's tensors.
  void Broadcast(std::vector<torch::Tensor> tensors);

  int64_t rank() const;
  int64_t world_size() const;

 private:
  struct Impl;
  explicit ProcessGroup(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shammie::reward_model

#endif  // SHAMMIE_REWARD_MODEL_PM_DISTRIBUTED_H_
