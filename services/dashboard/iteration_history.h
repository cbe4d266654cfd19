// Each iteration's results, kept as files in the artifact folder so they
// outlive restarts and can be read by a process other than the writer:
//
//   <artifact_dir>/history/iter-0003.json   (v1::IterationRecord, protobuf JSON)
//
// The scheduler writes a record as its iteration runs (stage changes, PPO
// steps, PM reports, the Elo table); the collector reads them to serve the
// dashboard's JSON API. Every write goes to a temporary file that is synced
// and renamed over the old one, so a reader (or a crash) never sees half a
// record.
//
// Thread-safety: all methods are thread-safe within a process. Across
// processes, one writer per iteration (the scheduler) and any number of
// readers is safe.
#ifndef SHAMMIE_SERVICES_DASHBOARD_ITERATION_HISTORY_H_
#define SHAMMIE_SERVICES_DASHBOARD_ITERATION_HISTORY_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "shammie/v1/history.pb.h"

namespace shammie::dashboard {

class IterationHistory {
 public:
  // Opens (creating if missing) <artifact_dir>/history. INVALID_ARGUMENT for
  // an empty artifact_dir; UNAVAILABLE when the folder cannot be created.
  static absl::StatusOr<std::unique_ptr<IterationHistory>> Open(const std::string& artifact_dir);

  // Replaces the record of record.iteration().id(). INVALID_ARGUMENT
  // ("iteration.id") when the id is empty or not [A-Za-z0-9_-]{1,64};
  // UNAVAILABLE when the file cannot be written (nothing is changed then).
  absl::Status Put(const v1::IterationRecord& record);

  // Read-modify-write of one record (a new, empty one with the id set when
  // there is none yet), atomic against other Update/Put calls in this
  // process. `edit` must not call back into this object.
  absl::Status Update(absl::string_view iteration_id,
                      const std::function<void(v1::IterationRecord*)>& edit);

  // NOT_FOUND when there is no record; DATA_LOSS when the file does not
  // parse.
  absl::StatusOr<v1::IterationRecord> Get(absl::string_view iteration_id) const;

  // Every readable record, in id order. A file that does not parse is
  // skipped (and logged) so one bad file does not hide the others.
  absl::StatusOr<std::vector<v1::IterationRecord>> List() const;

  const std::string& dir() const { return dir_; }

 private:
  explicit IterationHistory(std::string dir) : dir_(std::move(dir)) {}
  absl::Status PutLocked(const v1::IterationRecord& record) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<v1::IterationRecord> ReadFile(const std::string& path) const;
  std::string PathFor(absl::string_view id) const;

  const std::string dir_;
  mutable absl::Mutex mu_;  // serializes writers in this process
};

// True for ids that are safe as file names: [A-Za-z0-9_-]{1,64}.
bool IsValidIterationId(absl::string_view id);

}  // namespace shammie::dashboard

#endif  // SHAMMIE_SERVICES_DASHBOARD_ITERATION_HISTORY_H_
