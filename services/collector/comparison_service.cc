#include "services/collector/comparison_service.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/status_macros.h"
#include "services/common/grpc_status.h"
#include "services/collector/wire_format.h"

namespace shammie::collector {

namespace {

std::string AuthorizationOf(const grpc::CallbackServerContext* ctx) {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

// Streams an export from a worker thread: the Collector pushes comparisons
// through `emit`, which starts one write and waits for it to complete, so a
// slow client slows the export instead of filling memory.
class ExportReactor : public grpc::ServerWriteReactor<v1::Comparison> {
 public:
  ExportReactor(Collector* collector, WorkerPool* pool, StreamSlots* slots,
                std::string authorization, v1::ExportComparisonsRequest request)
      : collector_(collector), slots_(slots), request_(std::move(request)) {
    pool->Schedule([this, authorization = std::move(authorization)] { Run(authorization); });
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    write_ok_ = ok;
    writing_ = false;
  }
  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  void OnDone() override { delete this; }

 private:
  void Run(const std::string& authorization) {
    absl::Status reauth;  // set when the token stops working mid-stream
    absl::Status status = [&]() -> absl::Status {
      SHAMMIE_ASSIGN_OR_RETURN(Caller caller, collector_->Authenticate(authorization));
      SHAMMIE_ASSIGN_OR_RETURN(StreamSlots::Slot slot, slots_->Acquire(caller.name));
      absl::Time checked = absl::Now();
      return collector_->ExportComparisons(caller, request_, [&](const v1::Comparison& c) {
        if (absl::Now() - checked >= kExportReauthInterval) {
          reauth = collector_->Authenticate(authorization).status();
          if (!reauth.ok()) return false;
          checked = absl::Now();
        }
        return Emit(c);
      });
    }();
    if (status.ok() && !reauth.ok()) status = reauth;
    bool gone;
    {
      absl::MutexLock lock(&mu_);
      gone = cancelled_ || !write_ok_;
    }
    if (status.ok() && gone) status = absl::CancelledError("client went away");
    // Not under mu_: once finished, gRPC may call OnDone (delete this) on
    // another thread at any moment.
    Finish(services::ToGrpcStatus(status));
  }

  bool Emit(const v1::Comparison& c) {
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_ || !write_ok_) return false;
      message_ = c;
      writing_ = true;
    }
    StartWrite(&message_);  // outside mu_: OnWriteDone takes it
    absl::MutexLock lock(&mu_);
    auto settled = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !writing_ || cancelled_; };
    mu_.Await(absl::Condition(&settled));
    return !cancelled_ && write_ok_;
  }

  Collector* const collector_;
  StreamSlots* const slots_;
  const v1::ExportComparisonsRequest request_;
  absl::Mutex mu_;
  v1::Comparison message_;  // written under mu_ while no write is in flight
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool write_ok_ ABSL_GUARDED_BY(mu_) = true;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// Gathers the client's stream on the reactor (cheap), then imports it in one
// all-or-nothing call on a worker thread.
class ImportReactor : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  ImportReactor(Collector* collector, WorkerPool* pool, std::string authorization,
                size_t max_request_bytes, grpc::ByteBuffer* summary)
      : collector_(collector),
        pool_(pool),
        authorization_(std::move(authorization)),
        max_request_bytes_(max_request_bytes),
        summary_(summary) {
    StartRead(&incoming_);
  }

