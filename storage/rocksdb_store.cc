// RocksDbStore: opening the database, the committer's staged state, and the
// read paths (tasks, NextTask, export, stats). The write ops are in
// rocksdb_store_writes.cc and the tokens in rocksdb_store_tokens.cc.
#include "storage/rocksdb_store.h"

#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "storage/keys.h"
#include "storage/rocksdb_status.h"

namespace shammie::storage {

namespace {

const char* const kColumnFamilies[] = {kComparisonsCf, kTasksCf,  kOpenTasksCf, kLabelsCf,
                                       kIdempotencyCf, kTokensCf, kMetaCf,      kAuditCf};

}  // namespace

RocksDbStore::RocksDbStore(const RocksDbStoreOptions& options) : options_(options) {}

RocksDbStore::~RocksDbStore() {
  committer_.reset();  // finish queued writes before the handles go
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  if (db_) db_->Close().PermitUncheckedError();
}

absl::StatusOr<std::unique_ptr<RocksDbStore>> RocksDbStore::Open(
    const RocksDbStoreOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("creating ", options.path, ": ", ec.message()));
  }
  std::unique_ptr<RocksDbStore> store(new RocksDbStore(options));

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.IncreaseParallelism(2);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (const char* name : kColumnFamilies) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, descriptors, &store->handles_, &raw);
  if (!s.ok()) return FromRocks(s, absl::StrCat("opening ", options.path));
  store->db_.reset(raw);
  for (size_t i = 0; i < descriptors.size(); ++i) {
    store->cfs_[descriptors[i].name] = store->handles_[i];
  }
  if (absl::Status st = store->LoadCounters(); !st.ok()) return st;
  if (absl::Status st = store->LoadAuditSeq(); !st.ok()) return st;
  GroupCommitter::Options committer_options;
  committer_options.sync = options.sync_writes;
  committer_options.max_ops_per_batch = options.max_ops_per_batch;
  GroupCommitter::Listener* listener = store.get();
  store->committer_ =
      std::make_unique<GroupCommitter>(store->db_.get(), listener, committer_options);
  return store;
}

absl::Status RocksDbStore::LoadCounters() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf(kMetaCf)));
  absl::MutexLock lock(&counters_mu_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    counters_[it->key().ToString()] =
        DecodeUint64(absl::string_view(it->value().data(), it->value().size()));
  }
  return FromRocks(it->status(), "reading counters");
}

// ---- staged state (committer thread only) ----

uint64_t RocksDbStore::Counter(const std::string& name) {
  if (auto it = staged_counters_.find(name); it != staged_counters_.end()) return it->second;
  absl::MutexLock lock(&counters_mu_);
  auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second;
}

void RocksDbStore::AddCounter(const std::string& name, int64_t delta) {
  staged_counters_[name] = Counter(name) + delta;
}

void RocksDbStore::Seal(rocksdb::WriteBatch* batch) {
  // Counters ride in the same batch as the records they count, so they can
  // never disagree after a crash.
  for (const auto& [name, value] : staged_counters_) {
    batch->Put(cf(kMetaCf), name, EncodeUint64(value));
  }
}

void RocksDbStore::Finish(bool committed) {
  if (committed) {
    absl::MutexLock lock(&counters_mu_);
    for (const auto& [name, value] : staged_counters_) counters_[name] = value;
  }
  staged_counters_.clear();
  staged_tasks_.clear();
  staged_idempotency_.clear();
}

absl::StatusOr<RocksDbStore::TaskRecord> RocksDbStore::LoadTask(const std::string& task_id) {
  if (auto it = staged_tasks_.find(task_id); it != staged_tasks_.end()) return it->second;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kTasksCf), task_id, &value);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("task ", task_id, " not found"));
  if (!s.ok()) return FromRocks(s, "reading task");
  TaskRecord record;
  if (value.size() < 8 || !record.task.ParseFromArray(value.data() + 8, value.size() - 8)) {
    return absl::InternalError(absl::StrCat("task ", task_id, ": corrupt record"));
  }
  record.task_no = DecodeUint64(absl::string_view(value).substr(0, 8));
  return record;
}

void RocksDbStore::PutTask(rocksdb::WriteBatch* batch, const TaskRecord& record) {
  batch->Put(cf(kTasksCf), record.task.id(),
             absl::StrCat(EncodeUint64(record.task_no), record.task.SerializeAsString()));
  staged_tasks_[record.task.id()] = record;
}

