// The operator CLI against a real shammie-scheduler process on loopback:
// trigger (idempotent key, never two at once), status, watch, cancel and
// schedule pause/resume/set. The collector and trainers are absent (an
// unreachable address), so an iteration stays in SNAPSHOT retrying — which
// is exactly what cancel and watch need to be tested against.
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/lib/child_process.h"

namespace shammie {
namespace {

using testing::ChildProcess;
using testing::RunToEnd;

class OperatorCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/operator_commands_XXXXXX";
    dir_ = mkdtemp(tmpl);
    scheduler_ = std::make_unique<ChildProcess>(
        "shammie-scheduler",
        std::vector<std::string>{"--data-dir", dir_ + "/scheduler", "--listen", "127.0.0.1:0",
                                 "--metrics-listen", "", "--collector", "127.0.0.1:1",
                                 "--pm-trainer", "127.0.0.1:1", "--ppo-trainer", "127.0.0.1:1",
                                 "--base-checkpoint", dir_ + "/base"});
    auto line = scheduler_->WaitForLine("listening on port");
    ASSERT_TRUE(line.has_value()) << "scheduler did not start";
    address_ = absl::StrCat("127.0.0.1:", line->substr(line->rfind(' ') + 1));
  }
  void TearDown() override {
    scheduler_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::pair<int, std::string> Shammie(std::vector<std::string> args) {
    args.push_back("--scheduler");
    args.push_back(address_);
    return RunToEnd("shammie", args);
  }

  std::string dir_, address_;
  std::unique_ptr<ChildProcess> scheduler_;
};

TEST_F(OperatorCommandsTest, ScheduleShowPauseSetResume) {
  auto [code, out] = Shammie({"schedule"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("period  7d"), std::string::npos) << out;
  EXPECT_NE(out.find("state   active"), std::string::npos) << out;
  // Default anchor: a Monday 00:00 UTC, so the next due time is one too.
  EXPECT_NE(out.find("T00:00:00"), std::string::npos) << out;

  std::tie(code, out) = Shammie({"schedule", "pause"});
  ASSERT_EQ(code, 0);
  EXPECT_NE(out.find("state   paused"), std::string::npos) << out;
  EXPECT_EQ(out.find("next"), std::string::npos) << out;

  std::tie(code, out) = Shammie({"schedule", "set", "--period", "90m", "--anchor", "2026-11-28T06:00:00Z"});
  ASSERT_EQ(code, 0);
  EXPECT_NE(out.find("period  1h30m"), std::string::npos) << out;
  EXPECT_NE(out.find("state   paused"), std::string::npos) << out;  // set keeps the pause

  std::tie(code, out) = Shammie({"schedule", "resume"});
  ASSERT_EQ(code, 0);
  EXPECT_NE(out.find("state   active"), std::string::npos) << out;
  EXPECT_NE(out.find("next"), std::string::npos) << out;

  EXPECT_EQ(Shammie({"schedule", "set", "--period", "soon"}).first, 2);  // usage error
  EXPECT_EQ(Shammie({"schedule", "sometimes"}).first, 2);
}

TEST_F(OperatorCommandsTest, TriggerStatusWatchCancel) {
  auto [code, out] = Shammie({"trigger", "--key", "first"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("iter-0001"), std::string::npos) << out;
  std::tie(code, out) = Shammie({"trigger", "--key", "first"});  // idempotent
  ASSERT_EQ(code, 0);
  EXPECT_NE(out.find("iter-0001"), std::string::npos) << out;
  std::tie(code, out) = Shammie({"trigger", "--key", "second"});  // never two at once
  EXPECT_EQ(code, 1) << out;

  std::tie(code, out) = Shammie({"status"});
  ASSERT_EQ(code, 0);
  EXPECT_NE(out.find("iter-0001  SNAPSHOT"), std::string::npos) << out;
  EXPECT_EQ(out.find("iter-0002"), std::string::npos) << out;
  std::tie(code, out) = Shammie({"status", "iter-0001"});
  ASSERT_EQ(code, 0);
  EXPECT_NE(out.find("key                  first"), std::string::npos) << out;
  EXPECT_EQ(Shammie({"status", "iter-0099"}).first, 1);

  ChildProcess watch("shammie", {"watch", "iter-0001", "--scheduler", address_});
  auto first = watch.ReadLine();
  ASSERT_TRUE(first.has_value());
  EXPECT_NE(first->find("SNAPSHOT"), std::string::npos) << *first;

  std::tie(code, out) = Shammie({"cancel", "iter-0001"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("CANCELLED"), std::string::npos) << out;
  std::string rest = watch.ReadAll();
  EXPECT_NE(rest.find("iter-0001  CANCELLED"), std::string::npos) << rest;
  EXPECT_EQ(watch.Wait(), 1);  // watch exits 1 unless SUCCEEDED
  EXPECT_EQ(Shammie({"cancel", "iter-0001"}).first, 1);  // already ended

  // The cancellation survives a restart of the scheduler (it is stored).
  scheduler_->Kill(SIGKILL);
  scheduler_ = std::make_unique<ChildProcess>(
      "shammie-scheduler",
      std::vector<std::string>{"--data-dir", dir_ + "/scheduler", "--listen", "127.0.0.1:0",
                               "--metrics-listen", "", "--collector", "127.0.0.1:1",
                               "--pm-trainer", "127.0.0.1:1", "--ppo-trainer", "127.0.0.1:1",
                               "--base-checkpoint", dir_ + "/base"});
  auto line = scheduler_->WaitForLine("listening on port");
  ASSERT_TRUE(line.has_value());
  address_ = absl::StrCat("127.0.0.1:", line->substr(line->rfind(' ') + 1));
  std::tie(code, out) = Shammie({"status", "iter-0001"});
  EXPECT_NE(out.find("CANCELLED"), std::string::npos) << out;
  std::tie(code, out) = Shammie({"trigger"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("iter-0002"), std::string::npos) << out;
}

}  // namespace
}  // namespace shammie
