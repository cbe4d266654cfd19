#include "storage/iteration_store.h"

#include <cinttypes>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/time_util.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace shammie::storage {
namespace {

// Key layout (docs/storage.md):
//   iter/<20-digit number>  → v1::Iteration   (numeric order = key order)
//   key/<idempotency key>   → iteration id
//   meta/next               → next iteration number, decimal
//   meta/active             → id of the active iteration (absent when none)
//   schedule                → v1::Schedule
constexpr char kIterPrefix[] = "iter/";
constexpr char kNextKey[] = "meta/next";
constexpr char kActiveKey[] = "meta/active";
constexpr char kScheduleKey[] = "schedule";

std::string IdFor(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "iter-%04" PRIu64, n);
  return buf;
}

// "iter-0012" → "iter/00000000000000000012"; empty when not an id.
std::string RowKey(const std::string& id) {
  uint64_t n;
  if (id.rfind("iter-", 0) != 0 || !absl::SimpleAtoi(id.substr(5), &n)) return "";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020" PRIu64, n);
  return absl::StrCat(kIterPrefix, buf);
}

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return absl::UnavailableError(absl::StrCat(what, ": ", s.ToString()));
  }
  return absl::InternalError(absl::StrCat(what, ": ", s.ToString()));
}

class RocksIterationStore : public IterationStore {
 public:
  RocksIterationStore(std::unique_ptr<rocksdb::DB> db, bool sync) : db_(std::move(db)) {
    write_.sync = sync;
  }

  absl::StatusOr<v1::Iteration> Create(const std::string& key, absl::Time now) override {
    absl::MutexLock lock(&mu_);
    std::string existing;
    if (!key.empty()) {
      rocksdb::Status s = db_->Get({}, absl::StrCat("key/", key), &existing);
      if (s.ok()) return GetLocked(existing);
      if (!s.IsNotFound()) return FromRocks(s, "read idempotency key");
    }
    std::string active;
    rocksdb::Status s = db_->Get({}, kActiveKey, &active);
    if (s.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("iteration ", active, " is still running; cancel it or wait"));
    }
    if (!s.IsNotFound()) return FromRocks(s, "read active iteration");

    uint64_t next = 1;
    std::string next_text;
    s = db_->Get({}, kNextKey, &next_text);
    if (s.ok() && !absl::SimpleAtoi(next_text, &next)) {
      return absl::DataLossError("meta/next is not a number");
    }
    v1::Iteration it;
    it.set_id(IdFor(next));
    it.set_key(key.empty() ? absl::StrCat("auto/", it.id()) : key);
    it.set_stage(v1::PENDING);
    *it.mutable_created_at() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
        absl::ToUnixNanos(now));
    *it.mutable_stage_started_at() = it.created_at();

    rocksdb::WriteBatch batch;
    batch.Put(RowKey(it.id()), it.SerializeAsString());
    batch.Put(absl::StrCat("key/", it.key()), it.id());
    batch.Put(kNextKey, absl::StrCat(next + 1));
    batch.Put(kActiveKey, it.id());
    if (absl::Status st = FromRocks(db_->Write(write_, &batch), "create iteration"); !st.ok()) {
      return st;
    }
    return it;
  }

  absl::Status Put(const v1::Iteration& iteration) override {
    absl::MutexLock lock(&mu_);
    auto stored = GetLocked(iteration.id());
    if (!stored.ok()) return stored.status();
    if (IsTerminal(stored->stage())) {
      return absl::FailedPreconditionError(
          absl::StrCat("iteration ", iteration.id(), " already finished (",
                       v1::IterationStage_Name(stored->stage()), ")"));
    }
    rocksdb::WriteBatch batch;
    batch.Put(RowKey(iteration.id()), iteration.SerializeAsString());
    // Leaving the active set happens in the same batch as the final stage.
    if (IsTerminal(iteration.stage())) batch.Delete(kActiveKey);
    return FromRocks(db_->Write(write_, &batch), "write iteration");
  }

  absl::Status UpdateElo(const std::string& id, double elo, double ci_low,
                         double ci_high) override {
    absl::MutexLock lock(&mu_);
    auto stored = GetLocked(id);
    if (!stored.ok()) return stored.status();
    stored->set_elo(elo);
    stored->set_elo_ci_low(ci_low);
    stored->set_elo_ci_high(ci_high);
    return FromRocks(db_->Put(write_, RowKey(id), stored->SerializeAsString()), "write elo");
  }

  absl::StatusOr<v1::Iteration> Get(const std::string& id) override {
    absl::MutexLock lock(&mu_);
    return GetLocked(id);
  }

  absl::StatusOr<std::vector<v1::Iteration>> List() override {
    std::vector<v1::Iteration> out;
    std::unique_ptr<rocksdb::Iterator> iter(db_->NewIterator({}));
    for (iter->Seek(kIterPrefix); iter->Valid() && iter->key().starts_with(kIterPrefix);
         iter->Next()) {
      v1::Iteration it;
      if (!it.ParseFromArray(iter->value().data(), iter->value().size())) {
        return absl::DataLossError(absl::StrCat("corrupt iteration row ", iter->key().ToString()));
      }
      out.push_back(std::move(it));
    }
    if (absl::Status s = FromRocks(iter->status(), "list iterations"); !s.ok()) return s;
    return out;
  }

  absl::StatusOr<std::optional<v1::Iteration>> Active() override {
    absl::MutexLock lock(&mu_);
    std::string id;
    rocksdb::Status s = db_->Get({}, kActiveKey, &id);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) return FromRocks(s, "read active iteration");
    auto it = GetLocked(id);
    if (!it.ok()) return it.status();
    return std::optional<v1::Iteration>(*std::move(it));
  }

  absl::StatusOr<std::optional<v1::Schedule>> GetSchedule() override {
    std::string value;
    rocksdb::Status s = db_->Get({}, kScheduleKey, &value);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) return FromRocks(s, "read schedule");
    v1::Schedule schedule;
    if (!schedule.ParseFromString(value)) return absl::DataLossError("corrupt schedule row");
    return schedule;
  }

  absl::Status PutSchedule(const v1::Schedule& schedule) override {
    return FromRocks(db_->Put(write_, kScheduleKey, schedule.SerializeAsString()),
                     "write schedule");
  }

 private:
  absl::StatusOr<v1::Iteration> GetLocked(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::string row = RowKey(id);
    if (row.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("id: \"", id, "\" is not an iteration id"));
    }
    std::string value;
    rocksdb::Status s = db_->Get({}, row, &value);
    if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("no iteration ", id));
    if (!s.ok()) return FromRocks(s, "read iteration");
    v1::Iteration it;
    if (!it.ParseFromString(value)) return absl::DataLossError(absl::StrCat("corrupt row ", id));
    return it;
  }

  // Serializes Create's check-then-insert and Put's read-modify-write.
  absl::Mutex mu_;
  const std::unique_ptr<rocksdb::DB> db_;
  rocksdb::WriteOptions write_;
};

}  // namespace

bool IsTerminal(v1::IterationStage stage) {
  return stage == v1::SUCCEEDED || stage == v1::FAILED || stage == v1::CANCELLED;
}

absl::StatusOr<std::unique_ptr<IterationStore>> IterationStore::Open(
    const IterationStoreOptions& options) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data_dir: empty");
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.data_dir, &raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("open ", options.data_dir));
  return std::unique_ptr<IterationStore>(
      new RocksIterationStore(std::unique_ptr<rocksdb::DB>(raw), options.sync_writes));
}

}  // namespace shammie::storage
