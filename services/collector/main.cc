// shammie-collector: the comparison collection service as a process.
//
//   shammie-collector --data-dir DIR --listen 127.0.0.1:50051 [--overlap N] [--no-sync]
//
// Runs until SIGINT or SIGTERM, then shuts down cleanly (calls in flight
// finish, the database closes). Flag names may use '-' or '_'.
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "services/collector/collector_server.h"
#include "services/collector/operator_token.h"
#include "services/collector/status_mapping.h"
#include "services/collector/wait_for_signal.h"

ABSL_FLAG(std::string, data_dir, "", "Data folder (RocksDB, operator.token); created if missing.");
ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "gRPC listen address (host:port; port 0 picks one).");
ABSL_FLAG(uint32_t, overlap, 1, "Labels wanted per task when CreateTask does not say.");
ABSL_FLAG(bool, no_sync, false, "Acknowledge before the WAL is synced (benchmarks only: loses data on crash).");
ABSL_FLAG(std::string, port_file, "", "If set, write the bound port here once serving (for tests and scripts).");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("shammie-collector --data-dir DIR [--listen 127.0.0.1:50051]");
  // The documented spelling is --data-dir; Abseil flags are identifiers.
  std::vector<std::string> storage;
  std::vector<char*> args = shammie::collector::DashFlagsToUnderscores(argc, argv, &storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (absl::GetFlag(FLAGS_data_dir).empty()) {
    std::fprintf(stderr, "shammie-collector: --data-dir is required\n");
    return 2;
  }
  shammie::collector::BlockStopSignals();
  shammie::collector::CollectorServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.collector.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.collector.default_overlap = absl::GetFlag(FLAGS_overlap);
  options.collector.sync_writes = !absl::GetFlag(FLAGS_no_sync);
  auto server = shammie::collector::CollectorServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "shammie-collector: %s\n", server.status().ToString().c_str());
    return 1;
  }
  if (const std::string port_file = absl::GetFlag(FLAGS_port_file); !port_file.empty()) {
    absl::Status st = shammie::collector::WriteFileAtomically(port_file, std::to_string((*server)->port()), 0644);
    if (!st.ok()) {
      std::fprintf(stderr, "shammie-collector: %s\n", st.ToString().c_str());
      return 1;
    }
  }
  int sig = shammie::collector::WaitForStopSignal();
  std::fprintf(stderr, "shammie-collector: signal %d, shutting down\n", sig);
  (*server)->Shutdown();
  return 0;
}
