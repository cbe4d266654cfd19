// See causal_attention.h. Shapes as there; S8 = S rounded up to 8.
//
// Per (row, head): keys are transposed once into kt (D, S8), so the scores
// of 8 consecutive keys are one FMA chain over d (broadcast q[d] × a row of
// kt) with no horizontal sums; four such chains (32 keys) run side by side
// to hide the FMA latency. Query i computes only its first S − T + i + 1
// scores: on average half the work of a full T × S product.
#include "policy/causal_attention.h"

#include <immintrin.h>

#include <algorithm>
#include <limits>
#include <vector>

#include "policy/avx2_math.h"
#include "policy/decode_kernels.h"

namespace shammie::policy {
namespace {

struct HeadView {
  const float* q;       // (T, D), rows q_row apart
  const float* k;       // (S, D), rows k_row apart
  const float* v;       // (S, D), rows v_row apart
  const bool* blocked;  // (T, S) contiguous
  float* y;             // (T, D), rows y_row apart
  float* probs;         // (T, S) contiguous softmax weights, or null (not wanted)
  int64_t q_row, k_row, v_row, y_row;
  int64_t t, s;
};

// scores[0, n) ← q · kt[:, 0, n) for one query, n rounded up to 8 (kt is
// zero beyond S, so the padding lanes are finite and ignored).
template <int NC>
__attribute__((target("avx2,fma"))) void Scores(const float* q, const float* kt, int64_t s8,
                                                int64_t n, float* scores) {
  constexpr int64_t d = NC * 8;
  const int64_t blocks = (n + 7) / 8;
  int64_t jb = 0;
  for (; jb + 4 <= blocks; jb += 4) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    const float* col = kt + jb * 8;
    for (int64_t c = 0; c < d; ++c) {
      const __m256 qc = _mm256_broadcast_ss(q + c);
      const float* r = col + c * s8;
      a0 = _mm256_fmadd_ps(qc, _mm256_loadu_ps(r), a0);
      a1 = _mm256_fmadd_ps(qc, _mm256_loadu_ps(r + 8), a1);
      a2 = _mm256_fmadd_ps(qc, _mm256_loadu_ps(r + 16), a2);
      a3 = _mm256_fmadd_ps(qc, _mm256_loadu_ps(r + 24), a3);
    }
    _mm256_storeu_ps(scores + jb * 8, a0);
    _mm256_storeu_ps(scores + jb * 8 + 8, a1);
    _mm256_storeu_ps(scores + jb * 8 + 16, a2);
    _mm256_storeu_ps(scores + jb * 8 + 24, a3);
  }
  for (; jb < blocks; ++jb) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    const float* col = kt + jb * 8;
    for (int64_t c = 0; c < d; c += 2) {
      a0 = _mm256_fmadd_ps(_mm256_broadcast_ss(q + c), _mm256_loadu_ps(col + c * s8), a0);
      a1 = _mm256_fmadd_ps(_mm256_broadcast_ss(q + c + 1), _mm256_loadu_ps(col + (c + 1) * s8), a1);
    }
    _mm256_storeu_ps(scores + jb * 8, _mm256_add_ps(a0, a1));
  }
}

