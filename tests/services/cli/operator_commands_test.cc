// The operator CLI against a real shammie-scheduler process on loopback:
// trigger (idempotent key, never two at once), status, watch, cancel and
// schedule pause/resume/set. A real shammie-collector holds one comparison
// and is the token authority (state changes need its operator token); the
// trainers are absent (an unreachable address), so an iteration stays in
// TRAIN_PM retrying — which is exactly what cancel and watch need to be
// tested against.
#include <cstdlib>
#include <fstream>
#include <optional>
#include <filesystem>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/subprocess.h"
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
    auto collector = common::Subprocess::Start(
        {testing::BinPath("shammie-collector"), "--data-dir", dir_ + "/collector", "--listen",
         "127.0.0.1:0", "--port-file", dir_ + "/collector.port", "--http-listen", ""});
    ASSERT_TRUE(collector.ok()) << collector.status();
    collector_.emplace(std::move(*collector));
    auto port = common::WaitForFile(dir_ + "/collector.port", absl::Seconds(60));
    ASSERT_TRUE(port.ok()) << port.status();
    collector_address_ = absl::StrCat("127.0.0.1:", absl::StripAsciiWhitespace(*port));
    token_file_ = dir_ + "/collector/operator.token";
    ASSERT_TRUE(common::WaitForFile(token_file_, absl::Seconds(5)).ok());
    std::ofstream(dir_ + "/one.jsonl")
        << R"({"chosen": "\n\nHuman: hi\n\nAssistant: hello", "rejected": "\n\nHuman: hi\n\nAssistant: no"})"
        << "\n";
    auto imported = RunToEnd("shammie", {"import", dir_ + "/one.jsonl", "--server",
                                         collector_address_, "--token-file", token_file_});
    ASSERT_EQ(imported.first, 0) << imported.second;
    StartScheduler();
  }
  void StartScheduler() {
    scheduler_ = std::make_unique<ChildProcess>(
        "shammie-scheduler",
        std::vector<std::string>{"--data-dir", dir_ + "/scheduler", "--listen", "127.0.0.1:0",
                                 "--metrics-listen", "", "--collector", collector_address_,
                                 "--token-file", token_file_, "--pm-trainer", "127.0.0.1:1",
                                 "--ppo-trainer", "127.0.0.1:1", "--base-checkpoint",
                                 dir_ + "/base"});
    auto line = scheduler_->WaitForLine("listening on port");
    ASSERT_TRUE(line.has_value()) << "scheduler did not start";
    address_ = absl::StrCat("127.0.0.1:", line->substr(line->rfind(' ') + 1));
  }
  void TearDown() override {
    scheduler_.reset();
    collector_.reset();
    std::filesystem::remove_all(dir_);
  }
  // `shammie <args> --scheduler S` with the operator's token.
  std::pair<int, std::string> Shammie(std::vector<std::string> args) {
    args.insert(args.end(), {"--scheduler", address_, "--token-file", token_file_});
    return RunToEnd("shammie", args);
  }
  // The same without a token.
  std::pair<int, std::string> Anonymous(std::vector<std::string> args) {
    args.insert(args.end(), {"--scheduler", address_});
    return RunToEnd("shammie", args);
  }

  std::string dir_, address_, collector_address_, token_file_;
  std::optional<common::Subprocess> collector_;
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

  // SNAPSHOT reads the collector's stats, then TRAIN_PM waits for the absent
  // PM trainer (retrying UNAVAILABLE).
  for (int i = 0; i < 300; ++i) {
    std::tie(code, out) = Shammie({"status"});
    if (out.find("iter-0001  TRAIN_PM") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(code, 0);
  EXPECT_NE(out.find("iter-0001  TRAIN_PM"), std::string::npos) << out;
  EXPECT_EQ(out.find("iter-0002"), std::string::npos) << out;
  std::tie(code, out) = Shammie({"status", "iter-0001"});
  ASSERT_EQ(code, 0);
  EXPECT_NE(out.find("key                  first"), std::string::npos) << out;
  EXPECT_EQ(Shammie({"status", "iter-0099"}).first, 1);

  ChildProcess watch("shammie", {"watch", "iter-0001", "--scheduler", address_});
  auto first = watch.ReadLine();
  ASSERT_TRUE(first.has_value());
  EXPECT_NE(first->find("TRAIN_PM"), std::string::npos) << *first;

  std::tie(code, out) = Shammie({"cancel", "iter-0001"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("CANCELLED"), std::string::npos) << out;
  std::string rest = watch.ReadAll();
  EXPECT_NE(rest.find("iter-0001  CANCELLED"), std::string::npos) << rest;
  EXPECT_EQ(watch.Wait(), 1);  // watch exits 1 unless SUCCEEDED
  EXPECT_EQ(Shammie({"cancel", "iter-0001"}).first, 1);  // already ended

  // The cancellation survives a restart of the scheduler (it is stored).
  scheduler_->Kill(SIGKILL);
  StartScheduler();
  std::tie(code, out) = Shammie({"status", "iter-0001"});
  EXPECT_NE(out.find("CANCELLED"), std::string::npos) << out;
  std::tie(code, out) = Shammie({"trigger"});
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("iter-0002"), std::string::npos) << out;
}

TEST_F(OperatorCommandsTest, ChangesNeedTheOperatorTokenAndAreAudited) {
  auto [code, out] = Anonymous({"trigger"});
  EXPECT_EQ(code, 1) << out;
  std::tie(code, out) = Anonymous({"schedule", "pause"});
  EXPECT_EQ(code, 1) << out;
  std::tie(code, out) = Anonymous({"status"});  // reads need no token
  EXPECT_EQ(code, 0) << out;
  std::tie(code, out) = Anonymous({"schedule"});
  EXPECT_EQ(code, 0) << out;
  std::tie(code, out) = Shammie({"schedule", "pause"});
  ASSERT_EQ(code, 0) << out;
  auto audit = RunToEnd("shammie", {"audit", "--server", collector_address_, "--token-file", token_file_});
  ASSERT_EQ(audit.first, 0) << audit.second;
  EXPECT_NE(audit.second.find("schedule.set"), std::string::npos) << audit.second;
  EXPECT_NE(audit.second.find("comparisons.import"), std::string::npos) << audit.second;
}

// `shammie deploy`: roll forward to a checkpoint, keep the previous newest
// next to it, roll back; a folder that holds no policy is refused and the
// deployment stays as it was.
TEST_F(OperatorCommandsTest, DeployRollsForwardAndBack) {
  const char* base = std::getenv("SHAMMIE_TINY_BASE_DIR");
  ASSERT_NE(base, nullptr) << "SHAMMIE_TINY_BASE_DIR not set (fixture tiny_base)";
  const std::string second = dir_ + "/policy-b";
  std::filesystem::copy(base, second, std::filesystem::copy_options::recursive);
  auto deploy = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "deploy");
    args.insert(args.end(), {"--server", collector_address_, "--token-file", token_file_});
    return RunToEnd("shammie", args);
  };
  auto [code, out] = deploy({base, "--name", "policy-a"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("deployed policy-a"), std::string::npos) << out;
  std::tie(code, out) = deploy({second, "--name", "policy-b", "--keep-previous"});
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("deployed policy-b"), std::string::npos) << out;
  EXPECT_NE(out.find("deployed policy-a"), std::string::npos) << out;  // kept beside it
  std::tie(code, out) = deploy({dir_ + "/no-such-policy"});
  EXPECT_NE(code, 0) << out;
  std::tie(code, out) = deploy({base, "--name", "policy-a"});  // roll back: only policy-a
  ASSERT_EQ(code, 0) << out;
  EXPECT_EQ(out.find("policy-b"), std::string::npos) << out;
  auto audit = RunToEnd("shammie", {"audit", "--server", collector_address_, "--token-file", token_file_});
  EXPECT_NE(audit.second.find("deploy"), std::string::npos) << audit.second;
}

}  // namespace
}  // namespace shammie