  void OnReadDone(bool ok) override {
    if (ok) {
      // Check limits as messages arrive so an oversized stream is refused
      // before it is all in memory.
      const std::string field = absl::StrCat("comparisons[", received_.size(), "]");
      if (incoming_.Length() > max_request_bytes_) {
        return Finish(services::ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
            field, ": is ", incoming_.Length(), " bytes; the limit is ", max_request_bytes_))));
      }
      if (received_.size() >= kMaxImportComparisons) {
        return Finish(services::ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
            "comparisons: more than ", kMaxImportComparisons, " in one import; split the file"))));
      }
      v1::Comparison c;
      if (absl::Status st = ParseRequest(incoming_, &c, field); !st.ok())
        return Finish(services::ToGrpcStatus(st));
      received_.push_back(std::move(c));
      incoming_.Clear();
      StartRead(&incoming_);
      return;
    }
    pool_->Schedule([this] {
      absl::Status status = [&]() -> absl::Status {
        SHAMMIE_ASSIGN_OR_RETURN(Caller caller, collector_->Authenticate(authorization_));
        SHAMMIE_ASSIGN_OR_RETURN(v1::ImportSummary summary,
                                 collector_->ImportComparisons(caller, received_));
        *summary_ = ToByteBuffer(summary);
        return absl::OkStatus();
      }();
      Finish(services::ToGrpcStatus(status));
    });
  }
  void OnDone() override { delete this; }

 private:
  Collector* const collector_;
  WorkerPool* const pool_;
  const std::string authorization_;
  const size_t max_request_bytes_;
  grpc::ByteBuffer* const summary_;
  grpc::ByteBuffer incoming_;
  std::vector<v1::Comparison> received_;
};

}  // namespace

template <typename Req, typename Resp, typename Body>
grpc::ServerUnaryReactor* ComparisonServiceImpl::Unary(grpc::CallbackServerContext* ctx,
                                                       const Raw* request, Raw* response,
                                                       Body body) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  pool_->Schedule([=, authorization = AuthorizationOf(ctx)] {
    absl::Status status = [&]() -> absl::Status {
      SHAMMIE_ASSIGN_OR_RETURN(Caller caller, collector_->Authenticate(authorization));
      Req req;
      SHAMMIE_RETURN_IF_ERROR(ParseRequest(*request, &req));
      Resp resp;
      SHAMMIE_RETURN_IF_ERROR(body(caller, req, &resp));
      *response = ToByteBuffer(resp);
      return absl::OkStatus();
    }();
    reactor->Finish(services::ToGrpcStatus(status));
  });
  return reactor;
}

