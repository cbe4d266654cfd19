#include "services/cli/collector_client.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/tls.h"

namespace shammie::cli {

std::unique_ptr<grpc::ClientContext> CollectorClient::Context(absl::Duration timeout) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return ctx;
}

absl::StatusOr<std::string> ReadToken(Args& args) {
  const std::string file = args.Get("token-file");
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return absl::InvalidArgumentError(absl::StrCat("--token-file: cannot read ", file));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string token(absl::StripAsciiWhitespace(ss.str()));
    if (token.empty())
      return absl::InvalidArgumentError(absl::StrCat("--token-file: ", file, " is empty"));
    return token;
  }
  if (const char* env = std::getenv("SHAMMIE_TOKEN"); env && *env) {
    return std::string(absl::StripAsciiWhitespace(env));
  }
  return absl::InvalidArgumentError(
      "no token: pass --token-file FILE (e.g. <data-dir>/operator.token) or set SHAMMIE_TOKEN");
}

absl::StatusOr<CollectorClient> ConnectCollector(Args& args) {
  CollectorClient client;
  client.server = args.Get("server", kDefaultCollector);
  absl::StatusOr<std::string> token = ReadToken(args);
  if (!token.ok()) return token.status();
  client.token = *token;
  auto credentials = services::MakeChannelCredentials(args.Get("tls-ca"));
  if (!credentials.ok()) return credentials.status();
  grpc::ChannelArguments channel_args;
  channel_args.SetMaxReceiveMessageSize(64 << 20);
  client.channel = grpc::CreateCustomChannel(client.server, *credentials, channel_args);
  client.stub = v1::ComparisonService::NewStub(client.channel);
  return client;
}

int Fail(absl::string_view command, const absl::Status& status) {
  std::fprintf(stderr, "shammie %s: %s\n", std::string(command).c_str(), status.ToString().c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace shammie::cli
