#include "policy/sampler.h"

#include <map>
#include <string>

#include "gtest/gtest.h"
#include "tests/policy/random_gpt.h"

namespace shammie::policy {
namespace {

GptConfig SmallConfig() {
  GptConfig c;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_embd = 32;
  c.n_positions = 96;
  c.vocab_size = 50;
  c.eos_token_id = 49;
  return c;
}

Gpt RandomModel(uint64_t seed, double std = 0.3) {
  return testing::RandomGpt(SmallConfig(), seed, std);
}

// A model whose next-token distribution is `probs` at every position:
// blocks and ln_f weights are zero, so hidden = ln_f.bias = e_0 and
// logits = wte[:, 0] = log(probs).
Gpt ConstantModel(const std::vector<double>& probs) {
  GptConfig c = SmallConfig();
  Gpt model(c);
  torch::NoGradGuard g;
  for (auto& p : model->parameters()) p.zero_();
  model->ln_f->bias[0] = 1.0;
  torch::Tensor logp = torch::tensor(probs, torch::kDouble).log().to(torch::kFloat32);
  model->wte->weight.select(1, 0).copy_(logp);
  return model;
}

using testing::MaxAbsDiff;

SamplerOptions Options(bool cache = true) {
  SamplerOptions o;
  o.eos_token_id = 49;
  o.pad_token_id = 0;
  o.use_kv_cache = cache;
  return o;
}

std::string Letters(const std::vector<int64_t>& ids) {
  std::string s;
  for (int64_t id : ids) s.push_back(static_cast<char>('a' + id % 26));
  return s;
}

std::vector<GenerationRequest> Prompts(SamplingParams params) {
  std::vector<std::vector<int64_t>> prompts = {{1, 2, 3, 4, 5, 6}, {7, 8}, {9, 10, 11, 12}};
  std::vector<GenerationRequest> out;
  for (auto& p : prompts) out.push_back({p, params});
  return out;
}

TEST(SamplerTest, GreedyWithKvCacheEqualsWithoutTokenForToken) {
  Gpt model = RandomModel(1);
  SamplingParams greedy;
  greedy.temperature = 0.0;
  greedy.max_new_tokens = 40;
  auto with = Sampler(model, Options(true)).Generate(Prompts(greedy));
  auto without = Sampler(model, Options(false)).Generate(Prompts(greedy));
  ASSERT_TRUE(with.ok()) << with.status();
  ASSERT_TRUE(without.ok()) << without.status();
  std::set<std::vector<int64_t>> distinct;
  for (size_t i = 0; i < with->size(); ++i) {
    EXPECT_EQ((*with)[i].tokens, (*without)[i].tokens) << "row " << i;
    distinct.insert((*with)[i].tokens);
  }
  EXPECT_GT(distinct.size(), 1u);  // the rows did depend on their prompts
}

TEST(SamplerTest, GreedyEqualsArgmaxOfFullForward) {
  Gpt model = RandomModel(2);
  SamplingParams greedy;
  greedy.temperature = 0.0;
  greedy.max_new_tokens = 15;
  auto got = Sampler(model, Options()).Generate(Prompts(greedy));
  ASSERT_TRUE(got.ok()) << got.status();
  torch::NoGradGuard g;
  std::vector<int64_t> seq = {7, 8};
  std::vector<int64_t> want;
  for (int i = 0; i < 15; ++i) {
    torch::Tensor logits = model->forward(torch::tensor(seq).unsqueeze(0)).logits;  // (1, T, V)
    int64_t next = logits[0][-1].argmax().item<int64_t>();
    want.push_back(next);
    if (next == 49) break;
    seq.push_back(next);
  }
  EXPECT_EQ((*got)[1].tokens, want);
}

TEST(SamplerTest, SameSeedSameTokensDifferentSeedDifferentTokens) {
  Gpt model = RandomModel(3, 0.1);
  SamplingParams params;
  params.max_new_tokens = 30;
  params.seed = 42;
  auto a = Sampler(model, Options()).Generate(Prompts(params));
  auto b = Sampler(model, Options()).Generate(Prompts(params));
  params.seed = 43;
  auto c = Sampler(model, Options()).Generate(Prompts(params));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ((*a)[i].tokens, (*b)[i].tokens);
  EXPECT_NE((*a)[0].tokens, (*c)[0].tokens);
}

TEST(SamplerTest, RequestTextIsIndependentOfBatchComposition) {
  Gpt model = RandomModel(4, 0.1);
  SamplingParams params;
  params.max_new_tokens = 30;
  params.seed = 7;
  params.top_p = 0.9;
  GenerationRequest alone{{9, 10, 11, 12}, params};
  auto single = Sampler(model, Options()).Generate({alone});
  std::vector<GenerationRequest> batch = Prompts(params);
  batch[0].params.seed = 99;
  batch[1].params.temperature = 0.0;
  batch.push_back({{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, params});
  auto batched = Sampler(model, Options()).Generate(batch);
  ASSERT_TRUE(single.ok() && batched.ok());
  EXPECT_EQ((*single)[0].tokens, (*batched)[2].tokens);
}

TEST(SamplerTest, RecordedScoresEqualAFullForwardOverTheCompletions) {
  Gpt model = RandomModel(5, 0.1);
  SamplingParams params;
  params.max_new_tokens = 12;
  params.seed = 3;
  params.temperature = 0.7;
  std::vector<GenerationRequest> requests = Prompts(params);
  requests[2].params.max_new_tokens = 5;  // a row that ends before the others
  GenerationScores scores;
  auto got = Sampler(model, Options()).Generate(requests, &scores);
  ASSERT_TRUE(got.ok()) << got.status();
  std::vector<std::vector<int64_t>> contexts, responses;
  for (size_t i = 0; i < requests.size(); ++i) {
    contexts.push_back(requests[i].prompt);
    responses.push_back((*got)[i].tokens);
  }
  torch::NoGradGuard g;
  PackedBatch batch = PackContextResponse(contexts, responses, /*pad_id=*/0);
  const int64_t p = batch.context_len, r = batch.response_mask.size(1);
  ASSERT_EQ(scores.logprobs.sizes(), batch.response_mask.sizes());
  ASSERT_EQ(scores.hidden.sizes(), (std::vector<int64_t>{3, r, SmallConfig().n_embd}));
  torch::Tensor hidden = model->hidden_states(batch.ids, batch.attention_mask,
                                              batch.position_ids);              // (B, P + R, C)
  torch::Tensor before = hidden.narrow(1, p - 1, r) * batch.response_mask.unsqueeze(-1);  // (B, R, C)
  torch::Tensor logits = model->Logits(before) / 0.7;                            // (B, R, V)
  torch::Tensor targets = batch.ids.narrow(1, p, r);                             // (B, R)
  torch::Tensor want_logp = TokenLogProbs(logits, targets) * batch.response_mask;  // (B, R)
  torch::Tensor want_ent = TokenEntropy(logits) * batch.response_mask;            // (B, R)
  EXPECT_LT(MaxAbsDiff(scores.logprobs, want_logp), 1e-5);
  EXPECT_LT(MaxAbsDiff(scores.entropy, want_ent), 1e-5);
  EXPECT_LT(MaxAbsDiff(scores.hidden, before), 1e-5);
  // Row 2 stopped after 5 tokens: its later columns are zero, earlier ones are not.
  EXPECT_EQ(scores.logprobs[2].narrow(0, 5, r - 5).abs().sum().item<double>(), 0.0);
  EXPECT_LT(scores.logprobs[2][0].item<double>(), 0.0);
}

TEST(SamplerTest, SamplingMaskKeepsTopKThenTopP) {
  // Probabilities in a shuffled vocabulary order: token 3 is the likeliest.
  std::vector<double> p = {0.1, 0.15, 0.05, 0.5, 0.2};
  torch::Tensor logits = torch::tensor(p).log().to(torch::kFloat32).unsqueeze(0).repeat({5, 1});
  torch::Tensor top_k = torch::tensor(std::vector<int64_t>{2, 0, 0, 3, 0});
  torch::Tensor top_p = torch::tensor(std::vector<float>{1.0f, 0.6f, 0.5f, 0.8f, 1.0f});
  torch::Tensor mask = SamplingMask(logits, top_k, top_p).to(torch::kLong);
  auto row = [&](int i) {
    torch::Tensor r = mask[i].contiguous();
    return std::vector<int64_t>(r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + 5);
  };
  EXPECT_EQ(row(0), (std::vector<int64_t>{0, 0, 0, 1, 1}));  // top-2
  EXPECT_EQ(row(1), (std::vector<int64_t>{0, 0, 0, 1, 1}));  // 0.5 + 0.2 reaches 0.6
  EXPECT_EQ(row(2), (std::vector<int64_t>{0, 0, 0, 1, 0}));  // 0.5 alone reaches 0.5
  EXPECT_EQ(row(3), (std::vector<int64_t>{0, 0, 0, 1, 1}));  // top-3 renormalised: .59+.24 ≥ .8
  EXPECT_EQ(row(4), (std::vector<int64_t>{1, 1, 1, 1, 1}));  // off
}

// Frequencies of 64 rows × 60 tokens from a model with a fixed distribution.
std::vector<double> Frequencies(const SamplingParams& params, const std::vector<double>& probs) {
  Gpt model = ConstantModel(probs);
  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < 64; ++i) {
    SamplingParams p = params;
    p.seed = 1000 + i;
    p.max_new_tokens = 60;
    reqs.push_back({{1}, p});
  }
  auto out = Sampler(model, Options()).Generate(reqs);
  EXPECT_TRUE(out.ok()) << out.status();
  std::vector<double> freq(probs.size());
  double total = 0;
  for (const auto& c : *out) {
    for (int64_t t : c.tokens) {
      freq[t] += 1;
      total += 1;
    }
  }
  for (double& f : freq) f /= total;
  return freq;
}

std::vector<double> FiveTokens() {
  std::vector<double> probs(50, 1e-9);
  probs[10] = 0.4, probs[11] = 0.3, probs[12] = 0.2, probs[13] = 0.1;
  return probs;
}

TEST(SamplerTest, SamplesFollowTheDistributionAndFilters) {
  std::vector<double> probs = FiveTokens();
  SamplingParams plain;
  std::vector<double> f = Frequencies(plain, probs);
  for (int t = 10; t <= 13; ++t) EXPECT_NEAR(f[t], probs[t], 0.03) << t;

  SamplingParams top2;
  top2.top_k = 2;
  f = Frequencies(top2, probs);
  EXPECT_NEAR(f[10], 0.4 / 0.7, 0.03);
  EXPECT_NEAR(f[11], 0.3 / 0.7, 0.03);
  EXPECT_EQ(f[12] + f[13], 0.0);

  SamplingParams nucleus;
  nucleus.top_p = 0.85;  // keeps 10, 11, 12 (0.4 + 0.3 < 0.85)
  f = Frequencies(nucleus, probs);
  EXPECT_NEAR(f[12], 0.2 / 0.9, 0.03);
  EXPECT_EQ(f[13], 0.0);

  SamplingParams cold;
  cold.temperature = 0.5;  // p^2 renormalised: 0.16/0.30 for token 10
  f = Frequencies(cold, probs);
  EXPECT_NEAR(f[10], 0.16 / 0.30, 0.03);
}

TEST(SamplerTest, StopsAtEndOfTextAndMaxNewTokensPerRow) {
  std::vector<double> probs(50, 1e-9);
  probs[49] = 1.0;  // always end-of-text
  Gpt eos_model = ConstantModel(probs);
  SamplingParams params;
  auto out = Sampler(eos_model, Options(), Letters).Generate({{{1, 2}, params}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].tokens, (std::vector<int64_t>{49}));
  EXPECT_EQ((*out)[0].finish, FinishReason::kEndOfText);
  EXPECT_EQ((*out)[0].text, "");

  Gpt model = ConstantModel(FiveTokens());
  std::vector<GenerationRequest> reqs(3, {{1, 2}, params});
  reqs[0].params.max_new_tokens = 0;
  reqs[1].params.max_new_tokens = 3;
  reqs[2].params.max_new_tokens = 9;
  out = Sampler(model, Options()).Generate(reqs);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].tokens.size(), 0u);
  EXPECT_EQ((*out)[1].tokens.size(), 3u);
  EXPECT_EQ((*out)[2].tokens.size(), 9u);
  EXPECT_EQ((*out)[2].finish, FinishReason::kLength);
}

