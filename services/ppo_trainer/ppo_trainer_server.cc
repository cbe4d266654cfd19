#include "services/ppo_trainer/ppo_trainer_server.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "reward_model/pm_episode_scorer.h"

namespace shammie::ppo_trainer {

PmLoader DefaultPmLoader() {
  return [](const std::string& dir) { return reward_model::LoadPmEpisodeScorer(dir); };
}

absl::StatusOr<std::unique_ptr<PpoTrainerServer>> PpoTrainerServer::Start(
    const PpoTrainerServerOptions& options) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data_dir: required");
  namespace fs = std::filesystem;
  std::unique_ptr<PpoTrainerServer> s(new PpoTrainerServer());
  if (absl::Status st = services::ValidateTlsServerFiles(options.tls); !st.ok()) return st;
  auto channel_credentials = services::MakeChannelCredentials(options.tls_ca_file);
  if (!channel_credentials.ok()) return channel_credentials.status();
  const std::string artifacts =
      options.artifact_dir.empty() ? (fs::path(options.data_dir) / "artifacts").string() : options.artifact_dir;
  std::error_code ec;
  fs::create_directories(artifacts, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("artifact_dir ", artifacts, ": ", ec.message()));
  auto store = storage::JobStore::Open({(fs::path(options.data_dir) / "jobs").string(), "ppo"});
  if (!store.ok()) return store.status();
  s->store_ = *std::move(store);

  auto registry = options.metrics ? options.metrics : metrics::MetricsRegistry::Create();
  PpoJobOptions job;
  job.artifact_dir = artifacts;
  job.collector.address = options.collector;
  job.collector.token = options.token;
  job.collector.credentials = *channel_credentials;
  job.load_pm = DefaultPmLoader();
  job.ranks = options.ranks;
  job.metrics = std::make_shared<metrics::PpoMetrics>(registry);
  const CollectorSource prompts = job.collector;  // StartJob checks it has prompts
  jobs::JobRunnerOptions ro;
  ro.store = s->store_.get();
  ro.work = MakePpoJobWork(std::move(job));
  ro.max_running = options.ranks != nullptr ? 1 : options.max_running;  // one lockstep at a time
  ro.metrics = registry;
  ro.trainer = "ppo";
  auto runner = jobs::JobRunner::Create(ro);  // resumes unfinished jobs
  if (!runner.ok()) return runner.status();
  s->runner_ = *std::move(runner);
  // Callers are checked by the collector this trainer already uses.
  s->gate_ = std::make_unique<services::TokenGate>(
      grpc::CreateChannel(options.collector, *channel_credentials), absl::Seconds(10));
  s->service_ = std::make_unique<PolicyTrainerService>(s->runner_.get(), s->gate_.get(), prompts);

  services::ServiceHostOptions host;
  host.listen = options.listen;
  host.metrics = registry;
  host.metrics_listen = options.metrics_listen;
  host.health_services = {"shammie.v1.PolicyTrainer"};
  host.tls = options.tls;
  host.name = "the PPO trainer";
  auto served = services::ServiceHost::Start(host, {s->service_.get()});
  if (!served.ok()) return served.status();
  s->host_ = *std::move(served);
  return s;
}

void PpoTrainerServer::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (host_) host_->Shutdown();
  if (gate_) gate_->WaitForCalls();  // caller checks in flight still queue StartJobs
  service_.reset();  // finishes queued StartJob checks before the runner goes
  runner_.reset();   // pauses running jobs (RUNNING on disk, resumed next start)
  store_.reset();
}

PpoTrainerServer::~PpoTrainerServer() { Shutdown(); }

}  // namespace shammie::ppo_trainer
