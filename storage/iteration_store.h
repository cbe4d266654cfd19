// The scheduler's durable state: iterations and the schedule, in RocksDB.
//
// Every write is synced (WAL fsync) before the call returns, so a transition
// the scheduler has written survives SIGKILL and a restarted scheduler reads
// exactly the stage that was in flight. Key layout: docs/storage.md
// ("Scheduler: iterations").
//
// At most one iteration is active (not SUCCEEDED/FAILED/CANCELLED). Create()
// enforces it atomically with the idempotency key: the same key returns the
// iteration it created before; a different key while one is active is
// FAILED_PRECONDITION. Nothing half-written: each call is one WriteBatch.
//
// Thread-safe: all methods may be called concurrently. Only one process may
// open a data dir (RocksDB's LOCK file; a second Open is UNAVAILABLE).
#ifndef SHAMMIE_STORAGE_ITERATION_STORE_H_
#define SHAMMIE_STORAGE_ITERATION_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shammie/v1/scheduler.pb.h"

namespace shammie::storage {

struct IterationStoreOptions {
  // RocksDB folder; created if missing.
  std::string data_dir;
  // fsync the WAL on every write. Off only for benchmarks.
  bool sync_writes = true;
};

// True for SUCCEEDED, FAILED and CANCELLED.
bool IsTerminal(v1::IterationStage stage);

class IterationStore {
 public:
  virtual ~IterationStore() = default;

  static absl::StatusOr<std::unique_ptr<IterationStore>> Open(const IterationStoreOptions& options);

  // A new PENDING iteration with the next id ("iter-0001", …) and
  // created_at = now, or the iteration an earlier Create with the same
  // non-empty `key` made (whatever its stage). An empty key gets a fresh one.
  // FAILED_PRECONDITION (naming the active id) when another iteration is
  // active.
  virtual absl::StatusOr<v1::Iteration> Create(const std::string& key, absl::Time now) = 0;

  // Replaces a stored iteration (a transition or progress). Synced.
  // NOT_FOUND for an unknown id; FAILED_PRECONDITION when the stored copy is
  // terminal (finished iterations are immutable, but for the Elo fields,
  // which later evaluations refit: see UpdateElo).
  virtual absl::Status Put(const v1::Iteration& iteration) = 0;
  // Sets elo, elo_ci_low, elo_ci_high of any iteration. NOT_FOUND if unknown.
  virtual absl::Status UpdateElo(const std::string& id, double elo, double ci_low,
                                 double ci_high) = 0;

  virtual absl::StatusOr<v1::Iteration> Get(const std::string& id) = 0;  // NOT_FOUND
  // Oldest first.
  virtual absl::StatusOr<std::vector<v1::Iteration>> List() = 0;
  // The active iteration, if any.
  virtual absl::StatusOr<std::optional<v1::Iteration>> Active() = 0;

  // The stored schedule; nullopt before the first PutSchedule.
  virtual absl::StatusOr<std::optional<v1::Schedule>> GetSchedule() = 0;
  virtual absl::Status PutSchedule(const v1::Schedule& schedule) = 0;
};

}  // namespace shammie::storage

#endif  // SHAMMIE_STORAGE_ITERATION_STORE_H_
