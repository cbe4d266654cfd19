// Hand-written CPU kernels for the decode step of generation, where every
// matmul has only B rows (one new token per request) and attention has one
// query per (row, head).
//
// Why not ATen: for B ≈ 16–32 rows OpenBLAS re-packs the whole weight matrix
// on every call, and the packing costs as much as the multiply-adds
// (sgemm_itcopy ≈ sgemm_kernel in a profile of the decode loop); ATen 1.13's
// batched matmul runs one tiny GEMM per (row, head) for attention, and a
// single-query attention step takes ~12 ATen ops. Here the weights are packed
// once per Generate call into 16-column panels and multiplied by an AVX2/FMA
// micro-kernel, and attention (cache append, scores, softmax, weighted sum) is
// one pass per (row, head).
//
// The kernels need AVX2 and FMA, checked at run time (DecodeKernelsAvailable);
// callers fall back to ATen without them. Results equal ATen's to float
// rounding (tests/policy/decode_kernels_test.cc: within 1e-5).
// All tensors are float32 and contiguous. Not differentiable: inference only.
// Thread-compatible (no shared state); private to policy/.
//
// Shapes: M rows, K inputs, N outputs, B batch, H heads, D = C / H head
// width, L cached positions, S = L + 1 keys, T_cap cache capacity.
#ifndef SHAMMIE_POLICY_DECODE_KERNELS_H_
#define SHAMMIE_POLICY_DECODE_KERNELS_H_

#include <torch/torch.h>

#include <cstdint>

namespace shammie::policy {

// True when the CPU has AVX2 and FMA (and SHAMMIE_DECODE_KERNELS is not "0").
bool DecodeKernelsAvailable();

// Head widths the attention kernel is compiled for: 8, 16, 32, 64, 128.
bool DecodeAttentionSupports(int64_t head_dim);

// A (K, N) weight in panels of 16 output columns, zero-padded to a multiple
// of 16: panels (N16, K, 16) where N16 = ceil(N / 16), plus its bias (N).
struct PackedWeight {
  torch::Tensor panels;  // (N16, K, 16)
  torch::Tensor bias;    // (N) or undefined (= no bias)
  int64_t k = 0;
  int64_t n = 0;
};

// w_t (K, N) → panels; bias (N) or undefined.
PackedWeight PackWeight(const torch::Tensor& w_t, const torch::Tensor& bias);

// x (M, K) → x · W + bias (M, N), plus `residual` (M, N) when defined.
// REQUIRES: DecodeKernelsAvailable(), x.size(1) == w.k.
torch::Tensor PackedAffine(const torch::Tensor& x, const PackedWeight& w,
                           const torch::Tensor& residual = {});

// One decode step of causal self-attention for every (row, head):
//   qkv (B, 3C) = [q | k | v], each H heads of D;
//   keys, values (B, H, T_cap, D): the layer's KV cache, positions [0, L)
//   filled; this call writes k and v at position L;
//   blocked (B|1, S) bool, true where a key must not be seen, or undefined.
// Returns softmax(q·K^T / sqrt(D)) · V as (B, C), heads side by side.
// Blocked scores become the lowest float (as in gpt.cc), so a row whose keys
// are all blocked averages them uniformly instead of producing NaN.
// REQUIRES: DecodeKernelsAvailable(), DecodeAttentionSupports(D), L < T_cap.
torch::Tensor DecodeAttention(const torch::Tensor& qkv, torch::Tensor& keys, torch::Tensor& values,
                              int64_t length, const torch::Tensor& blocked, int64_t n_head);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_DECODE_KERNELS_H_
