#include "policy/checkpoint_metadata.h"

#include "gtest/gtest.h"

namespace shammie::policy {
namespace {

TEST(CheckpointMetadataTest, ConfigRoundTripsThroughGpt2Keys) {
  GptConfig c;
  c.n_layer = 6, c.n_head = 8, c.n_embd = 512, c.n_positions = 256, c.vocab_size = 50257;
  c.eos_token_id = 50256, c.layer_norm_epsilon = 1e-6;
  const std::string json = GptConfigToJson(c);
  for (const char* key : {"\"n_layer\": 6", "\"model_type\": \"gpt2\"", "\"GPT2LMHeadModel\"",
                          "\"bos_token_id\": 50256", "\"n_ctx\": 256"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
  }
  auto back = GptConfigFromJson(json, "config.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->n_layer, 6);
  EXPECT_EQ(back->n_head, 8);
  EXPECT_EQ(back->n_embd, 512);
  EXPECT_EQ(back->n_positions, 256);
  EXPECT_EQ(back->vocab_size, 50257);
  EXPECT_EQ(back->eos_token_id, 50256);
  EXPECT_DOUBLE_EQ(back->layer_norm_epsilon, 1e-6);
}

TEST(CheckpointMetadataTest, Gpt2SmallConfigAsHuggingFaceWritesIt) {
  // The keys of gpt2's config.json on the Hub (older n_ctx, no eos given → last id).
  auto c = GptConfigFromJson(
      R"({"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
          "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12,
          "vocab_size": 50257, "layer_norm_epsilon": 1e-05, "resid_pdrop": 0.1})",
      "config.json");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->n_positions, 1024);
  EXPECT_EQ(c->eos_token_id, 50256);
}

TEST(CheckpointMetadataTest, BadConfigsNameTheField) {
  struct Case {
    const char* json;
    const char* says;
  };
  const Case cases[] = {
      {"{", "not valid JSON"},
      {R"({"n_layer": 2, "n_head": 2, "n_embd": 16, "vocab_size": 10})", "\"n_positions\" is missing"},
      {R"({"n_layer": "2", "n_head": 2, "n_embd": 16, "vocab_size": 10, "n_positions": 8})",
       "\"n_layer\" is not an integer"},
      {R"({"n_layer": 0, "n_head": 2, "n_embd": 16, "vocab_size": 10, "n_positions": 8})",
       "\"n_layer\" = 0 is outside"},
      {R"({"n_layer": 2, "n_head": 3, "n_embd": 16, "vocab_size": 10, "n_positions": 8})",
       "not divisible"},
      {R"({"n_layer": 2, "n_head": 2, "n_embd": 16, "vocab_size": 10, "n_positions": 8,
           "activation_function": "relu"})", "activation_function"},
      {R"({"n_layer": 2, "n_head": 2, "n_embd": 16, "vocab_size": 10, "n_positions": 8,
           "eos_token_id": 10})", "\"eos_token_id\" = 10"},
      {R"({"n_layer": 2, "n_head": 2, "n_embd": 16, "vocab_size": 10, "n_positions": 8,
           "n_inner": 32})", "n_inner"},
      {R"({"n_layer": 2, "n_head": 2, "n_embd": 16, "vocab_size": 10, "n_positions": 8,
           "tie_word_embeddings": false})", "tie_word_embeddings"},
  };
  for (const Case& c : cases) {
    auto r = GptConfigFromJson(c.json, "ckpt/config.json");
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << c.says;
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status();
    EXPECT_NE(r.status().message().find("ckpt/config.json"), std::string::npos) << r.status();
  }
}

TEST(CheckpointMetadataTest, LineageRoundTripAndErrors) {
  Lineage l;
  l.parent = "p";
  l.comparison_watermark = 99;
  l.job_spec_json = R"({"a":[1,2]})";
  l.metrics = {{"acc", 0.7}};
  l.code_version = "v1";
  l.created_at = "2026-11-28T00:00:00Z";
  auto back = LineageFromJson(LineageToJson(l), "lineage.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->parent, "p");
  EXPECT_EQ(back->comparison_watermark, 99);
  EXPECT_EQ(back->job_spec_json, R"({"a":[1,2]})");
  EXPECT_DOUBLE_EQ(back->metrics.at("acc"), 0.7);
  EXPECT_EQ(back->code_version, "v1");
  EXPECT_EQ(back->created_at, "2026-11-28T00:00:00Z");
  EXPECT_EQ(LineageFromJson(R"({"comparison_watermark": -1})", "l").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LineageFromJson(R"({"metrics": {"a": "x"}})", "l").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LineageFromJson(R"({"parent": 3})", "l").status().code(),
            absl::StatusCode::kInvalidArgument);
}

// Regression (tests/fuzz/checkpoint_config_fuzz): a lineage.json whose
// job_spec nests 200k arrays overflowed the stack while LineageFromJson
// re-serialized it. Deep files are refused before parsing.
TEST(CheckpointMetadataTest, DeeplyNestedJsonIsInvalidNotACrash) {
  const int depth = 200000;
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  auto lineage = LineageFromJson(R"({"job_spec": )" + deep + "}", "ckpt/lineage.json");
  EXPECT_EQ(lineage.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(lineage.status().message().find("ckpt/lineage.json: nested deeper than"),
            std::string::npos)
      << lineage.status();
  auto config = GptConfigFromJson(R"({"n_layer": )" + deep + "}", "ckpt/config.json");
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);

  // Nesting up to the limit is fine, and brackets inside strings do not count.
  const std::string ok = std::string(60, '[') + std::string(60, ']');
  auto fine = LineageFromJson(R"({"job_spec": )" + ok + R"(, "parent": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["})",
                              "l");
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_EQ(fine->job_spec_json, ok);
}

}  // namespace
}  // namespace shammie::policy
