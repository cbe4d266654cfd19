// Runs a bound cpp-httplib server's accept loop on its own thread, and stops
// it for sure: httplib's stop() is a no-op until the loop runs, so Start
// waits for the loop before returning and a Stop() right after Start()
// cannot leave the server running. Used by the collector's page server and
// the /metrics endpoint of the services that have no HTTP server of their own.
//
// Header-only (the users link cpp-httplib). Start and Stop from one owning
// thread; Stop is idempotent and the destructor calls it.
#ifndef SHAMMIE_SERVICES_COMMON_HTTP_LISTEN_THREAD_H_
#define SHAMMIE_SERVICES_COMMON_HTTP_LISTEN_THREAD_H_

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "httplib.h"

namespace shammie::services {

class HttpListenThread {
 public:
  HttpListenThread() = default;
  HttpListenThread(const HttpListenThread&) = delete;
  HttpListenThread& operator=(const HttpListenThread&) = delete;
  ~HttpListenThread() { Stop(); }

  // Call before binding: httplib's default sets SO_REUSEPORT, which would
  // let a second process bind the same port and silently share the traffic;
  // SO_REUSEADDR alone still allows a quick restart past TIME_WAIT.
  static void BindExclusively(httplib::Server& server) {
    server.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
  }

  // `server` has been bound (bind_to_port / bind_to_any_port) and outlives
  // this object's Stop().
  void Start(httplib::Server* server) {
    server_ = server;
    thread_ = std::thread([this] {
      server_->listen_after_bind();
      returned_ = true;
    });
    while (!server_->is_running() && !returned_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  void Stop() {
    if (!thread_.joinable()) return;
    server_->stop();
    thread_.join();
  }

 private:
  httplib::Server* server_ = nullptr;
  std::thread thread_;
  std::atomic<bool> returned_{false};
};

}  // namespace shammie::services

#endif  // SHAMMIE_SERVICES_COMMON_HTTP_LISTEN_THREAD_H_
