// PPO data parallel: a rank's share of the global batch and the sums that
// make W ranks compute exactly what one process computes on the union batch.
//
// Every rank runs a PpoTrainer with the same options (batch_size is the
// GLOBAL batch), prompts, seed and starting weights. Of the step's global
// episodes 0…B−1, rank r rolls out those with i mod W = r (episode i draws
// from the stream of global index i, so the union is the single-process
// batch). Whitening uses the global masked mean and variance; each global
// minibatch (the same seeded permutation on every rank) is split by owner,
// every rank's loss is its token sum / the minibatch's global token count,
// and the gradients are summed across ranks before clipping and Adam — so
// all ranks take the same step, the one a single process takes.
//
// The transport is a hook: common::ProcessGroup (c10d Gloo, shared with
// the PM trainer) provides it; policy/ stays free of c10d headers.
//
// Shape legend: B global episodes, b = this rank's episodes, T tokens.
//
// Private to policy/: includes torch. Used by one training thread.
#ifndef SHAMMIE_POLICY_PPO_DATA_PARALLEL_H_
#define SHAMMIE_POLICY_PPO_DATA_PARALLEL_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace shammie::policy {

struct PpoDataParallel {
  int64_t rank = 0;
  int64_t world_size = 1;
  // Sums each tensor in place across ranks (every rank passes the same
  // shapes in the same order). Required when world_size > 1; may throw
  // c10::Error on transport errors (the trainer's GuardTorch catches it).
  std::function<void(std::vector<torch::Tensor>&)> allreduce_sum;

  bool enabled() const { return world_size > 1; }
  // Global episode i belongs to this rank.
  bool Owns(int64_t i) const { return i % world_size == rank; }
  // The position of global episode i among this rank's episodes.
  int64_t LocalIndex(int64_t i) const { return i / world_size; }
  // Sums `tensors` across ranks in place; a no-op on one process.
  void Sum(std::vector<torch::Tensor>& tensors) const {
    if (enabled()) allreduce_sum(tensors);
  }
};

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_DATA_PARALLEL_H_
