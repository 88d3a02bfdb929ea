#include "api/shapes.h"

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <vector>

#include "api/attribute_json.h"
#include "api/json_read.h"
#include "api/requests.h"
#include "model/base64.h"
#include "model/error.h"

namespace ddb::api {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr size_t kMaxListed = 10;  // the service lists at most ten violations

// Java's String.length(): UTF-16 code units.
size_t utf16_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) n += (c >= 0xF0) ? 2 : 1;
  }
  return n;
}

bool matches_name_pattern(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string lower_first(std::string_view name) {
  std::string s(name);
  if (!s.empty() && s[0] >= 'A' && s[0] <= 'Z') s[0] = char(s[0] - 'A' + 'a');
  return s;
}

// The value as the service's framework prints it in a validation message (Java's toString of the model
// object): strings bare, lists as [a, b], structures as Name(member=value, ...), maps as {k=v, ...}.
void describe(const ServiceModel& model, const ShapeDef& shape, const element& v, std::string& out) {
  switch (v.type()) {
    case element_type::STRING: out.append(std::string_view(v.get_string().value_unsafe())); return;
    case element_type::INT64: out.append(std::to_string(int64_t(v.get_int64().value_unsafe()))); return;
    case element_type::UINT64: out.append(std::to_string(uint64_t(v.get_uint64().value_unsafe()))); return;
    case element_type::DOUBLE: out.append(simdjson::minify(v)); return;
    case element_type::BOOL: out.append(v.get_bool().value_unsafe() ? "true" : "false"); return;
    case element_type::NULL_VALUE: out.append("null"); return;
    case element_type::ARRAY: {
      out.push_back('[');
      bool first = true;
      const ShapeDef* member = shape.member_shape >= 0 ? &model.shapes[shape.member_shape] : &shape;
      simdjson::dom::array arr = v.get_array().value_unsafe();
      for (element e : arr) {
        if (!first) out.append(", ");
        first = false;
        describe(model, *member, e, out);
      }
      out.push_back(']');
      return;
    }
    case element_type::OBJECT: {
      simdjson::dom::object obj = v.get_object().value_unsafe();
      if (shape.kind == ShapeKind::Structure) {
        out.append(shape.name).push_back('(');
        for (int i = 0; i < shape.member_count; ++i) {
          const MemberDef& m = model.members[shape.member_begin + i];
          if (i) out.append(", ");
          out.append(lower_first(m.name)).push_back('=');
          element child;
          if (obj.at_key(m.name).get(child) == simdjson::SUCCESS) {
            describe(model, model.shapes[m.shape], child, out);
          } else {
            out.append("null");
          }
        }
        out.push_back(')');
      } else {
        out.push_back('{');
        bool first = true;
        const ShapeDef* value = shape.value_shape >= 0 ? &model.shapes[shape.value_shape] : &shape;
        for (auto field : obj) {
          if (!first) out.append(", ");
          first = false;
          out.append(std::string_view(field.key)).push_back('=');
          describe(model, *value, field.value, out);
        }
        out.push_back('}');
      }
      return;
    }
  }
}

// A value of the wrong JSON type for its shape: SerializationException with the message the service's JSON
// deserialiser gives (these carry "Message", capitalised, on the wire).
[[noreturn]] void type_error(const std::string& message) { throw Error("SerializationException", message); }

constexpr const char* kStartOfStructure = "Start of structure or map found where not expected";

}  // namespace

std::string Where::str() const {
  std::string prefix = parent ? parent->str() : std::string();
  if (!member.empty()) return prefix.empty() ? lower_first(member) : prefix + "." + lower_first(member);
  if (index) return prefix + "." + std::to_string(index) + ".member";
  if (!map_key.empty()) return prefix + "." + std::string(map_key) + ".member";
  return prefix;
}

std::string_view Where::enclosing_key() const {
  for (const Where* w = this; w && w->parent; w = w->parent) {
    if (w->member.empty() && w->index == 0) return w->map_key;
  }
  return {};
}

void Decoder::object(const element& body) const {
  if (!body.is_object()) throw Error("SerializationException", "");
}

void Decoder::table_name(const element& body) const {
  element name;
  if (body.at_key("TableName").get(name) != simdjson::SUCCESS || name.is_null()) {
    throw Error::validation("The parameter 'TableName' is required but was not present in the request");
  }
  if (name.is_string()) {
    size_t len = utf16_length(name.get_string().value_unsafe());
    if (len < 3 || len > 255) {
      throw Error::validation("TableName must be at least 3 characters long and at most 255 characters long");
    }
  }
}

