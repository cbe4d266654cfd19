// PPO's trainable model: the GPT policy trunk plus a value head, a linear map
// from the trunk's final hidden state to V(s) (Ziegler et al. 2019 share the
// trunk the same way). The value of response token j is read at the hidden
// state that predicts token j (the state before the action).
//
// Shape legend: B episodes, P context columns, R response columns,
// C channels, V vocabulary.
//
// Private to policy/: includes torch. Not thread-safe for training.
#ifndef SHAMMIE_POLICY_PPO_POLICY_H_
#define SHAMMIE_POLICY_PPO_POLICY_H_

#include <torch/torch.h>

#include "policy/gpt.h"

namespace shammie::policy {

struct PolicyEvaluation {
  torch::Tensor logprobs;  // (B, R) log π at the sampling temperature, 0 on padding
  torch::Tensor entropy;   // (B, R) entropy of π(·) at that temperature, 0 on padding
  torch::Tensor values;    // (B, R) V before each response token, 0 on padding
};

struct PpoPolicyImpl : torch::nn::Module {
  // Shares `trunk` (a Gpt is a handle). The value head starts at zero, so the
  // first values are 0 and the first value loss is the returns' scale.
  explicit PpoPolicyImpl(Gpt trunk);

  // Differentiable unless under NoGradGuard. batch from PackContextResponse.
  PolicyEvaluation Evaluate(const PackedBatch& batch, double temperature);

  Gpt trunk{nullptr};
  torch::nn::Linear value_head{nullptr};  // C → 1
};
TORCH_MODULE(PpoPolicy);

// Log-probs of the response tokens under a frozen model (the reference π0),
// at `temperature`, without building a graph: (B, R), 0 on padding.
torch::Tensor ReferenceLogProbs(Gpt& reference, const PackedBatch& batch, double temperature);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_POLICY_H_
