// PM checkpoint folders: round trip (same scores, same offset), written
// atomically (no temporary folder left, an existing folder is never
// replaced), base policies in both formats, missing folders named.
#include "reward_model/pm_checkpoint.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "policy/byte_tokenizer.h"
#include "policy/checkpoint.h"
#include "reward_model/pm_trainer.h"
#include "tests/lib/temp_dir.h"

namespace shammie::reward_model {
namespace {

namespace fs = std::filesystem;

policy::GptConfig Tiny() {
  policy::GptConfig c;
  c.n_layer = 1;
  c.n_head = 2;
  c.n_embd = 16;
  c.n_positions = 32;
  return c;
}

TEST(PmCheckpointTest, RoundTripKeepsScoresAndOffsetAndLeavesNoTemporaryFolder) {
  testing::TempDir dir;
  torch::manual_seed(1);
  PreferenceModel pm{policy::Gpt(Tiny())};
  {
    torch::NoGradGuard no_grad;
    pm->head->weight.normal_();
    pm->score_offset.fill_(0.25);
  }
  v1::PmReport report;
  report.set_test_accuracy(0.7);
  v1::PmJobSpec spec;
  spec.set_base_checkpoint("/base");
  const std::string out = dir.Sub("pm");
  ASSERT_TRUE(WritePmCheckpoint(pm, report, spec, out).ok());
  for (const auto& e : fs::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename(), "pm") << "left behind: " << e.path();
  }
  for (const char* f : {"pm_model.pt", "config.json", "report.json", "lineage.json"}) {
    EXPECT_TRUE(fs::exists(fs::path(out) / f)) << f;
  }
  auto loaded = LoadPmCheckpoint(out);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_DOUBLE_EQ((*loaded)->score_offset.item<double>(), 0.25);
  auto a = ScoreTexts(pm, EncodeBytes, 256, {"\n\nHuman: hi\n\nAssistant:"}, {" hello"}, 4);
  auto b = ScoreTexts(*loaded, EncodeBytes, 256, {"\n\nHuman: hi\n\nAssistant:"}, {" hello"}, 4);
  EXPECT_DOUBLE_EQ(a[0], b[0]);
  // An existing folder is never replaced.
  EXPECT_EQ(WritePmCheckpoint(pm, report, spec, out).code(), absl::StatusCode::kAlreadyExists);
}

TEST(PmCheckpointTest, BasePolicyLoadsFromBothFormats) {
  testing::TempDir dir;
  torch::manual_seed(2);
  policy::Gpt model(Tiny());
  ASSERT_TRUE(SaveBasePolicy(model, dir.Sub("pt")).ok());
  policy::ByteTokenizer tokenizer;
  ASSERT_TRUE(policy::SaveCheckpoint(dir.Sub("st"), model, tokenizer).ok());
  auto ids = torch::tensor({{72L, 105L, 256L}});
  torch::NoGradGuard no_grad;
  const auto want = model->hidden_states(ids);
  for (const char* sub : {"pt", "st"}) {
    auto loaded = LoadBasePolicy(dir.Sub(sub));
    ASSERT_TRUE(loaded.ok()) << sub << ": " << loaded.status();
    EXPECT_TRUE(torch::allclose((*loaded)->hidden_states(ids), want, 1e-5, 1e-6)) << sub;
  }
}

TEST(PmCheckpointTest, MissingFoldersAreNotFoundNamingThePath) {
  auto base = LoadBasePolicy("/no/such/policy");
  EXPECT_EQ(base.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(base.status().message().find("/no/such/policy"), absl::string_view::npos);
  EXPECT_EQ(LoadPmCheckpoint("/no/such/pm").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace shammie::reward_model
