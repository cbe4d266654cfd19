// Reads top to bottom like the job: load inputs, resume, step until done
// (or cancelled, or over-optimized when asked), write the final checkpoint.
#include "services/ppo_trainer/ppo_job.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "policy/overoptimization.h"
#include "policy/ppo_metrics.h"
#include "policy/ppo_run.h"
#include "services/ppo_trainer/ppo_spec.h"

namespace shammie::ppo_trainer {
namespace {

constexpr char kReportFile[] = "report.pb";

absl::Status WriteReport(const std::string& dir, const v1::PpoReport& report) {
  std::ofstream out(std::filesystem::path(dir) / kReportFile, std::ios::binary | std::ios::trunc);
  if (!out || !report.SerializeToOstream(&out) || !out.flush()) {
    return absl::InternalError(absl::StrCat("cannot write ", dir, "/", kReportFile));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::PpoReport> ReadReport(const std::string& dir) {
  std::ifstream in(std::filesystem::path(dir) / kReportFile, std::ios::binary);
  v1::PpoReport report;
  if (!in || !report.ParseFromIstream(&in)) {
    return absl::DataLossError(absl::StrCat("cannot read ", dir, "/", kReportFile));
  }
  return report;
}

// A checkpoint is the run's state plus the curve so far, both under `dir`.
absl::Status SaveCheckpoint(policy::PpoRun& run, const std::string& dir,
                            const v1::PpoReport& report) {
  SHAMMIE_RETURN_IF_ERROR(run.SaveCheckpoint(dir));
  return WriteReport(dir, report);
}

v1::JobProgress Progress(const v1::PpoStep& s, uint32_t total) {
  v1::JobProgress p;
  p.set_step(s.step());
  p.set_total_steps(total);
  p.set_items_per_second(s.episodes_per_second());
  if (s.episodes_per_second() > 0) {
    // Steps take about the same time: episodes per step / episodes per second.
    p.set_eta_seconds((total - s.step()) * (s.rollout_seconds() + s.scoring_seconds() +
                                            s.update_seconds()));
  }
  auto& m = *p.mutable_metrics();
  m["reward"] = s.reward();
  m["kl"] = s.kl();
  m["sqrt_kl"] = s.sqrt_kl();
  m["beta"] = s.beta();
  m["entropy"] = s.entropy();
  m["clip_fraction"] = s.clip_fraction();
  m["approx_kl"] = s.approx_kl();
  m["value_loss"] = s.value_loss();
  m["explained_variance"] = s.explained_variance();
  m["response_length"] = s.response_length();
  m["test_reward"] = s.test_reward();
  m["gold_reward"] = s.gold_reward();
  return p;
}

// While armed, leaving the job tells the follower ranks to stop waiting for
// another step (they are waiting after every successful step).
class ReleaseFollowers {
 public:
  explicit ReleaseFollowers(RankChannel* ranks) : ranks_(ranks) {}
  ~ReleaseFollowers() {
    if (armed_) (void)ranks_->Continue(false);
  }
  void Arm() { armed_ = ranks_ != nullptr; }
  // Before each step: tell the followers whether it happens.
  absl::Status Send(bool go) {
    if (ranks_ == nullptr) return absl::OkStatus();
    armed_ = false;
    return ranks_->Continue(go);
  }

 private:
  RankChannel* ranks_;
  bool armed_ = false;
};

absl::StatusOr<jobs::JobOutcome> RunJob(const PpoJobOptions& options, jobs::JobContext& ctx) {
  v1::PpoJobSpec spec;
  if (!ctx.job().spec().UnpackTo(&spec)) return absl::InternalError("stored spec is not a PpoJobSpec");
  const std::string job_dir = (std::filesystem::path(options.artifact_dir) / ctx.job().status().id()).string();

  // Inputs: prompts, then (on every rank) PMs, gold reward and the run.
  std::vector<std::string> prompts;
  if (!spec.prompt_file().empty()) {
    SHAMMIE_ASSIGN_OR_RETURN(prompts, ReadPromptFile(spec.prompt_file()));
  } else {
    SHAMMIE_ASSIGN_OR_RETURN(prompts, FetchCollectorPrompts(options.collector));
  }
  RankChannel* ranks = options.ranks.get();
  if (ranks != nullptr) {
    SHAMMIE_RETURN_IF_ERROR(
        ranks->AnnounceJob({ctx.job().status().id(), spec, ctx.job().resume_checkpoint(), prompts}));
  }
  absl::StatusOr<std::unique_ptr<PpoJobRun>> built =
      BuildPpoJobRun(spec, std::move(prompts), options.load_pm, ctx.job().resume_checkpoint(),
                     ranks != nullptr ? ranks->group() : nullptr);
  ReleaseFollowers followers(ranks);
  if (ranks != nullptr) {
    SHAMMIE_ASSIGN_OR_RETURN(bool all, ranks->group()->AllTrue(built.ok()));
    if (built.ok() && !all) return absl::UnavailableError("another rank could not start the job");
  }
  if (!built.ok()) return built.status();
  followers.Arm();  // they wait for our first Continue
  policy::PpoRun& run = *(*built)->run;
  const policy::PpoOptions run_options = ToPpoOptions(spec);

  // The curve up to the resume checkpoint.
  v1::PpoReport report;
  policy::OverOptimizationDetector detector(run_options.overoptimization);
  if (!ctx.job().resume_checkpoint().empty()) {
    SHAMMIE_ASSIGN_OR_RETURN(report, ReadReport(ctx.job().resume_checkpoint()));
    for (const v1::PpoStep& s : report.steps()) detector.Add(s.step(), s.reward(), s.test_reward());
    SHAMMIE_LOG(INFO) << "ppo job " << ctx.job().status().id() << " resumed at step " << run.step();
  }
  report.set_prompts_used(run.prompts().used);
  report.set_prompts_skipped(run.prompts().skipped);

  // Steps (the followers step with us: each Send(true) is one Step()).
  while (true) {
    const bool go = run.step() < spec.steps() && !ctx.Cancelled() && !report.stopped_on_overoptimization();
    SHAMMIE_RETURN_IF_ERROR(followers.Send(go));
    if (!go) break;
    SHAMMIE_ASSIGN_OR_RETURN(policy::PpoStepMetrics m, run.Step());
    followers.Arm();
    *report.add_steps() = ToProto(m);
    if (options.metrics) options.metrics->ObserveStep(report.steps(report.steps_size() - 1));
    ctx.ReportProgress(Progress(report.steps(report.steps_size() - 1), spec.steps()));
    google::protobuf::Any partial;
    partial.PackFrom(report);
    ctx.ReportPartialResult(partial);
    const bool fired = detector.Add(m.step, m.reward, m.test_reward);
    if (fired) {
      report.set_overoptimization_step(detector.parting_step());
      report.set_overoptimization_detected_step(detector.detected_step());
      if (spec.stop_on_overoptimization()) report.set_stopped_on_overoptimization(true);
    }
    if (spec.checkpoint_every() > 0 && m.step % spec.checkpoint_every() == 0 && m.step < spec.steps() &&
        !report.stopped_on_overoptimization()) {
      const std::string dir = absl::StrCat(job_dir, "/step-", m.step);
      SHAMMIE_RETURN_IF_ERROR(SaveCheckpoint(run, dir, report));
      SHAMMIE_RETURN_IF_ERROR(ctx.SaveResumePoint(dir, m.step));
    }
  }
  if (ctx.Cancelled() && run.step() < spec.steps() && !report.stopped_on_overoptimization()) {
    return absl::CancelledError("cancelled");
  }

  // The finished policy and its report.
  FinishReport(report);
  if (options.metrics) options.metrics->ObserveReport(report);
  const std::string final_dir = job_dir + "/final";
  SHAMMIE_RETURN_IF_ERROR(SaveCheckpoint(run, final_dir, report));
  jobs::JobOutcome outcome;
  outcome.result.PackFrom(report);
  outcome.checkpoint = final_dir;
  return outcome;
}

}  // namespace

v1::PpoStep ToProto(const policy::PpoStepMetrics& m) {
  v1::PpoStep s;
  s.set_step(m.step);
  s.set_reward(m.reward);
  s.set_kl(m.kl);
  s.set_sqrt_kl(m.sqrt_kl);
  s.set_beta(m.beta);
  s.set_entropy(m.entropy);
  s.set_clip_fraction(m.clip_fraction);
  s.set_approx_kl(m.approx_kl);
  s.set_value_loss(m.value_loss);
  s.set_explained_variance(m.explained_variance);
  s.set_response_length(m.response_length);
  s.set_test_reward(m.test_reward);
  s.set_gold_reward(m.gold_reward);
  s.set_policy_loss(m.policy_loss);
  s.set_episodes_per_second(m.episodes_per_second);
  s.set_rollout_seconds(m.rollout_seconds);
  s.set_scoring_seconds(m.scoring_seconds);
  s.set_update_seconds(m.update_seconds);
  return s;
}

absl::StatusOr<std::unique_ptr<PpoJobRun>> BuildPpoJobRun(
    const v1::PpoJobSpec& spec, std::vector<std::string> prompts, const PmLoader& load_pm,
    const std::string& resume_checkpoint, std::shared_ptr<common::ProcessGroup> group) {
  auto parts = std::make_unique<PpoJobRun>();
  SHAMMIE_ASSIGN_OR_RETURN(parts->pm, load_pm(spec.pm_checkpoint()));
  if (!spec.test_pm_checkpoint().empty()) {
    SHAMMIE_ASSIGN_OR_RETURN(parts->test_pm, load_pm(spec.test_pm_checkpoint()));
  }
  policy::PpoRunSpec run_spec;
  run_spec.options = ToPpoOptions(spec);
  run_spec.policy_checkpoint = spec.policy_checkpoint();
  run_spec.reference_checkpoint = spec.reference_checkpoint();
  run_spec.prompts = std::move(prompts);
  run_spec.scorers = {parts->pm.get(), parts->test_pm.get(), spec.gold_reward() ? &parts->gold : nullptr};
  run_spec.group = std::move(group);
  SHAMMIE_ASSIGN_OR_RETURN(parts->run, policy::PpoRun::Create(run_spec));
  if (!resume_checkpoint.empty()) SHAMMIE_RETURN_IF_ERROR(parts->run->Resume(resume_checkpoint));
  return parts;
}

void FinishReport(v1::PpoReport& report) {
  std::vector<policy::RewardKlPoint> points;
  for (const v1::PpoStep& s : report.steps()) points.push_back({s.kl(), s.reward()});
  absl::StatusOr<policy::RewardKlFit> fit = policy::FitRewardVsSqrtKl(points);
  if (fit.ok()) {
    report.set_fit_a(fit->a);
    report.set_fit_b(fit->b);
    report.set_fit_r2(fit->r2);
    report.set_fit_points(fit->points);
  } else {
    const double nan = policy::PpoStepMetrics::kNaN;
    report.set_fit_a(nan);
    report.set_fit_b(nan);
    report.set_fit_r2(nan);
  }
}

jobs::JobWork MakePpoJobWork(PpoJobOptions options) {
  return [options = std::move(options)](jobs::JobContext& ctx) { return RunJob(options, ctx); };
}

}  // namespace shammie::ppo_trainer
