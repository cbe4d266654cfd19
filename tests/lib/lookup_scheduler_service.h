// A minimal shammie.v1.Scheduler front end for tests that need real gRPC
// traffic with known outcomes before the real scheduler is in the build:
// GetIteration answers OK for the ids it was given and NOT_FOUND otherwise;
// every other method is left UNIMPLEMENTED.
#ifndef SHAMMIE_TESTS_LIB_LOOKUP_SCHEDULER_SERVICE_H_
#define SHAMMIE_TESTS_LIB_LOOKUP_SCHEDULER_SERVICE_H_

#include <set>
#include <string>

#include "grpcpp/grpcpp.h"
#include "shammie/v1/scheduler.grpc.pb.h"

namespace shammie::testing {

class LookupSchedulerService final : public v1::Scheduler::CallbackService {
 public:
  explicit LookupSchedulerService(std::set<std::string> known) : known_(std::move(known)) {}

  grpc::ServerUnaryReactor* GetIteration(grpc::CallbackServerContext* ctx,
                                         const v1::GetIterationRequest* req,
                                         v1::Iteration* out) override {
    auto* reactor = ctx->DefaultReactor();
    if (known_.count(req->id())) {
      out->set_id(req->id());
      reactor->Finish(grpc::Status::OK);
    } else {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "id: no such iteration"));
    }
    return reactor;
  }

 private:
  const std::set<std::string> known_;
};

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_LIB_LOOKUP_SCHEDULER_SERVICE_H_
