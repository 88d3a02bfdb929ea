#include "api/attribute_json.h"

#include <algorithm>

#include "api/json_read.h"
#include "api/requests_common.h"
#include "expressions/number.h"
#include "model/base64.h"
#include "model/error.h"
#include "storage/item_codec.h"

namespace ddb::api {

using simdjson::dom::element;
using simdjson::dom::element_type;

namespace {

// DynamoDB supports 32 levels of nesting: an attribute and at most 31 documents (maps or lists) inside it.
constexpr int kMaxDepth = 31;

Error invalid(const std::string& detail) {
  return Error::validation("One or more parameter values were invalid: " + detail);
}

// A JSON null where an attribute value belongs: in a list, as an expression value or a condition's operand
// (name empty), or as a map's or an item's member.
Error null_attribute(std::string_view name = {}) {
  std::string message = "The supplied Item contains a null AttributeValue";
  if (!name.empty()) message += ": " + std::string(name) + " is null";
  return Error::validation(std::move(message));
}

std::string_view expect_string(const element& v, const char* java_type = "String") {
  if (v.is_object()) throw Error("SerializationException", "Start of structure or map found where not expected");
  if (v.is_array())
    throw Error("SerializationException", std::string("Unrecognized collection type class java.lang.") + java_type);
  if (!v.is_string())
    throw Error("SerializationException", std::string(json_token_name(v)) + " cannot be converted to " + java_type);
  return v.get_string().value_unsafe();
}

std::string number_of(std::string_view text) {
  Number n;
  std::string error;
  if (!Number::parse(text, &n, &error)) throw Error::validation(error);
  return n.to_string();
}

std::string binary_of(const element& v) {
  if (!v.is_string()) throw Error("SerializationException", "only base-64-encoded strings are convertible to bytes");
  std::string bytes, error;
  if (!base64_decode(v.get_string().value_unsafe(), &bytes, &error)) throw Error("SerializationException", error);
  return bytes;
}

simdjson::dom::array expect_array(const element& v) {
  if (v.is_object()) throw Error("SerializationException", "Start of structure or map found where not expected");
  if (!v.is_array()) throw Error("SerializationException", "Unexpected field type");
  return v.get_array().value_unsafe();
}

AttributeValue parse(const element& e, int depth);

void check_attribute_name(std::string_view name) {
  if (name.size() > 65535) throw Error::validation("Attribute name is too large, must be less than 65536 bytes");
  if (name.empty()) throw Error::validation("Empty attribute name");
}

void parse_set(const element& v, AttributeValue& out, const char* set_name) {
  simdjson::dom::array arr = expect_array(v);
  for (element m : arr) {
    if (m.is_null()) {
      if (out.type == AttrType::SS) throw invalid("An string set may not have a null string as a member");
      if (out.type == AttrType::NS) throw Error::validation("A value provided cannot be converted into a number");
      throw null_attribute();
    }
    switch (out.type) {
      case AttrType::SS: out.set.emplace_back(expect_string(m)); break;
      case AttrType::NS: out.set.push_back(number_of(expect_string(m))); break;
      default: out.set.push_back(binary_of(m)); break;
    }
  }
  if (out.set.empty()) {
    if (out.type == AttrType::BS) throw invalid("Binary sets should not be empty");
    throw invalid(std::string("An ") + set_name + " set  may not be empty");
  }
  std::vector<std::string> sorted = out.set;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    if (out.type == AttrType::NS) throw Error::validation("Input collection contains duplicates");
    if (out.type == AttrType::BS) throw invalid("Input collection of type BS contains duplicates.");
    std::string listed = "[";
    bool first = true;
    for (element m : arr) {
      listed += first ? "" : ", ";
      listed += std::string(m.get_string().value_unsafe());
      first = false;
    }
    throw invalid("Input collection " + listed + "] contains duplicates");
  }
}

AttributeValue parse(const element& e, int depth) {
  if (e.is_null()) throw null_attribute();
  if (!e.is_object()) {
    if (e.is_array())
      throw Error("SerializationException",
                  "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue");
    throw Error("SerializationException", "Unexpected value type in payload");
  }
  simdjson::dom::object obj = e.get_object().value_unsafe();
  AttributeValue out;
  // Exactly one known type member, before any value is looked at.
  static constexpr std::string_view kTypes[] = {"S", "N", "B", "BOOL", "NULL", "SS", "NS", "BS", "L", "M"};
  int types = 0;
  for (auto field : obj) {
    if (field.value.is_null()) continue;
    for (std::string_view t : kTypes) types += field.key == t;
    if (field.key == "NULL" && field.value.is_bool() && !field.value.get_bool().value_unsafe()) {
      throw invalid("Null attribute value types must have the value of true");
    }
  }
  if (types == 0)
    throw Error::validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  if (types > 1) {
    throw Error::validation(
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
        "supported datatypes");
  }
  for (auto field : obj) {
    std::string_view k = field.key;
    const element& v = field.value;
    if (v.is_null()) continue;
    if (k == "S") {
      out.type = AttrType::S;
      out.scalar = std::string(expect_string(v));
    } else if (k == "N") {
      out.type = AttrType::N;
      out.scalar = number_of(expect_string(v));
    } else if (k == "B") {
      out.type = AttrType::B;
      out.scalar = binary_of(v);
    } else if (k == "BOOL") {
      if (v.is_string()) throw Error("SerializationException", "Unexpected token received from parser");
      if (!v.is_bool())
        throw Error("SerializationException", std::string(json_token_name(v)) + " cannot be converted to Boolean");
      out.type = AttrType::BOOL;
      out.boolean = v.get_bool().value_unsafe();
    } else if (k == "NULL") {
      if (v.is_string()) throw Error("SerializationException", "Unexpected token received from parser");
      if (!v.is_bool())
        throw Error("SerializationException", std::string(json_token_name(v)) + " cannot be converted to Boolean");
      if (!v.get_bool().value_unsafe()) throw invalid("Null attribute value types must have the value of true");
      out.type = AttrType::NUL;
    } else if (k == "SS") {
      out.type = AttrType::SS;
      parse_set(v, out, "string");
    } else if (k == "NS") {
      out.type = AttrType::NS;
      parse_set(v, out, "number");
    } else if (k == "BS") {
      out.type = AttrType::BS;
      parse_set(v, out, "binary");
    } else if (k == "L") {
      out.type = AttrType::L;
      if (depth >= kMaxDepth)
        throw Error::validation(
            "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported "
            "limit");
      for (element m : expect_array(v)) out.list.push_back(parse(m, depth + 1));
    } else if (k == "M") {
      out.type = AttrType::M;
      if (depth >= kMaxDepth)
        throw Error::validation(
            "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported "
            "limit");
      if (v.is_array()) {
        throw Error("SerializationException",
                    "Unrecognized collection type java.util.Map<java.lang.String, "
                    "com.amazonaws.dynamodb.v20120810.AttributeValue>");
      }
      if (!v.is_object()) throw Error("SerializationException", "Unexpected field type");
      simdjson::dom::object members = v.get_object().value_unsafe();
      for (auto member : members) {
        check_attribute_name(member.key);
        if (member.value.is_null()) throw null_attribute(member.key);
        out.map.emplace(std::string(member.key), parse(member.value, depth + 1));
      }
    }  // an unknown member is ignored, as the service's deserialiser does
  }
  return out;
}

}  // namespace

