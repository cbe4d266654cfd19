#include "reward_model/pm_checkpoint.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/torch_boundary.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "policy/checkpoint.h"

namespace shammie::reward_model {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

Json ConfigJson(const policy::GptConfig& c) {
  return Json{{"n_layer", c.n_layer},         {"n_head", c.n_head},
              {"n_embd", c.n_embd},           {"n_positions", c.n_positions},
              {"vocab_size", c.vocab_size},   {"layer_norm_epsilon", c.layer_norm_epsilon},
              {"eos_token_id", c.eos_token_id}, {"model_type", "gpt2"}};
}

absl::Status WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  return absl::OkStatus();
}

std::string ToJson(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

}  // namespace

absl::StatusOr<policy::GptConfig> ReadGptConfig(const std::string& dir) {
  const fs::path path = fs::path(dir) / "config.json";
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("no checkpoint config at ", path.string()));
  Json j = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::DataLossError(absl::StrCat(path.string(), ": not a JSON object"));
  }
  policy::GptConfig c;
  try {
    c.n_layer = j.at("n_layer").get<int64_t>();
    c.n_head = j.at("n_head").get<int64_t>();
    c.n_embd = j.at("n_embd").get<int64_t>();
    c.n_positions = j.at("n_positions").get<int64_t>();
    c.vocab_size = j.at("vocab_size").get<int64_t>();
    c.layer_norm_epsilon = j.value("layer_norm_epsilon", 1e-5);
    c.eos_token_id = j.value("eos_token_id", c.vocab_size - 1);
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat(path.string(), ": ", e.what()));
  }
  return c;
}

absl::StatusOr<policy::Gpt> LoadBasePolicy(const std::string& dir) {
  if (fs::exists(fs::path(dir) / "model.safetensors")) {
    // A policy checkpoint folder (policy/checkpoint.h: safetensors, GPT-2
    // names, tokenizer files), e.g. from `shammie pretrain`.
    auto checkpoint = policy::LoadCheckpoint(dir);
    if (!checkpoint.ok()) return checkpoint.status();
    return checkpoint->model;
  }
  auto config = ReadGptConfig(dir);
  if (!config.ok()) return config.status();
  const fs::path weights = fs::path(dir) / "model.pt";
  if (!fs::exists(weights)) {
    return absl::NotFoundError(absl::StrCat("no policy weights at ", weights.string()));
  }
  return common::GuardTorch(
      absl::StrCat("load policy ", dir),
      [&]() -> policy::Gpt {
        policy::Gpt model(*config);
        torch::load(model, weights.string());
        return model;
      },
      absl::StatusCode::kDataLoss);
}

absl::Status SaveBasePolicy(policy::Gpt& model, const std::string& dir) {
  return common::GuardTorch("save policy", [&]() -> absl::Status {
    fs::create_directories(dir);
    torch::save(model, (fs::path(dir) / "model.pt").string());
    return WriteText(fs::path(dir) / "config.json", ConfigJson(model->config()).dump(2));
  });
}

absl::Status WritePmCheckpoint(PreferenceModel& model, const v1::PmReport& report,
                               const v1::PmJobSpec& spec, const std::string& dir) {
  if (fs::exists(dir)) return absl::AlreadyExistsError(absl::StrCat(dir, " already exists"));
  const fs::path tmp = absl::StrCat(dir, ".tmp-", ::getpid());
  std::error_code ec;
  fs::remove_all(tmp, ec);
  absl::Status s = common::GuardTorch("write PM checkpoint", [&]() -> absl::Status {
    fs::create_directories(tmp);
    torch::save(model, (tmp / "pm_model.pt").string());
    Json config = ConfigJson(model->trunk->config());
    config["kind"] = "preference_model";
    config["score_offset"] = model->score_offset.item<double>();
    if (auto st = WriteText(tmp / "config.json", config.dump(2)); !st.ok()) return st;
    if (auto st = WriteText(tmp / "report.json", ToJson(report)); !st.ok()) return st;
    Json lineage{{"parent", spec.base_checkpoint()},
                 {"watermark", spec.watermark()},
                 {"job_spec", Json::parse(ToJson(spec))},
                 {"code_version", "shammie-pm-1"}};
    return WriteText(tmp / "lineage.json", lineage.dump(2));
  });
  if (s.ok()) {
    fs::rename(tmp, dir, ec);
    if (ec) s = absl::InternalError(absl::StrCat("rename ", tmp.string(), " → ", dir, ": ", ec.message()));
  }
  if (!s.ok()) fs::remove_all(tmp, ec);
  return s;
}

absl::StatusOr<PreferenceModel> LoadPmCheckpoint(const std::string& dir) {
  auto config = ReadGptConfig(dir);
  if (!config.ok()) return config.status();
  const fs::path weights = fs::path(dir) / "pm_model.pt";
  if (!fs::exists(weights)) {
    return absl::NotFoundError(absl::StrCat("no PM weights at ", weights.string()));
  }
  return common::GuardTorch(
      absl::StrCat("load PM ", dir),
      [&]() -> PreferenceModel {
        PreferenceModel model{policy::Gpt(*config)};
        torch::load(model, weights.string());
        return model;
      },
      absl::StatusCode::kDataLoss);
}

}  // namespace shammie::reward_model
