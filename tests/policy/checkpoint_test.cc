// Save → load round trips and malformed checkpoint folders.
#include "policy/checkpoint.h"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "gtest/gtest.h"
#include "policy/byte_tokenizer.h"
#include "tests/policy/temp_dir.h"

namespace shammie::policy {
namespace {

namespace fs = std::filesystem;
using shammie::testing::ReadFileOrEmpty;
using shammie::testing::TempDir;

GptConfig TinyConfig() {
  GptConfig c;
  c.n_layer = 2;
  c.n_head = 2;
  c.n_embd = 16;
  c.n_positions = 32;
  return c;  // vocab 257, eos 256: the byte tokenizer's
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(7);
    model_ = Gpt(TinyConfig());
    ids_ = torch::randint(0, 257, {2, 9}, torch::kInt64);  // (B, T)
  }
  torch::Tensor Logits(Gpt& m) {
    torch::NoGradGuard g;
    return m->forward(ids_).logits;  // (B, T, V)
  }
  // A saved checkpoint at dir_/name.
  std::string Saved(const std::string& name) {
    const std::string path = dir_.Sub(name);
    EXPECT_TRUE(SaveCheckpoint(path, model_, tok_).ok());
    return path;
  }

  TempDir dir_;
  ByteTokenizer tok_;
  Gpt model_{nullptr};
  torch::Tensor ids_;
};

TEST_F(CheckpointTest, SaveThenLoadGivesTheSameModelTokenizerAndLineage) {
  CheckpointSaveOptions opts;
  opts.lineage.parent = "/artifacts/policy-0003";
  opts.lineage.comparison_watermark = 4242;
  opts.lineage.job_spec_json = R"({"kind":"ppo","steps":100})";
  opts.lineage.metrics = {{"mean_reward", 0.75}, {"kl", 3.5}};
  const std::string path = dir_.Sub("ckpt");
  ASSERT_TRUE(SaveCheckpoint(path, model_, tok_, opts).ok());
  for (const char* f : {"model.safetensors", "config.json", "byte_tokenizer.json", "lineage.json"}) {
    EXPECT_TRUE(fs::exists(path + "/" + f)) << f;
  }
  auto ckpt = LoadCheckpoint(path);
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  EXPECT_EQ(ckpt->config.n_layer, 2);
  EXPECT_EQ(ckpt->config.n_embd, 16);
  EXPECT_EQ(ckpt->tokenizer->kind(), "bytes");
  EXPECT_TRUE(torch::equal(Logits(ckpt->model), Logits(model_)));
  EXPECT_EQ(ckpt->lineage.parent, "/artifacts/policy-0003");
  EXPECT_EQ(ckpt->lineage.comparison_watermark, 4242);
  EXPECT_EQ(ckpt->lineage.job_spec_json, R"({"kind":"ppo","steps":100})");
  EXPECT_DOUBLE_EQ(ckpt->lineage.metrics.at("mean_reward"), 0.75);
  EXPECT_FALSE(ckpt->lineage.code_version.empty());
  EXPECT_EQ(ckpt->lineage.created_at.size(), 20u);  // 2026-01-02T03:04:05Z
  // HF names and layout on disk.
  auto tensors = ReadSafetensors(path + "/model.safetensors");
  ASSERT_TRUE(tensors.ok());
  EXPECT_EQ(tensors->at("transformer.h.1.attn.c_attn.weight").sizes(),
            (std::vector<int64_t>{16, 48}));  // Conv1D (in, out)
  EXPECT_EQ(tensors->at("transformer.h.0.mlp.c_proj.weight").sizes(),
            (std::vector<int64_t>{64, 16}));
  EXPECT_EQ(tensors->count("lm_head.weight"), 0u);
}

TEST_F(CheckpointTest, CallersAddExtraFilesBeforeTheRename) {
  CheckpointSaveOptions opts;
  opts.extra_files = [](const std::string& tmp) -> absl::Status {
    EXPECT_FALSE(fs::exists(fs::path(tmp).parent_path() / "with_head"));  // not yet visible
    return WriteSafetensors(tmp + "/value_head.safetensors", {{"weight", torch::ones({1, 16})}});
  };
  ASSERT_TRUE(SaveCheckpoint(dir_.Sub("with_head"), model_, tok_, opts).ok());
  EXPECT_TRUE(fs::exists(dir_.Sub("with_head/value_head.safetensors")));
  EXPECT_TRUE(LoadCheckpoint(dir_.Sub("with_head")).ok());
}

TEST_F(CheckpointTest, AFailedSaveLeavesNothingBehind) {
  CheckpointSaveOptions opts;
  opts.extra_files = [](const std::string&) { return absl::UnavailableError("disk on fire"); };
  const absl::Status s = SaveCheckpoint(dir_.Sub("never"), model_, tok_, opts);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(fs::is_empty(dir_.path()));  // neither the folder nor a temporary one
}

TEST_F(CheckpointTest, SavingOverAnExistingCheckpointIsRefused) {
  Saved("ckpt");
  EXPECT_EQ(SaveCheckpoint(dir_.Sub("ckpt"), model_, tok_).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(LoadCheckpoint(dir_.Sub("ckpt")).ok());
}

TEST_F(CheckpointTest, TokenizerMustFitTheModel) {
  GptConfig small = TinyConfig();
  small.vocab_size = 100;
  small.eos_token_id = 99;
  Gpt m(small);
  const absl::Status s = SaveCheckpoint(dir_.Sub("x"), m, tok_);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("vocab_size"), std::string::npos) << s;
}

// Each malformed folder: the code and a piece of the message that names the problem.
TEST_F(CheckpointTest, MalformedCheckpointsNameTheFileAndField) {
  struct Case {
    const char* name;
    std::function<void(const std::string&)> damage;
    absl::StatusCode code;
    const char* says;
  };
  auto edit_config = [](const std::string& dir, const std::string& from, const std::string& to) {
    std::string c = ReadFileOrEmpty(dir + "/config.json");
    const size_t at = c.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    c.replace(at, from.size(), to);
    std::ofstream(dir + "/config.json", std::ios::trunc) << c;
  };
  const Case cases[] = {
      {"no_weights", [](const std::string& d) { fs::remove(d + "/model.safetensors"); },
       absl::StatusCode::kNotFound, "model.safetensors"},
      {"no_config", [](const std::string& d) { fs::remove(d + "/config.json"); },
       absl::StatusCode::kNotFound, "config.json"},
      {"no_tokenizer", [](const std::string& d) { fs::remove(d + "/byte_tokenizer.json"); },
       absl::StatusCode::kNotFound, "no tokenizer"},
      {"bad_config_json", [](const std::string& d) { std::ofstream(d + "/config.json") << "{"; },
       absl::StatusCode::kInvalidArgument, "config.json: not valid JSON"},
      {"config_missing_key",
       [&](const std::string& d) { edit_config(d, "\"n_embd\"", "\"n_embd_x\""); },
       absl::StatusCode::kInvalidArgument, "\"n_embd\" is missing"},
      {"more_layers_in_config",
       [&](const std::string& d) { edit_config(d, "\"n_layer\": 2", "\"n_layer\": 3"); },
       absl::StatusCode::kInvalidArgument, "missing tensor transformer.h.2."},
      {"fewer_layers_in_config",
       [&](const std::string& d) { edit_config(d, "\"n_layer\": 2", "\"n_layer\": 1"); },
       absl::StatusCode::kInvalidArgument, "unexpected tensor h.1."},
      {"wider_config",
       [&](const std::string& d) { edit_config(d, "\"n_embd\": 16", "\"n_embd\": 32"); },
       absl::StatusCode::kInvalidArgument, "but config.json implies"},
      {"fewer_positions",
       [&](const std::string& d) { edit_config(d, "\"n_positions\": 32", "\"n_positions\": 8"); },
       absl::StatusCode::kInvalidArgument, "transformer.wpe.weight has shape (32, 16)"},
      {"not_gpt2",
       [&](const std::string& d) { edit_config(d, "\"model_type\": \"gpt2\"", "\"model_type\": \"llama\""); },
       absl::StatusCode::kInvalidArgument, "model_type"},
      {"eos_mismatch",
       [&](const std::string& d) { edit_config(d, "\"eos_token_id\": 256", "\"eos_token_id\": 3"); },
       absl::StatusCode::kInvalidArgument, "eos_token_id 3 differs"},
      {"truncated_weights",
       [](const std::string& d) {
         fs::resize_file(d + "/model.safetensors", fs::file_size(d + "/model.safetensors") - 100);
       },
       absl::StatusCode::kDataLoss, "truncated"},
      {"bad_lineage", [](const std::string& d) { std::ofstream(d + "/lineage.json") << "[1]"; },
       absl::StatusCode::kInvalidArgument, "lineage.json: not a JSON object"},
  };
  for (const Case& c : cases) {
    const std::string path = Saved(c.name);
    c.damage(path);
    auto r = LoadCheckpoint(path);
    EXPECT_EQ(r.status().code(), c.code) << c.name << ": " << r.status();
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << c.name << ": " << r.status();
  }
}

}  // namespace
}  // namespace shammie::policy
