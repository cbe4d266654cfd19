// The recorder subscribed to a real Scheduler (RocksDB in a temp dir) whose
// trainers are the in-memory FakePipeline: a finished iteration leaves its
// history record (PM reports, PPO curve, Elo table) and its series.
#include "services/scheduler/iteration_recorder.h"

#include <atomic>
#include <filesystem>

#include "gtest/gtest.h"
#include "services/scheduler/scheduler.h"
#include "tests/lib/metrics_text.h"
#include "tests/services/scheduler/fake_pipeline.h"

namespace shammie::scheduler {
namespace {

using shammie::testing::SeriesValue;

v1::Comparison Between(const std::string& a, const std::string& b, int preference, uint64_t seq) {
  v1::Comparison c;
  c.set_seq(seq);
  c.mutable_response_a()->set_policy(a);
  c.mutable_response_b()->set_policy(b);
  c.set_preference(preference);
  return c;
}

class IterationRecorderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/iteration_recorder_test_XXXXXX";
    dir_ = mkdtemp(tmpl);
    options_.data_dir = dir_ + "/scheduler";
    options_.iteration.base_checkpoint = "/artifacts/base";
    options_.iteration.poll_interval = absl::Milliseconds(5);
    options_.tick = absl::Milliseconds(10);
    auto h = dashboard::IterationHistory::Open(dir_ + "/artifacts");
    ASSERT_TRUE(h.ok()) << h.status();
    history_ = *std::move(h);
    // The new snapshot wins 15 of 20 comparisons against the base.
    for (int i = 0; i < 20; ++i) {
      pipeline_.comparisons.push_back(
          Between("policy-0001", "policy-0000", i < 15 ? 2 : 7, static_cast<uint64_t>(i + 1)));
    }
  }
  void TearDown() override {
    if (scheduler_ && subscription_) scheduler_->Unsubscribe(subscription_);
    scheduler_.reset();
    std::filesystem::remove_all(dir_);
  }

  v1::Iteration RunOne() {
    auto s = Scheduler::Open(options_, &pipeline_, common::Clock::Real());
    EXPECT_TRUE(s.ok()) << s.status();
    scheduler_ = *std::move(s);
    IterationRecorderOptions o;
    o.metrics = registry_;
    o.history = history_.get();
    o.pipeline = &pipeline_;
    recorder_ = std::make_unique<IterationRecorder>(o);
    subscription_ = scheduler_->Subscribe([this](const v1::Iteration& it) {
      recorder_->Observe(it);
      if (storage::IsTerminal(it.stage())) observed_end_ = true;
    });
    scheduler_->Start();
    pipeline_.ReleasePm();
    pipeline_.ReleasePpo();
    auto it = scheduler_->Trigger("manual-1");
    EXPECT_TRUE(it.ok()) << it.status();
    for (int i = 0; i < 2000; ++i) {
      auto got = scheduler_->Get(it->id());
      // Subscribers hear of a transition after it is stored, so Get() can
      // report the end before the recorder has written it: wait for both.
      if (got.ok() && storage::IsTerminal(got->stage()) && observed_end_) return *got;
      absl::SleepFor(absl::Milliseconds(5));
    }
    ADD_FAILURE() << "iteration did not end";
    return *it;
  }

  std::string dir_;
  SchedulerOptions options_;
  FakePipeline pipeline_;
  std::shared_ptr<metrics::MetricsRegistry> registry_ = metrics::MetricsRegistry::Create();
  std::unique_ptr<dashboard::IterationHistory> history_;
  std::unique_ptr<IterationRecorder> recorder_;
  std::unique_ptr<Scheduler> scheduler_;
  int subscription_ = 0;
  std::atomic<bool> observed_end_{false};
};

TEST_F(IterationRecorderTest, FinishedIterationLeavesItsRecord) {
  const v1::Iteration done = RunOne();
  ASSERT_EQ(done.stage(), v1::SUCCEEDED) << done.error();
  auto record = history_->Get("iter-0001");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->iteration().stage(), v1::SUCCEEDED);
  EXPECT_EQ(record->iteration().watermark(), done.watermark());
  // Both PMs' reports, from the trainer.
  EXPECT_DOUBLE_EQ(record->pm().test_accuracy(), 0.66);
  EXPECT_DOUBLE_EQ(record->test_pm().test_accuracy(), 0.61);
  // The PPO curve and its fit.
  ASSERT_EQ(record->ppo().steps_size(), 1);
  EXPECT_DOUBLE_EQ(record->ppo().steps(0).reward(), 1.5);
  EXPECT_DOUBLE_EQ(record->ppo().steps(0).sqrt_kl(), 2);
  EXPECT_DOUBLE_EQ(record->ppo().fit_b(), 0.7);
  // The Elo table: the base anchored at 0, the new snapshot above it.
  ASSERT_EQ(record->elo_size(), 2);
  EXPECT_EQ(record->elo(0).policy(), "policy-0000");
  EXPECT_EQ(record->elo(0).elo(), 0);
  EXPECT_EQ(record->elo(1).policy(), "policy-0001");
  EXPECT_GT(record->elo(1).elo(), 50);
  EXPECT_LT(record->elo(1).low(), record->elo(1).elo());
  EXPECT_GT(record->elo(1).high(), record->elo(1).elo());
}

TEST_F(IterationRecorderTest, FinishedIterationLeavesItsSeries) {
  const v1::Iteration done = RunOne();
  ASSERT_EQ(done.stage(), v1::SUCCEEDED) << done.error();
  const std::string text = registry_->RenderText();
  EXPECT_EQ(SeriesValue(text, "shammie_iteration_stage", {{"stage", "SUCCEEDED"}}), 1);
  EXPECT_EQ(SeriesValue(text, "shammie_iteration_stage", {{"stage", "TRAIN_POLICY"}}), 0);
  EXPECT_EQ(SeriesValue(text, "shammie_iteration_number"), 1);
  EXPECT_EQ(SeriesValue(text, "shammie_iterations_total", {{"result", "SUCCEEDED"}}), 1);
  for (const char* stage : {"SNAPSHOT", "TRAIN_PM", "TRAIN_POLICY", "EVALUATE", "DEPLOY"}) {
    EXPECT_EQ(SeriesValue(text, "shammie_iteration_stage_duration_seconds_count",
                          {{"stage", stage}}),
              1)
        << stage;
  }
  EXPECT_GT(SeriesValue(text, "shammie_policy_elo", {{"policy", "policy-0001"}}), 50);
}

}  // namespace
}  // namespace shammie::scheduler
