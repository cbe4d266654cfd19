#include "policy/checkpoint_metadata.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

#ifndef SHAMMIE_CODE_VERSION
#define SHAMMIE_CODE_VERSION "unknown"
#endif

namespace shammie::policy {
namespace {

using nlohmann::json;

absl::Status Bad(absl::string_view file, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(file, ": ", what));
}

// Reads an integer key into *out; INVALID_ARGUMENT unless it is an integer in
// [min, max]. Missing keys keep *out unless required.
absl::Status ReadInt(const json& j, const char* key, absl::string_view file, bool required,
                     int64_t min, int64_t max, int64_t* out) {
  if (!j.contains(key) || j[key].is_null()) {
    return required ? Bad(file, absl::StrCat("\"", key, "\" is missing")) : absl::OkStatus();
  }
  if (!j[key].is_number_integer()) return Bad(file, absl::StrCat("\"", key, "\" is not an integer"));
  const int64_t v = j[key].get<int64_t>();
  if (v < min || v > max) {
    return Bad(file, absl::StrCat("\"", key, "\" = ", v, " is outside [", min, ", ", max, "]"));
  }
  *out = v;
  return absl::OkStatus();
}

// Deepest nesting of arrays and objects in JSON `text` (strings skipped).
// nlohmann's parser is iterative, but dump() and copies recurse once per
// level: a lineage.json of 200k nested '[' overflowed the stack in
// LineageFromJson (found with tests/fuzz/checkpoint_config_fuzz). Files are
// checked before parsing and refused past kMaxJsonDepth.
constexpr int kMaxJsonDepth = 64;

int JsonNestingDepth(absl::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char ch : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
    } else if (ch == '"') {
      in_string = true;
    } else if (ch == '[' || ch == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (ch == ']' || ch == '}') {
      --depth;
    }
  }
  return deepest;
}

// Parses `text` as JSON; INVALID_ARGUMENT naming `file` when it is not
// valid JSON or nests deeper than kMaxJsonDepth.
absl::StatusOr<json> ParseJson(absl::string_view text, absl::string_view file) {
  if (JsonNestingDepth(text) > kMaxJsonDepth) {
    return Bad(file, absl::StrCat("nested deeper than ", kMaxJsonDepth, " levels"));
  }
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad(file, "not valid JSON");
  return j;
}

absl::StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

std::string GptConfigToJson(const GptConfig& c) {
  json j = {
      {"model_type", "gpt2"},
      {"architectures", {"GPT2LMHeadModel"}},
      {"n_layer", c.n_layer},
      {"n_head", c.n_head},
      {"n_embd", c.n_embd},
      {"n_positions", c.n_positions},
      {"n_ctx", c.n_positions},
      {"n_inner", nullptr},
      {"vocab_size", c.vocab_size},
      {"layer_norm_epsilon", c.layer_norm_epsilon},
      {"activation_function", "gelu_new"},
      {"eos_token_id", c.eos_token_id},
      {"bos_token_id", c.eos_token_id},  // GPT-2 uses <|endoftext|> for both
      {"tie_word_embeddings", true},
      {"torch_dtype", "float32"},
  };
  return j.dump(2) + "\n";
}

