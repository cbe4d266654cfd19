#include "reward_model/pm_data.h"

#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"

namespace shammie::reward_model {
namespace {

// FNV-1a then a splitmix64 finaliser: stable across runs, platforms and
// library versions (std::hash promises none of that), so a seed names the
// same split forever.
uint64_t StableHash(const std::string& text, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ (seed * 0x9E3779B97F4A7C15ull);
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h += 0x9E3779B97F4A7C15ull;
  h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ull;
  h = (h ^ (h >> 27)) * 0x94D049BB133111EBull;
  return h ^ (h >> 31);
}

double UnitHash(const std::string& text, uint64_t seed) {
  return static_cast<double>(StableHash(text, seed) >> 11) * 0x1.0p-53;
}

// The conversation's name: its first turn (follow-ups extend the context
// but keep the first turn).
std::string ConversationName(const v1::Conversation& c) {
  return c.turns_size() == 0 ? std::string() : c.turns(0).text();
}

std::string SourceName(v1::Source s) {
  switch (s) {
    case v1::SOURCE_HUMAN: return "human";
    case v1::SOURCE_SIMULATED: return "simulated";
    case v1::SOURCE_IMPORTED: return "imported";
    default: return "unspecified";
  }
}

}  // namespace

double ConversationHash(const v1::Conversation& conversation, uint64_t seed) {
  return UnitHash(ConversationName(conversation), seed);
}

std::string RenderContext(const v1::Conversation& conversation) {
  std::string out;
  for (const v1::Turn& t : conversation.turns()) {
    absl::StrAppend(&out, t.role() == v1::ASSISTANT ? "\n\nAssistant: " : "\n\nHuman: ",
                    t.text());
  }
  absl::StrAppend(&out, "\n\nAssistant:");
  return out;
}

absl::StatusOr<PmPair> ToPair(const v1::Comparison& c) {
  if (c.preference() < 1 || c.preference() > 8) {
    return absl::InvalidArgumentError(absl::StrCat("comparison ", c.id(),
                                                   ": preference must be 1..8, got ",
                                                   c.preference()));
  }
  PmPair p;
  p.context = RenderContext(c.context());
  p.response_a = c.response_a().text();
  p.response_b = c.response_b().text();
  p.a_preferred = c.preference() <= 4;
  // 1 and 8 are "much better" (4); 4 and 5 are "barely" (1).
  p.strength = p.a_preferred ? 5 - c.preference() : c.preference() - 4;
  p.labeler = c.labeler();
  p.source = SourceName(c.source());
  p.seq = c.seq();
  return p;
}

absl::StatusOr<PreparedData> PrepareData(const std::vector<v1::Comparison>& comparisons,
                                         const SplitOptions& options) {
  if (!(options.test_fraction >= 0.0 && options.test_fraction < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("test_fraction must be in [0, 1), got ", options.test_fraction));
  }
  if (options.data_half > 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("data_half must be 0, 1 or 2, got ", options.data_half));
  }
  PreparedData out;
  std::set<std::tuple<std::string, std::string, std::string, int, std::string>> seen;
  for (const v1::Comparison& c : comparisons) {
    auto pair = ToPair(c);
    if (!pair.ok()) return pair.status();
    auto key = std::make_tuple(c.context().SerializeAsString(), pair->response_a,
                               pair->response_b, c.preference(), pair->labeler);
    if (!seen.insert(std::move(key)).second) {
      ++out.duplicates_dropped;
      continue;
    }
    const std::string name = ConversationName(c.context());
    if (options.data_half != 0) {
      // A salt different from the split's, so halves and split are independent.
      const bool first_half = UnitHash(name, options.seed ^ 0x68616c66ull) < 0.5;
      if (first_half != (options.data_half == 1)) {
        ++out.outside_half;
        continue;
      }
    }
    const bool test = UnitHash(name, options.seed) < options.test_fraction;
    (test ? out.test : out.train).push_back(*std::move(pair));
  }
  return out;
}

}  // namespace shammie::reward_model
