#include "services/pm_trainer/collector_client.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "services/common/grpc_status.h"

namespace shammie::pm_trainer {

CollectorClient::CollectorClient(const std::string& address, const std::string& token,
                                 std::shared_ptr<grpc::ChannelCredentials> credentials,
                                 absl::Duration export_timeout)
    : address_(address),
      token_(token),
      export_timeout_(export_timeout),
      stub_(v1::ComparisonService::NewStub(grpc::CreateChannel(
          address, credentials ? credentials : grpc::InsecureChannelCredentials()))) {}

void CollectorClient::Authorize(grpc::ClientContext* context) const {
  if (!token_.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token_));
}

absl::StatusOr<v1::Stats> CollectorClient::GetStats(absl::Duration timeout) {
  grpc::ClientContext context;
  Authorize(&context);
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout)));
  v1::Stats stats;
  grpc::Status s = stub_->GetStats(&context, v1::GetStatsRequest(), &stats);
  if (!s.ok()) {
    absl::Status st = services::FromGrpcStatus(s);
    if (s.error_code() == grpc::StatusCode::UNAVAILABLE) {
      return absl::UnavailableError(
          absl::StrCat("collector at ", address_, " unreachable: ", s.error_message()));
    }
    return absl::Status(st.code(), absl::StrCat("collector at ", address_, ": ", st.message()));
  }
  return stats;
}

absl::StatusOr<std::vector<v1::Comparison>> CollectorClient::Export(
    uint64_t up_to_seq, const std::function<bool()>& cancelled) {
  grpc::ClientContext context;
  Authorize(&context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + export_timeout_));
  v1::ExportComparisonsRequest request;
  request.set_up_to_seq(up_to_seq);
  auto reader = stub_->ExportComparisons(&context, request);
  std::vector<v1::Comparison> out;
  v1::Comparison c;
  while (reader->Read(&c)) {
    out.push_back(std::move(c));
    c.Clear();
    if (cancelled && (out.size() % 256) == 0 && cancelled()) {
      context.TryCancel();
      reader->Finish().IgnoreError();
      return absl::CancelledError("cancelled while exporting comparisons");
    }
  }
  grpc::Status s = reader->Finish();
  if (!s.ok()) {
    if (s.error_code() == grpc::StatusCode::UNAVAILABLE ||
        s.error_code() == grpc::StatusCode::CANCELLED ||
        s.error_code() == grpc::StatusCode::UNKNOWN ||
        s.error_code() == grpc::StatusCode::INTERNAL) {
      return absl::UnavailableError(absl::StrCat(
          "collector at ", address_, " went away while exporting comparisons (", out.size(),
          " received): ", s.error_message()));
    }
    absl::Status st = services::FromGrpcStatus(s);
    return absl::Status(st.code(), absl::StrCat("collector at ", address_,
                                                " export: ", st.message()));
  }
  return out;
}

}  // namespace shammie::pm_trainer
