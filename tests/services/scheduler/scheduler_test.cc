#include "services/scheduler/scheduler.h"

#include <cstdlib>
#include <filesystem>

#include "gtest/gtest.h"
#include "tests/services/scheduler/fake_pipeline.h"

namespace shammie::scheduler {
namespace {

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/scheduler_test_XXXXXX";
    dir_ = mkdtemp(tmpl);
    options_.data_dir = dir_;
    options_.iteration.base_checkpoint = "/artifacts/base";
    options_.iteration.poll_interval = absl::Milliseconds(5);
    options_.tick = absl::Milliseconds(10);
  }
  void TearDown() override {
    scheduler_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open(common::Clock* clock = common::Clock::Real()) {
    scheduler_.reset();
    auto s = Scheduler::Open(options_, &pipeline_, clock);
    ASSERT_TRUE(s.ok()) << s.status();
    scheduler_ = *std::move(s);
  }
  // Polls Get until `pred` holds (or 10 s pass).
  v1::Iteration WaitFor(const std::string& id, std::function<bool(const v1::Iteration&)> pred) {
    v1::Iteration it;
    for (int i = 0; i < 2000; ++i) {
      auto got = scheduler_->Get(id);
      // NOT_FOUND until the cadence creates it.
      EXPECT_TRUE(got.ok() || got.status().code() == absl::StatusCode::kNotFound) << got.status();
      if (got.ok() && pred(*got)) return *got;
      if (got.ok()) it = *got;
      absl::SleepFor(absl::Milliseconds(5));
    }
    ADD_FAILURE() << "timed out; stage " << v1::IterationStage_Name(it.stage());
    return it;
  }
  static bool Ended(const v1::Iteration& it) { return storage::IsTerminal(it.stage()); }

  std::string dir_;
  SchedulerOptions options_;
  FakePipeline pipeline_;
  std::unique_ptr<Scheduler> scheduler_;
};

TEST_F(SchedulerTest, IterationRunsEveryStageInOrderAndDeploysNewAndPrevious) {
  Open();
  std::vector<v1::IterationStage> seen;
  absl::Mutex mu;
  scheduler_->Subscribe([&](const v1::Iteration& it) {
    absl::MutexLock l(&mu);
    if (seen.empty() || seen.back() != it.stage()) seen.push_back(it.stage());
  });
  scheduler_->Start();
  pipeline_.ReleasePm();
  pipeline_.ReleasePpo();
  auto it = scheduler_->Trigger("manual-1");
  ASSERT_TRUE(it.ok()) << it.status();
  EXPECT_EQ(it->id(), "iter-0001");
  v1::Iteration done = WaitFor(it->id(), Ended);
  ASSERT_EQ(done.stage(), v1::SUCCEEDED) << done.error();
  {
    absl::MutexLock l(&mu);
    EXPECT_EQ(seen, (std::vector<v1::IterationStage>{v1::PENDING, v1::SNAPSHOT, v1::TRAIN_PM,
                                                      v1::TRAIN_POLICY, v1::EVALUATE, v1::DEPLOY,
                                                      v1::SUCCEEDED}));
  }
  EXPECT_EQ(done.watermark(), 100u);
  EXPECT_EQ(done.pm_checkpoint(), "/artifacts/iter-0001/pm");
  EXPECT_EQ(done.test_pm_checkpoint(), "/artifacts/iter-0001/test-pm");
  EXPECT_EQ(done.policy_checkpoint(), "/artifacts/iter-0001/ppo");
  EXPECT_DOUBLE_EQ(done.pm_accuracy(), 0.66);
  EXPECT_DOUBLE_EQ(done.reward(), 1.5);
  EXPECT_DOUBLE_EQ(done.sqrt_kl(), 2);
  EXPECT_DOUBLE_EQ(done.fit_slope(), 0.7);
  EXPECT_DOUBLE_EQ(done.gold_reward(), 0.3);
  // Disjoint halves for PM and test PM, both at the watermark.
  EXPECT_EQ(pipeline_.PmSpec(1).data_half(), 1u);
  EXPECT_EQ(pipeline_.PmSpec(2).data_half(), 2u);
  EXPECT_EQ(pipeline_.PmSpec(1).watermark(), 100u);
  // PPO starts from the initial policy against the new PM.
  EXPECT_EQ(pipeline_.PpoSpec(1).policy_checkpoint(), "/artifacts/base");
  EXPECT_EQ(pipeline_.PpoSpec(1).reference_checkpoint(), "/artifacts/base");
  EXPECT_EQ(pipeline_.PpoSpec(1).pm_checkpoint(), "/artifacts/iter-0001/pm");
  v1::Deployment d = pipeline_.Deployed();
  ASSERT_EQ(d.policies_size(), 2);
  EXPECT_EQ(d.policies(0).name(), "policy-0001");
  EXPECT_EQ(d.policies(1).name(), "policy-0000");
  EXPECT_EQ(d.policies(1).checkpoint(), "/artifacts/base");

  // The second iteration's "previous" is the first one's policy, and PPO
  // still starts from the base.
  pipeline_.last_seq = 150;
  auto second = scheduler_->Trigger("manual-2");
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(WaitFor(second->id(), Ended).stage(), v1::SUCCEEDED);
  EXPECT_EQ(pipeline_.PpoSpec(2).policy_checkpoint(), "/artifacts/base");
  d = pipeline_.Deployed();
  EXPECT_EQ(d.policies(0).name(), "policy-0002");
  EXPECT_EQ(d.policies(1).name(), "policy-0001");
}

TEST_F(SchedulerTest, NeverTwoAtOnceAndTheSameKeyIsIdempotent) {
  Open();
  scheduler_->Start();
  auto a = scheduler_->Trigger("k");
  ASSERT_TRUE(a.ok());
  WaitFor(a->id(), [](const v1::Iteration& it) { return it.stage() == v1::TRAIN_PM; });
  auto same = scheduler_->Trigger("k");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->id(), a->id());
  auto other = scheduler_->Trigger("other");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(scheduler_->List()->size(), 1u);
}