AttributeValue parse_attribute_value(const element& e) { return parse(e, 0); }

AttributeMap parse_attribute_map(const element& e) {
  if (!e.is_object()) throw Error("SerializationException", "Unexpected field type");
  AttributeMap m;
  simdjson::dom::object fields = e.get_object().value_unsafe();
  for (auto field : fields) {
    check_attribute_name(field.key);
    if (field.value.is_null()) throw null_attribute(field.key);
    m.emplace(std::string(field.key), parse(field.value, 0));
  }
  return m;
}

void write_attribute_value(JsonWriter& w, const AttributeValue& v) {
  w.begin_object();
  switch (v.type) {
    case AttrType::S: w.member("S", v.scalar); break;
    case AttrType::N: w.member("N", v.scalar); break;
    case AttrType::B: w.key("B").string(base64_encode(v.scalar)); break;
    case AttrType::BOOL: w.member("BOOL", v.boolean); break;
    case AttrType::NUL: w.member("NULL", true); break;
    case AttrType::SS:
    case AttrType::NS:
      w.key(type_name(v.type)).begin_array();
      for (const auto& m : v.set) w.string(m);
      w.end_array();
      break;
    case AttrType::BS:
      w.key("BS").begin_array();
      for (const auto& m : v.set) w.string(base64_encode(m));
      w.end_array();
      break;
    case AttrType::L:
      w.key("L").begin_array();
      for (const auto& e : v.list) write_attribute_value(w, e);
      w.end_array();
      break;
    case AttrType::M:
      w.key("M");
      write_attribute_map(w, v.map);
      break;
  }
  w.end_object();
}

void write_attribute_map(JsonWriter& w, const AttributeMap& m) {
  w.begin_object();
  for (const auto& [name, value] : m) {
    w.key(name);
    write_attribute_value(w, value);
  }
  w.end_object();
}

void write_attribute_map(JsonWriter& w, const ResponseAttributes& m) {
  if (m.stored) {
    storage::write_item_json(*m.stored, w);
  } else {
    write_attribute_map(w, m.value);
  }
}

}  // namespace ddb::api
