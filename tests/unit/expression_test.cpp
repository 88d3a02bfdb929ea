// The expression language: parsing, DynamoDB's messages, evaluation, updates and projections.
// Messages were recorded from DynamoDB (through DynamoDB Local, which runs the service's parser).
#include <gtest/gtest.h>

#include "expressions/evaluator.h"
#include "expressions/parser.h"
#include "model/error.h"
#include "tests/attribute_builders.h"

using namespace ddb;
using namespace ddb::expr;
using namespace ddb::testing;

namespace {

// The item most tests run against.
AttributeMap item() {
  return {{"pk", S("k")},
          {"n", N("5")},
          {"s", S("abc")},
          {"b", B("\x01\x02")},
          {"t", AttributeValue::boolean_of(true)},
          {"e", S("")},
          {"u", S("\xc3\xa9")},
          {"l", L({N("0"), M({{"c", S("c1")}, {"d", S("d1")}}), N("2")})},
          {"m", M({{"b", M({{"c", S("deep")}, {"d", N("4")}})}, {"x", S("y")}})},
          {"ss", Set(AttrType::SS, {"x", "y"})},
          {"ns", Set(AttrType::NS, {"1", "2"})}};
}

struct Request {
  std::map<std::string, std::string> names;
  AttributeMap values;
  Placeholders ph() {
    Placeholders p;
    if (!names.empty()) p.names = &names;
    if (!values.empty()) p.values = &values;
    return p;
  }
};

// The message of the error a condition raises, or "" if it parses.
std::string condition_error(const std::string& text, Request r = {}) {
  try {
    Placeholders ph = r.ph();
    parse_condition(text, ExpressionKind::Condition, ph);
    return "";
  } catch (const Error& e) {
    return e.message();
  }
}

bool holds(const std::string& text, Request r = {}, const AttributeMap& it = item()) {
  Placeholders ph = r.ph();
  Node n = parse_condition(text, ExpressionKind::Condition, ph);
  return evaluate(n, it);
}

std::string update_error(const std::string& text, Request r = {}) {
  try {
    Placeholders ph = r.ph();
    UpdateExpression u = parse_update(text, ph);
    AttributeMap it = item();
    apply_update(u, it);
    return "";
  } catch (const Error& e) {
    return e.message();
  }
}

AttributeMap updated(const std::string& text, Request r = {}, AttributeMap it = item()) {
  Placeholders ph = r.ph();
  UpdateExpression u = parse_update(text, ph);
  apply_update(u, it);
  return it;
}

std::string syntax(const char* kind, const char* token, const char* near) {
  return std::string("Invalid ") + kind + ": Syntax error; token: \"" + token + "\", near: \"" + near + "\"";
}

}  // namespace

