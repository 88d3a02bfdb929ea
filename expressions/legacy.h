// expressions/legacy.h — DynamoDB's pre-expression parameters, translated to the same trees.
//
// Expected (with ConditionalOperator), QueryFilter, ScanFilter and KeyConditions become a condition Node;
// AttributeUpdates becomes an UpdateExpression. Attribute names here are literal top-level names ("a.b" is
// an attribute called "a.b"). The returned trees point into the given vectors, which must outlive them.
// Rule violations throw ddb::Error with DynamoDB's messages.
#pragma once

#include <string>
#include <vector>

#include "expressions/ast.h"

namespace ddb::expr {

struct LegacyCondition {
  std::string attribute;
  bool has_exists = false;
  bool exists = true;
  bool has_value = false;
  AttributeValue value;
  std::string comparison_operator;  // empty when not given
  bool has_value_list = false;
  std::vector<AttributeValue> value_list;
};

// The conjunction (or, with use_or, the disjunction) of the conditions. An empty list gives a node that
// holds for every item.
Node translate_conditions(const std::vector<LegacyCondition>& conditions, bool use_or);

struct LegacyUpdate {
  std::string attribute;
  std::string action = "PUT";  // PUT, ADD or DELETE
  bool has_value = false;
  AttributeValue value;
};

UpdateExpression translate_attribute_updates(const std::vector<LegacyUpdate>& updates);

// A node that holds for every item (an empty Expected).
bool always_true(const Node& n);

}  // namespace ddb::expr
