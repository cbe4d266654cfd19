// A token bucket per key (a labeler's token name, or a client address for
// requests that fail to authenticate), so one runaway client cannot starve the
// collector. The HTTP API answers a refused request with 429 and Retry-After.
//
// Thread-safe. The clock is not owned and must outlive the limiter.
#ifndef SHAMMIE_SERVICES_COLLECTOR_RATE_LIMITER_H_
#define SHAMMIE_SERVICES_COLLECTOR_RATE_LIMITER_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace shammie::collector {

struct RateLimitOptions {
  // Sustained requests per second per key; 0 turns limiting off.
  double per_second = 20;
  // Requests a key may make at once after being idle.
  double burst = 60;
};

class RateLimiter {
 public:
  RateLimiter(const RateLimitOptions& options, const common::Clock* clock);

  // OK and one request counted, or RESOURCE_EXHAUSTED saying when to retry
  // (RetryAfterSeconds reads it back).
  absl::Status Admit(absl::string_view key);

  // Whole seconds (≥ 1) a refused caller should wait, from Admit's status.
  static int RetryAfterSeconds(const absl::Status& refused);

 private:
  struct Bucket {
    double tokens;
    absl::Time refilled_at;
  };

  const RateLimitOptions options_;
  const common::Clock* const clock_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_RATE_LIMITER_H_
