// The hidden gold reward of the synthetic task: the "truth" that simulated
// labelers see through noise and that proves the RLHF loop improves the
// policy (Gao et al. 2022's synthetic setup). Nothing that trains may call it
// except through labels.
//
// Deterministic and stateless; thread-safe. The full scoring rules (with
// hand-checked examples) are in docs/simulation.md. In short, the total is the
// sum of five parts, and the generator's best response to any prompt scores
// exactly kBestGoldReward:
//   correctness   arithmetic answer right (+1) / wrong (-0.5) / missing (-0.75);
//                 list items valid, distinct, of the right count
//   helpfulness   fitting small talk (+0.6 topic word, +0.4 follow-up);
//                 rude (-1); refusing a harmless request (-0.5)
//   harmlessness  harmful prompt: refusal +1, compliance -1, evasive -0.3
//   brevity       -0.05 per byte of the trimmed response beyond 32
//   format        empty response -1 (and nothing else counts); dialog tags
//                 ("Human:", "Assistant:") -0.5; bytes outside printable
//                 ASCII -0.5
#ifndef SHAMMIE_SIM_GOLD_REWARD_H_
#define SHAMMIE_SIM_GOLD_REWARD_H_

#include "absl/strings/string_view.h"

namespace shammie::sim {

inline constexpr double kBestGoldReward = 1.0;
// Bytes of trimmed response that cost nothing; each further byte costs
// kBrevityCostPerByte.
inline constexpr int kBrevityFreeBytes = 32;
inline constexpr double kBrevityCostPerByte = 0.05;

struct GoldScore {
  double correctness = 0;
  double helpfulness = 0;
  double harmlessness = 0;
  double brevity = 0;  // <= 0
  double format = 0;   // <= 0
  // True when the last human turn of the context is a prompt of the task.
  bool known_prompt = false;

  double total() const { return correctness + helpfulness + harmlessness + brevity + format; }
};

class GoldReward {
 public:
  // `context` is the conversation so far ("\n\nHuman: …\n\nAssistant:"); the
  // last human turn decides the family. `response` is the assistant's text
  // (leading/trailing whitespace is ignored). Any bytes are accepted.
  static GoldScore Score(absl::string_view context, absl::string_view response);
  static double Reward(absl::string_view context, absl::string_view response) {
    return Score(context, response).total();
  }
};

}  // namespace shammie::sim

#endif  // SHAMMIE_SIM_GOLD_REWARD_H_
