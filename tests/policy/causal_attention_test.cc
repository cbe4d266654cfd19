// policy/causal_attention.h against ATen's matmul + masked_fill + softmax +
// matmul (outputs and gradients), and the GPT forward without a graph (the
// no-grad kernel) against the forward with one (the trainable kernel).
//
// Shape legend: B rows, H heads, T queries, S keys, D head width, C channels.
#include "policy/causal_attention.h"

#include <limits>

#include "gtest/gtest.h"
#include "policy/gpt.h"

namespace shammie::policy {
namespace {

// gpt.cc's mask: query i (at position S − T + i) may see key j ≤ S − T + i
// when key j is real.
torch::Tensor Blocked(int64_t t, int64_t s, const torch::Tensor& key_mask) {
  torch::Tensor allowed =
      torch::ones({t, s}, torch::kBool).tril(s - t).view({1, 1, t, s});          // (1, 1, T, S)
  allowed = allowed.logical_and(key_mask.to(torch::kBool).view({-1, 1, 1, s}));  // (B, 1, T, S)
  return allowed.logical_not();
}

torch::Tensor AtenAttention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                            const torch::Tensor& blocked) {
  torch::Tensor att = torch::matmul(q, k.transpose(-2, -1))  // (B, H, T, S)
                          .masked_fill(blocked, std::numeric_limits<float>::lowest());
  const int64_t b = q.size(0), t = q.size(2);
  return torch::matmul(torch::softmax(att, -1), v)  // (B, H, T, D)
      .transpose(1, 2)
      .reshape({b, t, -1});  // (B, T, C)
}

TEST(CausalAttentionTest, EqualsAtenWithPaddingAndCachedKeys) {
  if (!CausalAttentionSupports(64)) GTEST_SKIP() << "no AVX2/FMA";
  torch::manual_seed(1);
  for (int64_t d : {8, 16, 32, 64, 128}) {
    for (auto [t, s] : {std::pair<int64_t, int64_t>{37, 37}, {5, 43}, {1, 29}, {70, 70}}) {
      const int64_t b = 3, h = 2;
      const torch::Tensor q = torch::randn({b, h, t, d}) * 0.3;    // (B, H, T, D)
      const torch::Tensor k = torch::randn({b, h, s, d});          // (B, H, S, D)
      const torch::Tensor v = torch::randn({b, h, s, d});          // (B, H, S, D)
      torch::Tensor key_mask = torch::ones({b, s}, torch::kLong);  // (B, S)
      // Row 1 left-padded by 4 (its first queries see nothing), row 2 has an
      // inner hole.
      key_mask.index_put_({1, torch::indexing::Slice(0, 4)}, 0);
      key_mask.index_put_({2, torch::indexing::Slice(s / 2, s / 2 + 2)}, 0);
      const torch::Tensor blocked = Blocked(t, s, key_mask);  // (B, 1, T, S)
      const torch::Tensor want = AtenAttention(q, k, v, blocked);
      const torch::Tensor got = CausalAttention(q, k, v, blocked);
      ASSERT_EQ(got.sizes(), want.sizes());
      EXPECT_LE((got - want).abs().max().item<double>(), 1e-5)
          << "D " << d << " T " << t << " S " << s;
      // Shared causal mask (B = 1 in the mask), and keys read through a
      // strided view (a KV cache's first S positions).
      const torch::Tensor causal =
          Blocked(t, s, torch::ones({1, s}, torch::kLong));           // (1, 1, T, S)
      const torch::Tensor cache = torch::randn({2, b, h, s + 9, d});  // keys, values with room
      const torch::Tensor kc = cache[0].narrow(2, 0, s), vc = cache[1].narrow(2, 0, s);
      EXPECT_LE((CausalAttention(q, kc, vc, causal) - AtenAttention(q, kc, vc, causal))
                    .abs()
                    .max()
                    .item<double>(),
                1e-5)
          << "D " << d << " T " << t << " S " << s;
    }
  }
}

TEST(CausalAttentionTest, TrainableGradientsEqualAten) {
  if (!CausalAttentionSupports(32)) GTEST_SKIP() << "no AVX2/FMA";
  torch::manual_seed(3);
  for (auto [t, s] : {std::pair<int64_t, int64_t>{21, 21}, {6, 19}}) {
    const int64_t b = 3, h = 2, d = 32;
    const torch::Tensor q0 = torch::randn({b, h, t, d}) * 0.3;          // (B, H, T, D)
    const torch::Tensor k0 = torch::randn({b, h, s, d});                // (B, H, S, D)
    const torch::Tensor v0 = torch::randn({b, h, s, d});                // (B, H, S, D)
    torch::Tensor key_mask = torch::ones({b, s}, torch::kLong);         // (B, S)
    key_mask.index_put_({1, torch::indexing::Slice(0, s - t + 3)}, 0);  // fully blocked queries
    key_mask.index_put_({2, 4}, 0);
    const torch::Tensor blocked = Blocked(t, s, key_mask);    // (B, 1, T, S)
    const torch::Tensor probe = torch::randn({b, t, h * d});  // (B, T, C)
    auto grads = [&](bool kernel) {
      torch::Tensor q = q0.clone().requires_grad_(), k = k0.clone().requires_grad_(),
                    v = v0.clone().requires_grad_();
      torch::Tensor y = kernel ? CausalAttentionTrainable(q, k, v, blocked)
                               : AtenAttention(q, k, v, blocked);  // (B, T, C)
      return std::make_pair(y.detach(), torch::autograd::grad({(y * probe).sum()}, {q, k, v}));
    };
    const auto [y_kernel, g_kernel] = grads(true);
    const auto [y_aten, g_aten] = grads(false);
    EXPECT_LE((y_kernel - y_aten).abs().max().item<double>(), 1e-5);
    for (int i = 0; i < 3; ++i) {
      EXPECT_LE((g_kernel[i] - g_aten[i]).abs().max().item<double>(), 1e-5)
          << "input " << i << " T " << t << " S " << s;
    }
  }
}

TEST(CausalAttentionTest, RejectsMismatchedShapes) {
  if (!CausalAttentionSupports(16)) GTEST_SKIP() << "no AVX2/FMA";
  const torch::Tensor q = torch::randn({1, 2, 6, 16});
  const torch::Tensor k = torch::randn({1, 2, 5, 16});  // S < T
  EXPECT_THROW(CausalAttention(q, k, k, torch::zeros({1, 1, 6, 5}, torch::kBool)), c10::Error);
}

TEST(CausalAttentionTest, GptForwardsWithAndWithoutGraphAgree) {
  GptConfig c;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_embd = 64;
  c.n_positions = 64;
  c.vocab_size = 50;
  torch::manual_seed(2);
  Gpt model(c);
  {
    torch::NoGradGuard g;
    for (auto& p : model->parameters()) p.normal_(0.0, 0.3);
  }
  const PackedBatch batch = PackContextResponse({{1, 2, 3}, {4, 5, 6, 7, 8, 9, 10}},
                                                {{20, 21, 22, 23}, {24}}, /*pad_id=*/0);
  const torch::Tensor graph =
      model->hidden_states(batch.ids, batch.attention_mask, batch.position_ids);  // (B, T, C)
  ASSERT_TRUE(graph.requires_grad());
  torch::NoGradGuard g;
  const torch::Tensor fused =
      model->hidden_states(batch.ids, batch.attention_mask, batch.position_ids);  // (B, T, C)
  EXPECT_LE((fused - graph).abs().max().item<double>(), 1e-5);
  // The pruned last block and the snapshot take the same path.
  const InferenceWeights w = model->TransposedWeights();
  const torch::Tensor pruned = model->hidden_states(batch.ids, batch.attention_mask,
                                                    batch.position_ids, &w, 6);  // (B, T − 6, C)
  EXPECT_LE((pruned - graph.narrow(1, 6, graph.size(1) - 6)).abs().max().item<double>(), 1e-5);
}

}  // namespace
}  // namespace shammie::policy
