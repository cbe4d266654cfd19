#include "storage/keys.h"

#include "absl/strings/str_cat.h"

namespace shammie::storage {

std::string EncodeUint64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return out;
}

uint64_t DecodeUint64(absl::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

std::string LabelKey(absl::string_view task_id, absl::string_view labeler) {
  return absl::StrCat(task_id, absl::string_view("\0", 1), labeler);
}

std::string IdempotencyKey(absl::string_view labeler, absl::string_view client_request_id) {
  return absl::StrCat(labeler, absl::string_view("\0", 1), client_request_id);
}

std::string TokenHashKey(absl::string_view hash_hex) { return absl::StrCat("h/", hash_hex); }
std::string TokenNameKey(absl::string_view name) { return absl::StrCat("n/", name); }

std::string SourceCounter(absl::string_view source) { return absl::StrCat("source/", source); }
std::string LabelerCounter(absl::string_view labeler) { return absl::StrCat("labeler/", labeler); }
std::string DayCounter(absl::string_view day) { return absl::StrCat("day/", day); }
std::string LabelerDayCounter(absl::string_view labeler, absl::string_view day) {
  return absl::StrCat("labeler_day/", day, "/", labeler);
}

}  // namespace shammie::storage
