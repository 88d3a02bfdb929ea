// api/dispatcher.h — from (operation, body, caller) to a DynamoDB JSON answer.
//
// The server hands every POST here; the dispatcher parses the body once, checks it against the service
// model, runs the operation and writes the answer or the one error body. handle() never throws and is
// safe to call from many threads at once.
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
  std::string_view target;         // X-Amz-Target
  std::string_view content_type;   // Content-Type
  std::string_view authorization;  // Authorization
  std::string_view body;
};

struct ApiResponse {
  int status = 200;
  std::string body;
};

struct ApiConfig {
  bool shared_db = false;              // one namespace for every access key and region
  int64_t transient_delay_millis = 0;  // how long CREATING/UPDATING last (0: ACTIVE at once)
};

class Dispatcher {
 public:
  Dispatcher(Engine& engine, ApiConfig config);
  ~Dispatcher();
  void handle(const ApiRequest& request, ApiResponse& response);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ddb::api