TEST(SamplerTest, StopStringEndsGenerationAndIsCutFromText) {
  Gpt model = RandomModel(5, 0.1);
  SamplingParams params;
  params.seed = 3;
  params.max_new_tokens = 40;
  auto free = Sampler(model, Options(), Letters).Generate({{{1, 2, 3}, params}});
  ASSERT_TRUE(free.ok());
  const std::string text = (*free)[0].text;
  ASSERT_EQ(text.size(), 40u);
  const std::string stop = text.substr(20, 3);
  const size_t at = text.find(stop);
  params.stop = {"never-there", stop};
  auto stopped = Sampler(model, Options(), Letters).Generate({{{1, 2, 3}, params}});
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ((*stopped)[0].finish, FinishReason::kStopString);
  EXPECT_EQ((*stopped)[0].text, text.substr(0, at));
  EXPECT_EQ((*stopped)[0].tokens.size(), at + 3);
}

TEST(SamplerTest, RejectsBadRequestsNamingTheField) {
  Gpt model = RandomModel(6);
  Sampler sampler(model, Options());
  auto check = [&](GenerationRequest r, absl::StatusCode code, const std::string& field) {
    auto out = sampler.Generate({{{1}, {}}, r});
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().code(), code);
    EXPECT_NE(out.status().message().find(field), absl::string_view::npos) << out.status();
  };
  GenerationRequest r{{1, 2}, {}};
  check({{}, {}}, absl::StatusCode::kInvalidArgument, "requests[1].prompt");
  check({{1, 50}, {}}, absl::StatusCode::kInvalidArgument, "requests[1].prompt");
  r.params.temperature = -1;
  check(r, absl::StatusCode::kInvalidArgument, "requests[1].temperature");
  r.params = {};
  r.params.top_p = 0;
  check(r, absl::StatusCode::kInvalidArgument, "requests[1].top_p");
  r.params = {};
  r.params.top_k = -2;
  check(r, absl::StatusCode::kInvalidArgument, "requests[1].top_k");
  r.params = {};
  r.params.max_new_tokens = 95;
  check(r, absl::StatusCode::kInvalidArgument, "requests[1].prompt (2 tokens) + max_new_tokens");
  r.params = {};
  r.params.stop = {"x"};
  check(r, absl::StatusCode::kFailedPrecondition, "requests[1].");
  EXPECT_EQ(sampler.Generate({}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shammie::policy
