// expressions/ast.h — the parsed form of DynamoDB's expressions.
//
// Names and values are resolved at parse time: a Path holds real attribute names (ExpressionAttributeNames
// already substituted) and a Value node points at the request's ExpressionAttributeValues entry, which must
// outlive the tree. Trees are immutable after parsing and safe to evaluate from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "model/attribute_value.h"

namespace ddb::expr {

enum class ExpressionKind { Condition, Filter, KeyCondition, Update, Projection };
// "ConditionExpression", "FilterExpression", ...
const char* kind_name(ExpressionKind kind);

// One step of a document path: a map key (name) or a list index (index >= 0).
struct PathElement {
  std::string name;
  int64_t index = -1;
  bool is_index() const { return index >= 0; }
  bool operator==(const PathElement& o) const { return name == o.name && index == o.index; }
};
using Path = std::vector<PathElement>;

// "a.b[2].c" as DynamoDB prints paths in its messages.
std::string path_to_string(const Path& path);

enum class Op : uint8_t {
  // operands
  PathRef,
  Value,
  Size,         // size(path)
  IfNotExists,  // if_not_exists(path, operand)
  ListAppend,   // list_append(operand, operand)
  Plus,
  Minus,
  // conditions
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Between,
  In,
  And,
  Or,
  Not,
  AttributeExists,
  AttributeNotExists,
  AttributeType,
  BeginsWith,
  Contains,
};

// An operator or function as DynamoDB names it in its messages ("=", "BETWEEN", "begins_with", "OR", ...).
const char* op_name(Op op);

struct Node {
  Op op = Op::Value;
  Path path;                              // PathRef
  const AttributeValue* value = nullptr;  // Value
  std::vector<Node> args;                 // operands, in order
};

// The request's ExpressionAttributeNames and ExpressionAttributeValues, and which of them the request's
// expressions used (DynamoDB rejects unused ones).
struct Placeholders {
  const std::map<std::string, std::string>* names = nullptr;
  const AttributeMap* values = nullptr;
  std::set<std::string> used_names;
  std::set<std::string> used_values;

  // Throws DynamoDB's ValidationException when a given name or value was used by no expression.
  void check_all_used() const;
};

enum class UpdateActionType { Set, Remove, Add, Delete };

struct UpdateAction {
  UpdateActionType type;
  Path path;
  Node value;  // SET's value, ADD's and DELETE's operand; unused for REMOVE
};

struct UpdateExpression {
  std::vector<UpdateAction> actions;  // in the order written
  bool legacy = false;                // from AttributeUpdates: its ADD also appends lists, and its messages differ
};

}  // namespace ddb::expr
