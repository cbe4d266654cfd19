// Fuzz target: the JSON files of a checkpoint folder (checkpoint_metadata.h):
// config.json when the first byte is even, lineage.json when it is odd; the
// rest is the file.
//
// Oracle: nothing crashes; a rejected file is INVALID_ARGUMENT naming the
// file; an accepted config satisfies the rules the header lists and
// round-trips through GptConfigToJson; an accepted lineage round-trips
// through LineageToJson.
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "policy/checkpoint_metadata.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr absl::string_view kFile = "fuzz/config.json";

void FuzzConfig(absl::string_view text) {
  using namespace shammie;  // NOLINT
  absl::StatusOr<policy::GptConfig> c = policy::GptConfigFromJson(text, kFile);
  if (!c.ok()) {
    FUZZ_CHECK_CODE(c.status(), absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(absl::StartsWith(c.status().message(), kFile)) << c.status().ToString();
    return;
  }
  FUZZ_CHECK(c->n_layer >= 1 && c->n_head >= 1 && c->n_embd >= 1 && c->vocab_size >= 1 &&
             c->n_positions >= 1);
  FUZZ_CHECK(c->n_embd % c->n_head == 0);
  FUZZ_CHECK(c->eos_token_id >= 0 && c->eos_token_id < c->vocab_size);
  FUZZ_CHECK(c->layer_norm_epsilon > 0);
  absl::StatusOr<policy::GptConfig> back =
      policy::GptConfigFromJson(policy::GptConfigToJson(*c), kFile);
  FUZZ_CHECK(back.ok()) << back.status().ToString();
  FUZZ_CHECK(back->n_layer == c->n_layer && back->n_head == c->n_head &&
             back->n_embd == c->n_embd && back->vocab_size == c->vocab_size &&
             back->n_positions == c->n_positions && back->eos_token_id == c->eos_token_id &&
             back->layer_norm_epsilon == c->layer_norm_epsilon);
}

void FuzzLineage(absl::string_view text) {
  using namespace shammie;  // NOLINT
  constexpr absl::string_view kLineage = "fuzz/lineage.json";
  absl::StatusOr<policy::Lineage> l = policy::LineageFromJson(text, kLineage);
  if (!l.ok()) {
    FUZZ_CHECK_CODE(l.status(), absl::StatusCode::kInvalidArgument);
    return;
  }
  absl::StatusOr<policy::Lineage> back =
      policy::LineageFromJson(policy::LineageToJson(*l), kLineage);
  FUZZ_CHECK(back.ok()) << back.status().ToString();
  FUZZ_CHECK(back->parent == l->parent && back->code_version == l->code_version &&
             back->created_at == l->created_at &&
             back->comparison_watermark == l->comparison_watermark &&
             back->job_spec_json == l->job_spec_json && back->metrics == l->metrics);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input = shammie::fuzz::Bytes(data, size);
  if (shammie::fuzz::TakeSelector(&input) % 2 == 0) {
    FuzzConfig(input);
  } else {
    FuzzLineage(input);
  }
  return 0;
}
