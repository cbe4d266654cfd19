#include "common/log.h"

#include <atomic>
#include <cstdio>
#include <cstring>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace shammie::common {
namespace {
std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};

char LevelChar(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo: return 'I';
    case LogLevel::kWarning: return 'W';
    case LogLevel::kError: return 'E';
  }
  return '?';
}
}  // namespace

void SetMinLogLevel(LogLevel level) { min_level = static_cast<int>(level); }
bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= min_level; }

LogLine::LogLine(LogLevel level, const char* file, int line) {
  const char* base = std::strrchr(file, '/');
  out_ << LevelChar(level)
       << absl::FormatTime(" %H:%M:%E3S ", absl::Now(), absl::UTCTimeZone())
       << (base ? base + 1 : file) << ':' << line << "] ";
}

LogLine::~LogLine() {
  out_ << '\n';
  const std::string s = out_.str();
  std::fwrite(s.data(), 1, s.size(), stderr);  // one write per line
}

}  // namespace shammie::common
