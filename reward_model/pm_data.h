// Comparisons → the PM's training and test sets (torch-free).
//
// Steps, in order (each reported in PreparedData so the job report can say
// what happened to the data):
//  1. Exact duplicates are counted and dropped: two comparisons with the
//     same context, responses, preference and labeler (only id, seq, time
//     differ) are one judgement stored twice; training on both repeats data,
//     which hurts (Bai et al. 2022).
//  2. Optional half: data_half 1/2 keeps the conversations of one half (a
//     seeded hash of the conversation), for a second "test PM" trained on
//     disjoint data.
//  3. Train/test split by conversation: every comparison of a conversation
//     (its first human turn names it, so follow-up turns stay with it) goes
//     to the same side, chosen by a seeded hash; a PM is never tested on a
//     conversation it was trained on.
#ifndef SHAMMIE_REWARD_MODEL_PM_DATA_H_
#define SHAMMIE_REWARD_MODEL_PM_DATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shammie/v1/conversation.pb.h"

namespace shammie::reward_model {

// One comparison as the PM sees it: a context and two responses, which one
// the labeler chose, and how strongly.
struct PmPair {
  std::string context;     // rendered "\n\nHuman: …\n\nAssistant:"
  std::string response_a;  // text only; the PM appends it to the context
  std::string response_b;
  bool a_preferred = true;  // preference 1–4
  // 1 (barely) … 4 (much better), from the 8-point scale.
  int strength = 1;
  std::string labeler;
  std::string source;  // "human", "simulated", "imported"
  uint64_t seq = 0;

  const std::string& chosen() const { return a_preferred ? response_a : response_b; }
  const std::string& rejected() const { return a_preferred ? response_b : response_a; }
};

struct SplitOptions {
  double test_fraction = 0.05;  // of conversations, in [0, 1)
  uint64_t seed = 0;
  uint32_t data_half = 0;  // 0 all, 1 first half, 2 second half
};

struct PreparedData {
  std::vector<PmPair> train;
  std::vector<PmPair> test;
  uint64_t duplicates_dropped = 0;
  uint64_t outside_half = 0;  // dropped by data_half
};

// Renders a conversation as "\n\nHuman: …\n\nAssistant: …" ending with
// "\n\nAssistant:" (the response follows after a space).
std::string RenderContext(const v1::Conversation& conversation);

// INVALID_ARGUMENT naming the field for a preference outside 1–8,
// test_fraction outside [0, 1) or data_half > 2.
absl::StatusOr<PmPair> ToPair(const v1::Comparison& comparison);
absl::StatusOr<PreparedData> PrepareData(const std::vector<v1::Comparison>& comparisons,
                                         const SplitOptions& options);

// The seeded hash PrepareData uses, in [0, 1): for tests and for tools that
// must agree with the split.
double ConversationHash(const v1::Conversation& conversation, uint64_t seed);

}  // namespace shammie::reward_model

#endif  // SHAMMIE_REWARD_MODEL_PM_DATA_H_
