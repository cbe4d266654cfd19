// Causal self-attention over many queries in one pass per (row, head), for
// forwards without a graph (PPO scoring: π0 and the PM; the sampler's
// prefill). ATen's path — bmm for all T × S scores, masked_fill, softmax,
// bmm — computes the masked upper triangle and sweeps the (B, H, T, S)
// scores through memory three more times. Here each (row, head) keeps its
// keys (transposed) in cache, computes the scores of query i only for keys
// 0 … S − T + i (the rest are blocked by causality), softmaxes them in place
// and sums the values, writing the output in (B, T, H, D) order so the
// caller's head merge is a view.
//
// AVX2/FMA, checked at run time (DecodeKernelsAvailable(); the switch
// SHAMMIE_DECODE_KERNELS=0 turns this off too); callers fall back to ATen.
// Equals ATen's matmul + masked_fill(lowest) + softmax + matmul within float
// rounding (tests/policy/causal_attention_test.cc: 1e-5), including a query
// whose keys are all blocked (a padding query: the uniform average of all S
// values, as ATen's softmax over S equal scores gives).
// CausalAttentionTrainable adds a backward for training. Thread-compatible (no shared state);
// private to policy/.
//
// Shapes: B rows, H heads, T queries (the last T of the S positions), S keys,
// D = C / H head width.
#ifndef SHAMMIE_POLICY_CAUSAL_ATTENTION_H_
#define SHAMMIE_POLICY_CAUSAL_ATTENTION_H_

#include <torch/torch.h>

#include <cstdint>

namespace shammie::policy {

// True when the CPU has AVX2/FMA (DecodeKernelsAvailable()) and D is one of
// 8, 16, 32, 64, 128.
bool CausalAttentionSupports(int64_t head_dim);

// q (B, H, T, D), already scaled by 1/sqrt(D); k, v (B, H, S, D), S ≥ T
// (views with unit stride in D are read in place, e.g. a KV cache's first S
// positions); query i sits at position S − T + i and never sees keys after
// it; blocked (B|1, 1, T, S) bool, true where a query may not see a key
// (gpt.cc's causal + padding mask). Returns softmax(q·kᵀ, blocked → lowest)·v
// as (B, T, H·D), heads side by side. float32 only. With `probs`, also
// stores the softmax weights there as (B, H, T, S) (0 where causally
// blocked). Not differentiable.
// REQUIRES: CausalAttentionSupports(D). Throws c10::Error on bad shapes.
torch::Tensor CausalAttention(const torch::Tensor& q, const torch::Tensor& k,
                              const torch::Tensor& v, const torch::Tensor& blocked,
                              torch::Tensor* probs = nullptr);

// The same, differentiable in q, k and v for training: the kernel's forward
// (keeping the (B, H, T, S) weights), ATen's matmuls and softmax backward.
// Gradients equal those of ATen's matmul + masked_fill + softmax + matmul
// within float rounding.
torch::Tensor CausalAttentionTrainable(const torch::Tensor& q, const torch::Tensor& k,
                                       const torch::Tensor& v, const torch::Tensor& blocked);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_CAUSAL_ATTENTION_H_