// One (row, head). kt (D, S8) and scores (S8) are scratch.
template <int NC>
__attribute__((target("avx2,fma"))) void AttendHead(const HeadView& h, float* kt, int64_t s8,
                                                    float* scores) {
  constexpr int64_t d = NC * 8;
  constexpr float kLowest = std::numeric_limits<float>::lowest();
  for (int64_t j = 0; j < h.s; ++j) {
    for (int64_t c = 0; c < d; ++c) kt[c * s8 + j] = h.k[j * h.k_row + c];
  }
  for (int64_t c = 0; c < d; ++c) {
    for (int64_t j = h.s; j < s8; ++j) kt[c * s8 + j] = 0.0f;
  }
  const int64_t first = h.s - h.t;  // position of query 0
  for (int64_t i = 0; i < h.t; ++i) {
    const int64_t n = first + i + 1;  // keys 0 … first + i
    Scores<NC>(h.q + i * h.q_row, kt, s8, n, scores);
    const bool* blocked = h.blocked + i * h.s;
    float max = kLowest;
    for (int64_t j = 0; j < n; ++j) {
      if (blocked[j]) scores[j] = kLowest;
      max = std::max(max, scores[j]);
    }
    __m256 acc[NC];
#pragma GCC unroll 16
    for (int c = 0; c < NC; ++c) acc[c] = _mm256_setzero_ps();
    float* y = h.y + i * h.y_row;
    if (max == kLowest) {
      // Every key blocked (a padding query): ATen's softmax over S equal
      // scores averages all S values.
      for (int64_t j = 0; j < h.s; ++j) {
#pragma GCC unroll 16
        for (int c = 0; c < NC; ++c)
          acc[c] = _mm256_add_ps(acc[c], _mm256_loadu_ps(h.v + j * h.v_row + 8 * c));
      }
      const __m256 inv = _mm256_set1_ps(1.0f / static_cast<float>(h.s));
#pragma GCC unroll 16
      for (int c = 0; c < NC; ++c) _mm256_storeu_ps(y + 8 * c, _mm256_mul_ps(acc[c], inv));
      if (h.probs != nullptr) {
        std::fill(h.probs + i * h.s, h.probs + (i + 1) * h.s, 1.0f / static_cast<float>(h.s));
      }
      continue;
    }
    const float sum = avx2::ExpShiftSum(scores, n, max);
    for (int64_t j = 0; j < n; ++j) {
      const __m256 p = _mm256_set1_ps(scores[j]);
      const float* value = h.v + j * h.v_row;
#pragma GCC unroll 16
      for (int c = 0; c < NC; ++c)
        acc[c] = _mm256_fmadd_ps(p, _mm256_loadu_ps(value + 8 * c), acc[c]);
    }
    const __m256 inv = _mm256_set1_ps(1.0f / sum);
#pragma GCC unroll 16
    for (int c = 0; c < NC; ++c) _mm256_storeu_ps(y + 8 * c, _mm256_mul_ps(acc[c], inv));
    if (h.probs != nullptr) {
      float* p = h.probs + i * h.s;
      const float inv_sum = 1.0f / sum;
      for (int64_t j = 0; j < n; ++j) p[j] = scores[j] * inv_sum;
      std::fill(p + n, p + h.s, 0.0f);
    }
  }
}

using AttendHeadFn = void (*)(const HeadView&, float*, int64_t, float*);

AttendHeadFn AttendHeadFor(int64_t d) {
  return avx2::KernelForHeadWidth(
      d, [](auto nc) -> AttendHeadFn { return AttendHead<decltype(nc)::value>; });
}

// t with unit stride in its last dim (a copy otherwise).
torch::Tensor UnitInner(const torch::Tensor& t) { return t.stride(-1) == 1 ? t : t.contiguous(); }

}  // namespace

bool CausalAttentionSupports(int64_t head_dim) {
  return DecodeKernelsAvailable() && AttendHeadFor(head_dim) != nullptr;
}

