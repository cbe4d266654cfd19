// The AVX2 GELU against ATen's tanh GELU: values and gradients, on sizes
// that exercise the vector loop and its scalar tail, and under
// InferenceMode (the sampler's forward).
#include "policy/gelu.h"

#include <gtest/gtest.h>

#include "policy/decode_kernels.h"

namespace shammie::policy {
namespace {

TEST(GeluTest, MatchesAtenValuesAndGradients) {
  torch::manual_seed(3);
  for (int64_t n : {1, 7, 8, 1000, 4099}) {
    torch::Tensor x = (torch::randn({n}) * 4).requires_grad_(true);  // (n), with large |x|
    torch::Tensor ours = GeluTanh(x);
    torch::Tensor dy = torch::randn({n});
    ours.backward(dy);
    torch::Tensor ours_grad = x.grad().clone();
    x.mutable_grad() = torch::Tensor();
    torch::Tensor want = torch::gelu(x, "tanh");
    want.backward(dy);
    EXPECT_LT((ours - want).abs().max().item<double>(), 1e-5) << n;
    EXPECT_LT((ours_grad - x.grad()).abs().max().item<double>(), 1e-5) << n;
  }
}

TEST(GeluTest, SaturatesWithoutNaNAndWorksWithoutAutograd) {
  torch::Tensor x = torch::tensor({-1e4f, -30.f, -5.f, 0.f, 5.f, 30.f, 1e4f});
  c10::InferenceMode inference;
  torch::Tensor y = GeluTanh(x);
  EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
  EXPECT_LT((y - torch::gelu(x, "tanh")).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(y[3].item<float>(), 0.0f);
}

TEST(GeluTest, UsesTheKernelOnThisMachine) {
  // Without AVX2/FMA GeluTanh silently falls back to ATen; the speed claims
  // in docs/results.md assume the kernel runs.
  EXPECT_TRUE(DecodeKernelsAvailable());
}

}  // namespace
}  // namespace shammie::policy
