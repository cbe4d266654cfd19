// RocksDbStore: the ComparisonStore, TokenStore and AuditLog on one RocksDB
// database.
//
// Column families and key layout: storage/keys.h and docs/storage.md.
// All comparison and task writes go through one GroupCommitter (see
// group_committer.h), which is what gives group commit and seq-ordered
// visibility. Token and audit writes are rare and go straight to RocksDB
// (synced).
//
// Ownership: the store owns the database; destroying it finishes queued
// writes and closes the database. Only one process may open a path at a time
// (RocksDB's LOCK file enforces it: Open returns UNAVAILABLE).
//
// Thread-safe: all methods may be called concurrently.
#ifndef SHAMMIE_STORAGE_ROCKSDB_STORE_H_
#define SHAMMIE_STORAGE_ROCKSDB_STORE_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "rocksdb/db.h"
#include "storage/audit_log.h"
#include "storage/comparison_store.h"
#include "storage/group_committer.h"
#include "storage/token_store.h"

namespace shammie::storage {

struct RocksDbStoreOptions {
  // Database folder; created (with parents) if missing.
  std::string path;
  // Sync the WAL before a write returns. Default true; false only for
  // benchmarks that measure what durability costs.
  bool sync_writes = true;
  // Most writes sharing one batch (one fsync).
  size_t max_ops_per_batch = 1024;
};

class RocksDbStore : public ComparisonStore,
                     public TokenStore,
                     public AuditLog,
                     private GroupCommitter::Listener {
 public:
  // UNAVAILABLE when the database is locked by another process; INTERNAL for
  // corruption or I/O errors.
  static absl::StatusOr<std::unique_ptr<RocksDbStore>> Open(const RocksDbStoreOptions& options);
  ~RocksDbStore() override;

  // ComparisonStore
  absl::StatusOr<v1::LabelingTask> CreateTask(v1::LabelingTask task) override;
  absl::StatusOr<v1::LabelingTask> GetTask(absl::string_view task_id) override;
  absl::StatusOr<v1::LabelingTask> NextTask(
      absl::string_view labeler,
      const std::function<bool(const v1::LabelingTask&)>& accept = nullptr) override;
  absl::Status RecordSkip(absl::string_view task_id, absl::string_view labeler) override;
  absl::StatusOr<v1::Comparison> AddComparison(v1::Comparison c) override;
  absl::StatusOr<ImportResult> ImportComparisons(std::vector<v1::Comparison> cs) override;
  absl::Status ExportComparisons(uint64_t after_seq, uint64_t up_to_seq,
                                 const std::function<bool(const v1::Comparison&)>& emit) override;
  absl::StatusOr<v1::Stats> GetStats(absl::string_view labeler, absl::string_view day) override;

  // TokenStore
  absl::StatusOr<v1::Token> CreateToken(absl::string_view name, v1::TokenRole role,
                                        absl::string_view secret, absl::Time created_at,
                                        absl::Time expires_at = absl::InfiniteFuture()) override;
  absl::StatusOr<v1::Token> LookupSecret(absl::string_view secret) override;
  absl::Status RevokeToken(absl::string_view name) override;
  absl::StatusOr<uint64_t> CountTokens() override;
  absl::StatusOr<std::vector<v1::Token>> ListTokens() override;
  absl::Status RecordTokenUse(absl::string_view secret, absl::Time now,
                              absl::Duration granularity = absl::Minutes(1)) override;

  // AuditLog
  absl::StatusOr<v1::AuditEntry> AppendAudit(v1::AuditEntry entry) override;
  absl::StatusOr<std::vector<v1::AuditEntry>> ListAudit(size_t limit) override;

 private:
  // A task as stored: its number (position in NextTask order) and the task.
  struct TaskRecord {
    uint64_t task_no = 0;
    v1::LabelingTask task;
  };

  explicit RocksDbStore(const RocksDbStoreOptions& options);
  absl::Status LoadCounters();
  absl::Status LoadAuditSeq();

  // GroupCommitter::Listener (committer thread only).
  void Seal(rocksdb::WriteBatch* batch) override;
  void Finish(bool committed) override;

  // Committer-thread helpers: read through the batch's staged state.
  uint64_t Counter(const std::string& name);
  void AddCounter(const std::string& name, int64_t delta);
  absl::StatusOr<TaskRecord> LoadTask(const std::string& task_id);
  void PutTask(rocksdb::WriteBatch* batch, const TaskRecord& record);
  // The comparison already stored under (labeler, request id), if any.
  absl::StatusOr<bool> FindIdempotent(const std::string& key, v1::Comparison* out);
  // Assigns id/seq and stages the comparison, its idempotency key and counters.
  absl::Status StageComparison(rocksdb::WriteBatch* batch, v1::Comparison* c);

  rocksdb::ColumnFamilyHandle* cf(const char* name) const { return cfs_.at(name); }

  const RocksDbStoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> cfs_;  // constant after Open
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;        // for closing
  std::unique_ptr<GroupCommitter> committer_;

  // Counters as of the last committed batch.
  absl::Mutex counters_mu_;
  std::map<std::string, uint64_t> counters_ ABSL_GUARDED_BY(counters_mu_);

  // Staged by the ops of the batch being built; committer thread only.
  std::map<std::string, uint64_t> staged_counters_;
  std::map<std::string, TaskRecord> staged_tasks_;
  std::map<std::string, v1::Comparison> staged_idempotency_;

  // Serializes token create/revoke/use (name uniqueness check + write).
  absl::Mutex tokens_mu_;

  // Serializes audit appends; the seq of the newest entry.
  absl::Mutex audit_mu_;
  uint64_t last_audit_seq_ ABSL_GUARDED_BY(audit_mu_) = 0;
};

}  // namespace shammie::storage

#endif  // SHAMMIE_STORAGE_ROCKSDB_STORE_H_
