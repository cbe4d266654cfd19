// Shape legend: B batch, K responses per ranking, T tokens, V vocabulary.
#include "reward_model/pm_losses.h"

namespace shammie::reward_model {

namespace F = torch::nn::functional;

torch::Tensor RankedLoss(const torch::Tensor& r_good, const torch::Tensor& r_bad,
                         const torch::Tensor& weights) {
  // −log σ(x) = softplus(−x): stable for large margins either way.
  torch::Tensor per_pair = F::softplus(r_bad - r_good);  // (B)
  if (!weights.defined()) return per_pair.mean();        // ()
  return (per_pair * weights).sum() / weights.sum();     // ()
}

torch::Tensor KwiseLoss(const torch::Tensor& scores, const torch::Tensor& valid) {
  const int64_t K = scores.size(1);
  // diff[b, i, j] = s_i − s_j; pairs with i ranked above j are i < j.
  torch::Tensor diff = scores.unsqueeze(2) - scores.unsqueeze(1);  // (B, K, K)
  torch::Tensor above =
      torch::ones({K, K}, torch::kBool).triu(/*diagonal=*/1).unsqueeze(0);  // (1, K, K)
  torch::Tensor pairs = above.expand_as(diff);                               // (B, K, K)
  if (valid.defined()) {
    pairs = pairs & valid.unsqueeze(2) & valid.unsqueeze(1);  // (B, K, K)
  }
  torch::Tensor w = pairs.to(scores.dtype());                      // (B, K, K)
  torch::Tensor per_pair = F::softplus(-diff) * w;                 // (B, K, K)
  torch::Tensor n_pairs = w.sum({1, 2}).clamp_min(1.0);            // (B)
  torch::Tensor per_element = per_pair.sum({1, 2}) / n_pairs;      // (B)
  return per_element.mean();                                       // ()
}

torch::Tensor BinaryDiscriminationLoss(const torch::Tensor& r_good, const torch::Tensor& r_bad) {
  torch::Tensor good = F::softplus(-r_good);  // (B): −log σ(r_good), label 1
  torch::Tensor bad = F::softplus(r_bad);     // (B): −log(1 − σ(r_bad)), label 0
  return 0.5 * (good.mean() + bad.mean());    // ()
}

torch::Tensor ImitationLoss(const torch::Tensor& logits, const torch::Tensor& targets,
                            const torch::Tensor& mask) {
  torch::Tensor logp = torch::log_softmax(logits, /*dim=*/-1);                   // (B, T, V)
  torch::Tensor token_logp = logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1);  // (B, T)
  torch::Tensor m = mask.to(logits.dtype());                                     // (B, T)
  return -(token_logp * m).sum() / m.sum().clamp_min(1.0);                       // ()
}

torch::Tensor StrengthWeights(const std::vector<int>& strengths) {
  std::vector<float> w(strengths.begin(), strengths.end());
  return torch::tensor(w, torch::kFloat32);  // (B)
}

}  // namespace shammie::reward_model
