// TLS for every Shammie service and client, in one place.
//
// Servers take `--tls-cert FILE --tls-key FILE` (PEM); both set = gRPC SSL
// server credentials (and HTTPS for the collector's page and JSON API),
// neither = plaintext. Clients take `--tls-ca FILE` (PEM root certificates
// that signed the server's certificate); empty = plaintext. Plaintext is the
// default only because the default addresses are loopback: a server that
// listens on any other address without TLS logs a loud warning at start
// (WarnIfPlaintextOffLoopback), since bearer tokens would cross the network
// in the clear.
//
// Errors name the flag: INVALID_ARGUMENT "--tls-cert: …" for a file that is
// missing, unreadable or not a PEM certificate, "--tls-key: …" for a key
// that is not PEM or does not match the certificate, "--tls-ca: …" likewise.
//
// Thread-safe (no state).
#ifndef SHAMMIE_SERVICES_COMMON_TLS_H_
#define SHAMMIE_SERVICES_COMMON_TLS_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace shammie::services {

// A server's certificate and key files (PEM). Both empty = plaintext.
struct TlsServerFiles {
  std::string cert_file;  // --tls-cert
  std::string key_file;   // --tls-key
  bool enabled() const { return !cert_file.empty() || !key_file.empty(); }
};

// Checks that both files are given, readable, PEM, and that the key belongs
// to the certificate. OK when neither is given.
absl::Status ValidateTlsServerFiles(const TlsServerFiles& files);

// SSL server credentials from `files` (after ValidateTlsServerFiles), or
// insecure ones when TLS is off.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsServerFiles& files);

// SSL channel credentials trusting the PEM roots in `ca_file` (--tls-ca), or
// insecure ones when `ca_file` is empty.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const std::string& ca_file);

// True when the host of `listen` ("host:port", "[v6]:port", "unix:…") only
// accepts local connections: 127.0.0.0/8, ::1, localhost, unix sockets.
bool IsLoopbackListen(absl::string_view listen);

// Logs a loud WARNING (and returns true) when `listen` is not loopback and
// `tls` is false: `service` serves bearer tokens in plaintext off the host.
bool WarnIfPlaintextOffLoopback(absl::string_view service, absl::string_view listen, bool tls);

}  // namespace shammie::services

#endif  // SHAMMIE_SERVICES_COMMON_TLS_H_