void Decoder::violation(const ShapeDef& shape, const element& v, const Where& path, const std::string& constraint) {
  if (violations_.size() >= kMaxListed) {
    violations_.emplace_back();  // counted, never printed
    return;
  }
  std::string msg = "Value '";
  describe(model_, shape, v, msg);
  msg += "' at '" + path.str() + "' failed to satisfy constraint: " + constraint;
  violations_.push_back(std::move(msg));
}

void Decoder::check_length(const ShapeDef& shape, const element& v, const Where& path, int64_t length) {
  if (shape.has_min && length < shape.min) {
    violation(shape, v, path, "Member must have length greater than or equal to " + std::to_string(shape.min));
  }
  if (shape.has_max && length > shape.max) {
    violation(shape, v, path, "Member must have length less than or equal to " + std::to_string(shape.max));
  }
}

void Decoder::structure(int index, const element& v, bool list_member) const {
  if (v.is_object()) return;
  if (v.is_array()) {
    type_error(std::string("Unrecognized collection type class ") + model_.java_package + "." + shape(index).name);
  }
  type_error(list_member ? "Unexpected value type in payload" : "Unexpected field type");
}

void Decoder::list(const element& v) const {
  if (v.is_array()) return;
  if (v.is_object()) type_error(kStartOfStructure);
  type_error("Unexpected field type");
}

void Decoder::map(int index, const element& v) const {
  if (v.is_object()) return;
  if (v.is_array()) {
    type_error(std::string("Unrecognized collection type java.util.Map<java.lang.String, ") + model_.java_package +
               "." + shape(shape(index).value_shape).name + ">");
  }
  type_error("Unexpected field type");
}

void Decoder::length(int index, const element& v, const Where& path, size_t n) {
  check_length(shape(index), v, path, int64_t(n));
}

void Decoder::map_key(int key_shape, std::string_view key) {
  const ShapeDef& k = shape(key_shape);
  int64_t length = int64_t(utf16_length(key));
  if (k.has_max && length > k.max) {
    violations_.push_back("Map keys must satisfy constraint: [Member must have length less than or equal to " +
                          std::to_string(k.max) + "]");
  } else if (k.has_min && length < k.min) {
    violations_.push_back("Map keys must satisfy constraint: [Member must have length greater than or equal to " +
                          std::to_string(k.min) + "]");
  }
}

bool Decoder::map_value_length(int map_shape, const element& map, const Where& path, const element& value) {
  if (!value.is_array()) return true;  // the value's own check reports its type
  const ShapeDef& list = shape(shape(map_shape).value_shape);
  int64_t n = int64_t(value.get_array().value_unsafe().size());
  if ((!list.has_min || n >= list.min) && (!list.has_max || n <= list.max)) return true;
  std::string constraints;
  if (list.has_max) constraints += "Member must have length less than or equal to " + std::to_string(list.max);
  if (list.has_min) {
    constraints += std::string(list.has_max ? ", " : "") + "Member must have length greater than or equal to " +
                   std::to_string(list.min);
  }
  violation(shape(map_shape), map, path, "Map value must satisfy constraint: [" + constraints + "]");
  return false;
}

