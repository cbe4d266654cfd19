#include "services/scheduler/operator_gate.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/grpc_status.h"

namespace shammie::scheduler {

OperatorGate::OperatorGate(std::shared_ptr<grpc::Channel> collector, absl::Duration deadline)
    : stub_(v1::ComparisonService::NewStub(std::move(collector))), deadline_(deadline) {}

OperatorGate::~OperatorGate() { WaitForCalls(); }

void OperatorGate::WaitForCalls() {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return in_flight_ == 0; };
  mu_.Await(absl::Condition(&idle));
}

void OperatorGate::Authorize(absl::string_view authorization, absl::string_view action,
                             absl::string_view target, absl::string_view detail, Done done) {
  if (absl::StripAsciiWhitespace(authorization).empty()) {
    done(absl::UnauthenticatedError(
        absl::StrCat(action,
                     " needs an operator token: send \"authorization: Bearer <token>\" "
                     "(shammie: --token-file FILE or SHAMMIE_TOKEN)")));
    return;
  }
  // One call's state, freed by its callback.
  struct Call {
    grpc::ClientContext context;
    v1::RecordOperatorActionRequest request;
    v1::AuditEntry entry;
    Done done;
  };
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  auto* call = new Call;
  call->context.AddMetadata("authorization", std::string(authorization));
  call->context.set_deadline(absl::ToChronoTime(absl::Now() + deadline_));
  call->request.set_action(std::string(action));
  call->request.set_target(std::string(target));
  call->request.set_detail(std::string(detail));
  call->done = std::move(done);
  stub_->async()->RecordOperatorAction(
      &call->context, &call->request, &call->entry, [this, call](grpc::Status status) {
        if (status.ok()) {
          call->done(std::move(call->entry));
        } else {
          absl::Status s = services::FromGrpcStatus(status);
          call->done(absl::Status(
              s.code(), absl::StrCat("operator check with the collector: ", s.message())));
        }
        delete call;
        absl::MutexLock lock(&mu_);  // last: `this` may go once it reaches 0
        --in_flight_;
      });
}

}  // namespace shammie::scheduler
