// Legacy parameters (Expected, AttributeUpdates, KeyConditions) and key conditions.
#include "expressions/legacy.h"

#include <gtest/gtest.h>

#include "expressions/evaluator.h"
#include "expressions/key_condition.h"
#include "expressions/parser.h"
#include "model/error.h"
#include "tests/attribute_builders.h"

using namespace ddb;
using namespace ddb::expr;
using namespace ddb::testing;

namespace {

AttributeValue SS(std::vector<std::string> m) { return Set(AttrType::SS, std::move(m)); }

AttributeMap item() { return {{"n", N("5")}, {"s", S("abc")}, {"ss", SS({"x", "y"})}, {"m.b", S("dotted")}}; }

LegacyCondition op(std::string attr, std::string comparison, std::vector<AttributeValue> values) {
  LegacyCondition c;
  c.attribute = std::move(attr);
  c.comparison_operator = std::move(comparison);
  c.has_value_list = true;
  c.value_list = std::move(values);
  return c;
}

// "" when the conditions hold, "false" when not, else the error message.
std::string check(std::vector<LegacyCondition> conditions, bool use_or = false) {
  try {
    Node n = translate_conditions(conditions, use_or);
    if (always_true(n)) return "";
    return evaluate(n, item()) ? "" : "false";
  } catch (const Error& e) {
    return e.message();
  }
}

const std::string kInvalid = "One or more parameter values were invalid: ";

}  // namespace

TEST(Expected, ComparisonOperators) {
  EXPECT_EQ(check({op("n", "EQ", {N("5")})}), "");
  EXPECT_EQ(check({op("n", "EQ", {S("5")})}), "false");
  EXPECT_EQ(check({op("nope", "EQ", {N("5")})}), "false");
  EXPECT_EQ(check({op("ss", "EQ", {SS({"y", "x"})})}), "");
  EXPECT_EQ(check({op("nope", "NE", {N("6")})}), "");
  EXPECT_EQ(check({op("n", "LE", {N("5")})}), "");
  EXPECT_EQ(check({op("n", "LT", {N("5")})}), "false");
  EXPECT_EQ(check({op("n", "GT", {N("4")})}), "");
  EXPECT_EQ(check({op("s", "LT", {N("5")})}), "false");
  EXPECT_EQ(check({op("n", "NOT_NULL", {})}), "");
  EXPECT_EQ(check({op("nope", "NULL", {})}), "");
  EXPECT_EQ(check({op("m.b", "NOT_NULL", {})}), "");  // a literal attribute name, not a path
  EXPECT_EQ(check({op("s", "CONTAINS", {S("bc")})}), "");
  EXPECT_EQ(check({op("ss", "CONTAINS", {S("x")})}), "");
  EXPECT_EQ(check({op("s", "NOT_CONTAINS", {S("zz")})}), "");
  EXPECT_EQ(check({op("nope", "NOT_CONTAINS", {S("zz")})}), "false");  // unlike NE, a missing attribute fails
  EXPECT_EQ(check({op("s", "BEGINS_WITH", {S("ab")})}), "");
  EXPECT_EQ(check({op("n", "IN", {N("1"), N("5")})}), "");
  EXPECT_EQ(check({op("n", "BETWEEN", {N("1"), N("9")})}), "");
  // Several conditions: AND unless ConditionalOperator is OR.
  EXPECT_EQ(check({op("n", "EQ", {N("5")}), op("s", "EQ", {S("zzz")})}), "false");
  EXPECT_EQ(check({op("n", "EQ", {N("5")}), op("s", "EQ", {S("zzz")})}, true), "");
  EXPECT_EQ(check({}), "");
}

