// Small AVX2/FMA building blocks shared by the hand-written kernels
// (decode_kernels.cc, causal_attention.cc, gelu.cc). Every function carries
// target("avx2,fma"): call them only from functions with the same target,
// behind a run-time CPU check (DecodeKernelsAvailable()).
#ifndef SHAMMIE_POLICY_AVX2_MATH_H_
#define SHAMMIE_POLICY_AVX2_MATH_H_

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <type_traits>

namespace shammie::policy::avx2 {

// The sum of v's 8 lanes.
__attribute__((target("avx2,fma"))) inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// e^x for 8 floats (Cephes' expf: range reduction by ln 2, degree-5
// polynomial; relative error ~1e-7). Inputs below -87.3 — blocked scores —
// give exactly 0, as std::exp would after underflow.
__attribute__((target("avx2,fma"))) inline __m256 Exp8(__m256 x) {
  const __m256 underflow = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.3f));
  const __m256 n = _mm256_floor_ps(
      _mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
  const __m256i pow2n =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(underflow, _mm256_mul_ps(y, _mm256_castsi256_ps(pow2n)));
}

// scores[0, n) ← exp(scores − max); returns their sum. scores has room for
// n rounded up to 8.
__attribute__((target("avx2,fma"))) inline float ExpShiftSum(float* scores, int64_t n, float max) {
  const __m256 m = _mm256_set1_ps(max);
  __m256 sum = _mm256_setzero_ps();
  int64_t s = 0;
  for (; s + 8 <= n; s += 8) {
    const __m256 e = Exp8(_mm256_sub_ps(_mm256_loadu_ps(scores + s), m));
    _mm256_storeu_ps(scores + s, e);
    sum = _mm256_add_ps(sum, e);
  }
  float total = HorizontalSum(sum);
  for (; s < n; ++s) {
    scores[s] = std::exp(scores[s] - max);
    total += scores[s];
  }
  return total;
}

// The attention kernels' head widths: D = 8·NC floats, NC AVX registers per
// row. `pick(std::integral_constant<int, NC>{})` returns the kernel built for
// NC; other widths give nullptr (the caller then uses ATen).
template <typename Pick>
auto KernelForHeadWidth(int64_t d, Pick pick) -> decltype(pick(std::integral_constant<int, 1>{})) {
  switch (d) {
    case 8:
      return pick(std::integral_constant<int, 1>{});
    case 16:
      return pick(std::integral_constant<int, 2>{});
    case 32:
      return pick(std::integral_constant<int, 4>{});
    case 64:
      return pick(std::integral_constant<int, 8>{});
    case 128:
      return pick(std::integral_constant<int, 16>{});
    default:
      return nullptr;
  }
}

}  // namespace shammie::policy::avx2

#endif  // SHAMMIE_POLICY_AVX2_MATH_H_
