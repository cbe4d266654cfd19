// RocksDbStore's tokens: "h/<sha256 hex>" → Token (no secret) and
// "n/<name>" → hash, written together in one synced batch. Token writes are
// rare, so they bypass the group committer; tokens_mu_ makes the name
// uniqueness check and the write one step, and keeps a "last used" update
// from bringing back a token revoked meanwhile.
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "storage/keys.h"
#include "storage/rocksdb_status.h"
#include "storage/rocksdb_store.h"
#include "storage/token_secret.h"

namespace shammie::storage {

absl::StatusOr<v1::Token> RocksDbStore::CreateToken(absl::string_view name, v1::TokenRole role,
                                                    absl::string_view secret, absl::Time created_at,
                                                    absl::Time expires_at) {
  using google::protobuf::util::TimeUtil;
  v1::Token token;
  token.set_name(std::string(name));
  token.set_role(role);
  *token.mutable_created_at() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(created_at));
  if (expires_at != absl::InfiniteFuture()) {
    *token.mutable_expires_at() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(expires_at));
  }
  const std::string hash = HashTokenSecret(secret);

  absl::MutexLock lock(&tokens_mu_);
  std::string existing;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), cf(kTokensCf), TokenNameKey(name), &existing);
  if (s.ok())
    return absl::AlreadyExistsError(absl::StrCat("name: a token named \"", name, "\" exists"));
  if (!s.IsNotFound()) return FromRocks(s, "reading tokens");
  rocksdb::WriteBatch batch;
  batch.Put(cf(kTokensCf), TokenHashKey(hash), token.SerializeAsString());
  batch.Put(cf(kTokensCf), TokenNameKey(name), hash);
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  if (absl::Status st = FromRocks(db_->Write(wo, &batch), "writing token"); !st.ok()) return st;
  return token;
}

absl::StatusOr<v1::Token> RocksDbStore::LookupSecret(absl::string_view secret) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kTokensCf),
                               TokenHashKey(HashTokenSecret(secret)), &value);
  if (s.IsNotFound()) return absl::NotFoundError("unknown token");
  if (!s.ok()) return FromRocks(s, "reading tokens");
  v1::Token token;
  if (!token.ParseFromString(value)) return absl::InternalError("corrupt token record");
  return token;
}

absl::Status RocksDbStore::RevokeToken(absl::string_view name) {
  absl::MutexLock lock(&tokens_mu_);
  std::string hash;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kTokensCf), TokenNameKey(name), &hash);
  if (s.IsNotFound())
    return absl::NotFoundError(absl::StrCat("name: no token named \"", name, "\""));
  if (!s.ok()) return FromRocks(s, "reading tokens");
  rocksdb::WriteBatch batch;
  batch.Delete(cf(kTokensCf), TokenHashKey(hash));
  batch.Delete(cf(kTokensCf), TokenNameKey(name));
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync_writes;
  return FromRocks(db_->Write(wo, &batch), "revoking token");
}

absl::StatusOr<uint64_t> RocksDbStore::CountTokens() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kTokensCf)));
  uint64_t n = 0;
  for (it->Seek("n/"); it->Valid() && it->key().starts_with("n/"); it->Next()) ++n;
  if (absl::Status st = FromRocks(it->status(), "counting tokens"); !st.ok()) return st;
  return n;
}

absl::StatusOr<std::vector<v1::Token>> RocksDbStore::ListTokens() {
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kTokensCf)));
  std::vector<v1::Token> out;
  absl::Status status;
  // "n/<name>" → hash, in name order; each hash → the token record.
  for (it->Seek("n/"); it->Valid() && it->key().starts_with("n/"); it->Next()) {
    std::string value;
    rocksdb::Status s = db_->Get(ro, cf(kTokensCf), TokenHashKey(it->value().ToString()), &value);
    if (!s.ok()) {
      status = FromRocks(s, "reading tokens");
      break;
    }
    v1::Token token;
    if (!token.ParseFromString(value)) {
      status = absl::InternalError("corrupt token record");
      break;
    }
    out.push_back(std::move(token));
  }
  if (status.ok()) status = FromRocks(it->status(), "listing tokens");
  it.reset();
  db_->ReleaseSnapshot(snapshot);
  if (!status.ok()) return status;
  return out;
}

absl::Status RocksDbStore::RecordTokenUse(absl::string_view secret, absl::Time now,
                                          absl::Duration granularity) {
  using google::protobuf::util::TimeUtil;
  const std::string key = TokenHashKey(HashTokenSecret(secret));
  absl::MutexLock lock(&tokens_mu_);
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kTokensCf), key, &value);
  if (s.IsNotFound()) return absl::OkStatus();  // revoked meanwhile: stays revoked
  if (!s.ok()) return FromRocks(s, "reading tokens");
  v1::Token token;
  if (!token.ParseFromString(value)) return absl::InternalError("corrupt token record");
  if (token.has_last_used_at()) {
    const absl::Time last =
        absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(token.last_used_at()));
    if (now - last < granularity) return absl::OkStatus();
  }
  *token.mutable_last_used_at() = TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  return FromRocks(db_->Put(rocksdb::WriteOptions(), cf(kTokensCf), key, token.SerializeAsString()),
                   "recording token use");
}

}  // namespace shammie::storage
