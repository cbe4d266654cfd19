// The collector's TextPolicy backed by policy-model's PolicyRuntime (a
// checkpoint folder → generated text, torch-free header). This is the loader
// `shammie-collector` and `shammie up` give the ResponseSampler.
//
// Sampling for labeling tasks: temperature 1 (the policy's own
// distribution — the comparisons are about what it really says), at most 48
// new tokens, stop at end-of-text or the next dialog turn ("\n\n").
// Thread-safe (PolicyRuntime serializes generation).
#ifndef SHAMMIE_SERVICES_COLLECTOR_RUNTIME_POLICY_H_
#define SHAMMIE_SERVICES_COLLECTOR_RUNTIME_POLICY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/collector/response_sampler.h"

namespace shammie::collector {

// NOT_FOUND / INVALID_ARGUMENT / DATA_LOSS naming the file, as
// policy::LoadCheckpoint.
absl::StatusOr<std::shared_ptr<TextPolicy>> LoadRuntimePolicy(const std::string& checkpoint);

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_RUNTIME_POLICY_H_
