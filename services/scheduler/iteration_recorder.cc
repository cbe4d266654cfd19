#include "services/scheduler/iteration_recorder.h"

#include <cmath>
#include <optional>

#include "common/log.h"
#include "google/protobuf/util/time_util.h"

namespace shammie::scheduler {
namespace {

using google::protobuf::util::TimeUtil;

bool IsTerminal(v1::IterationStage s) {
  return s == v1::SUCCEEDED || s == v1::FAILED || s == v1::CANCELLED;
}

// The iteration's Elo is fitted in EVALUATE; before that the field is unset.
bool HasElo(const v1::Iteration& it) {
  return it.stage() >= v1::DEPLOY && it.stage() <= v1::SUCCEEDED &&
         !it.policy_snapshot().empty() && std::isfinite(it.elo());
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(t));
}

}  // namespace

IterationRecorder::IterationRecorder(IterationRecorderOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : common::Clock::Real()) {
  if (options_.metrics) metrics_ = std::make_unique<metrics::IterationMetrics>(options_.metrics);
  if (options_.history == nullptr) return;
  // The Elo table carries over from the newest record (a restarted scheduler
  // keeps its table).
  auto records = options_.history->List();
  if (!records.ok() || records->empty()) return;
  absl::MutexLock lock(&mu_);
  for (const v1::EloRating& e : records->back().elo()) elo_[e.policy()] = e;
}

void IterationRecorder::Observe(const v1::Iteration& it) {
  absl::MutexLock lock(&mu_);
  Seen& seen = seen_[it.id()];
  RecordMetrics(it, &seen);
  RecordHistory(it, &seen);
  if (it.stage() != seen.stage) {
    seen.stage = it.stage();
    seen.stage_started =
        it.has_stage_started_at() ? FromProto(it.stage_started_at()) : clock_->Now();
  }
}

void IterationRecorder::RecordMetrics(const v1::Iteration& it, Seen* seen) {
  if (!metrics_) return;
  if (it.stage() != seen->stage) {
    // The stage that just ended, timed from when it started (the stored
    // start, so a stage resumed after a restart reports its whole length).
    if (seen->stage != v1::STAGE_UNSPECIFIED && !IsTerminal(seen->stage)) {
      metrics_->ObserveStageDuration(seen->stage, clock_->Now() - seen->stage_started);
    }
    metrics_->EnterStage(it.id(), it.stage());
  }
  if (!IsTerminal(it.stage())) metrics_->SetStageProgress(it.stage_progress());
  if (HasElo(it)) {
    metrics_->SetElo(it.policy_snapshot(), it.elo(), it.elo_ci_low(), it.elo_ci_high());
  }
}

void IterationRecorder::RecordHistory(const v1::Iteration& it, Seen* seen) {
  if (options_.history == nullptr) return;
  // Job reports, fetched outside the record update so a slow trainer does not
  // hold the file. PM reports once both PMs are done; the PPO curve while it
  // grows (throttled) and once more when final.
  std::optional<v1::PmReport> pm, test_pm;
  std::optional<v1::PpoReport> ppo;
  Pipeline* p = options_.pipeline;
  const bool past_pm = it.stage() > v1::TRAIN_PM && it.stage() <= v1::SUCCEEDED;
  if (p != nullptr && past_pm && !seen->pm_reports && !it.pm_job().empty()) {
    if (auto job = p->GetPmJob(it.pm_job()); job.ok()) pm = job->report();
    if (!it.test_pm_job().empty()) {
      if (auto job = p->GetPmJob(it.test_pm_job()); job.ok()) test_pm = job->report();
    }
    seen->pm_reports = pm.has_value();
  }
  const absl::Time now = clock_->Now();
  const bool final_ppo = it.stage() > v1::TRAIN_POLICY && it.stage() <= v1::SUCCEEDED;
  if (p != nullptr && !it.ppo_job().empty() && !seen->ppo_final &&
      (final_ppo || now - seen->last_report_fetch >= options_.report_interval)) {
    seen->last_report_fetch = now;
    if (auto job = p->GetPpoJob(it.ppo_job()); job.ok()) {
      ppo = job->report();
      seen->ppo_final = final_ppo;
    }
  }
  if (HasElo(it)) {
    v1::EloRating& row = elo_[it.policy_snapshot()];
    row.set_policy(it.policy_snapshot());
    row.set_elo(it.elo());
    row.set_low(it.elo_ci_low());
    row.set_high(it.elo_ci_high());
    v1::EloRating& base = elo_[options_.base_snapshot];
    base.set_policy(options_.base_snapshot);  // the anchor: 0 by definition
  }
  if (it.stage() == seen->stage && !pm && !ppo &&
      now - seen->last_write < options_.progress_interval) {
    return;
  }
  seen->last_write = now;
  absl::Status s = options_.history->Update(it.id(), [&](v1::IterationRecord* r) {
    *r->mutable_iteration() = it;
    if (pm) *r->mutable_pm() = *pm;
    if (test_pm) *r->mutable_test_pm() = *test_pm;
    if (ppo) *r->mutable_ppo() = *ppo;
    if (!elo_.empty() && it.stage() >= v1::DEPLOY) {
      r->clear_elo();
      // Base first, then snapshots in name order (policy-0001, …).
      if (auto b = elo_.find(options_.base_snapshot); b != elo_.end()) *r->add_elo() = b->second;
      for (const auto& [name, row] : elo_) {
        if (name != options_.base_snapshot) *r->add_elo() = row;
      }
    }
  });
  if (!s.ok()) {
    SHAMMIE_LOG(WARNING) << "iteration history for " << it.id() << ": " << s;
  }
}

}  // namespace shammie::scheduler
