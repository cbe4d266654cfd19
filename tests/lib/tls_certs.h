// Test certificates made with Debian's `openssl` command: a CA, a server
// certificate it signed for 127.0.0.1 and localhost, and a second CA that
// signed nothing here (a client trusting only it must be refused).
#ifndef SHAMMIE_TESTS_LIB_TLS_CERTS_H_
#define SHAMMIE_TESTS_LIB_TLS_CERTS_H_

#include <cstdlib>
#include <string>

namespace shammie::testing {

struct TlsCerts {
  std::string ca;         // ca.pem: trusted roots for clients (--tls-ca)
  std::string cert;       // server.pem (--tls-cert)
  std::string key;        // server.key (--tls-key)
  std::string other_ca;   // other-ca.pem: a CA that did not sign server.pem
  std::string other_key;  // other-ca.key: a key that does not match server.pem
  bool ok = false;
};

// Writes the files into `dir` (which must exist). ok=false when openssl
// failed (the test should ASSERT on it).
inline TlsCerts MakeTlsCerts(const std::string& dir) {
  const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string cmd =
      "cd '" + dir +
      "' && "
      "openssl req -x509 " +
      ec +
      " -keyout ca.key -out ca.pem -days 2 -subj '/CN=Shammie Test CA' && "
      "openssl req -x509 " +
      ec +
      " -keyout other-ca.key -out other-ca.pem -days 2 -subj '/CN=Other CA' && "
      "openssl req " +
      ec +
      " -keyout server.key -out server.csr -subj '/CN=localhost' && "
      "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > server.ext && "
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem "
      "-days 2 -extfile server.ext";
  TlsCerts c;
  c.ok = std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
  c.ca = dir + "/ca.pem";
  c.cert = dir + "/server.pem";
  c.key = dir + "/server.key";
  c.other_ca = dir + "/other-ca.pem";
  c.other_key = dir + "/other-ca.key";
  return c;
}

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_LIB_TLS_CERTS_H_