// Stores `result` into `*out` when OK; the status either way.
template <typename T>
static absl::Status Into(absl::StatusOr<T> result, T* out) {
  if (!result.ok()) return result.status();
  *out = std::move(*result);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* ComparisonServiceImpl::CreateTask(grpc::CallbackServerContext* ctx,
                                                            const Raw* request, Raw* response) {
  return Unary<v1::CreateTaskRequest, v1::LabelingTask>(
      ctx, request, response, [this](const Caller& c, const auto& req, auto* resp) {
        return Into(collector_->CreateTask(c, req), resp);
      });
}

grpc::ServerUnaryReactor* ComparisonServiceImpl::NextTask(grpc::CallbackServerContext* ctx,
                                                          const Raw* request, Raw* response) {
  return Unary<v1::NextTaskRequest, v1::LabelingTask>(
      ctx, request, response, [this](const Caller& c, const auto& req, auto* resp) {
        return Into(collector_->NextTask(c, req), resp);
      });
}

grpc::ServerUnaryReactor* ComparisonServiceImpl::SubmitComparison(grpc::CallbackServerContext* ctx,
                                                                  const Raw* request,
                                                                  Raw* response) {
  return Unary<v1::SubmitComparisonRequest, v1::Comparison>(
      ctx, request, response, [this](const Caller& c, const auto& req, auto* resp) {
        return Into(collector_->SubmitComparison(c, req), resp);
      });
}

grpc::ServerUnaryReactor* ComparisonServiceImpl::SkipTask(grpc::CallbackServerContext* ctx,
                                                          const Raw* request, Raw* response) {
  return Unary<v1::SkipTaskRequest, v1::SkipTaskResponse>(
      ctx, request, response,
      [this](const Caller& c, const auto& req, auto*) { return collector_->SkipTask(c, req); });
}

grpc::ServerUnaryReactor* ComparisonServiceImpl::GetStats(grpc::CallbackServerContext* ctx,
                                                          const Raw* request, Raw* response) {
  return Unary<v1::GetStatsRequest, v1::Stats>(ctx, request, response,
                                               [this](const Caller& c, const auto&, auto* resp) {
                                                 return Into(collector_->GetStats(c), resp);
                                               });
}

grpc::ServerUnaryReactor* ComparisonServiceImpl::CreateToken(grpc::CallbackServerContext* ctx,
                                                             const Raw* request, Raw* response) {
  return Unary<v1::CreateTokenRequest, v1::Token>(
      ctx, request, response, [this](const Caller& c, const auto& req, auto* resp) {
        return Into(collector_->CreateToken(c, req), resp);
      });
}

grpc::ServerUnaryReactor* ComparisonServiceImpl::RevokeToken(grpc::CallbackServerContext* ctx,
                                                             const Raw* request, Raw* response) {
  return Unary<v1::RevokeTokenRequest, v1::RevokeTokenResponse>(
      ctx, request, response,
      [this](const Caller& c, const auto& req, auto*) { return collector_->RevokeToken(c, req); });
}

grpc::ServerWriteReactor<v1::Comparison>* ComparisonServiceImpl::ExportComparisons(
    grpc::CallbackServerContext* ctx, const v1::ExportComparisonsRequest* request) {
  return new ExportReactor(collector_, pool_, &export_slots_, AuthorizationOf(ctx), *request);
}

grpc::ServerReadReactor<grpc::ByteBuffer>* ComparisonServiceImpl::ImportComparisons(
    grpc::CallbackServerContext* ctx, Raw* response) {
  return new ImportReactor(collector_, pool_, AuthorizationOf(ctx), max_request_bytes_, response);
}

grpc::ServerUnaryReactor* ComparisonServiceImpl::DeployPolicies(grpc::CallbackServerContext* ctx,
                                                                const Raw* request, Raw* response) {
  return Unary<v1::DeployPoliciesRequest, v1::Deployment>(
      ctx, request, response,
      [this](const Caller& c, const auto& req, auto* resp) { return Into(collector_->DeployPolicies(c, req), resp); });
}

grpc::ServerUnaryReactor* ComparisonServiceImpl::GetDeployment(grpc::CallbackServerContext* ctx,
                                                               const Raw* request, Raw* response) {
  return Unary<v1::GetDeploymentRequest, v1::Deployment>(
      ctx, request, response,
      [this](const Caller& c, const auto&, auto* resp) { return Into(collector_->GetDeployment(c), resp); });
}

grpc::ServerUnaryReactor* ComparisonServiceImpl::ListTokens(grpc::CallbackServerContext* ctx,
                                                            const Raw* request, Raw* response) {
  return Unary<v1::ListTokensRequest, v1::ListTokensResponse>(
      ctx, request, response, [this](const Caller& c, const auto&, auto* resp) {
        return Into(collector_->ListTokens(c), resp);
      });
}

grpc::ServerUnaryReactor* ComparisonServiceImpl::ListAudit(grpc::CallbackServerContext* ctx,
                                                           const Raw* request, Raw* response) {
  return Unary<v1::ListAuditRequest, v1::ListAuditResponse>(
      ctx, request, response, [this](const Caller& c, const auto& req, auto* resp) {
        return Into(collector_->ListAudit(c, req), resp);
      });
}

grpc::ServerUnaryReactor* ComparisonServiceImpl::RecordOperatorAction(
    grpc::CallbackServerContext* ctx, const Raw* request, Raw* response) {
  return Unary<v1::RecordOperatorActionRequest, v1::AuditEntry>(
      ctx, request, response, [this](const Caller& c, const auto& req, auto* resp) {
        return Into(collector_->RecordOperatorAction(c, req), resp);
      });
}

// Authenticate is the whole check: any live token passes, and the answer is
// what the asking service needs to apply its own role rules.
grpc::ServerUnaryReactor* ComparisonServiceImpl::WhoAmI(grpc::CallbackServerContext* ctx,
                                                        const Raw* request, Raw* response) {
  return Unary<v1::WhoAmIRequest, v1::Token>(
      ctx, request, response, [](const Caller& c, const auto&, v1::Token* resp) {
        resp->set_name(c.name);
        resp->set_role(c.role);
        return absl::OkStatus();
      });
}

}  // namespace shammie::collector
