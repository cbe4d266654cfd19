// Real processes: shammie-collector and shammie-pm-trainer over loopback.
// A finished job and a job in the middle of training; the trainer is killed
// with SIGKILL; a new trainer on the same data dir lists the finished job
// and resumes the unfinished one from its last resume state (not from step
// 0), which then succeeds and writes its checkpoint.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/subprocess.h"
#include "gtest/gtest.h"
#include "shammie/v1/pm_trainer.grpc.pb.h"
#include "tests/lib/bearer_channel.h"
#include "tests/lib/temp_dir.h"
#include "tests/services/pm_trainer/pm_trainer_test_util.h"

namespace shammie {
namespace {

namespace fs = std::filesystem;

std::string BinDir() {
  const char* dir = std::getenv("SHAMMIE_BIN_DIR");
  return dir ? dir : common::ExecutableDir();
}

class PmTrainerCrashTest : public ::testing::Test {
 protected:
  std::string StartProcess(const std::vector<std::string>& argv, std::optional<common::Subprocess>* out,
                           const std::string& port_file) {
    std::remove(port_file.c_str());
    auto p = common::Subprocess::Start(argv);
    EXPECT_TRUE(p.ok()) << p.status();
    out->emplace(std::move(*p));
    auto port = common::WaitForFile(port_file, absl::Seconds(120));
    EXPECT_TRUE(port.ok()) << port.status();
    return absl::StrCat("127.0.0.1:", absl::StripAsciiWhitespace(port.ok() ? *port : ""));
  }

  void StartTrainer() {
    trainer_addr_ = StartProcess(
        {BinDir() + "/shammie-pm-trainer", "--data-dir", dir_.Sub("pm"), "--listen", "127.0.0.1:0",
         "--collector", collector_addr_, "--token-file", dir_.Sub("token"), "--port-file",
         dir_.Sub("pm-port"), "--checkpoint-every", "4"},
        &trainer_, dir_.Sub("pm-port"));
    // The test calls with the trainer's own SERVICE token.
    std::ifstream in(dir_.Sub("token"));
    std::string token;
    std::getline(in, token);
    pm_ = v1::PreferenceModelTrainer::NewStub(testing::BearerChannel(trainer_addr_, token));
  }

  v1::PmJob Get(const std::string& id) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    v1::GetJobRequest req;
    req.set_id(id);
    v1::PmJob job;
    grpc::Status s = pm_->GetJob(&ctx, req, &job);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return job;
  }

  v1::PmJob WaitUntil(const std::string& id, const std::function<bool(const v1::PmJob&)>& done) {
    v1::PmJob job;
    const absl::Time deadline = absl::Now() + absl::Seconds(240);
    while (absl::Now() < deadline) {
      job = Get(id);
      if (done(job)) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return job;
  }

  testing::TempDir dir_;
  std::optional<common::Subprocess> collector_, trainer_;
  std::string collector_addr_, trainer_addr_;
  std::unique_ptr<v1::PreferenceModelTrainer::Stub> pm_;
};

bool Ended(const v1::PmJob& j) {
  const auto s = j.status().state();
  return s == v1::JOB_SUCCEEDED || s == v1::JOB_FAILED || s == v1::JOB_CANCELLED;
}

TEST_F(PmTrainerCrashTest, KilledTrainerListsFinishedJobsAndResumesTheUnfinishedOne) {
  collector_addr_ = StartProcess({BinDir() + "/shammie-collector", "--data-dir", dir_.Sub("collector"),
                                  "--listen", "127.0.0.1:0", "--port-file", dir_.Sub("c-port")},
                                 &collector_, dir_.Sub("c-port"));
  auto op = common::WaitForFile(dir_.Sub("collector/operator.token"), absl::Seconds(10));
  ASSERT_TRUE(op.ok());
  const std::string operator_token(absl::StripAsciiWhitespace(*op));
  auto stub = v1::ComparisonService::NewStub(
      grpc::CreateChannel(collector_addr_, grpc::InsecureChannelCredentials()));
  testing::ImportSyntheticComparisons(stub.get(), operator_token, 200, /*seed=*/5);
  {
    // The trainer reads the collector with a service token from a file.
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + operator_token);
    v1::CreateTokenRequest req;
    req.set_name("pm-trainer");
    req.set_role(v1::SERVICE);
    v1::Token token;
    ASSERT_TRUE(stub->CreateToken(&ctx, req, &token).ok());
    std::ofstream(dir_.Sub("token")) << token.secret() << "\n";
  }
  testing::WriteTinyBasePolicy(dir_.Sub("base"));
  StartTrainer();

  auto start = [&](const std::string& key, uint32_t epochs) {
    v1::PmJobSpec spec;
    spec.set_key(key);
    spec.set_base_checkpoint(dir_.Sub("base"));
    spec.set_batch_size(8);
    spec.set_epochs(epochs);
    spec.set_seed(2);
    grpc::ClientContext ctx;
    v1::PmJob job;
    grpc::Status s = pm_->StartJob(&ctx, spec, &job);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return job.status().id();
  };
  const std::string finished = start("finished", 1);
  ASSERT_EQ(WaitUntil(finished, Ended).status().state(), v1::JOB_SUCCEEDED);

  const std::string running = start("interrupted", 6);  // ~144 steps
  v1::PmJob before = WaitUntil(running, [](const v1::PmJob& j) {
    return Ended(j) || j.status().progress().step() >= 10;
  });
  ASSERT_EQ(before.status().state(), v1::JOB_RUNNING);
  trainer_->Signal(SIGKILL);
  ASSERT_TRUE(trainer_->Wait(absl::Seconds(30)).ok());
  trainer_.reset();

  StartTrainer();
  grpc::ClientContext ctx;
  v1::ListPmJobsResponse list;
  ASSERT_TRUE(pm_->ListJobs(&ctx, v1::ListJobsRequest(), &list).ok());
  ASSERT_EQ(list.jobs_size(), 2);
  EXPECT_EQ(list.jobs(0).status().id(), finished);
  EXPECT_EQ(list.jobs(0).status().state(), v1::JOB_SUCCEEDED);
  EXPECT_TRUE(fs::exists(fs::path(list.jobs(0).status().checkpoint()) / "pm_model.pt"));
  EXPECT_EQ(list.jobs(1).status().id(), running);

  v1::PmJob after = WaitUntil(running, Ended);
  EXPECT_EQ(after.status().state(), v1::JOB_SUCCEEDED) << after.status().error();
  EXPECT_EQ(after.status().resumes(), 1u);
  // Resumed from a saved state at a multiple of --checkpoint-every, not 0.
  EXPECT_GE(after.status().resumed_from_step(), 4u);
  EXPECT_EQ(after.status().resumed_from_step() % 4, 0u);
  EXPECT_TRUE(fs::exists(fs::path(after.status().checkpoint()) / "report.json"));
  const v1::PmReport& r = after.report();
  EXPECT_EQ(r.train_comparisons() + r.test_comparisons() + r.duplicates_dropped(), 200u);
  trainer_->Signal(SIGTERM);
  collector_->Signal(SIGTERM);
}

}  // namespace
}  // namespace shammie
