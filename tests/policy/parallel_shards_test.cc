// Shards cover the batch exactly once, run on distinct threads with the
// caller's autograd mode, hold OpenBLAS to one thread while they run, and
// bring a shard's exception back to the caller.
#include "policy/parallel_shards.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/blas_threads.h"

namespace shammie::policy {
namespace {

TEST(ParallelShardsTest, RangesCoverTheRowsOnceInOrder) {
  for (int64_t rows : {1, 2, 7, 32, 33}) {
    for (int shards : {1, 2, 3}) {
      int64_t next = 0;
      for (int s = 0; s < shards; ++s) {
        ShardRange r = ShardRows(rows, shards, s);
        EXPECT_EQ(r.begin, next);
        EXPECT_GE(r.end, r.begin);
        EXPECT_LE(r.end - r.begin, rows / shards + 1);
        next = r.end;
      }
      EXPECT_EQ(next, rows);
    }
  }
}

TEST(ParallelShardsTest, ShardCountFollowsTheEnvironmentAndNeverNests) {
  setenv("SHAMMIE_BATCH_THREADS", "2", 1);
  EXPECT_EQ(ShardCount(32), 2);
  EXPECT_EQ(ShardCount(1), 1);
  EXPECT_EQ(ShardCount(32, /*min_rows_per_shard=*/20), 1);
  std::vector<int> inner(2, -1);
  RunShards(32, 2, [&](int shard, ShardRange) { inner[shard] = ShardCount(32); });
  EXPECT_EQ(inner, std::vector<int>({1, 1}));
  setenv("SHAMMIE_BATCH_THREADS", "1", 1);
  EXPECT_EQ(ShardCount(32), 1);
  unsetenv("SHAMMIE_BATCH_THREADS");
}

TEST(ParallelShardsTest, ShardsRunOnTheirOwnThreadsWithTheCallersGradMode) {
  const int before = common::BlasThreads();
  std::mutex mu;
  std::set<std::thread::id> threads;
  std::vector<int> grad(3, -1), blas(3, -1);
  {
    torch::NoGradGuard no_grad;
    RunShards(9, 3, [&](int shard, ShardRange) {
      std::lock_guard<std::mutex> lock(mu);
      threads.insert(std::this_thread::get_id());
      grad[shard] = torch::GradMode::is_enabled();
      blas[shard] = common::BlasThreads();
    });
  }
  EXPECT_EQ(threads.size(), 3u);
  EXPECT_EQ(grad, std::vector<int>({0, 0, 0}));
  if (before > 0) {  // OpenBLAS is the loaded BLAS
    EXPECT_EQ(blas, std::vector<int>({1, 1, 1}));
    EXPECT_EQ(common::BlasThreads(), before);
  }
}

TEST(ParallelShardsTest, AShardsExceptionReachesTheCallerAfterAllFinish) {
  std::vector<int> done(2, 0);
  EXPECT_THROW(RunShards(4, 2,
                         [&](int shard, ShardRange) {
                           done[shard] = 1;
                           if (shard == 1) throw std::runtime_error("shard 1 failed");
                         }),
               std::runtime_error);
  EXPECT_EQ(done, std::vector<int>({1, 1}));
}

}  // namespace
}  // namespace shammie::policy
