// The collector's sampler and deployment over real loopback gRPC:
// DeployPolicies/GetDeployment (roles, bad checkpoints, persistence across a
// restart), CreateTask without candidates, and follow-up tasks from a
// labeler's next human turn. The policies are folders holding reply.txt —
// a stand-in for a model so the test checks the collector's wiring, not
// generation (policy-model's tests cover that).
#include "services/collector/response_sampler.h"

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "tests/lib/collector_fixture.h"

namespace shammie::collector {
namespace {

using ::testing::HasSubstr;

class FolderPolicy : public TextPolicy {
 public:
  explicit FolderPolicy(std::string reply) : reply_(std::move(reply)) {}
  absl::StatusOr<std::string> Generate(const std::string& dialog, uint64_t seed) override {
    return reply_;
  }

 private:
  std::string reply_;
};

absl::StatusOr<std::shared_ptr<TextPolicy>> LoadFolder(const std::string& checkpoint) {
  std::ifstream in(checkpoint + "/reply.txt");
  if (!in) return absl::NotFoundError("no reply.txt");
  std::stringstream ss;
  ss << in.rdbuf();
  return std::shared_ptr<TextPolicy>(new FolderPolicy(ss.str()));
}

class ResponseSamplerTest : public testing::CollectorFixture {
 protected:
  void SetUp() override {
    OpenSampler();
    CollectorFixture::SetUp();
  }
  void OpenSampler() {
    ResponseSamplerOptions o;
    o.loader = LoadFolder;
    o.state_file = dir_.Sub("deployment.json");
    auto s = ResponseSampler::Open(o);
    ASSERT_TRUE(s.ok()) << s.status();
    sampler_ = *std::move(s);
  }
  void Customize(CollectorServerOptions* options) override {
    options->collector.sampler = sampler_.get();
  }
  std::string Policy(const std::string& name, const std::string& reply) {
    std::string dir = dir_.Sub(name);
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/reply.txt") << reply;
    return dir;
  }
  grpc::Status Deploy(const std::string& token, std::vector<std::pair<std::string, std::string>> policies,
                      v1::Deployment* out) {
    v1::DeployPoliciesRequest req;
    for (auto& [name, ckpt] : policies) {
      auto* p = req.add_policies();
      p->set_name(name);
      p->set_checkpoint(ckpt);
    }
    return stub_->DeployPolicies(As(token).get(), req, out);
  }
  static v1::CreateTaskRequest Prompt(const std::string& text) {
    v1::CreateTaskRequest req;
    auto* t = req.mutable_context()->add_turns();
    t->set_role(v1::HUMAN);
    t->set_text(text);
    return req;
  }

