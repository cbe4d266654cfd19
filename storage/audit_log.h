// AuditLog: an append-only record of operator actions (token changes,
// imports, deploys, triggers, cancels, schedule changes): who, what, when,
// which target. The collector keeps it in its RocksDB ("audit" column family,
// docs/storage.md) next to the tokens whose names it records.
//
// Thread-safe: every method may be called concurrently.
#ifndef SHAMMIE_STORAGE_AUDIT_LOG_H_
#define SHAMMIE_STORAGE_AUDIT_LOG_H_

#include <cstddef>
#include <vector>

#include "absl/status/statusor.h"
#include "shammie/v1/collector.pb.h"

namespace shammie::storage {

class AuditLog {
 public:
  virtual ~AuditLog() = default;

  // Stores `entry` (its seq is assigned here: the next number from 1) and
  // returns it once durable (synced when the store syncs writes).
  // UNAVAILABLE/INTERNAL on I/O errors; nothing is stored then.
  virtual absl::StatusOr<v1::AuditEntry> AppendAudit(v1::AuditEntry entry) = 0;

  // The newest `limit` entries, newest first.
  virtual absl::StatusOr<std::vector<v1::AuditEntry>> ListAudit(size_t limit) = 0;
};

}  // namespace shammie::storage

#endif  // SHAMMIE_STORAGE_AUDIT_LOG_H_
