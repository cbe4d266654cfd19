// rocksdb::Status → absl::Status, with codes chosen by what the caller can do:
// NOT_FOUND; UNAVAILABLE for what a retry may fix (I/O errors, the database
// LOCK held by another process, busy); INTERNAL for corruption and the rest.
#ifndef SHAMMIE_STORAGE_ROCKSDB_STATUS_H_
#define SHAMMIE_STORAGE_ROCKSDB_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace shammie::storage {

inline absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat(what, ": not found"));
  if (s.IsIOError() || s.IsBusy() || s.IsTimedOut() || s.IsTryAgain()) {
    return absl::UnavailableError(absl::StrCat(what, ": ", s.ToString()));
  }
  return absl::InternalError(absl::StrCat(what, ": ", s.ToString()));
}

}  // namespace shammie::storage

#endif  // SHAMMIE_STORAGE_ROCKSDB_STATUS_H_