torch::Tensor CausalAttention(const torch::Tensor& q_in, const torch::Tensor& k_in,
                              const torch::Tensor& v_in, const torch::Tensor& blocked_in,
                              torch::Tensor* probs) {
  TORCH_CHECK(q_in.dim() == 4 && k_in.dim() == 4 && v_in.dim() == 4 &&
                  q_in.scalar_type() == torch::kFloat32 && k_in.sizes() == v_in.sizes(),
              "CausalAttention: q ", q_in.sizes(), ", k ", k_in.sizes(), ", v ", v_in.sizes());
  const int64_t b = q_in.size(0), heads = q_in.size(1), t = q_in.size(2), d = q_in.size(3);
  const int64_t s = k_in.size(2);
  TORCH_CHECK(k_in.size(0) == b && k_in.size(1) == heads && k_in.size(3) == d && s >= t,
              "CausalAttention: q ", q_in.sizes(), " vs k ", k_in.sizes());
  TORCH_CHECK(blocked_in.defined() && blocked_in.dim() == 4 && blocked_in.size(2) == t &&
                  blocked_in.size(3) == s && (blocked_in.size(0) == 1 || blocked_in.size(0) == b),
              "CausalAttention: blocked ", blocked_in.sizes());
  const AttendHeadFn attend = AttendHeadFor(d);
  TORCH_CHECK(attend != nullptr && DecodeKernelsAvailable(), "CausalAttention: D = ", d);
  const torch::Tensor q = UnitInner(q_in);                                     // (B, H, T, D)
  const torch::Tensor k = UnitInner(k_in);                                     // (B, H, S, D)
  const torch::Tensor v = UnitInner(v_in);                                     // (B, H, S, D)
  const torch::Tensor blocked = blocked_in.to(torch::kBool).contiguous();      // (B|1, 1, T, S)
  torch::Tensor y = torch::empty({b, t, heads, d}, q.options());               // (B, T, H, D)
  if (probs != nullptr) *probs = torch::empty({b, heads, t, s}, q.options());  // (B, H, T, S)
  const int64_t s8 = (s + 7) / 8 * 8;
  std::vector<float> kt(d * s8), scores(s8);
  for (int64_t bi = 0; bi < b; ++bi) {
    for (int64_t hi = 0; hi < heads; ++hi) {
      HeadView h;
      h.q = q.data_ptr<float>() + bi * q.stride(0) + hi * q.stride(1);
      h.k = k.data_ptr<float>() + bi * k.stride(0) + hi * k.stride(1);
      h.v = v.data_ptr<float>() + bi * v.stride(0) + hi * v.stride(1);
      h.blocked = blocked.data_ptr<bool>() + (blocked.size(0) == 1 ? 0 : bi) * t * s;
      h.y = y.data_ptr<float>() + bi * t * heads * d + hi * d;
      h.probs = probs != nullptr ? probs->data_ptr<float>() + (bi * heads + hi) * t * s : nullptr;
      h.q_row = q.stride(2);
      h.k_row = k.stride(2);
      h.v_row = v.stride(2);
      h.y_row = heads * d;
      h.t = t;
      h.s = s;
      attend(h, kt.data(), s8, scores.data());
    }
  }
  return y.view({b, t, heads * d});  // (B, T, C)
}

namespace {

// Forward through the kernel (keeping the softmax weights P), backward
// through ATen: the products are ATen's own (P is 0 above the diagonal, so
// they cost what ATen's backward costs), but the forward skips the upper
// triangle and the separate masked_fill and softmax passes.
struct CausalAttentionFunction : torch::autograd::Function<CausalAttentionFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& q,
                               const torch::Tensor& k, const torch::Tensor& v,
                               const torch::Tensor& blocked) {
    torch::Tensor probs;                                          // (B, H, T, S)
    torch::Tensor y = CausalAttention(q, k, v, blocked, &probs);  // (B, T, C)
    ctx->save_for_backward({q, k, v, probs});
    ctx->saved_data["blocked"] = blocked;
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &q = saved[0], &k = saved[1], &v = saved[2], &probs = saved[3];
    const torch::Tensor blocked = ctx->saved_data["blocked"].toTensor();  // (B|1, 1, T, S)
    const int64_t b = q.size(0), heads = q.size(1), t = q.size(2), d = q.size(3);
    const torch::Tensor dy =
        grads[0].reshape({b, t, heads, d}).permute({0, 2, 1, 3});   // (B, H, T, D)
    torch::Tensor dv = torch::matmul(probs.transpose(-2, -1), dy);  // (B, H, S, D)
    torch::Tensor dp = torch::matmul(dy, v.transpose(-2, -1));      // (B, H, T, S)
    // Softmax's backward, then masked_fill's: a blocked score gets no
    // gradient (it matters for a fully blocked row, whose P is uniform).
    torch::Tensor ds = torch::_softmax_backward_data(dp, probs, -1, probs.scalar_type())
                           .masked_fill_(blocked, 0.0);         // (B, H, T, S)
    torch::Tensor dq = torch::matmul(ds, k);                    // (B, H, T, D)
    torch::Tensor dk = torch::matmul(ds.transpose(-2, -1), q);  // (B, H, S, D)
    return {dq, dk, dv, torch::Tensor()};
  }
};

}  // namespace

torch::Tensor CausalAttentionTrainable(const torch::Tensor& q, const torch::Tensor& k,
                                       const torch::Tensor& v, const torch::Tensor& blocked) {
  return CausalAttentionFunction::apply(q, k, v, blocked);  // (B, T, C)
}

}  // namespace shammie::policy
