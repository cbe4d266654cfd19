// What `shammie up` needs from the policy libraries, in one torch-free place:
// a base policy on disk (pretrained on the synthetic corpus when missing),
// a loader the collector's sampler uses to answer tasks, and a reply
// function per checkpoint for the gold-reward evaluation.
//
// The implementation (up_policy.cc) is the glue to policy-model's
// PolicyRuntime (checkpoint folder → generated text) and PretrainBytePolicy;
// it is the only file of `up` that knows about policies.
#ifndef SHAMMIE_SERVICES_CLI_UP_POLICY_H_
#define SHAMMIE_SERVICES_CLI_UP_POLICY_H_

#include <string>

#include "absl/status/statusor.h"
#include "services/collector/response_sampler.h"
#include "sim/gold_evaluation.h"

namespace shammie::cli {

struct UpPolicy {
  // Pretrains the tiny base policy into `dir` when it holds no checkpoint
  // (cached: a second start reuses it). Prints progress to stderr.
  std::function<absl::Status(const std::string& dir)> ensure_base;
  collector::PolicyLoader loader;
  // A reply function generating with `checkpoint` (greedy-ish sampling,
  // seeded per call).
  std::function<absl::StatusOr<sim::ReplyFunction>(const std::string& checkpoint)> reply;
};

absl::StatusOr<UpPolicy> MakeUpPolicy();

}  // namespace shammie::cli

#endif  // SHAMMIE_SERVICES_CLI_UP_POLICY_H_
