#include "policy/gpt.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "tests/policy/raw_tensors.h"
#include "tests/policy/random_gpt.h"

namespace shammie::policy {
namespace {

GptConfig SmallConfig() {
  GptConfig c;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_embd = 32;
  c.n_positions = 64;
  c.vocab_size = 50;
  return c;
}

Gpt RandomModel(const GptConfig& c, uint64_t seed) { return testing::RandomGpt(c, seed); }

using testing::MaxAbsDiff;

TEST(GptTest, ParameterNamesAndShapesMatchHuggingFaceGpt2) {
  GptConfig c = SmallConfig();
  Gpt model(c);
  std::map<std::string, std::vector<int64_t>> want = {
      {"wte.weight", {50, 32}}, {"wpe.weight", {64, 32}}, {"ln_f.weight", {32}},
      {"ln_f.bias", {32}}};
  for (int i = 0; i < 2; ++i) {
    const std::string p = "h." + std::to_string(i) + ".";
    want[p + "ln_1.weight"] = {32};
    want[p + "ln_1.bias"] = {32};
    want[p + "attn.c_attn.weight"] = {96, 32};
    want[p + "attn.c_attn.bias"] = {96};
    want[p + "attn.c_proj.weight"] = {32, 32};
    want[p + "attn.c_proj.bias"] = {32};
    want[p + "ln_2.weight"] = {32};
    want[p + "ln_2.bias"] = {32};
    want[p + "mlp.c_fc.weight"] = {128, 32};
    want[p + "mlp.c_fc.bias"] = {128};
    want[p + "mlp.c_proj.weight"] = {32, 128};
    want[p + "mlp.c_proj.bias"] = {32};
  }
  std::map<std::string, std::vector<int64_t>> got;
  for (const auto& p : model->named_parameters()) got[p.key()] = p.value().sizes().vec();
  EXPECT_EQ(got, want);
}

TEST(GptTest, InitialisationFollowsGpt2) {
  GptConfig c = SmallConfig();
  torch::manual_seed(0);
  Gpt model(c);
  auto params = model->named_parameters();
  EXPECT_TRUE(params["ln_f.weight"].eq(1).all().item<bool>());
  EXPECT_TRUE(params["h.0.attn.c_attn.bias"].eq(0).all().item<bool>());
  EXPECT_NEAR(params["wte.weight"].std().item<double>(), 0.02, 0.003);
  EXPECT_NEAR(params["h.1.mlp.c_proj.weight"].std().item<double>(), 0.02 / std::sqrt(4.0), 0.002);
}

TEST(GptTest, MatchesPythonReferenceOnPaddedBatch) {
  GptConfig c = SmallConfig();
  Gpt model = RandomModel(c, 1);
  torch::manual_seed(2);
  std::vector<std::vector<int64_t>> contexts = {{1, 2, 3, 4, 5}, {7, 8}, {9, 10, 11}};
  std::vector<std::vector<int64_t>> responses = {{20, 21, 22}, {23, 24, 25, 26, 27}, {28}};
  PackedBatch batch = PackContextResponse(contexts, responses, /*pad_id=*/0);
  torch::NoGradGuard g;
  GptOutput out = model->forward(batch.ids, batch.attention_mask, batch.position_ids);
  ResponseScores scores = ScoreResponses(model, batch);

  const std::string dir = testing::TempDir("gpt_test_reference");
  testing::WriteRawTensors(dir + "/weights", testing::StateDict(model), testing::ConfigJson(c));
  testing::WriteRawTensors(dir + "/inputs",
                           {{"ids", batch.ids},
                            {"mask", batch.attention_mask},
                            {"pos", batch.position_ids},
                            {"response_mask", batch.response_mask}},
                           {{"context_len", batch.context_len}});
  ASSERT_EQ(testing::RunReference("gpt_eval.py", dir + "/weights " + dir + "/inputs " + dir + "/out"),
            0);
  auto ref = testing::ReadRawTensors(dir + "/out");
  // Compare only real (non-padding) positions: padding rows are meaningless.
  torch::Tensor real = batch.attention_mask.to(torch::kBool);  // (B, T)
  EXPECT_LT(MaxAbsDiff(out.logits.index({real}), ref["logits"].index({real})), 1e-4);
  EXPECT_LT(MaxAbsDiff(out.hidden.index({real}), ref["hidden"].index({real})), 1e-4);
  EXPECT_LT(MaxAbsDiff(scores.logprobs, ref["logprobs"]), 1e-4);
  EXPECT_LT(MaxAbsDiff(scores.entropy, ref["entropy"]), 1e-4);
  // The logits are not trivially equal (a real signal was compared).
  EXPECT_GT(out.logits.std().item<double>(), 0.1);
  std::filesystem::remove_all(dir);
}

TEST(GptTest, LeftPaddedRowsGiveSameLogitsAsUnpaddedRows) {
  GptConfig c = SmallConfig();
  Gpt model = RandomModel(c, 3);
  torch::NoGradGuard g;
  std::vector<std::vector<int64_t>> rows = {{5, 6, 7, 8, 9, 10, 11}, {12, 13, 14}, {15}};
  PackedBatch batch = PackContextResponse(rows, {{}, {}, {}}, /*pad_id=*/49);
  GptOutput padded = model->forward(batch.ids, batch.attention_mask);  // positions from the mask
  for (size_t i = 0; i < rows.size(); ++i) {
    const int64_t n = rows[i].size();
    torch::Tensor ids = torch::tensor(rows[i]).unsqueeze(0);  // (1, n)
    GptOutput alone = model->forward(ids);
    torch::Tensor got = padded.logits[i].narrow(0, batch.context_len - n, n);  // (n, V)
    EXPECT_LT(MaxAbsDiff(got, alone.logits[0]), 1e-5) << "row " << i;
  }
}

TEST(GptTest, RightPaddedRowsNeedNoKeyMaskAndMatchUnpaddedRows) {
  // Equal contexts with responses of different lengths: padding only after
  // the real tokens, the case where the forward drops the key mask.
  GptConfig c = SmallConfig();
  Gpt model = RandomModel(c, 5);
  torch::NoGradGuard g;
  std::vector<std::vector<int64_t>> contexts = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
  std::vector<std::vector<int64_t>> responses = {{10, 11, 12, 13}, {14}, {}};
  PackedBatch batch = PackContextResponse(contexts, responses, /*pad_id=*/49);
  GptOutput padded = model->forward(batch.ids, batch.attention_mask, batch.position_ids);
  // A left-padded row in the same batch still gets its key mask.
  PackedBatch mixed = PackContextResponse({{1, 2, 3}, {4}}, {{10, 11}, {12}}, /*pad_id=*/49);
  GptOutput mixed_out = model->forward(mixed.ids, mixed.attention_mask, mixed.position_ids);
  for (size_t i = 0; i < contexts.size(); ++i) {
    std::vector<int64_t> row = contexts[i];
    row.insert(row.end(), responses[i].begin(), responses[i].end());
    const int64_t n = row.size();
    GptOutput alone = model->forward(torch::tensor(row).unsqueeze(0));  // (1, n, V)
    EXPECT_LT(MaxAbsDiff(padded.logits[i].narrow(0, 0, n), alone.logits[0]), 1e-5) << "row " << i;
  }
  GptOutput short_alone = model->forward(torch::tensor(std::vector<int64_t>{4, 12}).unsqueeze(0));
  EXPECT_LT(MaxAbsDiff(mixed_out.logits[1].narrow(0, 2, 2), short_alone.logits[0]), 1e-5);
}

TEST(GptTest, KvCacheStepsEqualFullForward) {
  GptConfig c = SmallConfig();
  Gpt model = RandomModel(c, 4);
  torch::NoGradGuard g;
  PackedBatch batch = PackContextResponse({{1, 2, 3, 4}, {5, 6}}, {{7, 8, 9}, {10, 11, 12}}, 0);
  GptOutput full = model->forward(batch.ids, batch.attention_mask, batch.position_ids);
  KvCache cache(c, /*batch=*/2, /*capacity=*/batch.ids.size(1));
  const int64_t p = batch.context_len;
  std::vector<torch::Tensor> steps;
  steps.push_back(model->forward_step(batch.ids.narrow(1, 0, p), batch.attention_mask.narrow(1, 0, p),
                                      {}, cache).logits);
  for (int64_t t = p; t < batch.ids.size(1); ++t) {
    steps.push_back(model->forward_step(batch.ids.narrow(1, t, 1),
                                        batch.attention_mask.narrow(1, 0, t + 1), {}, cache)
                        .logits);
  }
  EXPECT_EQ(cache.length(), batch.ids.size(1));
  torch::Tensor stepped = torch::cat(steps, /*dim=*/1);  // (B, T, V)
  torch::Tensor real = batch.attention_mask.to(torch::kBool);
  EXPECT_LT(MaxAbsDiff(stepped.index({real}), full.logits.index({real})), 1e-5);
}

TEST(GptTest, TransposedInferenceWeightsGiveTheModulesOutputs) {
  GptConfig c = SmallConfig();
  Gpt model = RandomModel(c, 6);
  torch::NoGradGuard g;
  PackedBatch batch = PackContextResponse({{1, 2, 3, 4}, {5, 6}}, {{7, 8, 9}, {10}}, 0);
  const InferenceWeights w = model->TransposedWeights();
  torch::Tensor want = model->hidden_states(batch.ids, batch.attention_mask, batch.position_ids);
  torch::Tensor got = model->hidden_states(batch.ids, batch.attention_mask, batch.position_ids, &w);
  EXPECT_LT(MaxAbsDiff(got, want), 1e-5);
  EXPECT_LT(MaxAbsDiff(model->Logits(got, &w), model->Logits(want)), 1e-5);
  // A snapshot: changing the module afterwards does not change it.
  model->h[0]->as<Block>()->mlp->c_fc->weight.add_(1.0);
  torch::Tensor stale = model->hidden_states(batch.ids, batch.attention_mask, batch.position_ids, &w);
  EXPECT_LT(MaxAbsDiff(stale, got), 1e-6);
  EXPECT_GT(MaxAbsDiff(model->hidden_states(batch.ids, batch.attention_mask, batch.position_ids), got),
            1e-3);
}

TEST(GptTest, KvCacheRejectsOverflow) {
  GptConfig c = SmallConfig();
  Gpt model = RandomModel(c, 5);
  torch::NoGradGuard g;
  KvCache cache(c, 1, 4);
  torch::Tensor ids = torch::ones({1, 5}, torch::kLong);
  EXPECT_THROW(model->forward_step(ids, {}, {}, cache), c10::Error);
  EXPECT_THROW(KvCache(c, 1, c.n_positions + 1), c10::Error);
}

TEST(GptTest, RejectsSequencesLongerThanContext) {
  GptConfig c = SmallConfig();
  Gpt model(c);
  EXPECT_THROW(model->forward(torch::zeros({1, c.n_positions + 1}, torch::kLong)), c10::Error);
}

TEST(GptTest, ScoreResponsesIsDifferentiableAndMasksPadding) {
  GptConfig c = SmallConfig();
  Gpt model = RandomModel(c, 6);
  PackedBatch batch = PackContextResponse({{1, 2}, {3}}, {{4, 5, 6}, {7}}, 0);
  EXPECT_EQ(batch.context_len, 2);
  EXPECT_EQ(batch.last_index[0].item<int64_t>(), 4);
  EXPECT_EQ(batch.last_index[1].item<int64_t>(), 2);
  ResponseScores s = ScoreResponses(model, batch);
  EXPECT_EQ(s.logprobs.sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(s.logprobs[1][1].item<float>(), 0.0f);
  EXPECT_EQ(s.entropy[1][2].item<float>(), 0.0f);
  EXPECT_LT(s.logprobs[0][0].item<float>(), 0.0f);
  // Entropy of a V-way distribution lies in (0, log V].
  EXPECT_GT(s.entropy[0][0].item<float>(), 0.0f);
  EXPECT_LE(s.entropy[0][0].item<float>(), std::log(50.0f) + 1e-5);
  s.logprobs.sum().backward();
  EXPECT_GT(model->wte->weight.grad().abs().sum().item<double>(), 0.0);
}

TEST(GptTest, PackRejectsEmptyContext) {
  EXPECT_THROW(PackContextResponse({{}}, {{1}}, 0), c10::Error);
  EXPECT_THROW(PackContextResponse({{1}}, {}, 0), c10::Error);
}

}  // namespace
}  // namespace shammie::policy
