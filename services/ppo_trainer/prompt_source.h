// Where a PPO job's prompts come from: a JSONL file of {"prompt": "..."}
// lines, or the collector's stored comparisons (their contexts, streamed by
// ExportComparisons and rendered as "\n\nHuman: …\n\nAssistant: …\n\nAssistant:").
// Both return the distinct prompts in first-seen order.
//
// Thread-safe (no shared state). Errors name the PpoJobSpec field:
// INVALID_ARGUMENT "prompt_file …" for a missing/unreadable file or a bad
// line (with its number); FAILED_PRECONDITION "prompt_file … has no prompts"
// for a file without any; UNAVAILABLE when the collector cannot be reached;
// FAILED_PRECONDITION "prompts: … the collector has no comparisons".
#ifndef SHAMMIE_SERVICES_PPO_TRAINER_PROMPT_SOURCE_H_
#define SHAMMIE_SERVICES_PPO_TRAINER_PROMPT_SOURCE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shammie/v1/conversation.pb.h"

namespace grpc {
class ChannelCredentials;
}  // namespace grpc

namespace shammie::ppo_trainer {

absl::StatusOr<std::vector<std::string>> ReadPromptFile(const std::string& path);

struct CollectorSource {
  std::string address;  // host:port of shammie.v1.ComparisonService
  std::string token;    // bearer token (service or operator role)
  // Deadline of the whole export: a stuck collector is DEADLINE_EXCEEDED.
  double timeout_seconds = 60;
  // TLS (services/common/tls.h MakeChannelCredentials); null = plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};
absl::StatusOr<std::vector<std::string>> FetchCollectorPrompts(const CollectorSource& source);

// StartJob's cheap check that FetchCollectorPrompts would find a prompt: reads
// the first stored comparison and stops the stream. OK when there is one;
// FAILED_PRECONDITION "prompts: …" when the collector has none; the
// collector's error (UNAVAILABLE when unreachable) otherwise.
absl::Status CheckCollectorHasPrompts(const CollectorSource& source);

// The dialog text of a context, ready for the assistant's next turn.
std::string RenderContext(const v1::Conversation& context);

}  // namespace shammie::ppo_trainer

#endif  // SHAMMIE_SERVICES_PPO_TRAINER_PROMPT_SOURCE_H_
