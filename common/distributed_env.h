// Where a data-parallel process stands: its rank among world_size
// processes and the rendezvous address, read from the torchrun variables
// RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT. Torch-free (services read it
// in main; common/process_group.h connects). Shared by the PM trainer
// (reward_model/) and the PPO trainer (policy/, services/ppo_trainer/).
#ifndef SHAMMIE_COMMON_DISTRIBUTED_ENV_H_
#define SHAMMIE_COMMON_DISTRIBUTED_ENV_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace shammie::common {

struct DistributedOptions {
  int64_t rank = 0;
  int64_t world_size = 1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  absl::Duration timeout = absl::Seconds(60);  // waiting for the other ranks
};

// From the torchrun variables; world_size 1 when WORLD_SIZE is unset.
// INVALID_ARGUMENT naming the variable when one is malformed or
// RANK >= WORLD_SIZE, or when MASTER_ADDR/MASTER_PORT are missing with
// WORLD_SIZE > 1.
absl::StatusOr<DistributedOptions> DistributedOptionsFromEnv();

}  // namespace shammie::common

#endif  // SHAMMIE_COMMON_DISTRIBUTED_ENV_H_
