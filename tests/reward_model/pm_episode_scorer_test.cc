#include "reward_model/pm_episode_scorer.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "reward_model/pm_checkpoint.h"
#include "reward_model/pm_trainer.h"

namespace shammie::reward_model {
namespace {

std::vector<int64_t> Bytes(absl::string_view s) {
  return std::vector<int64_t>(reinterpret_cast<const unsigned char*>(s.data()),
                              reinterpret_cast<const unsigned char*>(s.data()) + s.size());
}

// The scorer reads the policy's token ids; it must agree with the PM's own
// text path (ScoreTexts) minus the stored offset, with or without a final
// end-of-text in the response.
TEST(PmEpisodeScorerTest, MatchesTextScoringMinusOffset) {
  torch::manual_seed(4);
  policy::GptConfig config;
  config.n_layer = 1;
  config.n_head = 2;
  config.n_embd = 32;
  config.n_positions = 64;
  PreferenceModel pm{policy::Gpt(config)};
  {
    torch::NoGradGuard no_grad;
    pm->head->weight.normal_(0, 1);
    pm->score_offset.fill_(0.25);
  }
  const std::string dir = ::testing::TempDir() + "/pm_episode_scorer_pm";
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(WritePmCheckpoint(pm, {}, {}, dir).ok());

  std::vector<std::string> contexts = {"\n\nHuman: What is 2 plus 2?\n\nAssistant:",
                                       "\n\nHuman: Hi!\n\nAssistant:"};
  std::vector<std::string> responses = {" 4.", " Hello, how can I help you today?"};
  std::vector<double> want = ScoreTexts(pm, Bytes, config.eos_token_id, contexts, responses, 8);

  absl::StatusOr<std::unique_ptr<policy::EpisodeScorer>> scorer = LoadPmEpisodeScorer(dir);
  ASSERT_TRUE(scorer.ok()) << scorer.status();
  std::vector<policy::PpoPrompt> prompts(2);
  std::vector<policy::Episode> episodes(2);
  for (int i = 0; i < 2; ++i) {
    prompts[i] = {contexts[i], Bytes(contexts[i])};
    episodes[i].prompt = &prompts[i];
    episodes[i].response_ids = Bytes(responses[i]);
    episodes[i].response = responses[i];
  }
  episodes[1].response_ids.push_back(config.eos_token_id);  // it stopped at end-of-text
  absl::StatusOr<std::vector<double>> got = (*scorer)->Score(episodes);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 2u);
  for (int i = 0; i < 2; ++i) EXPECT_NEAR((*got)[i], want[i] - 0.25, 1e-5) << i;
  EXPECT_NE((*got)[0], (*got)[1]);
}

TEST(PmEpisodeScorerTest, MissingCheckpointIsNotFound) {
  auto s = LoadPmEpisodeScorer(::testing::TempDir() + "/no_such_pm");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound) << s.status();
}

}  // namespace
}  // namespace shammie::reward_model
