// The scheduler as a running server: opens the Scheduler on its data dir,
// serves shammie.v1.Scheduler (+ grpc.health.v1) on a listen address, and
// exports Prometheus metrics. Used by `shammie-scheduler` (main.cc) and by
// `shammie up`, which runs it in-process next to the other services.
#ifndef SHAMMIE_SERVICES_SCHEDULER_SCHEDULER_SERVER_H_
#define SHAMMIE_SERVICES_SCHEDULER_SCHEDULER_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/common/tls.h"
#include "services/metrics/metrics_registry.h"
#include "services/scheduler/grpc_pipeline.h"
#include "services/scheduler/scheduler.h"

namespace shammie::scheduler {

struct SchedulerServerOptions {
  SchedulerOptions scheduler;
  GrpcPipelineOptions pipeline;
  // "127.0.0.1:50054"; port 0 picks a free one (see SchedulerServer::port()).
  std::string listen = "127.0.0.1:50054";
  // Certificate and key for TLS; empty = plaintext (warned about off
  // loopback). The clients' side is pipeline.credentials.
  services::TlsServerFiles tls;
  // Prometheus /metrics address ("127.0.0.1:51054" = gRPC port + 1000 by
  // convention); empty = no metrics endpoint of its own.
  std::string metrics_listen;
  // The registry RPCs and iteration series go to (docs/metrics.md); null
  // makes a private one. `shammie up` passes the process's shared registry
  // (served on the collector's HTTP port) and no metrics_listen.
  std::shared_ptr<metrics::MetricsRegistry> metrics;
  // Artifact folder: each iteration's record (PPO curve, PM reports, Elo
  // table) goes to <artifact_dir>/history/ for the dashboard; empty = none.
  std::string artifact_dir;
};

class SchedulerServer {
 public:
  // Opens, starts the worker (resuming an iteration in flight) and serves.
  // UNAVAILABLE when the data dir is locked or the port is taken;
  // INVALID_ARGUMENT naming --tls-cert/--tls-key for bad TLS files.
  static absl::StatusOr<std::unique_ptr<SchedulerServer>> Start(SchedulerServerOptions options);
  virtual ~SchedulerServer() = default;  // shuts the server down, then the worker

  virtual int port() const = 0;
  virtual int metrics_port() const = 0;  // 0 without an endpoint of its own
  virtual Scheduler* scheduler() = 0;
  // Blocks until Shutdown() from another thread.
  virtual void Wait() = 0;
  virtual void Shutdown() = 0;
};

}  // namespace shammie::scheduler

#endif  // SHAMMIE_SERVICES_SCHEDULER_SCHEDULER_SERVER_H_
