#include "services/scheduler/cadence.h"

#include <cctype>
#include <cstdint>

#include "absl/strings/str_cat.h"

namespace shammie::scheduler {
namespace {

// floor((t - anchor) / period) with the floor going toward −∞ for times
// before the anchor (absl's IDivDuration truncates toward zero).
int64_t PeriodsSinceAnchor(absl::Time t, absl::Time anchor, absl::Duration period) {
  absl::Duration rem;
  int64_t k = absl::IDivDuration(t - anchor, period, &rem);
  if (rem < absl::ZeroDuration()) --k;
  return k;
}

}  // namespace

Cadence Cadence::StartingAt(CadenceState state, absl::Time now) {
  Cadence c(state);
  c.state_.last_fired = c.LatestDueAtOrBefore(now);
  return c;
}

absl::Time Cadence::LatestDueAtOrBefore(absl::Time now) const {
  return state_.anchor + PeriodsSinceAnchor(now, state_.anchor, state_.period) * state_.period;
}

absl::Time Cadence::NextDueAfter(absl::Time t) const {
  return LatestDueAtOrBefore(t) + state_.period;
}

absl::Time Cadence::NextFire(absl::Time now) const {
  if (state_.paused) return absl::InfiniteFuture();
  absl::Time latest = LatestDueAtOrBefore(now);
  // A due time that passed unfired (downtime) fires at once.
  if (latest > state_.last_fired) return latest;
  return latest + state_.period;
}

bool Cadence::ConsumeDue(absl::Time now) {
  if (state_.paused) return false;
  absl::Time latest = LatestDueAtOrBefore(now);
  if (latest <= state_.last_fired) return false;
  state_.last_fired = latest;  // every missed due time collapses into this one
  return true;
}

void Cadence::Pause() { state_.paused = true; }

void Cadence::Resume(absl::Time now) {
  if (!state_.paused) return;
  state_.paused = false;
  state_.last_fired = LatestDueAtOrBefore(now);
}

void Cadence::Reset(absl::Duration period, absl::Time anchor, absl::Time now) {
  state_.period = period;
  state_.anchor = anchor;
  state_.last_fired = LatestDueAtOrBefore(now);
}

absl::StatusOr<absl::Duration> ParsePeriod(absl::string_view text, absl::string_view field) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", why, " (got \"", text, "\"; e.g. 30s, 90m, 7d, 2w)"));
  };
  if (text.empty()) return bad("empty duration");
  // Split off d/w components by hand (absl::ParseDuration stops at hours);
  // the rest goes to absl::ParseDuration.
  absl::Duration total;
  std::string rest;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() && (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.')) ++j;
    if (j == i) return bad("expected a number");
    size_t u = j;
    while (u < text.size() && std::isalpha(static_cast<unsigned char>(text[u]))) ++u;
    absl::string_view number = text.substr(i, j - i);
    absl::string_view unit = text.substr(j, u - j);
    if (unit.empty()) return bad("missing unit");
    if (unit == "d" || unit == "w") {
      absl::Duration one;
      if (!absl::ParseDuration(absl::StrCat(number, "h"), &one)) return bad("bad number");
      total += one * (unit == "d" ? 24 : 24 * 7);
    } else {
      absl::StrAppend(&rest, number, unit);
    }
    i = u;
  }
  if (!rest.empty()) {
    absl::Duration d;
    if (!absl::ParseDuration(rest, &d)) return bad("bad duration");
    total += d;
  }
  if (total <= absl::ZeroDuration()) return bad("must be > 0");
  return total;
}

absl::StatusOr<absl::Time> ParseAnchor(absl::string_view text, absl::string_view field) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &err)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": expected an RFC 3339 time like 2026-11-30T00:00:00Z (got \"", text, "\": ", err,
        ")"));
  }
  return t;
}

std::string FormatPeriod(absl::Duration period) {
  int64_t s = absl::ToInt64Seconds(period);
  std::string out;
  const std::pair<int64_t, const char*> units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
  for (const auto& [size, name] : units) {
    if (s >= size) {
      absl::StrAppend(&out, s / size, name);
      s %= size;
    }
  }
  return out.empty() ? "0s" : out;
}

}  // namespace shammie::scheduler
