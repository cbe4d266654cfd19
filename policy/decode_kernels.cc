// AVX2/FMA kernels of the decode step. Shapes as in decode_kernels.h.
//
// The GEMM is the textbook register-blocked micro-kernel: a 6-row × 16-column
// block of the output lives in 12 ymm accumulators while k runs over the
// inputs, each step loading 16 packed weights once and broadcasting one input
// per row. A panel (K × 16 floats: 16 KiB at K = 256) stays in L1/L2 while
// every row block passes over it, and no weight is ever re-packed.
// Functions using the intrinsics carry target("avx2,fma") so the rest of the
// binary keeps the baseline instruction set; DecodeKernelsAvailable() gates
// every call.
#include "policy/decode_kernels.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "policy/avx2_math.h"

namespace shammie::policy {
namespace {

constexpr int64_t kPanel = 16;  // output columns per packed panel (two ymm)
constexpr int kRowBlock = 6;    // rows per micro-kernel call (12 accumulators)

// out rows [0, R) × the panel's 16 columns (the first `cols` stored) =
// x rows · panel + bias16 (+ residual).
template <int R>
__attribute__((target("avx2,fma"))) inline void MicroKernel(const float* x, int64_t ldx,
                                                            const float* panel, int64_t k,
                                                            const float* bias16,
                                                            const float* residual, float* out,
                                                            int64_t ld, int64_t cols) {
  __m256 acc0[R], acc1[R];
  const __m256 b0 = _mm256_loadu_ps(bias16), b1 = _mm256_loadu_ps(bias16 + 8);
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    acc0[r] = b0;
    acc1[r] = b1;
  }
  for (int64_t kk = 0; kk < k; ++kk) {
    const __m256 w0 = _mm256_loadu_ps(panel + kk * kPanel);
    const __m256 w1 = _mm256_loadu_ps(panel + kk * kPanel + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 xr = _mm256_broadcast_ss(x + r * ldx + kk);
      acc0[r] = _mm256_fmadd_ps(xr, w0, acc0[r]);
      acc1[r] = _mm256_fmadd_ps(xr, w1, acc1[r]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    float* o = out + r * ld;
    if (cols == kPanel) {
      if (residual != nullptr) {
        acc0[r] = _mm256_add_ps(acc0[r], _mm256_loadu_ps(residual + r * ld));
        acc1[r] = _mm256_add_ps(acc1[r], _mm256_loadu_ps(residual + r * ld + 8));
      }
      _mm256_storeu_ps(o, acc0[r]);
      _mm256_storeu_ps(o + 8, acc1[r]);
    } else {  // the last, partial panel
      alignas(32) float tmp[kPanel];
      _mm256_store_ps(tmp, acc0[r]);
      _mm256_store_ps(tmp + 8, acc1[r]);
      for (int64_t j = 0; j < cols; ++j) o[j] = tmp[j] + (residual ? residual[r * ld + j] : 0.0f);
    }
  }
}

// MicroKernel<R> by row count R (index 0 unused).
using MicroKernelFn = void (*)(const float*, int64_t, const float*, int64_t, const float*,
                               const float*, float*, int64_t, int64_t);
constexpr MicroKernelFn kMicroKernels[kRowBlock + 1] = {
    nullptr,        MicroKernel<1>, MicroKernel<2>, MicroKernel<3>,
    MicroKernel<4>, MicroKernel<5>, MicroKernel<6>};

__attribute__((target("avx2,fma"))) void Gemm(const float* x, int64_t m, int64_t k,
                                              const float* panels, int64_t n, const float* bias,
                                              const float* residual, float* out) {
  const int64_t n16 = (n + kPanel - 1) / kPanel;
  for (int64_t p = 0; p < n16; ++p) {
    const int64_t n0 = p * kPanel;
    const int64_t cols = std::min(kPanel, n - n0);
    alignas(32) float bias16[kPanel] = {};
    if (bias != nullptr) std::memcpy(bias16, bias + n0, cols * sizeof(float));
    const float* panel = panels + p * k * kPanel;
    for (int64_t r0 = 0; r0 < m; r0 += kRowBlock) {
      const float* xr = x + r0 * k;
      const float* res = residual != nullptr ? residual + r0 * n + n0 : nullptr;
      float* o = out + r0 * n + n0;
      kMicroKernels[std::min<int64_t>(kRowBlock, m - r0)](xr, k, panel, k, bias16, res, o, n, cols);
    }
  }
}

// One (row, head): append k, v at position `length`, then
// y = softmax(scale · q·K^T, blocked keys lowest) · V. NC = D / 8 ymm
// chunks, so q and the output row live in registers; scores holds S floats.
// Scores take two passes of independent FMAs per key (no reduction chain
// across keys); the weighted sum streams V once.
template <int NC>
__attribute__((target("avx2,fma"))) void AttendOne(const float* q, const float* k_new,
                                                   const float* v_new, float* keys, float* values,
                                                   int64_t length, const bool* blocked, float scale,
                                                   float* scores, float* y) {
  constexpr int64_t d = NC * 8;
  std::memcpy(keys + length * d, k_new, d * sizeof(float));
  std::memcpy(values + length * d, v_new, d * sizeof(float));
  const int64_t s_len = length + 1;
  __m256 qv[NC];
#pragma GCC unroll 16
  for (int c = 0; c < NC; ++c)
    qv[c] = _mm256_mul_ps(_mm256_loadu_ps(q + 8 * c), _mm256_set1_ps(scale));
  float max = std::numeric_limits<float>::lowest();
  for (int64_t s = 0; s < s_len; ++s) {
    float score = std::numeric_limits<float>::lowest();
    if (blocked == nullptr || !blocked[s]) {
      const float* key = keys + s * d;
      __m256 acc0 = _mm256_mul_ps(qv[0], _mm256_loadu_ps(key));
      __m256 acc1 = _mm256_setzero_ps();
#pragma GCC unroll 16
      for (int c = 1; c < NC; ++c) {
        if (c % 2 == 1) {
          acc1 = _mm256_fmadd_ps(qv[c], _mm256_loadu_ps(key + 8 * c), acc1);
        } else {
          acc0 = _mm256_fmadd_ps(qv[c], _mm256_loadu_ps(key + 8 * c), acc0);
        }
      }
      score = avx2::HorizontalSum(_mm256_add_ps(acc0, acc1));
    }
    scores[s] = score;
    max = std::max(max, score);
  }
  const float sum = avx2::ExpShiftSum(scores, s_len, max);
  __m256 acc[NC];
#pragma GCC unroll 16
  for (int c = 0; c < NC; ++c) acc[c] = _mm256_setzero_ps();
  for (int64_t s = 0; s < s_len; ++s) {
    const __m256 p = _mm256_set1_ps(scores[s]);
    const float* value = values + s * d;
#pragma GCC unroll 16
    for (int c = 0; c < NC; ++c)
      acc[c] = _mm256_fmadd_ps(p, _mm256_loadu_ps(value + 8 * c), acc[c]);
  }
  const __m256 inv = _mm256_set1_ps(1.0f / sum);
#pragma GCC unroll 16
  for (int c = 0; c < NC; ++c) _mm256_storeu_ps(y + 8 * c, _mm256_mul_ps(acc[c], inv));
}

using AttendFn = void (*)(const float*, const float*, const float*, float*, float*, int64_t,
                          const bool*, float, float*, float*);

// The kernel for head width d, or null (then the caller uses ATen).
AttendFn AttendFor(int64_t d) {
  return avx2::KernelForHeadWidth(
      d, [](auto nc) -> AttendFn { return AttendOne<decltype(nc)::value>; });
}

bool CpuHasAvx2Fma() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

}  // namespace

bool DecodeAttentionSupports(int64_t head_dim) { return AttendFor(head_dim) != nullptr; }

bool DecodeKernelsAvailable() {
  static const bool available = [] {
    const char* env = std::getenv("SHAMMIE_DECODE_KERNELS");
    if (env != nullptr && std::string(env) == "0") return false;
    return CpuHasAvx2Fma();
  }();
  return available;
}

PackedWeight PackWeight(const torch::Tensor& w_t, const torch::Tensor& bias) {
  const int64_t k = w_t.size(0), n = w_t.size(1);
  const int64_t n16 = (n + kPanel - 1) / kPanel;
  PackedWeight p;
  p.k = k;
  p.n = n;
  p.panels = torch::constant_pad_nd(w_t.detach().to(torch::kFloat32),
                                    {0, n16 * kPanel - n})  // (K, N16·16)
                 .view({k, n16, kPanel})                    // (K, N16, 16)
                 .permute({1, 0, 2})                        // (N16, K, 16)
                 .contiguous();
  if (bias.defined()) p.bias = bias.detach().to(torch::kFloat32).contiguous();  // (N)
  return p;
}

torch::Tensor PackedAffine(const torch::Tensor& x, const PackedWeight& w,
                           const torch::Tensor& residual) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == w.k, "PackedAffine: x ", x.sizes(), " vs K = ", w.k);
  const torch::Tensor xc = x.contiguous();                          // (M, K)
  torch::Tensor out = torch::empty({x.size(0), w.n}, x.options());  // (M, N)
  torch::Tensor res;
  if (residual.defined()) {
    TORCH_CHECK(residual.size(0) == x.size(0) && residual.size(1) == w.n, "PackedAffine: residual ",
                residual.sizes());
    res = residual.contiguous();  // (M, N)
  }
  Gemm(xc.data_ptr<float>(), x.size(0), w.k, w.panels.data_ptr<float>(), w.n,
       w.bias.defined() ? w.bias.data_ptr<float>() : nullptr,
       res.defined() ? res.data_ptr<float>() : nullptr, out.data_ptr<float>());
  return out;
}

