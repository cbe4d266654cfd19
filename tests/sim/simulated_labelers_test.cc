// SimulatedLabelers against a ComparisonService served over real loopback
// gRPC. The service here is a test double that hands out tasks from the
// synthetic task's PairGenerator and records what arrives — it checks the
// labelers' side of the protocol (tokens, preferences, retries, new turns).
#include "sim/simulated_labelers.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "shammie/v1/collector.grpc.pb.h"
#include "sim/comparison_pairs.h"
#include "sim/gold_reward.h"

namespace shammie::sim {
namespace {

class PairsCollector final : public v1::ComparisonService::Service {
 public:
  explicit PairsCollector(int tasks) : pairs_(PairGenerator(11).Take(tasks)) {}

  grpc::Status NextTask(grpc::ServerContext* ctx, const v1::NextTaskRequest*,
                        v1::LabelingTask* task) override {
    std::string who;
    if (!Caller(ctx, &who)) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no token");
    absl::MutexLock l(&mu_);
    if (next_ >= pairs_.size()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no tasks");
    const ComparisonPair& p = pairs_[next_];
    task->set_id(absl::StrCat("t-", next_++));
    auto* turn = task->mutable_context()->add_turns();
    turn->set_role(v1::HUMAN);
    // "\n\nHuman: <text>\n\nAssistant:" → <text>
    turn->set_text(p.context.substr(9, p.context.size() - 9 - 12));
    task->mutable_response_a()->set_text(p.a);
    task->mutable_response_b()->set_text(p.b);
    return grpc::Status::OK;
  }

  grpc::Status SubmitComparison(grpc::ServerContext* ctx, const v1::SubmitComparisonRequest* req,
                                v1::Comparison* out) override {
    std::string who;
    if (!Caller(ctx, &who)) return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no token");
    absl::MutexLock l(&mu_);
    // Every 7th first attempt fails UNAVAILABLE, as a collector restart would.
    if (!attempted_.count(req->client_request_id()) && ++attempts_ % 7 == 0) {
      attempted_.insert(req->client_request_id());
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting");
    }
    attempted_.insert(req->client_request_id());
    if (req->preference() < 1 || req->preference() > 8) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "preference");
    }
    stored_[req->client_request_id()] = *req;
    by_labeler_[who]++;
    int idx = std::stoi(req->task_id().substr(2));
    const ComparisonPair& p = pairs_[idx];
    if ((req->preference() <= 4) == (p.gold_a > p.gold_b)) ++agree_;
    if (!req->next_human_turn().empty()) ++new_turns_;
    out->set_preference(req->preference());
    return grpc::Status::OK;
  }

  absl::Mutex mu_;
  std::vector<ComparisonPair> pairs_;
  size_t next_ = 0;
  uint64_t attempts_ = 0;
  std::set<std::string> attempted_;
  std::map<std::string, v1::SubmitComparisonRequest> stored_;
  std::map<std::string, int> by_labeler_;
  int agree_ = 0, new_turns_ = 0;

 private:
  static bool Caller(grpc::ServerContext* ctx, std::string* who) {
    auto it = ctx->client_metadata().find("authorization");
    if (it == ctx->client_metadata().end()) return false;
    std::string v(it->second.data(), it->second.size());
    if (v.rfind("Bearer secret-", 0) != 0) return false;
    *who = v.substr(7);
    return true;
  }
};

TEST(RenderDialogTest, MatchesTheDialogFormatOfTheTask) {
  v1::Conversation c;
  auto* h = c.add_turns();
  h->set_role(v1::HUMAN);
  h->set_text("What is 2 plus 3?");
  EXPECT_EQ(RenderDialog(c), DialogContext("What is 2 plus 3?"));
  auto* a = c.add_turns();
  a->set_role(v1::ASSISTANT);
  a->set_text(" 5.");
  auto* h2 = c.add_turns();
  h2->set_role(v1::HUMAN);
  h2->set_text("Thanks!");
  EXPECT_EQ(RenderDialog(c), "\n\nHuman: What is 2 plus 3?\n\nAssistant: 5.\n\nHuman: Thanks!\n\nAssistant:");
  // The gold reward reads the last human turn of the rendered dialog.
  EXPECT_TRUE(GoldReward::Score(RenderDialog(c), " You're welcome!").known_prompt);
}

TEST(SimulatedLabelersTest, CrowdLabelsEveryTaskAtAboutSeventyPercentAgreement) {
  const int kTasks = 2000;
  PairsCollector service(kTasks);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  ASSERT_NE(port, 0);

  SimulatedLabelersOptions opts;
  opts.collector_address = absl::StrCat("127.0.0.1:", port);
  opts.tokens = {"secret-ann", "secret-bob", "secret-cyd", "secret-dan"};
  opts.idle_backoff = absl::Milliseconds(20);
  opts.seed = 5;
  SimulatedLabelers crowd(opts);
  crowd.Start();
  for (int i = 0; i < 600; ++i) {
    {
      absl::MutexLock l(&service.mu_);
      if (service.stored_.size() == size_t(kTasks)) break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  crowd.Stop();
  server->Shutdown();

  SimulatedLabelersStats stats = crowd.Stats();
  absl::MutexLock l(&service.mu_);
  ASSERT_EQ(service.stored_.size(), size_t(kTasks)) << stats.last_error;
  EXPECT_EQ(stats.submitted, uint64_t(kTasks));  // retries stored once
  EXPECT_EQ(stats.errors, 0u) << stats.last_error;
  EXPECT_EQ(service.by_labeler_.size(), 4u);  // every labeler, with its own token
  for (const auto& [who, n] : service.by_labeler_) EXPECT_GT(n, 100) << who;
  double agreement = double(service.agree_) / kTasks;
  EXPECT_GT(agreement, 0.64);
  EXPECT_LT(agreement, 0.76);
  EXPECT_EQ(service.agree_, int(stats.agreed_with_gold));
  // About 10% carry a next human turn, each a prompt the task knows.
  EXPECT_GT(service.new_turns_, kTasks * 0.06);
  EXPECT_LT(service.new_turns_, kTasks * 0.14);
  for (const auto& [id, req] : service.stored_) {
    if (!req.next_human_turn().empty()) {
      EXPECT_TRUE(ParsePrompt(req.next_human_turn()).has_value()) << req.next_human_turn();
    }
  }
}

}  // namespace
}  // namespace shammie::sim
