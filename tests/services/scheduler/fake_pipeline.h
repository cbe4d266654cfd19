// A Pipeline double for the scheduler's unit tests: trainer jobs live in
// memory, keyed by idempotency key exactly like the real trainers, and finish
// when the test releases them. The real services are exercised over gRPC in
// tests/integration/; this file tests the state machine's own logic
// (ordering, persistence, resume, cancel) deterministically.
#ifndef SHAMMIE_TESTS_SERVICES_SCHEDULER_FAKE_PIPELINE_H_
#define SHAMMIE_TESTS_SERVICES_SCHEDULER_FAKE_PIPELINE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/scheduler/pipeline.h"

namespace shammie::scheduler {

class FakePipeline : public Pipeline {
 public:
  // Collector side.
  uint64_t last_seq = 100;
  std::vector<v1::Comparison> comparisons;

  absl::StatusOr<v1::Stats> GetStats() override {
    absl::MutexLock l(&mu_);
    v1::Stats s;
    s.set_last_seq(last_seq);
    s.set_comparisons(last_seq);
    return s;
  }
  absl::Status ExportComparisons(uint64_t up_to,
                                 const std::function<bool(const v1::Comparison&)>& emit) override {
    std::vector<v1::Comparison> copy;
    {
      absl::MutexLock l(&mu_);
      copy = comparisons;
    }
    for (const auto& c : copy) {
      if (up_to && c.seq() > up_to) break;
      if (!emit(c)) break;
    }
    return absl::OkStatus();
  }
  absl::StatusOr<v1::Deployment> DeployPolicies(
      const std::vector<v1::PolicySnapshot>& policies) override {
    absl::MutexLock l(&mu_);
    deployment_.clear_policies();
    for (const auto& p : policies) *deployment_.add_policies() = p;
    ++deploy_calls_;
    return deployment_;
  }
  absl::StatusOr<v1::Deployment> GetDeployment() override {
    absl::MutexLock l(&mu_);
    if (deployment_.policies_size() == 0) return absl::NotFoundError("nothing deployed");
    return deployment_;
  }

  // Trainers: a job finishes (SUCCEEDED, or FAILED when its key is in
  // fail_keys) on the first Get after Release(stage) was called.
  absl::StatusOr<v1::PmJob> StartPmJob(const v1::PmJobSpec& spec) override {
    absl::MutexLock l(&mu_);
    ++pm_start_calls_;
    auto it = pm_by_key_.find(spec.key());
    if (it != pm_by_key_.end()) return pm_jobs_[it->second];
    v1::PmJob job;
    job.mutable_status()->set_id(absl::StrCat("pm-job-", pm_jobs_.size() + 1));
    job.mutable_status()->set_key(spec.key());
    job.mutable_status()->set_state(v1::JOB_RUNNING);
    job.mutable_status()->mutable_progress()->set_total_steps(10);
    *job.mutable_spec() = spec;
    pm_by_key_[spec.key()] = job.status().id();
    pm_jobs_[job.status().id()] = job;
    return job;
  }
  absl::StatusOr<v1::PmJob> GetPmJob(const std::string& id) override {
    absl::MutexLock l(&mu_);
    auto it = pm_jobs_.find(id);
    if (it == pm_jobs_.end()) return absl::NotFoundError(id);
    v1::PmJob& job = it->second;
    if (job.status().state() == v1::JOB_RUNNING) {
      auto* p = job.mutable_status()->mutable_progress();
      p->set_step(std::min<uint64_t>(p->step() + 1, 9));
      if (pm_released_) Finish(job.mutable_status(), job.spec().key());
      if (job.status().state() == v1::JOB_SUCCEEDED) {
        job.mutable_report()->set_test_accuracy(job.spec().data_half() == 2 ? 0.61 : 0.66);
        job.mutable_report()->set_ece(0.04);
        job.mutable_report()->set_gold_accuracy(0.7);
      }
    }
    return job;
  }
  absl::Status CancelPmJob(const std::string& id) override {
    absl::MutexLock l(&mu_);
    pm_jobs_[id].mutable_status()->set_state(v1::JOB_CANCELLED);
    cancelled_jobs_.push_back(id);
    return absl::OkStatus();
  }
  absl::StatusOr<v1::PpoJob> StartPpoJob(const v1::PpoJobSpec& spec) override {
    absl::MutexLock l(&mu_);
    ++ppo_start_calls_;
    auto it = ppo_by_key_.find(spec.key());
    if (it != ppo_by_key_.end()) return ppo_jobs_[it->second];
    v1::PpoJob job;
    job.mutable_status()->set_id(absl::StrCat("ppo-job-", ppo_jobs_.size() + 1));
    job.mutable_status()->set_key(spec.key());
    job.mutable_status()->set_state(v1::JOB_RUNNING);
    *job.mutable_spec() = spec;
    ppo_by_key_[spec.key()] = job.status().id();
    ppo_jobs_[job.status().id()] = job;
    return job;
  }
  absl::StatusOr<v1::PpoJob> GetPpoJob(const std::string& id) override {
    absl::MutexLock l(&mu_);
    auto it = ppo_jobs_.find(id);
    if (it == ppo_jobs_.end()) return absl::NotFoundError(id);
    v1::PpoJob& job = it->second;
    if (job.status().state() == v1::JOB_RUNNING && ppo_released_) {
      Finish(job.mutable_status(), job.spec().key());
      v1::PpoStep* step = job.mutable_report()->add_steps();
      step->set_reward(1.5);
      step->set_kl(4);
      step->set_sqrt_kl(2);
      step->set_gold_reward(0.3);
      job.mutable_report()->set_fit_b(0.7);
      job.mutable_report()->set_fit_r2(0.9);
    }
    return job;
  }
  absl::Status CancelPpoJob(const std::string& id) override {
    absl::MutexLock l(&mu_);
    ppo_jobs_[id].mutable_status()->set_state(v1::JOB_CANCELLED);
    cancelled_jobs_.push_back(id);
    return absl::OkStatus();
  }

