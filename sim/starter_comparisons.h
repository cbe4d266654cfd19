// A starter dataset for the synthetic task: labeled comparisons between
// responses of mixed quality (sim/comparison_pairs.h), each labeled by a
// simulated labeler choosing by Bradley–Terry on the hidden gold reward
// (~70% agreement), imported into a collector through ImportComparisons.
//
// Why: iterated online training starts from a PM trained on what exists —
// Bai et al. 2022 began from their static dataset — and comparisons between
// two samples of one tiny base policy differ too little to teach a PM much in
// the first rounds. `shammie up` imports these once, into an empty collector;
// the online comparisons of each round are added on top. Tests use them too.
#ifndef SHAMMIE_SIM_STARTER_COMPARISONS_H_
#define SHAMMIE_SIM_STARTER_COMPARISONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "shammie/v1/collector.grpc.pb.h"

namespace shammie::sim {

// One comparison of responses `a` and `b` to `context` (a rendered
// "\n\nHuman: …\n\nAssistant:" prompt, stored as its human turn) with the
// labeler's 8-point `preference` (1 = A much better … 8 = B much better).
v1::Comparison SimComparison(const std::string& context, const std::string& a,
                             const std::string& b, int preference);

// `n` labeled comparisons, deterministic in `seed`; labelers are named
// "<labeler_prefix><0..2>" and client_request_ids "starter-<seed>-<i>", so a
// second import of the same set stores nothing new.
std::vector<v1::Comparison> StarterComparisons(int n, uint64_t seed,
                                               const std::string& labeler_prefix = "sim-");

// Imports them (all or nothing) with `token` (operator or service role).
// The collector's error passes through, prefixed with what was being done.
absl::StatusOr<v1::ImportSummary> ImportStarterComparisons(v1::ComparisonService::Stub* stub,
                                                           const std::string& token, int n,
                                                           uint64_t seed);

}  // namespace shammie::sim

#endif  // SHAMMIE_SIM_STARTER_COMPARISONS_H_
