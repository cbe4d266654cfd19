#include "services/scheduler/grpc_pipeline.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "services/common/grpc_status.h"

namespace shammie::scheduler {
namespace {

std::shared_ptr<grpc::Channel> Channel(const std::string& address,
                                       const std::shared_ptr<grpc::ChannelCredentials>& creds) {
  return grpc::CreateChannel(address, creds ? creds : grpc::InsecureChannelCredentials());
}

// Calls a unary stub method and maps the status.
template <typename Req, typename Resp, typename Method>
absl::StatusOr<Resp> Call(grpc::ClientContext* ctx, Method method, const Req& req) {
  Resp resp;
  grpc::Status s = method(ctx, req, &resp);
  if (!s.ok()) return services::FromGrpcStatus(s);
  return resp;
}

}  // namespace

GrpcPipeline::GrpcPipeline(GrpcPipelineOptions options)
    : options_(std::move(options)),
      collector_channel_(Channel(options_.collector_address, options_.credentials)),
      collector_(v1::ComparisonService::NewStub(collector_channel_)),
      pm_(v1::PreferenceModelTrainer::NewStub(
          Channel(options_.pm_trainer_address, options_.credentials))),
      ppo_(v1::PolicyTrainer::NewStub(
          Channel(options_.ppo_trainer_address, options_.credentials))) {}

void GrpcPipeline::Prepare(grpc::ClientContext* ctx, absl::Duration deadline) const {
  if (!options_.token.empty()) ctx->AddMetadata("authorization", absl::StrCat("Bearer ", options_.token));
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
}

#define SHAMMIE_UNARY(stub, Method, Req, Resp, req)                                   \
  do {                                                                                 \
    grpc::ClientContext ctx;                                                           \
    Prepare(&ctx, options_.deadline);                                                  \
    return Call<Req, Resp>(                                                            \
        &ctx, [&](grpc::ClientContext* c, const Req& r, Resp* out) {                   \
          return stub->Method(c, r, out);                                              \
        },                                                                             \
        req);                                                                          \
  } while (0)

absl::StatusOr<v1::Stats> GrpcPipeline::GetStats() {
  SHAMMIE_UNARY(collector_, GetStats, v1::GetStatsRequest, v1::Stats, v1::GetStatsRequest());
}

absl::Status GrpcPipeline::ExportComparisons(
    uint64_t up_to_seq, const std::function<bool(const v1::Comparison&)>& emit) {
  grpc::ClientContext ctx;
  Prepare(&ctx, options_.deadline * 10);
  v1::ExportComparisonsRequest req;
  req.set_up_to_seq(up_to_seq);
  auto reader = collector_->ExportComparisons(&ctx, req);
  v1::Comparison c;
  while (reader->Read(&c)) {
    if (!emit(c)) {
      ctx.TryCancel();
      break;
    }
  }
  grpc::Status s = reader->Finish();
  if (s.error_code() == grpc::StatusCode::CANCELLED) return absl::OkStatus();  // we stopped it
  return services::FromGrpcStatus(s);
}

absl::StatusOr<v1::Deployment> GrpcPipeline::DeployPolicies(
    const std::vector<v1::PolicySnapshot>& policies) {
  v1::DeployPoliciesRequest req;
  for (const auto& p : policies) *req.add_policies() = p;
  SHAMMIE_UNARY(collector_, DeployPolicies, v1::DeployPoliciesRequest, v1::Deployment, req);
}

absl::StatusOr<v1::Deployment> GrpcPipeline::GetDeployment() {
  SHAMMIE_UNARY(collector_, GetDeployment, v1::GetDeploymentRequest, v1::Deployment,
                v1::GetDeploymentRequest());
}

absl::StatusOr<v1::PmJob> GrpcPipeline::StartPmJob(const v1::PmJobSpec& spec) {
  SHAMMIE_UNARY(pm_, StartJob, v1::PmJobSpec, v1::PmJob, spec);
}

absl::StatusOr<v1::PmJob> GrpcPipeline::GetPmJob(const std::string& id) {
  v1::GetJobRequest req;
  req.set_id(id);
  SHAMMIE_UNARY(pm_, GetJob, v1::GetJobRequest, v1::PmJob, req);
}

absl::Status GrpcPipeline::CancelPmJob(const std::string& id) {
  v1::CancelJobRequest req;
  req.set_id(id);
  auto r = [&]() -> absl::StatusOr<v1::PmJob> {
    SHAMMIE_UNARY(pm_, CancelJob, v1::CancelJobRequest, v1::PmJob, req);
  }();
  return r.status();
}

absl::StatusOr<v1::PpoJob> GrpcPipeline::StartPpoJob(const v1::PpoJobSpec& spec) {
  SHAMMIE_UNARY(ppo_, StartJob, v1::PpoJobSpec, v1::PpoJob, spec);
}

absl::StatusOr<v1::PpoJob> GrpcPipeline::GetPpoJob(const std::string& id) {
  v1::GetJobRequest req;
  req.set_id(id);
  SHAMMIE_UNARY(ppo_, GetJob, v1::GetJobRequest, v1::PpoJob, req);
}

absl::Status GrpcPipeline::CancelPpoJob(const std::string& id) {
  v1::CancelJobRequest req;
  req.set_id(id);
  auto r = [&]() -> absl::StatusOr<v1::PpoJob> {
    SHAMMIE_UNARY(ppo_, CancelJob, v1::CancelJobRequest, v1::PpoJob, req);
  }();
  return r.status();
}

#undef SHAMMIE_UNARY

}  // namespace shammie::scheduler
