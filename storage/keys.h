// Key encodings for the collector's RocksDB column families.
//
// The layout is documented in docs/storage.md; this file is the code side of
// that page. Sequence numbers and task numbers are 8-byte big-endian, so
// RocksDB's bytewise order is numeric order and a range scan from a seq is a
// scan in acknowledgement order.
#ifndef SHAMMIE_STORAGE_KEYS_H_
#define SHAMMIE_STORAGE_KEYS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace shammie::storage {

// Column family names.
inline constexpr char kComparisonsCf[] = "comparisons";  // seq → Comparison
inline constexpr char kTasksCf[] = "tasks";              // task id → TaskRecord
inline constexpr char kOpenTasksCf[] = "open_tasks";     // task no → task id
inline constexpr char kLabelsCf[] = "labels";            // task id \0 labeler → 'L' | 'S'
inline constexpr char kIdempotencyCf[] = "idempotency";  // labeler \0 request id → seq
inline constexpr char kTokensCf[] = "tokens";            // "h/"hash → Token, "n/"name → hash
inline constexpr char kMetaCf[] = "meta";                // counter name → uint64 (8-byte BE)
inline constexpr char kAuditCf[] = "audit";              // seq (8-byte BE) → AuditEntry

// Values of the labels column family.
inline constexpr char kLabeled = 'L';
inline constexpr char kSkipped = 'S';

// 8-byte big-endian encoding of `v`.
std::string EncodeUint64(uint64_t v);
// REQUIRES: s.size() == 8.
uint64_t DecodeUint64(absl::string_view s);

// Two-part keys joined by NUL. `first` never contains NUL (task ids and token
// names are restricted to [A-Za-z0-9_.-]), so the split is unambiguous.
std::string LabelKey(absl::string_view task_id, absl::string_view labeler);
std::string IdempotencyKey(absl::string_view labeler, absl::string_view client_request_id);

// Token keys.
std::string TokenHashKey(absl::string_view hash_hex);
std::string TokenNameKey(absl::string_view name);

// Meta counter names.
inline constexpr char kLastSeqCounter[] = "last_seq";
inline constexpr char kLastTaskNoCounter[] = "last_task_no";
inline constexpr char kComparisonsCounter[] = "comparisons";
inline constexpr char kTasksCounter[] = "tasks";
inline constexpr char kOpenTasksCounter[] = "open_tasks";
std::string SourceCounter(absl::string_view source);    // "source/<name>"
std::string LabelerCounter(absl::string_view labeler);  // "labeler/<name>"
std::string DayCounter(absl::string_view day);          // "day/<YYYY-MM-DD>"
std::string LabelerDayCounter(absl::string_view labeler,
                              absl::string_view day);  // "labeler_day/<day>/<name>"

}  // namespace shammie::storage

#endif  // SHAMMIE_STORAGE_KEYS_H_
