// Torch work over a batch split into row shards, one thread each
// (policy/parallel_shards.h): a forward that maps rows to rows (ShardedMap),
// and a loss's backward (ShardedBackward).
//
// ShardedBackward:
// Each shard returns its part of the loss, scaled so that the parts add up to
// the whole batch's loss (for a mean over tokens: the shard's token sum
// divided by the batch's token count). Its gradients are taken with
// torch::autograd::grad — nothing accumulates into .grad concurrently — and
// the caller's thread then adds them to the parameters' .grad in shard order,
// so a run is deterministic for a given shard count and equals the unsharded
// gradient up to float rounding.
//
// Private to policy/ and reward_model/: includes torch. Not thread-safe (one
// call at a time per set of parameters).
#ifndef SHAMMIE_POLICY_SHARDED_BATCH_H_
#define SHAMMIE_POLICY_SHARDED_BATCH_H_

#include <torch/torch.h>

#include <functional>
#include <vector>

#include "policy/parallel_shards.h"

namespace shammie::policy {

// loss_fn(shard, rows) → a scalar loss for rows [begin, end), or an undefined
// tensor when the shard contributes nothing (e.g. its loss is not finite and
// the caller will not step). Gradients are added to each parameter's .grad
// (created when undefined). `shards` comes from ShardCount(); with 1 the loss
// is backpropagated on the caller's thread as usual.
void ShardedBackward(int64_t rows, int shards, const std::vector<torch::Tensor>& params,
                     const std::function<torch::Tensor(int, ShardRange)>& loss_fn);

// fn(rows) → a tensor whose dim 0 has one entry per row in [begin, end);
// returns the shards' results concatenated along dim 0 (rows in order).
// Shards of ShardCount(rows, min_rows_per_shard); meant for inference
// (NoGrad / InferenceMode carry over to the shards).
torch::Tensor ShardedMap(int64_t rows, const std::function<torch::Tensor(ShardRange)>& fn,
                         int64_t min_rows_per_shard = 1);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_SHARDED_BATCH_H_
