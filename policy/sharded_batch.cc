#include "policy/sharded_batch.h"

namespace shammie::policy {

void ShardedBackward(int64_t rows, int shards, const std::vector<torch::Tensor>& params,
                     const std::function<torch::Tensor(int, ShardRange)>& loss_fn) {
  if (shards <= 1) {
    torch::Tensor loss = loss_fn(0, ShardRange{0, rows});
    if (loss.defined()) loss.backward();
    return;
  }
  // grads[s][i]: d loss_s / d params[i], undefined when unused or skipped.
  std::vector<std::vector<torch::Tensor>> grads(shards);
  RunShards(rows, shards, [&](int shard, ShardRange range) {
    torch::Tensor loss = loss_fn(shard, range);
    if (!loss.defined()) return;
    grads[shard] = torch::autograd::grad({loss}, params, /*grad_outputs=*/{},
                                         /*retain_graph=*/false, /*create_graph=*/false,
                                         /*allow_unused=*/true);
  });
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    torch::Tensor sum;  // a fresh tensor: .grad must not be a view (zero_grad detaches it in place)
    for (int s = 0; s < shards; ++s) {
      if (grads[s].empty() || !grads[s][i].defined()) continue;
      sum = sum.defined() ? sum + grads[s][i] : grads[s][i];
    }
    if (!sum.defined()) continue;
    torch::Tensor& g = params[i].mutable_grad();
    if (g.defined()) {
      g.add_(sum);
    } else {
      g = sum.is_view() ? sum.clone() : sum;
    }
  }
}

torch::Tensor ShardedMap(int64_t rows, const std::function<torch::Tensor(ShardRange)>& fn,
                         int64_t min_rows_per_shard) {
  const int shards = ShardCount(rows, min_rows_per_shard);
  if (shards <= 1) return fn(ShardRange{0, rows});
  std::vector<torch::Tensor> parts(shards);
  RunShards(rows, shards, [&](int shard, ShardRange range) { parts[shard] = fn(range); });
  return torch::cat(parts);
}

}  // namespace shammie::policy
