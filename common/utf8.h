// UTF-8 validation for text that arrives from the network or from files.
#ifndef SHAMMIE_COMMON_UTF8_H_
#define SHAMMIE_COMMON_UTF8_H_

#include <string>
#include <string_view>

namespace shammie::common {

// True when `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// `s` with every byte that starts no well-formed sequence replaced by U+FFFD
// (valid input comes back unchanged). For model output: a byte-level model
// can sample any byte, but text that leaves the model (protobuf strings, the
// page) must be UTF-8.
std::string ToValidUtf8(std::string_view s);

}  // namespace shammie::common

#endif  // SHAMMIE_COMMON_UTF8_H_
