// Collector: roles, validation, then the store. The order inside every
// method is the same — role check, input check, store call, status mapping —
// so that bad input and wrong roles never reach the store.
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"
#include "services/collector/collector.h"
#include "services/collector/operator_token.h"
#include "services/collector/request_validation.h"
#include "services/collector/task_leases.h"
#include "storage/rocksdb_store.h"
#include "storage/token_secret.h"

namespace shammie::collector {

namespace {

using google::protobuf::util::TimeUtil;

// Each method's allowed roles; OPERATOR may call everything.
enum Allowed : unsigned { kLabeler = 1, kService = 2 };

absl::Status CheckRole(const Caller& caller, unsigned allowed, absl::string_view method) {
  if (caller.role == v1::OPERATOR) return absl::OkStatus();
  if ((caller.role == v1::LABELER && (allowed & kLabeler)) ||
      (caller.role == v1::SERVICE && (allowed & kService))) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat("token \"", caller.name, "\" with role ",
                                                  v1::TokenRole_Name(caller.role), " may not call ",
                                                  method));
}

// "Last used" is kept to the minute: a write per minute per token, not per
// request.
constexpr absl::Duration kLastUsedGranularity = absl::Minutes(1);

google::protobuf::Timestamp ToProto(absl::Time t) {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(t));
}

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixNanos(TimeUtil::TimestampToNanoseconds(t));
}

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// The store says NOT_FOUND for an unknown task; to the caller that is bad
// input in the task_id field (DESIGN.md "Bad input").
absl::Status UnknownTaskIsBadInput(const absl::Status& s, absl::string_view task_id) {
  if (s.code() == absl::StatusCode::kNotFound) {
    return absl::InvalidArgumentError(absl::StrCat("task_id: unknown task \"", task_id, "\""));
  }
  return s;
}

class CollectorImpl : public Collector {
 public:
  CollectorImpl(const CollectorOptions& options, std::unique_ptr<storage::RocksDbStore> store)
      : options_(options), store_(std::move(store)), leases_(options.task_lease) {
    limits_.max_turn_bytes = options.max_turn_bytes;
    limits_.max_request_bytes = options.max_request_bytes;
    limits_.max_turns = options.max_turns;
  }

  absl::StatusOr<Caller> Authenticate(absl::string_view authorization) override {
    absl::string_view value = absl::StripAsciiWhitespace(authorization);
    if (value.empty()) {
      return absl::UnauthenticatedError("missing token: send \"authorization: Bearer <token>\"");
    }
    if (value.size() < 7 || !absl::EqualsIgnoreCase(value.substr(0, 7), "bearer ")) {
      return absl::UnauthenticatedError("authorization must be \"Bearer <token>\"");
    }
    const absl::string_view secret = absl::StripAsciiWhitespace(value.substr(7));
    absl::StatusOr<v1::Token> token = store_->LookupSecret(secret);
    if (token.status().code() == absl::StatusCode::kNotFound) {
      return absl::UnauthenticatedError("unknown or revoked token");
    }
    SHAMMIE_RETURN_IF_ERROR(token.status());
    const absl::Time now = options_.clock->Now();
    if (token->has_expires_at() && now >= FromProto(token->expires_at())) {
      return absl::UnauthenticatedError(absl::StrCat(
          "token \"", token->name(), "\" expired at ", FormatUtc(FromProto(token->expires_at())),
          "; ask an operator for a new one"));
    }
    // Checked here first so a busy token costs one read, not a write, per
    // request; a failed bookkeeping write never refuses the request.
    if (!token->has_last_used_at() ||
        now - FromProto(token->last_used_at()) >= kLastUsedGranularity) {
      absl::Status touched = store_->RecordTokenUse(secret, now, kLastUsedGranularity);
      if (!touched.ok()) SHAMMIE_LOG(WARNING) << "recording token use: " << touched;
    }
    return Caller{token->name(), token->role()};
  }

