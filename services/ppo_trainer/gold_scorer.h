// The synthetic task's hidden gold reward (sim/gold_reward.h) as a PPO
// episode scorer: what proves, on the synthetic task, that PPO improved the
// policy and not only the PM's opinion of it. Torch-free; thread-safe.
#ifndef SHAMMIE_SERVICES_PPO_TRAINER_GOLD_SCORER_H_
#define SHAMMIE_SERVICES_PPO_TRAINER_GOLD_SCORER_H_

#include "policy/ppo_episode.h"
#include "sim/gold_reward.h"

namespace shammie::ppo_trainer {

class GoldScorer : public policy::EpisodeScorer {
 public:
  absl::StatusOr<std::vector<double>> Score(const std::vector<policy::Episode>& episodes) override {
    std::vector<double> out;
    out.reserve(episodes.size());
    for (const policy::Episode& e : episodes) {
      out.push_back(sim::GoldReward::Reward(e.prompt->context, e.response));
    }
    return out;
  }
};

}  // namespace shammie::ppo_trainer

#endif  // SHAMMIE_SERVICES_PPO_TRAINER_GOLD_SCORER_H_
