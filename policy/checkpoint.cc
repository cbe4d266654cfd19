#include "policy/checkpoint.h"

#include <fstream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/torch_boundary.h"

namespace shammie::policy {
namespace {

constexpr absl::string_view kPrefix = "transformer.";

// HF GPT-2 uses Conv1D (x @ W with W (in, out)) where Shammie's Gpt uses
// Linear (W (out, in)): these weights are transposed at the file boundary.
bool IsConv1dWeight(absl::string_view name) {
  return absl::StartsWith(name, "h.") &&
         (absl::EndsWith(name, ".c_attn.weight") || absl::EndsWith(name, ".c_proj.weight") ||
          absl::EndsWith(name, ".c_fc.weight"));
}

// HF buffers that are not parameters: the causal mask and its fill value.
bool IsIgnoredHfTensor(absl::string_view name) {
  return absl::EndsWith(name, ".attn.bias") || absl::EndsWith(name, ".attn.masked_bias");
}

std::string ShapeString(const torch::Tensor& t) {
  return absl::StrCat("(", absl::StrJoin(t.sizes().vec(), ", "), ")");
}

absl::Status WriteText(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::Status CheckTokenizerFits(const GptConfig& config, const Tokenizer& tokenizer,
                                absl::string_view where) {
  if (tokenizer.vocab_size() > config.vocab_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ": vocab_size ", config.vocab_size, " is smaller than the tokenizer's ",
        tokenizer.vocab_size(), " tokens"));
  }
  if (tokenizer.eos_token_id() != config.eos_token_id) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": eos_token_id ", config.eos_token_id,
                                                   " differs from the tokenizer's end-of-text id ",
                                                   tokenizer.eos_token_id()));
  }
  return absl::OkStatus();
}

}  // namespace

TensorMap GptToHfTensors(Gpt& model) {
  TensorMap out;
  for (const auto& p : model->named_parameters()) {
    torch::Tensor t = p.value().detach().to(torch::kCPU, torch::kFloat32);
    if (IsConv1dWeight(p.key())) t = t.t();  // (out, in) → (in, out)
    out[absl::StrCat(kPrefix, p.key())] = t.contiguous();
  }
  return out;
}

absl::Status LoadHfTensors(const TensorMap& tensors, Gpt& model, const std::string& what) {
  // Accept both "transformer.x" and "x"; the same tensor under both is ambiguous.
  std::map<std::string, const torch::Tensor*> by_name;
  const torch::Tensor* lm_head = nullptr;
  for (const auto& [name, t] : tensors) {
    if (name == "lm_head.weight") {
      lm_head = &t;
      continue;
    }
    const std::string key = absl::StartsWith(name, kPrefix) ? name.substr(kPrefix.size()) : name;
    if (IsIgnoredHfTensor(key)) continue;
    if (!by_name.emplace(key, &t).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": tensor ", key, " appears both with and without \"transformer.\""));
    }
  }
  return common::GuardTorch(absl::StrCat("loading ", what), [&]() -> absl::Status {
    torch::NoGradGuard no_grad;
    std::set<std::string> used;
    for (auto& p : model->named_parameters()) {
      auto it = by_name.find(p.key());
      if (it == by_name.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": missing tensor ", kPrefix, p.key()));
      }
      torch::Tensor t = *it->second;
      if (IsConv1dWeight(p.key()) && t.dim() == 2) t = t.t();  // (in, out) → (out, in)
      if (!t.sizes().equals(p.value().sizes())) {
        return absl::InvalidArgumentError(absl::StrCat(
            what, ": tensor ", kPrefix, p.key(), " has shape ", ShapeString(*it->second),
            " but config.json implies ",
            ShapeString(IsConv1dWeight(p.key()) ? p.value().t() : p.value())));
      }
      p.value().copy_(t.to(p.value().scalar_type()));
      used.insert(p.key());
    }
    for (const auto& [name, t] : by_name) {
      if (!used.count(name)) {
        return absl::InvalidArgumentError(absl::StrCat(
            what, ": unexpected tensor ", name, " (does config.json have the right n_layer?)"));
      }
    }
    if (lm_head != nullptr) {
      const torch::Tensor wte = model->wte->weight;
      if (!lm_head->sizes().equals(wte.sizes()) || !torch::equal(lm_head->to(torch::kFloat32), wte)) {
        return absl::InvalidArgumentError(absl::StrCat(
            what, ": lm_head.weight differs from wte; Shammie's GPT ties them"));
      }
    }
    return absl::OkStatus();
  });
}

absl::Status SaveCheckpoint(const std::string& dir, Gpt& model, const Tokenizer& tokenizer,
                            const CheckpointSaveOptions& options) {
  const GptConfig& config = model->config();
  if (absl::Status s = CheckTokenizerFits(config, tokenizer, "SaveCheckpoint: model config");
      !s.ok()) {
    return s;
  }
  Lineage lineage = options.lineage;
  if (lineage.code_version.empty()) lineage.code_version = ShammieCodeVersion();
  if (lineage.created_at.empty()) {
    lineage.created_at = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  }
  auto tensors = common::GuardTorch("SaveCheckpoint: reading parameters",
                                    [&] { return GptToHfTensors(model); });
  if (!tensors.ok()) return tensors.status();
  return WriteFolderAtomically(dir, [&](const std::string& tmp) -> absl::Status {
    const std::map<std::string, std::string> metadata = {{"format", "pt"}};
    if (absl::Status s = WriteSafetensors(absl::StrCat(tmp, "/", kModelFile), *tensors, metadata);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = WriteText(absl::StrCat(tmp, "/", kConfigFile), GptConfigToJson(config));
        !s.ok()) {
      return s;
    }
    if (absl::Status s = tokenizer.SaveFiles(tmp); !s.ok()) return s;
    if (absl::Status s = WriteText(absl::StrCat(tmp, "/", kLineageFile), LineageToJson(lineage));
        !s.ok()) {
      return s;
    }
    return options.extra_files ? options.extra_files(tmp) : absl::OkStatus();
  });
}

absl::StatusOr<Checkpoint> LoadCheckpoint(const std::string& dir) {
  Checkpoint ckpt;
  auto config = ReadGptConfig(dir);
  if (!config.ok()) return config.status();
  ckpt.config = *config;
  auto tokenizer = LoadTokenizer(dir);
  if (!tokenizer.ok()) return tokenizer.status();
  ckpt.tokenizer = std::move(tokenizer).value();
  if (absl::Status s = CheckTokenizerFits(ckpt.config, *ckpt.tokenizer,
                                          absl::StrCat(dir, "/", kConfigFile));
      !s.ok()) {
    return s;
  }
  auto lineage = ReadLineage(dir);
  if (!lineage.ok()) return lineage.status();
  ckpt.lineage = *lineage;
  const std::string weights_path = absl::StrCat(dir, "/", kModelFile);
  auto tensors = ReadSafetensors(weights_path);
  if (!tensors.ok()) return tensors.status();
  auto model = common::GuardTorch(absl::StrCat("building the model of ", dir),
                                  [&] { return Gpt(ckpt.config); });
  if (!model.ok()) return model.status();
  ckpt.model = *model;
  if (absl::Status s = LoadHfTensors(*tensors, ckpt.model, weights_path); !s.ok()) return s;
  return ckpt;
}

}  // namespace shammie::policy
