#include "services/dashboard/iteration_history.h"

#include <sys/stat.h>

#include <cmath>
#include <limits>

#include "gtest/gtest.h"
#include "tests/lib/run_command.h"

namespace shammie::dashboard {
namespace {

using shammie::testing::ReadFile;
using shammie::testing::RunCommand;
using shammie::testing::TempDir;
using shammie::testing::WriteFile;

v1::IterationRecord Record(const std::string& id, v1::IterationStage stage) {
  v1::IterationRecord r;
  r.mutable_iteration()->set_id(id);
  r.mutable_iteration()->set_stage(stage);
  return r;
}

TEST(IterationHistoryTest, PutGetListSurviveReopening) {
  TempDir dir;
  {
    auto h = IterationHistory::Open(dir.path());
    ASSERT_TRUE(h.ok()) << h.status();
    v1::IterationRecord r = Record("iter-0002", v1::SUCCEEDED);
    v1::PpoStep* s = r.mutable_ppo()->add_steps();
    s->set_step(1);
    s->set_reward(0.5);
    s->set_sqrt_kl(0.25);
    s->set_test_reward(std::numeric_limits<double>::quiet_NaN());
    r.mutable_pm()->set_ece(0.03);
    auto* bin = r.mutable_pm()->add_reliability();
    bin->set_mean_predicted(0.7);
    bin->set_observed(0.68);
    bin->set_count(40);
    v1::EloRating* e = r.add_elo();
    e->set_policy("policy-0001");
    e->set_elo(31);
    ASSERT_TRUE((*h)->Put(r).ok());
    ASSERT_TRUE((*h)->Put(Record("iter-0001", v1::SUCCEEDED)).ok());
  }
  // A new process (here: a new object) reads what the old one wrote.
  auto h = IterationHistory::Open(dir.path());
  ASSERT_TRUE(h.ok());
  auto got = (*h)->Get("iter-0002");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->iteration().stage(), v1::SUCCEEDED);
  ASSERT_EQ(got->ppo().steps_size(), 1);
  EXPECT_EQ(got->ppo().steps(0).reward(), 0.5);
  EXPECT_TRUE(std::isnan(got->ppo().steps(0).test_reward()));  // NaN round-trips
  EXPECT_EQ(got->pm().reliability(0).count(), 40u);
  EXPECT_EQ(got->elo(0).elo(), 31);
  auto all = (*h)->List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].iteration().id(), "iter-0001");  // id order
  EXPECT_EQ((*all)[1].iteration().id(), "iter-0002");
}

TEST(IterationHistoryTest, UpdateAppendsToTheStoredRecord) {
  TempDir dir;
  auto h = IterationHistory::Open(dir.path());
  ASSERT_TRUE(h.ok());
  for (int step = 1; step <= 3; ++step) {
    ASSERT_TRUE((*h)->Update("iter-0005", [&](v1::IterationRecord* r) {
                    r->mutable_iteration()->set_stage(v1::TRAIN_POLICY);
                    r->mutable_ppo()->add_steps()->set_step(step);
                  }).ok());
  }
  auto got = (*h)->Get("iter-0005");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->iteration().id(), "iter-0005");
  ASSERT_EQ(got->ppo().steps_size(), 3);
  EXPECT_EQ(got->ppo().steps(2).step(), 3u);
  EXPECT_GT(got->updated_at().seconds(), 0);
}

TEST(IterationHistoryTest, BadIdsAreRejectedAndNothingIsWritten) {
  TempDir dir;
  auto h = IterationHistory::Open(dir.path());
  ASSERT_TRUE(h.ok());
  for (const char* id : {"", "../escape", "iter 1", "a/b"}) {
    const absl::Status s = (*h)->Put(Record(id, v1::PENDING));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << id;
    EXPECT_NE(s.message().find("iteration.id"), absl::string_view::npos) << s;
  }
  EXPECT_EQ((*h)->Update("../x", [](v1::IterationRecord*) {}).code(),
            absl::StatusCode::kInvalidArgument);
  auto all = (*h)->List();
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
  EXPECT_EQ(RunCommand("ls -A " + dir.path() + "/history").output, "");
}

TEST(IterationHistoryTest, MissingIsNotFoundAndCorruptIsDataLoss) {
  TempDir dir;
  auto h = IterationHistory::Open(dir.path());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)->Get("iter-0009").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE((*h)->Put(Record("iter-0001", v1::SUCCEEDED)).ok());
  WriteFile(dir.path() + "/history/iter-0002.json", "{\"iteration\": {\"id\": ");
  EXPECT_EQ((*h)->Get("iter-0002").status().code(), absl::StatusCode::kDataLoss);
  // One bad file does not hide the good ones.
  auto all = (*h)->List();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].iteration().id(), "iter-0001");
}

TEST(IterationHistoryTest, WritesLeaveNoTemporaryFiles) {
  TempDir dir;
  auto h = IterationHistory::Open(dir.path());
  ASSERT_TRUE(h.ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*h)->Put(Record("iter-0001", v1::TRAIN_PM)).ok());
  EXPECT_EQ(RunCommand("ls -A " + dir.path() + "/history").output, "iter-0001.json\n");
  EXPECT_NE(ReadFile(dir.path() + "/history/iter-0001.json").find("TRAIN_PM"), std::string::npos);
}

TEST(IterationHistoryTest, UnwritableFolderIsUnavailable) {
  TempDir dir;
  auto h = IterationHistory::Open(dir.path());
  ASSERT_TRUE(h.ok());
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores folder permissions";
  ASSERT_EQ(::chmod((dir.path() + "/history").c_str(), 0555), 0);
  EXPECT_EQ((*h)->Put(Record("iter-0001", v1::PENDING)).code(), absl::StatusCode::kUnavailable);
  ::chmod((dir.path() + "/history").c_str(), 0755);
  EXPECT_EQ((*h)->Get("iter-0001").status().code(), absl::StatusCode::kNotFound);
}

TEST(IterationHistoryTest, EmptyArtifactDirIsInvalid) {
  EXPECT_EQ(IterationHistory::Open("").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shammie::dashboard
