// expressions/key_condition.h — a Query's key condition, checked against the key schema.
//
// A KeyConditionExpression (or legacy KeyConditions, translated) must be the partition key's equality,
// optionally AND one sort-key condition (=, <, <=, >, >=, BETWEEN, begins_with). check_key_condition
// throws DynamoDB's ValidationException for anything else and answers the key range to read.
#pragma once

#include <string>

#include "expressions/ast.h"

namespace ddb::expr {

struct KeySchemaView {
  std::string hash_key;
  AttrType hash_type = AttrType::S;
  std::string range_key;  // empty: no sort key
  AttrType range_type = AttrType::S;
};

struct KeyCondition {
  const AttributeValue* partition = nullptr;
  Op sort_op = Op::Value;  // Op::Value: no sort-key condition; else Eq, Lt, Le, Gt, Ge, Between or BeginsWith
  const AttributeValue* sort_values[2] = {nullptr, nullptr};
  // The key attributes the condition names (a FilterExpression may not use them).
};

KeyCondition check_key_condition(const Node& condition, const KeySchemaView& schema);

}  // namespace ddb::expr
