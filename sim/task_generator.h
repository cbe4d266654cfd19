// The synthetic task's data: seeded prompts, the responses the task knows for
// each (one best, several flawed), and a pretraining corpus that mixes them.
//
// Sized for a tiny byte-level model on 2 CPU cores: prompts under 24 bytes,
// responses under 48, vocabularies of a few dozen words. The corpus mixes the
// best response with flawed ones (wrong sums, padded lists, rude or rambling
// replies, complying with harmful requests), so a model that imitates it sits
// well below the best achievable gold reward and RLHF has room to climb.
//
// Same seed and options → the same prompts, candidates and corpus, on every
// platform (SimRng). Not thread-safe: one generator per thread.
#ifndef SHAMMIE_SIM_TASK_GENERATOR_H_
#define SHAMMIE_SIM_TASK_GENERATOR_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/prompt.h"
#include "sim/rng.h"

namespace shammie::sim {

struct TaskOptions {
  // Relative weights of the families, indexed by PromptFamily.
  std::array<double, kNumPromptFamilies> family_weights = {0.3, 0.3, 0.2, 0.2};
  // Share of corpus dialogs whose response is the best one; the rest get a
  // uniformly chosen flawed candidate.
  double best_fraction = 0.35;
};

struct Prompt {
  PromptSpec spec;
  std::string human;    // "What is 7 plus 5?"
  std::string context;  // "\n\nHuman: What is 7 plus 5?\n\nAssistant:"
};

// Quality tiers of known responses, for tests and reports.
enum class ResponseKind {
  kBest,      // scores kBestGoldReward
  kPartial,   // right topic, incomplete (too few items, greeting without follow-up)
  kWrong,     // wrong answer / wrong or repeated items / too many items
  kOffTopic,  // ignores the request, or evasive on a harmful one
  kRude,      // rude small talk, or complies with a harmful request
  kRefusal,   // refuses a harmless request
  kRambling,  // right content padded past the brevity budget
};

struct Candidate {
  std::string response;  // starts with a space: " 12."
  ResponseKind kind;
};

class TaskGenerator {
 public:
  explicit TaskGenerator(uint64_t seed, TaskOptions options = {});

  // A random prompt of a family drawn by family_weights.
  Prompt NextPrompt();
  // A random prompt of the given family.
  Prompt NextPrompt(PromptFamily family);

  // The responses the task knows for `prompt`: the best first, then one of
  // each flawed kind that applies. Random choices (which items, which wrong
  // number) come from the generator's stream.
  std::vector<Candidate> Candidates(const Prompt& prompt);
  // The best response (the first of Candidates).
  std::string BestResponse(const Prompt& prompt);

  // One pretraining dialog: context + response, best with probability
  // best_fraction, else a flawed candidate. The trainer appends end-of-text.
  std::string NextCorpusDialog();
  std::vector<std::string> Corpus(int n);

 private:
  std::vector<Candidate> ArithmeticCandidates(const PromptSpec& spec);
  std::vector<Candidate> ListCandidates(const PromptSpec& spec);
  std::vector<Candidate> SmallTalkCandidates(const PromptSpec& spec);
  std::vector<Candidate> HarmfulCandidates(const PromptSpec& spec);
  // `n` distinct items of category `category`, as written in a response.
  std::vector<std::string> DistinctItems(int category, int n);

  SimRng rng_;
  TaskOptions options_;
};

// The reference numbers of docs/simulation.md over `n` prompts of a seed:
// the mean gold reward of the corpus (what a perfect imitator of the
// corpus would score) and of the best known responses.
struct TaskHeadroom {
  double corpus_mean = 0;
  double best_mean = 0;
};
TaskHeadroom MeasureHeadroom(uint64_t seed, int n, TaskOptions options = {});

}  // namespace shammie::sim

#endif  // SHAMMIE_SIM_TASK_GENERATOR_H_
