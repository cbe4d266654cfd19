// Scoring pairs with the rows sharded over the cores (policy/sharded_batch.h)
// gives the scores of one thread, pair by pair.
#include <cmath>
#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "reward_model/pm_trainer.h"

namespace shammie::reward_model {
namespace {

constexpr int64_t kEos = 256;

std::vector<PmPair> Pairs() {
  std::vector<PmPair> out;
  for (int i = 0; i < 64; ++i) {
    PmPair p;
    p.context = "\n\nHuman: What is " + std::to_string(i % 9) + " plus 2?" +
                std::string(7 * (i % 6), 'x') + "\n\nAssistant:";
    p.response_a = " " + std::to_string(i % 9 + 2) + "." + std::string(i % 3, ' ');
    p.response_b = " I will not say." + std::string(i % 5, '!');
    p.a_preferred = (i % 4) != 0;
    out.push_back(std::move(p));
  }
  return out;
}

TEST(PmTrainerShardsTest, ScoringIsTheSameWithOneShardOrTwo) {
  torch::manual_seed(5);
  policy::GptConfig c;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_embd = 64;
  c.n_positions = 64;
  PreferenceModel model{policy::Gpt(c)};
  {
    torch::NoGradGuard no_grad;
    model->head->weight.normal_();  // a zero head scores everything 0
  }
  std::vector<PmPair> pairs = Pairs();
  std::vector<int> gold(pairs.size(), 1);
  setenv("SHAMMIE_BATCH_THREADS", "1", 1);
  std::vector<ScoredPair> one =
      ScorePairs(model, EncodeBytes, kEos, pairs, v1::PM_LOSS_RANKED, 8, gold);
  setenv("SHAMMIE_BATCH_THREADS", "2", 1);
  std::vector<ScoredPair> two =
      ScorePairs(model, EncodeBytes, kEos, pairs, v1::PM_LOSS_RANKED, 8, gold);
  unsetenv("SHAMMIE_BATCH_THREADS");
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_NEAR(one[i].score_a, two[i].score_a, 1e-5) << i;
    EXPECT_NEAR(one[i].score_b, two[i].score_b, 1e-5) << i;
    EXPECT_EQ(one[i].a_preferred, two[i].a_preferred);
  }
  EXPECT_GT(std::abs(one[0].score_a - one[0].score_b), 1e-3);
}

}  // namespace
}  // namespace shammie::reward_model
