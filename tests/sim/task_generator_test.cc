#include "sim/task_generator.h"

#include <map>

#include "gtest/gtest.h"
#include "sim/gold_reward.h"

namespace shammie::sim {
namespace {

TEST(TaskGeneratorTest, SameSeedSameCorpusDifferentSeedDifferentCorpus) {
  TaskGenerator a(42), b(42), c(43);
  const auto ca = a.Corpus(200), cb = b.Corpus(200), cc = c.Corpus(200);
  EXPECT_EQ(ca, cb);
  EXPECT_NE(ca, cc);
  TaskGenerator d(42), e(42);
  for (int i = 0; i < 50; ++i) {
    const Prompt pd = d.NextPrompt(), pe = e.NextPrompt();
    EXPECT_EQ(pd.context, pe.context);
    const auto cd = d.Candidates(pd), ce = e.Candidates(pe);
    ASSERT_EQ(cd.size(), ce.size());
    for (size_t k = 0; k < cd.size(); ++k) EXPECT_EQ(cd[k].response, ce[k].response);
  }
}

TEST(TaskGeneratorTest, BestCandidateScoresBestAndEveryFlawedOneScoresLess) {
  TaskGenerator gen(7);
  for (int f = 0; f < kNumPromptFamilies; ++f) {
    for (int i = 0; i < 200; ++i) {
      const Prompt p = gen.NextPrompt(static_cast<PromptFamily>(f));
      const auto cands = gen.Candidates(p);
      ASSERT_GE(cands.size(), 4u);
      EXPECT_EQ(cands.front().kind, ResponseKind::kBest);
      EXPECT_DOUBLE_EQ(GoldReward::Reward(p.context, cands.front().response), kBestGoldReward)
          << p.human << " →" << cands.front().response;
      for (size_t k = 1; k < cands.size(); ++k) {
        EXPECT_NE(cands[k].kind, ResponseKind::kBest);
        EXPECT_LT(GoldReward::Reward(p.context, cands[k].response), kBestGoldReward - 0.05)
            << p.human << " →" << cands[k].response;
      }
    }
  }
}

TEST(TaskGeneratorTest, SizedForATinyByteModel) {
  TaskGenerator gen(3);
  std::map<PromptFamily, int> families;
  for (int i = 0; i < 2000; ++i) {
    const Prompt p = gen.NextPrompt();
    ++families[p.spec.family];
    EXPECT_LE(p.human.size(), 24u) << p.human;
    EXPECT_EQ(p.context, DialogContext(p.human));
    for (const Candidate& c : gen.Candidates(p)) {
      EXPECT_LE(c.response.size(), 48u) << c.response;
      ASSERT_FALSE(c.response.empty());
      EXPECT_EQ(c.response[0], ' ');
    }
  }
  // All four families appear with roughly their weights (0.3, 0.3, 0.2, 0.2).
  EXPECT_NEAR(families[PromptFamily::kArithmetic] / 2000.0, 0.3, 0.04);
  EXPECT_NEAR(families[PromptFamily::kList] / 2000.0, 0.3, 0.04);
  EXPECT_NEAR(families[PromptFamily::kSmallTalk] / 2000.0, 0.2, 0.04);
  EXPECT_NEAR(families[PromptFamily::kHarmful] / 2000.0, 0.2, 0.04);
}

TEST(TaskGeneratorTest, CorpusDialogsAreSingleTurnsInTheHhFormat) {
  TaskGenerator gen(5);
  for (const std::string& d : gen.Corpus(500)) {
    ASSERT_EQ(d.rfind("\n\nHuman: ", 0), 0u) << d;
    const size_t at = d.find("\n\nAssistant: ");
    ASSERT_NE(at, std::string::npos) << d;
    EXPECT_EQ(d.find("\n\nHuman: ", 1), std::string::npos) << d;
    EXPECT_LE(d.size(), 24u + 22u + 48u);
  }
}

TEST(TaskGeneratorTest, CorpusLeavesClearHeadroomBelowTheBest) {
  const TaskHeadroom h = MeasureHeadroom(/*seed=*/1, /*n=*/20000);
  std::printf("{\"corpus_mean_gold\": %.3f, \"best_mean_gold\": %.3f}\n", h.corpus_mean,
              h.best_mean);
  EXPECT_DOUBLE_EQ(h.best_mean, kBestGoldReward);
  EXPECT_LT(h.corpus_mean, h.best_mean - 0.5);
  EXPECT_GT(h.corpus_mean, -0.5);  // still mostly sensible dialog to imitate
  // A corpus of only best responses has no headroom: the mix is what makes it.
  TaskOptions all_best;
  all_best.best_fraction = 1.0;
  EXPECT_DOUBLE_EQ(MeasureHeadroom(1, 2000, all_best).corpus_mean, kBestGoldReward);
}

}  // namespace
}  // namespace shammie::sim
