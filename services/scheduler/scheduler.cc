#include "services/scheduler/scheduler.h"

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace shammie::scheduler {
namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}
absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(t));
}

}  // namespace

CadenceState CadenceFromProto(const v1::Schedule& s) {
  CadenceState c;
  c.paused = s.paused();
  if (s.has_period()) c.period = absl::Nanoseconds(TimeUtil::DurationToNanoseconds(s.period()));
  if (s.has_anchor()) c.anchor = FromProto(s.anchor());
  c.last_fired = s.has_last_fired() ? FromProto(s.last_fired()) : absl::InfinitePast();
  return c;
}

v1::Schedule ScheduleToProto(const CadenceState& c) {
  v1::Schedule s;
  s.set_paused(c.paused);
  *s.mutable_period() = TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(c.period));
  *s.mutable_anchor() = ToProto(c.anchor);
  if (c.last_fired != absl::InfinitePast()) *s.mutable_last_fired() = ToProto(c.last_fired);
  return s;
}

absl::StatusOr<std::unique_ptr<Scheduler>> Scheduler::Open(SchedulerOptions options,
                                                           Pipeline* pipeline,
                                                           common::Clock* clock) {
  SHAMMIE_ASSIGN_OR_RETURN(auto store, storage::IterationStore::Open({options.data_dir}));
  SHAMMIE_ASSIGN_OR_RETURN(auto stored, store->GetSchedule());
  const absl::Time now = clock->Now();
  Cadence cadence = stored ? Cadence(CadenceFromProto(*stored))
                           : Cadence::StartingAt(options.cadence, now);
  if (options.period_override || options.anchor_override) {
    CadenceState s = cadence.state();
    absl::Duration period = options.period_override.value_or(s.period);
    absl::Time anchor = options.anchor_override.value_or(s.anchor);
    // Only a real change resets the grid; restarting with the same flags
    // must not forget a due time missed while down.
    if (period != s.period || anchor != s.anchor) cadence.Reset(period, anchor, now);
  }
  SHAMMIE_RETURN_IF_ERROR(store->PutSchedule(ScheduleToProto(cadence.state())));
  return std::unique_ptr<Scheduler>(
      new Scheduler(std::move(options), pipeline, clock, std::move(store), cadence));
}

Scheduler::Scheduler(SchedulerOptions options, Pipeline* pipeline, common::Clock* clock,
                     std::unique_ptr<storage::IterationStore> store, Cadence cadence)
    : options_(std::move(options)),
      pipeline_(pipeline),
      clock_(clock),
      store_(std::move(store)),
      runner_(options_.iteration, pipeline, store_.get(), clock),
      cadence_(cadence) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  absl::MutexLock lock(&mu_);
  if (worker_.joinable()) return;
  stop_ = false;
  stopping_ = false;
  worker_ = std::thread([this] { WorkerLoop(); });
}

void Scheduler::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
    wake_.SignalAll();
  }
  stopping_ = true;  // the runner returns with the iteration still in its stage
  if (worker_.joinable()) worker_.join();
}

bool Scheduler::EnoughComparisons() {
  const int64_t need = options_.iteration.min_comparisons;
  if (need <= 1) return true;
  auto stats = pipeline_->GetStats();
  // Unreachable collector: let the round start; SNAPSHOT retries and fails
  // with the collector's error, which tells the operator more than waiting.
  if (!stats.ok()) return true;
  if (stats->last_seq() >= static_cast<uint64_t>(need)) return true;
  if (!waiting_logged_) {
    SHAMMIE_LOG(INFO) << "a round is due; waiting for comparisons (" << stats->last_seq() << "/"
                      << need << ")";
    waiting_logged_ = true;
  }
  return false;
}

void Scheduler::WorkerLoop() {
  while (true) {
    std::string id;
    bool due = false;
    {
      absl::MutexLock lock(&mu_);
      due = cadence_.NextFire(clock_->Now()) <= clock_->Now();
    }
    // A due round with too few comparisons waits (re-checked every tick)
    // rather than failing: a slow week of labeling should delay the run,
    // not lose it.
    const bool ready = !due || EnoughComparisons();
    {
      absl::MutexLock lock(&mu_);
      if (stop_) return;
      auto active = store_->Active();
      if (!active.ok()) {
        SHAMMIE_LOG(ERROR) << "reading the active iteration: " << active.status();
      } else if (active->has_value()) {
        id = (*active)->id();
        running_id_ = id;
        live_ = **active;
        cancel_ = cancel_target_ == id;
      } else if (ready && cadence_.ConsumeDue(clock_->Now())) {
        waiting_logged_ = false;
        // The key names the due time, so a crash between firing and
        // persisting the cadence cannot start the same round twice.
        std::string key = absl::StrCat(
            "schedule/", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", cadence_.state().last_fired,
                                          absl::UTCTimeZone()));
        PersistScheduleLocked().IgnoreError();
        auto created = store_->Create(key, clock_->Now());
        if (!created.ok()) SHAMMIE_LOG(ERROR) << "scheduled iteration: " << created.status();
        else SHAMMIE_LOG(INFO) << "cadence started " << created->id();
        continue;
      }
      if (id.empty()) {
        absl::Time next = cadence_.NextFire(clock_->Now());
        absl::Duration wait = ready ? std::min(options_.tick, std::max(absl::ZeroDuration(), next - clock_->Now()))
                                    : options_.tick;
        wake_.WaitWithTimeout(&mu_, std::max(wait, absl::Milliseconds(10)));
        continue;
      }
    }
    SHAMMIE_LOG(INFO) << "running " << id;
    auto done = runner_.Run(id, cancel_, stopping_, [this](const v1::Iteration& it) {
      {
        absl::MutexLock lock(&mu_);
        live_ = it;
      }
      Publish(it);
    });
    absl::MutexLock lock(&mu_);
    running_id_.clear();
    live_.reset();
    if (stop_) return;
    if (!done.ok()) {
      SHAMMIE_LOG(ERROR) << id << ": store failed, will resume: " << done.status();
      wake_.WaitWithTimeout(&mu_, absl::Seconds(1));
    } else {
      SHAMMIE_LOG(INFO) << id << " ended " << v1::IterationStage_Name(done->stage());
    }
    wake_.SignalAll();  // Cancel() waits for the end
  }
}