// ---- reads ----

absl::StatusOr<v1::LabelingTask> RocksDbStore::GetTask(absl::string_view task_id) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(kTasksCf),
                               rocksdb::Slice(task_id.data(), task_id.size()), &value);
  if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat("task ", task_id, " not found"));
  if (!s.ok()) return FromRocks(s, "reading task");
  v1::LabelingTask task;
  if (value.size() < 8 || !task.ParseFromArray(value.data() + 8, value.size() - 8)) {
    return absl::InternalError(absl::StrCat("task ", task_id, ": corrupt record"));
  }
  return task;
}

absl::StatusOr<v1::LabelingTask> RocksDbStore::NextTask(
    absl::string_view labeler, const std::function<bool(const v1::LabelingTask&)>& accept) {
  // Open tasks in creation order; the first one this labeler has not touched.
  // Tasks a labeler already did stay open only while overlap > 1 wants other
  // labelers, so the scan stays short in practice.
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kOpenTasksCf)));
  absl::StatusOr<v1::LabelingTask> result =
      absl::NotFoundError("no task is waiting for this labeler");
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string task_id = it->value().ToString();
    std::string mark;
    rocksdb::Status s = db_->Get(ro, cf(kLabelsCf), LabelKey(task_id, labeler), &mark);
    if (s.IsNotFound()) {
      absl::StatusOr<v1::LabelingTask> task = GetTask(task_id);
      if (task.ok() && accept && !accept(*task)) continue;
      result = std::move(task);
      break;
    }
    if (!s.ok()) {
      result = FromRocks(s, "reading labels");
      break;
    }
  }
  if (result.status().code() == absl::StatusCode::kNotFound && !it->status().ok()) {
    result = FromRocks(it->status(), "scanning open tasks");
  }
  it.reset();
  db_->ReleaseSnapshot(snapshot);
  return result;
}

absl::Status RocksDbStore::ExportComparisons(
    uint64_t after_seq, uint64_t up_to_seq,
    const std::function<bool(const v1::Comparison&)>& emit) {
  rocksdb::ReadOptions ro;
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  ro.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf(kComparisonsCf)));
  absl::Status status;
  for (it->Seek(EncodeUint64(after_seq + 1)); it->Valid(); it->Next()) {
    uint64_t seq = DecodeUint64(absl::string_view(it->key().data(), it->key().size()));
    if (up_to_seq != 0 && seq > up_to_seq) break;
    v1::Comparison c;
    if (!c.ParseFromArray(it->value().data(), it->value().size())) {
      status = absl::InternalError(absl::StrCat("comparison seq ", seq, ": corrupt record"));
      break;
    }
    if (!emit(c)) break;
  }
  if (status.ok()) status = FromRocks(it->status(), "exporting comparisons");
  it.reset();
  db_->ReleaseSnapshot(snapshot);
  return status;
}

absl::StatusOr<v1::Stats> RocksDbStore::GetStats(absl::string_view labeler, absl::string_view day) {
  v1::Stats stats;
  absl::MutexLock lock(&counters_mu_);
  auto get = [&](const std::string& name) -> uint64_t {
    auto it = counters_.find(name);
    return it == counters_.end() ? 0 : it->second;
  };
  stats.set_comparisons(get(kComparisonsCounter));
  stats.set_tasks(get(kTasksCounter));
  stats.set_open_tasks(get(kOpenTasksCounter));
  stats.set_last_seq(get(kLastSeqCounter));
  stats.set_mine_today(get(LabelerDayCounter(labeler, day)));
  struct Prefix {
    const char* prefix;
    google::protobuf::Map<std::string, uint64_t>* map;
  };
  for (const Prefix& p :
       {Prefix{"source/", stats.mutable_by_source()},
        Prefix{"labeler/", stats.mutable_by_labeler()}, Prefix{"day/", stats.mutable_by_day()}}) {
    for (auto it = counters_.lower_bound(p.prefix);
         it != counters_.end() && absl::StartsWith(it->first, p.prefix); ++it) {
      (*p.map)[it->first.substr(std::strlen(p.prefix))] = it->second;
    }
  }
  return stats;
}

}  // namespace shammie::storage
