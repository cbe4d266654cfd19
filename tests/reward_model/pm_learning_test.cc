// Proof that the PM learns (LABEL learning): synthetic comparisons from
// sim/ labeled by the simulated Bradley–Terry labeler (≈70% agreement with
// gold), a tiny GPT trunk, one epoch. Checks held-out accuracy against the
// gold ordering ≥ 0.75 and ECE ≤ 0.05 against the noisy labels, and that the
// ranked loss beats the imitation baseline on the same data. Prints the
// numbers (docs/results.md records them).
#include <cstdio>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "reward_model/pm_trainer.h"
#include "sim/comparison_pairs.h"
#include "sim/simulated_labeler.h"

namespace shammie::reward_model {
namespace {

constexpr int64_t kEos = 256;

int EnvInt(const char* name, int def) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : def;
}

struct Labeled {
  std::vector<PmPair> pairs;
  std::vector<int> gold;  // +1 A better by gold, −1 B better
};

Labeled MakeData(uint64_t seed, int n) {
  sim::PairGenerator gen(seed);
  sim::SimulatedLabeler labeler({sim::kDefaultLabelerTemperature, seed + 17});
  Labeled out;
  for (const sim::ComparisonPair& c : gen.Take(n)) {
    const int pref = labeler.ChooseByGold(c.gold_a, c.gold_b);
    PmPair p;
    p.context = c.context;
    p.response_a = c.a;
    p.response_b = c.b;
    p.a_preferred = sim::SimulatedLabeler::PrefersA(pref);
    p.strength = p.a_preferred ? 5 - pref : pref - 4;
    // The family as the "labeler", so the report's per-labeler accuracy
    // shows which families the PM learned.
    p.labeler = sim::PromptFamilyName(c.family);
    p.source = "simulated";
    out.pairs.push_back(std::move(p));
    out.gold.push_back(c.gold_a > c.gold_b ? 1 : -1);
  }
  return out;
}

v1::PmReport TrainAndEvaluate(v1::PmLoss loss, const Labeled& train, const Labeled& test) {
  torch::manual_seed(1);
  policy::GptConfig config;
  config.n_layer = EnvInt("PM_LAYERS", 2);
  config.n_head = 4;
  config.n_embd = EnvInt("PM_EMBD", 64);
  config.n_positions = 128;
  PreferenceModel model{policy::Gpt(config)};
  PmTrainOptions o;
  o.loss = loss;
  o.batch_size = EnvInt("PM_BATCH", 32);
  o.learning_rate = EnvInt("PM_LR_E4", 10) * 1e-4;
  o.seed = 3;
  auto trainer = PmTrainer::Create(model, EncodeBytes, kEos, train.pairs, o);
  EXPECT_TRUE(trainer.ok()) << trainer.status();
  PmStepStats last;
  absl::Status s = (*trainer)->Train({[&](const PmStepStats& st) { last = st; }, nullptr, 0, nullptr});
  EXPECT_TRUE(s.ok()) << s;
  v1::PmReport report;
  Evaluate(ScorePairs(model, EncodeBytes, kEos, test.pairs, loss, 64, test.gold), &report);
  std::printf("%-24s steps=%lld pairs/s=%.0f  test_acc=%.3f gold_acc=%.3f ece=%.3f loss=%.3f\n",
              v1::PmLoss_Name(loss).c_str(), static_cast<long long>(last.step),
              last.pairs_per_second, report.test_accuracy(), report.gold_accuracy(), report.ece(),
              report.test_loss());
  for (const auto& [family, acc] : report.accuracy_by_labeler()) {
    std::printf("    %-12s label accuracy %.3f\n", family.c_str(), acc);
  }
  for (const v1::ReliabilityBin& b : report.reliability()) {
    std::printf("    P(A>B) in [%.1f, %.1f): n=%4llu mean predicted %.3f observed %.3f\n",
                b.predicted_low(), b.predicted_high(), static_cast<unsigned long long>(b.count()),
                b.mean_predicted(), b.observed());
  }
  return report;
}

TEST(PmLearningTest, RankedPmLearnsGoldOrderingCalibratedAndBeatsImitation) {
  const Labeled train = MakeData(/*seed=*/11, EnvInt("PM_TRAIN", 10000));
  const Labeled test = MakeData(/*seed=*/12345, EnvInt("PM_TEST", 2000));
  const v1::PmReport ranked = TrainAndEvaluate(v1::PM_LOSS_RANKED, train, test);
  EXPECT_GE(ranked.gold_accuracy(), 0.75);
  EXPECT_LE(ranked.ece(), 0.05);
  const v1::PmReport imitation = TrainAndEvaluate(v1::PM_LOSS_IMITATION, train, test);
  EXPECT_GT(ranked.gold_accuracy(), imitation.gold_accuracy());
  EXPECT_GT(ranked.test_accuracy(), imitation.test_accuracy());
}

}  // namespace
}  // namespace shammie::reward_model
