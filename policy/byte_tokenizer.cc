#include "policy/byte_tokenizer.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace shammie::policy {

void ByteTokenizer::EncodeOrdinary(absl::string_view text, std::vector<int64_t>* out) const {
  for (char c : text) out->push_back(static_cast<unsigned char>(c));
}

bool ByteTokenizer::AppendTokenBytes(int64_t id, std::string* out) const {
  if (id < 0 || id > kEosId) return false;
  if (id == kEosId) {
    out->append(kEndOfText.data(), kEndOfText.size());
  } else {
    out->push_back(static_cast<char>(id));
  }
  return true;
}

absl::Status ByteTokenizer::SaveFiles(const std::string& dir) const {
  const std::string path = absl::StrCat(dir, "/", kByteTokenizerFile);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << nlohmann::json{{"type", "bytes"}, {"eos_token_id", kEosId}}.dump(2) << "\n";
  f.close();
  if (!f) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ByteTokenizer>> ByteTokenizer::Load(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream ss;
  ss << f.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a JSON object"));
  }
  if (j.value("type", "") != "bytes") {
    return absl::InvalidArgumentError(absl::StrCat(path, ": \"type\" must be \"bytes\""));
  }
  if (j.contains("eos_token_id") &&
      (!j["eos_token_id"].is_number_integer() || j["eos_token_id"].get<int64_t>() != kEosId)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": \"eos_token_id\" must be ", kEosId, " for the byte tokenizer"));
  }
  return std::make_unique<ByteTokenizer>();
}

}  // namespace shammie::policy
