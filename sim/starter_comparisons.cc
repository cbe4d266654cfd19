#include "sim/starter_comparisons.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "sim/comparison_pairs.h"
#include "sim/simulated_labeler.h"

namespace shammie::sim {
namespace {

// "\n\nHuman: <text>\n\nAssistant:" → "<text>".
std::string HumanTurn(const std::string& context) {
  constexpr absl::string_view kHuman = "\n\nHuman: ";
  constexpr absl::string_view kAssistant = "\n\nAssistant:";
  std::string text = context;
  if (absl::string_view(text).substr(0, kHuman.size()) == kHuman) text.erase(0, kHuman.size());
  if (text.size() >= kAssistant.size() &&
      absl::string_view(text).substr(text.size() - kAssistant.size()) == kAssistant) {
    text.erase(text.size() - kAssistant.size());
  }
  return text;
}

}  // namespace

v1::Comparison SimComparison(const std::string& context, const std::string& a,
                             const std::string& b, int preference) {
  v1::Comparison c;
  auto* turn = c.mutable_context()->add_turns();
  turn->set_role(v1::HUMAN);
  turn->set_text(HumanTurn(context));
  c.mutable_response_a()->set_text(a);
  c.mutable_response_b()->set_text(b);
  c.set_preference(preference);
  return c;
}

std::vector<v1::Comparison> StarterComparisons(int n, uint64_t seed, const std::string& labeler_prefix) {
  PairGenerator gen(seed);
  SimulatedLabeler labeler({kDefaultLabelerTemperature, seed});
  std::vector<v1::Comparison> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    ComparisonPair p = gen.Next();
    v1::Comparison c = SimComparison(p.context, p.a, p.b, labeler.ChooseByGold(p.gold_a, p.gold_b));
    c.set_labeler(absl::StrCat(labeler_prefix, i % 3));
    c.set_client_request_id(absl::StrCat("starter-", seed, "-", i));
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<v1::ImportSummary> ImportStarterComparisons(v1::ComparisonService::Stub* stub,
                                                           const std::string& token, int n,
                                                           uint64_t seed) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  v1::ImportSummary summary;
  auto writer = stub->ImportComparisons(&ctx, &summary);
  for (const v1::Comparison& c : StarterComparisons(n, seed)) {
    if (!writer->Write(c)) break;  // the server ended the call; Finish says why
  }
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  if (!s.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                        absl::StrCat("importing starter comparisons: ", s.error_message()));
  }
  return summary;
}

}  // namespace shammie::sim
