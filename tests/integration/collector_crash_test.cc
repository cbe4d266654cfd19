// The durability promise, tested with real processes: a child process submits
// comparisons from several threads; the collector is killed with SIGKILL at a
// random moment; a new collector opens the same data dir; every comparison
// that was ACKNOWLEDGED is there exactly once, with the seq and id it was
// acknowledged with, seqs stay gap-free, and retrying calls whose outcome the
// client never learned never creates a second copy. Several rounds, each
// adding to the same data dir.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "shammie/v1/collector.grpc.pb.h"
#include "tests/lib/temp_dir.h"

namespace shammie {
namespace {

struct Ack {
  uint64_t seq;
  std::string id;
};

std::string BinDir() {
  const char* dir = std::getenv("SHAMMIE_BIN_DIR");
  return dir ? dir : common::ExecutableDir();
}

class CollectorCrashTest : public ::testing::Test {
 protected:
  // Starts shammie-collector on the data dir; fills server_ and stub_.
  void StartCollector() {
    const std::string port_file = dir_.Sub("port");
    std::remove(port_file.c_str());
    auto p = common::Subprocess::Start({BinDir() + "/shammie-collector", "--data-dir", dir_.Sub("data"),
                                        "--listen", "127.0.0.1:0", "--port-file", port_file,
                                        "--http-listen", "127.0.0.1:0"});
    ASSERT_TRUE(p.ok()) << p.status();
    collector_.emplace(std::move(*p));
    auto port = common::WaitForFile(port_file, absl::Seconds(60));
    ASSERT_TRUE(port.ok()) << port.status();
    server_ = absl::StrCat("127.0.0.1:", absl::StripAsciiWhitespace(*port));
    stub_ = v1::ComparisonService::NewStub(grpc::CreateChannel(server_, grpc::InsecureChannelCredentials()));
    auto token = common::WaitForFile(dir_.Sub("data/operator.token"), absl::Seconds(5));
    ASSERT_TRUE(token.ok());
    operator_token_ = std::string(absl::StripAsciiWhitespace(*token));
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->AddMetadata("authorization", "Bearer " + token);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return ctx;
  }

  // Every stored comparison, keyed by client_request_id, checking no
  // request id appears twice and seqs are 1..N without gaps.
  std::map<std::string, v1::Comparison> ExportAndCheck() {
    std::map<std::string, v1::Comparison> out;
    auto ctx = As(operator_token_);
    auto reader = stub_->ExportComparisons(ctx.get(), v1::ExportComparisonsRequest());
    v1::Comparison c;
    uint64_t expected_seq = 1;
    while (reader->Read(&c)) {
      EXPECT_EQ(c.seq(), expected_seq++) << "seqs must be gap-free";
      EXPECT_TRUE(out.emplace(c.client_request_id(), c).second)
          << "request id " << c.client_request_id() << " stored twice";
    }
    EXPECT_TRUE(reader->Finish().ok());
    return out;
  }

  testing::TempDir dir_;
  std::optional<common::Subprocess> collector_;
  std::string server_;
  std::unique_ptr<v1::ComparisonService::Stub> stub_;
  std::string operator_token_;
};

TEST_F(CollectorCrashTest, EveryAcknowledgedComparisonSurvivesSigkillExactlyOnce) {
  StartCollector();
  // A labeler and a few tasks.
  v1::CreateTokenRequest token_req;
  token_req.set_name("crash-labeler");
  token_req.set_role(v1::LABELER);
  v1::Token labeler;
  ASSERT_TRUE(stub_->CreateToken(As(operator_token_).get(), token_req, &labeler).ok());
  std::vector<std::string> tasks;
  for (int i = 0; i < 4; ++i) {
    v1::CreateTaskRequest req;
    auto* turn = req.mutable_context()->add_turns();
    turn->set_role(v1::HUMAN);
    turn->set_text(absl::StrCat("prompt ", i));
    req.add_candidates("a");
    req.add_candidates("b");
    req.set_overlap(1000);
    v1::LabelingTask task;
    ASSERT_TRUE(stub_->CreateTask(As(operator_token_).get(), req, &task).ok());
    tasks.push_back(task.id());
  }

  std::mt19937 rng(std::random_device{}());
  std::map<std::string, Ack> acked;      // every ack from every round
  std::vector<std::string> unknown;      // calls whose outcome the client never learned
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<std::string> argv = {BinDir() + "/collector_crash_submitter", server_, labeler.secret(),
                                     absl::StrCat("r", round), "6"};
    argv.insert(argv.end(), tasks.begin(), tasks.end());
    const std::string out_path = dir_.Sub(absl::StrCat("round", round, ".txt"));
    auto submitter = common::Subprocess::Start(argv, out_path);
    ASSERT_TRUE(submitter.ok()) << submitter.status();
    const int kill_after_ms = std::uniform_int_distribution<int>(300, 1500)(rng);
    absl::SleepFor(absl::Milliseconds(kill_after_ms));
    collector_->Signal(SIGKILL);
    ASSERT_EQ(*collector_->Wait(absl::Seconds(10)), 128 + SIGKILL);
    auto rc = submitter->Wait(absl::Seconds(60));
    ASSERT_TRUE(rc.ok()) << rc.status();
    ASSERT_EQ(*rc, 0);

    std::ifstream in(out_path);
    std::string line;
    int round_acks = 0;
    while (std::getline(in, line)) {
      std::vector<std::string> f = absl::StrSplit(line, ' ');
      if (f[0] == "ack") {
        acked[f[1]] = Ack{std::stoull(f[2]), f[3]};
        ++round_acks;
      } else if (f[0] == "lost") {
        unknown.push_back(f[1]);
      }
    }
    EXPECT_GT(round_acks, 0) << "round " << round << " killed before any ack (after " << kill_after_ms << " ms)";

    // Restart on the same data dir and check.
    StartCollector();
    std::map<std::string, v1::Comparison> stored = ExportAndCheck();
    for (const auto& [cid, ack] : acked) {
      auto it = stored.find(cid);
      ASSERT_NE(it, stored.end()) << "acknowledged comparison " << cid << " (seq " << ack.seq << ") lost";
      EXPECT_EQ(it->second.seq(), ack.seq) << cid;
      EXPECT_EQ(it->second.id(), ack.id) << cid;
    }
    // Retry every call with an unknown outcome: stored at most once, ever.
    for (const std::string& cid : unknown) {
      v1::SubmitComparisonRequest req;
      req.set_task_id(tasks[0]);
      req.set_preference(4);
      req.set_client_request_id(cid);
      v1::Comparison c;
      ASSERT_TRUE(stub_->SubmitComparison(As(labeler.secret()).get(), req, &c).ok());
      auto it = stored.find(cid);
      if (it != stored.end()) EXPECT_EQ(c.id(), it->second.id()) << "retry of a stored call made a new one";
    }
    std::map<std::string, v1::Comparison> after_retries = ExportAndCheck();  // still no duplicates
    std::printf("round %d: killed after %d ms; %d acked this round, %zu unknown retried; %zu acked so far, %zu stored\n",
                round, kill_after_ms, round_acks, unknown.size(), acked.size(), after_retries.size());
    unknown.clear();
    SCOPED_TRACE(absl::StrCat("round ", round, ": ", acked.size(), " acked so far, ", after_retries.size(),
                              " stored"));
    EXPECT_GE(after_retries.size(), acked.size());
  }
  collector_->Signal(SIGTERM);
  EXPECT_EQ(*collector_->Wait(absl::Seconds(20)), 0);
}

}  // namespace
}  // namespace shammie
