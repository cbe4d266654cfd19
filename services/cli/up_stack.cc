#include "services/cli/up_stack.h"

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "common/status_macros.h"
#include "common/log.h"
#include "services/collector/operator_token.h"
#include "sim/starter_comparisons.h"

namespace shammie::cli {
namespace {

namespace fs = std::filesystem;

absl::Status Named(absl::string_view service, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(service, ": ", s.message()));
}

// Where an in-process client dials a service listening on `address`: a
// wildcard host is reached on loopback.
std::string DialAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  const std::string host = colon == std::string::npos ? "" : address.substr(0, colon);
  if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") {
    return absl::StrCat("127.0.0.1", colon == std::string::npos ? ":" : "",
                        colon == std::string::npos ? address : address.substr(colon));
  }
  return address;
}

}  // namespace

absl::StatusOr<std::unique_ptr<UpStack>> UpStack::Start(const UpStackOptions& o) {
  if (o.data_dir.empty()) return absl::InvalidArgumentError("data_dir: required");
  if (o.base_checkpoint.empty()) return absl::InvalidArgumentError("base_checkpoint: required");
  if (o.pm_trainer.empty() != o.ppo_trainer.empty()) {
    return absl::InvalidArgumentError("pm_trainer and ppo_trainer: give both or neither");
  }
  // TLS files first: a bad certificate should not cost a start.
  SHAMMIE_RETURN_IF_ERROR(services::ValidateTlsServerFiles(o.tls));
  if (o.tls.enabled() && o.tls_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-ca: required with --tls-cert (the CA that signed it: the services in this "
        "process dial each other over TLS)");
  }
  std::unique_ptr<UpStack> stack(new UpStack());
  auto credentials = services::MakeChannelCredentials(o.tls.enabled() ? o.tls_ca_file : "");
  if (!credentials.ok()) return credentials.status();
  stack->client_credentials_ = *std::move(credentials);
  SHAMMIE_RETURN_IF_ERROR(stack->StartCollector(o));
  SHAMMIE_RETURN_IF_ERROR(stack->StartTrainers(o));
  SHAMMIE_RETURN_IF_ERROR(stack->StartScheduler(o));
  return stack;
}

absl::Status UpStack::StartCollector(const UpStackOptions& o) {
  collector::ResponseSamplerOptions so;
  so.loader = o.loader;
  so.state_file = o.data_dir + "/deployment.json";
  auto sampler = collector::ResponseSampler::Open(so);
  if (!sampler.ok()) return Named("sampler", sampler.status());
  sampler_ = *std::move(sampler);
  if (!sampler_->Current().ok()) {  // first start: labelers compare the base policy's answers
    v1::PolicySnapshot p;
    p.set_name("policy-0000");
    p.set_checkpoint(o.base_checkpoint);
    if (auto d = sampler_->Deploy({p}); !d.ok()) return Named("sampler", d.status());
  }

  collector::CollectorServerOptions co;
  co.listen = o.collector_listen;
  co.collector.data_dir = o.data_dir;
  co.collector.default_overlap = o.overlap;
  co.collector.sampler = sampler_.get();
  co.metrics = o.registry;
  co.tls = o.tls;
  auto server = collector::CollectorServer::Start(co);
  if (!server.ok()) return Named("collector", server.status());
  collector_ = *std::move(server);
  collector_address_ = DialAddress(collector_->address());
  std::ifstream in(fs::path(o.data_dir) / collector::kOperatorTokenFile);
  std::getline(in, operator_token_);
  if (operator_token_.empty()) return absl::InternalError("collector: no operator token was written");
  SHAMMIE_RETURN_IF_ERROR(CreateServicesToken());
  SHAMMIE_RETURN_IF_ERROR(ImportStarterOnce(o));

  // The scheduler writes each iteration's record here; the dashboard reads it.
  auto history = dashboard::IterationHistory::Open(o.data_dir + "/artifacts");
  if (!history.ok()) return Named("history", history.status());
  history_ = *std::move(history);
  if (o.http_listen.empty()) return absl::OkStatus();
  collector::HttpServerOptions ho;
  ho.listen = o.http_listen;
  ho.sampler_configured = true;
  ho.metrics = o.registry;
  ho.history = history_.get();
  ho.tls = o.tls;
  auto http = collector::HttpServer::Start(collector_->collector(), ho);
  if (!http.ok()) return Named("http", http.status());
  http_ = *std::move(http);
  return absl::OkStatus();
}

// A fresh SERVICE token per start (the name carries the time, so a restart
// never collides with an earlier one): the trainers and the scheduler need
// no more than that role, and the operator token stays with the operator.
absl::Status UpStack::CreateServicesToken() {
  auto stub =
      v1::ComparisonService::NewStub(grpc::CreateChannel(collector_address_, client_credentials_));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", operator_token_));
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::CreateTokenRequest req;
  req.set_name(absl::StrCat("up-services-", absl::ToUnixSeconds(absl::Now())));
  req.set_role(v1::SERVICE);
  v1::Token token;
  grpc::Status s = stub->CreateToken(&ctx, req, &token);
  if (!s.ok()) {
    return absl::UnavailableError(
        absl::StrCat("collector: creating the services' token: ", s.error_message()));
  }
  services_token_ = token.secret();
  return absl::OkStatus();
}