  void ReleasePm() { absl::MutexLock l(&mu_); pm_released_ = true; }
  void ReleasePpo() { absl::MutexLock l(&mu_); ppo_released_ = true; }
  void FailKey(const std::string& key) { absl::MutexLock l(&mu_); fail_keys_.push_back(key); }
  int PmJobCount() { absl::MutexLock l(&mu_); return pm_jobs_.size(); }
  int PpoJobCount() { absl::MutexLock l(&mu_); return ppo_jobs_.size(); }
  int PmStartCalls() { absl::MutexLock l(&mu_); return pm_start_calls_; }
  int DeployCalls() { absl::MutexLock l(&mu_); return deploy_calls_; }
  std::vector<std::string> CancelledJobs() { absl::MutexLock l(&mu_); return cancelled_jobs_; }
  v1::PpoJobSpec PpoSpec(int i) { absl::MutexLock l(&mu_); return ppo_jobs_[absl::StrCat("ppo-job-", i)].spec(); }
  v1::PmJobSpec PmSpec(int i) { absl::MutexLock l(&mu_); return pm_jobs_[absl::StrCat("pm-job-", i)].spec(); }
  v1::Deployment Deployed() { absl::MutexLock l(&mu_); return deployment_; }

 private:
  void Finish(v1::JobStatus* s, const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    bool fail = std::find(fail_keys_.begin(), fail_keys_.end(), key) != fail_keys_.end();
    s->set_state(fail ? v1::JOB_FAILED : v1::JOB_SUCCEEDED);
    if (fail) s->set_error("loss is NaN");
    else s->set_checkpoint(absl::StrCat("/artifacts/", key));
  }

  absl::Mutex mu_;
  std::map<std::string, std::string> pm_by_key_, ppo_by_key_;
  std::map<std::string, v1::PmJob> pm_jobs_;
  std::map<std::string, v1::PpoJob> ppo_jobs_;
  std::vector<std::string> fail_keys_, cancelled_jobs_;
  bool pm_released_ = false, ppo_released_ = false;
  int pm_start_calls_ = 0, ppo_start_calls_ = 0, deploy_calls_ = 0;
  v1::Deployment deployment_;
};

}  // namespace shammie::scheduler

#endif  // SHAMMIE_TESTS_SERVICES_SCHEDULER_FAKE_PIPELINE_H_
