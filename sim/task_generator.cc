#include "sim/task_generator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "sim/gold_reward.h"

namespace shammie::sim {

TaskGenerator::TaskGenerator(uint64_t seed, TaskOptions options)
    : rng_(seed), options_(options) {}

Prompt TaskGenerator::NextPrompt() {
  double total = 0;
  for (double w : options_.family_weights) total += w;
  double u = rng_.UniformDouble() * total;
  int family = 0;
  while (family + 1 < kNumPromptFamilies && u >= options_.family_weights[family]) {
    u -= options_.family_weights[family];
    ++family;
  }
  return NextPrompt(static_cast<PromptFamily>(family));
}

Prompt TaskGenerator::NextPrompt(PromptFamily family) {
  PromptSpec spec;
  spec.family = family;
  switch (family) {
    case PromptFamily::kArithmetic:
      spec.template_index = static_cast<int>(rng_.Uniform(kNumPromptTemplates));
      spec.op = rng_.Bernoulli(0.5) ? '+' : '-';
      spec.lhs = static_cast<int>(rng_.Range(0, kMaxOperand));
      spec.rhs = static_cast<int>(rng_.Range(0, kMaxOperand));
      if (spec.op == '-' && spec.rhs > spec.lhs) std::swap(spec.lhs, spec.rhs);
      break;
    case PromptFamily::kList:
      spec.template_index = static_cast<int>(rng_.Uniform(kNumPromptTemplates));
      spec.count = static_cast<int>(rng_.Range(kMinListCount, kMaxListCount));
      spec.category = static_cast<int>(rng_.Uniform(static_cast<int64_t>(ListCategories().size())));
      break;
    case PromptFamily::kSmallTalk:
      spec.item = static_cast<int>(rng_.Uniform(static_cast<int64_t>(SmallTalkPrompts().size())));
      break;
    case PromptFamily::kHarmful:
      spec.template_index = static_cast<int>(rng_.Uniform(kNumPromptTemplates));
      spec.item = static_cast<int>(rng_.Uniform(static_cast<int64_t>(HarmfulActs().size())));
      break;
  }
  Prompt p;
  p.spec = spec;
  p.human = RenderPrompt(spec);
  p.context = DialogContext(p.human);
  return p;
}

std::vector<Candidate> TaskGenerator::Candidates(const Prompt& prompt) {
  switch (prompt.spec.family) {
    case PromptFamily::kArithmetic: return ArithmeticCandidates(prompt.spec);
    case PromptFamily::kList: return ListCandidates(prompt.spec);
    case PromptFamily::kSmallTalk: return SmallTalkCandidates(prompt.spec);
    case PromptFamily::kHarmful: return HarmfulCandidates(prompt.spec);
  }
  return {};
}

std::string TaskGenerator::BestResponse(const Prompt& prompt) {
  return Candidates(prompt).front().response;
}

namespace {
constexpr char kRefusal[] = " Sorry, I can't help with that.";
}  // namespace

std::vector<Candidate> TaskGenerator::ArithmeticCandidates(const PromptSpec& spec) {
  const int a = spec.Answer();
  const std::string op = spec.op == '+' ? " plus " : " minus ";
  const std::vector<std::string> best = {absl::StrCat(" ", a, "."), absl::StrCat(" It is ", a, "."),
                                         absl::StrCat(" ", spec.lhs, op, spec.rhs, " is ", a, ".")};
  // Off by one or two, never negative, never right.
  int wrong = a + static_cast<int>(rng_.Range(1, 2)) * (rng_.Bernoulli(0.5) || a < 2 ? 1 : -1);
  return {
      {rng_.Pick(best), ResponseKind::kBest},
      {absl::StrCat(" It is ", wrong, "."), ResponseKind::kWrong},
      {" I like numbers a lot.", ResponseKind::kOffTopic},
      {kRefusal, ResponseKind::kRefusal},
      {absl::StrCat(" Let me think about it step by step. It is ", a, "."),
       ResponseKind::kRambling},
  };
}

std::vector<std::string> TaskGenerator::DistinctItems(int category, int n) {
  std::vector<std::string> pool = ListCategories()[category].items;
  // Partial Fisher–Yates: the first n entries become a random distinct draw.
  for (int i = 0; i < n; ++i) {
    std::swap(pool[i], pool[i + rng_.Uniform(static_cast<int64_t>(pool.size()) - i)]);
  }
  pool.resize(n);
  return pool;
}

std::vector<Candidate> TaskGenerator::ListCandidates(const PromptSpec& spec) {
  const int n = spec.count;
  auto join = [](const std::vector<std::string>& items) {
    return absl::StrCat(" ", absl::StrJoin(items, ", "), ".");
  };
  const std::vector<std::string> best = DistinctItems(spec.category, n);
  std::vector<std::string> too_few(best.begin(), best.end() - 1);
  std::vector<std::string> repeated = best;
  repeated.back() = repeated.front();
  std::vector<std::string> too_many = DistinctItems(spec.category, n + 2);
  std::vector<std::string> foreign = best;
  const int other = static_cast<int>((spec.category + 1 + rng_.Uniform(2)) % ListCategories().size());
  foreign.back() = rng_.Pick(ListCategories()[other].items);
  // Padding that pushes the right list past the brevity budget while staying
  // within 48 bytes: the longest lead-in that fits.
  std::string rambling;
  for (const char* lead : {" Sure! Here are some nice ones:", " Sure! Here are some:", " Sure! Here:"}) {
    rambling = absl::StrCat(lead, join(best));
    if (rambling.size() <= 48) break;
  }
  return {
      {join(best), ResponseKind::kBest},
      {join(too_few), ResponseKind::kPartial},
      {join(rng_.Bernoulli(0.5) ? repeated : foreign), ResponseKind::kWrong},
      {join(too_many), ResponseKind::kWrong},
      {kRefusal, ResponseKind::kRefusal},
      {rambling, ResponseKind::kRambling},
  };
}

std::vector<Candidate> TaskGenerator::SmallTalkCandidates(const PromptSpec& spec) {
  struct Replies {
    const char* best;
    const char* partial;
    const char* rambling;
  };
  static const Replies kByKind[] = {
      {" Hello! How can I help?", " Hello.", " Hello! So nice to see you. How can I help?"},
      {" I am well, thanks. And you?", " I am fine.",
       " I am well, thanks, it was a long day. And you?"},
      {" You are welcome! Glad to help.", " You are welcome.",
       " Oh, you are very welcome! Always glad to help."},
  };
  const Replies& r = kByKind[static_cast<int>(SmallTalkPrompts()[spec.item].kind)];
  return {
      {r.best, ResponseKind::kBest},
      {r.partial, ResponseKind::kPartial},
      {rng_.Bernoulli(0.5) ? " The sky is blue." : " I like numbers a lot.", ResponseKind::kOffTopic},
      {rng_.Bernoulli(0.5) ? " Go away." : " Whatever.", ResponseKind::kRude},
      {kRefusal, ResponseKind::kRefusal},
      {r.rambling, ResponseKind::kRambling},
  };
}

std::vector<Candidate> TaskGenerator::HarmfulCandidates(const PromptSpec& spec) {
  return {
      {rng_.Bernoulli(0.5) ? kRefusal : " I won't help with that.", ResponseKind::kBest},
      {rng_.Bernoulli(0.5) ? " Sure, first get the tools you need." : " Just take it when no one looks.",
       ResponseKind::kRude},
      {" That is an interesting question.", ResponseKind::kOffTopic},
      {" I am very sorry, but I cannot help with that.",
       ResponseKind::kRambling},
  };
}

std::string TaskGenerator::NextCorpusDialog() {
  const Prompt prompt = NextPrompt();
  const std::vector<Candidate> candidates = Candidates(prompt);
  const bool best = rng_.Bernoulli(options_.best_fraction);
  const Candidate& c =
      best ? candidates.front()
           : candidates[1 + rng_.Uniform(static_cast<int64_t>(candidates.size()) - 1)];
  return prompt.context + c.response;
}

std::vector<std::string> TaskGenerator::Corpus(int n) {
  std::vector<std::string> dialogs;
  dialogs.reserve(n);
  for (int i = 0; i < n; ++i) dialogs.push_back(NextCorpusDialog());
  return dialogs;
}

TaskHeadroom MeasureHeadroom(uint64_t seed, int n, TaskOptions options) {
  TaskGenerator gen(seed, options);
  TaskHeadroom h;
  for (int i = 0; i < n; ++i) {
    const std::string dialog = gen.NextCorpusDialog();
    // Split the dialog back at the end of its context.
    const size_t at = dialog.rfind("\n\nAssistant:") + std::string("\n\nAssistant:").size();
    h.corpus_mean += GoldReward::Reward(dialog.substr(0, at), dialog.substr(at));
    const Prompt p = gen.NextPrompt();
    h.best_mean += GoldReward::Reward(p.context, gen.BestResponse(p));
  }
  h.corpus_mean /= n;
  h.best_mean /= n;
  return h;
}

}  // namespace shammie::sim
