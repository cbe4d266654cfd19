#include "services/scheduler/iteration_runner.h"

#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "services/scheduler/elo.h"

namespace shammie::scheduler {
namespace {

using google::protobuf::util::TimeUtil;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

bool JobDone(v1::JobState s) {
  return s == v1::JOB_SUCCEEDED || s == v1::JOB_FAILED || s == v1::JOB_CANCELLED;
}

double Fraction(const v1::JobStatus& s) {
  if (s.state() == v1::JOB_SUCCEEDED) return 1;
  const auto& p = s.progress();
  return p.total_steps() > 0 ? std::min(1.0, double(p.step()) / p.total_steps()) : 0;
}

// A job that ended other than SUCCEEDED fails the stage with its error.
absl::Status JobOutcome(const char* what, const v1::JobStatus& s) {
  if (s.state() == v1::JOB_SUCCEEDED) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat(what, " job ", s.id(), " ended ",
                                         v1::JobState_Name(s.state()),
                                         s.error().empty() ? "" : ": ", s.error()));
}

}  // namespace

std::string SnapshotNameFor(const std::string& iteration_id) {
  if (iteration_id.rfind("iter-", 0) == 0) return absl::StrCat("policy-", iteration_id.substr(5));
  return absl::StrCat("policy-", iteration_id);
}

IterationRunner::IterationRunner(IterationConfig config, Pipeline* pipeline,
                                 storage::IterationStore* store, common::Clock* clock)
    : config_(std::move(config)), pipeline_(pipeline), store_(store), clock_(clock) {}

void IterationRunner::Notify(const v1::Iteration& it) {
  if (on_change_ && *on_change_) (*on_change_)(it);
}