  absl::StatusOr<v1::LabelingTask> CreateTask(const Caller& caller,
                                              const v1::CreateTaskRequest& request) override {
    SHAMMIE_RETURN_IF_ERROR(CheckRole(caller, kService, "CreateTask"));
    SHAMMIE_RETURN_IF_ERROR(ValidateCreateTask(request, limits_));
    v1::LabelingTask task;
    *task.mutable_context() = request.context();
    if (request.candidates_size() == 0) {
      // The deployed policies write both responses.
      if (!options_.sampler) {
        return absl::FailedPreconditionError("no policy is deployed; pass two candidates");
      }
      SHAMMIE_ASSIGN_OR_RETURN(auto responses, options_.sampler->Sample(request.context()));
      *task.mutable_response_a() = std::move(responses.first);
      *task.mutable_response_b() = std::move(responses.second);
    } else {
      task.mutable_response_a()->set_text(request.candidates(0));
      task.mutable_response_b()->set_text(request.candidates(1));
    }
    if (request.candidate_policies_size() == 2) {
      task.mutable_response_a()->set_policy(request.candidate_policies(0));
      task.mutable_response_b()->set_policy(request.candidate_policies(1));
    }
    *task.mutable_created_at() = ToProto(options_.clock->Now());
    task.set_labels_wanted(request.overlap() ? request.overlap() : options_.default_overlap);
    return store_->CreateTask(std::move(task));
  }

  absl::StatusOr<v1::LabelingTask> NextTask(const Caller& caller,
                                            const v1::NextTaskRequest&) override {
    SHAMMIE_RETURN_IF_ERROR(CheckRole(caller, kLabeler | kService, "NextTask"));
    return leases_.Pick(caller.name, options_.clock->Now(), [&](const TaskLeases::Accept& accept) {
      return store_->NextTask(caller.name, accept);
    });
  }

  absl::StatusOr<v1::Comparison> SubmitComparison(
      const Caller& caller, const v1::SubmitComparisonRequest& request) override {
    SHAMMIE_RETURN_IF_ERROR(CheckRole(caller, kLabeler | kService, "SubmitComparison"));
    SHAMMIE_RETURN_IF_ERROR(ValidateSubmit(request, limits_));
    // A follow-up task is sampled BEFORE the label is stored: if no policy
    // can write it, the whole request is refused rather than the label kept
    // and the turn silently dropped.
    std::optional<v1::LabelingTask> follow_up;
    if (!request.next_human_turn().empty()) {
      SHAMMIE_ASSIGN_OR_RETURN(follow_up, FollowUpTask(request));
    }
    v1::Comparison c;
    c.set_task_id(request.task_id());
    c.set_preference(request.preference());
    c.set_labeler(caller.name);
    c.set_source(caller.role == v1::SERVICE ? v1::SOURCE_SIMULATED : v1::SOURCE_HUMAN);
    *c.mutable_created_at() = ToProto(options_.clock->Now());
    c.set_client_request_id(request.client_request_id());
    absl::StatusOr<v1::Comparison> stored = store_->AddComparison(std::move(c));
    if (!stored.ok()) return UnknownTaskIsBadInput(stored.status(), request.task_id());
    leases_.Release(caller.name, request.task_id());
    // The label is durable; the follow-up is a second write. A crash between
    // the two loses only the follow-up, and a retried submit (same
    // client_request_id) may add a second one — both harmless for the data.
    if (follow_up) SHAMMIE_RETURN_IF_ERROR(store_->CreateTask(*std::move(follow_up)).status());
    return stored;
  }

