// The decode kernels against ATen on the same numbers: packed matmul (every
// row-block size, a partial last panel, bias and residual) and single-query
// attention (cache append, blocked keys, a fully blocked row).
#include "policy/decode_kernels.h"
#include "tests/policy/random_gpt.h"

#include <gtest/gtest.h>

#include <limits>

namespace shammie::policy {
namespace {

using testing::MaxAbsDiff;

TEST(DecodeKernelsTest, RunOnThisMachine) {
  // The speed of generation rests on them (docs/results.md); x86-64 CPUs of
  // the last decade have AVX2 and FMA.
  EXPECT_TRUE(DecodeKernelsAvailable());
}

TEST(DecodeKernelsTest, PackedAffineMatchesAddmm) {
  if (!DecodeKernelsAvailable()) GTEST_SKIP() << "no AVX2/FMA";
  torch::manual_seed(1);
  for (int64_t n : {16, 37, 257}) {
    for (int64_t m = 1; m <= 13; ++m) {
      const int64_t k = 24;
      torch::Tensor x = torch::randn({m, k});         // (M, K)
      torch::Tensor w_t = torch::randn({k, n});       // (K, N)
      torch::Tensor bias = torch::randn({n});         // (N)
      torch::Tensor residual = torch::randn({m, n});  // (M, N)
      PackedWeight packed = PackWeight(w_t, bias);
      EXPECT_LT(MaxAbsDiff(PackedAffine(x, packed), torch::addmm(bias, x, w_t)), 1e-5)
          << "m=" << m << " n=" << n;
      EXPECT_LT(
          MaxAbsDiff(PackedAffine(x, packed, residual), torch::addmm(bias, x, w_t) + residual),
          1e-5)
          << "m=" << m << " n=" << n;
      PackedWeight no_bias = PackWeight(w_t, torch::Tensor());
      EXPECT_LT(MaxAbsDiff(PackedAffine(x, no_bias), torch::mm(x, w_t)), 1e-5);
    }
  }
}

TEST(DecodeKernelsTest, AttentionMatchesSoftmaxAttentionAndAppendsToTheCache) {
  if (!DecodeKernelsAvailable()) GTEST_SKIP() << "no AVX2/FMA";
  torch::manual_seed(2);
  for (int64_t d : {8, 16, 32, 64}) {
    const int64_t b = 3, h = 2, c = h * d, cap = 12, length = 9, s = length + 1;
    torch::Tensor qkv = torch::randn({b, 3 * c});       // (B, 3C)
    torch::Tensor keys = torch::randn({b, h, cap, d});  // (B, H, T_cap, D)
    torch::Tensor values = torch::randn({b, h, cap, d});
    torch::Tensor blocked = torch::zeros({b, s}, torch::kBool);  // (B, S)
    blocked[1].narrow(0, 0, 4).fill_(true);                      // row 1: left padding
    blocked[2].fill_(true);                                      // row 2: nothing visible
    torch::Tensor k_before = keys.clone(), v_before = values.clone();
    torch::Tensor y = DecodeAttention(qkv, keys, values, length, blocked, h);  // (B, C)

    auto heads = [&](int64_t part) {  // (B, H, 1, D)
      return qkv.narrow(1, part * c, c).view({b, h, 1, d});
    };
    torch::Tensor k_all = k_before.narrow(2, 0, s).clone();  // (B, H, S, D)
    torch::Tensor v_all = v_before.narrow(2, 0, s).clone();
    k_all.narrow(2, length, 1).copy_(heads(1));
    v_all.narrow(2, length, 1).copy_(heads(2));
    torch::Tensor att = torch::matmul(heads(0), k_all.transpose(-2, -1)) / std::sqrt(double(d));
    att.masked_fill_(blocked.view({b, 1, 1, s}), std::numeric_limits<float>::lowest());
    torch::Tensor want = torch::matmul(torch::softmax(att, -1), v_all)  // (B, H, 1, D)
                             .view({b, c});
    EXPECT_LT(MaxAbsDiff(y, want), 1e-5) << "d=" << d;
    EXPECT_LT(MaxAbsDiff(y[2], v_all[2].mean(1).view({c})), 1e-5) << "uniform over blocked keys";
    EXPECT_EQ(MaxAbsDiff(keys.narrow(2, 0, s), k_all), 0.0);
    EXPECT_EQ(MaxAbsDiff(values.narrow(2, 0, s), v_all), 0.0);
    EXPECT_EQ(MaxAbsDiff(keys.narrow(2, s, cap - s), k_before.narrow(2, s, cap - s)), 0.0);
  }
}

TEST(DecodeKernelsTest, AttentionRejectsUnsupportedHeadWidths) {
  if (!DecodeKernelsAvailable()) GTEST_SKIP() << "no AVX2/FMA";
  EXPECT_FALSE(DecodeAttentionSupports(12));
  torch::Tensor qkv = torch::randn({1, 3 * 12});
  torch::Tensor keys = torch::zeros({1, 1, 4, 12}), values = torch::zeros({1, 1, 4, 12});
  EXPECT_THROW(DecodeAttention(qkv, keys, values, 0, {}, 1), c10::Error);
}

}  // namespace
}  // namespace shammie::policy
