// The ingest benchmark: how many comparisons per second a collector makes
// durable, and how long a labeler waits for each.
//
// N clients (each its own gRPC channel, each with `inflight` calls
// outstanding, closed loop) call SubmitComparison for `seconds` after a
// one-second warm-up; every call is acknowledged only once its WAL write is
// synced (unless the collector runs with --no-sync). The reference measured
// in the same run is the disk's rate of single-writer synced appends
// (write + fdatasync): without group commit, durable throughput could not
// exceed it, so acked_per_s / ref_fsyncs_per_s is how many comparisons each
// fsync made durable.
//
// Without a server address, the benchmark starts `shammie-collector` (found
// next to the running binary) on a temp data dir and stops it afterwards.
#ifndef SHAMMIE_BENCH_INGEST_BENCH_H_
#define SHAMMIE_BENCH_INGEST_BENCH_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace shammie::bench {

struct IngestBenchOptions {
  // host:port of a running collector; empty = start one.
  std::string server;
  // Operator token (needed with `server`; read from the started one otherwise).
  std::string token;
  int clients = 16;
  // Calls each client keeps in flight.
  int inflight = 1;
  double seconds = 10;
  // For a started collector: sync the WAL (durable). Ignored with `server`
  // (the JSON says "durable": null then — the server's setting is its own).
  bool sync = true;
};

struct IngestBenchResult {
  std::string server;    // address measured
  bool started = false;  // whether the benchmark started the collector
  int durable = -1;      // 1 / 0, or -1 when unknown (external server)
  int clients = 0;
  int inflight = 0;
  double seconds = 0;
  uint64_t acked = 0;
  uint64_t errors = 0;
  double acked_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double ref_fsyncs_per_s = 0;

  // One line of JSON (no newline).
  std::string ToJson() const;
};

absl::StatusOr<IngestBenchResult> RunIngestBench(const IngestBenchOptions& options);

}  // namespace shammie::bench

#endif  // SHAMMIE_BENCH_INGEST_BENCH_H_
