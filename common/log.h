// Minimal leveled logging to stderr: `SHAMMIE_LOG(INFO) << "text " << n;`
// (this Abseil release has no absl/log). Lines are written whole, so
// concurrent threads do not interleave within a line.
#ifndef SHAMMIE_COMMON_LOG_H_
#define SHAMMIE_COMMON_LOG_H_

#include <sstream>

namespace shammie::common {

enum class LogLevel { kInfo, kWarning, kError };

class LogLine {
 public:
  LogLine(LogLevel level, const char* file, int line);
  ~LogLine();  // writes the line
  template <typename T>
  LogLine& operator<<(const T& v) {
    out_ << v;
    return *this;
  }

 private:
  std::ostringstream out_;
};

// Messages below this level are dropped. Default kInfo; tests may raise it.
void SetMinLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

}  // namespace shammie::common

#define SHAMMIE_LOG_LEVEL_INFO ::shammie::common::LogLevel::kInfo
#define SHAMMIE_LOG_LEVEL_WARNING ::shammie::common::LogLevel::kWarning
#define SHAMMIE_LOG_LEVEL_ERROR ::shammie::common::LogLevel::kError
#define SHAMMIE_LOG(level)                                            \
  if (!::shammie::common::LogEnabled(SHAMMIE_LOG_LEVEL_##level)) {    \
  } else                                                              \
    ::shammie::common::LogLine(SHAMMIE_LOG_LEVEL_##level, __FILE__, __LINE__)

#endif  // SHAMMIE_COMMON_LOG_H_
