#include "server/http_server.h"

// Beast's string_view is std::string_view, so headers pass to the api layer without copies.
#define BOOST_BEAST_USE_STD_STRING_VIEW 1

#include <spdlog/spdlog.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/crc.hpp>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include "api/dispatcher.h"

namespace ddb::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// DynamoDB accepts requests up to 16 MB (BatchWriteItem's limit); leave room for the JSON envelope.
constexpr size_t kMaxBodyBytes = 20 * 1024 * 1024;

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

std::string crc32_of(const std::string& body) {
  boost::crc_32_type crc;
  crc.process_bytes(body.data(), body.size());
  return std::to_string(crc.checksum());
}

// application/x-amz-json-1.0 is what the SDKs send; application/json and 1.1 are accepted too.
// Parameters after ';' are ignored. Answers the media type (echoed in the response), or empty if not accepted.
std::string_view accepted_content_type(std::string_view ct) {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.front() == ' ') ct.remove_prefix(1);
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  bool ok = ct == "application/x-amz-json-1.0" || ct == "application/json" || ct == "application/x-amz-json-1.1";
  return ok ? ct : std::string_view();
}

struct Shared {
  api::Dispatcher& dispatcher;
  std::string cors;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {}

  void start() {
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    read();
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    parser_->header_limit(64 * 1024);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::connection_reset) return close();
    if (ec == http::error::body_limit) {
      return respond_error(413, "com.amazon.coral.service#SerializationException",
                           "Request body exceeds the maximum size of 16 MB", /*keep_alive=*/false);
    }
    if (ec) {
      if (ec != net::error::operation_aborted) spdlog::debug("read error: {}", ec.message());
      return close();
    }
    handle(parser_->release());
  }

  void handle(http::request<http::string_body>&& req) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(req.version());
    res->keep_alive(req.keep_alive());
    res->set(http::field::server, "ddblocal");
    std::string_view origin = req[http::field::origin];
    if (!shared_.cors.empty() && !origin.empty()) add_cors(*res, origin);

    std::string_view content_type = accepted_content_type(req[http::field::content_type]);
    if (req.method() == http::verb::post && !content_type.empty()) {
      api::ApiRequest api_req{req["X-Amz-Target"], req[http::field::content_type], req[http::field::authorization],
                              req.body()};
      api::ApiResponse api_res;
      shared_.dispatcher.handle(api_req, api_res);
      res->result(api_res.status);
      res->set(http::field::content_type, content_type);
      res->body() = std::move(api_res.body);
    } else if (req.method() == http::verb::options && !shared_.cors.empty()) {
      res->result(http::status::ok);
      res->set(http::field::access_control_allow_methods, "GET,POST,PUT,DELETE,OPTIONS");
      std::string_view req_headers = req[http::field::access_control_request_headers];
      res->set(http::field::access_control_allow_headers,
               req_headers.empty() ? std::string_view("*") : req_headers);
      res->set(http::field::access_control_max_age, "172800");
    } else if (req.method() == http::verb::get || req.method() == http::verb::head) {
      res->result(http::status::ok);
      res->set(http::field::content_type, "text/plain");
      res->body() = "healthy: dynamodb.us-east-1.amazonaws.com ";
    } else {
      // Other methods, and POSTs of another content type, are not DynamoDB requests: the service answers 404.
      res->result(http::status::not_found);
      res->body() = "<UnknownOperationException/>\n";
    }
    res->set("x-amzn-RequestId", request_id());
    res->set("x-amz-crc32", crc32_of(res->body()));
    res->prepare_payload();
    write(std::move(res));
  }

  template <class Response>
  void add_cors(Response& res, std::string_view origin) {
    if (shared_.cors == "*") {
      res.set(http::field::access_control_allow_origin, "*");
    } else {
      std::string_view list = shared_.cors;
      while (!list.empty()) {
        size_t comma = list.find(',');
        std::string_view one = list.substr(0, comma);
        while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
        if (one == origin) res.set(http::field::access_control_allow_origin, origin);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      }
    }
    res.set(http::field::access_control_expose_headers, "x-amzn-RequestId,x-amzn-ErrorType,x-amz-crc32,Date");
  }

  void respond_error(unsigned status, const char* type, const char* message, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(status);
    res->keep_alive(keep_alive);
    res->set(http::field::content_type, "application/x-amz-json-1.0");
    res->body() = std::string(R"({"__type":")") + type + R"(","message":")" + message + "\"}";
    res->set("x-amzn-RequestId", request_id());
    res->set("x-amz-crc32", crc32_of(res->body()));
    res->prepare_payload();
    write(std::move(res));
  }

  void write(std::shared_ptr<http::response<http::string_body>> res) {
    bool keep_alive = res->keep_alive();
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
      if (ec || !keep_alive) return self->close();
      self->read();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  Shared& shared_;
};

}  // namespace

struct HttpServer::Impl {
  HttpServerOptions options;
  Shared shared;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  net::signal_set signals{ioc, SIGINT, SIGTERM};

  Impl(api::Dispatcher& d, HttpServerOptions o) : options(std::move(o)), shared{d, options.cors} {}

  void accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
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
  for (int i = 1; i < impl_->options.threads; ++i) {
    workers.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->ioc.run();
  for (auto& t : workers) t.join();
}

void HttpServer::stop() { impl_->ioc.stop(); }

}  // namespace ddb::server