  std::unique_ptr<ResponseSampler> sampler_;
};

TEST_F(ResponseSamplerTest, NothingDeployedMeansNotFoundAndFailedPrecondition) {
  v1::Deployment d;
  EXPECT_EQ(stub_->GetDeployment(As(operator_token_).get(), v1::GetDeploymentRequest(), &d).error_code(),
            grpc::NOT_FOUND);
  v1::LabelingTask task;
  EXPECT_EQ(stub_->CreateTask(As(operator_token_).get(), Prompt("Hi!"), &task).error_code(),
            grpc::FAILED_PRECONDITION);
}

TEST_F(ResponseSamplerTest, DeployChecksRoleAndCheckpointsAndKeepsTheOldOneOnError) {
  v1::Deployment d;
  const std::string labeler = NewToken("ann", v1::LABELER);
  EXPECT_EQ(Deploy(labeler, {{"policy-0000", Policy("base", " Hello.")}}, &d).error_code(),
            grpc::PERMISSION_DENIED);
  ASSERT_TRUE(Deploy(operator_token_, {{"policy-0000", Policy("base", " Hello.")}}, &d).ok());
  grpc::Status bad = Deploy(operator_token_, {{"policy-0001", dir_.Sub("missing")}}, &d);
  EXPECT_EQ(bad.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("policies[0].checkpoint"));
  EXPECT_EQ(Deploy(operator_token_, {}, &d).error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(Deploy(operator_token_, {{"p", Policy("x", "x")}, {"p", Policy("y", "y")}}, &d).error_code(),
            grpc::INVALID_ARGUMENT);
  ASSERT_TRUE(stub_->GetDeployment(As(labeler).get(), v1::GetDeploymentRequest(), &d).ok());
  ASSERT_EQ(d.policies_size(), 1);
  EXPECT_EQ(d.policies(0).name(), "policy-0000");
}

TEST_F(ResponseSamplerTest, TwoSnapshotsAnswerEveryTaskOneEachInAlternatingOrder) {
  v1::Deployment d;
  ASSERT_TRUE(Deploy(operator_token_, {{"policy-0001", Policy("new", " New.")},
                                       {"policy-0000", Policy("old", " Old.")}}, &d).ok());
  int new_first = 0;
  for (int i = 0; i < 6; ++i) {
    v1::LabelingTask task;
    grpc::Status s = stub_->CreateTask(As(operator_token_).get(), Prompt("Hi!"), &task);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_NE(task.response_a().policy(), task.response_b().policy());
    for (const auto* r : {&task.response_a(), &task.response_b()}) {
      EXPECT_EQ(r->text(), r->policy() == "policy-0001" ? " New." : " Old.");
    }
    new_first += task.response_a().policy() == "policy-0001";
  }
  EXPECT_EQ(new_first, 3);
}

TEST_F(ResponseSamplerTest, NextHumanTurnCreatesAFollowUpWithTheChosenResponse) {
  v1::Deployment d;
  ASSERT_TRUE(Deploy(operator_token_, {{"policy-0001", Policy("new", " New.")},
                                       {"policy-0000", Policy("old", " Old.")}}, &d).ok());
  const std::string ann = NewToken("ann", v1::LABELER);
  const std::string bob = NewToken("bob", v1::LABELER);
  v1::LabelingTask task;
  ASSERT_TRUE(stub_->CreateTask(As(operator_token_).get(), Prompt("Hi!"), &task).ok());
  v1::SubmitComparisonRequest submit;
  submit.set_task_id(task.id());
  submit.set_preference(2);  // A
  submit.set_client_request_id("r1");
  submit.set_next_human_turn("What is 2 plus 3?");
  v1::Comparison c;
  grpc::Status s = stub_->SubmitComparison(As(ann).get(), submit, &c);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(c.response_a().policy(), task.response_a().policy());

  v1::LabelingTask follow;
  ASSERT_TRUE(stub_->NextTask(As(bob).get(), v1::NextTaskRequest(), &follow).ok());
  ASSERT_EQ(follow.context().turns_size(), 3);
  EXPECT_EQ(follow.context().turns(1).role(), v1::ASSISTANT);
  EXPECT_EQ(follow.context().turns(1).text(), task.response_a().text());
  EXPECT_EQ(follow.context().turns(2).text(), "What is 2 plus 3?");
  EXPECT_NE(follow.response_a().policy(), follow.response_b().policy());
}

TEST_F(ResponseSamplerTest, DeploymentSurvivesARestart) {
  v1::Deployment d;
  ASSERT_TRUE(Deploy(operator_token_, {{"policy-0002", Policy("p2", " Two.")}}, &d).ok());
  stub_.reset();
  channel_.reset();
  server_.reset();
  sampler_.reset();
  OpenSampler();
  StartServer();
  ASSERT_TRUE(stub_->GetDeployment(As(operator_token_).get(), v1::GetDeploymentRequest(), &d).ok());
  ASSERT_EQ(d.policies_size(), 1);
  EXPECT_EQ(d.policies(0).name(), "policy-0002");
  v1::LabelingTask task;
  ASSERT_TRUE(stub_->CreateTask(As(operator_token_).get(), Prompt("Hi!"), &task).ok());
  EXPECT_EQ(task.response_a().text(), " Two.");
  EXPECT_EQ(task.response_b().policy(), "policy-0002");
}

}  // namespace
}  // namespace shammie::collector