  absl::StatusOr<v1::Deployment> DeployPolicies(const Caller& caller,
                                                const v1::DeployPoliciesRequest& request) override {
    SHAMMIE_RETURN_IF_ERROR(CheckRole(caller, kService, "DeployPolicies"));
    if (!options_.sampler) {
      return absl::FailedPreconditionError("this collector runs without a sampler");
    }
    SHAMMIE_ASSIGN_OR_RETURN(
        v1::Deployment deployment,
        options_.sampler->Deploy({request.policies().begin(), request.policies().end()}));
    std::string names;
    for (const v1::PolicySnapshot& p : request.policies()) {
      absl::StrAppend(&names, names.empty() ? "" : ",", p.name());
    }
    std::string checkpoints;
    for (const v1::PolicySnapshot& p : request.policies()) {
      absl::StrAppend(&checkpoints, checkpoints.empty() ? "" : ", ", p.checkpoint());
    }
    SHAMMIE_RETURN_IF_ERROR(Audit(caller, "policies.deploy", names, checkpoints));
    return deployment;
  }

  absl::StatusOr<v1::Deployment> GetDeployment(const Caller& caller) override {
    if (!options_.sampler) return absl::NotFoundError("no policy is deployed (no sampler)");
    return options_.sampler->Current();
  }

  absl::Status SkipTask(const Caller& caller, const v1::SkipTaskRequest& request) override {
    SHAMMIE_RETURN_IF_ERROR(CheckRole(caller, kLabeler | kService, "SkipTask"));
    SHAMMIE_RETURN_IF_ERROR(ValidateSkip(request));
    SHAMMIE_RETURN_IF_ERROR(UnknownTaskIsBadInput(
        store_->RecordSkip(request.task_id(), caller.name), request.task_id()));
    leases_.Release(caller.name, request.task_id());
    return absl::OkStatus();
  }

  absl::StatusOr<v1::Stats> GetStats(const Caller& caller) override {
    const std::string today =
        absl::FormatTime("%Y-%m-%d", options_.clock->Now(), absl::UTCTimeZone());
    return store_->GetStats(caller.name, today);
  }

  absl::StatusOr<v1::Token> CreateToken(const Caller& caller,
                                        const v1::CreateTokenRequest& request) override {
    SHAMMIE_RETURN_IF_ERROR(CheckRole(caller, 0, "CreateToken"));
    SHAMMIE_RETURN_IF_ERROR(ValidateCreateToken(request));
    SHAMMIE_ASSIGN_OR_RETURN(std::string secret, storage::NewTokenSecret());
    const absl::Time now = options_.clock->Now();
    const absl::Duration ttl =
        absl::Seconds(request.ttl().seconds()) + absl::Nanoseconds(request.ttl().nanos());
    const absl::Time expires = ttl > absl::ZeroDuration() ? now + ttl : absl::InfiniteFuture();
    SHAMMIE_ASSIGN_OR_RETURN(v1::Token token, store_->CreateToken(request.name(), request.role(),
                                                                  secret, now, expires));
    SHAMMIE_RETURN_IF_ERROR(Audit(
        caller, "token.create", request.name(),
        absl::StrCat("role ", v1::TokenRole_Name(request.role()), ", expires ",
                     expires == absl::InfiniteFuture() ? "never" : FormatUtc(expires))));
    token.set_secret(secret);
    return token;
  }

  absl::Status RevokeToken(const Caller& caller, const v1::RevokeTokenRequest& request) override {
    SHAMMIE_RETURN_IF_ERROR(CheckRole(caller, 0, "RevokeToken"));
    SHAMMIE_RETURN_IF_ERROR(ValidateTokenName("name", request.name()));
    SHAMMIE_RETURN_IF_ERROR(store_->RevokeToken(request.name()));
    return Audit(caller, "token.revoke", request.name(), "");
  }

  absl::StatusOr<v1::ListTokensResponse> ListTokens(const Caller& caller) override {
    SHAMMIE_RETURN_IF_ERROR(CheckRole(caller, 0, "ListTokens"));
    SHAMMIE_ASSIGN_OR_RETURN(std::vector<v1::Token> tokens, store_->ListTokens());
    v1::ListTokensResponse response;
    for (v1::Token& t : tokens) {
      t.clear_secret();  // never stored; cleared again so no path can leak one
      *response.add_tokens() = std::move(t);
    }
    return response;
  }

