// Test helpers for GPT numerics: a model with random, non-trivial weights
// (LayerNorm gains and biases too, so a mis-wired parameter changes the
// output), and the largest absolute difference of two tensors.
#ifndef SHAMMIE_TESTS_POLICY_RANDOM_GPT_H_
#define SHAMMIE_TESTS_POLICY_RANDOM_GPT_H_

#include <torch/torch.h>

#include <cstdint>

#include "policy/gpt.h"

namespace shammie::testing {

inline policy::Gpt RandomGpt(const policy::GptConfig& config, uint64_t seed, double std = 0.3) {
  torch::manual_seed(seed);
  policy::Gpt model(config);
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.normal_(0.0, std);
  return model;
}

inline double MaxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_POLICY_RANDOM_GPT_H_
