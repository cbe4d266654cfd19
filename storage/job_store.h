// A trainer's persisted jobs: RocksDB, one per trainer process.
//
// Generic over the job's spec and result (StoredJob packs them as Any), so
// the PM and PPO trainers share it. Key layout (docs/storage.md):
//   job/<id>   → StoredJob            (the job, newest state)
//   key/<key>  → <id>                 (idempotency index: StartJob key → job)
//   meta/next  → decimal counter      (the next id number)
// Ids are "<prefix>-<6 digits>", increasing, so listing by id lists jobs in
// creation order.
//
// Durability: Create and Update write with the WAL synced before returning,
// so a state transition is on disk before the caller acts on it. Progress
// updates (UpdateProgress) are not synced: losing the newest progress on a
// crash only makes a resumed job report an older step.
//
// Thread-safe: all methods may be called concurrently.
#ifndef SHAMMIE_STORAGE_JOB_STORE_H_
#define SHAMMIE_STORAGE_JOB_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/any.pb.h"
#include "shammie/v1/jobs.pb.h"

namespace shammie::storage {

struct JobStoreOptions {
  // RocksDB folder; created if missing.
  std::string path;
  // Job ids are "<id_prefix>-000001", … (e.g. "pm", "ppo").
  std::string id_prefix = "job";
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Opens (or creates) the store. UNAVAILABLE when the folder is locked by
  // another process; INTERNAL for other RocksDB errors.
  static absl::StatusOr<std::unique_ptr<JobStore>> Open(const JobStoreOptions& options);

  struct CreateResult {
    v1::StoredJob job;
    // False when a job with this key already existed: `job` is that job and
    // `spec` was ignored.
    bool created = false;
  };
  // Creates a PENDING job for `key`, or returns the job the key already
  // names. INVALID_ARGUMENT when `key` is empty.
  virtual absl::StatusOr<CreateResult> CreateOrGet(absl::string_view key,
                                                   const google::protobuf::Any& spec,
                                                   absl::Time now) = 0;

  // NOT_FOUND when no job has this id.
  virtual absl::StatusOr<v1::StoredJob> Get(absl::string_view id) = 0;

  // The job `key` names. NOT_FOUND when no job has this key.
  virtual absl::StatusOr<v1::StoredJob> GetByKey(absl::string_view key) = 0;

  // Replaces a stored job (synced). NOT_FOUND when the id is unknown;
  // FAILED_PRECONDITION when the stored job already ended (SUCCEEDED, FAILED,
  // CANCELLED): an ended job never changes.
  virtual absl::Status Update(const v1::StoredJob& job) = 0;

  // Like Update, not synced; for progress reports.
  virtual absl::Status UpdateProgress(const v1::StoredJob& job) = 0;

  // Every job, in creation order.
  virtual absl::StatusOr<std::vector<v1::StoredJob>> List() = 0;
};

// True for SUCCEEDED, FAILED and CANCELLED.
bool IsTerminal(v1::JobState state);

}  // namespace shammie::storage

#endif  // SHAMMIE_STORAGE_JOB_STORE_H_
