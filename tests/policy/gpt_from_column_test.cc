// The pruned forward (GptImpl::hidden_states / hidden_step with from_column)
// against the full forward's kept columns, for every caller's layout: left-
// and right-padded PackedBatch rows (the PPO policy and π0), right-padded rows
// without a mask (the PM), a KV-cache prefill (the sampler), the inference
// snapshot, and under autograd (the PPO update's backward).
//
// Shape legend: B rows, T columns, F from_column, C channels, P context
// columns, R response columns, V vocabulary.
#include <vector>

#include "gtest/gtest.h"
#include "policy/gpt.h"
#include "policy/ppo_policy.h"
#include "tests/policy/random_gpt.h"

namespace shammie::policy {
namespace {

GptConfig SmallConfig() {
  GptConfig c;
  c.n_layer = 3;
  c.n_head = 4;
  c.n_embd = 32;
  c.n_positions = 64;
  c.vocab_size = 50;
  return c;
}

Gpt RandomModel(const GptConfig& c, uint64_t seed) { return testing::RandomGpt(c, seed); }

using testing::MaxAbsDiff;

// Contexts of 3, 7 and 5 tokens (left-padded to P = 7) and responses of 4, 1
// and 6 tokens (right-padded to R = 6): padding on both sides.
PackedBatch MixedBatch() {
  return PackContextResponse({{1, 2, 3}, {4, 5, 6, 7, 8, 9, 10}, {11, 12, 13, 14, 15}},
                             {{20, 21, 22, 23}, {24}, {25, 26, 27, 28, 29, 30}}, /*pad_id=*/0);
}

TEST(GptFromColumnTest, KeptColumnsEqualTheFullForwardWithPadding) {
  Gpt model = RandomModel(SmallConfig(), 1);
  torch::NoGradGuard g;
  const PackedBatch batch = MixedBatch();
  const int64_t t = batch.ids.size(1);
  const torch::Tensor full =
      model->hidden_states(batch.ids, batch.attention_mask, batch.position_ids);  // (B, T, C)
  for (int64_t f : {int64_t{1}, batch.context_len - 1, t - 1}) {
    const torch::Tensor kept = model->hidden_states(
        batch.ids, batch.attention_mask, batch.position_ids, nullptr, f);  // (B, T − F, C)
    ASSERT_EQ(kept.sizes(), (std::vector<int64_t>{3, t - f, 32})) << "F " << f;
    EXPECT_LE(MaxAbsDiff(kept, full.narrow(1, f, t - f)), 1e-5) << "F " << f;
  }
  // Right-padded rows without a mask (the PM's layout).
  const torch::Tensor ids = torch::randint(0, 50, {4, 12}, torch::kLong);  // (B, T)
  const torch::Tensor no_mask = model->hidden_states(ids);                 // (B, T, C)
  EXPECT_LE(MaxAbsDiff(model->hidden_states(ids, {}, {}, nullptr, 5), no_mask.narrow(1, 5, 7)),
            1e-5);
}

TEST(GptFromColumnTest, InferenceSnapshotKeptColumnsEqualTheModules) {
  Gpt model = RandomModel(SmallConfig(), 2);
  torch::NoGradGuard g;
  const InferenceWeights w = model->TransposedWeights();
  const PackedBatch batch = MixedBatch();
  const int64_t t = batch.ids.size(1);
  const torch::Tensor full =
      model->hidden_states(batch.ids, batch.attention_mask, batch.position_ids);  // (B, T, C)
  const torch::Tensor kept = model->hidden_states(batch.ids, batch.attention_mask,
                                                  batch.position_ids, &w, 4);  // (B, T − 4, C)
  EXPECT_LE(MaxAbsDiff(kept, full.narrow(1, 4, t - 4)), 1e-5);
}

TEST(GptFromColumnTest, PrunedPrefillFillsTheWholeKvCache) {
  Gpt model = RandomModel(SmallConfig(), 3);
  torch::NoGradGuard g;
  const InferenceWeights w = model->TransposedWeights();
  // Left-padded prompts of 5 and 8 tokens, then two decode steps.
  const torch::Tensor ids = torch::randint(1, 50, {2, 10}, torch::kLong);  // (B, T)
  torch::Tensor mask = torch::ones({2, 10}, torch::kLong);                 // (B, T)
  mask.index_put_({0, torch::indexing::Slice(0, 3)}, 0);
  const torch::Tensor full = model->hidden_states(ids, mask);  // (B, T, C)
  for (const InferenceWeights* weights : {static_cast<const InferenceWeights*>(nullptr), &w}) {
    KvCache cache(SmallConfig(), 2, 10);
    const torch::Tensor last =
        model->hidden_step(ids.narrow(1, 0, 8), mask.narrow(1, 0, 8), {}, cache, weights, 7);
    ASSERT_EQ(last.size(1), 1);
    EXPECT_LE(MaxAbsDiff(last.select(1, 0), full.select(1, 7)), 1e-5);
    // The decode steps read the last block's keys and values of columns the
    // prefill did not keep.
    for (int64_t col = 8; col < 10; ++col) {
      const torch::Tensor step =
          model->hidden_step(ids.narrow(1, col, 1), mask.narrow(1, 0, col + 1),
                             PositionIds(mask).narrow(1, col, 1), cache,
                             weights);  // (B, 1, C)
      EXPECT_LE(MaxAbsDiff(step.select(1, 0), full.select(1, col)), 1e-5) << "column " << col;
    }
  }
}

TEST(GptFromColumnTest, GradientsEqualTheFullForwardsGradients) {
  Gpt model = RandomModel(SmallConfig(), 4);
  const PackedBatch batch = MixedBatch();
  const int64_t t = batch.ids.size(1), f = batch.context_len - 1;
  torch::manual_seed(5);
  const torch::Tensor probe = torch::randn({3, t - f, 32});  // (B, T − F, C)
  const std::vector<torch::Tensor> params = model->parameters();
  auto grads = [&](bool pruned) {
    torch::Tensor h =
        pruned
            ? model->hidden_states(batch.ids, batch.attention_mask, batch.position_ids, nullptr, f)
            : model->hidden_states(batch.ids, batch.attention_mask, batch.position_ids)
                  .narrow(1, f, t - f);  // (B, T − F, C)
    return torch::autograd::grad({(h * probe).sum()}, params);
  };
  const std::vector<torch::Tensor> full = grads(false), kept = grads(true);
  ASSERT_EQ(full.size(), kept.size());
  for (size_t i = 0; i < full.size(); ++i) {
    EXPECT_LE(MaxAbsDiff(kept[i], full[i]), 1e-5 * (1.0 + full[i].abs().max().item<double>()))
        << "parameter " << i;
  }
}

TEST(GptFromColumnTest, PolicyAndReferenceScoresEqualTheFullForward) {
  Gpt trunk = RandomModel(SmallConfig(), 6);
  PpoPolicy policy(trunk);
  {
    torch::NoGradGuard g;
    policy->value_head->weight.normal_(0.0, 0.3);
    policy->value_head->bias.fill_(0.1);
  }
  const PackedBatch batch = MixedBatch();
  const int64_t p = batch.context_len, r = batch.response_mask.size(1);
  const double temperature = 0.7;
  const PolicyEvaluation eval = policy->Evaluate(batch, temperature);  // differentiable
  torch::NoGradGuard g;
  const torch::Tensor full =
      trunk->hidden_states(batch.ids, batch.attention_mask, batch.position_ids)
          .narrow(1, p - 1, r);  // (B, R, C)
  const torch::Tensor logp =
      torch::log_softmax(trunk->Logits(full) / temperature, -1);  // (B, R, V)
  const torch::Tensor want_logprobs =
      logp.gather(-1, batch.ids.narrow(1, p, r).unsqueeze(-1)).squeeze(-1) *
      batch.response_mask;  // (B, R)
  const torch::Tensor want_values =
      policy->value_head(full).squeeze(-1) * batch.response_mask;  // (B, R)
  EXPECT_LE(MaxAbsDiff(eval.logprobs, want_logprobs), 1e-5);
  EXPECT_LE(MaxAbsDiff(eval.values, want_values), 1e-5);
  EXPECT_LE(MaxAbsDiff(ReferenceLogProbs(trunk, batch, temperature), want_logprobs), 1e-5);
}

TEST(GptFromColumnTest, RejectsColumnsOutsideTheSequence) {
  Gpt model = RandomModel(SmallConfig(), 7);
  torch::NoGradGuard g;
  const torch::Tensor ids = torch::randint(0, 50, {2, 6}, torch::kLong);  // (B, T)
  EXPECT_THROW(model->hidden_states(ids, {}, {}, nullptr, 6), c10::Error);
  EXPECT_THROW(model->hidden_states(ids, {}, {}, nullptr, -1), c10::Error);
}

}  // namespace
}  // namespace shammie::policy
