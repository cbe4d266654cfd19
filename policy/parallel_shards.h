// Runs one batch as contiguous row shards on one thread per core.
//
// Why: the models Shammie trains and samples are small (C = 128…512), so a
// step is hundreds of small ops — LayerNorms, GELUs, softmaxes, tiny matmuls —
// each too small for OpenBLAS's threads or ATen's to split well, and most of
// them run on one core while the other waits. Two halves of the batch on two
// threads keep both cores busy for every op, with OpenBLAS held to one thread
// per call meanwhile (common/blas_threads.h). Python cannot do this with
// threads (the interpreter lock serializes the op dispatch); it is the main
// reason the C++ loops outrun the Python reference (docs/results.md).
//
// The work of each shard must depend only on its rows: results then equal an
// unsharded run up to float rounding, and are deterministic for a given
// shard count. Workers inherit the caller's ATen thread-local state (grad
// mode, inference mode). A shard that throws makes RunShards rethrow the
// first exception (by shard order) after every shard has finished.
//
// This header is torch-free; the .cc uses ATen.
#ifndef SHAMMIE_POLICY_PARALLEL_SHARDS_H_
#define SHAMMIE_POLICY_PARALLEL_SHARDS_H_

#include <cstdint>
#include <functional>

namespace shammie::policy {

// How many shards a batch of `rows` gets: one per core (or
// $SHAMMIE_BATCH_THREADS when set, 1 turning sharding off), at most
// rows / min_rows_per_shard, at least 1; 1 inside a shard (no nesting).
int ShardCount(int64_t rows, int64_t min_rows_per_shard = 1);

// The rows [begin, end) of shard `shard` when `rows` are split `shards` ways
// (sizes differ by at most one, earlier shards larger).
struct ShardRange {
  int64_t begin = 0;
  int64_t end = 0;
};
ShardRange ShardRows(int64_t rows, int shards, int shard);

// Calls fn(shard, range) for every shard, the caller's thread running shard 0
// and one new thread each of the others; returns when all are done.
void RunShards(int64_t rows, int shards, const std::function<void(int, ShardRange)>& fn);

}  // namespace shammie::policy

#endif  // SHAMMIE_POLICY_PARALLEL_SHARDS_H_