TEST_F(SchedulerTest, RestartDuringTrainPmResumesWithTheSameJobs) {
  Open();
  scheduler_->Start();
  auto a = scheduler_->Trigger("k");
  ASSERT_TRUE(a.ok());
  v1::Iteration mid = WaitFor(a->id(), [](const v1::Iteration& it) {
    return it.stage() == v1::TRAIN_PM && !it.pm_job().empty();
  });
  // Stop as a crash would leave it: the stage stays TRAIN_PM on disk.
  scheduler_.reset();
  {
    auto store = storage::IterationStore::Open({dir_});
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->Get(a->id())->stage(), v1::TRAIN_PM);
  }
  Open();
  scheduler_->Start();
  pipeline_.ReleasePm();
  pipeline_.ReleasePpo();
  v1::Iteration done = WaitFor(a->id(), Ended);
  EXPECT_EQ(done.stage(), v1::SUCCEEDED);
  EXPECT_EQ(done.pm_job(), mid.pm_job());
  EXPECT_EQ(pipeline_.PmJobCount(), 2);  // one PM + one test PM, despite re-sent StartJobs
  EXPECT_GE(pipeline_.PmStartCalls(), 4);
  EXPECT_EQ(pipeline_.PpoJobCount(), 1);
  EXPECT_EQ(pipeline_.DeployCalls(), 1);
  EXPECT_EQ(scheduler_->List()->size(), 1u);
}

