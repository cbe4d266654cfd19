#include "storage/job_store.h"

#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace shammie::storage {
namespace {

constexpr absl::string_view kJobPrefix = "job/";
constexpr absl::string_view kKeyPrefix = "key/";
constexpr absl::string_view kNextKey = "meta/next";

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  // A held LOCK file means another trainer owns this data dir: retrying
  // after it stops can work, so UNAVAILABLE rather than INTERNAL.
  if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
    return absl::UnavailableError(absl::StrCat(what, ": ", s.ToString()));
  }
  return absl::InternalError(absl::StrCat(what, ": ", s.ToString()));
}

google::protobuf::Timestamp ToProto(absl::Time t) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

class RocksJobStore : public JobStore {
 public:
  RocksJobStore(std::unique_ptr<rocksdb::DB> db, std::string prefix, uint64_t next)
      : db_(std::move(db)), prefix_(std::move(prefix)), next_(next) {}

  absl::StatusOr<CreateResult> CreateOrGet(absl::string_view key,
                                           const google::protobuf::Any& spec,
                                           absl::Time now) override {
    if (key.empty()) return absl::InvalidArgumentError("key: must not be empty");
    // The lookup and the insert happen under one lock so two StartJobs with
    // the same key cannot both create a job.
    absl::MutexLock lock(&mu_);
    std::string id;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), absl::StrCat(kKeyPrefix, key), &id);
    if (s.ok()) {
      auto job = GetLocked(id);
      if (!job.ok()) return job.status();
      return CreateResult{*std::move(job), false};
    }
    if (!s.IsNotFound()) return FromRocks(s, "read key index");

    CreateResult result;
    result.created = true;
    v1::JobStatus* status = result.job.mutable_status();
    status->set_id(absl::StrFormat("%s-%06d", prefix_, next_));
    status->set_key(std::string(key));
    status->set_state(v1::JOB_PENDING);
    *status->mutable_created_at() = ToProto(now);
    *result.job.mutable_spec() = spec;

    rocksdb::WriteBatch batch;
    batch.Put(absl::StrCat(kJobPrefix, status->id()), result.job.SerializeAsString());
    batch.Put(absl::StrCat(kKeyPrefix, key), status->id());
    batch.Put(kNextKey.data(), absl::StrCat(next_ + 1));
    SHAMMIE_RETURN_IF_ERROR(Write(&batch, /*sync=*/true, "create job"));
    ++next_;
    return result;
  }

  absl::StatusOr<v1::StoredJob> Get(absl::string_view id) override {
    absl::MutexLock lock(&mu_);
    return GetLocked(std::string(id));
  }

  absl::StatusOr<v1::StoredJob> GetByKey(absl::string_view key) override {
    absl::MutexLock lock(&mu_);
    std::string id;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), absl::StrCat(kKeyPrefix, key), &id);
    if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("no job with key \"", key, "\""));
    SHAMMIE_RETURN_IF_ERROR(FromRocks(s, "read key index"));
    return GetLocked(id);
  }

  absl::Status Update(const v1::StoredJob& job) override { return Put(job, /*sync=*/true); }
  absl::Status UpdateProgress(const v1::StoredJob& job) override {
    return Put(job, /*sync=*/false);
  }

  absl::StatusOr<std::vector<v1::StoredJob>> List() override {
    absl::MutexLock lock(&mu_);
    std::vector<v1::StoredJob> jobs;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(kJobPrefix.data()); it->Valid() && it->key().starts_with(kJobPrefix.data());
         it->Next()) {
      v1::StoredJob job;
      if (!job.ParseFromArray(it->value().data(), it->value().size())) {
        return absl::DataLossError(absl::StrCat("corrupt job record ", it->key().ToString()));
      }
      jobs.push_back(std::move(job));
    }
    SHAMMIE_RETURN_IF_ERROR(FromRocks(it->status(), "list jobs"));
    return jobs;
  }

 private:
  absl::StatusOr<v1::StoredJob> GetLocked(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), absl::StrCat(kJobPrefix, id), &value);
    if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("no job with id \"", id, "\""));
    SHAMMIE_RETURN_IF_ERROR(FromRocks(s, "read job"));
    v1::StoredJob job;
    if (!job.ParseFromString(value)) {
      return absl::DataLossError(absl::StrCat("corrupt job record ", id));
    }
    return job;
  }

  absl::Status Put(const v1::StoredJob& job, bool sync) {
    absl::MutexLock lock(&mu_);
    auto old = GetLocked(job.status().id());
    if (!old.ok()) return old.status();
    if (IsTerminal(old->status().state())) {
      return absl::FailedPreconditionError(
          absl::StrCat("job ", job.status().id(), " already ended (",
                       v1::JobState_Name(old->status().state()), ")"));
    }
    rocksdb::WriteBatch batch;
    batch.Put(absl::StrCat(kJobPrefix, job.status().id()), job.SerializeAsString());
    return Write(&batch, sync, "update job");
  }

  absl::Status Write(rocksdb::WriteBatch* batch, bool sync, absl::string_view what) {
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocks(db_->Write(wo, batch), what);
  }

  absl::Mutex mu_;
  const std::unique_ptr<rocksdb::DB> db_;
  const std::string prefix_;
  uint64_t next_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

bool IsTerminal(v1::JobState state) {
  return state == v1::JOB_SUCCEEDED || state == v1::JOB_FAILED || state == v1::JOB_CANCELLED;
}

absl::StatusOr<std::unique_ptr<JobStore>> JobStore::Open(const JobStoreOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("path: must not be empty");
  rocksdb::Options ro;
  ro.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(ro, options.path, &raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("open job store ", options.path));
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string next_text;
  uint64_t next = 1;
  s = db->Get(rocksdb::ReadOptions(), kNextKey.data(), &next_text);
  if (s.ok()) {
    if (!absl::SimpleAtoi(next_text, &next)) {
      return absl::DataLossError(absl::StrCat("corrupt job counter \"", next_text, "\""));
    }
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read job counter");
  }
  return std::unique_ptr<JobStore>(
      new RocksJobStore(std::move(db), options.id_prefix, next));
}

}  // namespace shammie::storage