absl::Status UpStack::ImportStarterOnce(const UpStackOptions& o) {
  if (o.starter_comparisons <= 0) return absl::OkStatus();
  auto stub =
      v1::ComparisonService::NewStub(grpc::CreateChannel(collector_address_, client_credentials_));
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", operator_token_));
  v1::Stats stats;
  grpc::Status s = stub->GetStats(&ctx, v1::GetStatsRequest(), &stats);
  if (!s.ok()) return absl::UnavailableError(absl::StrCat("collector: stats: ", s.error_message()));
  if (stats.last_seq() > 0) return absl::OkStatus();  // not the first start
  auto imported = sim::ImportStarterComparisons(stub.get(), operator_token_, o.starter_comparisons,
                                                /*seed=*/1);
  if (!imported.ok()) return Named("collector", imported.status());
  SHAMMIE_LOG(INFO) << "imported " << imported->imported() << " starter comparisons";
  return absl::OkStatus();
}

absl::Status UpStack::StartTrainers(const UpStackOptions& o) {
  if (!o.pm_trainer.empty()) {
    pm_trainer_address_ = o.pm_trainer;
    ppo_trainer_address_ = o.ppo_trainer;
    return absl::OkStatus();
  }
  pm_trainer::PmTrainerServerOptions pm;
  pm.listen = o.pm_trainer_listen;
  pm.data_dir = o.data_dir + "/pm-trainer";
  pm.collector = collector_address_;
  pm.token = services_token_;
  pm.metrics = o.registry;
  pm.tls = o.tls;
  pm.tls_ca_file = o.tls.enabled() ? o.tls_ca_file : "";
  auto pm_server = pm_trainer::PmTrainerServer::Start(pm);
  if (!pm_server.ok()) return Named("pm trainer", pm_server.status());
  pm_trainer_ = *std::move(pm_server);
  pm_trainer_address_ = absl::StrCat("127.0.0.1:", pm_trainer_->port());

  ppo_trainer::PpoTrainerServerOptions ppo;
  ppo.listen = o.ppo_trainer_listen;
  ppo.data_dir = o.data_dir + "/ppo-trainer";
  ppo.collector = collector_address_;
  ppo.token = services_token_;
  ppo.metrics = o.registry;
  ppo.tls = o.tls;
  ppo.tls_ca_file = o.tls.enabled() ? o.tls_ca_file : "";
  auto ppo_server = ppo_trainer::PpoTrainerServer::Start(ppo);
  if (!ppo_server.ok()) return Named("ppo trainer", ppo_server.status());
  ppo_trainer_ = *std::move(ppo_server);
  ppo_trainer_address_ = absl::StrCat("127.0.0.1:", ppo_trainer_->port());
  return absl::OkStatus();
}

absl::Status UpStack::StartScheduler(const UpStackOptions& o) {
  scheduler::SchedulerServerOptions so;
  so.listen = o.scheduler_listen;
  so.metrics = o.registry;
  so.artifact_dir = o.data_dir + "/artifacts";
  so.scheduler.data_dir = o.data_dir + "/scheduler";
  so.scheduler.period_override = o.period;
  so.scheduler.anchor_override = absl::Now();
  so.scheduler.max_cadence_iterations = o.max_iterations;
  so.scheduler.iteration.base_checkpoint = o.base_checkpoint;
  so.scheduler.iteration.pm = o.pm;
  so.scheduler.iteration.ppo = o.ppo;
  so.scheduler.iteration.min_comparisons = o.min_comparisons;
  so.scheduler.iteration.gold_reward = o.gold_reward;
  so.pipeline.collector_address = collector_address_;
  so.pipeline.pm_trainer_address = pm_trainer_address_;
  so.pipeline.ppo_trainer_address = ppo_trainer_address_;
  so.pipeline.token = services_token_;
  so.pipeline.credentials = client_credentials_;
  so.tls = o.tls;
  auto server = scheduler::SchedulerServer::Start(so);
  if (!server.ok()) return Named("scheduler", server.status());
  scheduler_ = *std::move(server);
  return absl::OkStatus();
}

UpStack::~UpStack() {
  // Reverse order: nothing calls a service that is already gone.
  if (scheduler_) scheduler_->Shutdown();
  scheduler_.reset();
  ppo_trainer_.reset();  // running jobs pause; the next `up` resumes them
  pm_trainer_.reset();
  if (http_) http_->Shutdown();
  http_.reset();
  if (collector_) collector_->Shutdown();
}

}  // namespace shammie::cli
