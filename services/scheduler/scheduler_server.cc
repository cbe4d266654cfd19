#include "services/scheduler/scheduler_server.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/scheduler/scheduler_service.h"

namespace shammie::scheduler {
namespace {

// Gauges a dashboard plots per iteration: the stage in flight and the
// evaluation of the newest finished iteration.
class SchedulerMetrics {
 public:
  explicit SchedulerMetrics(prometheus::Registry* r)
      : stage_(prometheus::BuildGauge()
                   .Name("shammie_scheduler_stage")
                   .Help("Stage of the newest iteration (IterationStage number)")
                   .Register(*r)
                   .Add({})),
        progress_(prometheus::BuildGauge()
                      .Name("shammie_scheduler_stage_progress")
                      .Help("Progress of the stage in flight, 0..1")
                      .Register(*r)
                      .Add({})),
        eval_(prometheus::BuildGauge()
                  .Name("shammie_iteration_eval")
                  .Help("Evaluation of the newest finished iteration, by metric")
                  .Register(*r)) {}

  void Observe(const v1::Iteration& it) {
    stage_.Set(it.stage());
    progress_.Set(it.stage_progress());
    if (it.stage() != v1::SUCCEEDED) return;
    const std::pair<const char*, double> values[] = {
        {"comparisons", double(it.comparisons())}, {"pm_accuracy", it.pm_accuracy()},
        {"pm_ece", it.pm_ece()}, {"reward", it.reward()}, {"kl", it.kl()},
        {"sqrt_kl", it.sqrt_kl()}, {"slope", it.fit_slope()}, {"r2", it.fit_r2()},
        {"gold_reward", it.gold_reward()}, {"elo", it.elo()}};
    for (const auto& [name, v] : values) eval_.Add({{"metric", name}}).Set(v);
  }

 private:
  prometheus::Gauge& stage_;
  prometheus::Gauge& progress_;
  prometheus::Family<prometheus::Gauge>& eval_;
};

class RunningSchedulerServer : public SchedulerServer {
 public:
  RunningSchedulerServer(std::unique_ptr<GrpcPipeline> pipeline,
                         std::unique_ptr<Scheduler> scheduler)
      : pipeline_(std::move(pipeline)), scheduler_(std::move(scheduler)), service_(scheduler_.get()) {}

  ~RunningSchedulerServer() override {
    Shutdown();
    if (subscription_) scheduler_->Unsubscribe(subscription_);
  }

  absl::Status Serve(const SchedulerServerOptions& options) {
    if (!options.metrics_listen.empty()) {
      try {
        exposer_ = std::make_unique<prometheus::Exposer>(options.metrics_listen);
      } catch (const std::exception& e) {
        return absl::UnavailableError(
            absl::StrCat("metrics_listen ", options.metrics_listen, ": ", e.what()));
      }
      registry_ = std::make_shared<prometheus::Registry>();
      metrics_ = std::make_unique<SchedulerMetrics>(registry_.get());
      exposer_->RegisterCollectable(registry_);
      subscription_ = scheduler_->Subscribe([this](const v1::Iteration& it) { metrics_->Observe(it); });
    }
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    if (!server_ || port_ == 0) {
      return absl::UnavailableError(absl::StrCat("listen ", options.listen, ": cannot bind"));
    }
    scheduler_->Start();
    return absl::OkStatus();
  }

  int port() const override { return port_; }
  Scheduler* scheduler() override { return scheduler_.get(); }
  void Wait() override { server_->Wait(); }
  void Shutdown() override {
    if (server_) server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    scheduler_->Stop();
  }

 private:
  std::unique_ptr<GrpcPipeline> pipeline_;
  std::unique_ptr<Scheduler> scheduler_;
  SchedulerService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<SchedulerMetrics> metrics_;
  int subscription_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SchedulerServer>> SchedulerServer::Start(
    SchedulerServerOptions options) {
  auto pipeline = std::make_unique<GrpcPipeline>(options.pipeline);
  SHAMMIE_ASSIGN_OR_RETURN(auto scheduler,
                           Scheduler::Open(options.scheduler, pipeline.get(), common::Clock::Real()));
  auto server = std::make_unique<RunningSchedulerServer>(std::move(pipeline), std::move(scheduler));
  SHAMMIE_RETURN_IF_ERROR(server->Serve(options));
  return std::unique_ptr<SchedulerServer>(std::move(server));
}

}  // namespace shammie::scheduler
