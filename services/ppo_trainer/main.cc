// shammie-ppo-trainer: serves shammie.v1.PolicyTrainer.
//   shammie-ppo-trainer --data-dir DIR [--listen 127.0.0.1:50053] [--collector 127.0.0.1:50051]
//                       [--metrics-listen auto] [--artifact-dir DIR] [--collector-token-file FILE]
//                       [--tls-cert F --tls-key F] [--tls-ca F]
// Every RPC's caller is checked with the collector (--collector): StartJob
// and CancelJob need a service or operator token, reads any token
// (services/common/token_gate.h); --collector-token-file is the trainer's
// own token for reading prompts.
// Jobs live in <data-dir>/jobs (RocksDB); checkpoints in <data-dir>/artifacts
// (or --artifact-dir). Unfinished jobs resume from their last checkpoint when
// the trainer starts. Prints "listening on HOST:PORT" once serving.
//
// Data parallel (torchrun's variables): start one process per rank with
// WORLD_SIZE=W RANK=r MASTER_ADDR=A MASTER_PORT=P. Rank 0 is the trainer
// above (flags as usual) and hosts the rendezvous; ranks 1…W−1 take no
// flags but need the same filesystem, serve nothing, print "rank r of W:
// following rank 0" and run every job of rank 0 with it, each on its share
// of every batch (services/ppo_trainer/ppo_ranks.h). Rank 0 writes all
// checkpoints and metrics. A follower exits when rank 0 is gone; restart
// the ranks together.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <thread>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/distributed_env.h"
#include "common/log.h"
#include "common/omp_env.h"
#include "common/tensor_malloc.h"
#include "common/process_group.h"
#include "services/collector/wait_for_signal.h"
#include "services/ppo_trainer/ppo_follower.h"
#include "services/ppo_trainer/ppo_trainer_server.h"

ABSL_FLAG(std::string, data_dir, "", "folder for the job store and (by default) artifacts");
ABSL_FLAG(std::string, listen, "127.0.0.1:50053", "gRPC address (port 0 picks a free port)");
ABSL_FLAG(std::string, collector, "127.0.0.1:50051", "collector gRPC address (prompts)");
ABSL_FLAG(std::string, collector_token_file, "",
          "file holding a bearer token for the collector (default <data-dir>/operator.token)");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate to serve gRPC over TLS (with --tls-key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls-cert");
ABSL_FLAG(std::string, tls_ca, "", "PEM CA certificate(s) to reach the collector over TLS");
ABSL_FLAG(std::string, artifact_dir, "", "checkpoint folder (default <data-dir>/artifacts)");
ABSL_FLAG(std::string, metrics_listen, "auto",
          "Prometheus /metrics address; \"auto\" = gRPC port + 1000 (none for port 0), \"\" = off");

namespace {

std::string ReadToken(const std::string& path) {
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  return token;
}

std::atomic<bool> follower_stop{false};

// Ranks 1…W−1: follow rank 0 until a stop signal (while idle) or rank 0 is gone.
int RunFollower(shammie::ppo_trainer::RankChannel& ranks) {
  std::thread([] {
    shammie::collector::WaitForStopSignal();
    follower_stop = true;
  }).detach();
  std::printf("rank %lld of %lld: following rank 0\n", static_cast<long long>(ranks.group()->rank()),
              static_cast<long long>(ranks.group()->world_size()));
  std::fflush(stdout);
  absl::Status s = shammie::ppo_trainer::FollowRankZero(ranks, shammie::ppo_trainer::DefaultPmLoader(),
                                                        [] { return follower_stop.load(); });
  if (!s.ok()) {
    std::fprintf(stderr, "shammie-ppo-trainer: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  shammie::common::EnsurePassiveOmpWait(argv);
  shammie::common::KeepTensorMemoryInHeap();
  // Before any thread exists, so every thread inherits the blocked mask.
  shammie::collector::BlockStopSignals();
  std::vector<std::string> storage;
  std::vector<char*> args = shammie::collector::DashFlagsToUnderscores(argc, argv, &storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  absl::StatusOr<shammie::common::DistributedOptions> env = shammie::common::DistributedOptionsFromEnv();
  if (!env.ok()) {
    std::fprintf(stderr, "shammie-ppo-trainer: %s\n", env.status().ToString().c_str());
    return 2;
  }
  std::shared_ptr<shammie::ppo_trainer::RankChannel> ranks;
  if (env->world_size > 1) {
    // Generous: a rank waits in a collective while the other finishes a
    // step or writes a checkpoint on a busy machine.
    env->timeout = absl::Minutes(5);
    auto group = shammie::common::ProcessGroup::Connect(*env);
    if (!group.ok()) {
      std::fprintf(stderr, "shammie-ppo-trainer: %s\n", group.status().ToString().c_str());
      return 1;
    }
    ranks = std::make_shared<shammie::ppo_trainer::RankChannel>(
        std::shared_ptr<shammie::common::ProcessGroup>(*std::move(group)));
    if (env->rank > 0) return RunFollower(*ranks);
  }
  shammie::ppo_trainer::PpoTrainerServerOptions o;
  o.ranks = ranks;
  o.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (o.data_dir.empty()) {
    std::fprintf(stderr, "shammie-ppo-trainer: --data-dir is required\n");
    return 2;
  }
  o.listen = absl::GetFlag(FLAGS_listen);
  o.artifact_dir = absl::GetFlag(FLAGS_artifact_dir);
  o.collector = absl::GetFlag(FLAGS_collector);
  const std::string token_file = absl::GetFlag(FLAGS_collector_token_file);
  o.token = ReadToken(token_file.empty() ? o.data_dir + "/operator.token" : token_file);
  o.tls = {absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key)};
  o.tls_ca_file = absl::GetFlag(FLAGS_tls_ca);
  o.metrics_listen =
      shammie::metrics::ResolveMetricsListen(absl::GetFlag(FLAGS_metrics_listen), o.listen);
  auto server = shammie::ppo_trainer::PpoTrainerServer::Start(o);
  if (!server.ok()) {
    std::fprintf(stderr, "shammie-ppo-trainer: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("listening on %s:%d\n", o.listen.substr(0, o.listen.rfind(':')).c_str(),
              (*server)->port());
  if ((*server)->metrics_port() != 0) std::printf("metrics on port %d\n", (*server)->metrics_port());
  std::fflush(stdout);
  // SIGTERM/SIGINT: stop serving, then stop workers (their jobs stay RUNNING
  // on disk and resume at the next start).
  const int sig = shammie::collector::WaitForStopSignal();
  SHAMMIE_LOG(INFO) << "shammie-ppo-trainer: signal " << sig << ", shutting down";
  (*server)->Shutdown();
  return 0;
}
