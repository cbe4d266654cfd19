// Shape legend: B global episodes, b this rank's episodes in a minibatch,
// R response columns, m global minibatch episodes.
#include "policy/ppo_update.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "policy/ppo_losses.h"

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
        PackedBatch rows = SelectRows(rollout.batch, idx);
        PolicyEvaluation eval = policy->Evaluate(rows, options.temperature);
        PolicyLoss pg = ClippedPolicyLoss(eval.logprobs, rollout.old_logprobs.index_select(0, idx),
                                          advantages.index_select(0, idx), mask,
                                          options.clip_range);
        ValueLoss vf = ClippedValueLoss(eval.values, rollout.old_values.index_select(0, idx),
                                        returns.index_select(0, idx), mask,
                                        options.value_clip_range);
        torch::Tensor loss = pg.loss + options.value_coef * vf.loss;  // ()
        const double loss_value = loss.item<double>();
        if (!std::isfinite(loss_value)) {
          if (!parallel.enabled()) {
            return absl::InternalError(absl::StrCat(
                "non-finite PPO loss (policy ", pg.loss.item<double>(), ", value ",
                vf.loss.item<double>(), ") in epoch ", epoch, " minibatch ", start / mb));
          }
          stat[kBad] = 1;  // the other ranks must learn it before anyone steps
        } else {
          (parallel.enabled() ? loss * share : loss).backward();
          stat[kPolicyLoss] = pg.loss.item<double>() * share;
          stat[kValueLoss] = vf.loss.item<double>() * share;
          stat[kEntropy] = MeanEntropy(eval.entropy.detach(), mask).item<double>() * share;
          stat[kClip] = pg.clip_fraction.item<double>() * share;
          stat[kValueClip] = vf.clip_fraction.item<double>() * share;
          stat[kApproxKl] = pg.approx_kl.item<double>() * share;
        }
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
        std::vector<torch::Tensor> reduced{torch::tensor(std::vector<double>(stat, stat + kStats),
                                                         torch::kDouble)};  // (kStats)
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
