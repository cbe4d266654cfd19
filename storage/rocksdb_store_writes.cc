// RocksDbStore's write ops. Each runs on the committer thread (see
// group_committer.h): it reads through the batch's staged state, checks
// everything that can fail, and only then stages writes — so a failing op
// leaves nothing behind, and ops of one batch see each other's effects
// (two retries with the same request id in one batch store one comparison).
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "storage/keys.h"
#include "storage/rocksdb_status.h"
#include "storage/rocksdb_store.h"
#include "storage/token_secret.h"

namespace shammie::storage {

namespace {

const char* SourceName(v1::Source source) {
  switch (source) {
    case v1::SOURCE_HUMAN:
      return "human";
    case v1::SOURCE_SIMULATED:
      return "simulated";
    case v1::SOURCE_IMPORTED:
      return "imported";
    default:
      return "unspecified";
  }
}

std::string UtcDay(const google::protobuf::Timestamp& ts) {
  absl::Time t = absl::FromUnixSeconds(ts.seconds());
  return absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<v1::LabelingTask> RocksDbStore::CreateTask(v1::LabelingTask task) {
  task.set_labels_received(0);
  if (task.labels_wanted() == 0) task.set_labels_wanted(1);
  SHAMMIE_RETURN_IF_ERROR(committer_->Run([&](rocksdb::WriteBatch* batch) -> absl::Status {
    TaskRecord record;
    record.task_no = Counter(kLastTaskNoCounter) + 1;
    task.set_id(absl::StrCat("t-", RandomHex(8)));
    record.task = task;
    PutTask(batch, record);
    batch->Put(cf(kOpenTasksCf), EncodeUint64(record.task_no), task.id());
    AddCounter(kLastTaskNoCounter, 1);
    AddCounter(kTasksCounter, 1);
    AddCounter(kOpenTasksCounter, 1);
    return absl::OkStatus();
  }));
  return task;
}

absl::Status RocksDbStore::RecordSkip(absl::string_view task_id, absl::string_view labeler) {
  const std::string id(task_id);
  return committer_->Run([&](rocksdb::WriteBatch* batch) -> absl::Status {
    SHAMMIE_RETURN_IF_ERROR(LoadTask(id).status());
    std::string key = LabelKey(id, labeler);
    std::string mark;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kLabelsCf), key, &mark);
    if (s.ok()) return absl::OkStatus();  // labeled (or skipped) before: keep that
    if (!s.IsNotFound()) return FromRocks(s, "reading labels");
    batch->Put(cf(kLabelsCf), key, std::string(1, kSkipped));
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> RocksDbStore::FindIdempotent(const std::string& key, v1::Comparison* out) {
  if (auto it = staged_idempotency_.find(key); it != staged_idempotency_.end()) {
    *out = it->second;
    return true;
  }
  std::string seq;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kIdempotencyCf), key, &seq);
  if (s.IsNotFound()) return false;
  if (!s.ok()) return FromRocks(s, "reading idempotency key");
  std::string value;
  s = db_->Get(rocksdb::ReadOptions(), cf(kComparisonsCf), seq, &value);
  if (!s.ok()) return FromRocks(s, "reading the first comparison of a retried request");
  if (!out->ParseFromString(value)) return absl::InternalError("corrupt comparison record");
  return true;
}

absl::Status RocksDbStore::StageComparison(rocksdb::WriteBatch* batch, v1::Comparison* c) {
  const uint64_t seq = Counter(kLastSeqCounter) + 1;
  c->set_seq(seq);
  c->set_id(absl::StrCat("c-", RandomHex(8)));
  batch->Put(cf(kComparisonsCf), EncodeUint64(seq), c->SerializeAsString());
  if (!c->client_request_id().empty()) {
    std::string key = IdempotencyKey(c->labeler(), c->client_request_id());
    batch->Put(cf(kIdempotencyCf), key, EncodeUint64(seq));
    staged_idempotency_[key] = *c;
  }
  const std::string day = UtcDay(c->created_at());
  AddCounter(kLastSeqCounter, 1);
  AddCounter(kComparisonsCounter, 1);
  AddCounter(SourceCounter(SourceName(c->source())), 1);
  AddCounter(LabelerCounter(c->labeler()), 1);
  AddCounter(DayCounter(day), 1);
  AddCounter(LabelerDayCounter(c->labeler(), day), 1);
  return absl::OkStatus();
}

absl::StatusOr<v1::Comparison> RocksDbStore::AddComparison(v1::Comparison c) {
  v1::Comparison result;
  SHAMMIE_RETURN_IF_ERROR(committer_->Run([&](rocksdb::WriteBatch* batch) -> absl::Status {
    if (!c.client_request_id().empty()) {
      SHAMMIE_ASSIGN_OR_RETURN(bool found,
                               FindIdempotent(IdempotencyKey(c.labeler(), c.client_request_id()), &result));
      if (found) return absl::OkStatus();  // a retry: the first comparison, nothing new
    }
    SHAMMIE_ASSIGN_OR_RETURN(TaskRecord record, LoadTask(c.task_id()));
    result = c;
    *result.mutable_context() = record.task.context();
    *result.mutable_response_a() = record.task.response_a();
    *result.mutable_response_b() = record.task.response_b();
    SHAMMIE_RETURN_IF_ERROR(StageComparison(batch, &result));
    batch->Put(cf(kLabelsCf), LabelKey(c.task_id(), c.labeler()), std::string(1, kLabeled));
    record.task.set_labels_received(record.task.labels_received() + 1);
    if (record.task.labels_received() == record.task.labels_wanted()) {
      batch->Delete(cf(kOpenTasksCf), EncodeUint64(record.task_no));
      AddCounter(kOpenTasksCounter, -1);
    }
    PutTask(batch, record);
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<ImportResult> RocksDbStore::ImportComparisons(std::vector<v1::Comparison> cs) {
  ImportResult result;
  SHAMMIE_RETURN_IF_ERROR(committer_->Run([&](rocksdb::WriteBatch* batch) -> absl::Status {
    result = ImportResult();
    // Phase 1, reads only: which comparisons are retries of stored ones.
    std::vector<bool> duplicate(cs.size(), false);
    std::set<std::string> seen;
    for (size_t i = 0; i < cs.size(); ++i) {
      if (cs[i].client_request_id().empty()) continue;
      std::string key = IdempotencyKey(cs[i].labeler(), cs[i].client_request_id());
      v1::Comparison first;
      SHAMMIE_ASSIGN_OR_RETURN(bool found, FindIdempotent(key, &first));
      duplicate[i] = found || !seen.insert(key).second;
    }
    // Phase 2: stage the new ones; nothing below can fail.
    for (size_t i = 0; i < cs.size(); ++i) {
      if (duplicate[i]) {
        ++result.duplicates;
        continue;
      }
      SHAMMIE_RETURN_IF_ERROR(StageComparison(batch, &cs[i]));
      if (result.first_seq == 0) result.first_seq = cs[i].seq();
      result.last_seq = cs[i].seq();
      ++result.imported;
    }
    return absl::OkStatus();
  }));
  return result;
}

}  // namespace shammie::storage
