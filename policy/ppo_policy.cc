#include "policy/ppo_policy.h"

#include "policy/sharded_batch.h"

namespace shammie::policy {
namespace {

// logits at temperature τ: the sampler draws from softmax(logits / τ), so the
// ratio π/π_old and the KL must use the same distribution.
torch::Tensor Tempered(const torch::Tensor& logits, double temperature) {
  return temperature == 1.0 ? logits : logits / temperature;  // (B, R, V)
}

// The final hidden states of the columns that predict the response tokens,
// p − 1 … p + r − 2 (B, R, C), the only ones the callers read: the forward
// leaves out the last column (causal: no earlier column sees it) and the last
// block works only on these R columns (Gpt's from_column).
torch::Tensor ResponseHidden(Gpt& model, const torch::Tensor& ids, const torch::Tensor& mask,
                             const torch::Tensor& positions, int64_t p, int64_t r) {
  const int64_t t = p + r - 1;
  return model->hidden_states(ids.narrow(1, 0, t), mask.narrow(1, 0, t), positions.narrow(1, 0, t),
                              nullptr, p - 1);  // (B, R, C)
}

}  // namespace

PpoPolicyImpl::PpoPolicyImpl(Gpt trunk_model) {
  trunk = register_module("trunk", trunk_model);
  value_head = register_module("value_head", torch::nn::Linear(trunk->config().n_embd, 1));
  torch::NoGradGuard no_grad;
  value_head->weight.zero_();
  value_head->bias.zero_();
}

PolicyEvaluation PpoPolicyImpl::Evaluate(const PackedBatch& batch, double temperature) {
  const int64_t p = batch.context_len;
  const int64_t r = batch.response_mask.size(1);
  torch::Tensor before = ResponseHidden(trunk, batch.ids, batch.attention_mask, batch.position_ids,
                                        p, r);                          // (B, R, C)
  torch::Tensor logits = Tempered(trunk->Logits(before), temperature);  // (B, R, V)
  torch::Tensor targets = batch.ids.narrow(1, p, r);                    // (B, R)
  PolicyEvaluation out;
  // One log-softmax for both (TokenLogProbs + TokenEntropy would compute it twice).
  torch::Tensor logp = torch::log_softmax(logits, /*dim=*/-1);  // (B, R, V)
  out.logprobs =
      logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1) * batch.response_mask;  // (B, R)
  out.entropy = -(logp.exp() * logp).sum(/*dim=*/-1) * batch.response_mask;      // (B, R)
  out.values = value_head(before).squeeze(-1) * batch.response_mask;             // (B, R)
  return out;
}

torch::Tensor ReferenceLogProbs(Gpt& reference, const PackedBatch& batch, double temperature) {
  torch::NoGradGuard no_grad;
  const int64_t p = batch.context_len;
  const int64_t r = batch.response_mask.size(1);
  return ShardedMap(batch.ids.size(0), [&](ShardRange rows) {
    const int64_t n = rows.end - rows.begin;
    const torch::Tensor ids = batch.ids.narrow(0, rows.begin, n);  // (b, P + R)
    torch::Tensor before =
        ResponseHidden(reference, ids, batch.attention_mask.narrow(0, rows.begin, n),
                       batch.position_ids.narrow(0, rows.begin, n), p, r);    // (b, R, C)
    torch::Tensor logits = Tempered(reference->Logits(before), temperature);  // (b, R, V)
    return TokenLogProbs(logits, ids.narrow(1, p, r)) *
           batch.response_mask.narrow(0, rows.begin, n);  // (b, R)
  });                                                     // (B, R)
}

}  // namespace shammie::policy
