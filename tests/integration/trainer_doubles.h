// Trainer services for scheduler tests, over real gRPC: PreferenceModelTrainer
// and PolicyTrainer with the real job contract — StartJob is idempotent by
// key, a job runs for a set time on its own thread, then writes a checkpoint
// FOLDER (under a temporary name, renamed into place) and ends SUCCEEDED —
// but no training inside. The checkpoint holds reply.txt, which the
// collector's folder policy (tests) deploys. They stand in for
// shammie-pm-trainer / shammie-ppo-trainer until those binaries are on this
// branch; they count starts, jobs and checkpoints so crash tests can check
// "exactly once".
#ifndef SHAMMIE_TESTS_INTEGRATION_TRAINER_DOUBLES_H_
#define SHAMMIE_TESTS_INTEGRATION_TRAINER_DOUBLES_H_

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "shammie/v1/pm_trainer.grpc.pb.h"
#include "shammie/v1/ppo_trainer.grpc.pb.h"

namespace shammie::testing {

// Shared bookkeeping: jobs by key, each finishing `duration` after it starts.
class JobBook {
 public:
  JobBook(std::string artifacts, absl::Duration duration)
      : artifacts_(std::move(artifacts)), duration_(duration) {}

  // Returns the job for `key`, creating it on first sight.
  v1::JobStatus Start(const std::string& key, const std::string& prefix) {
    absl::MutexLock l(&mu_);
    ++starts_[key];
    auto it = by_key_.find(key);
    if (it != by_key_.end()) return StatusLocked(it->second);
    std::string id = absl::StrCat(prefix, "-", jobs_.size() + 1);
    jobs_[id] = Job{key, absl::Now(), false, ""};
    by_key_[key] = id;
    return StatusLocked(id);
  }
  absl::StatusOr<v1::JobStatus> Get(const std::string& id) {
    absl::MutexLock l(&mu_);
    if (!jobs_.count(id)) return absl::NotFoundError(id);
    return StatusLocked(id);
  }
  void Cancel(const std::string& id) {
    absl::MutexLock l(&mu_);
    if (jobs_.count(id)) jobs_[id].cancelled = true;
  }
  int Starts(const std::string& key) { absl::MutexLock l(&mu_); return starts_[key]; }
  int Jobs() { absl::MutexLock l(&mu_); return jobs_.size(); }
  int Checkpoints() {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(artifacts_)) n += e.is_directory();
    return n;
  }

 private:
  struct Job {
    std::string key;
    absl::Time started;
    bool cancelled;
    std::string checkpoint;
  };
  v1::JobStatus StatusLocked(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Job& job = jobs_[id];
    v1::JobStatus s;
    s.set_id(id);
    s.set_key(job.key);
    double f = std::min(1.0, absl::FDivDuration(absl::Now() - job.started, duration_));
    s.mutable_progress()->set_total_steps(100);
    s.mutable_progress()->set_step(static_cast<uint64_t>(100 * f));
    if (job.cancelled) {
      s.set_state(v1::JOB_CANCELLED);
    } else if (f < 1) {
      s.set_state(v1::JOB_RUNNING);
    } else {
      if (job.checkpoint.empty()) {
        std::string name = absl::StrReplaceAll(job.key, {{"/", "-"}});
        std::string tmp = artifacts_ + "/." + name + ".tmp";
        std::filesystem::create_directories(tmp);
        std::ofstream(tmp + "/reply.txt") << " Reply of " << job.key << ".";
        job.checkpoint = artifacts_ + "/" + name;
        std::filesystem::rename(tmp, job.checkpoint);
      }
      s.set_state(v1::JOB_SUCCEEDED);
      s.set_checkpoint(job.checkpoint);
    }
    return s;
  }

  const std::string artifacts_;
  const absl::Duration duration_;
  absl::Mutex mu_;
  std::map<std::string, Job> jobs_;
  std::map<std::string, std::string> by_key_;
  std::map<std::string, int> starts_;
};

class PmTrainerDouble final : public v1::PreferenceModelTrainer::Service {
 public:
  explicit PmTrainerDouble(JobBook* book) : book_(book) {}
  grpc::Status StartJob(grpc::ServerContext*, const v1::PmJobSpec* spec, v1::PmJob* job) override {
    if (spec->key().empty() || spec->base_checkpoint().empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "key/base_checkpoint");
    }
    *job->mutable_status() = book_->Start(spec->key(), "pm");
    *job->mutable_spec() = *spec;
    Report(job);
    return grpc::Status::OK;
  }
  grpc::Status GetJob(grpc::ServerContext*, const v1::GetJobRequest* req, v1::PmJob* job) override {
    auto s = book_->Get(req->id());
    if (!s.ok()) return grpc::Status(grpc::StatusCode::NOT_FOUND, req->id());
    *job->mutable_status() = *s;
    Report(job);
    return grpc::Status::OK;
  }
  grpc::Status CancelJob(grpc::ServerContext*, const v1::CancelJobRequest* req, v1::PmJob* job) override {
    book_->Cancel(req->id());
    return grpc::Status::OK;
  }

 private:
  static void Report(v1::PmJob* job) {
    if (job->status().state() != v1::JOB_SUCCEEDED) return;
    job->mutable_report()->set_test_accuracy(0.65);
    job->mutable_report()->set_ece(0.05);
  }
  JobBook* book_;
};

class PpoTrainerDouble final : public v1::PolicyTrainer::Service {
 public:
  explicit PpoTrainerDouble(JobBook* book) : book_(book) {}
  grpc::Status StartJob(grpc::ServerContext*, const v1::PpoJobSpec* spec, v1::PpoJob* job) override {
    if (spec->key().empty() || spec->pm_checkpoint().empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "key/pm_checkpoint");
    }
    *job->mutable_status() = book_->Start(spec->key(), "ppo");
    Report(job);
    return grpc::Status::OK;
  }
  grpc::Status GetJob(grpc::ServerContext*, const v1::GetJobRequest* req, v1::PpoJob* job) override {
    auto s = book_->Get(req->id());
    if (!s.ok()) return grpc::Status(grpc::StatusCode::NOT_FOUND, req->id());
    *job->mutable_status() = *s;
    Report(job);
    return grpc::Status::OK;
  }
  grpc::Status CancelJob(grpc::ServerContext*, const v1::CancelJobRequest* req, v1::PpoJob* job) override {
    book_->Cancel(req->id());
    return grpc::Status::OK;
  }

 private:
  static void Report(v1::PpoJob* job) {
    if (job->status().state() != v1::JOB_SUCCEEDED) return;
    auto* step = job->mutable_report()->add_steps();
    step->set_reward(0.8);
    step->set_kl(2.25);
    step->set_sqrt_kl(1.5);
    step->set_gold_reward(0.2);
  }
  JobBook* book_;
};

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_INTEGRATION_TRAINER_DOUBLES_H_
