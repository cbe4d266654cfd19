#include "sim/gold_evaluation.h"

#include "sim/gold_reward.h"
#include "sim/task_generator.h"

namespace shammie::sim {

absl::StatusOr<double> MeanGoldReward(const ReplyFunction& reply, const GoldEvaluationOptions& options) {
  // A fresh generator with a fixed seed: the same prompts for every policy.
  TaskGenerator tasks(options.seed);
  double total = 0;
  int n = 0;
  for (int i = 0; i < options.prompts; ++i) {
    Prompt prompt = tasks.NextPrompt();
    for (int s = 0; s < options.samples_per_prompt; ++s) {
      absl::StatusOr<std::string> r = reply(prompt.context, options.seed + 1000003ull * i + s);
      if (!r.ok()) return r.status();
      total += GoldReward::Reward(prompt.context, *r);
      ++n;
    }
  }
  return n ? total / n : 0.0;
}

}  // namespace shammie::sim
