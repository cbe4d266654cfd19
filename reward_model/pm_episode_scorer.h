// A PM checkpoint as PPO's episode scorer: the PM reads context + response +
// its end-of-context token and reports raw score − score_offset (so the base
// policy's samples average 0, and β keeps its meaning across PMs).
//
// Scores the policy's token ids directly: the PM must be built on the
// policy's tokenizer (the PPO trainer checks vocab_size and eos at StartJob).
// A response that ended with end-of-text is scored without it (the PM adds
// its own). Rows longer than the PM's n_positions keep their end.
//
// Torch-free header (services include it). The scorer is not thread-safe.
#ifndef SHAMMIE_REWARD_MODEL_PM_EPISODE_SCORER_H_
#define SHAMMIE_REWARD_MODEL_PM_EPISODE_SCORER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "policy/ppo_episode.h"

namespace shammie::reward_model {

// NOT_FOUND / DATA_LOSS from the PM checkpoint loader, prefixed with `dir`.
absl::StatusOr<std::unique_ptr<policy::EpisodeScorer>> LoadPmEpisodeScorer(const std::string& dir);

}  // namespace shammie::reward_model

#endif  // SHAMMIE_REWARD_MODEL_PM_EPISODE_SCORER_H_
