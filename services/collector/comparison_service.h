// ComparisonServiceImpl: shammie.v1.ComparisonService over gRPC's callback API.
//
// Requests arrive as raw bytes and are parsed by wire_format.h, so that text
// that is not UTF-8 gets INVALID_ARGUMENT naming the field (protobuf's own
// parser would fail the call without saying where). ExportComparisons, whose
// request has no text, uses the typed API.
//
// Each handler reads the bearer token from the "authorization" metadata,
// hands the call to the WorkerPool (never blocking a reactor thread: a submit
// waits for an fsync), calls the Collector, and maps the status with
// services::ToGrpcStatus (services/common/grpc_status.h). Handlers never throw.
//
// ExportComparisons streams from one snapshot with flow control (one write in
// flight; a client that goes away stops the export). A client (token name)
// may hold at most `max_exports_per_client` exports at once; another one is
// RESOURCE_EXHAUSTED (stream_slots.h). A stream re-checks its token every
// kExportReauthInterval, so a token revoked (or expired) mid-export stops it
// with UNAUTHENTICATED rather than running on its first check. ImportComparisons
// gathers the stream, then imports all-or-nothing; each message is checked
// against the request size limit, and one call takes at most
// kMaxImportComparisons comparisons.
//
// Ownership: `collector` and `pool` are not owned and must outlive the
// service and the server it is registered with. Thread-safe.
#ifndef SHAMMIE_SERVICES_COLLECTOR_COMPARISON_SERVICE_H_
#define SHAMMIE_SERVICES_COLLECTOR_COMPARISON_SERVICE_H_

#include <cstddef>

#include "absl/time/time.h"
#include "services/collector/collector.h"
#include "services/collector/stream_slots.h"
#include "services/collector/worker_pool.h"
#include "shammie/v1/collector.grpc.pb.h"

namespace shammie::collector {

inline constexpr size_t kMaxImportComparisons = 2'000'000;
inline constexpr absl::Duration kExportReauthInterval = absl::Seconds(1);

// Raw-bytes handlers for every method whose request carries text.
using ComparisonServiceBase = v1::ComparisonService::WithRawCallbackMethod_CreateTask<
    v1::ComparisonService::WithRawCallbackMethod_NextTask<
        v1::ComparisonService::WithRawCallbackMethod_SubmitComparison<
            v1::ComparisonService::WithRawCallbackMethod_SkipTask<
                v1::ComparisonService::WithCallbackMethod_ExportComparisons<
                    v1::ComparisonService::WithRawCallbackMethod_ImportComparisons<
                        v1::ComparisonService::WithRawCallbackMethod_GetStats<
                            v1::ComparisonService::WithRawCallbackMethod_CreateToken<
                                v1::ComparisonService::WithRawCallbackMethod_RevokeToken<
                                    v1::ComparisonService::WithRawCallbackMethod_DeployPolicies<
                                        v1::ComparisonService::WithRawCallbackMethod_GetDeployment<
                                            v1::ComparisonService::WithRawCallbackMethod_ListTokens<
                                                v1::ComparisonService::WithRawCallbackMethod_ListAudit<
                                                    v1::ComparisonService::
                                                        WithRawCallbackMethod_RecordOperatorAction<
                                                            v1::ComparisonService::
                                                                WithRawCallbackMethod_WhoAmI<
                                                                    v1::ComparisonService::
                                                                        Service>>>>>>>>>>>>>>>;

class ComparisonServiceImpl final : public ComparisonServiceBase {
 public:
  // `max_exports_per_client` 0 = no limit.
  ComparisonServiceImpl(Collector* collector, WorkerPool* pool, size_t max_request_bytes,
                        int max_exports_per_client = 4)
      : collector_(collector),
        pool_(pool),
        max_request_bytes_(max_request_bytes),
        export_slots_(max_exports_per_client, "ExportComparisons") {}

  using Raw = grpc::ByteBuffer;
  grpc::ServerUnaryReactor* CreateTask(grpc::CallbackServerContext* ctx, const Raw* request,
                                       Raw* response) override;
  grpc::ServerUnaryReactor* NextTask(grpc::CallbackServerContext* ctx, const Raw* request,
                                     Raw* response) override;
  grpc::ServerUnaryReactor* SubmitComparison(grpc::CallbackServerContext* ctx, const Raw* request,
                                             Raw* response) override;
  grpc::ServerUnaryReactor* SkipTask(grpc::CallbackServerContext* ctx, const Raw* request,
                                     Raw* response) override;
  grpc::ServerWriteReactor<v1::Comparison>* ExportComparisons(
      grpc::CallbackServerContext* ctx, const v1::ExportComparisonsRequest* request) override;
  grpc::ServerReadReactor<Raw>* ImportComparisons(grpc::CallbackServerContext* ctx,
                                                  Raw* response) override;
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* ctx, const Raw* request,
                                     Raw* response) override;
  grpc::ServerUnaryReactor* CreateToken(grpc::CallbackServerContext* ctx, const Raw* request,
                                        Raw* response) override;
  grpc::ServerUnaryReactor* RevokeToken(grpc::CallbackServerContext* ctx, const Raw* request,
                                        Raw* response) override;
  grpc::ServerUnaryReactor* DeployPolicies(grpc::CallbackServerContext* ctx, const Raw* request,
                                           Raw* response) override;
  grpc::ServerUnaryReactor* GetDeployment(grpc::CallbackServerContext* ctx, const Raw* request,
                                          Raw* response) override;
  grpc::ServerUnaryReactor* ListTokens(grpc::CallbackServerContext* ctx, const Raw* request,
                                       Raw* response) override;
  grpc::ServerUnaryReactor* ListAudit(grpc::CallbackServerContext* ctx, const Raw* request,
                                      Raw* response) override;
  grpc::ServerUnaryReactor* RecordOperatorAction(grpc::CallbackServerContext* ctx,
                                                 const Raw* request, Raw* response) override;
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* ctx, const Raw* request,
                                   Raw* response) override;

 private:
  // On the pool: authenticate, parse a Req, run body(caller, req, &resp),
  // serialize resp; finish the call with the status.
  template <typename Req, typename Resp, typename Body>
  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* ctx, const Raw* request,
                                  Raw* response, Body body);

  Collector* const collector_;
  WorkerPool* const pool_;
  const size_t max_request_bytes_;
  StreamSlots export_slots_;
};

}  // namespace shammie::collector

#endif  // SHAMMIE_SERVICES_COLLECTOR_COMPARISON_SERVICE_H_
