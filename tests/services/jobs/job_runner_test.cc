// The job runner with a real RocksDB job store and a scripted work function:
// start/idempotency, progress to listeners, cancel, failure, and resume
// after the runner (the "trainer") is destroyed mid-job and recreated.
#include "services/jobs/job_runner.h"

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "shammie/v1/pm_trainer.pb.h"
#include "tests/lib/metrics_text.h"

namespace shammie::jobs {
namespace {

namespace fs = std::filesystem;

// The scripted work: `epochs` steps; after each step it reports progress and
// saves a resume point; it waits while `hold` is set; it fails when the spec's
// seed equals the step number.
struct Script {
  std::atomic<bool> hold{false};
  std::atomic<int> steps_run{0};
  std::atomic<int> hold_after{-1};   // sets `hold` once this step is done
  std::vector<uint64_t> started_at;  // resume_step seen at each start
  std::vector<std::string> started;  // job keys in the order their work began
  absl::Mutex mu;

  JobWork Work() {
    return [this](JobContext& ctx) -> absl::StatusOr<JobOutcome> {
      v1::PmJobSpec spec;
      if (!ctx.job().spec().UnpackTo(&spec)) return absl::InternalError("bad spec");
      {
        absl::MutexLock lock(&mu);
        started_at.push_back(ctx.job().resume_step());
        started.push_back(ctx.job().status().key());
      }
      for (uint64_t step = ctx.job().resume_step() + 1; step <= spec.epochs(); ++step) {
        while (hold.load()) {
          if (ctx.Cancelled()) return absl::CancelledError("cancelled");
          absl::SleepFor(absl::Milliseconds(2));
        }
        if (ctx.Cancelled()) return absl::CancelledError("cancelled");
        if (spec.seed() == step) return absl::UnavailableError("collector went away at step 3");
        ++steps_run;
        v1::JobProgress p;
        p.set_step(step);
        p.set_total_steps(spec.epochs());
        (*p.mutable_metrics())["loss"] = 1.0 / step;
        ctx.ReportProgress(p);
        auto s = ctx.SaveResumePoint("/ckpt/step-" + std::to_string(step), step);
        if (!s.ok()) return s;
        if (static_cast<int>(step) == hold_after.load()) hold = true;
      }
      JobOutcome out;
      v1::PmReport report;
      report.set_train_comparisons(spec.epochs());
      out.result.PackFrom(report);
      out.checkpoint = "/ckpt/final";
      return out;
    };
  }
};

class JobRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("job_runner_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    OpenStore();
  }
  void TearDown() override {
    runner_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }
  void OpenStore() {
    auto store = storage::JobStore::Open({dir_.string(), "pm"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(store).value();
  }
  void StartRunner(int max_running = 0) {
    auto runner =
        JobRunner::Create({store_.get(), common::Clock::Real(), script_.Work(), max_running});
    ASSERT_TRUE(runner.ok()) << runner.status();
    runner_ = std::move(runner).value();
  }
  static google::protobuf::Any Spec(uint32_t steps, uint64_t fail_at = 0) {
    v1::PmJobSpec spec;
    spec.set_epochs(steps);
    spec.set_seed(fail_at);
    google::protobuf::Any any;
    any.PackFrom(spec);
    return any;
  }

  fs::path dir_;
  Script script_;
  std::unique_ptr<storage::JobStore> store_;
  std::unique_ptr<JobRunner> runner_;
};

TEST_F(JobRunnerTest, JobRunsToSuccessWithResultAndCheckpoint) {
  StartRunner();
  auto job = runner_->Start("k", Spec(5));
  ASSERT_TRUE(job.ok()) << job.status();
  auto done = runner_->WaitUntilDone(job->status().id(), absl::Seconds(30));
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->status().state(), v1::JOB_SUCCEEDED);
  EXPECT_EQ(done->status().checkpoint(), "/ckpt/final");
  EXPECT_EQ(done->status().progress().step(), 5u);
  v1::PmReport report;
  ASSERT_TRUE(done->result().UnpackTo(&report));
  EXPECT_EQ(report.train_comparisons(), 5u);
  EXPECT_TRUE(done->status().has_finished_at());
  // What the store holds agrees with what the runner returned.
  EXPECT_EQ(store_->Get(job->status().id())->status().state(), v1::JOB_SUCCEEDED);
}

// With a registry, the runner exports every job's state and progress
// (services/metrics/job_metrics.h), counting each end once.
TEST_F(JobRunnerTest, JobStateAndProgressAreExported) {
  auto registry = metrics::MetricsRegistry::Create();
  auto runner = JobRunner::Create(
      {store_.get(), common::Clock::Real(), script_.Work(), /*max_running=*/0, registry, "pm"});
  ASSERT_TRUE(runner.ok()) << runner.status();
  runner_ = std::move(runner).value();
  auto job = runner_->Start("iter-0002/pm", Spec(4));
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_TRUE(runner_->WaitUntilDone(job->status().id(), absl::Seconds(30)).ok());
  const std::string text = registry->RenderText();
  const std::map<std::string, std::string> l = {{"trainer", "pm"}, {"job", "iter-0002/pm"}};
  auto with = [&](const char* state) {
    auto m = l;
    m["state"] = state;
    return m;
  };
  EXPECT_EQ(shammie::testing::SeriesValue(text, "shammie_job_state", with("SUCCEEDED")), 1);
  EXPECT_EQ(shammie::testing::SeriesValue(text, "shammie_job_state", with("RUNNING")), 0);
  EXPECT_EQ(shammie::testing::SeriesValue(text, "shammie_job_step", l), 4);
  EXPECT_EQ(shammie::testing::SeriesValue(text, "shammie_job_progress_ratio", l), 1);
  EXPECT_EQ(shammie::testing::SeriesValue(text, "shammie_jobs_finished_total",
                                          {{"trainer", "pm"}, {"state", "SUCCEEDED"}}),
            1);
}

TEST_F(JobRunnerTest, SameKeyReturnsTheSameJobWithoutRunningItTwice) {
  StartRunner();
  auto a = runner_->Start("iter-7/pm", Spec(3));
  auto b = runner_->Start("iter-7/pm", Spec(9));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->status().id(), b->status().id());
  runner_->WaitUntilDone(a->status().id(), absl::Seconds(30)).IgnoreError();
  EXPECT_EQ(script_.steps_run.load(), 3);
  EXPECT_EQ(runner_->List()->size(), 1u);
}

TEST_F(JobRunnerTest, ListenersSeeEveryStepInOrderAndTheEnd) {
  script_.hold = true;
  StartRunner();
  auto job = runner_->Start("k", Spec(4));
  ASSERT_TRUE(job.ok());
  absl::Mutex mu;
  std::vector<uint64_t> steps;
  v1::JobState last = v1::JOB_STATE_UNSPECIFIED;
  auto sub = runner_->Subscribe(job->status().id(), [&](const v1::StoredJob& j) {
    absl::MutexLock lock(&mu);
    if (steps.empty() || steps.back() != j.status().progress().step()) {
      steps.push_back(j.status().progress().step());
    }
    last = j.status().state();
  });
  ASSERT_TRUE(sub.ok());
  script_.hold = false;
  runner_->WaitUntilDone(job->status().id(), absl::Seconds(30)).IgnoreError();
  runner_->Unsubscribe(*sub);
  absl::MutexLock lock(&mu);
  EXPECT_EQ(steps, (std::vector<uint64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(last, v1::JOB_SUCCEEDED);
}

TEST_F(JobRunnerTest, FailingWorkEndsFailedWithItsMessage) {
  StartRunner();
  auto job = runner_->Start("k", Spec(5, /*fail_at=*/3));
  auto done = runner_->WaitUntilDone(job->status().id(), absl::Seconds(30));
  EXPECT_EQ(done->status().state(), v1::JOB_FAILED);
  EXPECT_EQ(done->status().error(), "collector went away at step 3");
  EXPECT_TRUE(done->status().checkpoint().empty());
}

TEST_F(JobRunnerTest, CancelStopsTheJobAndIsStoredFirst) {
  script_.hold = true;
  StartRunner();
  auto job = runner_->Start("k", Spec(5));
  const std::string id = job->status().id();
  auto cancelled = runner_->Cancel(id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_TRUE(cancelled->cancel_requested());
  auto done = runner_->WaitUntilDone(id, absl::Seconds(30));
  EXPECT_EQ(done->status().state(), v1::JOB_CANCELLED);
  EXPECT_EQ(runner_->Cancel(id).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(runner_->Cancel("pm-999999").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(runner_->Get("pm-999999").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(JobRunnerTest, RestartedRunnerResumesFromTheLastResumePoint) {
  script_.hold = false;
  // The job pauses after step 2 (the test holds it there) when the runner is
  // destroyed, like a trainer stopped mid-job.
  script_.hold_after = 2;
  StartRunner();
  auto job = runner_->Start("k", Spec(6));
  const std::string id = job->status().id();
  while (script_.steps_run.load() < 2) absl::SleepFor(absl::Milliseconds(1));
  absl::SleepFor(absl::Milliseconds(20));
  runner_.reset();
  auto stored = store_->Get(id);
  ASSERT_EQ(stored->status().state(), v1::JOB_RUNNING);
  const uint64_t saved = stored->resume_step();
  ASSERT_EQ(saved, 2u);

  // Reopen the store from disk too, as a new process would.
  store_.reset();
  OpenStore();
  script_.hold = false;
  StartRunner();
  auto done = runner_->WaitUntilDone(id, absl::Seconds(30));
  EXPECT_EQ(done->status().state(), v1::JOB_SUCCEEDED);
  EXPECT_EQ(done->status().resumes(), 1u);
  EXPECT_EQ(done->status().resumed_from_step(), saved);
  absl::MutexLock lock(&script_.mu);
  ASSERT_EQ(script_.started_at.size(), 2u);
  EXPECT_EQ(script_.started_at[1], saved);
  EXPECT_EQ(script_.steps_run.load(), 6);  // no step ran twice
}

TEST_F(JobRunnerTest, CancelAcceptedBeforeARestartIsHonouredNotResumed) {
  {
    auto created = store_->CreateOrGet("k", Spec(5), absl::Now());
    v1::StoredJob job = created->job;
    job.mutable_status()->set_state(v1::JOB_RUNNING);
    job.set_cancel_requested(true);
    ASSERT_TRUE(store_->Update(job).ok());
  }
  StartRunner();
  auto job = runner_->Get("pm-000001");
  EXPECT_EQ(job->status().state(), v1::JOB_CANCELLED);
  EXPECT_EQ(script_.steps_run.load(), 0);
}

TEST_F(JobRunnerTest, FinishedJobsAreListedAfterRestart) {
  StartRunner();
  auto a = runner_->Start("a", Spec(1));
  auto b = runner_->Start("b", Spec(2, /*fail_at=*/1));
  runner_->WaitUntilDone(a->status().id(), absl::Seconds(30)).IgnoreError();
  runner_->WaitUntilDone(b->status().id(), absl::Seconds(30)).IgnoreError();
  runner_.reset();
  StartRunner();
  auto jobs = runner_->List();
  ASSERT_TRUE(jobs.ok());
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].status().state(), v1::JOB_SUCCEEDED);
  EXPECT_EQ((*jobs)[1].status().state(), v1::JOB_FAILED);
}

TEST_F(JobRunnerTest, MaxRunningQueuesJobsPendingAndCancelWorksWhileQueued) {
  script_.hold = true;
  StartRunner(/*max_running=*/1);
  auto a = runner_->Start("a", Spec(2));
  while (runner_->Get(a->status().id())->status().state() != v1::JOB_RUNNING) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  auto b = runner_->Start("b", Spec(2));
  auto c = runner_->Start("c", Spec(2));
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(runner_->Get(b->status().id())->status().state(), v1::JOB_PENDING);
  ASSERT_TRUE(runner_->Cancel(c->status().id()).ok());
  EXPECT_EQ(runner_->WaitUntilDone(c->status().id(), absl::Seconds(30))->status().state(),
            v1::JOB_CANCELLED);
  script_.hold = false;
  EXPECT_EQ(runner_->WaitUntilDone(a->status().id(), absl::Seconds(30))->status().state(),
            v1::JOB_SUCCEEDED);
  EXPECT_EQ(runner_->WaitUntilDone(b->status().id(), absl::Seconds(30))->status().state(),
            v1::JOB_SUCCEEDED);
  EXPECT_EQ(script_.steps_run.load(), 4);
}

TEST_F(JobRunnerTest, QueuedJobsStartInSubmissionOrder) {
  // Regression: a free slot went to whichever waiting worker thread woke
  // first, so a job submitted later could run before an earlier one.
  StartRunner(/*max_running=*/1);
  std::vector<std::string> keys, ids;
  for (int i = 0; i < 8; ++i) {
    keys.push_back("job-" + std::to_string(i));
    auto job = runner_->Start(keys.back(), Spec(1));
    ASSERT_TRUE(job.ok()) << job.status();
    ids.push_back(job->status().id());
  }
  for (const std::string& id : ids) {
    EXPECT_EQ(runner_->WaitUntilDone(id, absl::Seconds(30))->status().state(), v1::JOB_SUCCEEDED);
  }
  absl::MutexLock lock(&script_.mu);
  EXPECT_EQ(script_.started, keys);
}

}  // namespace
}  // namespace shammie::jobs
