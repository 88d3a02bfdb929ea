#include "expressions/legacy.h"

#include "expressions/evaluator.h"
#include "model/error.h"

namespace ddb::expr {

namespace {

Error invalid(const std::string& detail) {
  return Error::validation("One or more parameter values were invalid: " + detail);
}

Node path_node(const std::string& name) {
  Node n;
  n.op = Op::PathRef;
  n.path.push_back({name, -1});
  return n;
}

Node value_node(const AttributeValue& v) {
  Node n;
  n.op = Op::Value;
  n.value = &v;
  return n;
}

Node binary(Op op, Node a, Node b) {
  Node n;
  n.op = op;
  n.args.push_back(std::move(a));
  n.args.push_back(std::move(b));
  return n;
}

bool scalar(AttrType t) { return t == AttrType::S || t == AttrType::N || t == AttrType::B; }

Node translate(const LegacyCondition& c) {
  const std::string& name = c.attribute;
  if (c.comparison_operator.empty()) {
    if (c.has_value_list)
      throw invalid("AttributeValueList can only be used with a ComparisonOperator for Attribute: " + name);
    if (c.has_exists && !c.exists) {
      if (c.has_value) throw invalid("Value cannot be used when Exists is false for Attribute: " + name);
      Node n;
      n.op = Op::AttributeNotExists;
      n.args.push_back(path_node(name));
      return n;
    }
    if (!c.has_value) {
      throw invalid(std::string("Value must be provided when Exists is ") + (c.has_exists ? "true" : "null") +
                    " for Attribute: " + name);
    }
    return binary(Op::Eq, path_node(name), value_node(c.value));
  }
  if (c.has_exists) throw invalid("Exists and ComparisonOperator cannot be used together for Attribute: " + name);
  if (c.has_value) throw invalid("Value and AttributeValueList cannot be used together for Attribute: " + name);
  const std::string& op = c.comparison_operator;
  const auto& values = c.value_list;
  auto count = [&](size_t expected_min, size_t expected_max) {
    if (values.size() < expected_min || values.size() > expected_max) {
      throw invalid("Invalid number of argument(s) for the " + op + " ComparisonOperator");
    }
  };
  auto require = [&](bool ok) {
    if (!ok) {
      throw invalid("ComparisonOperator " + op + " is not valid for " + type_name(values[0].type) +
                    " AttributeValue type");
    }
  };
  auto same_types = [&]() {
    for (const auto& v : values) {
      if (v.type != values[0].type) throw invalid("AttributeValues inside AttributeValueList must be of same type");
    }
  };
  if (op == "EQ" || op == "NE") {
    count(1, 1);
    return binary(op == "EQ" ? Op::Eq : Op::Ne, path_node(name), value_node(values[0]));
  }
  if (op == "LT" || op == "LE" || op == "GT" || op == "GE") {
    count(1, 1);
    require(scalar(values[0].type));
    Op o = op == "LT" ? Op::Lt : op == "LE" ? Op::Le : op == "GT" ? Op::Gt : Op::Ge;
    return binary(o, path_node(name), value_node(values[0]));
  }
  if (op == "NULL" || op == "NOT_NULL") {
    count(0, 0);
    Node n;
    n.op = op == "NULL" ? Op::AttributeNotExists : Op::AttributeExists;
    n.args.push_back(path_node(name));
    return n;
  }
  if (op == "CONTAINS" || op == "NOT_CONTAINS") {
    count(1, 1);
    require(scalar(values[0].type));
    Node contains = binary(Op::Contains, path_node(name), value_node(values[0]));
    if (op == "CONTAINS") return contains;
    // NOT_CONTAINS holds only for an attribute that exists.
    Node exists;
    exists.op = Op::AttributeExists;
    exists.args.push_back(path_node(name));
    Node negated;
    negated.op = Op::Not;
    negated.args.push_back(std::move(contains));
    return binary(Op::And, std::move(exists), std::move(negated));
  }
  if (op == "BEGINS_WITH") {
    count(1, 1);
    require(values[0].type == AttrType::S || values[0].type == AttrType::B);
    return binary(Op::BeginsWith, path_node(name), value_node(values[0]));
  }
  if (op == "IN") {
    count(1, SIZE_MAX);
    same_types();
    Node n;
    n.op = Op::In;
    n.args.push_back(path_node(name));
    for (const auto& v : values) n.args.push_back(value_node(v));
    return n;
  }
  if (op == "BETWEEN") {
    count(2, 2);
    same_types();
    require(scalar(values[0].type));
    if (compare_scalars(values[0], values[1]) > 0) {
      throw Error::validation(
          "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound");
    }
    Node n;
    n.op = Op::Between;
    n.args.push_back(path_node(name));
    n.args.push_back(value_node(values[0]));
    n.args.push_back(value_node(values[1]));
    return n;
  }
  throw Error::validation("Comparison type does not exist in DynamoDB");
}

}  // namespace

bool always_true(const Node& n) { return n.op == Op::And && n.args.empty(); }

Node translate_conditions(const std::vector<LegacyCondition>& conditions, bool use_or) {
  Node result;
  result.op = Op::And;  // with no arguments: holds for every item
  bool first = true;
  for (const auto& c : conditions) {
    Node n = translate(c);
    if (first) {
      result = std::move(n);
      first = false;
    } else {
      result = binary(use_or ? Op::Or : Op::And, std::move(result), std::move(n));
    }
  }
  return result;
}

UpdateExpression translate_attribute_updates(const std::vector<LegacyUpdate>& updates) {
  UpdateExpression u;
  u.legacy = true;
  for (const auto& up : updates) {
    Path path{{up.attribute, -1}};
    if (up.action == "DELETE") {
      if (!up.has_value) {
        u.actions.push_back({UpdateActionType::Remove, path, {}});
        continue;
      }
      if (!up.value.is_set()) {
        throw invalid(std::string("DELETE action with value is not supported for the type ") +
                      long_type_name(up.value.type));
      }
      u.actions.push_back({UpdateActionType::Delete, path, value_node(up.value)});
      continue;
    }
    if (!up.has_value) throw invalid("Only DELETE action is allowed when no attribute value is specified");
    if (up.action == "ADD") {
      AttrType t = up.value.type;
      if (t != AttrType::N && t != AttrType::L && !up.value.is_set()) {
        throw invalid(std::string("ADD action is not supported for the type ") + long_type_name(t));
      }
      u.actions.push_back({UpdateActionType::Add, path, value_node(up.value)});
    } else {
      u.actions.push_back({UpdateActionType::Set, path, value_node(up.value)});
    }
  }
  return u;
}

}  // namespace ddb::expr
