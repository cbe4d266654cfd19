// The Collector without a transport (what the HTTP API builds on): time comes
// from the injected clock, and the operator token is made once.
#include <fstream>

#include "gtest/gtest.h"
#include "services/collector/collector.h"
#include "services/collector/operator_token.h"
#include "tests/lib/temp_dir.h"

namespace shammie::collector {
namespace {

class CollectorImplTest : public ::testing::Test {
 protected:
  std::unique_ptr<Collector> Open() {
    CollectorOptions options;
    options.data_dir = dir_.Sub("data");
    options.clock = &clock_;
    options.default_overlap = 2;
    auto c = Collector::Open(options);
    EXPECT_TRUE(c.ok()) << c.status();
    return c.ok() ? std::move(*c) : nullptr;
  }
  std::string OperatorSecret() {
    std::string s;
    std::ifstream(dir_.Sub("data/operator.token")) >> s;
    return s;
  }

  testing::TempDir dir_;
  common::ManualClock clock_{
      absl::FromCivil(absl::CivilSecond(2026, 11, 27, 23, 59, 0), absl::UTCTimeZone())};
};

TEST_F(CollectorImplTest, UsesTheInjectedClockAndDefaultOverlap) {
  auto collector = Open();
  auto op = collector->Authenticate("Bearer " + OperatorSecret());
  ASSERT_TRUE(op.ok()) << op.status();
  EXPECT_EQ(op->role, v1::OPERATOR);
  v1::CreateTaskRequest req;
  auto* t = req.mutable_context()->add_turns();
  t->set_role(v1::HUMAN);
  t->set_text("q");
  req.add_candidates("a");
  req.add_candidates("b");
  auto task = collector->CreateTask(*op, req);
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->labels_wanted(), 2u);
  v1::SubmitComparisonRequest submit;
  submit.set_task_id(task->id());
  submit.set_preference(1);
  auto c = collector->SubmitComparison(*op, submit);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->created_at().seconds(), absl::ToUnixSeconds(clock_.Now()));
  EXPECT_EQ(collector->GetStats(*op)->mine_today(), 1u);
  EXPECT_EQ(collector->GetStats(*op)->by_day().at("2026-11-27"), 1u);
  clock_.Advance(absl::Minutes(2));  // a new UTC day
  EXPECT_EQ(collector->GetStats(*op)->mine_today(), 0u);
}

TEST_F(CollectorImplTest, OperatorTokenIsMadeOnceAndRecreatedOnlyWhenNoTokenIsLeft) {
  std::string first;
  {
    auto collector = Open();
    first = OperatorSecret();
  }
  {
    auto collector = Open();
    EXPECT_EQ(OperatorSecret(), first);  // a restart keeps it
    auto op = collector->Authenticate("Bearer " + first);
    ASSERT_TRUE(op.ok());
    v1::RevokeTokenRequest revoke;
    revoke.set_name(kOperatorTokenName);
    ASSERT_TRUE(collector->RevokeToken(*op, revoke).ok());
    EXPECT_EQ(collector->Authenticate("Bearer " + first).status().code(),
              absl::StatusCode::kUnauthenticated);
  }
  auto collector = Open();  // no token left: a fresh operator token
  EXPECT_NE(OperatorSecret(), first);
  EXPECT_TRUE(collector->Authenticate("bearer " + OperatorSecret()).ok());
  EXPECT_EQ(collector->Authenticate("").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(CollectorImplTest, SecondCollectorOnTheSameDataDirIsUnavailable) {
  auto collector = Open();
  CollectorOptions options;
  options.data_dir = dir_.Sub("data");
  EXPECT_EQ(Collector::Open(options).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace shammie::collector
