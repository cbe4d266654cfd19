// Real child processes for tests: spawn a binary from $SHAMMIE_BIN_DIR with
// its stdout captured, read lines, kill (SIGKILL for crash tests) and wait.
// Header-only; POSIX. Not thread-safe per object.
#ifndef SHAMMIE_TESTS_LIB_CHILD_PROCESS_H_
#define SHAMMIE_TESTS_LIB_CHILD_PROCESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace shammie::testing {

inline std::string BinPath(const std::string& name) {
  const char* dir = std::getenv("SHAMMIE_BIN_DIR");
  return std::string(dir ? dir : "build/bin") + "/" + name;
}

// What a child gets besides its arguments.
struct ChildOptions {
  std::vector<std::string> env;  // "NAME=value", added to the test's environment
  std::string stderr_path;       // empty: the test's stderr
};

class ChildProcess {
 public:
  // Starts `binary` (a name in $SHAMMIE_BIN_DIR or a path) with `args`;
  // stdout is piped to this object, stderr goes to the test's stderr (or
  // options.stderr_path).
  ChildProcess(const std::string& binary, const std::vector<std::string>& args,
               const ChildOptions& options = {}) {
    std::string path = binary.find('/') == std::string::npos ? BinPath(binary) : binary;
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      if (!options.stderr_path.empty()) {
        const int err = open(options.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (err >= 0) dup2(err, STDERR_FILENO);
      }
      for (const std::string& e : options.env) putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(path.c_str()));
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(path.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~ChildProcess() {
    if (running()) Kill(SIGKILL);
    if (out_ >= 0) close(out_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !exit_code_; }

  // The next line of stdout, or nullopt at EOF / after `timeout`.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      ssize_t n = read(out_, chunk, sizeof(chunk));
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, n);
    }
  }
  // Lines until one contains `needle` (returned), or nullopt.
  std::optional<std::string> WaitForLine(const std::string& needle,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto line = ReadLine(left);
      if (!line) return std::nullopt;
      if (line->find(needle) != std::string::npos) return line;
    }
    return std::nullopt;
  }
  // Everything left on stdout until EOF.
  std::string ReadAll() {
    std::string all;
    while (auto line = ReadLine(std::chrono::seconds(120))) all += *line + "\n";
    return all + buffer_;
  }

  void Kill(int signal) {
    if (pid_ > 0) kill(pid_, signal);
    Wait();
  }
  // Exit code (128 + signal when killed).
  int Wait() {
    if (exit_code_) return *exit_code_;
    int status = 0;
    waitpid(pid_, &status, 0);
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return *exit_code_;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
  std::optional<int> exit_code_;
};

// Runs a binary to completion; returns {exit code, stdout}.
inline std::pair<int, std::string> RunToEnd(const std::string& binary,
                                            const std::vector<std::string>& args) {
  ChildProcess p(binary, args);
  std::string out = p.ReadAll();
  return {p.Wait(), out};
}

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_LIB_CHILD_PROCESS_H_
