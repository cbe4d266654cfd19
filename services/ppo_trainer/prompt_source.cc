#include "services/ppo_trainer/prompt_source.h"

#include <chrono>
#include <fstream>
#include <functional>
#include <set>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "services/common/grpc_status.h"
#include "shammie/v1/collector.grpc.pb.h"

namespace shammie::ppo_trainer {
namespace {

void AddDistinct(std::string prompt, std::set<std::string>& seen, std::vector<std::string>& out) {
  if (seen.insert(prompt).second) out.push_back(std::move(prompt));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ReadPromptFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::InvalidArgumentError(absl::StrCat("prompt_file ", path, " cannot be read"));
  std::vector<std::string> out;
  std::set<std::string> seen;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("prompt") || !j["prompt"].is_string() ||
        j["prompt"].get<std::string>().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "prompt_file ", path, " line ", number, ": expected {\"prompt\": \"<non-empty text>\"}"));
    }
    AddDistinct(j["prompt"].get<std::string>(), seen, out);
  }
  // Well-formed but empty: nothing to train on until prompts are added.
  if (out.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("prompt_file ", path, " has no prompts"));
  }
  return out;
}

std::string RenderContext(const v1::Conversation& context) {
  std::string text;
  for (const v1::Turn& turn : context.turns()) {
    absl::StrAppend(&text, turn.role() == v1::HUMAN ? "\n\nHuman: " : "\n\nAssistant: ",
                    turn.text());
  }
  absl::StrAppend(&text, "\n\nAssistant:");
  return text;
}

namespace {

// Streams the collector's comparisons to `on_comparison` until it returns
// false (then the stream is cancelled, which is not an error).
absl::Status ExportComparisons(const CollectorSource& source,
                               const std::function<bool(const v1::Comparison&)>& on_comparison) {
  auto channel = grpc::CreateChannel(
      source.address, source.credentials ? source.credentials : grpc::InsecureChannelCredentials());
  auto stub = v1::ComparisonService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", source.token));
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(static_cast<int64_t>(source.timeout_seconds * 1000)));
  v1::ExportComparisonsRequest request;
  auto reader = stub->ExportComparisons(&ctx, request);
  v1::Comparison c;
  bool stopped = false;
  while (reader->Read(&c)) {
    if (!on_comparison(c)) {
      stopped = true;
      ctx.TryCancel();
      break;
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok() && !(stopped && status.error_code() == grpc::StatusCode::CANCELLED)) {
    absl::Status s = services::FromGrpcStatus(status);
    return absl::Status(s.code(), absl::StrCat("collector ", source.address, ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::Status NoComparisons() {
  // Retry after labelers have compared something.
  return absl::FailedPreconditionError(
      "prompts: prompt_file is empty and the collector has no comparisons");
}

}  // namespace

absl::Status CheckCollectorHasPrompts(const CollectorSource& source) {
  bool any = false;
  absl::Status status = ExportComparisons(source, [&any](const v1::Comparison&) {
    any = true;
    return false;
  });
  if (!status.ok()) return status;
  return any ? absl::OkStatus() : NoComparisons();
}

absl::StatusOr<std::vector<std::string>> FetchCollectorPrompts(const CollectorSource& source) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  absl::Status status = ExportComparisons(source, [&](const v1::Comparison& c) {
    AddDistinct(RenderContext(c.context()), seen, out);
    return true;
  });
  if (!status.ok()) return status;
  if (out.empty()) {
    return NoComparisons();
  }
  return out;
}

}  // namespace shammie::ppo_trainer