TEST_F(SchedulerTest, CancelStopsTheRunningJob) {
  Open();
  scheduler_->Start();
  pipeline_.ReleasePm();
  auto a = scheduler_->Trigger("");
  ASSERT_TRUE(a.ok());
  WaitFor(a->id(), [](const v1::Iteration& it) {
    return it.stage() == v1::TRAIN_POLICY && !it.ppo_job().empty();
  });
  auto cancelled = scheduler_->Cancel(a->id());
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->stage(), v1::CANCELLED);
  EXPECT_EQ(pipeline_.CancelledJobs(), std::vector<std::string>{"ppo-job-1"});
  EXPECT_EQ(scheduler_->Cancel(a->id()).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(scheduler_->Cancel("iter-0042").status().code(), absl::StatusCode::kNotFound);
  // A new one can start now.
  EXPECT_TRUE(scheduler_->Trigger("after").ok());
}

TEST_F(SchedulerTest, FailedJobFailsTheIterationWithItsError) {
  Open();
  scheduler_->Start();
  pipeline_.FailKey("iter-0001/test-pm");
  pipeline_.ReleasePm();
  auto a = scheduler_->Trigger("");
  v1::Iteration done = WaitFor(a->id(), Ended);
  EXPECT_EQ(done.stage(), v1::FAILED);
  EXPECT_NE(done.error().find("TRAIN_PM"), std::string::npos) << done.error();
  EXPECT_NE(done.error().find("loss is NaN"), std::string::npos) << done.error();
  EXPECT_EQ(pipeline_.PpoJobCount(), 0);
}

TEST_F(SchedulerTest, NoComparisonsFailsAtSnapshot) {
  pipeline_.last_seq = 0;
  Open();
  scheduler_->Start();
  auto a = scheduler_->Trigger("");
  v1::Iteration done = WaitFor(a->id(), Ended);
  EXPECT_EQ(done.stage(), v1::FAILED);
  EXPECT_NE(done.error().find("SNAPSHOT"), std::string::npos) << done.error();
  EXPECT_EQ(pipeline_.PmJobCount(), 0);
}

TEST_F(SchedulerTest, CadenceFiresOnceAfterDowntimeWithInjectedClock) {
  absl::Time t0 = absl::FromUnixSeconds(1795824000);  // 2026-11-28T00:00:00Z
  common::ManualClock clock(t0 + absl::Seconds(5));
  options_.period_override = absl::Seconds(30);
  options_.anchor_override = t0;
  pipeline_.ReleasePm();
  pipeline_.ReleasePpo();
  Open(&clock);
  EXPECT_EQ(scheduler_->GetSchedule().next_due().seconds(), absl::ToUnixSeconds(t0) + 30);
  scheduler_.reset();  // down for five periods
  clock.Advance(absl::Seconds(150));
  Open(&clock);
  scheduler_->Start();
  v1::Iteration done = WaitFor("iter-0001", Ended);
  EXPECT_EQ(done.stage(), v1::SUCCEEDED);
  EXPECT_EQ(done.key(), "schedule/2026-11-28T00:02:30Z");
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(scheduler_->List()->size(), 1u);  // once, not once per missed period
  clock.Advance(absl::Seconds(30));
  EXPECT_EQ(WaitFor("iter-0002", Ended).key(), "schedule/2026-11-28T00:03:00Z");
}

TEST_F(SchedulerTest, PausedScheduleDoesNotFireAndBadPeriodIsInvalid) {
  common::ManualClock clock(absl::FromUnixSeconds(1795824005));
  options_.period_override = absl::Seconds(30);
  Open(&clock);
  v1::Schedule pause = scheduler_->GetSchedule();
  pause.set_paused(true);
  ASSERT_TRUE(scheduler_->SetSchedule(pause).ok());
  EXPECT_FALSE(scheduler_->GetSchedule().has_next_due());
  scheduler_->Start();
  clock.Advance(absl::Seconds(120));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(scheduler_->List()->size(), 0u);
  v1::Schedule bad;
  bad.mutable_period()->set_seconds(-1);
  EXPECT_EQ(scheduler_->SetSchedule(bad).status().code(), absl::StatusCode::kInvalidArgument);
  // Pause survives a restart.
  Open(&clock);
  EXPECT_TRUE(scheduler_->GetSchedule().paused());
}

}  // namespace
}  // namespace shammie::scheduler
