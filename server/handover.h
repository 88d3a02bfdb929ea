// server/handover.h — how the server reads a request and hands it to the dispatcher.
//
// The parser limits, the accepted content types and the building of the api::ApiRequest, in one place for the
// server (http_server.cpp) and for the fuzz target that reads requests the way it does (tests/fuzz/fuzz_http).
// Templated on the request type so that this header needs no Beast include.
#pragma once

#include <cstddef>
#include <string_view>

#include "api/dispatcher.h"

namespace ddb::server {

// DynamoDB accepts requests up to 16 MB (BatchWriteItem's limit); leave room for the JSON envelope.
constexpr size_t kMaxBodyBytes = 20 * 1024 * 1024;
constexpr size_t kMaxHeaderBytes = 64 * 1024;

// application/x-amz-json-1.0 is what the SDKs send; application/json and 1.1 are accepted too.
// Parameters after ';' are ignored. Answers the media type (echoed in the response), or empty if not accepted.
inline std::string_view accepted_content_type(std::string_view ct) {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.front() == ' ') ct.remove_prefix(1);
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  bool ok = ct == "application/x-amz-json-1.0" || ct == "application/json" || ct == "application/x-amz-json-1.1";
  return ok ? ct : std::string_view();
}

// The dispatcher's view of a Beast request (its strings borrow from the request).
template <class Request>
api::ApiRequest api_request(const Request& req) {
  std::string_view target = req.target();
  return api::ApiRequest{req.method_string(),  target.substr(0, target.find('?')),
                         req["X-Amz-Target"],  accepted_content_type(req["Content-Type"]),
                         req["Authorization"], req.body()};
}

}  // namespace ddb::server
