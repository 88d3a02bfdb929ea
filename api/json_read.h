// api/json_read.h — what the decoders (api/shapes.cpp, api/attribute_json.cpp) share about JSON values.
// Include only from those: it pulls in simdjson.h. No handler reads JSON: they take typed requests.
#pragma once

#include <simdjson.h>

#include <string_view>

namespace ddb::api {

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

}  // namespace ddb::api
