// DESIGN.md "Bad input", rule by rule, over real gRPC: each bad request gets
// INVALID_ARGUMENT with a message naming the field, and nothing is stored.
#include "services/collector/request_validation.h"

#include "gmock/gmock.h"
#include "tests/lib/collector_fixture.h"

namespace shammie::collector {
namespace {

using ::testing::HasSubstr;
using testing::CollectorFixture;

class BadInputTest : public CollectorFixture {
 protected:
  void SetUp() override {
    CollectorFixture::SetUp();
    labeler_ = NewToken("ann", v1::LABELER);
    task_ = NewTask("a good task", 10);
  }

  // CreateTask must fail with INVALID_ARGUMENT naming `field`, storing nothing.
  void ExpectTaskRejected(const v1::CreateTaskRequest& req, const std::string& field) {
    const uint64_t tasks_before = Stats().tasks();
    v1::LabelingTask task;
    grpc::Status s = stub_->CreateTask(As(operator_token_).get(), req, &task);
    EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT) << field << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), ::testing::StartsWith(field));
    EXPECT_EQ(Stats().tasks(), tasks_before);
  }

  // SubmitComparison must fail with `code` naming `field`, storing nothing.
  void ExpectSubmitRejected(const v1::SubmitComparisonRequest& req, const std::string& field,
                            grpc::StatusCode code = grpc::INVALID_ARGUMENT) {
    v1::Comparison c;
    grpc::Status s = stub_->SubmitComparison(As(labeler_).get(), req, &c);
    EXPECT_EQ(s.error_code(), code) << field << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), ::testing::StartsWith(field));
    EXPECT_EQ(Stats().comparisons(), 0u);
    EXPECT_TRUE(ExportAll(operator_token_).empty());
    EXPECT_EQ(Stats().last_seq(), 0u);
  }

  v1::SubmitComparisonRequest Submit(int preference) {
    v1::SubmitComparisonRequest req;
    req.set_task_id(task_.id());
    req.set_preference(preference);
    req.set_client_request_id("r-" + std::to_string(preference));
    return req;
  }

  std::string labeler_;
  v1::LabelingTask task_;
};

TEST_F(BadInputTest, PreferenceOutsideOneToEight) {
  ExpectSubmitRejected(Submit(0), "preference");
  ExpectSubmitRejected(Submit(9), "preference");
  ExpectSubmitRejected(Submit(-3), "preference");
  // The rejected request ids were not consumed: a good retry stores.
  v1::SubmitComparisonRequest good = Submit(0);
  good.set_preference(8);
  v1::Comparison c;
  ASSERT_TRUE(stub_->SubmitComparison(As(labeler_).get(), good, &c).ok());
  EXPECT_EQ(c.preference(), 8);
}

TEST_F(BadInputTest, UnknownOrMissingTask) {
  v1::SubmitComparisonRequest req = Submit(2);
  req.set_task_id("t-0000000000000000");
  ExpectSubmitRejected(req, "task_id");
  req.clear_task_id();
  ExpectSubmitRejected(req, "task_id");
  v1::SkipTaskRequest skip;
  skip.set_task_id("t-nope");
  v1::SkipTaskResponse out;
  grpc::Status s = stub_->SkipTask(As(labeler_).get(), skip, &out);
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("task_id"));
}

TEST_F(BadInputTest, EmptyText) {
  v1::CreateTaskRequest req = TaskRequest("x");
  req.mutable_context()->mutable_turns(0)->clear_text();
  ExpectTaskRejected(req, "context.turns[0].text");
  req = TaskRequest("x");
  req.set_candidates(1, "");
  ExpectTaskRejected(req, "candidates[1]");
  req = TaskRequest("x");
  req.clear_context();
  ExpectTaskRejected(req, "context.turns");
}

TEST_F(BadInputTest, OversizedText) {
  v1::CreateTaskRequest req = TaskRequest("x");
  req.mutable_context()->mutable_turns(0)->set_text(std::string(64 * 1024 + 1, 'a'));
  ExpectTaskRejected(req, "context.turns[0].text");
  req = TaskRequest("x");
  req.set_candidates(0, std::string(64 * 1024 + 1, 'b'));
  ExpectTaskRejected(req, "candidates[0]");
  // Exactly at the limit is fine.
  req = TaskRequest("x");
  req.mutable_context()->mutable_turns(0)->set_text(std::string(64 * 1024, 'a'));
  v1::LabelingTask task;
  EXPECT_TRUE(stub_->CreateTask(As(operator_token_).get(), req, &task).ok());
}

