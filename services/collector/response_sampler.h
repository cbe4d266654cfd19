// The collector's sampler: writes the two candidate responses of a task with
// the deployed policy snapshots (DESIGN.md: "sampler: generates the two
// responses with the deployed policies"). The scheduler's DEPLOY stage (or
// `shammie deploy`) sets the snapshots through DeployPolicies.
//
// With two snapshots deployed (the newest and the previous), every task
// compares one response from each — in random order — so policy Elo has
// data; with one, both responses come from it (two samples).
//
// The policies themselves come from a PolicyLoader: `shammie up` and
// `shammie-collector` plug in policy-model's torch-free generator; tests may
// plug any. The deployment is saved to a JSON file (written to a temporary
// name and renamed) and re-loaded on start, so a restarted collector keeps
// sampling from the same snapshots.
//
// Thread-safe: Sample runs concurrently with Deploy; a Sample sees the old
// or the new deployment, never a mix.
#ifndef SHAMMIE_SERVICES_COLLECTOR_RESPONSE_SAMPLER_H_
#define SHAMMIE_SERVICES_COLLECTOR_RESPONSE_SAMPLER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "shammie/v1/collector.pb.h"

namespace shammie::collector {

// One loaded policy. Generate is called concurrently from many threads.
class TextPolicy {
 public:
  virtual ~TextPolicy() = default;
  // The assistant's reply to `dialog` ("\n\nHuman: …\n\nAssistant:"),
  // sampled with `seed`.
  virtual absl::StatusOr<std::string> Generate(const std::string& dialog, uint64_t seed) = 0;
};

// Loads a checkpoint folder; INVALID_ARGUMENT/NOT_FOUND when it cannot.
using PolicyLoader =
    std::function<absl::StatusOr<std::shared_ptr<TextPolicy>>(const std::string& checkpoint)>;

struct ResponseSamplerOptions {
  PolicyLoader loader;
  // Where the deployment is saved; empty = not saved (tests).
  std::string state_file;
  uint64_t seed = 1;
  common::Clock* clock = common::Clock::Real();
};

class ResponseSampler {
 public:
  // Re-deploys the saved deployment, if any. A saved checkpoint that no
  // longer loads is FAILED_PRECONDITION (the operator must deploy again).
  static absl::StatusOr<std::unique_ptr<ResponseSampler>> Open(ResponseSamplerOptions options);

  // Loads every snapshot first; only when all load does it replace the
  // deployment and save it. INVALID_ARGUMENT naming the field for an empty
  // list, more than two, an empty or duplicate name, or a checkpoint that
  // does not load (the old deployment stays).
  absl::StatusOr<v1::Deployment> Deploy(const std::vector<v1::PolicySnapshot>& policies);
  // NOT_FOUND when nothing is deployed.
  absl::StatusOr<v1::Deployment> Current();

  // Two responses to `context`, each tagged with its snapshot's name.
  // FAILED_PRECONDITION when nothing is deployed.
  absl::StatusOr<std::pair<v1::Response, v1::Response>> Sample(const v1::Conversation& context);

 private:
  struct Loaded {
    v1::Deployment deployment;
    std::vector<std::shared_ptr<TextPolicy>> policies;  // parallel to deployment.policies
  };
  explicit ResponseSampler(ResponseSamplerOptions options) : options_(std::move(options)) {}
  absl::Status Save(const v1::Deployment& deployment);

  const ResponseSamplerOptions options_;
  absl::Mutex mu_;
  std::shared_ptr<const Loaded> current_ ABSL_GUARDED_BY(mu_);
  uint64_t counter_ ABSL_GUARDED_BY(mu_) = 0;
};

// "\n\nHuman: …\n\nAssistant: …\n\nAssistant:" for a conversation context.
std::string DialogText(const v1::Conversation& context);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_RESPONSE_SAMPLER_H_
