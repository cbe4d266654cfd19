// ComparisonStore: labeling tasks and the comparisons labelers make of them.
//
// The store is the collector's memory. It assigns task ids, comparison ids
// and sequence numbers, enforces idempotency (labeler + client_request_id →
// one comparison), tracks which labeler labeled or skipped which task, and
// keeps the counters behind GetStats. It validates nothing about text: the
// collector's request validation runs before any call here.
//
// Durability and ordering (the RocksDB implementation): every mutating call
// returns only after its WAL write is synced (unless sync is off); concurrent
// calls share one synced WriteBatch (group commit). One committer thread
// assigns sequence numbers and writes batches in order, so a comparison with
// seq N is never visible before every seq < N is — an export with after_seq
// never misses a comparison that becomes visible later.
//
// Thread-safe: every method may be called concurrently.
#ifndef SHAMMIE_STORAGE_COMPARISON_STORE_H_
#define SHAMMIE_STORAGE_COMPARISON_STORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "shammie/v1/collector.pb.h"
#include "shammie/v1/conversation.pb.h"

namespace shammie::storage {

struct ImportResult {
  uint64_t imported = 0;
  uint64_t duplicates = 0;  // already stored under the same labeler + client_request_id
  uint64_t first_seq = 0;   // 0 when nothing new was stored
  uint64_t last_seq = 0;
};

class ComparisonStore {
 public:
  virtual ~ComparisonStore() = default;

  // Stores a new task. The store assigns id ("t-" + 16 hex) and sets
  // labels_received = 0; `task.created_at` and `labels_wanted` (>= 1) are
  // the caller's. Returns the stored task.
  virtual absl::StatusOr<v1::LabelingTask> CreateTask(v1::LabelingTask task) = 0;

  // NOT_FOUND for an unknown id.
  virtual absl::StatusOr<v1::LabelingTask> GetTask(absl::string_view task_id) = 0;

  // The oldest task that still wants labels and that `labeler` has neither
  // labeled nor skipped. NOT_FOUND when there is none.
  virtual absl::StatusOr<v1::LabelingTask> NextTask(absl::string_view labeler) = 0;

  // Records that `labeler` skipped the task. NOT_FOUND for an unknown task.
  virtual absl::Status RecordSkip(absl::string_view task_id, absl::string_view labeler) = 0;

  // Stores one labeler's comparison of a task. `c` carries task_id,
  // preference, labeler, source, created_at and client_request_id; the store
  // copies context and responses from the task and assigns id and seq.
  // If `c.client_request_id` is non-empty and the same labeler already stored
  // a comparison under it, returns that first comparison and stores nothing.
  // NOT_FOUND for an unknown task; UNAVAILABLE/INTERNAL if the write fails
  // (then nothing was stored).
  virtual absl::StatusOr<v1::Comparison> AddComparison(v1::Comparison c) = 0;

  // Stores complete comparisons (imported data) atomically: all new ones in
  // one batch, consecutive seqs in the given order; duplicates (same labeler
  // + non-empty client_request_id, stored before or earlier in `cs`) are
  // counted and skipped.
  virtual absl::StatusOr<ImportResult> ImportComparisons(std::vector<v1::Comparison> cs) = 0;

  // Calls `emit` for every comparison with after_seq < seq <= up_to_seq
  // (up_to_seq 0 = no bound) in seq order, read from one snapshot taken at
  // the call. Stops early, returning OK, when `emit` returns false.
  virtual absl::Status ExportComparisons(uint64_t after_seq, uint64_t up_to_seq,
                                         const std::function<bool(const v1::Comparison&)>& emit) = 0;

  // Counters as of the last committed batch. `mine_today` counts `labeler`'s
  // comparisons on `day` ("YYYY-MM-DD", UTC).
  virtual absl::StatusOr<v1::Stats> GetStats(absl::string_view labeler, absl::string_view day) = 0;
};

}  // namespace shammie::storage

#endif  // SHAMMIE_STORAGE_COMPARISON_STORE_H_
