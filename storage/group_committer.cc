#include "storage/group_committer.h"

#include "absl/strings/str_cat.h"

namespace shammie::storage {

GroupCommitter::GroupCommitter(rocksdb::DB* db, Listener* listener, Options options)
    : db_(db), listener_(listener), options_(options) {
  thread_ = std::thread([this] { Loop(); });
}

GroupCommitter::~GroupCommitter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

absl::Status GroupCommitter::Run(Op op) {
  Pending pending;
  pending.op = std::move(op);
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("store is shutting down");
  queue_.push_back(&pending);
  mu_.Await(absl::Condition(&pending.done));
  return pending.status;
}

void GroupCommitter::Loop() {
  for (;;) {
    std::deque<Pending*> batch;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing left to write
      // Take everything that queued while the previous batch was syncing:
      // that is what makes one fsync serve many writers.
      while (!queue_.empty() && batch.size() < options_.max_ops_per_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    CommitBatch(batch);
    absl::MutexLock lock(&mu_);
    for (Pending* p : batch) p->done = true;
  }
}

void GroupCommitter::CommitBatch(std::deque<Pending*>& ops) {
  rocksdb::WriteBatch batch;
  size_t accepted = 0;
  for (Pending* p : ops) {
    batch.SetSavePoint();
    p->status = p->op(&batch);
    if (p->status.ok()) {
      ++accepted;
      batch.PopSavePoint();
    } else {
      batch.RollbackToSavePoint();  // this op's partial writes go; others stay
    }
  }
  if (accepted == 0) {
    listener_->Finish(false);
    return;
  }
  listener_->Seal(&batch);
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  rocksdb::Status s = db_->Write(wo, &batch);
  listener_->Finish(s.ok());
  if (!s.ok()) {
    absl::Status failed = absl::UnavailableError(absl::StrCat("storage write failed: ", s.ToString()));
    for (Pending* p : ops) {
      if (p->status.ok()) p->status = failed;
    }
  }
}

}  // namespace shammie::storage
