// The preference model: the policy's GPT trunk plus a scalar head read at the
// end-of-context token appended after the response (Bai et al. 2022, §2.2 of
// Askell et al. 2021).
//
//   text = context + response  →  tokens + [eos]  →  trunk  →  hidden (B, T, C)
//   score = head(hidden[b, last_index[b]])        →  (B)
//   reported score = raw score − score_offset (the offset makes the base
//   policy's samples average 0; stored with the model)
//
// Rows longer than n_positions keep their END (the response and the eos),
// dropping the oldest context tokens: the score is read at the eos, and the
// response must be seen whole.
//
// Shape legend: B rows, T tokens (longest row), C channels, V vocabulary.
//
// Includes torch: private to reward_model/ (services use pm_job.h).
// Thread-safety: like policy::Gpt — not for concurrent training; concurrent
// scoring under NoGradGuard is safe.
#ifndef SHAMMIE_REWARD_MODEL_PREFERENCE_MODEL_H_
#define SHAMMIE_REWARD_MODEL_PREFERENCE_MODEL_H_

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "policy/gpt.h"

namespace shammie::reward_model {

// Text → token ids (the policy tokenizer's Encode). Thread-compatible.
using Encoder = std::function<std::vector<int64_t>(absl::string_view)>;

// One id per byte (0–255): the Encoder of byte-vocabulary models, the ids
// policy/byte_tokenizer.h gives without its end-of-text token.
std::vector<int64_t> EncodeBytes(absl::string_view text);

// Rows of token ids, right-padded (causal attention: padding after a row's
// end cannot change the row's own positions, so no attention mask).
struct PmBatch {
  torch::Tensor ids;         // (B, T) int64
  torch::Tensor last_index;  // (B) int64: column of each row's eos
  // 1 on response tokens (the targets the imitation loss predicts), at the
  // column that PREDICTS them (t − 1), so it lines up with logits[:, t].
  torch::Tensor response_mask;  // (B, T) float
  torch::Tensor targets;        // (B, T) int64: ids shifted left by one
};

// Builds a batch of context+response rows. `eos` is appended to every row.
// REQUIRES: contexts.size() == responses.size() > 0.
PmBatch MakePmBatch(const Encoder& encode, const std::vector<const std::string*>& contexts,
                    const std::vector<const std::string*>& responses, int64_t eos, int64_t max_len);

struct PreferenceModelImpl : torch::nn::Module {
  // Takes the trunk (a loaded policy, or a fresh one); the head starts at 0
  // so every response scores 0 before training (P(A>B) = 0.5).
  explicit PreferenceModelImpl(policy::Gpt trunk);

  // Raw scores (B) at each row's last_index, before the offset.
  torch::Tensor forward(const PmBatch& batch);
  // Next-token logits (B, T, V) for the imitation baseline.
  torch::Tensor logits(const PmBatch& batch);
  // Mean log-probability of each row's response tokens (B): how the
  // imitation baseline scores a response (it has no scalar head to train).
  torch::Tensor response_logprob(const PmBatch& batch);

  policy::Gpt trunk{nullptr};
  torch::nn::Linear head{nullptr};  // C → 1
  torch::Tensor score_offset;       // () buffer, subtracted by Score()
};
TORCH_MODULE(PreferenceModel);

}  // namespace shammie::reward_model

#endif  // SHAMMIE_REWARD_MODEL_PREFERENCE_MODEL_H_
