// What every fuzz target of tests/fuzz/ shares: an oracle that aborts (so
// libFuzzer, and the corpus replay test, report the input) when a property
// the parser promises does not hold.
//
// FUZZ_CHECK(cond) << "what" prints the condition, the message and the
// location to stderr and calls abort(). Header-only; no gtest, so the same
// target builds as a libFuzzer binary (clang) and as a corpus replay test
// (fuzz_replay_main.cc, any compiler).
#ifndef SHAMMIE_TESTS_FUZZ_FUZZ_CHECK_H_
#define SHAMMIE_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace shammie::fuzz {

class CheckFailure {
 public:
  CheckFailure(const char* cond, const char* file, int line) {
    out_ << file << ":" << line << ": FUZZ_CHECK(" << cond << ") failed: ";
  }
  [[noreturn]] ~CheckFailure() {
    std::fprintf(stderr, "%s\n", out_.str().c_str());
    std::abort();
  }
  template <typename T>
  CheckFailure& operator<<(const T& v) {
    out_ << v;
    return *this;
  }

 private:
  std::ostringstream out_;
};

// The fuzzer's bytes as a string_view.
inline absl::string_view Bytes(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// Splits off the first byte: targets that cover several message types or
// formats use it to pick one.
inline uint8_t TakeSelector(absl::string_view* input) {
  if (input->empty()) return 0;
  const uint8_t s = static_cast<uint8_t>((*input)[0]);
  input->remove_prefix(1);
  return s;
}

}  // namespace shammie::fuzz

#define FUZZ_CHECK(cond) \
  if (cond) {            \
  } else                 \
    ::shammie::fuzz::CheckFailure(#cond, __FILE__, __LINE__)

// A parser's error must be `code` (bad input is INVALID_ARGUMENT, a file
// shorter than its header says DATA_LOSS, …), never a crash or another code.
#define FUZZ_CHECK_CODE(status, ...)                                                   \
  FUZZ_CHECK(::shammie::fuzz::CodeIsOneOf((status), {__VA_ARGS__}))                    \
      << (status).ToString()

namespace shammie::fuzz {
inline bool CodeIsOneOf(const absl::Status& s, std::initializer_list<absl::StatusCode> codes) {
  for (absl::StatusCode c : codes)
    if (s.code() == c) return true;
  return false;
}
}  // namespace shammie::fuzz

#endif  // SHAMMIE_TESTS_FUZZ_FUZZ_CHECK_H_