torch::Tensor DecodeAttention(const torch::Tensor& qkv, torch::Tensor& keys, torch::Tensor& values,
                              int64_t length, const torch::Tensor& blocked, int64_t n_head) {
  const int64_t b = qkv.size(0), c = qkv.size(1) / 3, d = c / n_head;
  const int64_t cap = keys.size(2), s_len = length + 1;
  const AttendFn attend = AttendFor(d);
  TORCH_CHECK(attend != nullptr && length < cap && keys.is_contiguous() && values.is_contiguous(),
              "DecodeAttention: D = ", d, ", L = ", length, ", T_cap = ", cap);
  const torch::Tensor qkv_c = qkv.contiguous();  // (B, 3C)
  torch::Tensor block;                           // (B|1, S) bool
  if (blocked.defined()) block = blocked.reshape({-1, s_len}).contiguous();
  torch::Tensor y = torch::empty({b, c}, qkv.options());  // (B, C)
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  std::vector<float> scores(s_len);
  const float* in = qkv_c.data_ptr<float>();
  float* k_cache = keys.data_ptr<float>();
  float* v_cache = values.data_ptr<float>();
  for (int64_t bi = 0; bi < b; ++bi) {
    const bool* row_blocked =
        block.defined() ? block.data_ptr<bool>() + (block.size(0) == 1 ? 0 : bi) * s_len : nullptr;
    for (int64_t hi = 0; hi < n_head; ++hi) {
      const float* q = in + bi * 3 * c + hi * d;
      const int64_t cache_at = (bi * n_head + hi) * cap * d;
      attend(q, q + c, q + 2 * c, k_cache + cache_at, v_cache + cache_at, length, row_blocked,
             scale, scores.data(), y.data_ptr<float>() + bi * c + hi * d);
    }
  }
  return y;
}

}  // namespace shammie::policy
