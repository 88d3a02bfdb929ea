#include "expressions/key_condition.h"

#include <vector>

#include "model/error.h"

namespace ddb::expr {

namespace {

// The operators a key condition cannot use, by DynamoDB's name for them; null for the others.
const char* key_op_name(Op op) {
  switch (op) {
    case Op::Or:
    case Op::Not:
    case Op::Ne:
    case Op::In:
    case Op::Contains:
    case Op::AttributeExists:
    case Op::AttributeNotExists:
    case Op::AttributeType: return op_name(op);
    default: return nullptr;
  }
}

void flatten(const Node& n, std::vector<const Node*>& leaves) {
  if (const char* bad = key_op_name(n.op)) {
    throw Error::validation(std::string("Invalid operator used in KeyConditionExpression: ") + bad);
  }
  if (n.op == Op::And) {
    for (const auto& a : n.args) flatten(a, leaves);
    return;
  }
  for (const auto& a : n.args) {
    if (a.op == Op::Size) throw Error::validation("KeyConditionExpressions cannot contain nested operations");
    if (const char* bad = key_op_name(a.op)) {
      throw Error::validation(std::string("Invalid operator used in KeyConditionExpression: ") + bad);
    }
  }
  leaves.push_back(&n);
}

Op flipped(Op op) {
  switch (op) {
    case Op::Lt: return Op::Gt;
    case Op::Le: return Op::Ge;
    case Op::Gt: return Op::Lt;
    case Op::Ge: return Op::Le;
    default: return op;
  }
}

}  // namespace

KeyCondition check_key_condition(const Node& condition, const KeySchemaView& schema) {
  std::vector<const Node*> leaves;
  flatten(condition, leaves);
  KeyCondition result;
  bool have_partition = false, have_sort = false;
  for (const Node* leaf : leaves) {
    // One document path (the key) and constant operands.
    const Node* path = nullptr;
    size_t path_index = 0;
    for (size_t i = 0; i < leaf->args.size(); ++i) {
      if (leaf->args[i].op != Op::PathRef) continue;
      if (path)
        throw Error::validation(
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
      path = &leaf->args[i];
      path_index = i;
    }
    if (!path) throw Error::validation("Query condition missed key schema element");
    if (path->path.size() != 1) {
      throw Error::validation(
          "Key attributes must be scalars; list random access '[]' and map lookup '.' are not "
          "allowed: Key: " +
          path->path[0].name);
    }
    const std::string& name = path->path[0].name;
    Op op = leaf->op;
    for (size_t i = 0; i < leaf->args.size(); ++i) {
      const Node& a = leaf->args[i];
      if (a.op == Op::Value && a.value->scalar.empty() &&
          (a.value->type == AttrType::S || a.value->type == AttrType::B)) {
        throw Error::validation(std::string("One or more parameter values are not valid. The AttributeValue for a key "
                                            "attribute cannot contain an empty ") +
                                (a.value->type == AttrType::B ? "binary" : "string") + " value. Key: " + name);
      }
    }
    if (path_index != 0) {
      if (op == Op::Between || op == Op::BeginsWith) throw Error::validation("Query key condition not supported");
      op = flipped(op);
    }
    std::vector<const AttributeValue*> values;
    for (size_t i = 0; i < leaf->args.size(); ++i) {
      if (i != path_index) values.push_back(leaf->args[i].value);
    }
    if (name == schema.hash_key) {
      if (have_partition) throw Error::validation("KeyConditionExpressions must only contain one condition per key");
      if (op != Op::Eq) throw Error::validation("Query key condition not supported");
      have_partition = true;
      result.partition = values[0];
      if (values[0]->type != schema.hash_type) {
        throw Error::validation(
            "One or more parameter values were invalid: Condition parameter type does not match schema type");
      }
    } else if (!schema.range_key.empty() && name == schema.range_key) {
      if (have_sort) throw Error::validation("KeyConditionExpressions must only contain one condition per key");
      have_sort = true;
      result.sort_op = op;
      for (size_t i = 0; i < values.size() && i < 2; ++i) {
        if (values[i]->type != schema.range_type) {
          throw Error::validation(
              "One or more parameter values were invalid: Condition parameter type does not match schema type");
        }
        result.sort_values[i] = values[i];
      }
    } else if (schema.range_key.empty() && have_partition) {
      throw Error::validation("Query key condition not supported");  // a sort-key condition without a sort key
    } else {
      throw Error::validation("Query condition missed key schema element");
    }
  }
  if (!have_partition) throw Error::validation("Query condition missed key schema element");
  return result;
}

}  // namespace ddb::expr