TEST(ConditionSyntax, ErrorsNameTheTokenAndWhatIsNearIt) {
  Request v{{}, {{":v", N("1")}}};
  EXPECT_EQ(condition_error("   "), syntax("ConditionExpression", "<EOF>", "   "));
  EXPECT_EQ(condition_error("a = :v $", v), syntax("ConditionExpression", "$", ":v $"));
  EXPECT_EQ(condition_error("a @ :v", v), syntax("ConditionExpression", "@", "a @ :v"));
  EXPECT_EQ(condition_error("(a = :v", v), syntax("ConditionExpression", "<EOF>", ":v"));
  EXPECT_EQ(condition_error("a = :v)", v), syntax("ConditionExpression", ")", ":v)"));
  EXPECT_EQ(condition_error("a = :v AND", v), syntax("ConditionExpression", "<EOF>", "AND"));
  EXPECT_EQ(condition_error("a = "), syntax("ConditionExpression", "<EOF>", "= "));
  EXPECT_EQ(condition_error("= :v", v), syntax("ConditionExpression", "=", "= :v"));
  EXPECT_EQ(condition_error("a == :v", v), syntax("ConditionExpression", "=", "== :v"));
  EXPECT_EQ(condition_error("a <> "), syntax("ConditionExpression", "<EOF>", "<> "));
  EXPECT_EQ(condition_error("NOT"), syntax("ConditionExpression", "<EOF>", "NOT"));
  EXPECT_EQ(condition_error("a != :v", v), syntax("ConditionExpression", "!", "a !="));
  EXPECT_EQ(condition_error("a >< :v", v), syntax("ConditionExpression", "<", ">< :v"));
  EXPECT_EQ(condition_error("my-attr = :v", v), syntax("ConditionExpression", "-", "my-attr"));
  EXPECT_EQ(condition_error("1a = :v", v), syntax("ConditionExpression", "1", "1a"));
  EXPECT_EQ(condition_error("1 = :v", v), syntax("ConditionExpression", "1", "1 ="));
  EXPECT_EQ(condition_error("_a1 = :v", v), syntax("ConditionExpression", "_", "_a1"));
  EXPECT_EQ(condition_error(".a = :v", v), syntax("ConditionExpression", ".", ".a"));
  EXPECT_EQ(condition_error("a. = :v", v), syntax("ConditionExpression", "=", ". = :v"));
  EXPECT_EQ(condition_error("a..b = :v", v), syntax("ConditionExpression", ".", "..b"));
  EXPECT_EQ(condition_error("a[0 = :v", v), syntax("ConditionExpression", "=", "0 = :v"));
  EXPECT_EQ(condition_error("a] = :v", v), syntax("ConditionExpression", "]", "a] ="));
  EXPECT_EQ(condition_error("a[1.5] = :v", v), syntax("ConditionExpression", ".", "1.5"));
  EXPECT_EQ(condition_error("a[-1] = :v", v), syntax("ConditionExpression", "-", "[-1"));
  EXPECT_EQ(condition_error("a[] = :v", v), syntax("ConditionExpression", "]", "[] ="));
  EXPECT_EQ(condition_error("a[b] = :v", v), syntax("ConditionExpression", "b", "[b]"));
  EXPECT_EQ(condition_error("a[:v] = :v", v), syntax("ConditionExpression", ":v", "[:v]"));
  EXPECT_EQ(condition_error("a[01] = :v", v), syntax("ConditionExpression", "1", "01]"));
  EXPECT_EQ(condition_error("# = :v", v), syntax("ConditionExpression", "#", "# ="));
  EXPECT_EQ(condition_error("a = :"), syntax("ConditionExpression", ":", "= :"));
  EXPECT_EQ(condition_error("a = b = c"), syntax("ConditionExpression", "=", "b = c"));
  EXPECT_EQ(condition_error("attribute_exists a"), syntax("ConditionExpression", "a", "attribute_exists a"));
  EXPECT_EQ(condition_error("attribute_exists(a"), syntax("ConditionExpression", "<EOF>", "a"));
  EXPECT_EQ(condition_error("a = :v AND AND b = :v", v), syntax("ConditionExpression", "AND", "AND AND b"));
  EXPECT_EQ(condition_error("a = :v, b = :v", v), syntax("ConditionExpression", ",", ":v, b"));
  EXPECT_EQ(condition_error("a = 'x'"), syntax("ConditionExpression", "'", "= 'x"));
  EXPECT_EQ(condition_error("a = 1"), syntax("ConditionExpression", "1", "= 1"));
  EXPECT_EQ(condition_error("\xc3\xa9 = :v", v), syntax("ConditionExpression", "\xc3\xa9", "\xc3\xa9 ="));
  EXPECT_EQ(condition_error("a IN (:v,)", v), syntax("ConditionExpression", ")", ",)"));
  EXPECT_EQ(condition_error("a IN :v", v), syntax("ConditionExpression", ":v", "IN :v"));
  EXPECT_EQ(condition_error("a BETWEEN :v :v", v), syntax("ConditionExpression", ":v", ":v :v"));
  EXPECT_EQ(condition_error("NOT = :v", v), syntax("ConditionExpression", "=", "NOT = :v"));
  EXPECT_EQ(condition_error("()"), syntax("ConditionExpression", ")", "()"));
  EXPECT_EQ(condition_error("a = :v;", v), syntax("ConditionExpression", ";", ":v;"));
}

TEST(ConditionSyntax, AcceptsWhatDynamoDBAccepts) {
  Request v{{}, {{":v", N("1")}}};
  EXPECT_EQ(condition_error("a = :v and b = :v", v), "");  // keywords in any case
  EXPECT_EQ(condition_error("a\t=\n:v", v), "");
  EXPECT_EQ(condition_error("a [ 0 ] = :v", v), "");
  EXPECT_EQ(condition_error("a[2147483647] = :v", v), "");
  EXPECT_EQ(condition_error("size = :v", v), "");  // "size" is reserved, but allowed as a name
  Request digits{{{"#1", "x"}}, {{":1", N("1")}}};
  EXPECT_EQ(condition_error("#1 = :1", digits), "");
}

TEST(ConditionSemantics, ReservedWordsUndefinedPlaceholdersAndLimits) {
  Request v{{}, {{":v", N("1")}}};
  const std::string p = "Invalid ConditionExpression: ";
  EXPECT_EQ(condition_error("", v), p + "The expression can not be empty;");
  EXPECT_EQ(condition_error("name = :v", v), p + "Attribute name is a reserved keyword; reserved keyword: name");
  EXPECT_EQ(condition_error("Name = :v", v), p + "Attribute name is a reserved keyword; reserved keyword: Name");
  EXPECT_EQ(condition_error("a.status = :v", v), p + "Attribute name is a reserved keyword; reserved keyword: status");
  EXPECT_EQ(condition_error("a = true"), p + "Attribute name is a reserved keyword; reserved keyword: true");
  EXPECT_EQ(condition_error("name = :u"), p + "Attribute name is a reserved keyword; reserved keyword: name");
  EXPECT_EQ(condition_error("#n = :v", v),
            p + "An expression attribute name used in the document path is not defined; attribute name: #n");
  EXPECT_EQ(condition_error("a = :u", v),
            p + "An expression attribute value used in expression is not defined; attribute value: :u");
  EXPECT_EQ(condition_error("a[2147483648] = :v", v),
            p + "List index is not within the allowable range; index: [2147483648]");
  std::string deep = "a", deeper = "a";
  for (int i = 1; i < 32; ++i) deep += ".a";
  deeper = deep + ".a";
  EXPECT_EQ(condition_error("attribute_exists(" + deep + ")"), "");
  EXPECT_EQ(condition_error("attribute_exists(" + deeper + ")"),
            p + "The document path has too many nesting levels; nesting levels: 33");
  EXPECT_EQ(condition_error("a = :v" + std::string(4090, ' '), v), "");
  EXPECT_EQ(condition_error("a = :v" + std::string(4091, ' '), v),
            p + "Expression size has exceeded the maximum allowed size; expression size: 4097");
  std::string ors = "a = :v";
  for (int i = 0; i < 150; ++i) ors += " OR a = :v";
  EXPECT_EQ(condition_error(ors, v), p + "The expression contains too many operators; operator count: 301");
  EXPECT_EQ(condition_error("((a = :v))", v), p + "The expression has redundant parentheses;");
  EXPECT_EQ(condition_error("(a = :v)", v), "");
}

