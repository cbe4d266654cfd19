// Shape legend: B global episodes, b this rank's episodes in a minibatch,
// R response columns, m global minibatch episodes.
#include "policy/ppo_update.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "policy/ppo_losses.h"
#include "policy/sharded_batch.h"

namespace shammie::policy {
namespace {

// The rows of this rank's rollout that belong to global minibatch `members`.
torch::Tensor LocalRows(const torch::Tensor& members, const PpoDataParallel& parallel) {
  if (!parallel.enabled()) return members;  // (m): one process owns all
  std::vector<int64_t> local;
  auto global = members.accessor<int64_t, 1>();
  for (int64_t k = 0; k < global.size(0); ++k) {
    if (parallel.Owns(global[k])) local.push_back(parallel.LocalIndex(global[k]));
  }
  return torch::tensor(local, torch::kLong);  // (b)
}

// Minibatch statistics, each this rank's masked mean × its token share, so
// that their sum over ranks is the global minibatch mean.
enum Stat { kBad, kPolicyLoss, kValueLoss, kEntropy, kClip, kValueClip, kApproxKl, kStats };

// One shard's statistics (already × its share) and its raw losses for the
// error message.
struct ShardStats {
  double stat[kStats] = {0};
  double policy_loss = 0;
  double value_loss = 0;
};

}  // namespace

absl::StatusOr<UpdateStats> RunPpoUpdate(PpoPolicy& policy, torch::optim::Optimizer& optimizer,
                                         const Rollout& rollout, const torch::Tensor& advantages,
                                         const torch::Tensor& returns, const PpoOptions& options,
                                         torch::Generator& generator,
                                         const PpoDataParallel& parallel) {
  const int64_t batch = parallel.enabled() ? options.batch_size : rollout.mask.size(0);
  const int64_t mb = options.minibatch_size;
  std::vector<torch::Tensor> params = policy->parameters();
  UpdateStats stats;
  for (uint32_t epoch = 0; epoch < options.ppo_epochs; ++epoch) {
    torch::Tensor order = torch::randperm(batch, generator, torch::kLong);  // (B)
    for (int64_t start = 0; start < batch; start += mb) {
      torch::Tensor idx = LocalRows(order.narrow(0, start, std::min(mb, batch - start)), parallel);
      const bool has_rows = idx.size(0) > 0;
      torch::Tensor mask = rollout.mask.index_select(0, idx);  // (b, R)
      // This rank's share of the minibatch's real tokens (1 on one process).
      double share = 1.0;
      if (parallel.enabled()) {
        const double local = mask.sum().item<double>();
        std::vector<torch::Tensor> count{torch::full({1}, local, torch::kDouble)};  // (1)
        parallel.Sum(count);
        share = local / std::max(count[0].item<double>(), 1.0);
      }
      optimizer.zero_grad();
      double stat[kStats] = {0};
      if (has_rows) {
        // The minibatch's rows in shards on one thread each
        // (policy/sharded_batch.h): each shard's loss is its masked mean ×
        // its token share, the same weighting the ranks use above, so the
        // parts add up to the minibatch mean.
        const double tokens = std::max(mask.sum().item<double>(), 1.0);
        const int64_t rows = idx.size(0);
        const int shards = ShardCount(rows, /*min_rows_per_shard=*/2);
        std::vector<ShardStats> parts(shards);
        ShardedBackward(rows, shards, params, [&](int shard, ShardRange range) -> torch::Tensor {
          const torch::Tensor sub = idx.narrow(0, range.begin, range.end - range.begin);  // (b_s)
          const torch::Tensor sub_mask = rollout.mask.index_select(0, sub);  // (b_s, R)
          const double s_share = share * sub_mask.sum().item<double>() / tokens;
          PolicyEvaluation eval =
              policy->Evaluate(SelectRows(rollout.batch, sub), options.temperature);
          PolicyLoss pg =
              ClippedPolicyLoss(eval.logprobs, rollout.old_logprobs.index_select(0, sub),
                                advantages.index_select(0, sub), sub_mask, options.clip_range);
          ValueLoss vf =
              ClippedValueLoss(eval.values, rollout.old_values.index_select(0, sub),
                               returns.index_select(0, sub), sub_mask, options.value_clip_range);
          torch::Tensor loss = pg.loss + options.value_coef * vf.loss;  // ()
          ShardStats& o = parts[shard];
          o.policy_loss = pg.loss.item<double>();
          o.value_loss = vf.loss.item<double>();
          if (!std::isfinite(loss.item<double>())) {
            o.stat[kBad] = 1;
            return {};  // no gradient; nobody steps on this minibatch
          }
          o.stat[kPolicyLoss] = o.policy_loss * s_share;
          o.stat[kValueLoss] = o.value_loss * s_share;
          o.stat[kEntropy] = MeanEntropy(eval.entropy.detach(), sub_mask).item<double>() * s_share;
          o.stat[kClip] = pg.clip_fraction.item<double>() * s_share;
          o.stat[kValueClip] = vf.clip_fraction.item<double>() * s_share;
          o.stat[kApproxKl] = pg.approx_kl.item<double>() * s_share;
          return loss * s_share;
        });
        for (const ShardStats& o : parts) {
          if (o.stat[kBad] > 0 && !parallel.enabled()) {
            return absl::InternalError(absl::StrCat("non-finite PPO loss (policy ", o.policy_loss,
                                                    ", value ", o.value_loss, ") in epoch ", epoch,
                                                    " minibatch ", start / mb));
          }
          for (int k = 0; k < kStats; ++k) stat[k] += o.stat[k];
        }
        // The other ranks must learn it before anyone steps (one count per rank).
        stat[kBad] = std::min(stat[kBad], 1.0);
      }
      if (parallel.enabled()) {
        // One sum for the gradients; the statistics travel in a second,
        // double-precision buffer.
        std::vector<torch::Tensor> grads;
        for (torch::Tensor& p : params) {
          if (!p.grad().defined() || stat[kBad] > 0) p.mutable_grad() = torch::zeros_like(p);
          grads.push_back(p.grad());
        }
        parallel.Sum(grads);
        std::vector<torch::Tensor> reduced{
            torch::tensor(std::vector<double>(stat, stat + kStats), torch::kDouble)};  // (kStats)
        parallel.Sum(reduced);
        for (int k = 0; k < kStats; ++k) stat[k] = reduced[0][k].item<double>();
        if (stat[kBad] > 0) {
          return absl::InternalError(absl::StrCat("non-finite PPO loss on ", stat[kBad],
                                                  " rank(s) in epoch ", epoch, " minibatch ",
                                                  start / mb));
        }
      }
      if (options.max_grad_norm > 0) {
        torch::nn::utils::clip_grad_norm_(params, options.max_grad_norm);
      }
      optimizer.step();
      stats.policy_loss += stat[kPolicyLoss];
      stats.value_loss += stat[kValueLoss];
      stats.entropy += stat[kEntropy];
      stats.clip_fraction += stat[kClip];
      stats.value_clip_fraction += stat[kValueClip];
      stats.approx_kl += stat[kApproxKl];
      stats.minibatches += 1;
    }
  }
  const double n = std::max(stats.minibatches, 1);
  stats.policy_loss /= n;
  stats.value_loss /= n;
  stats.entropy /= n;
  stats.clip_fraction /= n;
  stats.value_clip_fraction /= n;
  stats.approx_kl /= n;
  return stats;
}

}  // namespace shammie::policy
