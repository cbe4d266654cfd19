#include "storage/iteration_store.h"

#include <cstdlib>
#include <filesystem>

#include "gtest/gtest.h"

namespace shammie::storage {
namespace {

class IterationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/iteration_store_test_XXXXXX";
    dir_ = mkdtemp(tmpl);
    Reopen();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    store_.reset();
    auto s = IterationStore::Open({dir_});
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
  }

  std::string dir_;
  std::unique_ptr<IterationStore> store_;
  absl::Time now_ = absl::FromUnixSeconds(1764300000);
};

TEST_F(IterationStoreTest, CreateAssignsSequentialIdsAndIsPending) {
  auto a = store_->Create("k1", now_);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->id(), "iter-0001");
  EXPECT_EQ(a->stage(), v1::PENDING);
  a->set_stage(v1::SUCCEEDED);
  ASSERT_TRUE(store_->Put(*a).ok());
  auto b = store_->Create("", now_);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->id(), "iter-0002");
  EXPECT_EQ(b->key(), "auto/iter-0002");
}

TEST_F(IterationStoreTest, SameKeyReturnsTheSameIterationAndNeverTwoActive) {
  auto a = store_->Create("weekly/2026-11-30", now_);
  ASSERT_TRUE(a.ok());
  auto again = store_->Create("weekly/2026-11-30", now_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id(), a->id());
  auto other = store_->Create("manual-1", now_);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(other.status().message().find("iter-0001"), absl::string_view::npos);
  auto fresh = store_->Create("", now_);
  EXPECT_EQ(fresh.status().code(), absl::StatusCode::kFailedPrecondition);
  // After it finishes, the same key still names the finished iteration.
  a->set_stage(v1::CANCELLED);
  ASSERT_TRUE(store_->Put(*a).ok());
  EXPECT_EQ(store_->Create("weekly/2026-11-30", now_)->stage(), v1::CANCELLED);
  EXPECT_EQ(store_->Create("manual-1", now_)->id(), "iter-0002");
}

TEST_F(IterationStoreTest, TransitionsSurviveReopenAndActiveIsTheOneInFlight) {
  auto a = store_->Create("k", now_);
  ASSERT_TRUE(a.ok());
  a->set_stage(v1::TRAIN_PM);
  a->set_watermark(42);
  a->set_pm_job("job-7");
  ASSERT_TRUE(store_->Put(*a).ok());
  Reopen();
  auto active = store_->Active();
  ASSERT_TRUE(active.ok());
  ASSERT_TRUE(active->has_value());
  EXPECT_EQ((*active)->stage(), v1::TRAIN_PM);
  EXPECT_EQ((*active)->watermark(), 42u);
  EXPECT_EQ((*active)->pm_job(), "job-7");
  a->set_stage(v1::FAILED);
  ASSERT_TRUE(store_->Put(*a).ok());
  Reopen();
  EXPECT_FALSE(store_->Active()->has_value());
}

TEST_F(IterationStoreTest, FinishedIterationsAreImmutableButEloIsRefit) {
  auto a = store_->Create("k", now_);
  a->set_stage(v1::SUCCEEDED);
  ASSERT_TRUE(store_->Put(*a).ok());
  a->set_stage(v1::TRAIN_PM);
  EXPECT_EQ(store_->Put(*a).code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->UpdateElo(a->id(), 35, 10, 60).ok());
  EXPECT_EQ(store_->Get(a->id())->elo(), 35);
  EXPECT_EQ(store_->Get(a->id())->stage(), v1::SUCCEEDED);
}

TEST_F(IterationStoreTest, UnknownIdsAreNotFoundOrInvalid) {
  v1::Iteration ghost;
  ghost.set_id("iter-0099");
  EXPECT_EQ(store_->Put(ghost).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Get("iter-0099").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Get("bogus").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->UpdateElo("iter-0099", 1, 0, 2).code(), absl::StatusCode::kNotFound);
}

TEST_F(IterationStoreTest, ListIsInNumericOrder) {
  for (int i = 0; i < 12; ++i) {
    auto it = store_->Create("", now_);
    ASSERT_TRUE(it.ok());
    it->set_stage(v1::SUCCEEDED);
    ASSERT_TRUE(store_->Put(*it).ok());
  }
  auto all = store_->List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 12u);
  EXPECT_EQ(all->front().id(), "iter-0001");
  EXPECT_EQ(all->back().id(), "iter-0012");
}

TEST_F(IterationStoreTest, SchedulePersists) {
  EXPECT_FALSE(store_->GetSchedule()->has_value());
  v1::Schedule s;
  s.set_paused(true);
  s.mutable_period()->set_seconds(30);
  ASSERT_TRUE(store_->PutSchedule(s).ok());
  Reopen();
  auto got = store_->GetSchedule();
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_TRUE((*got)->paused());
  EXPECT_EQ((*got)->period().seconds(), 30);
}

TEST_F(IterationStoreTest, SecondOpenOfTheSameDirIsUnavailable) {
  auto second = IterationStore::Open({dir_});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace shammie::storage
