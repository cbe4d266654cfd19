// Ranks 1…W−1 of a data-parallel `shammie-ppo-trainer`: no gRPC, no job
// store; they wait for rank 0's jobs (ppo_ranks.h), build the same run,
// and take every step with rank 0 on their share of each batch. Rank 0
// writes the checkpoints, metrics and reports; followers write nothing.
//
// Torch-free. Blocks the calling thread.
#ifndef SHAMMIE_SERVICES_PPO_TRAINER_PPO_FOLLOWER_H_
#define SHAMMIE_SERVICES_PPO_TRAINER_PPO_FOLLOWER_H_

#include <functional>

#include "absl/status/status.h"
#include "services/ppo_trainer/ppo_job.h"
#include "services/ppo_trainer/ppo_ranks.h"

namespace shammie::ppo_trainer {

// Follows jobs until `stop` turns true while idle (OK), or rank 0 is gone
// (UNAVAILABLE: the store or a collective failed). A job that fails on this
// rank is logged and left; the follower goes back to waiting.
absl::Status FollowRankZero(RankChannel& ranks, const PmLoader& load_pm,
                            const std::function<bool()>& stop);

}  // namespace shammie::ppo_trainer

#endif  // SHAMMIE_SERVICES_PPO_TRAINER_PPO_FOLLOWER_H_
