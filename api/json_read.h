// api/json_read.h — reading members of a request body that check_request has already type-checked.
//
// Each getter answers the member's value, or the fallback when the member is absent or JSON null (the
// wire protocol treats both as "not given"). Include only from api/*.cpp: it pulls in simdjson.h.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <string_view>

namespace ddb::api {

inline bool has(const simdjson::dom::element& obj, std::string_view key, simdjson::dom::element* out = nullptr) {
  simdjson::dom::element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return false;
  if (out) *out = e;
  return true;
}

inline std::string_view get_string(const simdjson::dom::element& obj, std::string_view key,
                                   std::string_view fallback = {}) {
  simdjson::dom::element e;
  std::string_view s;
  if (!has(obj, key, &e) || e.get(s) != simdjson::SUCCESS) return fallback;
  return s;
}

inline int64_t get_int(const simdjson::dom::element& obj, std::string_view key, int64_t fallback = 0) {
  simdjson::dom::element e;
  int64_t v;
  if (!has(obj, key, &e) || e.get(v) != simdjson::SUCCESS) return fallback;
  return v;
}

inline bool get_bool(const simdjson::dom::element& obj, std::string_view key, bool fallback = false) {
  simdjson::dom::element e;
  bool v;
  if (!has(obj, key, &e) || e.get(v) != simdjson::SUCCESS) return fallback;
  return v;
}

// The token name the service's JSON deserialiser uses for a value in its SerializationException messages
// ("NUMBER_VALUE cannot be converted to String").
inline const char* json_token_name(const simdjson::dom::element& v) {
  using simdjson::dom::element_type;
  switch (v.type()) {
    case element_type::STRING: return "STRING_VALUE";
    case element_type::INT64:
    case element_type::UINT64: return "NUMBER_VALUE";
    case element_type::DOUBLE: return "DECIMAL_VALUE";
    case element_type::BOOL: return v.get_bool().value_unsafe() ? "TRUE_VALUE" : "FALSE_VALUE";
    case element_type::ARRAY: return "START_ARRAY";
    case element_type::OBJECT: return "START_OBJECT";
    default: return "NULL_VALUE";
  }
}

// False when absent or null.
inline bool get_array(const simdjson::dom::element& obj, std::string_view key, simdjson::dom::array* out) {
  simdjson::dom::element e;
  return has(obj, key, &e) && e.get(*out) == simdjson::SUCCESS;
}

}  // namespace ddb::api
