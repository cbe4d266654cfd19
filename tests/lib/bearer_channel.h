// A client channel whose every call carries "authorization: Bearer <token>"
// (a client interceptor adds it), for tests that call the token-gated
// services (the trainers, services/common/token_gate.h) many times. gRPC's
// call credentials would refuse to travel over the tests' plaintext loopback
// channels, so the metadata is added by hand, as the services' own clients do.
#ifndef SHAMMIE_TESTS_LIB_BEARER_CHANNEL_H_
#define SHAMMIE_TESTS_LIB_BEARER_CHANNEL_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_interceptor.h>

#include <memory>
#include <string>
#include <vector>

namespace shammie::testing {

class BearerInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit BearerInterceptor(std::string value) : value_(std::move(value)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({"authorization", value_});
    }
    methods->Proceed();
  }

 private:
  const std::string value_;
};

class BearerInterceptorFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit BearerInterceptorFactory(std::string token) : token_(std::move(token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new BearerInterceptor("Bearer " + token_);
  }

 private:
  const std::string token_;
};

// `token` empty = a plain channel (no authorization header).
inline std::shared_ptr<grpc::Channel> BearerChannel(
    const std::string& address, const std::string& token,
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials()) {
  if (token.empty()) return grpc::CreateChannel(address, credentials);
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<BearerInterceptorFactory>(token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      address, credentials, grpc::ChannelArguments(), std::move(factories));
}

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_LIB_BEARER_CHANNEL_H_
