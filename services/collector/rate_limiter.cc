// Token buckets for rate_limiter.h.
#include "services/collector/rate_limiter.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace shammie::collector {
namespace {

constexpr absl::string_view kRetryAfterUrl = "type.shammie.dev/retry-after-seconds";
// Buckets idle this long are full again; past this many keys, drop them so a
// flood of distinct keys cannot grow the map without bound.
constexpr size_t kMaxKeys = 100000;

}  // namespace

RateLimiter::RateLimiter(const RateLimitOptions& options, const common::Clock* clock)
    : options_(options), clock_(clock) {}

absl::Status RateLimiter::Admit(absl::string_view key) {
  if (options_.per_second <= 0) return absl::OkStatus();
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&mu_);
  if (buckets_.size() >= kMaxKeys && !buckets_.contains(key)) {
    const absl::Duration full = absl::Seconds(options_.burst / options_.per_second);
    absl::erase_if(buckets_, [&](const auto& kv) { return now - kv.second.refilled_at >= full; });
  }
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{options_.burst, now});
  Bucket& b = it->second;
  const double elapsed = absl::ToDoubleSeconds(now - b.refilled_at);
  b.tokens = std::min(options_.burst, b.tokens + std::max(0.0, elapsed) * options_.per_second);
  b.refilled_at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return absl::OkStatus();
  }
  const int wait = std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / options_.per_second)));
  absl::Status refused = absl::ResourceExhaustedError(
      absl::StrCat("too many requests from \"", key, "\"; retry in ", wait, " s"));
  refused.SetPayload(kRetryAfterUrl, absl::Cord(absl::StrCat(wait)));
  return refused;
}

int RateLimiter::RetryAfterSeconds(const absl::Status& refused) {
  int seconds = 1;
  if (auto payload = refused.GetPayload(kRetryAfterUrl)) {
    if (!absl::SimpleAtoi(std::string(*payload), &seconds) || seconds < 1) seconds = 1;
  }
  return seconds;
}

}  // namespace shammie::collector
