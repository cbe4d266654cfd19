// GELU with the tanh approximation (GPT-2's), forward and backward as one
// AVX2 pass each: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
//
// Why: ATen 1.13 computes it through Sleef's 1-ULP tanh, and on the (B, T, 4C)
// activations of the MLP that one op took 15% of a forward pass of the
// 4-layer, 256-channel policy (torch.profiler over the Python reference, which
// runs the same kernels). tanh(u) = 1 − 2 / (e^{2u} + 1) with avx2::Exp8 is
// accurate to ~1e-7 and several times cheaper; tests/policy/gelu_test.cc holds
// values and gradients to ATen's within 1e-6.
//
// Differentiable (a torch::autograd::Function); falls back to torch::gelu
// when the CPU lacks AVX2/FMA or the tensor is not float32.
// Private to policy/ and reward_model/ (includes torch).
#ifndef SHAMMIE_POLICY_GELU_H_
#define SHAMMIE_POLICY_GELU_H_

#include <torch/torch.h>

namespace shammie::policy {

// x (…) → GELU_tanh(x) (…).
torch::Tensor GeluTanh(const torch::Tensor& x);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_GELU_H_
