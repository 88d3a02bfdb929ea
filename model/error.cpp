#include "model/error.h"

#include "model/json_writer.h"

namespace ddb {

std::string Error::to_json() const {
  std::string out;
  out.reserve(64 + message_.size());
  JsonWriter w(out);
  w.begin_object();
  w.member("__type", "com.amazonaws.dynamodb.v20120810#" + type_);
  w.member("message", message_);
  w.end_object();
  return out;
}

}  // namespace ddb