  absl::StatusOr<v1::ListAuditResponse> ListAudit(const Caller& caller,
                                                  const v1::ListAuditRequest& request) override {
    SHAMMIE_RETURN_IF_ERROR(CheckRole(caller, 0, "ListAudit"));
    if (request.limit() > kMaxAuditLimit) {
      return absl::InvalidArgumentError(
          absl::StrCat("limit: ", request.limit(), " is over the maximum of ", kMaxAuditLimit));
    }
    SHAMMIE_ASSIGN_OR_RETURN(std::vector<v1::AuditEntry> entries,
                             store_->ListAudit(request.limit() ? request.limit() : 100));
    v1::ListAuditResponse response;
    for (v1::AuditEntry& e : entries) *response.add_entries() = std::move(e);
    return response;
  }

  absl::StatusOr<v1::AuditEntry> RecordOperatorAction(
      const Caller& caller, const v1::RecordOperatorActionRequest& request) override {
    SHAMMIE_RETURN_IF_ERROR(CheckRole(caller, 0, "RecordOperatorAction"));
    SHAMMIE_RETURN_IF_ERROR(ValidateOperatorAction(request));
    return store_->AppendAudit(Entry(caller, request.action(), request.target(), request.detail()));
  }

  absl::Status ExportComparisons(const Caller& caller, const v1::ExportComparisonsRequest& request,
                                 const std::function<bool(const v1::Comparison&)>& emit) override {
    SHAMMIE_RETURN_IF_ERROR(CheckRole(caller, kService, "ExportComparisons"));
    if (request.up_to_seq() != 0 && request.up_to_seq() < request.after_seq()) {
      return absl::InvalidArgumentError("up_to_seq: must be 0 (no bound) or at least after_seq");
    }
    return store_->ExportComparisons(request.after_seq(), request.up_to_seq(), emit);
  }

  absl::StatusOr<v1::ImportSummary> ImportComparisons(
      const Caller& caller, const std::vector<v1::Comparison>& comparisons) override {
    SHAMMIE_RETURN_IF_ERROR(CheckRole(caller, 0, "ImportComparisons"));
    for (size_t i = 0; i < comparisons.size(); ++i) {
      SHAMMIE_RETURN_IF_ERROR(
          ValidateImported(comparisons[i], absl::StrCat("comparisons[", i, "]"), limits_));
    }
    const google::protobuf::Timestamp now = ToProto(options_.clock->Now());
    std::vector<v1::Comparison> batch;
    batch.reserve(comparisons.size());
    for (const v1::Comparison& in : comparisons) {
      v1::Comparison c = in;
      c.clear_id();
      c.clear_seq();
      c.clear_task_id();
      c.set_source(v1::SOURCE_IMPORTED);
      if (c.labeler().empty()) c.set_labeler(caller.name);
      if (!c.has_created_at()) *c.mutable_created_at() = now;
      batch.push_back(std::move(c));
    }
    SHAMMIE_ASSIGN_OR_RETURN(storage::ImportResult r, store_->ImportComparisons(std::move(batch)));
    const std::string range =
        r.imported ? absl::StrCat("seq ", r.first_seq, "-", r.last_seq) : "";
    SHAMMIE_RETURN_IF_ERROR(
        Audit(caller, "comparisons.import", range,
              absl::StrCat(r.imported, " imported, ", r.duplicates, " duplicates")));
    v1::ImportSummary summary;
    summary.set_imported(r.imported);
    summary.set_duplicates(r.duplicates);
    summary.set_first_seq(r.first_seq);
    summary.set_last_seq(r.last_seq);
    return summary;
  }

