// model/error.h — the one error type of ddblocal.
//
// An Error carries DynamoDB's error name (the part after '#' in "__type"), its exact message and the
// HTTP status DynamoDB answers with. It is made next to the rule it reports and answered in one place,
// the dispatcher (api/dispatcher.cpp). Errors are thrown only when a request fails, never on the path of
// a request that succeeds.
#pragma once

#include <stdexcept>
#include <string>

namespace ddb {

class Error : public std::exception {
 public:
  Error(std::string type, std::string message, int http_status = 400)
      : type_(std::move(type)), message_(std::move(message)), http_status_(http_status) {}

  const std::string& type() const { return type_; }
  const std::string& message() const { return message_; }
  int http_status() const { return http_status_; }
  const char* what() const noexcept override { return message_.c_str(); }

  // Further members of the error body, as JSON text (e.g. "Item":{...} of a failed condition), or empty.
  const std::string& extra_members() const { return extra_members_; }
  Error& with_extra_members(std::string json) {
    extra_members_ = std::move(json);
    return *this;
  }

  // The error body as DynamoDB writes it: {"__type":"com.amazonaws.dynamodb.v20120810#Type","message":"..."}.
  std::string to_json() const;

  static Error validation(std::string message) { return Error("ValidationException", std::move(message)); }
  static Error serialization(std::string message) { return Error("SerializationException", std::move(message)); }
  static Error resource_not_found(std::string message = "Requested resource not found") {
    return Error("ResourceNotFoundException", std::move(message));
  }
  static Error resource_in_use(std::string message) { return Error("ResourceInUseException", std::move(message)); }
  static Error internal(
      std::string message = "The server encountered an internal error trying to fulfill the request.") {
    return Error("InternalServerError", std::move(message), 500);
  }

 private:
  std::string type_;
  std::string message_;
  int http_status_;
  std::string extra_members_;
};

}  // namespace ddb
