// fuzz_http — HTTP requests as server/http_server.cpp reads and routes them.
//
// The server reads each request of a connection with a fresh http::request_parser<string_body> (body limit
// 20 MB, header limit 64 KB) through http::async_read into one flat_buffer that keeps what a pipelining client
// sent ahead, then (but for a CORS preflight, which --cors enables) hands the method, path, X-Amz-Target,
// accepted Content-Type, Authorization and body to api::Dispatcher::handle. This target does the same:
// http::read (the same read loop, synchronous) over a stream handing out the input in chunks whose size the
// input's first byte chooses, for every request the bytes hold, each dispatched to the World of fuzz_world.h
// (rebuilt after writes_per_world() dispatched POSTs; a crash writes the inputs since to fuzz_http-history/).
// An answer must have status 200, 400 or 404, and a JSON protocol answer must be a JSON object.
// The parser limits and the hand-over are the server's own (server/handover.h).
#define BOOST_BEAST_USE_STD_STRING_VIEW 1

#include <simdjson.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/handover.h"
#include "tests/fuzz/fuzz_world.h"

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using ddb::fuzz::fuzz_fail;

namespace {

using ddb::server::kMaxBodyBytes;
using ddb::server::kMaxHeaderBytes;

// A SyncReadStream over the input: read_some hands out at most `chunk` bytes at a time, then end of stream.
class InputStream {
 public:
  InputStream(std::string_view in, size_t chunk) : in_(in), chunk_(chunk) {}

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, beast::error_code& ec) {
    ec = {};
    if (in_.empty()) {
      ec = net::error::eof;
      return 0;
    }
    size_t n = net::buffer_copy(buffers, net::buffer(in_.data(), std::min(in_.size(), chunk_)));
    in_.remove_prefix(n);
    return n;
  }
  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    beast::error_code ec;
    size_t n = read_some(buffers, ec);
    if (ec) throw beast::system_error(ec);
    return n;
  }

 private:
  std::string_view in_;
  size_t chunk_;
};

// Session::handle's hand-over to the dispatcher.
void dispatch(ddb::fuzz::World& world, const http::request<http::string_body>& req, ddb::api::ApiResponse& res) {
  if (req.body().size() > kMaxBodyBytes) fuzz_fail("a body over the limit was accepted");
  std::string_view target = req.target();
  ddb::api::ApiRequest api_req = ddb::server::api_request(req);
  world.handle(api_req, res);
  auto fail = [&](const std::string& what) {
    ddb::fuzz::History::write();
    fuzz_fail(what + "\n  request target: " + std::string(target) + "\n  status: " + std::to_string(res.status) +
              "\n  response: " + res.body);
  };
  if (res.status != 200 && res.status != 400 && res.status != 404) fail("a status other than 200, 400 or 404");
  if (res.content_type.empty()) fail("an answer without a Content-Type");
  if (res.content_type.substr(0, 12) == "application/") {
    thread_local simdjson::dom::parser parser;
    simdjson::padded_string padded(res.body);
    simdjson::dom::element e;
    if (parser.parse(padded).get(e) != simdjson::SUCCESS || !e.is_object()) fail("a JSON answer that is no object");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ddb::fuzz::History::install("fuzz_http");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static ddb::fuzz::World world;
  static const int kWritesPerWorld = ddb::fuzz::writes_per_world();
  static int writes = 0;
  if (writes >= kWritesPerWorld) {
    world.rebuild();
    ddb::fuzz::History::clear();
    writes = 0;
  }
  ddb::fuzz::History::add(data, size);

  size_t chunk = data[0] == 0 ? 65536 : data[0];  // the server reads up to 64 KB at a time
  InputStream stream(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), chunk);
  beast::flat_buffer buffer;
  ddb::api::ApiResponse response;
  for (int requests = 0; requests < 64; ++requests) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    parser.header_limit(kMaxHeaderBytes);
    beast::error_code ec;
    http::read(stream, buffer, parser, ec);
    if (ec) break;  // end of stream, a malformed request, a limit: the server answers 413 or closes
    if (!parser.is_done()) fuzz_fail("http::read succeeded with an unfinished request");
    const auto& req = parser.get();
    writes += req.method() == http::verb::post;
    dispatch(world, req, response);
    if (!req.keep_alive()) break;  // the server closes after answering
  }
  return 0;
}
