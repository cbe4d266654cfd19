#include "storage/job_store.h"

#include <filesystem>
#include <string>

#include "gtest/gtest.h"
#include "shammie/v1/pm_trainer.pb.h"

namespace shammie::storage {
namespace {

namespace fs = std::filesystem;

class JobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("job_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<JobStore> OpenStore() {
    auto store = JobStore::Open({dir_.string(), "pm"});
    EXPECT_TRUE(store.ok()) << store.status();
    return std::move(store).value();
  }

  static google::protobuf::Any Spec(const std::string& checkpoint) {
    v1::PmJobSpec spec;
    spec.set_base_checkpoint(checkpoint);
    google::protobuf::Any any;
    any.PackFrom(spec);
    return any;
  }

  fs::path dir_;
};

TEST_F(JobStoreTest, CreateAssignsIncreasingIdsAndStoresPending) {
  auto store = OpenStore();
  auto a = store->CreateOrGet("k1", Spec("/a"), absl::FromUnixSeconds(100));
  auto b = store->CreateOrGet("k2", Spec("/b"), absl::FromUnixSeconds(101));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->created);
  EXPECT_EQ(a->job.status().id(), "pm-000001");
  EXPECT_EQ(b->job.status().id(), "pm-000002");
  EXPECT_EQ(a->job.status().state(), v1::JOB_PENDING);
  EXPECT_EQ(a->job.status().created_at().seconds(), 100);
  v1::PmJobSpec spec;
  ASSERT_TRUE(b->job.spec().UnpackTo(&spec));
  EXPECT_EQ(spec.base_checkpoint(), "/b");
}

TEST_F(JobStoreTest, SameKeyReturnsTheSameJobAndIgnoresTheNewSpec) {
  auto store = OpenStore();
  auto first = store->CreateOrGet("iter-1/pm", Spec("/first"), absl::Now());
  auto again = store->CreateOrGet("iter-1/pm", Spec("/second"), absl::Now());
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->job.status().id(), first->job.status().id());
  v1::PmJobSpec spec;
  ASSERT_TRUE(again->job.spec().UnpackTo(&spec));
  EXPECT_EQ(spec.base_checkpoint(), "/first");
  EXPECT_EQ(store->List()->size(), 1u);
  EXPECT_EQ(store->GetByKey("iter-1/pm")->status().id(), first->job.status().id());
  EXPECT_EQ(store->GetByKey("iter-2/pm").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(JobStoreTest, EmptyKeyIsInvalid) {
  auto store = OpenStore();
  auto r = store->CreateOrGet("", Spec("/a"), absl::Now());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("key"), absl::string_view::npos);
}

TEST_F(JobStoreTest, JobsKeysAndCounterSurviveReopen) {
  {
    auto store = OpenStore();
    auto a = store->CreateOrGet("k1", Spec("/a"), absl::Now());
    ASSERT_TRUE(a.ok());
    v1::StoredJob job = a->job;
    job.mutable_status()->set_state(v1::JOB_RUNNING);
    job.set_resume_checkpoint("/ckpt/step-10");
    job.set_resume_step(10);
    ASSERT_TRUE(store->Update(job).ok());
  }
  auto store = OpenStore();
  auto job = store->Get("pm-000001");
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->status().state(), v1::JOB_RUNNING);
  EXPECT_EQ(job->resume_checkpoint(), "/ckpt/step-10");
  EXPECT_EQ(job->resume_step(), 10u);
  auto same = store->CreateOrGet("k1", Spec("/x"), absl::Now());
  EXPECT_FALSE(same->created);
  auto next = store->CreateOrGet("k2", Spec("/x"), absl::Now());
  EXPECT_EQ(next->job.status().id(), "pm-000002");
}

TEST_F(JobStoreTest, UnknownIdIsNotFound) {
  auto store = OpenStore();
  EXPECT_EQ(store->Get("pm-000009").status().code(), absl::StatusCode::kNotFound);
  v1::StoredJob job;
  job.mutable_status()->set_id("pm-000009");
  EXPECT_EQ(store->Update(job).code(), absl::StatusCode::kNotFound);
}

TEST_F(JobStoreTest, EndedJobNeverChanges) {
  auto store = OpenStore();
  v1::StoredJob job = store->CreateOrGet("k", Spec("/a"), absl::Now())->job;
  job.mutable_status()->set_state(v1::JOB_SUCCEEDED);
  ASSERT_TRUE(store->Update(job).ok());
  job.mutable_status()->set_state(v1::JOB_RUNNING);
  EXPECT_EQ(store->Update(job).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->UpdateProgress(job).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->Get(job.status().id())->status().state(), v1::JOB_SUCCEEDED);
}

TEST_F(JobStoreTest, SecondOpenOfTheSameFolderIsUnavailable) {
  auto store = OpenStore();
  auto second = JobStore::Open({dir_.string(), "pm"});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
}

TEST(IsTerminalTest, OnlyEndStates) {
  EXPECT_FALSE(IsTerminal(v1::JOB_PENDING));
  EXPECT_FALSE(IsTerminal(v1::JOB_RUNNING));
  EXPECT_TRUE(IsTerminal(v1::JOB_SUCCEEDED));
  EXPECT_TRUE(IsTerminal(v1::JOB_FAILED));
  EXPECT_TRUE(IsTerminal(v1::JOB_CANCELLED));
}

}  // namespace
}  // namespace shammie::storage
