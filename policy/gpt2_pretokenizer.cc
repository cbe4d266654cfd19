#include "policy/gpt2_pretokenizer.h"

#include <unicode/uchar.h>

#include <cstdint>

namespace shammie::policy {
namespace {

enum class CharClass : uint8_t { kSpace, kLetter, kNumber, kOther };

struct Char {
  size_t offset;  // byte offset in the text
  size_t size;    // bytes
  CharClass cls;
  char ascii;  // the character when it is ASCII, else 0 (for ' ', '\'', contraction letters)
};

// One code point (or one invalid byte) at p. Well-formed per RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF.
int32_t DecodeOne(const unsigned char* p, size_t avail, size_t* size) {
  const unsigned char c = p[0];
  *size = 1;
  if (c < 0x80) return c;
  int len;
  int32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07;
  } else {
    return -1;
  }
  if (avail < static_cast<size_t>(len)) return -1;
  for (int i = 1; i < len; ++i) {
    if ((p[i] & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
    return -1;
  }
  *size = len;
  return cp;
}

CharClass Classify(int32_t cp) {
  if (cp < 0) return CharClass::kOther;  // an invalid byte
  if (u_isUWhiteSpace(cp)) return CharClass::kSpace;
  const uint32_t mask = U_GET_GC_MASK(cp);
  if (mask & U_GC_L_MASK) return CharClass::kLetter;
  if (mask & U_GC_N_MASK) return CharClass::kNumber;
  return CharClass::kOther;
}

std::vector<Char> Decode(absl::string_view text) {
  std::vector<Char> chars;
  chars.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0; i < text.size();) {
    size_t size;
    const int32_t cp = DecodeOne(p + i, text.size() - i, &size);
    chars.push_back({i, size, Classify(cp), cp >= 0 && cp < 0x80 ? static_cast<char>(cp) : '\0'});
    i += size;
  }
  return chars;
}

// Length in characters of the contraction at i, or 0.
size_t MatchContraction(const std::vector<Char>& c, size_t i) {
  if (c[i].ascii != '\'' || i + 1 >= c.size()) return 0;
  const char a = c[i + 1].ascii;
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  if (i + 2 >= c.size()) return 0;
  const char b = c[i + 2].ascii;
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// " ?X+" for class X: an optional U+0020 then at least one X.
size_t MatchOptionalSpaceRun(const std::vector<Char>& c, size_t i, CharClass cls) {
  size_t j = i;
  if (c[j].ascii == ' ' && j + 1 < c.size() && c[j + 1].cls == cls) ++j;
  if (c[j].cls != cls) return 0;
  while (j < c.size() && c[j].cls == cls) ++j;
  return j - i;
}

// "\s+(?!\S)|\s+": a white-space run; when a non-space follows it, the last
// space is left to start the next piece (" ?\p{L}+" picks it up), unless the
// run is a single character.
size_t MatchSpaces(const std::vector<Char>& c, size_t i) {
  size_t j = i;
  while (j < c.size() && c[j].cls == CharClass::kSpace) ++j;
  const size_t run = j - i;
  if (run == 0) return 0;
  if (j == c.size() || run == 1) return run;
  return run - 1;
}

}  // namespace

std::vector<absl::string_view> Gpt2PreTokenize(absl::string_view text) {
  const std::vector<Char> c = Decode(text);
  std::vector<absl::string_view> pieces;
  size_t i = 0;
  while (i < c.size()) {
    size_t n = MatchContraction(c, i);
    if (!n) n = MatchOptionalSpaceRun(c, i, CharClass::kLetter);
    if (!n) n = MatchOptionalSpaceRun(c, i, CharClass::kNumber);
    if (!n) n = MatchOptionalSpaceRun(c, i, CharClass::kOther);
    if (!n) n = MatchSpaces(c, i);
    // Every character is a space, letter, number or other, so n >= 1 here.
    const size_t begin = c[i].offset;
    const size_t end = i + n < c.size() ? c[i + n].offset : text.size();
    pieces.push_back(text.substr(begin, end - begin));
    i += n;
  }
  return pieces;
}

}  // namespace shammie::policy
