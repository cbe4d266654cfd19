// shammie-pm-trainer: the preference-model training service as a process.
//
//   shammie-pm-trainer --data-dir DIR --listen 127.0.0.1:50052
//                      --collector 127.0.0.1:50051 [--token-file F] [--port-file F]
//                      [--tls-cert F --tls-key F] [--tls-ca F]
//
// Every RPC's caller is checked with the collector (--collector): StartJob
// and CancelJob need a service or operator token, reads any token
// (services/common/token_gate.h). --token-file is the trainer's own token
// for reading comparisons.
//
// Data parallel: start one trainer per rank with RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT set (as torchrun does) and send every rank the
// same StartJob (same key); the ranks meet through c10d Gloo and rank 0
// writes the checkpoint. Runs until SIGINT/SIGTERM; a job in flight pauses
// and resumes at the next start (also after SIGKILL, from its last resume
// state).
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/strip.h"
#include "common/omp_env.h"
#include "common/tensor_malloc.h"
#include "common/distributed_env.h"
#include "services/collector/operator_token.h"
#include "services/collector/wait_for_signal.h"
#include "services/pm_trainer/pm_trainer_server.h"

ABSL_FLAG(std::string, data_dir, "", "Data folder (jobs RocksDB, checkpoints/, work/); created if missing.");
ABSL_FLAG(std::string, listen, "127.0.0.1:50052", "gRPC listen address (port 0 picks one).");
ABSL_FLAG(std::string, collector, "127.0.0.1:50051", "The collector's gRPC address.");
ABSL_FLAG(std::string, token_file, "", "File holding a service or operator token for the collector.");
ABSL_FLAG(std::string, artifact_dir, "",
          "Folder for finished PM checkpoints (<dir>/checkpoints/<job>); default the data dir.");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate to serve gRPC over TLS (with --tls-key).");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert.");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA certificate(s) to reach the collector over TLS.");
ABSL_FLAG(std::string, port_file, "", "If set, write the bound port here once serving.");
ABSL_FLAG(int64_t, checkpoint_every, 20, "Training steps between resume states.");
ABSL_FLAG(std::string, metrics_listen, "auto",
          "Prometheus /metrics address; \"auto\" = gRPC port + 1000 (none for port 0), \"\" = off.");
ABSL_FLAG(int32_t, max_running, 1, "Jobs that train at once; the rest wait PENDING.");

int main(int argc, char** argv) {
  shammie::common::EnsurePassiveOmpWait(argv);
  shammie::common::KeepTensorMemoryInHeap();
  absl::SetProgramUsageMessage(
      "shammie-pm-trainer --data-dir DIR [--listen 127.0.0.1:50052] [--collector 127.0.0.1:50051]");
  std::vector<std::string> storage;
  std::vector<char*> args = shammie::collector::DashFlagsToUnderscores(argc, argv, &storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (absl::GetFlag(FLAGS_data_dir).empty()) {
    std::fprintf(stderr, "shammie-pm-trainer: --data-dir is required\n");
    return 2;
  }
  shammie::pm_trainer::PmTrainerServerOptions o;
  o.listen = absl::GetFlag(FLAGS_listen);
  o.data_dir = absl::GetFlag(FLAGS_data_dir);
  o.artifact_dir = absl::GetFlag(FLAGS_artifact_dir);
  o.collector = absl::GetFlag(FLAGS_collector);
  o.checkpoint_every = absl::GetFlag(FLAGS_checkpoint_every);
  o.max_running = absl::GetFlag(FLAGS_max_running);
  o.tls = {absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key)};
  o.tls_ca_file = absl::GetFlag(FLAGS_tls_ca);
  o.metrics_listen =
      shammie::metrics::ResolveMetricsListen(absl::GetFlag(FLAGS_metrics_listen), o.listen);
  if (const std::string f = absl::GetFlag(FLAGS_token_file); !f.empty()) {
    std::ifstream in(f);
    if (!in) {
      std::fprintf(stderr, "shammie-pm-trainer: --token-file: cannot read %s\n", f.c_str());
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    o.token = std::string(absl::StripAsciiWhitespace(text.str()));
  }
  auto env = shammie::common::DistributedOptionsFromEnv();
  if (!env.ok()) {
    std::fprintf(stderr, "shammie-pm-trainer: %s\n", env.status().ToString().c_str());
    return 2;
  }
  o.rank = env->rank;
  o.world_size = env->world_size;
  o.master_addr = env->master_addr;
  o.master_port = env->master_port;

  shammie::collector::BlockStopSignals();
  auto server = shammie::pm_trainer::PmTrainerServer::Start(o);
  if (!server.ok()) {
    std::fprintf(stderr, "shammie-pm-trainer: %s\n", server.status().ToString().c_str());
    return 1;
  }
  if (const std::string port_file = absl::GetFlag(FLAGS_port_file); !port_file.empty()) {
    absl::Status st = shammie::collector::WriteFileAtomically(
        port_file, std::to_string((*server)->port()), 0644);
    if (!st.ok()) {
      std::fprintf(stderr, "shammie-pm-trainer: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  // On stdout, for scripts and tests that start it on port 0.
  std::printf("listening on %s:%d\n", o.listen.substr(0, o.listen.rfind(':')).c_str(), (*server)->port());
  if ((*server)->metrics_port() != 0) std::printf("metrics on port %d\n", (*server)->metrics_port());
  std::fflush(stdout);
  const int sig = shammie::collector::WaitForStopSignal();
  std::fprintf(stderr, "shammie-pm-trainer: signal %d, shutting down\n", sig);
  (*server)->Shutdown();
  return 0;
}
