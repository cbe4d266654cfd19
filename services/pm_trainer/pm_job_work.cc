#include "services/pm_trainer/pm_job_work.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "reward_model/pm_data.h"
#include "reward_model/pm_job.h"
#include "sim/gold_reward.h"

namespace shammie::pm_trainer {
namespace {

namespace fs = std::filesystem;

// +1 / −1 when the synthetic task's gold reward knows the prompt and the
// two responses differ in gold; 0 otherwise (real data has no gold).
int GoldOrder(const v1::Comparison& c) {
  const std::string context = reward_model::RenderContext(c.context());
  const sim::GoldScore a = sim::GoldReward::Score(context, c.response_a().text());
  if (!a.known_prompt) return 0;
  const double b = sim::GoldReward::Reward(context, c.response_b().text());
  return a.total() > b ? 1 : (a.total() < b ? -1 : 0);
}

}  // namespace

std::string PmCheckpointDir(const std::string& data_dir, const std::string& job_id) {
  return (fs::path(data_dir) / "checkpoints" / job_id).string();
}

jobs::JobWork MakePmJobWork(PmJobWorkOptions o) {
  return [o](jobs::JobContext& ctx) -> absl::StatusOr<jobs::JobOutcome> {
    const v1::StoredJob& job = ctx.job();
    v1::PmJobSpec spec;
    if (!job.spec().UnpackTo(&spec)) return absl::DataLossError("stored job spec is not a PmJobSpec");
    const std::string id = job.status().id();

    auto comparisons = o.collector->Export(spec.watermark(), [&ctx] { return ctx.Cancelled(); });
    if (!comparisons.ok()) return comparisons.status();
    if (comparisons->empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "watermark: no comparisons with seq <= ", spec.watermark(), " at the collector"));
    }

    reward_model::PmJobInputs in;
    in.spec = spec;
    in.comparisons = *std::move(comparisons);
    for (const v1::Comparison& c : in.comparisons) in.gold.push_back(GoldOrder(c));
    in.output_dir = PmCheckpointDir(o.data_dir, id);
    in.work_dir = (fs::path(o.data_dir) / "work" / id).string();
    in.resume_state = job.resume_checkpoint();
    in.checkpoint_every = o.checkpoint_every;
    in.rank = o.rank;
    in.world_size = o.world_size;
    in.master_addr = o.master_addr;
    in.master_port = o.master_port;
    // A previous attempt may have died after the rename: that checkpoint is
    // complete (the rename is its last step), so report it, do not retrain.
    std::error_code ec;
    if (fs::exists(fs::path(in.output_dir) / "report.json")) {
      std::ifstream file(fs::path(in.output_dir) / "report.json");
      std::stringstream text;
      text << file.rdbuf();
      v1::PmReport report;
      if (google::protobuf::util::JsonStringToMessage(text.str(), &report).ok()) {
        if (o.metrics) o.metrics->ObserveReport(spec.data_half(), report);
        jobs::JobOutcome out;
        out.result.PackFrom(report);
        out.checkpoint = in.output_dir;
        return out;
      }
    }
    fs::create_directories(in.work_dir, ec);

    reward_model::PmJobCallbacks cb;
    cb.cancelled = [&ctx] { return ctx.Cancelled(); };
    cb.progress = [&ctx, &o, &spec](const v1::JobProgress& p) {
      ctx.ReportProgress(p);
      auto loss = p.metrics().find("loss");
      if (o.metrics && loss != p.metrics().end()) o.metrics->ObserveTrainLoss(spec.data_half(), loss->second);
    };
    cb.resume_point = [&ctx](const std::string& dir, uint64_t step) {
      return ctx.SaveResumePoint(dir, step);
    };
    auto report = reward_model::RunPmJob(in, cb);
    if (!report.ok()) return report.status();
    if (o.metrics) o.metrics->ObserveReport(spec.data_half(), *report);
    jobs::JobOutcome out;
    out.result.PackFrom(*report);
    out.checkpoint = in.output_dir;
    fs::remove_all(in.work_dir, ec);  // resume states are not needed any more
    return out;
  };
}

}  // namespace shammie::pm_trainer
