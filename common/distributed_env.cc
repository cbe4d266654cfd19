#include "common/distributed_env.h"

#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace shammie::common {

absl::StatusOr<DistributedOptions> DistributedOptionsFromEnv() {
  DistributedOptions o;
  auto read = [](const char* name, int64_t* out) -> absl::Status {
    const char* v = std::getenv(name);
    if (v == nullptr) return absl::OkStatus();
    if (!absl::SimpleAtoi(v, out)) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": not an integer: \"", v, "\""));
    }
    return absl::OkStatus();
  };
  if (auto s = read("WORLD_SIZE", &o.world_size); !s.ok()) return s;
  if (auto s = read("RANK", &o.rank); !s.ok()) return s;
  if (o.world_size < 1) return absl::InvalidArgumentError("WORLD_SIZE: must be >= 1");
  if (o.rank < 0 || o.rank >= o.world_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("RANK: must be in [0, WORLD_SIZE=", o.world_size, "), got ", o.rank));
  }
  if (o.world_size == 1) return o;
  const char* addr = std::getenv("MASTER_ADDR");
  const char* port = std::getenv("MASTER_PORT");
  if (addr == nullptr) return absl::InvalidArgumentError("MASTER_ADDR: required when WORLD_SIZE > 1");
  if (port == nullptr) return absl::InvalidArgumentError("MASTER_PORT: required when WORLD_SIZE > 1");
  o.master_addr = addr;
  if (!absl::SimpleAtoi(port, &o.master_port) || o.master_port <= 0 || o.master_port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("MASTER_PORT: not a port: \"", port, "\""));
  }
  return o;
}

}  // namespace shammie::common
