#include "policy/ppo_update.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "policy/ppo_losses.h"

namespace shammie::policy {

absl::StatusOr<UpdateStats> RunPpoUpdate(PpoPolicy& policy, torch::optim::Optimizer& optimizer,
                                         const Rollout& rollout, const torch::Tensor& advantages,
                                         const torch::Tensor& returns, const PpoOptions& options,
                                         torch::Generator& generator) {
  const int64_t batch = rollout.mask.size(0);
  const int64_t mb = options.minibatch_size;
  UpdateStats stats;
  for (uint32_t epoch = 0; epoch < options.ppo_epochs; ++epoch) {
    torch::Tensor order = torch::randperm(batch, generator, torch::kLong);  // (B)
    for (int64_t start = 0; start < batch; start += mb) {
      torch::Tensor idx = order.narrow(0, start, std::min(mb, batch - start));  // (b)
      PackedBatch rows = SelectRows(rollout.batch, idx);
      torch::Tensor mask = rollout.mask.index_select(0, idx);                    // (b, R)
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
        return absl::InternalError(absl::StrCat(
            "non-finite PPO loss (policy ", pg.loss.item<double>(), ", value ",
            vf.loss.item<double>(), ") in epoch ", epoch, " minibatch ", start / mb));
      }
      optimizer.zero_grad();
      loss.backward();
      if (options.max_grad_norm > 0) {
        torch::nn::utils::clip_grad_norm_(policy->parameters(), options.max_grad_norm);
      }
      optimizer.step();
      stats.policy_loss += pg.loss.item<double>();
      stats.value_loss += vf.loss.item<double>();
      stats.entropy += MeanEntropy(eval.entropy.detach(), mask).item<double>();
      stats.clip_fraction += pg.clip_fraction.item<double>();
      stats.value_clip_fraction += vf.clip_fraction.item<double>();
      stats.approx_kl += pg.approx_kl.item<double>();
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
