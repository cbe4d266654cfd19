// The PM trainer service in-process against a real collector, both over
// loopback gRPC with real RocksDB stores: bad input refused at StartJob
// naming the field, a job that trains and streams progress to WatchJob and
// writes its checkpoint folder, idempotent keys, cancel, and a collector
// that goes away mid-job. The test's client calls with the trainer's own
// SERVICE token (tests/integration/trainer_auth_test.cc has the auth rules).
#include "services/pm_trainer/pm_trainer_server.h"

#include <filesystem>

#include "reward_model/pm_checkpoint.h"
#include "shammie/v1/pm_trainer.grpc.pb.h"
#include "tests/lib/bearer_channel.h"
#include "tests/lib/collector_fixture.h"
#include "tests/services/pm_trainer/pm_trainer_test_util.h"

namespace shammie::pm_trainer {
namespace {

namespace fs = std::filesystem;

class PmTrainerServiceTest : public testing::CollectorFixture {
 protected:
  void StartTrainer(int max_running = 1) {
    if (service_token_.empty()) service_token_ = NewToken("pm-trainer", v1::SERVICE);
    PmTrainerServerOptions o;
    o.listen = "127.0.0.1:0";
    o.data_dir = trainer_dir_.Sub("pm");
    o.collector = server_->address();
    o.token = service_token_;
    o.max_running = max_running;
    o.checkpoint_every = 5;
    auto s = PmTrainerServer::Start(o);
    ASSERT_TRUE(s.ok()) << s.status();
    trainer_ = std::move(*s);
    pm_ = v1::PreferenceModelTrainer::NewStub(
        testing::BearerChannel(absl::StrCat("127.0.0.1:", trainer_->port()), service_token_));
  }
  void TearDown() override {
    trainer_.reset();
    CollectorFixture::TearDown();
  }

  v1::PmJobSpec Spec(const std::string& key) {
    if (!fs::exists(base_)) testing::WriteTinyBasePolicy(base_);
    v1::PmJobSpec spec;
    spec.set_key(key);
    spec.set_base_checkpoint(base_);
    spec.set_batch_size(8);
    spec.set_learning_rate(1e-3);
    spec.set_seed(1);
    return spec;
  }

  grpc::Status Start(const v1::PmJobSpec& spec, v1::PmJob* job) {
    grpc::ClientContext ctx;
    return pm_->StartJob(&ctx, spec, job);
  }

