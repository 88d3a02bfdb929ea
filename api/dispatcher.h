// api/dispatcher.h — from an HTTP request to its answer: the routing of every service ddblocal speaks.
//
// The server hands every request here (but CORS preflights). The dispatcher routes it: a JSON-protocol POST by
// the prefix of its X-Amz-Target to a service (DynamoDB_20120810. today; DynamoDBStreams_20120810. next),
// where the body is parsed once, checked against the service model and handed to the operation; a REST path
// (GET / for readiness checks; the Lambda API next) to its route; anything else is the service's 404. The
// answer or the one error body is written into the response. handle() never throws and is safe to call from
// many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ddb {
class Engine;
}

namespace ddb::api {

struct ApiRequest {
  std::string_view method;         // GET, POST, ...
  std::string_view path;           // the request target's path
  std::string_view target;         // X-Amz-Target
  std::string_view content_type;   // a JSON protocol media type (echoed in the answer), or empty
  std::string_view authorization;  // Authorization
  std::string_view body;
};

struct ApiResponse {
  int status = 200;
  std::string_view content_type;  // of the body
  std::string body;
};

struct ApiConfig {
  bool shared_db = false;              // one namespace for every access key and region
  int64_t transient_delay_millis = 0;  // how long CREATING/UPDATING last (0: ACTIVE at once)
  int64_t iterator_expiry_millis = 15 * 60 * 1000;  // how long a shard iterator is valid
};

class Dispatcher {
 public:
  Dispatcher(Engine& engine, ApiConfig config);
  ~Dispatcher();
  void handle(const ApiRequest& request, ApiResponse& response);

 private:
  void handle_json(const ApiRequest& request, ApiResponse& response);
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ddb::api
