#include "services/cli/up_policy.h"

#include <filesystem>
#include <memory>

#include "policy/pretrain.h"
#include "services/collector/runtime_policy.h"
#include "sim/task_generator.h"

namespace shammie::cli {

absl::StatusOr<UpPolicy> MakeUpPolicy() {
  UpPolicy up;
  up.ensure_base = [](const std::string& dir) -> absl::Status {
    if (std::filesystem::exists(dir + "/config.json")) return absl::OkStatus();  // cached
    // The synthetic task's corpus (sim/), as `shammie pretrain` uses it;
    // training state next to it, so an interrupted pretraining resumes.
    sim::TaskGenerator corpus(/*seed=*/0);
    policy::PretrainOptions o;
    o.out_dir = dir;
    o.training_dir = dir + ".training";
    return policy::PretrainBytePolicy(corpus.Corpus(20000), o, /*eval=*/nullptr).status();
  };
  up.loader = collector::LoadRuntimePolicy;
  up.reply = [](const std::string& checkpoint) -> absl::StatusOr<sim::ReplyFunction> {
    auto policy = collector::LoadRuntimePolicy(checkpoint);
    if (!policy.ok()) return policy.status();
    std::shared_ptr<collector::TextPolicy> p = *std::move(policy);
    return sim::ReplyFunction(
        [p](const std::string& dialog, uint64_t seed) { return p->Generate(dialog, seed); });
  };
  return up;
}

}  // namespace shammie::cli
