// THE interop test of issue 4: a Hugging Face–style GPT-2 folder written by
// /usr/bin/python3 (safetensors by hand, a plain-torch GPT-2 forward in the
// script: tests/policy/hf_gpt2_checkpoint.py) loads in Shammie, and Shammie's
// logits for the same token ids match torch's within 1e-4.
#include <torch/torch.h>

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "policy/checkpoint.h"
#include "tests/policy/temp_dir.h"

namespace shammie::policy {
namespace {

using shammie::testing::ReadFileOrEmpty;
using shammie::testing::TempDir;

class CheckpointHfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* src = std::getenv("SHAMMIE_SOURCE_DIR");
    const std::string script = std::string(src ? src : ".") + "/tests/policy/hf_gpt2_checkpoint.py";
    const std::string cmd = "/usr/bin/python3 '" + script + "' '" + dir_.path() + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const auto ids = nlohmann::json::parse(ReadFileOrEmpty(dir_.Sub("ids.json")));
    const auto shape = nlohmann::json::parse(ReadFileOrEmpty(dir_.Sub("meta.json")))["shape"];
    const int64_t b = shape[0], t = shape[1], v = shape[2];
    ids_ = torch::empty({b, t}, torch::kInt64);  // (B, T)
    for (int64_t i = 0; i < b; ++i) {
      for (int64_t j = 0; j < t; ++j) ids_[i][j] = ids[i][j].get<int64_t>();
    }
    const std::string raw = ReadFileOrEmpty(dir_.Sub("logits.bin"));
    ASSERT_EQ(raw.size(), static_cast<size_t>(b * t * v * 4));
    expected_ = torch::empty({b, t, v}, torch::kFloat32);  // (B, T, V)
    std::memcpy(expected_.data_ptr(), raw.data(), raw.size());
  }

  void ExpectLogitsMatch(Checkpoint& ckpt) {
    torch::NoGradGuard no_grad;
    const torch::Tensor logits = ckpt.model->forward(ids_).logits;  // (B, T, V)
    ASSERT_EQ(logits.sizes(), expected_.sizes());
    const double max_diff = (logits - expected_).abs().max().item<double>();
    std::printf("{\"max_abs_logit_diff\": %.3g}\n", max_diff);
    EXPECT_LT(max_diff, 1e-4);
    EXPECT_GT(expected_.abs().max().item<double>(), 1.0);  // the logits are not trivially small
  }

  TempDir dir_;
  torch::Tensor ids_, expected_;
};

TEST_F(CheckpointHfTest, LogitsMatchTorchForTheHuggingFaceFolder) {
  auto ckpt = LoadCheckpoint(dir_.Sub("hf"));
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  EXPECT_EQ(ckpt->config.n_layer, 2);
  EXPECT_EQ(ckpt->config.n_head, 4);
  EXPECT_EQ(ckpt->config.n_embd, 32);
  EXPECT_EQ(ckpt->config.n_positions, 24);
  EXPECT_EQ(ckpt->tokenizer->kind(), "gpt2_bpe");
  EXPECT_EQ(ckpt->tokenizer->vocab_size(), ckpt->config.vocab_size);
  EXPECT_EQ(ckpt->tokenizer->eos_token_id(), ckpt->config.vocab_size - 1);
  // The tiny BPE's merges apply: " the" is one token (Ġt + he → Ġthe).
  EXPECT_EQ(ckpt->tokenizer->Encode(" the").size(), 1u);
  EXPECT_TRUE(ckpt->lineage.parent.empty());  // no lineage.json in an HF folder
  ExpectLogitsMatch(*ckpt);
}

TEST_F(CheckpointHfTest, NamesWithoutPrefixAndATiedLmHeadLoadToo) {
  auto ckpt = LoadCheckpoint(dir_.Sub("hf_bare"));
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  ExpectLogitsMatch(*ckpt);
}

TEST_F(CheckpointHfTest, ShammieSavesWhatItLoadedAndLoadsItBackIdentically) {
  auto ckpt = LoadCheckpoint(dir_.Sub("hf"));
  ASSERT_TRUE(ckpt.ok()) << ckpt.status();
  ASSERT_TRUE(SaveCheckpoint(dir_.Sub("resaved"), ckpt->model, *ckpt->tokenizer).ok());
  // The re-saved tensors are the HF ones, bit for bit (minus the mask buffers).
  auto original = ReadSafetensors(dir_.Sub("hf/model.safetensors"));
  auto resaved = ReadSafetensors(dir_.Sub("resaved/model.safetensors"));
  ASSERT_TRUE(original.ok() && resaved.ok());
  for (const auto& [name, t] : *resaved) {
    ASSERT_TRUE(original->count(name)) << name;
    EXPECT_TRUE(torch::equal(t, original->at(name))) << name;
  }
  EXPECT_EQ(resaved->size() + 2, original->size());  // two attn.bias buffers dropped
  auto again = LoadCheckpoint(dir_.Sub("resaved"));
  ASSERT_TRUE(again.ok()) << again.status();
  ExpectLogitsMatch(*again);
}

}  // namespace
}  // namespace shammie::policy
