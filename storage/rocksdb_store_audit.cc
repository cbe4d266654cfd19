// RocksDbStore's audit log: "audit" column family, key = 8-byte big-endian
// seq → AuditEntry. Appends are rare (operator actions), so they bypass the
// group committer and write one synced batch each; audit_mu_ makes "next
// seq" and the write one step.
#include "absl/strings/str_cat.h"
#include "storage/keys.h"
#include "storage/rocksdb_status.h"
#include "storage/rocksdb_store.h"

namespace shammie::storage {

absl::Status RocksDbStore::LoadAuditSeq() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kAuditCf)));
  it->SeekToLast();
  absl::MutexLock lock(&audit_mu_);
  last_audit_seq_ =
      it->Valid() ? DecodeUint64(absl::string_view(it->key().data(), it->key().size())) : 0;
  return FromRocks(it->status(), "reading the audit log");
}

absl::StatusOr<v1::AuditEntry> RocksDbStore::AppendAudit(v1::AuditEntry entry) {
  absl::MutexLock lock(&audit_mu_);
  entry.set_seq(last_audit_seq_ + 1);
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  absl::Status st =
      FromRocks(db_->Put(wo, cf(kAuditCf), EncodeUint64(entry.seq()), entry.SerializeAsString()),
                "writing the audit log");
  if (!st.ok()) return st;
  last_audit_seq_ = entry.seq();
  return entry;
}

absl::StatusOr<std::vector<v1::AuditEntry>> RocksDbStore::ListAudit(size_t limit) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kAuditCf)));
  std::vector<v1::AuditEntry> out;
  for (it->SeekToLast(); it->Valid() && out.size() < limit; it->Prev()) {
    v1::AuditEntry entry;
    if (!entry.ParseFromArray(it->value().data(), it->value().size())) {
      return absl::InternalError("audit log: corrupt record");
    }
    out.push_back(std::move(entry));
  }
  if (absl::Status st = FromRocks(it->status(), "reading the audit log"); !st.ok()) return st;
  return out;
}

}  // namespace shammie::storage
