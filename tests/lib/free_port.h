// A free loopback TCP port for tests that must name one before a server
// binds it (MASTER_PORT of a process group, a Prometheus scrape target).
#ifndef SHAMMIE_TESTS_LIB_FREE_PORT_H_
#define SHAMMIE_TESTS_LIB_FREE_PORT_H_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace shammie::testing {

// A loopback TCP port that was free a moment ago (bind to 0, read, close).
inline int PickFreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

}  // namespace shammie::testing

#endif  // SHAMMIE_TESTS_LIB_FREE_PORT_H_
