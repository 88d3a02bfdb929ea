// tests/unit/legacy_check_request.cpp — the request checker as it was before the typed decoder (api/shapes.cpp at
// commit 5809558, with its generated tables in legacy_shapes_data.inc), kept as test-only code: decode_test.cpp
// checks that the generated decoder throws byte for byte what this checker threw, on every recorded request and
// on mutations of them. It also walks a body against the old tables to compare a decoded request, re-encoded,
// with the body it came from (same_members).
#include "tests/unit/legacy_check_request.h"

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <vector>

#include "api/attribute_json.h"
#include "api/json_read.h"
#include "model/error.h"

using ddb::api::json_token_name;

namespace ddb::legacy {
namespace {

enum class ShapeKind : uint8_t { Structure, List, Map, String, Integer, Long, Boolean, Blob, Double, Timestamp };
enum Pattern : uint8_t { kPatternNone, kPatternName };

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
struct OperationDef {
  const char* name;
  int input_shape;
};

#include "tests/unit/legacy_shapes_data.inc"

using simdjson::dom::element;
using simdjson::dom::element_type;

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
void describe(const ShapeDef& shape, const element& v, std::string& out) {
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
      const ShapeDef* member = shape.member_shape >= 0 ? &kShapes[shape.member_shape] : &shape;
      simdjson::dom::array arr = v.get_array().value_unsafe();
      for (element e : arr) {
        if (!first) out.append(", ");
        first = false;
        describe(*member, e, out);
      }
      out.push_back(']');
      return;
    }
    case element_type::OBJECT: {
      simdjson::dom::object obj = v.get_object().value_unsafe();
      if (shape.kind == ShapeKind::Structure) {
        out.append(shape.name).push_back('(');
        for (int i = 0; i < shape.member_count; ++i) {
          const MemberDef& m = kMembers[shape.member_begin + i];
          if (i) out.append(", ");
          out.append(lower_first(m.name)).push_back('=');
          element child;
          if (obj.at_key(m.name).get(child) == simdjson::SUCCESS) {
            describe(kShapes[m.shape], child, out);
          } else {
            out.append("null");
          }
        }
        out.push_back(')');
      } else {
        out.push_back('{');
        bool first = true;
        const ShapeDef* value = shape.value_shape >= 0 ? &kShapes[shape.value_shape] : &shape;
        for (auto field : obj) {
          if (!first) out.append(", ");
          first = false;
          out.append(std::string_view(field.key)).push_back('=');
          describe(*value, field.value, out);
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

// Where a value is in the request, built into a string only when a violation is reported.
struct Where {
  const Where* parent = nullptr;
  std::string_view member;   // a structure member
  std::string_view map_key;  // a map entry
  size_t index = 0;          // a list element (1-based)

  std::string str() const {
    std::string prefix = parent ? parent->str() : std::string();
    if (!member.empty()) return prefix.empty() ? lower_first(member) : prefix + "." + lower_first(member);
    if (index) return prefix + "." + std::to_string(index) + ".member";
    if (!map_key.empty()) return prefix + "." + std::string(map_key) + ".member";
    return prefix;
  }
};

class Checker {
 public:
  std::vector<std::string> errors;
  static constexpr size_t kMaxListed = 10;  // the service lists at most ten violations

  void check(const ShapeDef& shape, const element& v, const Where& path, bool list_member = false) {
    switch (shape.kind) {
      case ShapeKind::Structure: return check_structure(shape, v, path, list_member);
      case ShapeKind::List: return check_list(shape, v, path);
      case ShapeKind::Map: return check_map(shape, v, path);
      case ShapeKind::String: return check_string(shape, v, path);
      case ShapeKind::Integer:
      case ShapeKind::Long: return check_integer(shape, v, path);
      case ShapeKind::Boolean:
        if (v.is_string()) type_error("Unexpected token received from parser");
        if (v.is_object()) type_error(kStartOfStructure);
        if (v.is_array()) type_error("Unrecognized collection type class java.lang.Boolean");
        if (!v.is_bool()) type_error(std::string(json_token_name(v)) + " cannot be converted to Boolean");
        return;
      case ShapeKind::Blob:
        if (v.is_object()) type_error(kStartOfStructure);
        if (!v.is_string()) type_error("only base-64-encoded strings are convertible to bytes");
        return;
      case ShapeKind::Double:
      case ShapeKind::Timestamp:
        if (v.is_object()) type_error(kStartOfStructure);
        if (v.is_array()) type_error("Unrecognized collection type class java.lang.Double");
        if (!v.is_number()) type_error(std::string(json_token_name(v)) + " cannot be converted to Double");
        return;
    }
  }

 private:
  void violation(const ShapeDef& shape, const element& v, const Where& path, const std::string& constraint) {
    std::string msg = "Value '";
    describe(shape, v, msg);
    msg += "' at '" + path.str() + "' failed to satisfy constraint: " + constraint;
    errors.push_back(std::move(msg));
  }

  void check_length(const ShapeDef& shape, const element& v, const Where& path, int64_t length) {
    if (shape.has_min && length < shape.min) {
      violation(shape, v, path, "Member must have length greater than or equal to " + std::to_string(shape.min));
    }
    if (shape.has_max && length > shape.max) {
      violation(shape, v, path, "Member must have length less than or equal to " + std::to_string(shape.max));
    }
  }

  void check_structure(const ShapeDef& shape, const element& v, const Where& path, bool list_member) {
    if (v.is_array()) {
      type_error(std::string("Unrecognized collection type class com.amazonaws.dynamodb.v20120810.") + shape.name);
    }
    if (!v.is_object()) type_error(list_member ? "Unexpected value type in payload" : "Unexpected field type");
    if (std::string_view(shape.name) == "AttributeValue") return;  // the item codec checks attribute values
    simdjson::dom::object obj = v.get_object().value_unsafe();
    for (int i = 0; i < shape.member_count; ++i) {
      const MemberDef& m = kMembers[shape.member_begin + i];
      Where child_path{&path, m.name, {}, 0};
      element child;
      if (obj.at_key(m.name).get(child) != simdjson::SUCCESS || child.is_null()) {
        if (m.required) {
          errors.push_back("Value null at '" + child_path.str() +
                           "' failed to satisfy constraint: Member must not be null");
        }
        continue;
      }
      check(kShapes[m.shape], child, child_path);
    }
  }

  void check_list(const ShapeDef& shape, const element& v, const Where& path) {
    if (v.is_object()) type_error(kStartOfStructure);
    if (!v.is_array()) type_error("Unexpected field type");
    simdjson::dom::array arr = v.get_array().value_unsafe();
    check_length(shape, v, path, int64_t(arr.size()));
    const ShapeDef& member = kShapes[shape.member_shape];
    size_t i = 0;
    for (element e : arr) {
      ++i;
      if (e.is_null()) continue;
      check(member, e, Where{&path, {}, {}, i}, /*list_member=*/true);
    }
  }

  void check_map(const ShapeDef& shape, const element& v, const Where& path) {
    if (v.is_array()) {
      type_error(std::string(
                     "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.") +
                 kShapes[shape.value_shape].name + ">");
    }
    if (!v.is_object()) type_error("Unexpected field type");
    simdjson::dom::object obj = v.get_object().value_unsafe();
    check_length(shape, v, path, int64_t(obj.size()));
    const ShapeDef& key = kShapes[shape.key_shape];
    const ShapeDef& value = kShapes[shape.value_shape];
    // Attribute names are checked by the item codec, with the service's own message.
    bool attribute_names = std::string_view(key.name) == "AttributeName";
    for (auto field : obj) {
      std::string_view k = field.key;
      int64_t length = int64_t(utf16_length(k));
      if (!attribute_names && key.has_max && length > key.max) {
        errors.push_back("Map keys must satisfy constraint: [Member must have length less than or equal to " +
                         std::to_string(key.max) + "]");
      } else if (!attribute_names && key.has_min && length < key.min) {
        errors.push_back("Map keys must satisfy constraint: [Member must have length greater than or equal to " +
                         std::to_string(key.min) + "]");
      }
      if (field.value.is_null()) continue;
      // A list value's length is reported as a constraint on the map's values, listing all of them.
      if (value.kind == ShapeKind::List && field.value.is_array() && (value.has_min || value.has_max)) {
        int64_t n = int64_t(field.value.get_array().value_unsafe().size());
        if ((value.has_min && n < value.min) || (value.has_max && n > value.max)) {
          std::string constraints;
          if (value.has_max)
            constraints += "Member must have length less than or equal to " + std::to_string(value.max);
          if (value.has_min) {
            constraints += std::string(value.has_max ? ", " : "") +
                           "Member must have length greater than or equal to " + std::to_string(value.min);
          }
          violation(shape, v, path, "Map value must satisfy constraint: [" + constraints + "]");
          continue;
        }
      }
      check(value, field.value, Where{&path, {}, k, 0});
    }
  }

  void check_string(const ShapeDef& shape, const element& v, const Where& path) {
    if (v.is_object()) type_error(kStartOfStructure);
    if (v.is_array()) type_error("Unrecognized collection type class java.lang.String");
    if (!v.is_string()) type_error(std::string(json_token_name(v)) + " cannot be converted to String");
    std::string_view s = v.get_string().value_unsafe();
    if (shape.pattern == kPatternName && !matches_name_pattern(s)) {
      violation(shape, v, path, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    }
    check_length(shape, v, path, int64_t(utf16_length(s)));
    if (shape.enum_count > 0) {
      bool found = false;
      for (int i = 0; i < shape.enum_count && !found; ++i) found = s == kEnums[shape.enum_begin + i];
      if (!found) {
        std::string set = "[";
        for (int i = 0; i < shape.enum_count; ++i) {
          if (i) set += ", ";
          set += kEnums[shape.enum_begin + i];
        }
        violation(shape, v, path, "Member must satisfy enum value set: " + set + "]");
      }
    }
  }

  void check_integer(const ShapeDef& shape, const element& v, const Where& path) {
    const char* java_type = shape.kind == ShapeKind::Long ? "Long" : "Integer";
    if (v.is_object()) type_error(kStartOfStructure);
    if (v.is_array()) type_error(std::string("Unrecognized collection type class java.lang.") + java_type);
    if (!v.is_number()) type_error(std::string(json_token_name(v)) + " cannot be converted to " + java_type);
    int64_t n;
    if (v.is_int64()) {
      n = v.get_int64().value_unsafe();
    } else if (v.is_uint64()) {
      n = INT64_MAX;
    } else {
      double d = v.get_double().value_unsafe();  // (saturating: a plain cast of 1e30 is undefined behaviour)
      n = d >= 9223372036854775807.0 ? INT64_MAX : d <= -9223372036854775808.0 ? INT64_MIN : int64_t(d);
    }
    if (shape.has_min && n < shape.min) {
      violation(shape, v, path, "Member must have value greater than or equal to " + std::to_string(shape.min));
    }
    if (shape.has_max && n > shape.max) {
      violation(shape, v, path, "Member must have value less than or equal to " + std::to_string(shape.max));
    }
  }
};

}  // namespace

int find_operation(std::string_view name) {
  for (size_t i = 0; i < sizeof(kOperations) / sizeof(kOperations[0]); ++i) {
    if (name == kOperations[i].name) return int(i);
  }
  return -1;
}

void check_request(int operation, const element& body) {
  int shape_index = kOperations[operation].input_shape;
  if (!body.is_object()) throw Error("SerializationException", "");
  if (shape_index < 0) return;
  const ShapeDef& shape = kShapes[shape_index];
  // TableName is checked on its own, before the list of constraint violations.
  for (int i = 0; i < shape.member_count; ++i) {
    const MemberDef& m = kMembers[shape.member_begin + i];
    if (std::string_view(m.name) != "TableName" || !m.required) continue;
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
  Checker checker;
  checker.check(shape, body, Where{});
  if (checker.errors.empty()) return;
  size_t listed = std::min(checker.errors.size(), Checker::kMaxListed);
  std::string msg =
      std::to_string(listed) + (listed == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < listed; ++i) {
    if (i) msg += "; ";
    msg += checker.errors[i];
  }
  throw Error::validation(std::move(msg));
}

}  // namespace ddb::legacy

namespace ddb::legacy {
namespace {

// Range-for over a simdjson_result's value would dangle: these return the array or object by value.
simdjson::dom::array array_of(const simdjson::dom::element& v) { return v.get_array().value_unsafe(); }
simdjson::dom::object object_of(const simdjson::dom::element& v) { return v.get_object().value_unsafe(); }

bool first_member(const element& obj, std::string_view name, element* out) {
  return obj.at_key(name).get(*out) == simdjson::SUCCESS && !out->is_null();
}

int64_t integer_of(const element& v) {
  if (v.is_int64()) return v.get_int64().value_unsafe();
  if (v.is_uint64()) return INT64_MAX;
  double d = v.get_double().value_unsafe();
  return d >= 9223372036854775807.0 ? INT64_MAX : d <= -9223372036854775808.0 ? INT64_MIN : int64_t(d);
}

std::string compare(const ShapeDef& shape, const element& a, const element& b, const std::string& path) {
  auto differ = [&](const std::string& what) { return path + ": " + what; };
  std::string_view name = shape.name;
  if (name == "AttributeValue") {
    AttributeValue va;
    try {
      va = api::parse_attribute_value(a);
    } catch (const Error&) {
      return "";  // a value the operation refuses later: its decoded form is unspecified
    }
    return va == api::parse_attribute_value(b) ? "" : differ("attribute values differ");
  }
  switch (shape.kind) {
    case ShapeKind::Structure: {
      size_t present = 0;
      for (int i = 0; i < shape.member_count; ++i) {
        const MemberDef& m = kMembers[shape.member_begin + i];
        element ma, mb;
        bool in_a = first_member(a, m.name, &ma), in_b = first_member(b, m.name, &mb);
        if (in_a != in_b) return differ(std::string(m.name) + (in_a ? " lost" : " added"));
        if (!in_a) continue;
        ++present;
        std::string d = compare(kShapes[m.shape], ma, mb, path + "." + m.name);
        if (!d.empty()) return d;
      }
      if (b.get_object().value_unsafe().size() != present) return differ("unexpected members");
      return "";
    }
    case ShapeKind::List: {
      std::vector<element> ea, eb;
      for (element e : array_of(a)) {
        if (!e.is_null()) ea.push_back(e);
      }
      for (element e : array_of(b)) eb.push_back(e);
      if (ea.size() != eb.size()) return differ("list lengths differ");
      for (size_t i = 0; i < ea.size(); ++i) {
        std::string d = compare(kShapes[shape.member_shape], ea[i], eb[i], path + "[" + std::to_string(i) + "]");
        if (!d.empty()) return d;
      }
      return "";
    }
    case ShapeKind::Map: {
      if (std::string_view(kShapes[shape.value_shape].name) == "AttributeValue" &&
          std::string_view(kShapes[shape.key_shape].name) == "AttributeName") {
        AttributeMap ma;
        try {
          ma = api::parse_attribute_map(a);
        } catch (const Error&) {
          return "";
        }
        return ma == api::parse_attribute_map(b) ? "" : differ("attribute maps differ");
      }
      std::vector<std::pair<std::string_view, element>> fa, fb;
      for (auto f : object_of(a)) {
        if (!f.value.is_null()) fa.push_back({f.key, f.value});
      }
      for (auto f : object_of(b)) fb.push_back({f.key, f.value});
      if (fa.size() != fb.size()) return differ("map sizes differ");
      for (size_t i = 0; i < fa.size(); ++i) {
        if (fa[i].first != fb[i].first) return differ("map keys differ");
        std::string d = compare(kShapes[shape.value_shape], fa[i].second, fb[i].second,
                                path + "{" + std::string(fa[i].first) + "}");
        if (!d.empty()) return d;
      }
      return "";
    }
    case ShapeKind::String:
    case ShapeKind::Blob:
      return a.get_string().value_unsafe() == b.get_string().value_unsafe() ? "" : differ("strings differ");
    case ShapeKind::Integer:
    case ShapeKind::Long: return integer_of(a) == b.get_int64().value_unsafe() ? "" : differ("integers differ");
    case ShapeKind::Boolean:
      return a.get_bool().value_unsafe() == b.get_bool().value_unsafe() ? "" : differ("booleans differ");
    case ShapeKind::Double:
    case ShapeKind::Timestamp:
      return a.get_double().value_unsafe() == b.get_double().value_unsafe() ? "" : differ("numbers differ");
  }
  return "";
}

}  // namespace

std::string same_members(int operation, const element& original, const element& decoded) {
  int shape = kOperations[operation].input_shape;
  if (shape < 0) return "";
  return compare(kShapes[shape], original, decoded, kShapes[shape].name);
}

}  // namespace ddb::legacy
