// GroupCommitter: one thread that turns concurrent writers into few synced
// RocksDB writes, in order.
//
// Writers call Run(op). The committer thread drains every queued op (up to
// max_ops_per_batch), runs them one after another against one WriteBatch,
// writes that batch once (sync=true: one fsync of the WAL for all of them),
// and then wakes every waiter. Because only this thread writes, and batches
// are written one at a time, anything an op assigns in order (sequence
// numbers) becomes visible in that order.
//
// An op adds its writes to the batch. If it returns non-OK, the committer
// rolls the batch back to where that op began, and the op fails alone; the
// op itself must not have changed any other state before failing (validate
// first, then mutate). If the batch write fails, every op in it fails with
// UNAVAILABLE and the Listener is told to discard what the ops staged.
//
// Thread-safe: Run may be called from any number of threads. Ops and the
// Listener run only on the committer thread.
#ifndef SHAMMIE_STORAGE_GROUP_COMMITTER_H_
#define SHAMMIE_STORAGE_GROUP_COMMITTER_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace shammie::storage {

class GroupCommitter {
 public:
  // Per-batch state kept by the owner of the committer (pending counters,
  // records read-modified-written by earlier ops of the same batch).
  class Listener {
   public:
    virtual ~Listener() = default;
    // Called once before a non-empty batch is written: add derived writes.
    virtual void Seal(rocksdb::WriteBatch* batch) = 0;
    // Called after every batch: publish staged state if `committed`,
    // otherwise drop it.
    virtual void Finish(bool committed) = 0;
  };

  struct Options {
    // Sync the WAL before waking writers (durability). Default true.
    bool sync = true;
    // Most ops in one batch; the rest wait for the next.
    size_t max_ops_per_batch = 1024;
  };

  using Op = std::function<absl::Status(rocksdb::WriteBatch* batch)>;

  // `db` and `listener` must outlive the committer. Starts the thread.
  GroupCommitter(rocksdb::DB* db, Listener* listener, Options options);
  // Finishes queued ops, then stops the thread.
  ~GroupCommitter();

  // Runs `op` on the committer thread and returns once its batch is written
  // (durable when sync). Returns the op's own error, or UNAVAILABLE when the
  // batch write failed or the committer is stopping.
  absl::Status Run(Op op);

 private:
  struct Pending {
    Op op;
    absl::Status status;
    bool done = false;
  };

  void Loop();
  void CommitBatch(std::deque<Pending*>& ops);

  rocksdb::DB* const db_;
  Listener* const listener_;
  const Options options_;

  absl::Mutex mu_;
  std::deque<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;
};

}  // namespace shammie::storage

#endif  // SHAMMIE_STORAGE_GROUP_COMMITTER_H_
