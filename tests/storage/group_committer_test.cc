#include "storage/group_committer.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/lib/temp_dir.h"

namespace shammie::storage {
namespace {

// Counts batches and records what each batch's Finish saw.
class CountingListener : public GroupCommitter::Listener {
 public:
  void Seal(rocksdb::WriteBatch*) override { ++seals; }
  void Finish(bool committed) override { committed ? ++commits : ++drops; }
  std::atomic<int> seals{0}, commits{0}, drops{0};
};

class GroupCommitterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_.Sub("db"), &raw).ok());
    db_.reset(raw);
  }
  std::string Get(const std::string& key) {
    std::string v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &v);
    return s.ok() ? v : "<missing>";
  }

  testing::TempDir dir_;
  std::unique_ptr<rocksdb::DB> db_;
};

TEST_F(GroupCommitterTest, FailingOpLeavesNoWritesAndOthersCommit) {
  CountingListener listener;
  GroupCommitter committer(db_.get(), &listener, {});
  EXPECT_TRUE(committer.Run([](rocksdb::WriteBatch* b) {
    b->Put("a", "1");
    return absl::OkStatus();
  }).ok());
  absl::Status failed = committer.Run([](rocksdb::WriteBatch* b) {
    b->Put("b", "half-written");
    return absl::InvalidArgumentError("nope");
  });
  EXPECT_EQ(failed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Get("a"), "1");
  EXPECT_EQ(Get("b"), "<missing>");
}

TEST_F(GroupCommitterTest, ConcurrentWritersShareBatchesAndAllLand) {
  CountingListener listener;
  GroupCommitter committer(db_.get(), &listener, {});
  constexpr int kThreads = 16, kPerThread = 50;
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "k" + std::to_string(t) + "-" + std::to_string(i);
        if (!committer.Run([&](rocksdb::WriteBatch* b) {
              b->Put(key, "v");
              return absl::OkStatus();
            }).ok()) {
          ++errors;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, 0);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(Get("k" + std::to_string(t) + "-" + std::to_string(kPerThread - 1)), "v");
  // Group commit: far fewer synced batches than writes (each writer waits for
  // the fsync, so the others queue up behind it).
  EXPECT_LT(listener.commits.load(), kThreads * kPerThread / 2);
  EXPECT_EQ(listener.commits.load(), listener.seals.load());
}

}  // namespace
}  // namespace shammie::storage
