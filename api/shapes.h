// api/shapes.h — checking a request against its service model, as the service's framework does.
//
// The decoders tools/gen_requests.py generates from botocore's service models (api/requests.cpp for DynamoDB,
// api/streams_requests.cpp for DynamoDB Streams) walk a request's JSON once and fill its typed input
// (api/requests.h). Every check and every message they make is here, shared by every service: a value of the
// wrong JSON type throws SerializationException with the message the service's deserialiser gives; a
// constraint violation (required, length, range, enum, pattern) is collected, and finish() throws
// ValidationException "N validation error(s) detected: ..." listing at most ten of them in the model's member
// order, printing values as the service's Java model prints them; then the rule for a JSON null inside a list
// or map (tools/gen_requests.py, NULL_RULES). JSON null as a member's value means the member is absent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/requests_common.h"
#include "model/error.h"

namespace simdjson::dom {
class element;
}

namespace ddb::api {

// The index of a DynamoDB operation in req::kOperations (api/requests.h), or -1 when the model has no such
// operation.
int find_operation(std::string_view name);

// Checks the parsed body of a request for the operation returned by find_operation: decodes it and discards
// the result (attribute values are checked for their JSON shape, not parsed). Throws what decode() throws.
void check_request(int operation, const simdjson::dom::element& body);

// ---- The runtime of the generated decoders ----

enum class ShapeKind : uint8_t { Structure, List, Map, String, Integer, Long, Boolean, Blob, Double, Timestamp };
enum Pattern : uint8_t { kPatternNone, kPatternName };

// A service model's tables, generated: every shape an input reaches, its members and enum values.
struct MemberDef {
  const char* name;
  int shape;
  bool required;
};
struct ShapeDef {
  const char* name;
  ShapeKind kind;
  bool has_min, has_max;
  int64_t min, max;
  Pattern pattern;
  int member_begin, member_count;
  int enum_begin, enum_count;
  int member_shape, key_shape, value_shape;
};
struct ServiceModel {
  const ShapeDef* shapes;
  const MemberDef* members;
  const char* const* enums;
  const char* java_package;  // of the service's model classes, as its messages name them
};

// Where a value is in the request, built into a string only when a violation is reported.
struct Where {
  const Where* parent = nullptr;
  std::string_view member;   // a structure member
  std::string_view map_key;  // a map entry
  size_t index = 0;          // a list element (1-based)

  std::string str() const;
  // The key of the innermost map entry this value is in (a table or attribute name), or "".
  std::string_view enclosing_key() const;
};

// One request's decoding: the checks of each kind of shape, called by the generated code in the model's member
// order. Shapes are indices into the model's tables. A check that throws leaves `out` unspecified.
class Decoder {
 public:
  // parse_attributes false: attribute values are checked for their JSON shape only (left empty).
  Decoder(const ServiceModel& model, bool parse_attributes) : model_(model), parse_attributes_(parse_attributes) {}

  // The body itself must be a JSON object.
  void object(const simdjson::dom::element& body) const;
  // TableName, where an input requires it, is checked before anything else, with its own messages.
  void table_name(const simdjson::dom::element& body) const;

  // The JSON type of a container (SerializationException when wrong).
  void structure(int shape, const simdjson::dom::element& v, bool list_member) const;
  void list(const simdjson::dom::element& v) const;
  void map(int shape, const simdjson::dom::element& v) const;
  // A list's or map's length constraints.
  void length(int shape, const simdjson::dom::element& v, const Where& path, size_t n);
  // A map key's length constraints.
  void map_key(int key_shape, std::string_view key);
  // A map whose values are lists with length constraints reports a value's wrong length as a constraint on the
  // map (printing all of it); false when it did, and the value is not looked into.
  bool map_value_length(int map_shape, const simdjson::dom::element& map, const Where& path,
                        const simdjson::dom::element& value);

  // Scalars: the JSON type, then the constraints; each answers or fills the value.
  void string(int shape, const simdjson::dom::element& v, const Where& path, std::string& out);
  // The index of the value in the shape's enum list (the enum class's value); 0 after a violation.
  int enumeration(int shape, const simdjson::dom::element& v, const Where& path);
  int64_t integer(int shape, const simdjson::dom::element& v, const Where& path);
  bool boolean(const simdjson::dom::element& v) const;
  double number(const simdjson::dom::element& v) const;
  void blob(const simdjson::dom::element& v, std::string& out) const;

  // DynamoDB's attribute values: the JSON shape here, the content (or a null) by api/attribute_json.h, its error
  // kept in the value.
  void attribute(int shape, const simdjson::dom::element& v, bool list_member, Attribute& out) const;
  void attributes(int shape, const simdjson::dom::element& v, const Where& path, Attributes& out);

  // A required member that is absent or null.
  void required(const Where& path);
  // The null rules (tools/gen_requests.py): a violation, or an error after the violations ({key}: the innermost
  // map key). A null attribute value is decoded by attribute(), which keeps the item codec's error for it.
  void null_violation(const Where& path);
  void null_error(const char* message, const Where& path);

  // Throws the violations, if any, then the first null error, if any.
  void finish();

 private:
  const ShapeDef& shape(int index) const { return model_.shapes[index]; }
  void violation(const ShapeDef& shape, const simdjson::dom::element& v, const Where& path,
                 const std::string& constraint);
  void check_length(const ShapeDef& shape, const simdjson::dom::element& v, const Where& path, int64_t length);
  std::string_view checked_string(int shape, const simdjson::dom::element& v, const Where& path);

  const ServiceModel& model_;
  bool parse_attributes_;
  std::vector<std::string> violations_;
  std::optional<Error> null_error_;
};

}  // namespace ddb::api
