// Batched text generation from a Gpt with a KV cache: temperature, top-k,
// top-p, max new tokens, end-of-text, stop strings and a per-request seed.
//
// Determinism: each request draws its random numbers from its own generator
// seeded by SamplingParams::seed, one uniform number per generated token, so
// the same request with the same seed gives the same tokens whatever else is
// in the batch — up to float rounding of the batched forward (rows of a
// left-padded batch compute the same logits as alone to ~1e-6; a sample can
// only change if a uniform draw lands within that of a CDF boundary).
//
// Runs under c10::InferenceMode: no autograd graph is recorded, so the
// sampler may run concurrently with nothing else touching the model's
// parameters (training must not run at the same time on the same module).
// Not thread-safe: one Sampler per thread.
//
// This header includes torch (through gpt.h): private to policy/ and
// reward_model/. Services use policy/policy_runtime.h.
#ifndef SHAMMIE_POLICY_SAMPLER_H_
#define SHAMMIE_POLICY_SAMPLER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "policy/gpt.h"
#include "policy/sampling_params.h"

namespace shammie::policy {

struct GenerationRequest {
  std::vector<int64_t> prompt;  // token ids, non-empty
  SamplingParams params;
};

struct Completion {
  // Generated token ids. Includes the end-of-text token when finish ==
  // kEndOfText, and every token up to the one that completed a stop string.
  std::vector<int64_t> tokens;
  // Decoded response without end-of-text and without the stop string and
  // what follows it; empty when the sampler has no Detokenizer.
  std::string text;
  FinishReason finish = FinishReason::kLength;
};

// What the sampler's own forward passes say about the tokens it drew, for
// callers (PPO) that would otherwise run a second forward to get them.
// Shapes: B requests, N = steps taken (the longest completion), C channels.
// Column j of row i describes completion i's token j; columns past a row's
// last token are 0 (mask them with the completion lengths).
struct GenerationScores {
  // log softmax(logits / temperature) at the drawn token, before any top-k /
  // top-p filtering (the policy's distribution at that temperature; rows with
  // temperature 0 use 1). (B, N) float.
  torch::Tensor logprobs;
  torch::Tensor entropy;  // (B, N) entropy of that same distribution
  torch::Tensor hidden;   // (B, N, C) final hidden state (after ln_f) that predicted the token
};

// Token ids → text (the tokenizer's Decode). Must be thread-compatible.
using Detokenizer = std::function<std::string(const std::vector<int64_t>&)>;

struct SamplerOptions {
  // Token that ends a response (GptConfig::eos_token_id is the usual value).
  int64_t eos_token_id = 256;
  // Token fed for padding and after a row has finished.
  int64_t pad_token_id = 256;
  // false re-runs the whole sequence every step (for benchmarks and tests).
  bool use_kv_cache = true;
  // Split the batch into one shard per core, each generated on its own
  // thread (policy/parallel_shards.h). false runs one batch on the caller's
  // thread (benchmarks measuring the unsharded loop; tests).
  bool shard = true;
};

class Sampler {
 public:
  // `model` is shared (a Gpt is a handle); `decode` may be null when no
  // request uses stop strings and callers need tokens only.
  Sampler(Gpt model, SamplerOptions options, Detokenizer decode = nullptr);

  // Generates one completion per request, all in one batch.
  // Errors: INVALID_ARGUMENT naming the field (requests[i].prompt empty or
  // with a token id outside the vocabulary, prompt + max_new_tokens longer
  // than n_positions, temperature < 0, top_k < 0, top_p outside (0, 1],
  // max_new_tokens < 0); FAILED_PRECONDITION for stop strings without a
  // Detokenizer; INTERNAL for torch errors.
  // When `scores` is not null it is filled as documented above; it costs a
  // log-softmax over (B, V) and a (B, C) copy per step.
  absl::StatusOr<std::vector<Completion>> Generate(const std::vector<GenerationRequest>& requests,
                                                   GenerationScores* scores = nullptr);

 private:
  // Generate on one thread, without validation (done by Generate).
  std::vector<Completion> GenerateRows(absl::Span<const GenerationRequest> requests,
                                       const InferenceWeights& weights, GenerationScores* scores);

  Gpt model_;
  SamplerOptions options_;
  Detokenizer decode_;
};

// The tokens top-k then top-p keep, in vocabulary order: logits (B, V),
// top_k (B) int64 (0 = off), top_p (B) float (1 = off) → bool (B, V).
// The most likely token is always kept. Exposed for tests.
torch::Tensor SamplingMask(const torch::Tensor& logits, const torch::Tensor& top_k,
                           const torch::Tensor& top_p);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_SAMPLER_H_