TEST(ConditionSemantics, FunctionsAndOperandTypes) {
  const std::string p = "Invalid ConditionExpression: ";
  Request v{{}, {{":v", N("1")}, {":s", S("x")}, {":t", AttributeValue::boolean_of(true)}, {":l", L({})}}};
  auto only = [&](std::initializer_list<const char*> keys) {
    Request r;
    for (auto k : keys) r.values[k] = v.values[k];
    return r;
  };
  EXPECT_EQ(condition_error("foo(a)"), p + "Invalid function name; function: foo");
  EXPECT_EQ(condition_error("ATTRIBUTE_EXISTS(a)"), p + "Invalid function name; function: ATTRIBUTE_EXISTS");
  EXPECT_EQ(condition_error("attribute_exists(a, b)"),
            p + "Incorrect number of operands for operator or function; operator or function: attribute_exists, number "
                "of operands: 2");
  EXPECT_EQ(condition_error("begins_with(a)"),
            p + "Incorrect number of operands for operator or function; operator or function: begins_with, number of "
                "operands: 1");
  EXPECT_EQ(condition_error("attribute_exists(:v)", only({":v"})),
            p + "Operator or function requires a document path; operator or function: attribute_exists");
  EXPECT_EQ(condition_error("a < :t", only({":t"})),
            p + "Incorrect operand type for operator or function; operator or function: <, operand type: BOOL");
  EXPECT_EQ(condition_error("a < :l", only({":l"})),
            p + "Incorrect operand type for operator or function; operator or function: <, operand type: L");
  EXPECT_EQ(condition_error("begins_with(a, :v)", only({":v"})),
            p + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N");
  EXPECT_EQ(condition_error("begins_with(size(s), :s)", only({":s"})),
            p + "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N");
  EXPECT_EQ(condition_error("size(size(s)) = :v", only({":v"})),
            p + "Incorrect operand type for operator or function; operator or function: size, operand type: N");
  EXPECT_EQ(
      condition_error("attribute_type(a, :v)", only({":v"})),
      p + "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N");
  EXPECT_EQ(condition_error("attribute_type(a, :s)", only({":s"})),
            p + "Invalid attribute type name found; type: x, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}");
  EXPECT_EQ(condition_error("size(s)"),
            p + "The function is not allowed to be used this way in an expression; function: size");
  EXPECT_EQ(condition_error("attribute_exists(s) = :t", only({":t"})),
            p + "The function is not allowed to be used this way in an expression; function: attribute_exists");
  EXPECT_EQ(condition_error("n = n"),
            p + "The first operand must be distinct from the remaining operands for this operator or function; "
                "operator: =, first operand: [n]");
  EXPECT_EQ(condition_error("n IN (n, s)"),
            p + "The first operand must be distinct from the remaining operands for this operator or function; "
                "operator: IN, first operand: [n]");
  Request bounds{{}, {{":lo", N("10")}, {":hi", N("1")}}};
  EXPECT_EQ(condition_error("n BETWEEN :lo AND :hi", bounds),
            p + "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound "
                "operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:1}");
  Request mixed{{}, {{":lo", N("1")}, {":hi", S("z")}}};
  EXPECT_EQ(condition_error("n BETWEEN :lo AND :hi", mixed),
            p + "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: "
                "AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:z}");
  std::string in = "n IN (:v";
  for (int i = 0; i < 100; ++i) in += ", :v";
  EXPECT_EQ(condition_error(in + ")", only({":v"})),
            p + "The IN operator is provided with too many operands; number of operands: 101");
}

TEST(ConditionEvaluation, ComparisonsAcrossTypes) {
  Request r{{}, {{":five", N("5")}, {":ten", N("10")}, {":s", S("abd")}, {":S", S("ABC")}, {":b", B("\x01\x03")}}};
  auto with = [&](std::initializer_list<const char*> keys) {
    Request x;
    for (auto k : keys) x.values[k] = r.values[k];
    return x;
  };
  EXPECT_TRUE(holds("n = :five", with({":five"})));
  EXPECT_TRUE(holds("n < :ten", with({":ten"})));  // numerically, not as text
  EXPECT_TRUE(holds("s < :s", with({":s"})));
  EXPECT_TRUE(holds("s > :S", with({":S"})));  // by bytes: lower case sorts after upper case
  EXPECT_TRUE(holds("b < :b", with({":b"})));
  EXPECT_FALSE(holds("s < :five", with({":five"})));  // a type mismatch is false, not an error
  EXPECT_TRUE(holds("s <> :five", with({":five"})));
  EXPECT_FALSE(holds("nope = :five", with({":five"})));
  EXPECT_TRUE(holds("nope <> :five", with({":five"})));  // a missing attribute is unequal to anything
  EXPECT_TRUE(holds("nope <> nope2"));
  EXPECT_TRUE(holds("n BETWEEN :five AND :ten", with({":five", ":ten"})));
  EXPECT_TRUE(holds("n IN (:ten, :five)", with({":five", ":ten"})));
  EXPECT_TRUE(holds("l[1].c = :c", Request{{}, {{":c", S("c1")}}}));
  EXPECT_TRUE(holds("s[0] <> :c", Request{{}, {{":c", S("a")}}}));  // an index into a non-list reaches nothing
}

TEST(ConditionEvaluation, PrecedenceIsNotThenAndThenOr) {
  Request r{{}, {{":x", N("1")}, {":y", N("2")}}};
  AttributeMap it = {{"a", N("1")}, {"b", N("0")}, {"c", N("0")}};
  EXPECT_TRUE(holds("a = :x OR b = :y AND c = :y", r, it));  // a = 1 OR (b = 2 AND c = 2)
  EXPECT_FALSE(holds("(a = :x OR b = :y) AND c = :y", r, it));
  EXPECT_FALSE(holds("NOT a = :x OR b = :y", r, it));  // (NOT a = 1) OR b = 2
  EXPECT_TRUE(holds("NOT (a = :y AND b = :y)", r, it));
}

TEST(ConditionEvaluation, Functions) {
  auto v = [](AttributeValue x) { return Request{{}, {{":v", std::move(x)}}}; };
  EXPECT_TRUE(holds("attribute_exists(m.b.c)"));
  EXPECT_TRUE(holds("attribute_not_exists(m.b.z)"));
  EXPECT_TRUE(holds("attribute_type(ss, :v)", v(S("SS"))));
  EXPECT_FALSE(holds("attribute_type(ss, :v)", v(S("S"))));
  EXPECT_TRUE(holds("attribute_type(t, :v)", v(S("BOOL"))));
  EXPECT_TRUE(holds("begins_with(s, :v)", v(S("ab"))));
  EXPECT_TRUE(holds("begins_with(b, :v)", v(B("\x01"))));
  EXPECT_FALSE(holds("begins_with(n, :v)", v(S("5"))));
  EXPECT_TRUE(holds("contains(s, :v)", v(S("bc"))));
  EXPECT_TRUE(holds("contains(ss, :v)", v(S("x"))));
  EXPECT_FALSE(holds("contains(ss, :v)", v(S("xy"))));
  EXPECT_TRUE(holds("contains(ns, :v)", v(N("1"))));
  EXPECT_FALSE(holds("contains(ns, :v)", v(S("1"))));
  EXPECT_TRUE(holds("contains(l, :v)", v(N("2"))));
  EXPECT_TRUE(holds("contains(l, :v)", v(M({{"c", S("c1")}, {"d", S("d1")}}))));
  EXPECT_FALSE(holds("contains(m, :v)", v(S("x"))));
  EXPECT_TRUE(holds("contains(b, :v)", v(B("\x02"))));
  EXPECT_TRUE(holds("size(s) = :v", v(N("3"))));
  EXPECT_TRUE(holds("size(u) = :v", v(N("1"))));  // characters, not bytes
  EXPECT_TRUE(holds("size(b) = :v", v(N("2"))));
  EXPECT_TRUE(holds("size(l) = :v", v(N("3"))));
  EXPECT_TRUE(holds("size(m) = :v", v(N("2"))));
  EXPECT_TRUE(holds("size(e) = :v", v(N("0"))));
  EXPECT_FALSE(holds("size(n) = :v", v(N("1"))));
  EXPECT_FALSE(holds("size(nope) = :v", v(N("0"))));
  EXPECT_TRUE(holds("size(nope) <> :v", v(N("0"))));
  EXPECT_TRUE(holds("size(:v) = :n", Request{{}, {{":v", S("abc")}, {":n", N("3")}}}));
}

TEST(Placeholders, UnusedKeysAreListedInTheServiceOrder) {
  std::map<std::string, std::string> names = {{"#z", "z"}, {"#a", "a"}, {"#m", "m"}};
  Placeholders ph;
  ph.names = &names;
  try {
    ph.check_all_used();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "Value provided in ExpressionAttributeNames unused in expressions: keys: {#z, #m, #a}");
  }
  std::map<std::string, std::string> many;
  for (int i = 0; i < 13; ++i) many[(i < 10 ? "#n0" : "#n") + std::to_string(i)] = "x";
  ph.names = &many;
  try {
    ph.check_all_used();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(),
              "Value provided in ExpressionAttributeNames unused in expressions: keys: {#n06, #n05, #n08, "
              "#n07, #n09, #n00, #n11, #n10, #n02, #n01, #n12, #n04, #n03}");
  }
}