TEST(Expected, ArgumentRules) {
  EXPECT_EQ(check({op("n", "EQ", {})}), kInvalid + "Invalid number of argument(s) for the EQ ComparisonOperator");
  EXPECT_EQ(check({op("n", "EQ", {N("5"), N("5")})}),
            kInvalid + "Invalid number of argument(s) for the EQ ComparisonOperator");
  EXPECT_EQ(check({op("n", "NULL", {N("1")})}),
            kInvalid + "Invalid number of argument(s) for the NULL ComparisonOperator");
  EXPECT_EQ(check({op("n", "IN", {})}), kInvalid + "Invalid number of argument(s) for the IN ComparisonOperator");
  EXPECT_EQ(check({op("n", "BETWEEN", {N("1")})}),
            kInvalid + "Invalid number of argument(s) for the BETWEEN ComparisonOperator");
  EXPECT_EQ(check({op("n", "LT", {SS({"5"})})}),
            kInvalid + "ComparisonOperator LT is not valid for SS AttributeValue type");
  EXPECT_EQ(check({op("ss", "CONTAINS", {SS({"x"})})}),
            kInvalid + "ComparisonOperator CONTAINS is not valid for SS AttributeValue type");
  EXPECT_EQ(check({op("n", "BEGINS_WITH", {N("5")})}),
            kInvalid + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type");
  EXPECT_EQ(check({op("n", "IN", {N("1"), S("5")})}),
            kInvalid + "AttributeValues inside AttributeValueList must be of same type");
  EXPECT_EQ(check({op("n", "BETWEEN", {N("9"), N("1")})}),
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound");
}

TEST(Expected, ExistsAndValue) {
  LegacyCondition c;
  c.attribute = "n";
  c.has_value = true;
  c.value = N("5");
  EXPECT_EQ(check({c}), "");
  c.has_exists = true;
  EXPECT_EQ(check({c}), "");
  c.exists = false;
  EXPECT_EQ(check({c}), kInvalid + "Value cannot be used when Exists is false for Attribute: n");
  c.has_value = false;
  EXPECT_EQ(check({c}), "false");
  c.exists = true;
  EXPECT_EQ(check({c}), kInvalid + "Value must be provided when Exists is true for Attribute: n");
  c.has_exists = false;
  EXPECT_EQ(check({c}), kInvalid + "Value must be provided when Exists is null for Attribute: n");
  LegacyCondition both = op("n", "EQ", {N("5")});
  both.has_exists = true;
  EXPECT_EQ(check({both}), kInvalid + "Exists and ComparisonOperator cannot be used together for Attribute: n");
  LegacyCondition value_and_list = op("n", "EQ", {N("5")});
  value_and_list.has_value = true;
  EXPECT_EQ(check({value_and_list}),
            kInvalid + "Value and AttributeValueList cannot be used together for Attribute: n");
  LegacyCondition list_only = op("n", "", {N("5")});
  EXPECT_EQ(check({list_only}),
            kInvalid + "AttributeValueList can only be used with a ComparisonOperator for Attribute: n");
}

TEST(AttributeUpdates, Actions) {
  auto run = [](std::vector<LegacyUpdate> updates) -> std::string {
    try {
      AttributeMap it = item();
      apply_update(translate_attribute_updates(updates), it);
      std::string out;
      for (const auto& [k, v] : it)
        out += k + "=" + (v.type == AttrType::SS ? std::to_string(v.set.size()) : v.scalar) + ";";
      return out;
    } catch (const Error& e) {
      return e.message();
    }
  };
  EXPECT_EQ(run({{"w", "PUT", true, S("new")}}), "m.b=dotted;n=5;s=abc;ss=2;w=new;");
  EXPECT_EQ(run({{"n", "ADD", true, N("5")}}), "m.b=dotted;n=10;s=abc;ss=2;");
  EXPECT_EQ(run({{"ss", "ADD", true, SS({"z"})}}), "m.b=dotted;n=5;s=abc;ss=3;");
  EXPECT_EQ(run({{"n", "DELETE", false, {}}}), "m.b=dotted;s=abc;ss=2;");
  EXPECT_EQ(run({{"ss", "DELETE", true, SS({"x", "y"})}}), "m.b=dotted;n=5;s=abc;");
  EXPECT_EQ(run({{"w", "PUT", false, {}}}),
            kInvalid + "Only DELETE action is allowed when no attribute value is specified");
  EXPECT_EQ(run({{"s", "ADD", true, S("y")}}), kInvalid + "ADD action is not supported for the type STRING");
  EXPECT_EQ(run({{"n", "DELETE", true, N("1")}}),
            kInvalid + "DELETE action with value is not supported for the type NUMBER");
  AttributeValue ns;
  ns.type = AttrType::NS;
  ns.set = {"1"};
  EXPECT_EQ(run({{"ss", "ADD", true, ns}}), "Type mismatch for attribute to update");
}

TEST(KeyCondition, RulesAndMessages) {
  KeySchemaView schema{"pk", AttrType::S, "sk", AttrType::N};
  AttributeMap values = {{":p", S("p")}, {":v", N("5")}, {":a", N("1")},
                         {":b", N("9")}, {":s", S("1")}, {":n", N("1")}};
  auto check_kc = [&](const std::string& text) -> std::string {
    try {
      Placeholders ph;
      ph.values = &values;
      KeyCondition kc = check_key_condition(parse_key_condition(text, ph), schema);
      return std::string("ok:") + (kc.sort_op == Op::Value ? "" : kc.sort_values[0]->scalar);
    } catch (const Error& e) {
      return e.message();
    }
  };
  EXPECT_EQ(check_kc("pk = :p"), "ok:");
  EXPECT_EQ(check_kc("pk = :p AND sk BETWEEN :a AND :b"), "ok:1");
  EXPECT_EQ(check_kc(":p = pk AND :v > sk"), "ok:5");
  EXPECT_EQ(check_kc("sk = :v AND pk = :p"), "ok:5");
  EXPECT_EQ(check_kc("(pk = :p) AND (sk = :v)"), "ok:5");
  EXPECT_EQ(check_kc("pk = :p AND sk <> :v"), "Invalid operator used in KeyConditionExpression: <>");
  EXPECT_EQ(check_kc("pk = :p OR sk = :v"), "Invalid operator used in KeyConditionExpression: OR");
  EXPECT_EQ(check_kc("NOT pk = :p"), "Invalid operator used in KeyConditionExpression: NOT");
  EXPECT_EQ(check_kc("pk = :p AND sk IN (:a, :b)"), "Invalid operator used in KeyConditionExpression: IN");
  EXPECT_EQ(check_kc("pk = :p AND contains(sk, :v)"), "Invalid operator used in KeyConditionExpression: contains");
  EXPECT_EQ(check_kc("pk = :p AND attribute_exists(sk)"),
            "Invalid operator used in KeyConditionExpression: attribute_exists");
  EXPECT_EQ(check_kc("pk = :p AND x = :v"), "Query condition missed key schema element");
  EXPECT_EQ(check_kc("sk = :v"), "Query condition missed key schema element");
  EXPECT_EQ(check_kc("pk = :p AND sk > :a AND sk < :b"),
            "KeyConditionExpressions must only contain one condition per key");
  EXPECT_EQ(check_kc("pk = :p AND pk = :p"), "KeyConditionExpressions must only contain one condition per key");
  EXPECT_EQ(check_kc("pk < :p"), "Query key condition not supported");
  EXPECT_EQ(check_kc("begins_with(pk, :p)"), "Query key condition not supported");
  EXPECT_EQ(check_kc("pk = sk"),
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition");
  EXPECT_EQ(check_kc("pk.x = :p"),
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk");
  EXPECT_EQ(check_kc("pk = :p AND size(sk) = :v"), "KeyConditionExpressions cannot contain nested operations");
  EXPECT_EQ(check_kc("pk = :n"),
            "One or more parameter values were invalid: Condition parameter type does not match schema type");
  EXPECT_EQ(check_kc("pk = :p AND begins_with(sk, :s)"),
            "One or more parameter values were invalid: Condition parameter type does not match schema type");
  EXPECT_EQ(check_kc("pk = :p AND begins_with(sk, :v)"),
            "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: "
            "begins_with, operand type: N");
}
