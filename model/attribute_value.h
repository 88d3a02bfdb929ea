// model/attribute_value.h — one DynamoDB attribute value, and an item (a map of them).
//
// The representation every station shares: api/ builds it from DynamoDB JSON, expressions/ evaluates over
// it, storage/ encodes it. Numbers are kept as their canonical decimal text (see expressions/number.h),
// binaries as raw bytes (not base64). Set members are kept in insertion order, without duplicates.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ddb {

enum class AttrType : uint8_t { S, N, B, BOOL, NUL, M, L, SS, NS, BS };

// "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS".
const char* type_name(AttrType t);
// "STRING", "NUMBER", "BINARY", "BOOLEAN", "NULL", "MAP", "LIST", "STRING_SET", "NUMBER_SET", "BINARY_SET".
const char* long_type_name(AttrType t);

struct AttributeValue;
using AttributeMap = std::map<std::string, AttributeValue>;  // also an item

struct AttributeValue {
  AttrType type = AttrType::NUL;
  bool boolean = false;              // BOOL
  std::string scalar;                // S (UTF-8), N (canonical decimal), B (raw bytes)
  std::vector<std::string> set;      // SS, NS (canonical), BS (raw bytes)
  std::vector<AttributeValue> list;  // L
  AttributeMap map;                  // M

  static AttributeValue string(std::string s) { return scalar_of(AttrType::S, std::move(s)); }
  static AttributeValue number(std::string canonical) { return scalar_of(AttrType::N, std::move(canonical)); }
  static AttributeValue binary(std::string bytes) { return scalar_of(AttrType::B, std::move(bytes)); }
  static AttributeValue boolean_of(bool b) {
    AttributeValue v;
    v.type = AttrType::BOOL;
    v.boolean = b;
    return v;
  }
  static AttributeValue null() { return AttributeValue(); }

  bool is_set() const { return type == AttrType::SS || type == AttrType::NS || type == AttrType::BS; }

  // Deep equality as DynamoDB defines it (sets compare as sets).
  bool operator==(const AttributeValue& other) const;
  bool operator!=(const AttributeValue& other) const { return !(*this == other); }

 private:
  static AttributeValue scalar_of(AttrType t, std::string s) {
    AttributeValue v;
    v.type = t;
    v.scalar = std::move(s);
    return v;
  }
};

}  // namespace ddb
