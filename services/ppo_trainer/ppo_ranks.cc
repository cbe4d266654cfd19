// Job messages travel as CBOR with byte strings, so prompts and the
// serialized spec need not be valid UTF-8.
#include "services/ppo_trainer/ppo_ranks.h"

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace shammie::ppo_trainer {
namespace {

nlohmann::json Bytes(const std::string& s) {
  return nlohmann::json::binary(std::vector<std::uint8_t>(s.begin(), s.end()));
}

std::string String(const nlohmann::json& j) {
  const auto& b = j.get_binary();
  return std::string(b.begin(), b.end());
}

std::string JobKey(uint64_t n) { return absl::StrCat("shammie/ppo/job/", n); }

constexpr char kGo[] = "step";
constexpr char kStop[] = "end";

}  // namespace

std::string EncodeRankJob(const RankJob& job) {
  nlohmann::json j;
  j["id"] = Bytes(job.job_id);
  j["spec"] = Bytes(job.spec.SerializeAsString());
  j["resume"] = Bytes(job.resume_checkpoint);
  j["prompts"] = nlohmann::json::array();
  for (const std::string& p : job.prompts) j["prompts"].push_back(Bytes(p));
  const std::vector<std::uint8_t> cbor = nlohmann::json::to_cbor(j);
  return std::string(cbor.begin(), cbor.end());
}

absl::StatusOr<RankJob> DecodeRankJob(const std::string& bytes) {
  const nlohmann::json j = nlohmann::json::from_cbor(bytes, /*strict=*/true, /*allow_exceptions=*/false);
  RankJob job;
  if (j.is_discarded() || !j.contains("id") || !j["id"].is_binary() || !j.contains("spec") ||
      !j["spec"].is_binary() || !j.contains("resume") || !j["resume"].is_binary() ||
      !j.contains("prompts") || !j["prompts"].is_array() ||
      !job.spec.ParseFromString(String(j["spec"]))) {
    return absl::DataLossError("rank job message: not a job");
  }
  job.job_id = String(j["id"]);
  job.resume_checkpoint = String(j["resume"]);
  for (const nlohmann::json& p : j["prompts"]) {
    if (!p.is_binary()) return absl::DataLossError("rank job message: a prompt is not bytes");
    job.prompts.push_back(String(p));
  }
  return job;
}

absl::Status RankChannel::AnnounceJob(const RankJob& job) {
  return group_->Publish(JobKey(++jobs_), EncodeRankJob(job));
}

absl::StatusOr<bool> RankChannel::NextJob(RankJob* job, const std::function<bool()>& stop,
                                          int poll_ms) {
  const std::string key = JobKey(jobs_ + 1);
  std::string bytes;
  while (!stop || !stop()) {
    absl::StatusOr<bool> found = group_->TryFetch(key, &bytes);
    if (!found.ok()) return found.status();
    if (*found) {
      ++jobs_;
      absl::StatusOr<RankJob> decoded = DecodeRankJob(bytes);
      if (!decoded.ok()) return decoded.status();
      *job = *std::move(decoded);
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
  }
  return false;
}

absl::Status RankChannel::Continue(bool go) {
  std::string word = go ? kGo : kStop;
  return group_->BroadcastBytes(&word);
}

absl::StatusOr<bool> RankChannel::ShouldContinue() {
  std::string word;
  if (absl::Status s = group_->BroadcastBytes(&word); !s.ok()) return s;
  if (word != kGo && word != kStop) return absl::DataLossError(absl::StrCat("rank 0 said \"", word, "\""));
  return word == kGo;
}

}  // namespace shammie::ppo_trainer
