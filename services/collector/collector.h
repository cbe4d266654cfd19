// The collector's request handling, independent of transport.
//
// Both front ends call this one class: the gRPC ComparisonService
// (comparison_service.cc) and the HTTP JSON API (http_api.cc, protobuf's JSON
// mapping of the same messages). Every method authenticates nothing itself:
// the front end turns the bearer token into a Caller with Authenticate() and
// passes it in; each method checks the caller's role, validates the request
// (INVALID_ARGUMENT naming the field), and calls the store.
//
// Thread-safe: all methods may be called concurrently from any thread.
#ifndef SHAMMIE_SERVICES_COLLECTOR_COLLECTOR_H_
#define SHAMMIE_SERVICES_COLLECTOR_COLLECTOR_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "services/collector/response_sampler.h"
#include "shammie/v1/collector.pb.h"

namespace shammie::collector {

// Who is calling, as established from their bearer token.
struct Caller {
  std::string name;  // the token's name; recorded as the comparison's labeler
  v1::TokenRole role = v1::TOKEN_ROLE_UNSPECIFIED;
};

struct CollectorOptions {
  // Data folder; created if missing. Holds the RocksDB database
  // (<data_dir>/comparisons) and operator.token. Only one collector process
  // may open it at a time (Open returns UNAVAILABLE otherwise).
  std::string data_dir;
  // Labels wanted per task when CreateTask does not say.
  uint32_t default_overlap = 1;
  // Limits for bad-input checks.
  size_t max_turn_bytes = 64 * 1024;
  size_t max_request_bytes = 1024 * 1024;
  size_t max_turns = 64;
  // Durability: sync the WAL before acknowledging (group commit). Turning it
  // off is for benchmarks that measure the cost of durability.
  bool sync_writes = true;
  // How long NextTask reserves a task for the labeler it gave it to (see
  // task_leases.h); others are offered it only while it has room without them.
  absl::Duration task_lease = absl::Minutes(10);
  // Time source for created_at and "today". Not owned; must outlive the
  // collector.
  common::Clock* clock = common::Clock::Real();
  // Writes the responses of CreateTask without candidates and of follow-up
  // tasks (SubmitComparison.next_human_turn), and holds the deployment.
  // Not owned; null = no sampler (those calls are FAILED_PRECONDITION).
  ResponseSampler* sampler = nullptr;
};

// Roles allowed per method (DESIGN.md "Auth"): operator may call everything
// (and alone may call CreateToken, RevokeToken, ListTokens, ListAudit,
// RecordOperatorAction, ImportComparisons);
// labeler: NextTask, SubmitComparison, SkipTask, GetStats; service: CreateTask,
// NextTask, SubmitComparison (recorded as SOURCE_SIMULATED), SkipTask,
// ExportComparisons, GetStats. A caller with another role gets
// PERMISSION_DENIED. Bad input gets INVALID_ARGUMENT naming the field (see
// request_validation.h); nothing is stored then.

class Collector {
 public:
  virtual ~Collector() = default;

  // Opens (or creates) the store in options.data_dir. On first start, creates
  // an operator token and writes its secret to <data_dir>/operator.token
  // (mode 0600).
  static absl::StatusOr<std::unique_ptr<Collector>> Open(const CollectorOptions& options);

  // UNAUTHENTICATED when the token is missing, unknown, revoked or expired
  // (the message says which). Every call looks the token up in the store —
  // nothing is cached — so a revocation or expiry holds from the next
  // request. Records the token's last use (at most once a minute).
  // `authorization` is the raw header value ("Bearer <secret>").
  virtual absl::StatusOr<Caller> Authenticate(absl::string_view authorization) = 0;

  virtual absl::StatusOr<v1::LabelingTask> CreateTask(const Caller& caller,
                                                      const v1::CreateTaskRequest& request) = 0;
  virtual absl::StatusOr<v1::LabelingTask> NextTask(const Caller& caller,
                                                    const v1::NextTaskRequest& request) = 0;
  // Returns once the comparison is durable.
  virtual absl::StatusOr<v1::Comparison> SubmitComparison(
      const Caller& caller, const v1::SubmitComparisonRequest& request) = 0;
  virtual absl::Status SkipTask(const Caller& caller, const v1::SkipTaskRequest& request) = 0;
  virtual absl::StatusOr<v1::Stats> GetStats(const Caller& caller) = 0;
  virtual absl::StatusOr<v1::Token> CreateToken(const Caller& caller,
                                                const v1::CreateTokenRequest& request) = 0;
  virtual absl::Status RevokeToken(const Caller& caller, const v1::RevokeTokenRequest& request) = 0;
  // operator: every token without its secret, by name.
  virtual absl::StatusOr<v1::ListTokensResponse> ListTokens(const Caller& caller) = 0;

  // The audit log (storage/audit_log.h). Token create/revoke, imports and
  // deploys are appended here after they succeed (an append that fails then
  // is INTERNAL saying the action was done but not recorded).
  // operator: newest first; INVALID_ARGUMENT "limit" above 10000.
  virtual absl::StatusOr<v1::ListAuditResponse> ListAudit(const Caller& caller,
                                                          const v1::ListAuditRequest& request) = 0;
  // operator: appends an action another service is about to take for the
  // caller (the scheduler forwards the operator's token) and returns the
  // entry; the caller's role is the authorization check.
  virtual absl::StatusOr<v1::AuditEntry> RecordOperatorAction(
      const Caller& caller, const v1::RecordOperatorActionRequest& request) = 0;

  // operator/service: replace the sampler's policies (ResponseSampler::Deploy).
  // FAILED_PRECONDITION without a sampler.
  virtual absl::StatusOr<v1::Deployment> DeployPolicies(const Caller& caller,
                                                        const v1::DeployPoliciesRequest& request) = 0;
  // any role: NOT_FOUND when nothing is deployed.
  virtual absl::StatusOr<v1::Deployment> GetDeployment(const Caller& caller) = 0;

  // Streams comparisons in seq order from one snapshot; `emit` returning false
  // stops the export early (client went away).
  virtual absl::Status ExportComparisons(
      const Caller& caller, const v1::ExportComparisonsRequest& request,
      const std::function<bool(const v1::Comparison&)>& emit) = 0;
  // All-or-nothing: validates every comparison, then stores all in one batch.
  // Imported comparisons get new ids and seqs and source SOURCE_IMPORTED;
  // labeler defaults to the caller's name, created_at to now.
  virtual absl::StatusOr<v1::ImportSummary> ImportComparisons(
      const Caller& caller, const std::vector<v1::Comparison>& comparisons) = 0;
};

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_COLLECTOR_H_
