#include "policy/gpt2_bpe_tokenizer.h"

#include <fstream>
#include <limits>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "policy/gpt2_pretokenizer.h"

namespace shammie::policy {
namespace {

// Inverse of ByteToCodePoint over the 256 code points it uses.
struct UnicodeToByte {
  int16_t table[324];
  UnicodeToByte() {
    for (auto& t : table) t = -1;
    for (int b = 0; b < 256; ++b) table[Gpt2BpeTokenizer::ByteToCodePoint(b)] = static_cast<int16_t>(b);
  }
};
const UnicodeToByte& Unmap() {
  static const UnicodeToByte* u = new UnicodeToByte();
  return *u;
}

// Token string in the files' mapped form → raw bytes. False when it holds a
// code point outside the mapping or is not UTF-8.
bool MappedToBytes(absl::string_view s, std::string* out) {
  out->clear();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (size_t i = 0; i < s.size();) {
    int32_t cp;
    if (p[i] < 0x80) {
      cp = p[i], i += 1;
    } else if ((p[i] & 0xE0) == 0xC0 && i + 1 < s.size() && (p[i + 1] & 0xC0) == 0x80) {
      cp = ((p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F), i += 2;
    } else {
      return false;  // every mapped code point is below U+0800
    }
    if (cp >= 324 || Unmap().table[cp] < 0) return false;
    out->push_back(static_cast<char>(Unmap().table[cp]));
  }
  return true;
}

std::string BytesToMapped(absl::string_view bytes) {
  std::string out;
  for (unsigned char b : bytes) {
    const int32_t cp = Gpt2BpeTokenizer::ByteToCodePoint(b);
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

int32_t Gpt2BpeTokenizer::ByteToCodePoint(unsigned char b) {
  // Printable Latin-1 stands for itself: '!'..'~', '¡'..'¬', '®'..'ÿ'. The
  // other 68 bytes take U+0100.. in byte order.
  auto printable = [](int x) {
    return (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF);
  };
  if (printable(b)) return b;
  int n = 0;
  for (int x = 0; x < b; ++x) n += !printable(x);
  return 256 + n;
}

absl::StatusOr<std::unique_ptr<Gpt2BpeTokenizer>> Gpt2BpeTokenizer::Load(
    const std::string& vocab_path, const std::string& merges_path) {
  auto vocab_text = ReadFile(vocab_path);
  if (!vocab_text.ok()) return vocab_text.status();
  auto merges_text = ReadFile(merges_path);
  if (!merges_text.ok()) return merges_text.status();
  return Parse(*vocab_text, *merges_text, vocab_path, merges_path);
}

absl::StatusOr<std::unique_ptr<Gpt2BpeTokenizer>> Gpt2BpeTokenizer::Parse(
    absl::string_view vocab_text, absl::string_view merges_text, absl::string_view vocab_path,
    absl::string_view merges_path) {
  const nlohmann::json j = nlohmann::json::parse(vocab_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(vocab_path, ": not a JSON object"));
  }
  std::vector<std::pair<std::string, int64_t>> vocab;
  vocab.reserve(j.size());
  for (const auto& [token, id] : j.items()) {
    if (!id.is_number_integer()) {
      return absl::InvalidArgumentError(
          absl::StrCat(vocab_path, ": id of token \"", token, "\" is not an integer"));
    }
    vocab.emplace_back(token, id.get<int64_t>());
  }

  std::vector<std::pair<std::string, std::string>> merges;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(merges_text, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || (line_no == 1 && absl::StartsWith(line, "#version"))) continue;
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ');
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(merges_path, " line ", line_no, ": expected two tokens separated by one space"));
    }
    merges.emplace_back(std::string(parts[0]), std::string(parts[1]));
  }
  auto tok = Create(vocab, merges);
  if (!tok.ok()) {
    return absl::Status(tok.status().code(),
                        absl::StrCat(vocab_path, " + ", merges_path, ": ", tok.status().message()));
  }
  return tok;
}

absl::StatusOr<std::unique_ptr<Gpt2BpeTokenizer>> Gpt2BpeTokenizer::Create(
    const std::vector<std::pair<std::string, int64_t>>& vocab,
    const std::vector<std::pair<std::string, std::string>>& merges) {
  std::unique_ptr<Gpt2BpeTokenizer> t(new Gpt2BpeTokenizer());
  const int64_t n = static_cast<int64_t>(vocab.size());
  if (n >= std::numeric_limits<int32_t>::max()) return absl::InvalidArgumentError("vocabulary too large");
  t->id_to_bytes_.assign(n, std::string());
  std::vector<bool> seen(n, false);
  absl::flat_hash_map<std::string, int64_t> bytes_to_id;
  std::string bytes;
  for (const auto& [token, id] : vocab) {
    if (id < 0 || id >= n || seen[id]) {
      return absl::InvalidArgumentError(absl::StrCat("vocab: id ", id, " of token \"", token,
                                                     "\" is repeated or outside 0..", n - 1));
    }
    if (!MappedToBytes(token, &bytes)) {
      return absl::InvalidArgumentError(
          absl::StrCat("vocab: token \"", token, "\" is not in GPT-2's byte-level alphabet"));
    }
    seen[id] = true;
    t->id_to_bytes_[id] = bytes;
    bytes_to_id.emplace(bytes, id);
  }
  for (int b = 0; b < 256; ++b) {
    auto it = bytes_to_id.find(std::string(1, static_cast<char>(b)));
    if (it == bytes_to_id.end()) {
      return absl::InvalidArgumentError(absl::StrCat("vocab: no token for byte ", b));
    }
    t->byte_ids_[b] = it->second;
  }
  auto eos = bytes_to_id.find(std::string(kEndOfText));
  if (eos == bytes_to_id.end()) {
    return absl::InvalidArgumentError(absl::StrCat("vocab: no ", kEndOfText, " token"));
  }
  t->eos_id_ = eos->second;

  std::string a, b;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const bool mapped = MappedToBytes(merges[rank].first, &a) && MappedToBytes(merges[rank].second, &b);
    auto ia = bytes_to_id.find(a), ib = bytes_to_id.find(b), im = bytes_to_id.find(a + b);
    if (!mapped || ia == bytes_to_id.end() || ib == bytes_to_id.end() || im == bytes_to_id.end()) {
      return absl::InvalidArgumentError(absl::StrCat("merges: rule ", rank + 1, " (\"",
                                                     merges[rank].first, " ", merges[rank].second,
                                                     "\") names a token missing from the vocab"));
    }
    // A repeated rule takes its last rank, as dict(zip(merges, ranks)) in
    // encoder.py does.
    t->merges_.insert_or_assign(PairKey(ia->second, ib->second),
                           Merge{static_cast<int32_t>(rank), static_cast<int32_t>(im->second)});
    t->merge_list_.emplace_back(static_cast<int32_t>(ia->second), static_cast<int32_t>(ib->second));
  }
  return t;
}

