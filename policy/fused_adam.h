// Adam and AdamW whose step() updates each parameter in one AVX2 pass
// (moments, bias correction, weight decay, update) on one thread per core.
//
// Why: torch::optim's step is ~8 ATen ops per parameter tensor, each a full
// pass over memory, on one thread — 100–150 ms per step for the 19M
// parameters of the 6-layer, 512-channel model, while the other core idles.
// Here each element is read and written once, and the tensors are split
// between the cores (policy/parallel_shards.h).
//
// Same hyper-parameters, same per-parameter state (AdamParamState /
// AdamWParamState under torch's keys) and so the same save()/load() files as
// the torch classes: checkpoints move between the two. Values equal torch's
// up to float rounding (tests/policy/fused_adam_test.cc). Falls back to the
// torch step for amsgrad, non-float or non-contiguous tensors, or CPUs
// without AVX2/FMA. Not thread-safe (as torch::optim).
// Private to policy/ and reward_model/ (includes torch).
#ifndef SHAMMIE_POLICY_FUSED_ADAM_H_
#define SHAMMIE_POLICY_FUSED_ADAM_H_

#include <torch/torch.h>

namespace shammie::policy {

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

class FusedAdamW : public torch::optim::AdamW {
 public:
  using torch::optim::AdamW::AdamW;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_FUSED_ADAM_H_