std::string_view Decoder::checked_string(int index, const element& v, const Where& path) {
  if (!v.is_string()) {
    if (v.is_object()) type_error(kStartOfStructure);
    if (v.is_array()) type_error("Unrecognized collection type class java.lang.String");
    type_error(std::string(json_token_name(v)) + " cannot be converted to String");
  }
  std::string_view s = v.get_string().value_unsafe();
  const ShapeDef& def = shape(index);
  if (def.pattern == kPatternName && !matches_name_pattern(s)) {
    violation(def, v, path, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
  }
  if (def.has_min || def.has_max) check_length(def, v, path, int64_t(utf16_length(s)));
  return s;
}

void Decoder::string(int index, const element& v, const Where& path, std::string& out) {
  out.assign(checked_string(index, v, path));
}

int Decoder::enumeration(int index, const element& v, const Where& path) {
  std::string_view text = checked_string(index, v, path);
  const ShapeDef& def = shape(index);
  for (int i = 0; i < def.enum_count; ++i) {
    if (text == model_.enums[def.enum_begin + i]) return i;
  }
  std::string set = "[";
  for (int i = 0; i < def.enum_count; ++i) {
    if (i) set += ", ";
    set += model_.enums[def.enum_begin + i];
  }
  violation(def, v, path, "Member must satisfy enum value set: " + set + "]");
  return 0;
}

int64_t Decoder::integer(int index, const element& v, const Where& path) {
  const ShapeDef& def = shape(index);
  const char* java_type = def.kind == ShapeKind::Long ? "Long" : "Integer";
  int64_t n;
  if (v.is_int64()) {
    n = v.get_int64().value_unsafe();
  } else if (v.is_uint64()) {
    n = INT64_MAX;
  } else if (v.is_double()) {
    // A fraction is truncated, as the service's deserialiser does; beyond the range of a long it saturates.
    double d = v.get_double().value_unsafe();
    n = d >= 9223372036854775807.0 ? INT64_MAX : d <= -9223372036854775808.0 ? INT64_MIN : int64_t(d);
  } else {
    if (v.is_object()) type_error(kStartOfStructure);
    if (v.is_array()) type_error(std::string("Unrecognized collection type class java.lang.") + java_type);
    type_error(std::string(json_token_name(v)) + " cannot be converted to " + java_type);
  }
  if (def.has_min && n < def.min) {
    violation(def, v, path, "Member must have value greater than or equal to " + std::to_string(def.min));
  }
  if (def.has_max && n > def.max) {
    violation(def, v, path, "Member must have value less than or equal to " + std::to_string(def.max));
  }
  return n;
}

bool Decoder::boolean(const element& v) const {
  if (v.is_bool()) return v.get_bool().value_unsafe();
  if (v.is_string()) type_error("Unexpected token received from parser");
  if (v.is_object()) type_error(kStartOfStructure);
  if (v.is_array()) type_error("Unrecognized collection type class java.lang.Boolean");
  type_error(std::string(json_token_name(v)) + " cannot be converted to Boolean");
}

double Decoder::number(const element& v) const {
  if (v.is_number()) return v.get_double().value_unsafe();
  if (v.is_object()) type_error(kStartOfStructure);
  if (v.is_array()) type_error("Unrecognized collection type class java.lang.Double");
  type_error(std::string(json_token_name(v)) + " cannot be converted to Double");
}

void Decoder::blob(const element& v, std::string& out) const {
  if (v.is_object()) type_error(kStartOfStructure);
  if (!v.is_string()) type_error("only base-64-encoded strings are convertible to bytes");
  std::string error;
  if (!base64_decode(v.get_string().value_unsafe(), &out, &error)) type_error(error);
}

void Decoder::attribute(int index, const element& v, bool list_member, Attribute& out) const {
  if (!v.is_null()) structure(index, v, list_member);  // a null is the item codec's to answer
  if (!parse_attributes_) return;
  try {
    out.value = parse_attribute_value(v);
  } catch (const Error& e) {
    out.error = std::make_shared<const Error>(e);
  }
}

void Decoder::attributes(int index, const element& v, const Where& path, Attributes& out) {
  map(index, v);
  const ShapeDef& def = shape(index);
  simdjson::dom::object obj = v.get_object().value_unsafe();
  if (def.has_min || def.has_max) check_length(def, v, path, int64_t(obj.size()));
  // Each value's JSON shape now; names, nulls and contents are the item codec's (parse_attribute_map).
  for (auto field : obj) {
    if (!field.value.is_null()) structure(def.value_shape, field.value, false);
  }
  if (!parse_attributes_) return;
  try {
    out.value = parse_attribute_map(v);
  } catch (const Error& e) {
    out.error = std::make_shared<const Error>(e);
  }
}

void Decoder::required(const Where& path) {
  violations_.push_back("Value null at '" + path.str() + "' failed to satisfy constraint: Member must not be null");
}

void Decoder::null_violation(const Where& path) { required(path); }

void Decoder::null_error(const char* message, const Where& path) {
  if (null_error_) return;
  std::string text = message;
  size_t p = text.find("{key}");
  if (p != std::string::npos) text.replace(p, 5, path.enclosing_key());
  null_error_ = Error::validation(std::move(text));
}

void Decoder::finish() {
  if (!violations_.empty()) {
    size_t listed = std::min(violations_.size(), kMaxListed);
    std::string msg =
        std::to_string(listed) + (listed == 1 ? " validation error detected: " : " validation errors detected: ");
    for (size_t i = 0; i < listed; ++i) {
      if (i) msg += "; ";
      msg += violations_[i];
    }
    throw Error::validation(std::move(msg));
  }
  if (null_error_) throw *null_error_;
}

int find_operation(std::string_view name) {
  for (size_t i = 0; i < std::size(req::kOperations); ++i) {
    if (name == req::kOperations[i].name) return int(i);
  }
  return -1;
}

void check_request(int operation, const element& body) { req::kOperations[operation].check(body); }

}  // namespace ddb::api