TEST(UpdateSyntax, Errors) {
  Request v{{}, {{":v", N("1")}}};
  const std::string p = "Invalid UpdateExpression: ";
  EXPECT_EQ(update_error(""), p + "The expression can not be empty;");
  EXPECT_EQ(update_error("  "), syntax("UpdateExpression", "<EOF>", "  "));
  EXPECT_EQ(update_error("SET"), syntax("UpdateExpression", "<EOF>", "SET"));
  EXPECT_EQ(update_error("SET :v = :v", v), syntax("UpdateExpression", ":v", "SET :v ="));
  EXPECT_EQ(update_error("SET a = a * b"), syntax("UpdateExpression", "*", "a * b"));
  EXPECT_EQ(update_error("SET a = :v + :v + :v", v), syntax("UpdateExpression", "+", ":v + :v"));
  EXPECT_EQ(update_error("SET w = :v, REMOVE a", v), syntax("UpdateExpression", "REMOVE", ", REMOVE a"));
  EXPECT_EQ(update_error("UPSERT w = :v", v), syntax("UpdateExpression", "UPSERT", "UPSERT w"));
  EXPECT_EQ(update_error("REMOVE a = :v", v), syntax("UpdateExpression", "=", "a = :v"));
  EXPECT_EQ(update_error("SET a = :v SET b = :v", v),
            p + "The \"SET\" section can only be used once in an update expression;");
  EXPECT_EQ(update_error("REMOVE a REMOVE b"),
            p + "The \"REMOVE\" section can only be used once in an update expression;");
  EXPECT_EQ(update_error("SET a = :v, a.b = :v", v),
            p + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], "
                "path two: [a, b]");
  EXPECT_EQ(update_error("SET m = :v REMOVE m.b", v),
            p + "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], "
                "path two: [m, b]");
  EXPECT_EQ(update_error("SET a[0] = :v, a.b = :v", v),
            p + "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, "
                "[0]], path two: [a, b]");
  EXPECT_EQ(update_error("SET w = attribute_exists(a)"),
            p + "The function is not allowed in an update expression; function: attribute_exists");
  EXPECT_EQ(update_error("SET w = size(s)"), p + "The function is not allowed in an update expression; function: size");
  EXPECT_EQ(update_error("SET w = IF_NOT_EXISTS(a, :v)", v), p + "Invalid function name; function: IF_NOT_EXISTS");
  EXPECT_EQ(update_error("SET w = if_not_exists(:v, a)", v),
            p + "Operator or function requires a document path; operator or function: if_not_exists");
  EXPECT_EQ(update_error("SET w = list_append(l)"),
            p + "Incorrect number of operands for operator or function; operator or function: list_append, number of "
                "operands: 1");
  EXPECT_EQ(update_error("SET w = list_append(l, :v)", v),
            p + "Incorrect operand type for operator or function; operator or function: list_append, operand type: N");
  EXPECT_EQ(update_error("SET w = n + :s", Request{{}, {{":s", S("1")}}}),
            p + "Incorrect operand type for operator or function; operator or function: +, operand type: S");
  EXPECT_EQ(update_error("ADD w :s", Request{{}, {{":s", S("1")}}}),
            p + "Incorrect operand type for operator or function; operator: ADD, operand type: STRING, typeSet: "
                "ALLOWED_FOR_ADD_OPERAND");
  EXPECT_EQ(update_error("DELETE ss :v", v),
            p + "Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER, typeSet: "
                "ALLOWED_FOR_DELETE_OPERAND");
}