absl::Status IterationRunner::Commit(v1::Iteration* it, v1::IterationStage stage) {
  if (it->stage() != stage) {
    it->set_stage(stage);
    *it->mutable_stage_started_at() = ToProto(clock_->Now());
    it->set_stage_progress(0);
    it->set_eta_seconds(0);
    it->clear_stage_detail();
  }
  if (storage::IsTerminal(stage)) *it->mutable_finished_at() = ToProto(clock_->Now());
  absl::Status s = store_->Put(*it);
  if (!s.ok()) {
    store_error_ = true;
    return s;
  }
  Notify(*it);
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<T> IterationRunner::Retrying(const std::function<absl::StatusOr<T>()>& fn) {
  absl::Time give_up = clock_->Now() + config_.unavailable_grace;
  while (true) {
    absl::StatusOr<T> r = fn();
    // A peer that is down (UNAVAILABLE) or stuck past its deadline
    // (DEADLINE_EXCEEDED) may come back; every call retried here is
    // idempotent (jobs are keyed by iteration and stage).
    if (r.ok() || (r.status().code() != absl::StatusCode::kUnavailable &&
                   r.status().code() != absl::StatusCode::kDeadlineExceeded)) {
      return r;
    }
    if (cancelled_->load()) return absl::CancelledError("cancelled by operator");
    if (stopping_->load()) return absl::AbortedError("scheduler stopping");
    if (clock_->Now() >= give_up) return r;
    SHAMMIE_LOG(WARNING) << "retrying: " << r.status();
    absl::SleepFor(absl::Seconds(1));
  }
}

absl::StatusOr<v1::Iteration> IterationRunner::Run(
    const std::string& id, const std::atomic<bool>& cancelled, const std::atomic<bool>& stopping,
    const std::function<void(const v1::Iteration&)>& on_change) {
  cancelled_ = &cancelled;
  stopping_ = &stopping;
  on_change_ = &on_change;
  store_error_ = false;
  SHAMMIE_ASSIGN_OR_RETURN(v1::Iteration it, store_->Get(id));
  while (!storage::IsTerminal(it.stage())) {
    if (stopping.load()) return it;
    absl::Status s;
    if (cancelled.load()) {
      s = absl::CancelledError("cancelled by operator");
    } else {
      switch (it.stage()) {
        case v1::PENDING: s = Commit(&it, v1::SNAPSHOT); break;
        case v1::SNAPSHOT: s = Snapshot(&it); break;
        case v1::TRAIN_PM: s = TrainPm(&it); break;
        case v1::TRAIN_POLICY: s = TrainPolicy(&it); break;
        case v1::EVALUATE: s = Evaluate(&it); break;
        case v1::DEPLOY: s = Deploy(&it); break;
        default: s = absl::DataLossError(absl::StrCat("stored stage ", it.stage(), " is unknown"));
      }
    }
    if (store_error_) return s;  // cannot record anything; a later Run resumes
    if (s.ok()) continue;
    if (stopping.load()) return it;  // interrupted by Stop(): resumable, not failed
    if (s.code() == absl::StatusCode::kCancelled) {
      // Cancel whatever job this stage started; the keys make it idempotent.
      if (it.stage() == v1::TRAIN_PM) {
        if (!it.pm_job().empty()) pipeline_->CancelPmJob(it.pm_job()).IgnoreError();
        if (!it.test_pm_job().empty()) pipeline_->CancelPmJob(it.test_pm_job()).IgnoreError();
      }
      if (it.stage() == v1::TRAIN_POLICY && !it.ppo_job().empty()) {
        pipeline_->CancelPpoJob(it.ppo_job()).IgnoreError();
      }
      it.set_error(std::string(s.message()));
      SHAMMIE_RETURN_IF_ERROR(Commit(&it, v1::CANCELLED));
    } else {
      SHAMMIE_LOG(WARNING) << it.id() << " failed in " << v1::IterationStage_Name(it.stage())
                           << ": " << s;
      it.set_error(absl::StrCat(v1::IterationStage_Name(it.stage()), ": ", s.message()));
      SHAMMIE_RETURN_IF_ERROR(Commit(&it, v1::FAILED));
    }
  }
  return it;
}

absl::Status IterationRunner::Snapshot(v1::Iteration* it) {
  // Idempotent: a restart re-reads the stats, but a watermark once written is kept.
  if (it->watermark() == 0) {
    SHAMMIE_ASSIGN_OR_RETURN(v1::Stats stats, Retrying<v1::Stats>([&] { return pipeline_->GetStats(); }));
    if (stats.last_seq() < config_.min_comparisons) {
      return absl::FailedPreconditionError(absl::StrCat(
          "only ", stats.last_seq(), " comparisons collected; need ", config_.min_comparisons));
    }
    it->set_watermark(stats.last_seq());
    it->set_comparisons(stats.last_seq());
  }
  it->set_base_checkpoint(config_.base_checkpoint);
  it->set_policy_snapshot(SnapshotNameFor(it->id()));
  // The previous policy is whatever is deployed now (the last iteration's, or
  // an operator's rollback), so the next round compares new against it.
  auto deployed = Retrying<v1::Deployment>([&] { return pipeline_->GetDeployment(); });
  if (deployed.ok() && deployed->policies_size() > 0) {
    it->set_previous_policy_snapshot(deployed->policies(0).name());
    it->set_previous_policy_checkpoint(deployed->policies(0).checkpoint());
  } else if (deployed.ok() || deployed.status().code() == absl::StatusCode::kNotFound) {
    it->set_previous_policy_snapshot(config_.base_snapshot);
    it->set_previous_policy_checkpoint(config_.base_checkpoint);
  } else {
    return deployed.status();
  }
  return Commit(it, v1::TRAIN_PM);
}

absl::Status IterationRunner::TrainPm(v1::Iteration* it) {
  v1::PmJobSpec spec = config_.pm;
  spec.set_base_checkpoint(config_.base_checkpoint);
  spec.set_watermark(it->watermark());
  spec.set_key(absl::StrCat(it->id(), "/pm"));
  spec.set_data_half(config_.pm_data_half);
  v1::PmJobSpec test_spec = spec;
  test_spec.set_key(absl::StrCat(it->id(), "/test-pm"));
  test_spec.set_data_half(config_.test_pm_data_half);
  test_spec.set_seed(spec.seed() + 1);

  // Start (or, after a restart, find again by key) both jobs, and record
  // their ids before waiting so an operator can see them.
  SHAMMIE_ASSIGN_OR_RETURN(v1::PmJob pm, Retrying<v1::PmJob>([&] { return pipeline_->StartPmJob(spec); }));
  std::optional<v1::PmJob> test_pm;
  if (config_.train_test_pm) {
    SHAMMIE_ASSIGN_OR_RETURN(test_pm, Retrying<v1::PmJob>([&] { return pipeline_->StartPmJob(test_spec); }));
  }
  if (it->pm_job() != pm.status().id() || (test_pm && it->test_pm_job() != test_pm->status().id())) {
    it->set_pm_job(pm.status().id());
    if (test_pm) it->set_test_pm_job(test_pm->status().id());
    SHAMMIE_RETURN_IF_ERROR(Commit(it, v1::TRAIN_PM));
  }
  while (!JobDone(pm.status().state()) || (test_pm && !JobDone(test_pm->status().state()))) {
    if (cancelled_->load()) return absl::CancelledError("cancelled by operator");
    if (stopping_->load()) return absl::AbortedError("scheduler stopping");
    absl::SleepFor(config_.poll_interval);
    SHAMMIE_ASSIGN_OR_RETURN(pm, Retrying<v1::PmJob>([&] { return pipeline_->GetPmJob(it->pm_job()); }));
    if (test_pm) {
      SHAMMIE_ASSIGN_OR_RETURN(test_pm, Retrying<v1::PmJob>([&] { return pipeline_->GetPmJob(it->test_pm_job()); }));
    }
    double f = test_pm ? (Fraction(pm.status()) + Fraction(test_pm->status())) / 2
                       : Fraction(pm.status());
    it->set_stage_progress(f);
    it->set_eta_seconds(pm.status().progress().eta_seconds() +
                        (test_pm ? test_pm->status().progress().eta_seconds() : 0));
    it->set_stage_detail(absl::StrFormat("PM step %d/%d", pm.status().progress().step(),
                                         pm.status().progress().total_steps()));
    Notify(*it);
  }
  SHAMMIE_RETURN_IF_ERROR(JobOutcome("PM", pm.status()));
  if (test_pm) SHAMMIE_RETURN_IF_ERROR(JobOutcome("test PM", test_pm->status()));
  it->set_pm_checkpoint(pm.status().checkpoint());
  if (test_pm) it->set_test_pm_checkpoint(test_pm->status().checkpoint());
  it->set_pm_accuracy(pm.report().test_accuracy());
  it->set_pm_ece(pm.report().ece());
  it->set_pm_gold_accuracy(pm.report().gold_accuracy());
  return Commit(it, v1::TRAIN_POLICY);
}

absl::Status IterationRunner::TrainPolicy(v1::Iteration* it) {
  v1::PpoJobSpec spec = config_.ppo;
  spec.set_key(absl::StrCat(it->id(), "/ppo"));
  // From the INITIAL policy every time (Bai et al.'s online iterations
  // retrain from the base against the newest PM).
  spec.set_policy_checkpoint(config_.base_checkpoint);
  spec.set_reference_checkpoint(config_.base_checkpoint);
  spec.set_pm_checkpoint(it->pm_checkpoint());
  spec.set_test_pm_checkpoint(it->test_pm_checkpoint());
  SHAMMIE_ASSIGN_OR_RETURN(v1::PpoJob job, Retrying<v1::PpoJob>([&] { return pipeline_->StartPpoJob(spec); }));
  if (it->ppo_job() != job.status().id()) {
    it->set_ppo_job(job.status().id());
    SHAMMIE_RETURN_IF_ERROR(Commit(it, v1::TRAIN_POLICY));
  }
  while (!JobDone(job.status().state())) {
    if (cancelled_->load()) return absl::CancelledError("cancelled by operator");
    if (stopping_->load()) return absl::AbortedError("scheduler stopping");
    absl::SleepFor(config_.poll_interval);
    SHAMMIE_ASSIGN_OR_RETURN(job, Retrying<v1::PpoJob>([&] { return pipeline_->GetPpoJob(it->ppo_job()); }));
    const auto& p = job.status().progress();
    it->set_stage_progress(Fraction(job.status()));
    it->set_eta_seconds(p.eta_seconds());
    auto metric = [&](const char* name) {
      auto m = p.metrics().find(name);
      return m == p.metrics().end() ? kNaN : m->second;
    };
    it->set_stage_detail(absl::StrFormat("PPO step %d/%d reward %.3f kl %.3f", p.step(),
                                         p.total_steps(), metric("reward"), metric("kl")));
    Notify(*it);
  }
  SHAMMIE_RETURN_IF_ERROR(JobOutcome("PPO", job.status()));
  it->set_policy_checkpoint(job.status().checkpoint());
  const v1::PpoReport& r = job.report();
  if (r.steps_size() > 0) {
    const v1::PpoStep& last = r.steps(r.steps_size() - 1);
    it->set_reward(last.reward());
    it->set_kl(last.kl());
    it->set_sqrt_kl(last.sqrt_kl());
    it->set_test_reward(last.test_reward());
    it->set_gold_reward(last.gold_reward());
  } else {
    it->set_reward(kNaN);
    it->set_kl(kNaN);
    it->set_sqrt_kl(kNaN);
    it->set_test_reward(kNaN);
    it->set_gold_reward(kNaN);
  }
  it->set_fit_slope(r.fit_b());
  it->set_fit_r2(r.fit_r2());
  return Commit(it, v1::EVALUATE);
}

absl::Status IterationRunner::Evaluate(v1::Iteration* it) {
  if (config_.gold_reward) {
    it->set_stage_detail("gold reward of the new policy");
    Notify(*it);
    SHAMMIE_ASSIGN_OR_RETURN(double gold, config_.gold_reward(it->policy_checkpoint()));
    it->set_gold_reward(gold);
  }
  it->set_stage_detail("Elo refit");
  Notify(*it);
  SHAMMIE_RETURN_IF_ERROR(RefitElo(it));
  return Commit(it, v1::DEPLOY);
}

absl::Status IterationRunner::RefitElo(v1::Iteration* it) {
  std::vector<PairCount> pairs;
  SHAMMIE_RETURN_IF_ERROR(pipeline_->ExportComparisons(0, [&](const v1::Comparison& c) {
    PairCount p;
    if (PairFromComparison(c, &p)) pairs.push_back(std::move(p));
    return true;
  }));
  SHAMMIE_ASSIGN_OR_RETURN(std::vector<v1::Iteration> all, store_->List());
  std::vector<std::string> order = {config_.base_snapshot};
  for (const v1::Iteration& other : all) {
    if (!other.policy_snapshot().empty()) order.push_back(other.policy_snapshot());
  }
  auto fitted = FitElo(order, pairs);
  if (!fitted.ok()) {
    // Elo is a report, not a gate: an unfittable table leaves the scores
    // unset and the iteration goes on.
    SHAMMIE_LOG(WARNING) << "Elo refit skipped: " << fitted.status();
    return absl::OkStatus();
  }
  const auto& scores = *fitted;
  for (const v1::Iteration& other : all) {
    auto s = scores.find(other.policy_snapshot());
    double elo = s == scores.end() ? kNaN : s->second.elo;
    double lo = s == scores.end() ? kNaN : s->second.ci_low;
    double hi = s == scores.end() ? kNaN : s->second.ci_high;
    if (other.id() == it->id()) {
      it->set_elo(elo);
      it->set_elo_ci_low(lo);
      it->set_elo_ci_high(hi);
    } else {
      absl::Status st = store_->UpdateElo(other.id(), elo, lo, hi);
      if (!st.ok()) {
        store_error_ = true;
        return st;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status IterationRunner::Deploy(v1::Iteration* it) {
  std::vector<v1::PolicySnapshot> policies(1);
  policies[0].set_name(it->policy_snapshot());
  policies[0].set_checkpoint(it->policy_checkpoint());
  if (!it->previous_policy_checkpoint().empty() &&
      it->previous_policy_snapshot() != it->policy_snapshot()) {
    policies.emplace_back();
    policies[1].set_name(it->previous_policy_snapshot());
    policies[1].set_checkpoint(it->previous_policy_checkpoint());
  }
  SHAMMIE_RETURN_IF_ERROR(
      Retrying<v1::Deployment>([&] { return pipeline_->DeployPolicies(policies); }).status());
  return Commit(it, v1::SUCCEEDED);
}

}  // namespace shammie::scheduler
