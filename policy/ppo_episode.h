// What PPO samples and what scores it: an episode is one prompt and the
// policy's response; an EpisodeScorer gives each episode a scalar (the PM
// score with its offset, the test PM's, or the synthetic task's gold
// reward). Torch-free, so the PM (reward_model/) and the gold reward (sim/)
// plug in without policy/ depending on them.
#ifndef SHAMMIE_POLICY_PPO_EPISODE_H_
#define SHAMMIE_POLICY_PPO_EPISODE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace shammie::policy {

struct PpoPrompt {
  std::string context;               // "\n\nHuman: …\n\nAssistant:"
  std::vector<int64_t> context_ids;  // the policy tokenizer's ids, non-empty
};

struct Episode {
  const PpoPrompt* prompt = nullptr;   // not owned; lives in the trainer's prompt set
  std::vector<int64_t> response_ids;   // >= 1 token; ends with end-of-text if it stopped
  std::string response;                // decoded, without end-of-text
};

// Scores a batch of episodes. Implementations say their own thread-safety;
// the trainer calls one scorer from one thread at a time.
class EpisodeScorer {
 public:
  virtual ~EpisodeScorer() = default;
  // One finite score per episode, in order. A non-finite score is passed on
  // (the trainer fails the step on a non-finite loss).
  virtual absl::StatusOr<std::vector<double>> Score(const std::vector<Episode>& episodes) = 0;
};

struct PpoScorers {
  EpisodeScorer* reward = nullptr;  // the train PM; required; not owned
  EpisodeScorer* test = nullptr;    // the test PM; optional; not owned
  EpisodeScorer* gold = nullptr;    // the synthetic task's gold reward; optional; not owned
};

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PPO_EPISODE_H_
