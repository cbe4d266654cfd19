// Child processes for tools and tests: start a binary, signal it, wait for
// it. Used by `shammie bench` (a collector to measure) and by the crash tests
// (a collector to SIGKILL). Uses posix_spawn, which is safe in processes
// that already run threads (gRPC, RocksDB).
#ifndef SHAMMIE_COMMON_SUBPROCESS_H_
#define SHAMMIE_COMMON_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace shammie::common {

class Subprocess {
 public:
  // Starts argv[0] (a path) with argv. stdout/stderr are inherited unless
  // `stdout_path` is given (then stdout goes to that file, truncated).
  // INTERNAL when the spawn fails.
  static absl::StatusOr<Subprocess> Start(const std::vector<std::string>& argv,
                                          const std::string& stdout_path = "");

  Subprocess(Subprocess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  Subprocess& operator=(Subprocess&& other) noexcept;
  // Kills (SIGKILL) and reaps a child still running.
  ~Subprocess();

  pid_t pid() const { return pid_; }
  void Signal(int sig) const;
  // Waits for exit; returns the exit code, or 128 + signal number.
  // DEADLINE_EXCEEDED after `timeout` (the child keeps running).
  absl::StatusOr<int> Wait(absl::Duration timeout = absl::InfiniteDuration());

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// Polls until `path` exists and is non-empty; returns its contents.
// DEADLINE_EXCEEDED after `timeout`.
absl::StatusOr<std::string> WaitForFile(const std::string& path, absl::Duration timeout);

// The folder the running executable is in (for finding sibling binaries).
std::string ExecutableDir();

}  // namespace shammie::common

#endif  // SHAMMIE_COMMON_SUBPROCESS_H_
