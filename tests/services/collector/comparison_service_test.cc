// ComparisonService over real gRPC on loopback: the happy paths, auth and
// roles, idempotent retries, streaming export/import, health and reflection.
#include "services/collector/comparison_service.h"

#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "gmock/gmock.h"
#include <grpcpp/generic/generic_stub.h>
#include "tests/lib/collector_fixture.h"

namespace shammie::collector {
namespace {

using ::testing::HasSubstr;
using testing::CollectorFixture;

class ComparisonServiceTest : public CollectorFixture {};

TEST_F(ComparisonServiceTest, OperatorTokenFileIsPrivateAndWorks) {
  struct stat st;
  ASSERT_EQ(::stat(dir_.Sub("data/operator.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(operator_token_.rfind("shm_", 0), 0u);
  EXPECT_EQ(Stats().comparisons(), 0u);
}

TEST_F(ComparisonServiceTest, LabelerGetsTaskSubmitsAndTheComparisonIsExported) {
  const std::string ann = NewToken("ann", v1::LABELER);
  v1::LabelingTask task = NewTask("What is 2+2?");
  EXPECT_EQ(task.labels_wanted(), 1u);

  v1::LabelingTask next;
  ASSERT_TRUE(stub_->NextTask(As(ann).get(), v1::NextTaskRequest(), &next).ok());
  EXPECT_EQ(next.id(), task.id());
  EXPECT_EQ(next.response_a().text(), "A: What is 2+2?");

  v1::SubmitComparisonRequest submit;
  submit.set_task_id(task.id());
  submit.set_preference(3);
  submit.set_client_request_id("req-1");
  v1::Comparison c;
  grpc::Status s = stub_->SubmitComparison(As(ann).get(), submit, &c);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(c.seq(), 1u);
  EXPECT_EQ(c.labeler(), "ann");
  EXPECT_EQ(c.source(), v1::SOURCE_HUMAN);
  EXPECT_EQ(c.preference(), 3);
  EXPECT_EQ(c.context().turns(0).text(), "What is 2+2?");
  EXPECT_GT(c.created_at().seconds(), 0);

  // Labeled with overlap 1: nothing more for anyone.
  EXPECT_EQ(stub_->NextTask(As(ann).get(), v1::NextTaskRequest(), &next).error_code(), grpc::NOT_FOUND);

  auto exported = ExportAll(operator_token_);
  ASSERT_EQ(exported.size(), 1u);
  EXPECT_EQ(exported[0].id(), c.id());
  v1::Stats stats = Stats();
  EXPECT_EQ(stats.comparisons(), 1u);
  EXPECT_EQ(stats.by_labeler().at("ann"), 1u);
  v1::Stats mine;
  ASSERT_TRUE(stub_->GetStats(As(ann).get(), v1::GetStatsRequest(), &mine).ok());
  EXPECT_EQ(mine.mine_today(), 1u);
}

TEST_F(ComparisonServiceTest, RetrySameRequestIdReturnsFirstComparisonEvenConcurrently) {
  const std::string ann = NewToken("ann", v1::LABELER);
  v1::LabelingTask task = NewTask("x", 50);
  v1::SubmitComparisonRequest submit;
  submit.set_task_id(task.id());
  submit.set_preference(5);
  submit.set_client_request_id("retry-me");
  std::vector<std::thread> threads;
  std::vector<std::string> ids(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      v1::Comparison c;
      if (stub_->SubmitComparison(As(ann).get(), submit, &c).ok()) ids[i] = c.id();
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_FALSE(ids[0].empty());
  v1::Comparison again;
  ASSERT_TRUE(stub_->SubmitComparison(As(ann).get(), submit, &again).ok());
  EXPECT_EQ(again.id(), ids[0]);
  EXPECT_EQ(ExportAll(operator_token_).size(), 1u);
}

TEST_F(ComparisonServiceTest, MissingOrUnknownTokenIsUnauthenticated) {
  v1::Stats stats;
  EXPECT_EQ(stub_->GetStats(As("").get(), v1::GetStatsRequest(), &stats).error_code(), grpc::UNAUTHENTICATED);
  EXPECT_EQ(stub_->GetStats(As("shm_nope").get(), v1::GetStatsRequest(), &stats).error_code(),
            grpc::UNAUTHENTICATED);
  grpc::ClientContext basic;
  basic.AddMetadata("authorization", "Basic " + operator_token_);
  EXPECT_EQ(stub_->GetStats(&basic, v1::GetStatsRequest(), &stats).error_code(), grpc::UNAUTHENTICATED);
  grpc::Status export_status;
  ExportAll("", 0, 0, &export_status);
  EXPECT_EQ(export_status.error_code(), grpc::UNAUTHENTICATED);
}

TEST_F(ComparisonServiceTest, RevokedTokenStopsWorkingAtOnce) {
  const std::string bob = NewToken("bob", v1::LABELER);
  v1::Stats stats;
  ASSERT_TRUE(stub_->GetStats(As(bob).get(), v1::GetStatsRequest(), &stats).ok());
  v1::RevokeTokenRequest revoke;
  revoke.set_name("bob");
  v1::RevokeTokenResponse out;
  ASSERT_TRUE(stub_->RevokeToken(As(operator_token_).get(), revoke, &out).ok());
  EXPECT_EQ(stub_->GetStats(As(bob).get(), v1::GetStatsRequest(), &stats).error_code(), grpc::UNAUTHENTICATED);
  EXPECT_EQ(stub_->RevokeToken(As(operator_token_).get(), revoke, &out).error_code(), grpc::NOT_FOUND);
}

TEST_F(ComparisonServiceTest, WrongRoleIsPermissionDenied) {
  const std::string ann = NewToken("ann", v1::LABELER);
  const std::string trainer = NewToken("pm-trainer", v1::SERVICE);
  v1::LabelingTask task;
  EXPECT_EQ(stub_->CreateTask(As(ann).get(), TaskRequest("x"), &task).error_code(), grpc::PERMISSION_DENIED);
  v1::CreateTokenRequest create;
  create.set_name("mallory");
  create.set_role(v1::OPERATOR);
  v1::Token token;
  EXPECT_EQ(stub_->CreateToken(As(ann).get(), create, &token).error_code(), grpc::PERMISSION_DENIED);
  EXPECT_EQ(stub_->CreateToken(As(trainer).get(), create, &token).error_code(), grpc::PERMISSION_DENIED);
  v1::RevokeTokenRequest revoke;
  revoke.set_name("operator");
  v1::RevokeTokenResponse revoked;
  EXPECT_EQ(stub_->RevokeToken(As(ann).get(), revoke, &revoked).error_code(), grpc::PERMISSION_DENIED);
  grpc::Status export_status;
  ExportAll(ann, 0, 0, &export_status);
  EXPECT_EQ(export_status.error_code(), grpc::PERMISSION_DENIED);
  // Import: labelers and services may not.
  v1::ImportSummary summary;
  auto ctx = As(trainer);
  auto writer = stub_->ImportComparisons(ctx.get(), &summary);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::PERMISSION_DENIED);
  // Services may export and create tasks.
  ExportAll(trainer);
  EXPECT_TRUE(stub_->CreateTask(As(trainer).get(), TaskRequest("y"), &task).ok());
  EXPECT_EQ(Stats().tasks(), 1u);
}

TEST_F(ComparisonServiceTest, CreateTaskWithoutCandidatesNeedsAPolicy) {
  v1::CreateTaskRequest req = TaskRequest("x");
  req.clear_candidates();
  v1::LabelingTask task;
  grpc::Status s = stub_->CreateTask(As(operator_token_).get(), req, &task);
  EXPECT_EQ(s.error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_EQ(s.error_message(), "no policy is deployed; pass two candidates");
  EXPECT_EQ(Stats().tasks(), 0u);
}

TEST_F(ComparisonServiceTest, NextTaskSkipsWhatTheCallerSkippedAndHonoursOverlap) {
  const std::string ann = NewToken("ann", v1::LABELER);
  const std::string bob = NewToken("bob", v1::LABELER);
  v1::LabelingTask t1 = NewTask("one", 2);
  v1::LabelingTask t2 = NewTask("two");
  v1::SkipTaskRequest skip;
  skip.set_task_id(t1.id());
  v1::SkipTaskResponse skipped;
  ASSERT_TRUE(stub_->SkipTask(As(ann).get(), skip, &skipped).ok());
  v1::LabelingTask next;
  ASSERT_TRUE(stub_->NextTask(As(ann).get(), v1::NextTaskRequest(), &next).ok());
  EXPECT_EQ(next.id(), t2.id());
  ASSERT_TRUE(stub_->NextTask(As(bob).get(), v1::NextTaskRequest(), &next).ok());
  EXPECT_EQ(next.id(), t1.id());
  v1::SubmitComparisonRequest submit;
  submit.set_task_id(t1.id());
  submit.set_preference(8);
  v1::Comparison c;
  ASSERT_TRUE(stub_->SubmitComparison(As(bob).get(), submit, &c).ok());
  // t1 wants 2 labels and has 1, but ann skipped it and bob labeled it.
  ASSERT_TRUE(stub_->NextTask(As(bob).get(), v1::NextTaskRequest(), &next).ok());
  EXPECT_EQ(next.id(), t2.id());
  EXPECT_EQ(Stats().open_tasks(), 2u);
}

TEST_F(ComparisonServiceTest, ExportBoundsAndImportAllOrNothing) {
  const std::string ann = NewToken("ann", v1::LABELER);
  v1::LabelingTask task = NewTask("x", 100);
  for (int i = 0; i < 5; ++i) {
    v1::SubmitComparisonRequest submit;
    submit.set_task_id(task.id());
    submit.set_preference(1 + i);
    v1::Comparison c;
    ASSERT_TRUE(stub_->SubmitComparison(As(ann).get(), submit, &c).ok());
  }
  auto some = ExportAll(operator_token_, 1, 3);
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some[0].seq(), 2u);
  EXPECT_EQ(some[1].seq(), 3u);
  grpc::Status bad;
  ExportAll(operator_token_, 4, 2, &bad);
  EXPECT_EQ(bad.error_code(), grpc::INVALID_ARGUMENT);

  // Import: the second comparison is bad, so neither is stored.
  auto good = some[0];
  good.set_client_request_id("imp-1");
  auto broken = good;
  broken.set_preference(0);
  v1::ImportSummary summary;
  {
    auto ctx = As(operator_token_);
    auto writer = stub_->ImportComparisons(ctx.get(), &summary);
    ASSERT_TRUE(writer->Write(good));
    ASSERT_TRUE(writer->Write(broken));
    writer->WritesDone();
    grpc::Status s = writer->Finish();
    EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), HasSubstr("comparisons[1].preference"));
  }
  EXPECT_EQ(Stats().comparisons(), 5u);
  {
    auto ctx = As(operator_token_);
    auto writer = stub_->ImportComparisons(ctx.get(), &summary);
    ASSERT_TRUE(writer->Write(good));
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
  }
  EXPECT_EQ(summary.imported(), 1u);
  EXPECT_EQ(summary.first_seq(), 6u);
  auto all = ExportAll(operator_token_);
  ASSERT_EQ(all.size(), 6u);
  EXPECT_EQ(all[5].source(), v1::SOURCE_IMPORTED);
  EXPECT_EQ(all[5].labeler(), "ann");  // kept from the imported record
  EXPECT_TRUE(all[5].task_id().empty());
  EXPECT_NE(all[5].id(), good.id());
}

TEST_F(ComparisonServiceTest, ComparisonsSurviveARestart) {
  const std::string ann = NewToken("ann", v1::LABELER);
  v1::LabelingTask task = NewTask("x", 3);
  v1::SubmitComparisonRequest submit;
  submit.set_task_id(task.id());
  submit.set_preference(2);
  submit.set_client_request_id("r");
  v1::Comparison first;
  ASSERT_TRUE(stub_->SubmitComparison(As(ann).get(), submit, &first).ok());
  const std::string old_operator = operator_token_;
  RestartServer();
  EXPECT_EQ(operator_token_, old_operator);  // not re-created on restart
  v1::Comparison retry;
  ASSERT_TRUE(stub_->SubmitComparison(As(ann).get(), submit, &retry).ok());
  EXPECT_EQ(retry.id(), first.id());
  EXPECT_EQ(ExportAll(operator_token_).size(), 1u);
}

// A unary call with raw protobuf bytes (the health and reflection protos are
// not installed as C++ headers on Debian; their wire form is tiny).
std::string RawUnary(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                     const std::string& request, grpc::Status* status) {
  grpc::GenericStub generic(channel);
  grpc::ClientContext ctx;
  grpc::CompletionQueue cq;
  grpc::Slice slice(request);
  grpc::ByteBuffer send(&slice, 1);
  auto call = generic.PrepareUnaryCall(&ctx, method, send, &cq);
  call->StartCall();
  grpc::ByteBuffer reply;
  call->Finish(&reply, status, reinterpret_cast<void*>(1));
  void* tag;
  bool ok;
  cq.Next(&tag, &ok);
  cq.Shutdown();
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (status->ok() && reply.Dump(&slices).ok()) {
    for (auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

TEST_F(ComparisonServiceTest, HealthAndReflectionAreServed) {
  // HealthCheckRequest{service: "shammie.v1.ComparisonService"} → {status: SERVING (1)}.
  const std::string service = "shammie.v1.ComparisonService";
  grpc::Status status;
  std::string reply = RawUnary(channel_, "/grpc.health.v1.Health/Check",
                               std::string("\x0a") + static_cast<char>(service.size()) + service, &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply, std::string("\x08\x01", 2));

  // Reflection is a bidi stream: send ServerReflectionRequest{list_services: "*"}.
  grpc::GenericStub generic(channel_);
  grpc::ClientContext rctx;
  grpc::Slice slice(std::string("\x3a\x01*", 3));
  grpc::ByteBuffer send(&slice, 1);
  grpc::CompletionQueue cq;
  auto call = generic.PrepareCall(&rctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  call->Write(send, reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok) && ok);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_THAT(bytes, HasSubstr("shammie.v1.ComparisonService"));
  rctx.TryCancel();
  grpc::Status finish;
  call->Finish(&finish, reinterpret_cast<void*>(4));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

}  // namespace
}  // namespace shammie::collector
