// tests/attribute_builders.h — short builders of attribute values for tests and fuzz targets.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model/attribute_value.h"

namespace ddb::testing {

inline AttributeValue S(std::string s) { return AttributeValue::string(std::move(s)); }
inline AttributeValue N(std::string s) { return AttributeValue::number(std::move(s)); }
inline AttributeValue B(std::string s) { return AttributeValue::binary(std::move(s)); }
inline AttributeValue L(std::vector<AttributeValue> l) {
  AttributeValue v;
  v.type = AttrType::L;
  v.list = std::move(l);
  return v;
}
inline AttributeValue M(AttributeMap m) {
  AttributeValue v;
  v.type = AttrType::M;
  v.map = std::move(m);
  return v;
}
inline AttributeValue Set(AttrType t, std::vector<std::string> members) {
  AttributeValue v;
  v.type = t;
  v.set = std::move(members);
  return v;
}

}  // namespace ddb::testing
