#include "sim/comparison_pairs.h"

#include <cmath>

#include "sim/gold_reward.h"

namespace shammie::sim {

PairGenerator::PairGenerator(uint64_t seed, TaskOptions options)
    // The pair order stream is separate from the task stream so that changing
    // how pairs are ordered does not change which prompts are drawn.
    : tasks_(seed, options), rng_(seed ^ 0x5DEECE66Dull) {}

ComparisonPair PairGenerator::Next() {
  for (;;) {
    const Prompt prompt = tasks_.NextPrompt();
    const std::vector<Candidate> candidates = tasks_.Candidates(prompt);
    const int64_t n = static_cast<int64_t>(candidates.size());
    const int64_t i = rng_.Uniform(n);
    const int64_t j = (i + 1 + rng_.Uniform(n - 1)) % n;
    ComparisonPair pair;
    pair.context = prompt.context;
    pair.family = prompt.spec.family;
    pair.a = candidates[i].response;
    pair.b = candidates[j].response;
    pair.gold_a = GoldReward::Reward(pair.context, pair.a);
    pair.gold_b = GoldReward::Reward(pair.context, pair.b);
    if (std::abs(pair.gold_a - pair.gold_b) > 1e-9) return pair;
  }
}

std::vector<ComparisonPair> PairGenerator::Take(int n) {
  std::vector<ComparisonPair> pairs;
  pairs.reserve(n);
  for (int k = 0; k < n; ++k) pairs.push_back(Next());
  return pairs;
}

}  // namespace shammie::sim
