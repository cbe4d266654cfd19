// shammie-scheduler: the weekly iterated-online loop as a service.
//
//   shammie-scheduler --data-dir DIR --listen 127.0.0.1:50054
//     --collector 127.0.0.1:50051 --pm-trainer 127.0.0.1:50052
//     --ppo-trainer 127.0.0.1:50053 --token-file TOKEN
//     --base-checkpoint CKPT [--period 7d --anchor 2026-11-30T00:00:00Z]
//     [--pm-spec 'batch_size: 16' --ppo-spec 'steps: 40']
//     [--tls-cert FILE --tls-key FILE] [--tls-ca FILE]
// --tls-cert/--tls-key: serve over TLS; --tls-ca: the CA that signed the
// collector's and trainers' certificates (TLS to them). Trigger, cancel and
// schedule changes need an operator token, checked by the collector
// (services/common/token_gate.h).
// Flag names take dashes or underscores (--data-dir = --data_dir).
//
// Runs until SIGINT/SIGTERM; an iteration in flight when it stops (or is
// killed) resumes in its stage at the next start.
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "google/protobuf/text_format.h"
#include "services/collector/wait_for_signal.h"
#include "services/common/tls.h"
#include "services/metrics/metrics_exposer.h"
#include "services/scheduler/iteration_defaults.h"
#include "services/scheduler/scheduler_server.h"

ABSL_FLAG(std::string, data_dir, "", "RocksDB folder for iterations and the schedule");
ABSL_FLAG(std::string, listen, "127.0.0.1:50054", "gRPC listen address");
ABSL_FLAG(std::string, metrics_listen, "auto",
          "Prometheus /metrics address; \"auto\" = gRPC port + 1000 on the same host, \"\" = none");
ABSL_FLAG(std::string, artifact_dir, "",
          "artifact folder; each iteration's record (PPO curve, PM reports, Elo) is written to "
          "<dir>/history for the collector's dashboard (empty: none)");
ABSL_FLAG(std::string, collector, "127.0.0.1:50051", "collector gRPC address");
ABSL_FLAG(std::string, pm_trainer, "127.0.0.1:50052", "pm-trainer gRPC address");
ABSL_FLAG(std::string, ppo_trainer, "127.0.0.1:50053", "ppo-trainer gRPC address");
ABSL_FLAG(std::string, token_file, "",
          "file holding a service or operator bearer token for the other services");
ABSL_FLAG(std::string, base_checkpoint, "",
          "initial policy checkpoint: the PM trunk and every PPO run start here");
ABSL_FLAG(std::string, period, "", "cadence period, e.g. 7d, 30s (default: stored, else 7d)");
ABSL_FLAG(std::string, anchor, "",
          "cadence anchor, RFC 3339 (default: stored, else a Monday 00:00 UTC)");
ABSL_FLAG(std::string, pm_spec, "",
          "PmJobSpec fields in protobuf text format, over the defaults (iteration_defaults.h)");
ABSL_FLAG(std::string, ppo_spec, "",
          "PpoJobSpec fields in protobuf text format, over the defaults (iteration_defaults.h)");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate to serve gRPC over TLS (with --tls-key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA certificate(s) to reach the collector and trainers over TLS (empty: plaintext)");
ABSL_FLAG(bool, single_pm, false, "train one PM on all data (no test PM on a disjoint half)");
ABSL_FLAG(int64_t, min_comparisons, 1, "an iteration needs at least this many comparisons");

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

int Fail(const std::string& message) {
  std::cerr << "shammie-scheduler: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // absl flags are spelled with underscores; accept the documented dashes.
  std::vector<std::string> storage;
  std::vector<char*> args = shammie::collector::DashFlagsToUnderscores(argc, argv, &storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  using shammie::scheduler::ParseAnchor;
  using shammie::scheduler::ParsePeriod;
  shammie::scheduler::SchedulerServerOptions opts;
  opts.scheduler.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (opts.scheduler.data_dir.empty()) return Fail("--data-dir is required");
  opts.scheduler.iteration.base_checkpoint = absl::GetFlag(FLAGS_base_checkpoint);
  if (opts.scheduler.iteration.base_checkpoint.empty()) return Fail("--base-checkpoint is required");
  if (!absl::GetFlag(FLAGS_period).empty()) {
    auto p = ParsePeriod(absl::GetFlag(FLAGS_period), "--period");
    if (!p.ok()) return Fail(std::string(p.status().message()));
    opts.scheduler.period_override = *p;
  }
  if (!absl::GetFlag(FLAGS_anchor).empty()) {
    auto a = ParseAnchor(absl::GetFlag(FLAGS_anchor), "--anchor");
    if (!a.ok()) return Fail(std::string(a.status().message()));
    opts.scheduler.anchor_override = *a;
  }
  auto pm = shammie::scheduler::PmTemplateFromText(absl::GetFlag(FLAGS_pm_spec), "--pm-spec");
  if (!pm.ok()) return Fail(std::string(pm.status().message()));
  opts.scheduler.iteration.pm = *pm;
  auto ppo = shammie::scheduler::PpoTemplateFromText(absl::GetFlag(FLAGS_ppo_spec), "--ppo-spec");
  if (!ppo.ok()) return Fail(std::string(ppo.status().message()));
  opts.scheduler.iteration.ppo = *ppo;
  if (absl::GetFlag(FLAGS_single_pm)) {
    opts.scheduler.iteration.pm_data_half = 0;
    opts.scheduler.iteration.train_test_pm = false;
  }
  opts.scheduler.iteration.min_comparisons = absl::GetFlag(FLAGS_min_comparisons);
  opts.pipeline.collector_address = absl::GetFlag(FLAGS_collector);
  opts.pipeline.pm_trainer_address = absl::GetFlag(FLAGS_pm_trainer);
  opts.pipeline.ppo_trainer_address = absl::GetFlag(FLAGS_ppo_trainer);
  if (!absl::GetFlag(FLAGS_token_file).empty()) {
    std::ifstream in(absl::GetFlag(FLAGS_token_file));
    if (!in) return Fail("--token-file: cannot read " + absl::GetFlag(FLAGS_token_file));
    std::stringstream ss;
    ss << in.rdbuf();
    opts.pipeline.token = std::string(absl::StripAsciiWhitespace(ss.str()));
  }
  opts.listen = absl::GetFlag(FLAGS_listen);
  opts.tls = {absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key)};
  if (absl::Status st = shammie::services::ValidateTlsServerFiles(opts.tls); !st.ok()) {
    return Fail(std::string(st.message()));
  }
  auto credentials = shammie::services::MakeChannelCredentials(absl::GetFlag(FLAGS_tls_ca));
  if (!credentials.ok()) return Fail(std::string(credentials.status().message()));
  opts.pipeline.credentials = *credentials;
  opts.artifact_dir = absl::GetFlag(FLAGS_artifact_dir);
  opts.metrics_listen =
      shammie::metrics::ResolveMetricsListen(absl::GetFlag(FLAGS_metrics_listen), opts.listen);

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  auto server = shammie::scheduler::SchedulerServer::Start(opts);
  if (!server.ok()) return Fail(server.status().ToString());
  // Printed for scripts and tests that start with --listen 127.0.0.1:0.
  std::cout << "shammie-scheduler listening on port " << (*server)->port() << std::endl;
  if ((*server)->metrics_port() != 0) std::cout << "metrics on port " << (*server)->metrics_port() << std::endl;
  SHAMMIE_LOG(INFO) << "scheduler serving on " << opts.listen << " (port " << (*server)->port()
                    << ")";
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*server)->Shutdown();
  return 0;
}
