// The torch-free face of a policy for services: load a checkpoint folder,
// generate text for prompts. The collector's sampler and `shammie up` use
// it; they never include torch.
//
// Generation runs the batched KV-cache Sampler under inference mode. A prompt
// longer than the context allows (prompt + max_new_tokens > n_positions) is
// cut from the left when RuntimeOptions::truncate_prompt_left is set (the
// default: a long conversation keeps its newest turns), else rejected.
//
// Thread-safety: Generate() may be called from any thread; calls are
// serialized on an internal mutex (the model is shared and the 2-core
// machine gains nothing from concurrent forwards).
#ifndef SHAMMIE_POLICY_POLICY_RUNTIME_H_
#define SHAMMIE_POLICY_POLICY_RUNTIME_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "policy/gpt_config.h"
#include "policy/sampling_params.h"
#include "policy/tokenizer.h"

namespace shammie::policy {

struct RuntimeOptions {
  bool truncate_prompt_left = true;
};

struct TextRequest {
  std::string prompt;  // the context, e.g. "\n\nHuman: Hi\n\nAssistant:"
  SamplingParams params;
};

struct TextCompletion {
  std::string text;             // the response (no end-of-text, no stop string)
  std::vector<int64_t> tokens;  // generated ids (see policy/sampler.h Completion)
  FinishReason finish = FinishReason::kLength;
  int64_t prompt_tokens = 0;    // after any truncation
};

class PolicyRuntime {
 public:
  // Loads a checkpoint folder (policy/checkpoint.h). Errors as LoadCheckpoint:
  // NOT_FOUND, INVALID_ARGUMENT, DATA_LOSS naming the file.
  static absl::StatusOr<std::unique_ptr<PolicyRuntime>> Load(const std::string& checkpoint_dir,
                                                             RuntimeOptions options = {});
  virtual ~PolicyRuntime() = default;

  // One completion per request, generated as one batch. INVALID_ARGUMENT
  // naming requests[i].<field> for bad parameters (policy/sampler.h).
  virtual absl::StatusOr<std::vector<TextCompletion>> Generate(
      const std::vector<TextRequest>& requests) = 0;

  virtual const GptConfig& config() const = 0;
  virtual const Tokenizer& tokenizer() const = 0;
};

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_POLICY_RUNTIME_H_
