// When the scheduler starts an iteration on its own: a period and an anchor.
//
// Due times are anchor + k·period for every integer k. The cadence fires when
// the latest due time at or before `now` is later than the last due time it
// fired for. Because only the latest due time counts, a scheduler that was
// down across several due times fires ONCE when it comes back, not once per
// missed period. While paused it never fires; resuming does not fire for the
// due times that passed during the pause (the operator paused them on
// purpose) — the next due time after the resume does.
//
// Pure logic: time comes from the caller (the scheduler passes its injected
// common::Clock), so tests drive it with ManualClock. Not thread-safe: the
// owner serializes access (the scheduler holds it under its mutex).
#ifndef SHAMMIE_SERVICES_SCHEDULER_CADENCE_H_
#define SHAMMIE_SERVICES_SCHEDULER_CADENCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace shammie::scheduler {

// The persistent state of a cadence; the iteration store saves it as is.
struct CadenceState {
  absl::Duration period = absl::Hours(24 * 7);
  // Default: Monday 1970-01-05 00:00 UTC, so due times fall on Mondays 00:00.
  absl::Time anchor = absl::FromUnixSeconds(4 * 86400);
  bool paused = false;
  // The due time the cadence last fired for (or skipped over when it was
  // created or resumed). InfinitePast() = never.
  absl::Time last_fired = absl::InfinitePast();
};

class Cadence {
 public:
  // REQUIRES: state.period > 0 (ValidatePeriod).
  explicit Cadence(CadenceState state) : state_(state) {}

  // A new cadence that starts counting at `now`: due times at or before `now`
  // are treated as already handled, so creating a schedule does not fire.
  static Cadence StartingAt(CadenceState state, absl::Time now);

  // The latest due time <= now. Due times extend before the anchor too
  // (k may be negative), so this is finite for any finite `now`.
  absl::Time LatestDueAtOrBefore(absl::Time now) const;
  // The first due time strictly after `t`.
  absl::Time NextDueAfter(absl::Time t) const;
  // The next time the cadence will fire (InfiniteFuture() while paused).
  absl::Time NextFire(absl::Time now) const;

  // True when an iteration is due at `now`; marks that due time as fired, so
  // a second call before the next due time returns false.
  bool ConsumeDue(absl::Time now);

  void Pause();
  // Due times that passed while paused are skipped (see the file comment).
  void Resume(absl::Time now);
  // Changes period and/or anchor; due times at or before `now` under the new
  // cadence count as handled (changing the cadence never fires at once).
  void Reset(absl::Duration period, absl::Time anchor, absl::Time now);

  const CadenceState& state() const { return state_; }

 private:
  CadenceState state_;
};

// "30s", "90m", "1h30m", "7d", "2w", "1d12h": absl durations plus d (24 h)
// and w (7 d). INVALID_ARGUMENT naming `field` when malformed or not > 0.
absl::StatusOr<absl::Duration> ParsePeriod(absl::string_view text, absl::string_view field);
// RFC 3339 ("2026-11-30T00:00:00Z"). INVALID_ARGUMENT naming `field`.
absl::StatusOr<absl::Time> ParseAnchor(absl::string_view text, absl::string_view field);
// "7d", "30s", "1d12h" — the inverse of ParsePeriod for whole seconds.
std::string FormatPeriod(absl::Duration period);

}  // namespace shammie::scheduler

#endif  // SHAMMIE_SERVICES_SCHEDULER_CADENCE_H_
