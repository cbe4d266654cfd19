#include "policy/parallel_shards.h"

#include <ATen/ThreadLocalState.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "common/blas_threads.h"

namespace shammie::policy {
namespace {

thread_local bool in_shard = false;

int Cores() {
  if (const char* env = std::getenv("SHAMMIE_BATCH_THREADS"); env != nullptr) {
    int n = 0;
    if (absl::SimpleAtoi(env, &n) && n >= 1) return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

int ShardCount(int64_t rows, int64_t min_rows_per_shard) {
  if (in_shard || rows <= 0) return 1;
  const int64_t by_rows = rows / std::max<int64_t>(1, min_rows_per_shard);
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(Cores(), by_rows)));
}

ShardRange ShardRows(int64_t rows, int shards, int shard) {
  const int64_t base = rows / shards, extra = rows % shards;
  const int64_t begin = shard * base + std::min<int64_t>(shard, extra);
  return {begin, begin + base + (shard < extra ? 1 : 0)};
}

void RunShards(int64_t rows, int shards, const std::function<void(int, ShardRange)>& fn) {
  if (shards <= 1) {
    fn(0, ShardRange{0, rows});
    return;
  }
  std::vector<std::exception_ptr> errors(shards);
  auto run = [&](int shard) {
    in_shard = true;
    try {
      fn(shard, ShardRows(rows, shards, shard));
    } catch (...) {
      errors[shard] = std::current_exception();
    }
    in_shard = false;
  };
  {
    common::ScopedSingleThreadBlas single_blas;
    const at::ThreadLocalState state;  // grad / inference mode of the caller
    std::vector<std::thread> workers;
    workers.reserve(shards - 1);
    for (int s = 1; s < shards; ++s) {
      workers.emplace_back([&, s] {
        at::ThreadLocalStateGuard guard(state);
        run(s);
      });
    }
    run(0);
    for (std::thread& w : workers) w.join();
  }
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace shammie::policy
