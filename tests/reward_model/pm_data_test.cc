// Data preparation: dedup counting, split by conversation, halves, labels.
#include "reward_model/pm_data.h"

#include <set>

#include "gtest/gtest.h"

namespace shammie::reward_model {
namespace {

v1::Comparison Make(const std::string& first_turn, const std::string& a, const std::string& b,
                    int preference, const std::string& labeler = "sim-1", int extra_turns = 0) {
  v1::Comparison c;
  c.set_id("c-" + first_turn + a + b + std::to_string(preference) + labeler);
  auto* t = c.mutable_context()->add_turns();
  t->set_role(v1::HUMAN);
  t->set_text(first_turn);
  for (int i = 0; i < extra_turns; ++i) {
    auto* as = c.mutable_context()->add_turns();
    as->set_role(v1::ASSISTANT);
    as->set_text("reply");
    auto* h = c.mutable_context()->add_turns();
    h->set_role(v1::HUMAN);
    h->set_text("more " + std::to_string(i));
  }
  c.mutable_response_a()->set_text(a);
  c.mutable_response_b()->set_text(b);
  c.set_preference(preference);
  c.set_labeler(labeler);
  c.set_source(v1::SOURCE_SIMULATED);
  return c;
}

TEST(ToPairTest, PreferenceScaleToLabelAndStrength) {
  EXPECT_TRUE(ToPair(Make("q", "a", "b", 1))->a_preferred);
  EXPECT_EQ(ToPair(Make("q", "a", "b", 1))->strength, 4);
  EXPECT_EQ(ToPair(Make("q", "a", "b", 4))->strength, 1);
  EXPECT_FALSE(ToPair(Make("q", "a", "b", 5))->a_preferred);
  EXPECT_EQ(ToPair(Make("q", "a", "b", 5))->strength, 1);
  EXPECT_EQ(ToPair(Make("q", "a", "b", 8))->strength, 4);
  EXPECT_EQ(ToPair(Make("q", "a", "b", 7))->chosen(), "b");
  EXPECT_EQ(ToPair(Make("q", "a", "b", 0)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(ToPair(Make("q", "a", "b", 9)).status().message().find("preference"),
            absl::string_view::npos);
}

TEST(RenderContextTest, DialogFormatEndsAtTheAssistantTag) {
  EXPECT_EQ(RenderContext(Make("hi", "a", "b", 1, "l", 1).context()),
            "\n\nHuman: hi\n\nAssistant: reply\n\nHuman: more 0\n\nAssistant:");
}

TEST(PrepareDataTest, ExactDuplicatesAreCountedAndDropped) {
  std::vector<v1::Comparison> in = {
      Make("q1", "a", "b", 2), Make("q1", "a", "b", 2),  // duplicate
      Make("q1", "a", "b", 2), Make("q1", "a", "b", 3),  // another duplicate; different pref
      Make("q1", "a", "b", 2, "sim-2"),                  // another labeler: kept
  };
  in[1].set_seq(7);  // only id/seq/time differ in a duplicate
  auto out = PrepareData(in, {0.0, 1, 0});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->duplicates_dropped, 2u);
  EXPECT_EQ(out->train.size(), 3u);
  EXPECT_TRUE(out->test.empty());
}

TEST(PrepareDataTest, SplitKeepsEachConversationOnOneSideNearTheFraction) {
  std::vector<v1::Comparison> in;
  for (int q = 0; q < 2000; ++q) {
    in.push_back(Make("question " + std::to_string(q), "a", "b", 1));
    in.push_back(Make("question " + std::to_string(q), "c", "d", 8, "sim-1", /*extra=*/1));
  }
  auto out = PrepareData(in, {0.05, 42, 0});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->train.size() + out->test.size(), in.size());
  std::set<std::string> train_convs, test_convs;
  for (const auto& p : out->train) train_convs.insert(p.context.substr(0, p.context.find("\n\nAssistant")));
  for (const auto& p : out->test) test_convs.insert(p.context.substr(0, p.context.find("\n\nAssistant")));
  for (const auto& c : test_convs) EXPECT_EQ(train_convs.count(c), 0u) << c;
  const double fraction = static_cast<double>(out->test.size()) / in.size();
  EXPECT_GT(fraction, 0.035);
  EXPECT_LT(fraction, 0.065);
  // Follow-up turns stay with their conversation: both pairs of a question
  // are on the same side, so the test side has an even count.
  EXPECT_EQ(out->test.size() % 2, 0u);
}

TEST(PrepareDataTest, SeedChoosesTheSplitDeterministically) {
  std::vector<v1::Comparison> in;
  for (int q = 0; q < 400; ++q) in.push_back(Make("q" + std::to_string(q), "a", "b", 1));
  auto a = PrepareData(in, {0.2, 1, 0});
  auto again = PrepareData(in, {0.2, 1, 0});
  auto other = PrepareData(in, {0.2, 2, 0});
  ASSERT_EQ(a->test.size(), again->test.size());
  for (size_t i = 0; i < a->test.size(); ++i) EXPECT_EQ(a->test[i].context, again->test[i].context);
  bool differs = a->test.size() != other->test.size();
  for (size_t i = 0; !differs && i < a->test.size(); ++i) {
    differs = a->test[i].context != other->test[i].context;
  }
  EXPECT_TRUE(differs);
}

TEST(PrepareDataTest, HalvesAreDisjointAndCoverEverything) {
  std::vector<v1::Comparison> in;
  for (int q = 0; q < 400; ++q) in.push_back(Make("q" + std::to_string(q), "a", "b", 1));
  auto h1 = PrepareData(in, {0.0, 5, 1});
  auto h2 = PrepareData(in, {0.0, 5, 2});
  EXPECT_EQ(h1->train.size() + h2->train.size(), in.size());
  EXPECT_EQ(h1->outside_half, h2->train.size());
  std::set<std::string> first;
  for (const auto& p : h1->train) first.insert(p.context);
  for (const auto& p : h2->train) EXPECT_EQ(first.count(p.context), 0u);
  EXPECT_GT(h1->train.size(), 150u);
  EXPECT_GT(h2->train.size(), 150u);
}

TEST(PrepareDataTest, BadOptionsNameTheField) {
  auto r = PrepareData({}, {1.0, 0, 0});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("test_fraction"), absl::string_view::npos);
  auto h = PrepareData({}, {0.05, 0, 3});
  EXPECT_NE(h.status().message().find("data_half"), absl::string_view::npos);
}

}  // namespace
}  // namespace shammie::reward_model
