// Runs a shell command in tests and captures its output and exit code.
#ifndef SHAMMIE_TESTS_LIB_RUN_COMMAND_H_
#define SHAMMIE_TESTS_LIB_RUN_COMMAND_H_

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/lib/temp_dir.h"  // TempDir, for the tests that run commands in one

namespace shammie::testing {

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved
};

inline CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// $SHAMMIE_SOURCE_DIR (set by ctest), or "." when run by hand from the repo.
inline std::string SourceDir() {
  const char* s = std::getenv("SHAMMIE_SOURCE_DIR");
  return s ? s : ".";
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_LIB_RUN_COMMAND_H_