  v1::PmJob WaitDone(const std::string& id) {
    v1::PmJob job;
    for (int i = 0; i < 6000; ++i) {
      grpc::ClientContext ctx;
      v1::GetJobRequest req;
      req.set_id(id);
      EXPECT_TRUE(pm_->GetJob(&ctx, req, &job).ok());
      const auto st = job.status().state();
      if (st == v1::JOB_SUCCEEDED || st == v1::JOB_FAILED || st == v1::JOB_CANCELLED) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return job;
  }

  void WaitTraining(const std::string& id) {
    for (int i = 0; i < 6000; ++i) {
      grpc::ClientContext ctx;
      v1::GetJobRequest req;
      req.set_id(id);
      v1::PmJob job;
      ASSERT_TRUE(pm_->GetJob(&ctx, req, &job).ok());
      ASSERT_EQ(job.status().state() == v1::JOB_FAILED, false) << job.status().error();
      if (job.status().progress().step() > 0) return;
      absl::SleepFor(absl::Milliseconds(20));
    }
    FAIL() << "job " << id << " never started training";
  }

  testing::TempDir trainer_dir_;
  std::string base_ = trainer_dir_.Sub("base");
  std::string service_token_;
  std::unique_ptr<PmTrainerServer> trainer_;
  std::unique_ptr<v1::PreferenceModelTrainer::Stub> pm_;
};

void ExpectRefused(const grpc::Status& s, grpc::StatusCode code, const std::string& field) {
  EXPECT_EQ(s.error_code(), code) << s.error_message();
  EXPECT_NE(s.error_message().find(field), std::string::npos) << s.error_message();
}

TEST_F(PmTrainerServiceTest, StartJobRefusesBadInputNamingTheField) {
  StartTrainer();
  v1::PmJob job;
  // An empty comparison set.
  ExpectRefused(Start(Spec("empty"), &job), grpc::StatusCode::FAILED_PRECONDITION, "comparisons");
  testing::ImportSyntheticComparisons(stub_.get(), operator_token_, 40, /*seed=*/1);

  v1::PmJobSpec missing = Spec("missing");
  missing.set_base_checkpoint(trainer_dir_.Sub("no-such-checkpoint"));
  ExpectRefused(Start(missing, &job), grpc::StatusCode::FAILED_PRECONDITION, "base_checkpoint");
  v1::PmJobSpec lr = Spec("lr");
  lr.set_learning_rate(-0.1);
  ExpectRefused(Start(lr, &job), grpc::StatusCode::INVALID_ARGUMENT, "learning_rate");
  v1::PmJobSpec batch = Spec("batch");
  batch.set_batch_size(0);
  ExpectRefused(Start(batch, &job), grpc::StatusCode::INVALID_ARGUMENT, "batch_size");
  v1::PmJobSpec watermark = Spec("watermark");
  watermark.set_watermark(41);  // the collector's last seq is 40
  ExpectRefused(Start(watermark, &job), grpc::StatusCode::INVALID_ARGUMENT, "watermark");
  v1::PmJobSpec nokey = Spec("");
  ExpectRefused(Start(nokey, &job), grpc::StatusCode::INVALID_ARGUMENT, "key");

  // Nothing was created by any refused start.
  grpc::ClientContext ctx;
  v1::ListPmJobsResponse list;
  ASSERT_TRUE(pm_->ListJobs(&ctx, v1::ListJobsRequest(), &list).ok());
  EXPECT_EQ(list.jobs_size(), 0);
}

TEST_F(PmTrainerServiceTest, JobTrainsStreamsProgressAndWritesItsCheckpoint) {
  testing::ImportSyntheticComparisons(stub_.get(), operator_token_, 160, /*seed=*/2);
  StartTrainer();
  v1::PmJob job;
  ASSERT_TRUE(Start(Spec("iter-1/pm"), &job).ok());
  EXPECT_EQ(job.spec().watermark(), 160u);  // 0 was pinned to "all stored now"

  grpc::ClientContext watch_ctx;
  v1::WatchJobRequest watch;
  watch.set_id(job.status().id());
  auto reader = pm_->WatchJob(&watch_ctx, watch);
  v1::PmJobEvent event, last;
  uint64_t max_step = 0;
  int events = 0;
  while (reader->Read(&event)) {
    ++events;
    max_step = std::max<uint64_t>(max_step, event.status().progress().step());
    last = event;
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_GE(events, 2);
  EXPECT_EQ(last.status().state(), v1::JOB_SUCCEEDED) << last.status().error();
  EXPECT_GT(max_step, 0u);
  EXPECT_EQ(last.status().progress().step(), last.status().progress().total_steps());
  EXPECT_TRUE(last.status().progress().metrics().count("loss"));
  const v1::PmReport& r = last.report();
  EXPECT_EQ(r.train_comparisons() + r.test_comparisons() + r.duplicates_dropped(), 160u);
  EXPECT_EQ(r.reliability_size(), 10);
  EXPECT_GT(r.gold_accuracy(), 0.0);  // the synthetic task supplies gold

  const std::string dir = last.status().checkpoint();
  EXPECT_TRUE(fs::exists(fs::path(dir) / "report.json"));
  EXPECT_TRUE(fs::exists(fs::path(dir) / "lineage.json"));
  auto pm = reward_model::LoadPmCheckpoint(dir);
  ASSERT_TRUE(pm.ok()) << pm.status();
  EXPECT_DOUBLE_EQ((*pm)->score_offset.item<double>(), r.score_offset());
  EXPECT_NE(r.score_offset(), 0.0);

  // The same key returns the same (finished) job and starts nothing new.
  v1::PmJob again;
  ASSERT_TRUE(Start(Spec("iter-1/pm"), &again).ok());
  EXPECT_EQ(again.status().id(), job.status().id());
  EXPECT_EQ(again.status().state(), v1::JOB_SUCCEEDED);
  grpc::ClientContext ctx;
  v1::ListPmJobsResponse list;
  ASSERT_TRUE(pm_->ListJobs(&ctx, v1::ListJobsRequest(), &list).ok());
  EXPECT_EQ(list.jobs_size(), 1);
  // Cancelling a finished job is a precondition failure.
  grpc::ClientContext cctx;
  v1::CancelJobRequest cancel;
  cancel.set_id(job.status().id());
  EXPECT_EQ(pm_->CancelJob(&cctx, cancel, &again).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(PmTrainerServiceTest, UnknownJobIsNotFound) {
  StartTrainer();
  grpc::ClientContext ctx;
  v1::GetJobRequest req;
  req.set_id("pm-999999");
  v1::PmJob job;
  EXPECT_EQ(pm_->GetJob(&ctx, req, &job).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext wctx;
  v1::WatchJobRequest w;
  w.set_id("pm-999999");
  auto reader = pm_->WatchJob(&wctx, w);
  v1::PmJobEvent e;
  EXPECT_FALSE(reader->Read(&e));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(PmTrainerServiceTest, CollectorGoneMidJobFailsTheJobAndWritesNoCheckpoint) {
  testing::ImportSyntheticComparisons(stub_.get(), operator_token_, 160, /*seed=*/3);
  StartTrainer(/*max_running=*/1);
  // A long job holds the only slot; the second waits PENDING, accepted.
  v1::PmJobSpec long_spec = Spec("long");
  // The most epochs allowed, one pair per step (~16,000 steps): it is
  // cancelled long before the end, however fast training gets.
  long_spec.set_epochs(100);
  long_spec.set_batch_size(1);
  v1::PmJob first, second;
  ASSERT_TRUE(Start(long_spec, &first).ok());
  ASSERT_TRUE(Start(Spec("second"), &second).ok());
  EXPECT_EQ(second.status().state(), v1::JOB_PENDING);
  // Only once the first job trains (its comparisons all read) may the
  // collector go; before that, the first job would fail instead.
  WaitTraining(first.status().id());
  // The collector goes away; then the slot frees and the second job runs.
  const std::string collector_address = server_->address();
  stub_.reset();
  channel_.reset();
  server_.reset();
  {  // Gone for a new client too, before the second job may start.
    auto probe = v1::ComparisonService::NewStub(
        grpc::CreateChannel(collector_address, grpc::InsecureChannelCredentials()));
    grpc::ClientContext probe_ctx;
    probe_ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    v1::Stats stats;
    ASSERT_EQ(probe->GetStats(&probe_ctx, v1::GetStatsRequest(), &stats).error_code(),
              grpc::StatusCode::UNAVAILABLE);
  }
  // The trainer's API asks the collector who calls, so with the collector
  // gone it refuses every call (UNAVAILABLE: retry later), and the test
  // drives the runner directly from here on.
  grpc::ClientContext ctx;
  v1::CancelJobRequest cancel;
  cancel.set_id(first.status().id());
  EXPECT_EQ(pm_->CancelJob(&ctx, cancel, &first).error_code(), grpc::StatusCode::UNAVAILABLE);
  ASSERT_TRUE(trainer_->runner()->Cancel(first.status().id()).ok());

  auto done = trainer_->runner()->WaitUntilDone(second.status().id(), absl::Minutes(5));
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->status().state(), v1::JOB_FAILED) << done->DebugString();
  EXPECT_NE(done->status().error().find("collector at "), std::string::npos)
      << done->status().error();
  auto cancelled = trainer_->runner()->WaitUntilDone(first.status().id(), absl::Minutes(5));
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->status().state(), v1::JOB_CANCELLED);
  // No checkpoint, finished or half-written.
  const fs::path checkpoints = fs::path(trainer_dir_.Sub("pm")) / "checkpoints";
  if (fs::exists(checkpoints)) {
    for (const auto& entry : fs::directory_iterator(checkpoints)) {
      ADD_FAILURE() << "unexpected checkpoint entry " << entry.path();
    }
  }
}

}  // namespace
}  // namespace shammie::pm_trainer
