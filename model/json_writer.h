// model/json_writer.h — appends JSON text straight into a response buffer.
//
// The writer does not check structure (the caller writes well-formed sequences); it guarantees correct
// string escaping and comma placement between members and elements. No allocation beyond the buffer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ddb {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() {
    sep();
    out_.push_back('{');
    first_ = true;
    return *this;
  }
  JsonWriter& end_object() {
    out_.push_back('}');
    first_ = false;
    return *this;
  }
  JsonWriter& begin_array() {
    sep();
    out_.push_back('[');
    first_ = true;
    return *this;
  }
  JsonWriter& end_array() {
    out_.push_back(']');
    first_ = false;
    return *this;
  }
  // Writes "name": — the next value call writes the value.
  JsonWriter& key(std::string_view name) {
    sep();
    append_string(out_, name);
    out_.push_back(':');
    first_ = true;  // the value that follows takes no comma
    return *this;
  }
  JsonWriter& string(std::string_view s) {
    sep();
    append_string(out_, s);
    return *this;
  }
  JsonWriter& raw_number(std::string_view digits) {
    sep();
    out_.append(digits);
    return *this;
  }
  JsonWriter& number(int64_t v) {
    sep();
    out_.append(std::to_string(v));
    return *this;
  }
  JsonWriter& boolean(bool b) {
    sep();
    out_.append(b ? "true" : "false");
    return *this;
  }
  JsonWriter& null() {
    sep();
    out_.append("null");
    return *this;
  }
  // Seconds since the epoch with millisecond precision, as DynamoDB writes CreationDateTime (1.700000000123E9 style
  // is Java's; the service and the SDKs accept a plain decimal).
  JsonWriter& epoch_seconds(int64_t millis);

  // Shorthands for "name": value.
  JsonWriter& member(std::string_view name, std::string_view s) { return key(name).string(s); }
  JsonWriter& member(std::string_view name, const char* s) { return key(name).string(s); }
  JsonWriter& member(std::string_view name, int64_t v) { return key(name).number(v); }
  JsonWriter& member(std::string_view name, bool b) { return key(name).boolean(b); }

  static void append_string(std::string& out, std::string_view s);

 private:
  void sep() {
    if (!first_) out_.push_back(',');
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace ddb