 private:
  v1::AuditEntry Entry(const Caller& caller, absl::string_view action, absl::string_view target,
                       absl::string_view detail) const {
    v1::AuditEntry e;
    *e.mutable_time() = ToProto(options_.clock->Now());
    e.set_actor(caller.name);
    e.set_actor_role(caller.role);
    e.set_action(std::string(action));
    e.set_target(std::string(target));
    e.set_detail(std::string(detail));
    return e;
  }

  // Appends an action that has just succeeded. The action cannot be undone
  // here, so a failed append says so rather than pretending nothing happened.
  absl::Status Audit(const Caller& caller, absl::string_view action, absl::string_view target,
                     absl::string_view detail) {
    absl::StatusOr<v1::AuditEntry> e = store_->AppendAudit(Entry(caller, action, target, detail));
    if (e.ok()) return absl::OkStatus();
    SHAMMIE_LOG(ERROR) << "audit log: " << action << " " << target << " by " << caller.name
                       << " was done but not recorded: " << e.status();
    return absl::InternalError(absl::StrCat(
        action, " ", target, " was done, but writing the audit log failed: ", e.status().message()));
  }

  // The task that continues `request.task_id`'s conversation: its context,
  // the response the labeler preferred, the new human turn, and two fresh
  // responses from the deployed policies.
  absl::StatusOr<v1::LabelingTask> FollowUpTask(const v1::SubmitComparisonRequest& request) {
    if (!options_.sampler) {
      return absl::FailedPreconditionError(
          "next_human_turn: no policy is deployed to continue the conversation; submit without it");
    }
    absl::StatusOr<v1::LabelingTask> labeled = store_->GetTask(request.task_id());
    if (!labeled.ok()) return UnknownTaskIsBadInput(labeled.status(), request.task_id());
    v1::LabelingTask task;
    *task.mutable_context() = labeled->context();
    if (static_cast<size_t>(task.context().turns_size()) + 2 > limits_.max_turns) {
      return absl::InvalidArgumentError(absl::StrCat(
          "next_human_turn: the conversation would exceed ", limits_.max_turns, " turns"));
    }
    const v1::Response& chosen =
        request.preference() <= 4 ? labeled->response_a() : labeled->response_b();
    v1::Turn* assistant = task.mutable_context()->add_turns();
    assistant->set_role(v1::ASSISTANT);
    assistant->set_text(chosen.text());
    v1::Turn* human = task.mutable_context()->add_turns();
    human->set_role(v1::HUMAN);
    human->set_text(request.next_human_turn());
    auto responses = options_.sampler->Sample(task.context());
    if (!responses.ok()) {
      // The labeler's turn cannot be continued (typically: nothing deployed
      // yet); name the field so the page can say which part was refused.
      return absl::Status(responses.status().code(),
                          absl::StrCat("next_human_turn: ", responses.status().message(),
                                       "; submit without it"));
    }
    *task.mutable_response_a() = std::move(responses->first);
    *task.mutable_response_b() = std::move(responses->second);
    *task.mutable_created_at() = ToProto(options_.clock->Now());
    task.set_labels_wanted(labeled->labels_wanted() ? labeled->labels_wanted() : options_.default_overlap);
    return task;
  }

  const CollectorOptions options_;
  ValidationLimits limits_;
  std::unique_ptr<storage::RocksDbStore> store_;
  TaskLeases leases_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Collector>> Collector::Open(const CollectorOptions& options) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data_dir: must not be empty");
  storage::RocksDbStoreOptions store_options;
  store_options.path = absl::StrCat(options.data_dir, "/comparisons");
  store_options.sync_writes = options.sync_writes;
  SHAMMIE_ASSIGN_OR_RETURN(std::unique_ptr<storage::RocksDbStore> store,
                           storage::RocksDbStore::Open(store_options));
  SHAMMIE_RETURN_IF_ERROR(EnsureOperatorToken(store.get(), options.data_dir, options.clock->Now()));
  return std::unique_ptr<Collector>(new CollectorImpl(options, std::move(store)));
}

}  // namespace shammie::collector
