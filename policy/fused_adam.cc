// The fused Adam(W) step. Per element, in torch's order:
//   g ← g + λ₂·p                   (Adam's L2 weight decay)
//   p ← p·(1 − lr·λ)               (AdamW's decoupled weight decay)
//   m ← β₁·m + (1 − β₁)·g
//   v ← β₂·v + (1 − β₂)·g²
//   p ← p − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
#include "policy/fused_adam.h"

#include <immintrin.h>

#include <cmath>
#include <string>
#include <vector>

#include "policy/decode_kernels.h"
#include "policy/parallel_shards.h"

namespace shammie::policy {
namespace {

struct Hyper {
  float l2 = 0;    // Adam's weight_decay (added to the gradient)
  float keep = 1;  // AdamW's 1 − lr·weight_decay (multiplies p)
  float beta1 = 0, beta2 = 0;
  float inv_sqrt_bc2 = 1;  // 1 / √(1 − β₂ᵗ)
  float eps = 0;
  float step_size = 0;  // lr / (1 − β₁ᵗ)
};

struct Item {
  float* p;
  const float* g;
  float* m;
  float* v;
  int64_t n;
  Hyper h;
};

__attribute__((target("avx2,fma"))) void Update(float* p, const float* g, float* m, float* v,
                                                int64_t n, const Hyper& h) {
  const __m256 l2 = _mm256_set1_ps(h.l2), keep = _mm256_set1_ps(h.keep);
  const __m256 b1 = _mm256_set1_ps(h.beta1), b2 = _mm256_set1_ps(h.beta2);
  const __m256 one_b1 = _mm256_set1_ps(1.0f - h.beta1), one_b2 = _mm256_set1_ps(1.0f - h.beta2);
  const __m256 inv_bc2 = _mm256_set1_ps(h.inv_sqrt_bc2), eps = _mm256_set1_ps(h.eps);
  const __m256 step = _mm256_set1_ps(h.step_size);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 pv = _mm256_loadu_ps(p + i);
    const __m256 gv = _mm256_fmadd_ps(l2, pv, _mm256_loadu_ps(g + i));
    pv = _mm256_mul_ps(pv, keep);
    const __m256 mv = _mm256_fmadd_ps(one_b1, gv, _mm256_mul_ps(_mm256_loadu_ps(m + i), b1));
    const __m256 vv =
        _mm256_fmadd_ps(one_b2, _mm256_mul_ps(gv, gv), _mm256_mul_ps(_mm256_loadu_ps(v + i), b2));
    const __m256 denom = _mm256_fmadd_ps(_mm256_sqrt_ps(vv), inv_bc2, eps);
    pv = _mm256_fnmadd_ps(step, _mm256_div_ps(mv, denom), pv);
    _mm256_storeu_ps(m + i, mv);
    _mm256_storeu_ps(v + i, vv);
    _mm256_storeu_ps(p + i, pv);
  }
  for (; i < n; ++i) {
    const float gv = g[i] + h.l2 * p[i];
    const float pv = p[i] * h.keep;
    m[i] = h.beta1 * m[i] + (1.0f - h.beta1) * gv;
    v[i] = h.beta2 * v[i] + (1.0f - h.beta2) * gv * gv;
    p[i] = pv - h.step_size * m[i] / (std::sqrt(v[i]) * h.inv_sqrt_bc2 + h.eps);
  }
}

bool Fusable(const torch::Tensor& t) {
  return t.defined() && t.scalar_type() == torch::kFloat32 && t.is_contiguous() &&
         t.device().is_cpu() && !t.is_sparse();
}

// Collects the update of every parameter with a gradient, creating and
// advancing its state as torch's step does; false (and nothing changed)
// when some tensor needs the torch path.
template <class Options, class State>
bool Plan(
    std::vector<torch::optim::OptimizerParamGroup>& groups,
    ska::flat_hash_map<std::string, std::unique_ptr<torch::optim::OptimizerParamState>>& states,
    bool decoupled, std::vector<Item>* items) {
  if (!DecodeKernelsAvailable()) return false;
  for (auto& group : groups) {
    const auto& o = static_cast<const Options&>(group.options());
    if (o.amsgrad()) return false;
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      if (!Fusable(p) || !Fusable(p.grad())) return false;
      auto it = states.find(c10::guts::to_string(p.unsafeGetTensorImpl()));
      if (it != states.end()) {
        const auto& s = static_cast<const State&>(*it->second);
        if (!Fusable(s.exp_avg()) || !Fusable(s.exp_avg_sq())) return false;
      }
    }
  }
  for (auto& group : groups) {
    const auto& o = static_cast<const Options&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const std::string key = c10::guts::to_string(p.unsafeGetTensorImpl());
      auto& slot = states[key];
      if (!slot) {
        auto s = std::make_unique<State>();
        s->step(0);
        s->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        slot = std::move(s);
      }
      auto& s = static_cast<State&>(*slot);
      s.step(s.step() + 1);
      const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
      Hyper h;
      h.l2 = decoupled ? 0.0f : static_cast<float>(o.weight_decay());
      h.keep = decoupled ? static_cast<float>(1.0 - o.lr() * o.weight_decay()) : 1.0f;
      h.beta1 = static_cast<float>(beta1);
      h.beta2 = static_cast<float>(beta2);
      h.inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(beta2, s.step())));
      h.eps = static_cast<float>(o.eps());
      h.step_size = static_cast<float>(o.lr() / (1.0 - std::pow(beta1, s.step())));
      items->push_back({p.data_ptr<float>(), p.grad().data_ptr<float>(),
                        s.exp_avg().template data_ptr<float>(),
                        s.exp_avg_sq().template data_ptr<float>(), p.numel(), h});
    }
  }
  return true;
}

// Every tensor split element-wise over the shards.
void Run(const std::vector<Item>& items) {
  int64_t total = 0;
  for (const Item& it : items) total += it.n;
  const int shards = ShardCount(total, /*min_rows_per_shard=*/1 << 16);
  RunShards(total, shards, [&](int shard, ShardRange) {
    for (const Item& it : items) {
      const ShardRange r = ShardRows(it.n, shards, shard);
      Update(it.p + r.begin, it.g + r.begin, it.m + r.begin, it.v + r.begin, r.end - r.begin, it.h);
    }
  });
}

template <class Options, class State, class Base>
torch::Tensor FusedStep(
    Base& base, std::vector<torch::optim::OptimizerParamGroup>& groups,
    ska::flat_hash_map<std::string, std::unique_ptr<torch::optim::OptimizerParamState>>& states,
    bool decoupled, torch::optim::Optimizer::LossClosure closure) {
  // A closure recomputes the gradients before the step: torch's path handles
  // that order (Shammie's trainers never pass one).
  if (closure != nullptr) return base.Base::step(std::move(closure));
  torch::NoGradGuard no_grad;
  std::vector<Item> items;
  if (!Plan<Options, State>(groups, states, decoupled, &items)) return base.Base::step(nullptr);
  Run(items);
  return {};
}

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  return FusedStep<torch::optim::AdamOptions, torch::optim::AdamParamState, torch::optim::Adam>(
      *this, param_groups_, state_, /*decoupled=*/false, std::move(closure));
}

torch::Tensor FusedAdamW::step(LossClosure closure) {
  return FusedStep<torch::optim::AdamWOptions, torch::optim::AdamWParamState, torch::optim::AdamW>(
      *this, param_groups_, state_, /*decoupled=*/true, std::move(closure));
}

}  // namespace shammie::policy
