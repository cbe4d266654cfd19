#include "services/dashboard/iteration_history.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace shammie::dashboard {
namespace {

constexpr absl::string_view kSuffix = ".json";

absl::Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
}

// Writes `bytes` to `path` durably: the data is synced before the rename
// makes it visible, and the folder is synced so the rename survives a crash.
absl::Status WriteAtomically(const std::string& dir, const std::string& path,
                             const std::string& bytes) {
  const std::string tmp = absl::StrCat(path, ".tmp-", ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("open ", tmp, ": ", std::strerror(errno)));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return absl::UnavailableError(absl::StrCat("write ", tmp, ": ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return absl::UnavailableError(absl::StrCat("sync ", tmp, ": ", std::strerror(errno)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return absl::UnavailableError(absl::StrCat("rename ", tmp, ": ", std::strerror(err)));
  }
  if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return absl::OkStatus();
}

}  // namespace

bool IsValidIterationId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '_' || c == '-'; });
}

absl::StatusOr<std::unique_ptr<IterationHistory>> IterationHistory::Open(
    const std::string& artifact_dir) {
  if (artifact_dir.empty()) return absl::InvalidArgumentError("artifact_dir: empty");
  if (absl::Status s = MakeDir(artifact_dir); !s.ok()) return s;
  const std::string dir = artifact_dir + "/history";
  if (absl::Status s = MakeDir(dir); !s.ok()) return s;
  return std::unique_ptr<IterationHistory>(new IterationHistory(dir));
}

std::string IterationHistory::PathFor(absl::string_view id) const {
  return absl::StrCat(dir_, "/", id, kSuffix);
}

absl::Status IterationHistory::Put(const v1::IterationRecord& record) {
  absl::MutexLock lock(&mu_);
  return PutLocked(record);
}

absl::Status IterationHistory::PutLocked(const v1::IterationRecord& record) {
  const std::string& id = record.iteration().id();
  if (!IsValidIterationId(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("iteration.id: want [A-Za-z0-9_-]{1,64}, got \"", id, "\""));
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string json;
  if (auto s = google::protobuf::util::MessageToJsonString(record, &json, options); !s.ok()) {
    return absl::InternalError(absl::StrCat("encode ", id, ": ", s.ToString()));
  }
  return WriteAtomically(dir_, PathFor(id), json);
}

absl::Status IterationHistory::Update(absl::string_view iteration_id,
                                      const std::function<void(v1::IterationRecord*)>& edit) {
  if (!IsValidIterationId(iteration_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("iteration.id: want [A-Za-z0-9_-]{1,64}, got \"", iteration_id, "\""));
  }
  absl::MutexLock lock(&mu_);
  v1::IterationRecord record;
  if (auto existing = ReadFile(PathFor(iteration_id)); existing.ok()) {
    record = *std::move(existing);
  } else if (!absl::IsNotFound(existing.status())) {
    return existing.status();
  }
  edit(&record);
  record.mutable_iteration()->set_id(std::string(iteration_id));
  *record.mutable_updated_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  return PutLocked(record);
}

absl::StatusOr<v1::IterationRecord> IterationHistory::ReadFile(const std::string& path) const {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": no such record"));
  std::stringstream ss;
  ss << in.rdbuf();
  v1::IterationRecord record;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // written by a newer version
  if (auto s = google::protobuf::util::JsonStringToMessage(ss.str(), &record, options); !s.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": ", s.ToString()));
  }
  return record;
}

absl::StatusOr<v1::IterationRecord> IterationHistory::Get(absl::string_view iteration_id) const {
  if (!IsValidIterationId(iteration_id)) {
    return absl::NotFoundError(absl::StrCat("iteration ", iteration_id, ": no such record"));
  }
  auto record = ReadFile(PathFor(iteration_id));
  if (absl::IsNotFound(record.status())) {
    return absl::NotFoundError(absl::StrCat("iteration ", iteration_id, ": no such record"));
  }
  return record;
}

absl::StatusOr<std::vector<v1::IterationRecord>> IterationHistory::List() const {
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) {
    return absl::UnavailableError(absl::StrCat("open ", dir_, ": ", std::strerror(errno)));
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    const absl::string_view name = e->d_name;
    if (absl::EndsWith(name, kSuffix) &&
        IsValidIterationId(name.substr(0, name.size() - kSuffix.size()))) {
      names.emplace_back(name);
    }
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  std::vector<v1::IterationRecord> out;
  for (const std::string& name : names) {
    auto record = ReadFile(absl::StrCat(dir_, "/", name));
    if (!record.ok()) {
      SHAMMIE_LOG(WARNING) << "iteration history: skipping " << record.status();
      continue;
    }
    out.push_back(*std::move(record));
  }
  return out;
}

}  // namespace shammie::dashboard
