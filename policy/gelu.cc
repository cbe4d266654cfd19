#include "policy/gelu.h"

#include <immintrin.h>

#include <cmath>

#include "policy/avx2_math.h"
#include "policy/decode_kernels.h"

namespace shammie::policy {
namespace {

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kCubic = 0.044715f;

// tanh(u) for 8 floats: 1 − 2 / (e^{2u} + 1), saturating cleanly (e^{2u}
// overflows to a huge value → 1; underflows to 0 → −1).
__attribute__((target("avx2,fma"))) inline __m256 Tanh8(__m256 u) {
  const __m256 e = avx2::Exp8(_mm256_add_ps(u, u));
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
}

float TanhScalar(float u) { return std::tanh(u); }

// y[i] = gelu(x[i]).
__attribute__((target("avx2,fma"))) void Forward(const float* x, float* y, int64_t n) {
  const __m256 c0 = _mm256_set1_ps(kSqrt2OverPi), c1 = _mm256_set1_ps(kCubic);
  const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 inner =
        _mm256_mul_ps(c0, _mm256_fmadd_ps(_mm256_mul_ps(c1, v), _mm256_mul_ps(v, v), v));
    const __m256 t = Tanh8(inner);
    _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(half, v), _mm256_add_ps(one, t)));
  }
  for (; i < n; ++i) {
    const float v = x[i];
    y[i] = 0.5f * v * (1.0f + TanhScalar(kSqrt2OverPi * (v + kCubic * v * v * v)));
  }
}

// dx[i] = dy[i] · gelu'(x[i]) with
// gelu'(x) = 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²), t = tanh(inner).
__attribute__((target("avx2,fma"))) void Backward(const float* x, const float* dy, float* dx,
                                                  int64_t n) {
  const __m256 c0 = _mm256_set1_ps(kSqrt2OverPi), c1 = _mm256_set1_ps(kCubic);
  const __m256 c3 = _mm256_set1_ps(3.0f * kCubic);
  const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const __m256 v2 = _mm256_mul_ps(v, v);
    const __m256 t = Tanh8(_mm256_mul_ps(c0, _mm256_fmadd_ps(_mm256_mul_ps(c1, v), v2, v)));
    const __m256 dinner = _mm256_mul_ps(c0, _mm256_fmadd_ps(c3, v2, one));
    const __m256 sech2 = _mm256_fnmadd_ps(t, t, one);
    const __m256 grad = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_mul_ps(half, v), sech2), dinner,
                                        _mm256_mul_ps(half, _mm256_add_ps(one, t)));
    _mm256_storeu_ps(dx + i, _mm256_mul_ps(grad, _mm256_loadu_ps(dy + i)));
  }
  for (; i < n; ++i) {
    const float v = x[i];
    const float t = TanhScalar(kSqrt2OverPi * (v + kCubic * v * v * v));
    const float grad = 0.5f * (1.0f + t) +
                       0.5f * v * (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * kCubic * v * v);
    dx[i] = dy[i] * grad;
  }
}

struct GeluTanhFunction : torch::autograd::Function<GeluTanhFunction> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x) {
    const torch::Tensor xc = x.contiguous();
    torch::Tensor y = torch::empty_like(xc);
    Forward(xc.data_ptr<float>(), y.data_ptr<float>(), xc.numel());
    ctx->save_for_backward({xc});
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor x = ctx->get_saved_variables()[0];
    const torch::Tensor dy = grads[0].contiguous();
    torch::Tensor dx = torch::empty_like(x);
    Backward(x.data_ptr<float>(), dy.data_ptr<float>(), dx.data_ptr<float>(), x.numel());
    return {dx};
  }
};

}  // namespace

torch::Tensor GeluTanh(const torch::Tensor& x) {
  if (!DecodeKernelsAvailable() || x.scalar_type() != torch::kFloat32 || !x.device().is_cpu()) {
    return torch::gelu(x, /*approximate=*/"tanh");
  }
  return GeluTanhFunction::apply(x);
}

}  // namespace shammie::policy