TEST(UpdateEvaluation, SetArithmeticAndFunctions) {
  auto v = [](AttributeValue x) { return Request{{}, {{":v", std::move(x)}}}; };
  EXPECT_EQ(updated("SET n = n + :v", v(N("0.5")))["n"], N("5.5"));
  EXPECT_EQ(updated("SET n = :v - n", v(N("1")))["n"], N("-4"));
  EXPECT_EQ(updated("SET w = if_not_exists(w, :v)", v(N("1")))["w"], N("1"));
  EXPECT_EQ(updated("SET n = if_not_exists(n, :v)", v(N("1")))["n"], N("5"));
  EXPECT_EQ(updated("SET l = list_append(l, :v)", v(L({S("z")})))["l"].list.back(), S("z"));
  EXPECT_EQ(updated("SET l = list_append(:v, l)", v(L({S("z")})))["l"].list.front(), S("z"));
  EXPECT_EQ(updated("SET m.b.c = :v", v(S("new")))["m"].map["b"].map["c"], S("new"));
  EXPECT_EQ(updated("SET l[1].c = :v", v(S("new")))["l"].list[1].map["c"], S("new"));
  EXPECT_EQ(updated("SET l[10] = :v", v(S("end")))["l"].list.size(), 4u);  // past the end: appended
  // Every value is read from the item before the update: a swap works.
  AttributeMap swapped = updated("SET n = s, s = n");
  EXPECT_EQ(swapped["n"], S("abc"));
  EXPECT_EQ(swapped["s"], N("5"));
  EXPECT_EQ(update_error("SET w = nope + :v", v(N("1"))),
            "The provided expression refers to an attribute that does not exist in the item");
  EXPECT_EQ(update_error("SET w = s + :v", v(N("1"))),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(update_error("SET nope.b = :v", v(N("1"))),
            "The document path provided in the update expression is invalid for update");
  EXPECT_EQ(update_error("SET s.b = :v", v(N("1"))),
            "The document path provided in the update expression is invalid for update");
}

TEST(UpdateEvaluation, RemoveAddDelete) {
  AttributeMap it = updated("REMOVE n, m.x, nope");
  EXPECT_FALSE(it.count("n"));
  EXPECT_FALSE(it["m"].map.count("x"));
  // Indexes refer to the list before the update, whatever order they are written in.
  EXPECT_EQ(updated("REMOVE l[0], l[2]")["l"].list, (std::vector<AttributeValue>{M({{"c", S("c1")}, {"d", S("d1")}})}));
  EXPECT_EQ(updated("REMOVE l[2], l[0]")["l"].list, (std::vector<AttributeValue>{M({{"c", S("c1")}, {"d", S("d1")}})}));
  EXPECT_EQ(updated("REMOVE l[10]")["l"].list.size(), 3u);
  EXPECT_EQ(update_error("REMOVE nope.b"), "The document path provided in the update expression is invalid for update");
  EXPECT_EQ(update_error("REMOVE s[0]"), "The document path provided in the update expression is invalid for update");

  auto v = [](AttributeValue x) { return Request{{}, {{":v", std::move(x)}}}; };
  EXPECT_EQ(updated("ADD n :v", v(N("0.5")))["n"], N("5.5"));
  EXPECT_EQ(updated("ADD w :v", v(N("1.5")))["w"], N("1.5"));
  EXPECT_EQ(updated("ADD ss :v", v(Set(AttrType::SS, {"y", "z"})))["ss"], Set(AttrType::SS, {"x", "y", "z"}));
  EXPECT_EQ(updated("ADD w :v", v(Set(AttrType::SS, {"a"})))["w"], Set(AttrType::SS, {"a"}));
  EXPECT_EQ(update_error("ADD s :v", v(N("1"))), "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(update_error("ADD ss :v", v(Set(AttrType::NS, {"1"}))),
            "An operand in the update expression has an incorrect data type");
  EXPECT_EQ(updated("DELETE ss :v", v(Set(AttrType::SS, {"x", "q"})))["ss"], Set(AttrType::SS, {"y"}));
  EXPECT_FALSE(updated("DELETE ss :v", v(Set(AttrType::SS, {"x", "y"}))).count("ss"));  // emptied sets disappear
  EXPECT_FALSE(updated("DELETE nope :v", v(Set(AttrType::SS, {"x"}))).count("nope"));
}

TEST(Projection, PathsShapeTheResult) {
  Placeholders ph;
  auto project_text = [&](const std::string& text) { return project(parse_projection(text, ph), item()); };
  AttributeMap r = project_text("n, m.b.c, l[1].d, nope, m.nope");
  EXPECT_EQ(r.size(), 3u);
  EXPECT_EQ(r["n"], N("5"));
  EXPECT_EQ(r["m"], M({{"b", M({{"c", S("deep")}})}}));
  EXPECT_EQ(r["l"], L({M({{"d", S("d1")}})}));
  // List elements keep their order, whatever order the paths are in.
  EXPECT_EQ(project_text("l[2], l[0]")["l"], L({N("0"), N("2")}));
  EXPECT_EQ(project_text("l[5]").count("l"), 0u);
}

TEST(Projection, Errors) {
  Placeholders ph;
  auto error = [&](const std::string& text) {
    try {
      parse_projection(text, ph);
      return std::string();
    } catch (const Error& e) {
      return e.message();
    }
  };
  const std::string p = "Invalid ProjectionExpression: ";
  EXPECT_EQ(error(""), p + "The expression can not be empty;");
  EXPECT_EQ(error("size(a)"), syntax("ProjectionExpression", "(", "size(a"));
  EXPECT_EQ(error("a b"), syntax("ProjectionExpression", "b", "a b"));
  EXPECT_EQ(error("a,"), syntax("ProjectionExpression", "<EOF>", ","));
  EXPECT_EQ(error(", a"), syntax("ProjectionExpression", ",", ", a"));
  EXPECT_EQ(error("name"), p + "Attribute name is a reserved keyword; reserved keyword: name");
  EXPECT_EQ(error("a, a.b"), p + "Two document paths overlap with each other; must remove or rewrite one of these "
                                 "paths; path one: [a], path two: [a, b]");
  EXPECT_EQ(error("l[0], l.c"), p + "Two document paths conflict with each other; must remove or rewrite one of these "
                                    "paths; path one: [l, [0]], path two: [l, c]");
}

// Parentheses, nesting and where each function may appear, as DynamoDB answers them (checked against DynamoDB
// Local, which runs the service's parser).
namespace {

std::string parse_error(ExpressionKind kind, const std::string& text, Request r = {}) {
  try {
    Placeholders ph = r.ph();
    if (kind == ExpressionKind::Update) {
      parse_update(text, ph);
    } else {
      parse_condition(text, kind, ph);
    }
    return "";
  } catch (const Error& e) {
    return e.message();
  }
}

}  // namespace

TEST(ExpressionSyntax, AnythingInTwoPairsOfParenthesesIsRedundant) {
  Request v{{}, {{":v", N("1")}}};
  const std::string c = "Invalid ConditionExpression: ", u = "Invalid UpdateExpression: ";
  const std::string redundant = "The expression has redundant parentheses;";
  auto condition = [&](const std::string& text) { return parse_error(ExpressionKind::Condition, text, v); };
  auto update = [&](const std::string& text) { return parse_error(ExpressionKind::Update, text, v); };
  EXPECT_EQ(condition("(a) = :v"), "");
  EXPECT_EQ(condition("((a)) = :v"), c + redundant);
  EXPECT_EQ(condition("(:v) = a"), "");
  EXPECT_EQ(condition("((:v)) = a"), c + redundant);
  EXPECT_EQ(condition("((a) = :v)"), "");
  EXPECT_EQ(condition("(((a)) = :v)"), c + redundant);
  EXPECT_EQ(condition("size((a)) = :v"), "");
  EXPECT_EQ(condition("size(((a))) = :v"), c + redundant);
  EXPECT_EQ(condition("(size(a)) = :v"), "");
  EXPECT_EQ(condition("((size(a))) = :v"), c + redundant);
  EXPECT_EQ(condition("a IN ((:v), :v)"), "");
  EXPECT_EQ(condition("a IN (((:v)), :v)"), c + redundant);
  EXPECT_EQ(condition("(a) BETWEEN (:v) AND (:v)"), "");
  EXPECT_EQ(condition("(a) BETWEEN (:v) AND ((:v))"), c + redundant);
  EXPECT_EQ(condition("NOT (NOT (a = :v))"), "");
  EXPECT_EQ(condition("NOT ((a = :v))"), c + redundant);
  EXPECT_EQ(condition("( (b) ) = :v"), c + redundant);
  // Found as soon as the pair closes: before a later syntax error, after an earlier one.
  EXPECT_EQ(condition("((a)) = :v AND ="), c + redundant);
  EXPECT_EQ(condition("a = = :v AND ((b = :v))"), syntax("ConditionExpression", "=", "= = :v"));

  EXPECT_EQ(update("SET b = (b)"), "");
  EXPECT_EQ(update("SET b = ((b))"), u + redundant);
  EXPECT_EQ(update("SET b = (:v)"), "");
  EXPECT_EQ(update("SET b = ((:v))"), u + redundant);
  EXPECT_EQ(update("SET b = (b + :v)"), "");
  EXPECT_EQ(update("SET b = ((b + :v))"), u + redundant);
  EXPECT_EQ(update("SET b = ((b) + (:v))"), "");
  EXPECT_EQ(update("SET b = (((b)) + :v)"), u + redundant);
  EXPECT_EQ(update("SET b = ((b)) + :v"), u + redundant);
  EXPECT_EQ(update("SET b = if_not_exists((b), (:v))"), "");
  EXPECT_EQ(update("SET b = if_not_exists(b, ((:v)))"), u + redundant);
  EXPECT_EQ(update("SET a = ((b)) REMOVE"), u + redundant);
  // A sum in parentheses is a whole value, not an operand.
  EXPECT_EQ(update("SET b = (b + :v) + :v"), syntax("UpdateExpression", "+", ") + :v"));
  EXPECT_EQ(update("SET b = :v + (b + :v)"), syntax("UpdateExpression", "+", "b + :v"));
  EXPECT_EQ(update("SET b = if_not_exists(b, (c + :v))"), syntax("UpdateExpression", "+", "c + :v"));
}

// Found by tests/fuzz/fuzz_expressions: 3,300 nested parentheses overflowed the stack (the parser recurses
// once per level). Nesting is bounded far above what a valid expression can use, with DynamoDB's answers.
TEST(ExpressionSyntax, DeepNestingIsAnsweredNotOverflowed) {
  Request v{{}, {{":v", N("1")}}};
  const std::string c = "Invalid ConditionExpression: ", u = "Invalid UpdateExpression: ";
  auto condition = [&](const std::string& text) { return parse_error(ExpressionKind::Condition, text, v); };
  auto update = [&](const std::string& text) { return parse_error(ExpressionKind::Update, text, v); };
  auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  EXPECT_EQ(condition(repeat("(", 2045) + "a = :v" + repeat(")", 2045)),
            c + "The expression has redundant parentheses;");
  EXPECT_EQ(condition(repeat("(", 4000) + "a = :v"), syntax("ConditionExpression", "<EOF>", ":v"));
  EXPECT_EQ(condition(repeat("(", 4090)), syntax("ConditionExpression", "<EOF>", "("));
  EXPECT_EQ(condition(repeat("(", 2000) + "a" + repeat(")", 2000) + " = :v"),
            c + "The expression has redundant parentheses;");
  EXPECT_EQ(condition(repeat("NOT (", 650) + "a = :v" + repeat(")", 650)),
            c + "The expression contains too many operators; operator count: 301");
  EXPECT_EQ(condition(repeat("NOT (", 500) + "((a)) = :v" + repeat(")", 500)),
            c + "The expression has redundant parentheses;");
  EXPECT_EQ(condition(repeat("NOT (", 500) + "size((a)) = :v" + repeat(")", 500)),
            c + "The expression contains too many operators; operator count: 301");
  EXPECT_EQ(condition(repeat("NOT (", 600) + "a = :v" + repeat(")", 599)), syntax("ConditionExpression", "<EOF>", ")"));
  EXPECT_EQ(update("SET b = " + repeat("(", 2000) + "b" + repeat(")", 2000)),
            u + "The expression has redundant parentheses;");
  EXPECT_EQ(update("SET b = " + repeat("(", 3000)), syntax("UpdateExpression", "<EOF>", "("));
  EXPECT_EQ(update("SET b = if_not_exists(b, " + repeat("(", 1200) + ":v" + repeat(")", 1199) + ")"),
            syntax("UpdateExpression", "<EOF>", ")"));
}

TEST(ExpressionSemantics, UpdateFunctionsStayInUpdates) {
  Request v{{}, {{":v", N("1")}, {":l", L({})}}};
  auto condition = [&](const std::string& text) { return parse_error(ExpressionKind::Condition, text, v); };
  auto update = [&](const std::string& text) { return parse_error(ExpressionKind::Update, text, v); };
  const std::string c =
      "Invalid ConditionExpression: The function is not allowed in a condition expression; function: ";
  EXPECT_EQ(condition("if_not_exists(a, :v)"), c + "if_not_exists");
  EXPECT_EQ(condition("list_append(a, :l)"), c + "list_append");
  EXPECT_EQ(condition("attribute_exists(if_not_exists(a, :v))"), c + "if_not_exists");
  EXPECT_EQ(condition("begins_with(list_append(a, :l), :v)"), c + "list_append");
  EXPECT_EQ(condition("a IN (if_not_exists(a, :v), :v)"), c + "if_not_exists");
  EXPECT_EQ(condition("size(if_not_exists(a, :v)) = :v"), c + "if_not_exists");
  // Filters and key conditions say "condition expression" too.
  EXPECT_EQ(parse_error(ExpressionKind::Filter, "list_append(a, :l) = :l", v),
            "Invalid FilterExpression: The function is not allowed in a condition expression; function: list_append");

  const std::string u =
      "Invalid UpdateExpression: The function is not allowed to be used this way in an expression; "
      "function: list_append";
  EXPECT_EQ(update("SET l = list_append(if_not_exists(l, :l), :l)"), "");
  EXPECT_EQ(update("SET b = if_not_exists(b, if_not_exists(c, :v))"), "");
  EXPECT_EQ(update("SET l = (list_append(l, :l))"), "");
  EXPECT_EQ(update("SET l = list_append(list_append(l, :l), :l)"), u);
  EXPECT_EQ(update("SET l = if_not_exists(l, list_append(l, :l))"), u);
  EXPECT_EQ(update("SET l = if_not_exists(l, (list_append(l, :l)))"), u);
  EXPECT_EQ(update("SET b = list_append(l, :l) + :v"), u);
  EXPECT_EQ(update("SET b = :v - list_append(l, :l)"), u);
}

// Found with tests/fuzz/fuzz_requests: SET a.<31 levels> = a nested the item 31 levels deeper at every update,
// until reading it back failed (and the recursion of every reader grew with it). DynamoDB refuses an update
// whose result nests deeper than its 32 levels, as it refuses such an item in PutItem.
TEST(UpdateEvaluation, ResultsNestAtMost32Levels) {
  auto nested = [](int maps, AttributeValue leaf) {
    for (int i = 0; i < maps; ++i) leaf = M({{"k", leaf}});
    return leaf;
  };
  AttributeMap deep = {{"pk", S("k")}, {"a", nested(31, S("leaf"))}};  // 32 levels: the most DynamoDB stores
  std::string path = "a";
  for (int i = 0; i < 30; ++i) path += ".k";  // the map at level 31
  const std::string limit = "Nesting Levels have exceeded supported limits";
  auto error = [&](const std::string& text, AttributeValue v) {
    try {
      updated(text, Request{{}, {{":v", std::move(v)}}}, deep);
      return std::string();
    } catch (const Error& e) {
      return e.message();
    }
  };
  EXPECT_EQ(error("SET " + path + " = :v", nested(1, S("x"))), "");
  EXPECT_EQ(error("SET " + path + " = :v", nested(2, S("x"))), limit);
  EXPECT_EQ(error("SET " + path + " = :v", M({})), "");
  EXPECT_EQ(error("SET " + path + " = :v", M({{"k", M({})}})), limit);
  EXPECT_EQ(error("SET " + path + " = :v", L({L({})})), limit);
  EXPECT_EQ(error("SET b = a, c = :v", N("1")), "");
  EXPECT_EQ(error("SET " + path + " = a, c = :v", N("1")), limit);
}
