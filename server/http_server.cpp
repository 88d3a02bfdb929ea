#include "server/http_server.h"

// Beast's string_view is std::string_view, so headers pass to the api layer without copies.
#define BOOST_BEAST_USE_STD_STRING_VIEW 1

#include <spdlog/spdlog.h>
#include <zlib.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "api/dispatcher.h"
#include "server/handover.h"

namespace ddb::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

std::string request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string id(52, 'A');
  uint64_t bits = 0;
  for (int i = 0; i < 52; ++i) {
    if (i % 10 == 0) bits = rng();
    id[i] = kAlphabet[bits % 36];
    bits /= 36;
  }
  return id;
}

uint32_t crc32_of(std::string_view body) {
  return uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(body.data()), uInt(body.size())));
}

struct Shared {
  api::Dispatcher& dispatcher;
  std::string cors;
};

// One connection: read a request, answer it, repeat (keep-alive). The response is written by hand into one
// buffer (status line, headers, body) and sent with one write: cheaper than Beast's serializer.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Shared& shared) : socket_(std::move(socket)), shared_(shared) {}

  void start() {
    beast::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    read();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    parser_->header_limit(kMaxHeaderBytes);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset) return close();
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return respond(
          413, "application/x-amz-json-1.0",
          R"({"__type":"com.amazon.coral.service#SerializationException","Message":"Request body exceeds the maximum size of 16 MB"})");
    }
    if (ec) {
      if (ec != net::error::operation_aborted) spdlog::debug("read error: {}", ec.message());
      return close();
    }
    handle(parser_->get());
  }

  void handle(const http::request<http::string_body>& req) {
    keep_alive_ = req.keep_alive();
    http11_ = req.version() >= 11;
    origin_ = shared_.cors.empty() ? std::string_view() : req[http::field::origin];
    extra_headers_.clear();
    if (req.method() == http::verb::options && !origin_.empty()) {
      extra_headers_ =
          "Access-Control-Allow-Methods: GET,POST,PUT,DELETE,OPTIONS\r\nAccess-Control-Max-Age: 172800\r\n";
      std::string_view req_headers = req[http::field::access_control_request_headers];
      extra_headers_.append("Access-Control-Allow-Headers: ")
          .append(req_headers.empty() ? "*" : req_headers)
          .append("\r\n");
      return respond(200, "text/plain", "");
    }
    shared_.dispatcher.handle(api_request(req), api_res_);
    respond(api_res_.status, api_res_.content_type, api_res_.body);
  }

  void respond(int status, std::string_view content_type, std::string_view body) {
    std::string& out = out_;
    out.clear();
    out.append(http11_ ? "HTTP/1.1 " : "HTTP/1.0 ").append(std::to_string(status)).push_back(' ');
    out.append(std::string_view(http::obsolete_reason(http::int_to_status(status)))).append("\r\n");
    out.append("Server: ddblocal\r\nContent-Type: ").append(content_type).append("\r\n");
    out.append("x-amzn-RequestId: ").append(request_id()).append("\r\n");
    out.append("x-amz-crc32: ").append(std::to_string(crc32_of(body))).append("\r\n");
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    if (!origin_.empty()) add_cors(out);
    out.append(extra_headers_);
    if (!keep_alive_) out.append("Connection: close\r\n");
    out.append("\r\n").append(body);
    net::async_write(socket_, net::buffer(out), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || !self->keep_alive_) return self->close();
      self->read();
    });
  }

  void add_cors(std::string& out) {
    std::string_view allowed;
    if (shared_.cors == "*") {
      allowed = "*";
    } else {
      std::string_view list = shared_.cors;
      while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view one = list.substr(0, comma);
        while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
        if (one == origin_) allowed = origin_;
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    }
    if (!allowed.empty()) out.append("Access-Control-Allow-Origin: ").append(allowed).append("\r\n");
    out.append("Access-Control-Expose-Headers: x-amzn-RequestId,x-amzn-ErrorType,x-amz-crc32,Date\r\n");
  }

  void close() {
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
  }

  tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Shared& shared_;
  api::ApiResponse api_res_;
  std::string out_;
  std::string extra_headers_;
  std::string_view origin_;
  bool keep_alive_ = true;
  bool http11_ = true;
};

}  // namespace

// One io_context per thread, each run by its own thread: a connection lives on one of them for its whole
// life, so no strand or lock is needed on the request path.
struct HttpServer::Impl {
  HttpServerOptions options;
  Shared shared;
  std::vector<std::unique_ptr<net::io_context>> contexts;
  size_t next_context = 0;
  tcp::acceptor acceptor;
  net::signal_set signals;

  Impl(api::Dispatcher& d, HttpServerOptions o)
      : options(std::move(o)),
        shared{d, options.cors},
        contexts(make_contexts(options.threads)),
        acceptor(*contexts[0]),
        signals(*contexts[0], SIGINT, SIGTERM) {}

  static std::vector<std::unique_ptr<net::io_context>> make_contexts(int n) {
    std::vector<std::unique_ptr<net::io_context>> v;
    for (int i = 0; i < std::max(1, n); ++i) v.push_back(std::make_unique<net::io_context>(1));
    return v;
  }

  void accept() {
    net::io_context& ctx = *contexts[next_context++ % contexts.size()];
    acceptor.async_accept(ctx, [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted) return;
        spdlog::warn("accept failed: {}", ec.message());
      } else {
        std::make_shared<Session>(std::move(socket), shared)->start();
      }
      accept();
    });
  }
};

HttpServer::HttpServer(api::Dispatcher& dispatcher, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(dispatcher, std::move(options))) {}

HttpServer::~HttpServer() = default;

int HttpServer::listen() {
  beast::error_code ec;
  auto address = net::ip::make_address(impl_->options.host, ec);
  if (ec) throw std::runtime_error("invalid --host " + impl_->options.host);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(impl_->options.port));
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port) +
                             ": " + ec.message());
  }
  return acceptor.local_endpoint().port();
}

void HttpServer::run() {
  impl_->signals.async_wait([this](beast::error_code ec, int sig) {
    if (!ec) spdlog::info("signal {} received, shutting down", sig);
    stop();
  });
  impl_->accept();
  std::vector<std::thread> workers;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  for (size_t i = 1; i < impl_->contexts.size(); ++i) {
    guards.push_back(net::make_work_guard(*impl_->contexts[i]));
    workers.emplace_back([ctx = impl_->contexts[i].get()] { ctx->run(); });
  }
  impl_->contexts[0]->run();
  stop();
  for (auto& t : workers) t.join();
}

void HttpServer::stop() {
  for (auto& ctx : impl_->contexts) ctx->stop();
}

}  // namespace ddb::server
