#include "services/dashboard/dashboard_api.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"
#include "services/dashboard/dashboard_assets.h"

namespace shammie::dashboard {
namespace {

constexpr char kJson[] = "application/json; charset=utf-8";
constexpr absl::string_view kIterations = "/api/v1/iterations";

absl::StatusOr<DashboardReply> JsonReply(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  DashboardReply reply{kJson, "", ""};
  if (auto s = google::protobuf::util::MessageToJsonString(message, &reply.body, options);
      !s.ok()) {
    return absl::InternalError(absl::StrCat("encode JSON: ", s.ToString()));
  }
  return reply;
}

}  // namespace

bool DashboardApi::Handles(absl::string_view path) const {
  if (path == "/metrics") return sources_.registry != nullptr;
  return path == "/dashboard" || absl::StartsWith(path, "/dashboard/") ||
         path == kIterations || absl::StartsWith(path, absl::StrCat(kIterations, "/")) ||
         path == "/api/v1/labeling";
}

absl::StatusOr<DashboardReply> DashboardApi::Get(absl::string_view path) const {
  if (path == "/metrics" && sources_.registry != nullptr) {
    return DashboardReply{metrics::kTextContentType, sources_.registry->RenderText(), ""};
  }
  if (path == "/dashboard" || path == "/dashboard/") path = "/dashboard/dashboard.html";
  if (absl::StartsWith(path, "/dashboard/")) {
    for (const DashboardAsset& a : DashboardAssets()) {
      if (a.path == path) {
        return DashboardReply{std::string(a.content_type), std::string(a.bytes),
                              std::string(a.etag)};
      }
    }
    return absl::NotFoundError(absl::StrCat("no dashboard file ", path));
  }
  if (path == "/api/v1/labeling") {
    if (!sources_.labeling_stats) return absl::NotFoundError("no labeling statistics here");
    absl::StatusOr<v1::Stats> stats = sources_.labeling_stats();
    if (!stats.ok()) return stats.status();
    return JsonReply(*stats);
  }
  if (absl::ConsumePrefix(&path, kIterations)) return GetIterations(path);
  return absl::NotFoundError(absl::StrCat("no dashboard route ", path));
}

// `rest` is what follows /api/v1/iterations: "", "/{id}" or "/{id}/curve".
absl::StatusOr<DashboardReply> DashboardApi::GetIterations(absl::string_view rest) const {
  if (rest.empty() || rest == "/") {
    v1::IterationHistoryList list;
    if (sources_.history != nullptr) {
      auto records = sources_.history->List();
      if (!records.ok()) return records.status();
      for (auto& r : *records) *list.add_iterations() = std::move(r);
    }
    return JsonReply(list);
  }
  absl::ConsumePrefix(&rest, "/");
  const bool curve = absl::ConsumeSuffix(&rest, "/curve");
  if (sources_.history == nullptr) {
    return absl::NotFoundError(absl::StrCat("iteration ", rest, ": no history here"));
  }
  auto record = sources_.history->Get(rest);
  if (!record.ok()) return record.status();
  if (curve) return JsonReply(record->ppo());
  return JsonReply(*record);
}

}  // namespace shammie::dashboard
