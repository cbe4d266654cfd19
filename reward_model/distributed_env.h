// Where a data-parallel process stands: its rank among world_size
// processes and the rendezvous address, read from the torchrun variables
// RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT. Torch-free (services read it
// in main; pm_distributed.h connects).
#ifndef SHAMMIE_REWARD_MODEL_DISTRIBUTED_ENV_H_
#define SHAMMIE_REWARD_MODEL_DISTRIBUTED_ENV_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace shammie::reward_model {

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

}  // namespace shammie::reward_model

#endif  // SHAMMIE_REWARD_MODEL_DISTRIBUTED_ENV_H_
