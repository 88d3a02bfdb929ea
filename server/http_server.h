// server/http_server.h — HTTP/1.1 in and out (Boost.Beast stays inside http_server.cpp).
//
// Serves POST / for the DynamoDB JSON protocol (handing each request to the api Dispatcher), GET / as a
// health check, and CORS preflights. Keep-alive; one session per connection; a failing connection never
// ends the process. run() blocks until stop() is called (from a signal handler thread or another thread).
#pragma once

#include <memory>
#include <string>

namespace ddb::api {
class Dispatcher;
}

namespace ddb::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;
  int threads = 1;
  std::string cors;  // allowed origins, empty for none
};

class HttpServer {
 public:
  HttpServer(api::Dispatcher& dispatcher, HttpServerOptions options);
  ~HttpServer();
  // Binds and listens; throws std::runtime_error when the address is taken. Returns the bound port.
  int listen();
  // Serves until SIGINT/SIGTERM or stop().
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ddb::server
