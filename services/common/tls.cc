// TLS credentials (tls.h). The files are checked with OpenSSL before gRPC
// sees them: gRPC accepts any bytes at build time and fails only when the
// first handshake does, with a message that names neither file nor flag.
#include "services/common/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/log.h"
#include "grpcpp/security/credentials.h"

namespace shammie::services {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(flag, ": cannot read ", path));
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": ", path, " is empty"));
  }
  return text.str();
}

std::string OpenSslError() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "not PEM";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

// The first certificate in `pem`; null (and the reason in *why) when none.
X509* ParseCertificate(const std::string& pem, std::string* why) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (cert == nullptr) *why = OpenSslError();
  return cert;
}

}  // namespace

absl::Status ValidateTlsServerFiles(const TlsServerFiles& files) {
  if (!files.enabled()) return absl::OkStatus();
  if (files.cert_file.empty()) {
    return absl::InvalidArgumentError("--tls-cert: required with --tls-key");
  }
  if (files.key_file.empty()) {
    return absl::InvalidArgumentError("--tls-key: required with --tls-cert");
  }
  absl::StatusOr<std::string> cert_pem = ReadPem(files.cert_file, "--tls-cert");
  if (!cert_pem.ok()) return cert_pem.status();
  absl::StatusOr<std::string> key_pem = ReadPem(files.key_file, "--tls-key");
  if (!key_pem.ok()) return key_pem.status();
  std::string why;
  X509* cert = ParseCertificate(*cert_pem, &why);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-cert: ", files.cert_file, " is not a PEM certificate (", why, ")"));
  }
  BIO* bio = BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  absl::Status status;
  if (key == nullptr) {
    status = absl::InvalidArgumentError(absl::StrCat("--tls-key: ", files.key_file,
                                                     " is not an unencrypted PEM private key (",
                                                     OpenSslError(), ")"));
  } else if (X509_check_private_key(cert, key) != 1) {
    ERR_clear_error();
    status = absl::InvalidArgumentError(absl::StrCat(
        "--tls-key: ", files.key_file, " does not belong to the certificate in ", files.cert_file));
  }
  EVP_PKEY_free(key);
  X509_free(cert);
  return status;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TlsServerFiles& files) {
  if (!files.enabled()) return grpc::InsecureServerCredentials();
  if (absl::Status s = ValidateTlsServerFiles(files); !s.ok()) return s;
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back(
      {*ReadPem(files.key_file, "--tls-key"), *ReadPem(files.cert_file, "--tls-cert")});
  return grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> MakeChannelCredentials(
    const std::string& ca_file) {
  if (ca_file.empty()) return grpc::InsecureChannelCredentials();
  absl::StatusOr<std::string> pem = ReadPem(ca_file, "--tls-ca");
  if (!pem.ok()) return pem.status();
  std::string why;
  X509* cert = ParseCertificate(*pem, &why);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-ca: ", ca_file, " is not a PEM certificate (", why, ")"));
  }
  X509_free(cert);
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = *pem;
  return grpc::SslCredentials(options);
}

bool IsLoopbackListen(absl::string_view listen) {
  if (absl::StartsWith(listen, "unix:") || absl::StartsWith(listen, "unix-abstract:")) return true;
  absl::string_view host = listen;
  if (const size_t colon = listen.rfind(':'); colon != absl::string_view::npos) {
    host = listen.substr(0, colon);
  }
  if (absl::ConsumePrefix(&host, "[")) absl::ConsumeSuffix(&host, "]");
  const std::string h = absl::AsciiStrToLower(host);
  return h == "localhost" || h == "::1" || absl::StartsWith(h, "127.");
}

bool WarnIfPlaintextOffLoopback(absl::string_view service, absl::string_view listen, bool tls) {
  if (tls || IsLoopbackListen(listen)) return false;
  SHAMMIE_LOG(WARNING)
      << "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
      << "!! WARNING: " << service << " listens on " << listen << " WITHOUT TLS.\n"
      << "!! Bearer tokens and data cross the network in plaintext. Pass\n"
      << "!! --tls-cert FILE --tls-key FILE, or listen on 127.0.0.1 only.\n"
      << "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!";
  return true;
}

}  // namespace shammie::services