TEST_F(BadInputTest, InvalidUtf8) {
  // Protobuf's C++ runtime does not check UTF-8 in these fields (they are
  // declared so that the collector, not the parser, names the field).
  v1::CreateTaskRequest req = TaskRequest("x");
  req.mutable_context()->mutable_turns(0)->set_text("bad \xC3\x28 text");
  ExpectTaskRejected(req, "context.turns[0].text");
  req = TaskRequest("x");
  req.set_candidates(1, "\xED\xA0\x80");  // a UTF-16 surrogate
  ExpectTaskRejected(req, "candidates[1]");
  v1::SubmitComparisonRequest submit = Submit(2);
  submit.set_client_request_id("\xFF");
  ExpectSubmitRejected(submit, "client_request_id");
}

TEST_F(BadInputTest, TooManyTurns) {
  v1::CreateTaskRequest req = TaskRequest("x");
  req.clear_context();
  for (int i = 0; i < 65; ++i) {
    auto* t = req.mutable_context()->add_turns();
    t->set_role(i % 2 == 0 ? v1::HUMAN : v1::ASSISTANT);
    t->set_text("turn");
  }
  ExpectTaskRejected(req, "context.turns");
}

TEST_F(BadInputTest, RequestOverTheSizeLimit) {
  // 20 turns of 60 KiB: every turn is under its limit, the request is not.
  v1::CreateTaskRequest req = TaskRequest("x");
  req.clear_context();
  for (int i = 0; i < 21; ++i) {
    auto* t = req.mutable_context()->add_turns();
    t->set_role(i % 2 == 0 ? v1::HUMAN : v1::ASSISTANT);
    t->set_text(std::string(60 * 1024, 'z'));
  }
  ExpectTaskRejected(req, "request");
}

TEST_F(BadInputTest, MalformedConversationAndCandidates) {
  v1::CreateTaskRequest req = TaskRequest("x");
  req.mutable_context()->mutable_turns(0)->set_role(v1::ROLE_UNSPECIFIED);
  ExpectTaskRejected(req, "context.turns[0].role");
  req = TaskRequest("x");
  auto* last = req.mutable_context()->add_turns();
  last->set_role(v1::ASSISTANT);
  last->set_text("the context must end with the human");
  ExpectTaskRejected(req, "context.turns");
  req = TaskRequest("x");
  req.add_candidates("a third");
  ExpectTaskRejected(req, "candidates");
  req = TaskRequest("x");
  req.add_candidate_policies("only one");
  ExpectTaskRejected(req, "candidate_policies");
  req = TaskRequest("x");
  req.set_overlap(kMaxOverlap + 1);
  ExpectTaskRejected(req, "overlap");
}

TEST_F(BadInputTest, NextHumanTurnNeedsAPolicy) {
  v1::SubmitComparisonRequest req = Submit(3);
  req.set_next_human_turn("and then?");
  ExpectSubmitRejected(req, "next_human_turn", grpc::FAILED_PRECONDITION);
}

TEST_F(BadInputTest, BadTokenRequests) {
  v1::CreateTokenRequest req;
  req.set_name("has space");
  req.set_role(v1::LABELER);
  v1::Token token;
  grpc::Status s = stub_->CreateToken(As(operator_token_).get(), req, &token);
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("name"));
  req.set_name("fine");
  req.set_role(v1::TOKEN_ROLE_UNSPECIFIED);
  s = stub_->CreateToken(As(operator_token_).get(), req, &token);
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("role"));
  req.set_name("ann");  // taken in SetUp
  req.set_role(v1::LABELER);
  EXPECT_EQ(stub_->CreateToken(As(operator_token_).get(), req, &token).error_code(), grpc::ALREADY_EXISTS);
}

TEST_F(BadInputTest, ImportedComparisonsAreCheckedToo) {
  v1::Comparison c;
  auto* t = c.mutable_context()->add_turns();
  t->set_role(v1::HUMAN);
  t->set_text("q");
  c.mutable_response_a()->set_text("a");
  c.mutable_response_b()->set_text("\xC3");
  c.set_preference(1);
  v1::ImportSummary summary;
  auto ctx = As(operator_token_);
  auto writer = stub_->ImportComparisons(ctx.get(), &summary);
  ASSERT_TRUE(writer->Write(c));
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("comparisons[0].response_b.text"));
  EXPECT_EQ(Stats().comparisons(), 0u);
}

}  // namespace
}  // namespace shammie::collector
