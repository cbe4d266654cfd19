#include "services/common/token_gate.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"

namespace shammie::services {
namespace {

absl::Status MissingToken(absl::string_view what, absl::string_view kind) {
  return absl::UnauthenticatedError(
      absl::StrCat(what, " needs ", kind,
                   " token: send \"authorization: Bearer <token>\" "
                   "(shammie: --token-file FILE or SHAMMIE_TOKEN)"));
}

}  // namespace

std::string AuthorizationOf(const grpc::CallbackServerContext* ctx) {
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

TokenGate::TokenGate(std::shared_ptr<grpc::Channel> collector, absl::Duration deadline)
    : stub_(v1::ComparisonService::NewStub(std::move(collector))), deadline_(deadline) {}

TokenGate::~TokenGate() { WaitForCalls(); }

void TokenGate::WaitForCalls() {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
  mu_.Await(absl::Condition(&idle));
}

template <typename Req, typename Resp, typename Start>
void TokenGate::Call(absl::string_view authorization, Req request, Start start,
                     absl::string_view what, std::function<void(absl::StatusOr<Resp>)> done) {
  // One call's state, freed by its callback.
  struct State {
    grpc::ClientContext context;
    Req request;
    Resp response;
    std::string what;
    std::function<void(absl::StatusOr<Resp>)> done;
  };
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  auto* call = new State;
  call->context.AddMetadata("authorization", std::string(authorization));
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  call->request = std::move(request);
  call->what = std::string(what);
  call->done = std::move(done);
  start(&call->context, &call->request, &call->response, [this, call](grpc::Status status) {
    if (status.ok()) {
      call->done(std::move(call->response));
    } else {
      absl::Status s = FromGrpcStatus(status);
      call->done(absl::Status(s.code(), absl::StrCat(call->what, ": ", s.message())));
    }
    delete call;
    absl::MutexLock lock(&mu_);  // last: `this` may go once it reaches 0
    --in_flight_;
  });
}

void TokenGate::Authorize(absl::string_view authorization, absl::string_view action,
                          absl::string_view target, absl::string_view detail, AuditDone done) {
  if (absl::StripAsciiWhitespace(authorization).empty()) {
    done(MissingToken(action, "an operator"));
    return;
  }
  v1::RecordOperatorActionRequest request;
  request.set_action(std::string(action));
  request.set_target(std::string(target));
  request.set_detail(std::string(detail));
  Call<v1::RecordOperatorActionRequest, v1::AuditEntry>(
      authorization, std::move(request),
      [this](grpc::ClientContext* c, const v1::RecordOperatorActionRequest* req,
             v1::AuditEntry* resp, std::function<void(grpc::Status)> cb) {
        stub_->async()->RecordOperatorAction(c, req, resp, std::move(cb));
      },
      "operator check with the collector", std::move(done));
}

void TokenGate::CheckCaller(absl::string_view authorization, CallerRule rule,
                            absl::string_view method, CallerDone done) {
  if (absl::StripAsciiWhitespace(authorization).empty()) {
    done(MissingToken(method, "a"));
    return;
  }
  Call<v1::WhoAmIRequest, v1::Token>(
      authorization, v1::WhoAmIRequest(),
      [this](grpc::ClientContext* c, const v1::WhoAmIRequest* req, v1::Token* resp,
             std::function<void(grpc::Status)> cb) {
        stub_->async()->WhoAmI(c, req, resp, std::move(cb));
      },
      "token check with the collector",
      [rule, method = std::string(method), done = std::move(done)](absl::StatusOr<v1::Token> who) {
        if (who.ok() && rule == CallerRule::kServiceOrOperator && who->role() != v1::SERVICE &&
            who->role() != v1::OPERATOR) {
          done(absl::PermissionDeniedError(
              absl::StrCat("token \"", who->name(), "\" with role ", v1::TokenRole_Name(who->role()),
                           " may not call ", method, " (it needs a SERVICE or OPERATOR token)")));
          return;
        }
        done(std::move(who));
      });
}

grpc::ServerUnaryReactor* GatedUnary(TokenGate* gate, grpc::CallbackServerContext* ctx,
                                     CallerRule rule, absl::string_view method,
                                     std::function<absl::Status()> act) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  gate->CheckCaller(AuthorizationOf(ctx), rule, method,
                    [reactor, act = std::move(act)](absl::StatusOr<v1::Token> who) {
                      reactor->Finish(ToGrpcStatus(who.ok() ? act() : who.status()));
                    });
  return reactor;
}

}  // namespace shammie::services
