#include "model/attribute_value.h"

#include <algorithm>

namespace ddb {

const char* type_name(AttrType t) {
  switch (t) {
    case AttrType::S: return "S";
    case AttrType::N: return "N";
    case AttrType::B: return "B";
    case AttrType::BOOL: return "BOOL";
    case AttrType::NUL: return "NULL";
    case AttrType::M: return "M";
    case AttrType::L: return "L";
    case AttrType::SS: return "SS";
    case AttrType::NS: return "NS";
    case AttrType::BS: return "BS";
  }
  return "?";
}

const char* long_type_name(AttrType t) {
  switch (t) {
    case AttrType::S: return "STRING";
    case AttrType::N: return "NUMBER";
    case AttrType::B: return "BINARY";
    case AttrType::BOOL: return "BOOLEAN";
    case AttrType::NUL: return "NULL";
    case AttrType::M: return "MAP";
    case AttrType::L: return "LIST";
    case AttrType::SS: return "STRING_SET";
    case AttrType::NS: return "NUMBER_SET";
    case AttrType::BS: return "BINARY_SET";
  }
  return "?";
}

bool AttributeValue::operator==(const AttributeValue& o) const {
  if (type != o.type) return false;
  switch (type) {
    case AttrType::S:
    case AttrType::N:
    case AttrType::B: return scalar == o.scalar;  // numbers are canonical, so text equality is numeric equality
    case AttrType::BOOL: return boolean == o.boolean;
    case AttrType::NUL: return true;
    case AttrType::M: return map == o.map;
    case AttrType::L: return list == o.list;
    case AttrType::SS:
    case AttrType::NS:
    case AttrType::BS: {
      if (set.size() != o.set.size()) return false;
      for (const auto& m : set) {
        if (std::find(o.set.begin(), o.set.end(), m) == o.set.end()) return false;
      }
      return true;
    }
  }
  return false;
}

}  // namespace ddb
