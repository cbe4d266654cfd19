// How to sample a response: the knobs of policy::Sampler, torch-free so
// services (the collector's sampler, `shammie up`) can fill them in through
// policy/policy_runtime.h.
#ifndef SHAMMIE_POLICY_SAMPLING_PARAMS_H_
#define SHAMMIE_POLICY_SAMPLING_PARAMS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace shammie::policy {

struct SamplingParams {
  // 0 = greedy (argmax); otherwise logits are divided by it.
  double temperature = 1.0;
  // Keep only the k most likely tokens; 0 = off.
  int64_t top_k = 0;
  // Keep the smallest set of most likely tokens whose mass reaches top_p
  // (applied after top-k); 1 = off. Must be in (0, 1].
  double top_p = 1.0;
  // Generation stops after this many tokens ("length").
  int64_t max_new_tokens = 64;
  // Generation stops when the decoded response contains one of these; the
  // returned text ends before it. Needs a Detokenizer.
  std::vector<std::string> stop;
  uint64_t seed = 0;
};

enum class FinishReason { kLength, kEndOfText, kStopString };
const char* FinishReasonName(FinishReason r);  // "length", "eos", "stop"

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_SAMPLING_PARAMS_H_