std::vector<int64_t> Gpt2BpeTokenizer::EncodePiece(absl::string_view piece) const {
  std::vector<int64_t> word;
  word.reserve(piece.size());
  for (unsigned char c : piece) word.push_back(byte_ids_[c]);
  while (word.size() >= 2) {
    // The lowest-ranked adjacent pair…
    int32_t best_rank = std::numeric_limits<int32_t>::max();
    int64_t first = -1, second = -1, merged = -1;
    for (size_t i = 0; i + 1 < word.size(); ++i) {
      auto it = merges_.find(PairKey(word[i], word[i + 1]));
      if (it != merges_.end() && it->second.rank < best_rank) {
        best_rank = it->second.rank;
        first = word[i], second = word[i + 1], merged = it->second.merged;
      }
    }
    if (merged < 0) break;
    // …merged at every occurrence, scanning left to right (encoder.py's bpe()).
    std::vector<int64_t> next;
    next.reserve(word.size());
    for (size_t i = 0; i < word.size();) {
      if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
        next.push_back(merged);
        i += 2;
      } else {
        next.push_back(word[i]);
        i += 1;
      }
    }
    word.swap(next);
  }
  return word;
}

void Gpt2BpeTokenizer::EncodeOrdinary(absl::string_view text, std::vector<int64_t>* out) const {
  for (absl::string_view piece : Gpt2PreTokenize(text)) {
    {
      absl::MutexLock lock(&cache_mu_);
      auto it = cache_.find(piece);
      if (it != cache_.end()) {
        out->insert(out->end(), it->second.begin(), it->second.end());
        continue;
      }
    }
    std::vector<int64_t> ids = EncodePiece(piece);
    out->insert(out->end(), ids.begin(), ids.end());
    absl::MutexLock lock(&cache_mu_);
    if (cache_.size() >= kMaxCacheEntries) cache_.clear();
    cache_.emplace(std::string(piece), std::move(ids));
  }
}

bool Gpt2BpeTokenizer::AppendTokenBytes(int64_t id, std::string* out) const {
  if (id < 0 || id >= vocab_size()) return false;
  out->append(id_to_bytes_[id]);
  return true;
}

absl::Status Gpt2BpeTokenizer::SaveFiles(const std::string& dir) const {
  // Written by hand in id order: nlohmann's ordered_json inserts in linear
  // time, which is quadratic over GPT-2's 50k tokens.
  std::string vocab = "{";
  for (size_t id = 0; id < id_to_bytes_.size(); ++id) {
    absl::StrAppend(&vocab, id ? ", " : "", nlohmann::json(BytesToMapped(id_to_bytes_[id])).dump(),
                    ": ", id);
  }
  vocab += "}";
  const std::string vocab_path = absl::StrCat(dir, "/", kVocabFile);
  std::ofstream v(vocab_path, std::ios::binary | std::ios::trunc);
  v << vocab;
  v.close();
  if (!v) return absl::InternalError(absl::StrCat("cannot write ", vocab_path));

  const std::string merges_path = absl::StrCat(dir, "/", kMergesFile);
  std::ofstream m(merges_path, std::ios::binary | std::ios::trunc);
  m << "#version: 0.2\n";
  for (const auto& [a, b] : merge_list_) {
    m << BytesToMapped(id_to_bytes_[a]) << ' ' << BytesToMapped(id_to_bytes_[b]) << '\n';
  }
  m.close();
  if (!m) return absl::InternalError(absl::StrCat("cannot write ", merges_path));
  return absl::OkStatus();
}

}  // namespace shammie::policy
