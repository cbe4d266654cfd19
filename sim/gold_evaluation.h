// The number that proves the loop works: a policy's mean gold reward on a
// fixed, seeded set of the synthetic task's prompts (Gao et al. 2022's
// "gold" score). The same prompts for every policy, so iterations compare.
//
// Torch-free: the policy is a function from a dialog to a reply (shammie up
// passes policy-model's generator). Thread-compatible.
#ifndef SHAMMIE_SIM_GOLD_EVALUATION_H_
#define SHAMMIE_SIM_GOLD_EVALUATION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace shammie::sim {

struct GoldEvaluationOptions {
  int prompts = 128;        // how many prompts
  int samples_per_prompt = 1;
  uint64_t seed = 20221019; // prompt set (fixed across iterations)
};

// reply(dialog, seed) → the assistant's reply to "\n\nHuman: …\n\nAssistant:".
using ReplyFunction = std::function<absl::StatusOr<std::string>(const std::string& dialog, uint64_t seed)>;

// Mean GoldReward over the prompt set. Errors from `reply` pass through.
absl::StatusOr<double> MeanGoldReward(const ReplyFunction& reply, const GoldEvaluationOptions& options = {});

}  // namespace shammie::sim

#endif  // SHAMMIE_SIM_GOLD_EVALUATION_H_
