// expressions/evaluator.h — evaluating parsed expressions over an item.
//
// Pure functions over model/attribute_value.h: no I/O, no allocation beyond the results. Conditions never
// throw (a missing attribute or a type mismatch makes a comparison false, as in DynamoDB); applying an
// update throws ddb::Error with DynamoDB's message when the item makes an action impossible.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "expressions/ast.h"

namespace ddb::expr {

// The value at path in item, or null.
const AttributeValue* resolve(const Path& path, const AttributeMap& item);

// ConditionExpression / FilterExpression / KeyConditionExpression truth over item.
bool evaluate(const Node& condition, const AttributeMap& item);

// Applies every action to item (all values are computed from the item as it was before the update). Throws
// DynamoDB's error when an action is impossible on the item or the result nests deeper than 32 levels.
// Returns the top-level attribute names the update touched (for ReturnValues UPDATED_OLD/UPDATED_NEW).
std::set<std::string> apply_update(const UpdateExpression& update, AttributeMap& item);

// The item reduced to the given paths, shaped as DynamoDB returns projections (list elements keep their
// relative order, missing paths are left out).
AttributeMap project(const std::vector<Path>& paths, const AttributeMap& item);

// Three-way comparison of two scalars of one type (N numerically, S and B by unsigned bytes).
int compare_scalars(const AttributeValue& a, const AttributeValue& b);

}  // namespace ddb::expr
