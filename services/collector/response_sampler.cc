#include "services/collector/response_sampler.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace shammie::collector {

std::string DialogText(const v1::Conversation& context) {
  std::string out;
  for (const v1::Turn& t : context.turns()) {
    absl::StrAppend(&out, t.role() == v1::HUMAN ? "\n\nHuman: " : "\n\nAssistant: ",
                    absl::StripAsciiWhitespace(t.text()));
  }
  absl::StrAppend(&out, "\n\nAssistant:");
  return out;
}

absl::StatusOr<std::unique_ptr<ResponseSampler>> ResponseSampler::Open(
    ResponseSamplerOptions options) {
  if (!options.loader) return absl::InvalidArgumentError("loader: required");
  std::unique_ptr<ResponseSampler> sampler(new ResponseSampler(options));
  if (options.state_file.empty() || !std::filesystem::exists(options.state_file)) return sampler;
  std::ifstream in(options.state_file);
  std::stringstream text;
  text << in.rdbuf();
  v1::Deployment saved;
  if (!google::protobuf::util::JsonStringToMessage(text.str(), &saved).ok()) {
    return absl::DataLossError(absl::StrCat(options.state_file, ": not a Deployment"));
  }
  std::vector<v1::PolicySnapshot> policies(saved.policies().begin(), saved.policies().end());
  auto redeployed = sampler->Deploy(policies);
  if (!redeployed.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the saved deployment no longer loads (", redeployed.status().message(), "); deploy again"));
  }
  return sampler;
}

absl::StatusOr<v1::Deployment> ResponseSampler::Deploy(
    const std::vector<v1::PolicySnapshot>& policies) {
  if (policies.empty()) return absl::InvalidArgumentError("policies: at least one snapshot");
  if (policies.size() > 2) return absl::InvalidArgumentError("policies: at most two snapshots");
  auto loaded = std::make_shared<Loaded>();
  std::set<std::string> names;
  for (size_t i = 0; i < policies.size(); ++i) {
    const v1::PolicySnapshot& p = policies[i];
    if (p.name().empty()) return absl::InvalidArgumentError(absl::StrCat("policies[", i, "].name: empty"));
    if (!names.insert(p.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat("policies[", i, "].name: duplicate \"", p.name(), "\""));
    }
    // Loading happens outside the lock: it reads a checkpoint from disk.
    auto policy = options_.loader(p.checkpoint());
    if (!policy.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("policies[", i, "].checkpoint: \"",
                                                     p.checkpoint(), "\": ", policy.status().message()));
    }
    loaded->policies.push_back(*std::move(policy));
    *loaded->deployment.add_policies() = p;
  }
  *loaded->deployment.mutable_deployed_at() = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(options_.clock->Now()));
  SHAMMIE_RETURN_IF_ERROR(Save(loaded->deployment));
  absl::MutexLock lock(&mu_);
  current_ = std::move(loaded);
  return current_->deployment;
}

absl::Status ResponseSampler::Save(const v1::Deployment& deployment) {
  if (options_.state_file.empty()) return absl::OkStatus();
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(deployment, &json).ok()) {
    return absl::InternalError("deployment: cannot encode");
  }
  // Temporary name + rename: a crash leaves the old file or the new one.
  const std::string tmp = options_.state_file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << json;
    out.flush();
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", tmp));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, options_.state_file, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot rename ", tmp, ": ", ec.message()));
  return absl::OkStatus();
}

absl::StatusOr<v1::Deployment> ResponseSampler::Current() {
  absl::MutexLock lock(&mu_);
  if (!current_) return absl::NotFoundError("no policy is deployed");
  return current_->deployment;
}

absl::StatusOr<std::pair<v1::Response, v1::Response>> ResponseSampler::Sample(
    const v1::Conversation& context) {
  std::shared_ptr<const Loaded> loaded;
  uint64_t n;
  {
    absl::MutexLock lock(&mu_);
    if (!current_) return absl::FailedPreconditionError("no policy is deployed");
    loaded = current_;
    n = counter_++;
  }
  const std::string dialog = DialogText(context);
  // Which snapshot answers first alternates, so A/B position carries no
  // information about the policy.
  const size_t k = loaded->policies.size();
  const size_t first = k == 2 ? (n & 1) : 0;
  const size_t second = k == 2 ? 1 - first : 0;
  const uint64_t seed = options_.seed * 0x9E3779B97F4A7C15ull + 2 * n;
  SHAMMIE_ASSIGN_OR_RETURN(std::string a, loaded->policies[first]->Generate(dialog, seed));
  SHAMMIE_ASSIGN_OR_RETURN(std::string b, loaded->policies[second]->Generate(dialog, seed + 1));
  std::pair<v1::Response, v1::Response> out;
  out.first.set_text(std::move(a));
  out.first.set_policy(loaded->deployment.policies(first).name());
  out.second.set_text(std::move(b));
  out.second.set_policy(loaded->deployment.policies(second).name());
  return out;
}

}  // namespace shammie::collector
