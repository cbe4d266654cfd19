// (context, A, B) pairs for preference-model tests and simulated labelers:
// two different known responses to one prompt, with their gold rewards.
//
// Same seed → same pairs. Not thread-safe: one generator per thread.
#ifndef SHAMMIE_SIM_COMPARISON_PAIRS_H_
#define SHAMMIE_SIM_COMPARISON_PAIRS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/task_generator.h"

namespace shammie::sim {

struct ComparisonPair {
  std::string context;  // "\n\nHuman: …\n\nAssistant:"
  std::string a, b;     // responses, each starting with a space
  double gold_a = 0, gold_b = 0;
  PromptFamily family = PromptFamily::kArithmetic;
};

class PairGenerator {
 public:
  explicit PairGenerator(uint64_t seed, TaskOptions options = {});

  // A pair whose gold rewards differ (ties teach nothing and have no "right"
  // label); A and B are in random order.
  ComparisonPair Next();
  std::vector<ComparisonPair> Take(int n);

 private:
  TaskGenerator tasks_;
  SimRng rng_;
};

}  // namespace shammie::sim

#endif  // SHAMMIE_SIM_COMPARISON_PAIRS_H_