void Scheduler::Publish(const v1::Iteration& it) {
  absl::MutexLock lock(&listeners_mu_);
  for (auto& [handle, listener] : listeners_) listener(it);
}

int Scheduler::Subscribe(Listener listener) {
  absl::MutexLock lock(&listeners_mu_);
  int handle = next_listener_++;
  listeners_[handle] = std::move(listener);
  return handle;
}

void Scheduler::Unsubscribe(int handle) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.erase(handle);
}

absl::StatusOr<v1::Iteration> Scheduler::Trigger(const std::string& key) {
  SHAMMIE_ASSIGN_OR_RETURN(v1::Iteration it, store_->Create(key, clock_->Now()));
  {
    absl::MutexLock lock(&mu_);
    wake_.SignalAll();
  }
  Publish(it);
  return it;
}

absl::StatusOr<v1::Iteration> Scheduler::Get(const std::string& id) {
  {
    absl::MutexLock lock(&mu_);
    if (live_ && live_->id() == id) return *live_;
  }
  return store_->Get(id);
}

absl::StatusOr<std::vector<v1::Iteration>> Scheduler::List() {
  SHAMMIE_ASSIGN_OR_RETURN(auto all, store_->List());
  absl::MutexLock lock(&mu_);
  for (auto& it : all) {
    if (live_ && live_->id() == it.id()) it = *live_;
  }
  return all;
}

absl::StatusOr<v1::Iteration> Scheduler::Cancel(const std::string& id) {
  SHAMMIE_ASSIGN_OR_RETURN(v1::Iteration it, store_->Get(id));
  if (storage::IsTerminal(it.stage())) {
    return absl::FailedPreconditionError(
        absl::StrCat(id, " already ended ", v1::IterationStage_Name(it.stage())));
  }
  absl::MutexLock lock(&mu_);
  cancel_target_ = id;
  if (running_id_ == id) cancel_ = true;
  wake_.SignalAll();
  // The worker picks up an active iteration at once and the runner checks
  // the flag before each stage and on every poll, so this is quick.
  absl::Time deadline = clock_->Now() + absl::Seconds(60);
  while (true) {
    auto now = store_->Get(id);
    if (!now.ok()) return now.status();
    if (storage::IsTerminal(now->stage())) return *now;
    if (clock_->Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(id, " did not stop within 60 s"));
    }
    wake_.WaitWithTimeout(&mu_, absl::Milliseconds(100));
  }
}

v1::Schedule Scheduler::ScheduleLocked() {
  v1::Schedule s = ScheduleToProto(cadence_.state());
  absl::Time next = cadence_.NextFire(clock_->Now());
  if (next != absl::InfiniteFuture()) *s.mutable_next_due() = ToProto(next);
  return s;
}

absl::Status Scheduler::PersistScheduleLocked() {
  return store_->PutSchedule(ScheduleToProto(cadence_.state()));
}

v1::Schedule Scheduler::GetSchedule() {
  absl::MutexLock lock(&mu_);
  return ScheduleLocked();
}

absl::StatusOr<v1::Schedule> Scheduler::SetSchedule(const v1::Schedule& request) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  CadenceState s = cadence_.state();
  absl::Duration period = s.period;
  if (request.has_period()) {
    period = absl::Nanoseconds(TimeUtil::DurationToNanoseconds(request.period()));
    if (period <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("period: must be > 0");
    }
  }
  absl::Time anchor = request.has_anchor() ? FromProto(request.anchor()) : s.anchor;
  if (period != s.period || anchor != s.anchor) cadence_.Reset(period, anchor, now);
  if (request.paused()) cadence_.Pause();
  else cadence_.Resume(now);
  SHAMMIE_RETURN_IF_ERROR(PersistScheduleLocked());
  wake_.SignalAll();
  return ScheduleLocked();
}

}  // namespace shammie::scheduler
