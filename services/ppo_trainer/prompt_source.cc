#include "services/ppo_trainer/prompt_source.h"

#include <chrono>
#include <fstream>
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
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat("prompt_file ", path, " has no prompts"));
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

absl::StatusOr<std::vector<std::string>> FetchCollectorPrompts(const CollectorSource& source) {
  auto channel = grpc::CreateChannel(
      source.address, source.credentials ? source.credentials : grpc::InsecureChannelCredentials());
  auto stub = v1::ComparisonService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", source.token));
  ctx.set_deadline(std::chrono::system_clock::now() +
                   std::chrono::milliseconds(static_cast<int64_t>(source.timeout_seconds * 1000)));
  v1::ExportComparisonsRequest request;
  auto reader = stub->ExportComparisons(&ctx, request);
  std::vector<std::string> out;
  std::set<std::string> seen;
  v1::Comparison c;
  while (reader->Read(&c)) AddDistinct(RenderContext(c.context()), seen, out);
  grpc::Status status = reader->Finish();
  if (!status.ok()) {
    absl::Status s = services::FromGrpcStatus(status);
    return absl::Status(s.code(), absl::StrCat("collector ", source.address, ": ", s.message()));
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(
        "prompts: prompt_file is empty and the collector has no comparisons");
  }
  return out;
}

}  // namespace shammie::ppo_trainer