absl::StatusOr<GptConfig> GptConfigFromJson(absl::string_view text, absl::string_view file) {
  absl::StatusOr<json> parsed = ParseJson(text, file);
  if (!parsed.ok()) return parsed.status();
  const json& j = *parsed;
  if (!j.is_object()) return Bad(file, "not a JSON object");
  if (j.contains("model_type") && j["model_type"] != "gpt2") {
    return Bad(file, "\"model_type\" must be \"gpt2\"");
  }
  if (j.contains("activation_function") &&
      (!j["activation_function"].is_string() ||
       (j["activation_function"] != "gelu_new" && j["activation_function"] != "gelu_pytorch_tanh"))) {
    return Bad(file, "\"activation_function\" must be \"gelu_new\" (GELU, tanh approximation)");
  }
  if (j.contains("tie_word_embeddings") && j["tie_word_embeddings"] != true) {
    return Bad(file, "\"tie_word_embeddings\" must be true (lm_head is tied to wte)");
  }
  GptConfig c;
  constexpr int64_t kBig = int64_t{1} << 24;
  for (absl::Status s : {
           ReadInt(j, "n_layer", file, true, 1, 1024, &c.n_layer),
           ReadInt(j, "n_head", file, true, 1, 1024, &c.n_head),
           ReadInt(j, "n_embd", file, true, 1, kBig, &c.n_embd),
           ReadInt(j, "vocab_size", file, true, 1, kBig, &c.vocab_size),
       }) {
    if (!s.ok()) return s;
  }
  const bool has_positions = j.contains("n_positions") && !j["n_positions"].is_null();
  if (absl::Status s = ReadInt(j, has_positions ? "n_positions" : "n_ctx", file, true, 1, kBig,
                               &c.n_positions);
      !s.ok()) {
    return has_positions ? s : Bad(file, "\"n_positions\" is missing");
  }
  c.eos_token_id = c.vocab_size - 1;  // GPT-2's <|endoftext|> is the last id
  if (absl::Status s = ReadInt(j, "eos_token_id", file, false, 0, c.vocab_size - 1, &c.eos_token_id);
      !s.ok()) {
    return s;
  }
  if (c.n_embd % c.n_head != 0) {
    return Bad(file, absl::StrCat("\"n_embd\" = ", c.n_embd, " is not divisible by \"n_head\" = ", c.n_head));
  }
  if (j.contains("n_inner") && !j["n_inner"].is_null() &&
      (!j["n_inner"].is_number_integer() || j["n_inner"].get<int64_t>() != 4 * c.n_embd)) {
    return Bad(file, "\"n_inner\" must be null or 4 * n_embd");
  }
  if (j.contains("layer_norm_epsilon")) {
    if (!j["layer_norm_epsilon"].is_number() || j["layer_norm_epsilon"].get<double>() <= 0) {
      return Bad(file, "\"layer_norm_epsilon\" must be a positive number");
    }
    c.layer_norm_epsilon = j["layer_norm_epsilon"].get<double>();
  }
  return c;
}

std::string LineageToJson(const Lineage& l) {
  json spec = json::parse(l.job_spec_json, nullptr, /*allow_exceptions=*/false);
  if (spec.is_discarded()) spec = l.job_spec_json;  // kept as a string rather than lost
  json j = {
      {"parent", l.parent},
      {"comparison_watermark", l.comparison_watermark},
      {"job_spec", spec},
      {"metrics", l.metrics},
      {"code_version", l.code_version},
      {"created_at", l.created_at},
  };
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

absl::StatusOr<Lineage> LineageFromJson(absl::string_view text, absl::string_view file) {
  absl::StatusOr<json> parsed = ParseJson(text, file);
  if (!parsed.ok()) return parsed.status();
  const json& j = *parsed;
  if (!j.is_object()) return Bad(file, "not a JSON object");
  Lineage l;
  auto str = [&](const char* key, std::string* out) -> absl::Status {
    if (!j.contains(key) || j[key].is_null()) return absl::OkStatus();
    if (!j[key].is_string()) return Bad(file, absl::StrCat("\"", key, "\" is not a string"));
    *out = j[key].get<std::string>();
    return absl::OkStatus();
  };
  for (absl::Status s : {str("parent", &l.parent), str("code_version", &l.code_version),
                         str("created_at", &l.created_at),
                         ReadInt(j, "comparison_watermark", file, false, 0,
                                 std::numeric_limits<int64_t>::max(), &l.comparison_watermark)}) {
    if (!s.ok()) return s;
  }
  if (j.contains("job_spec") && !j["job_spec"].is_null()) l.job_spec_json = j["job_spec"].dump();
  if (j.contains("metrics") && !j["metrics"].is_null()) {
    if (!j["metrics"].is_object()) return Bad(file, "\"metrics\" is not an object");
    for (const auto& [k, v] : j["metrics"].items()) {
      if (!v.is_number()) return Bad(file, absl::StrCat("\"metrics\".\"", k, "\" is not a number"));
      l.metrics[k] = v.get<double>();
    }
  }
  return l;
}

absl::StatusOr<GptConfig> ReadGptConfig(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kConfigFile);
  auto text = ReadText(path);
  if (!text.ok()) return text.status();
  return GptConfigFromJson(*text, path);
}

absl::StatusOr<Lineage> ReadLineage(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/", kLineageFile);
  auto text = ReadText(path);
  if (absl::IsNotFound(text.status())) return Lineage{};
  if (!text.ok()) return text.status();
  return LineageFromJson(*text, path);
}

const char* ShammieCodeVersion() { return SHAMMIE_CODE_VERSION; }

}  // namespace shammie::policy
