// LatestValueWriteReactor (services/common/latest_value_write_reactor.h) over real loopback gRPC, with a source the test
// drives by hand (a PreferenceModelTrainer service whose WatchJob is the
// reactor under test): values arrive in order and never stale, the stream
// ends after the end value, a refused Begin or a failed Subscribe finishes
// with its status without a source, and a client that cancels before Begin
// (an auth check still in flight) leaves the reactor to be freed by Begin —
// each reactor unsubscribes exactly once and is deleted exactly once.
#include "services/common/latest_value_write_reactor.h"

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "shammie/v1/pm_trainer.grpc.pb.h"

namespace shammie::services {
namespace {

// What the reactors did, and the live one's Offer.
struct Source {
  absl::Mutex mu;
  absl::Status subscribe_status;  // what Subscribe answers
  std::function<void(v1::PmJobEvent, bool)> offer ABSL_GUARDED_BY(mu);
  int subscribes ABSL_GUARDED_BY(mu) = 0;
  int unsubscribes ABSL_GUARDED_BY(mu) = 0;
  int destroyed ABSL_GUARDED_BY(mu) = 0;

  bool Offer(int step, bool end) {
    absl::MutexLock lock(&mu);
    if (!offer) return false;
    v1::PmJobEvent e;
    e.mutable_status()->mutable_progress()->set_step(step);
    offer(e, end);
    return true;
  }
  void AwaitDestroyed(int n) {
    absl::MutexLock lock(&mu);
    auto done = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return destroyed >= n; };
    mu.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(10));
  }
};

class ManualReactor final : public LatestValueWriteReactor<v1::PmJobEvent> {
 public:
  explicit ManualReactor(Source* s) : s_(s) {}
  ~ManualReactor() override {
    absl::MutexLock lock(&s_->mu);
    ++s_->destroyed;
  }

 private:
  absl::Status Subscribe() override {
    absl::MutexLock lock(&s_->mu);
    ++s_->subscribes;
    if (!s_->subscribe_status.ok()) return s_->subscribe_status;
    s_->offer = [this](v1::PmJobEvent e, bool end) { Offer(std::move(e), end); };
    return absl::OkStatus();
  }
  void Unsubscribe() override {
    absl::MutexLock lock(&s_->mu);
    ++s_->unsubscribes;
    s_->offer = nullptr;
  }
  Source* const s_;
};

// WatchJob makes a ManualReactor and Begins it with `begin` now, or keeps
// it for the test to Begin later (`defer`).
class ManualService : public v1::PreferenceModelTrainer::CallbackService {
 public:
  grpc::ServerWriteReactor<v1::PmJobEvent>* WatchJob(grpc::CallbackServerContext*,
                                                     const v1::WatchJobRequest*) override {
    auto* r = new ManualReactor(&source);
    if (defer) {
      absl::MutexLock lock(&mu);
      deferred = r;
    } else {
      r->Begin(begin);
    }
    return r;
  }
  Source source;
  absl::Status begin;
  bool defer = false;
  absl::Mutex mu;
  ManualReactor* deferred ABSL_GUARDED_BY(mu) = nullptr;
};

class LatestValueWriteReactorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ && port > 0);
    stub_ = v1::PreferenceModelTrainer::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  ManualService service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::PreferenceModelTrainer::Stub> stub_;
};

TEST_F(LatestValueWriteReactorTest, WritesNewestValuesInOrderAndEndsAfterTheEnd) {
  grpc::ClientContext ctx;
  auto reader = stub_->WatchJob(&ctx, v1::WatchJobRequest());
  while (!service_.source.Offer(0, false)) absl::SleepFor(absl::Milliseconds(5));
  v1::PmJobEvent e;
  ASSERT_TRUE(reader->Read(&e));
  EXPECT_EQ(e.status().progress().step(), 0u);
  // A burst while the client is not reading: later values replace earlier
  // ones that were not written yet.
  for (int step = 1; step <= 200; ++step) service_.source.Offer(step, step == 200);
  // After the end (written or still waiting behind a write): ignored. This
  // once replaced an unwritten end, and the stream never finished.
  service_.source.Offer(201, false);
  int events = 0;
  uint64_t last = 0;
  while (reader->Read(&e)) {
    ++events;
    EXPECT_GT(e.status().progress().step(), last);  // never stale, never repeated
    last = e.status().progress().step();
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(last, 200u);  // the end value always arrives
  EXPECT_LE(events, 200);
  service_.source.AwaitDestroyed(1);
  absl::MutexLock lock(&service_.source.mu);
  EXPECT_EQ(service_.source.subscribes, 1);
  EXPECT_EQ(service_.source.unsubscribes, 1);
  EXPECT_EQ(service_.source.destroyed, 1);
}

TEST_F(LatestValueWriteReactorTest, RefusedBeginFinishesWithItsStatusWithoutSubscribing) {
  service_.begin = absl::PermissionDeniedError("not you");
  grpc::ClientContext ctx;
  auto reader = stub_->WatchJob(&ctx, v1::WatchJobRequest());
  v1::PmJobEvent e;
  EXPECT_FALSE(reader->Read(&e));
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(s.error_message(), "not you");
  service_.source.AwaitDestroyed(1);
  absl::MutexLock lock(&service_.source.mu);
  EXPECT_EQ(service_.source.subscribes, 0);
  EXPECT_EQ(service_.source.unsubscribes, 1);
  EXPECT_EQ(service_.source.destroyed, 1);
}

TEST_F(LatestValueWriteReactorTest, FailedSubscribeFinishesWithItsStatus) {
  service_.source.subscribe_status = absl::NotFoundError("no such job");
  grpc::ClientContext ctx;
  auto reader = stub_->WatchJob(&ctx, v1::WatchJobRequest());
  v1::PmJobEvent e;
  EXPECT_FALSE(reader->Read(&e));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  service_.source.AwaitDestroyed(1);
  absl::MutexLock lock(&service_.source.mu);
  EXPECT_EQ(service_.source.subscribes, 1);
  EXPECT_EQ(service_.source.unsubscribes, 1);
  EXPECT_EQ(service_.source.destroyed, 1);
}

TEST_F(LatestValueWriteReactorTest, ClientCancelBeforeBeginIsFreedByBegin) {
  service_.defer = true;
  auto ctx = std::make_unique<grpc::ClientContext>();
  auto reader = stub_->WatchJob(ctx.get(), v1::WatchJobRequest());
  ManualReactor* pending = nullptr;
  for (int i = 0; i < 1000 && pending == nullptr; ++i) {
    absl::SleepFor(absl::Milliseconds(5));
    absl::MutexLock lock(&service_.mu);
    pending = service_.deferred;
  }
  ASSERT_NE(pending, nullptr);
  ctx->TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  absl::SleepFor(absl::Milliseconds(200));  // let the server side end (OnDone)
  {
    absl::MutexLock lock(&service_.source.mu);
    EXPECT_EQ(service_.source.destroyed, 0);  // Begin has not happened: not freed
  }
  pending->Begin(absl::OkStatus());  // the late auth answer
  service_.source.AwaitDestroyed(1);
  absl::MutexLock lock(&service_.source.mu);
  EXPECT_EQ(service_.source.subscribes, 0);  // cancelled: no source was started
  EXPECT_EQ(service_.source.unsubscribes, 1);
  EXPECT_EQ(service_.source.destroyed, 1);
}

}  // namespace
}  // namespace shammie::services
