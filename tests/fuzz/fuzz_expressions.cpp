// fuzz_expressions — the expression parser (expressions/parser.h) and the evaluation of what parses.
//
// Input: one byte choosing the kind (condition, filter, key condition, update, projection), then the
// expression text, then optionally NUL, ExpressionAttributeNames as JSON, NUL, ExpressionAttributeValues as
// DynamoDB JSON. Without those fields a fixed set of names and values is given; an empty field gives none.
// Parsing may only throw ddb::Error. What parses is evaluated over a fixed item (and an empty one): a
// condition answers, a key condition is checked against a (pk S, sk N) schema, an update applied to a copy
// of the item must leave a valid item (canonical numbers, no empty or duplicate sets) that the item codec
// round-trips, and a projection may only keep attributes the item has.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "api/attribute_json.h"
#include "expressions/evaluator.h"
#include "expressions/key_condition.h"
#include "expressions/parser.h"
#include "model/error.h"
#include "storage/item_codec.h"
#include "tests/attribute_builders.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ddb;
using namespace ddb::expr;
using namespace ddb::testing;

namespace {

// 32 levels, the most DynamoDB stores: deep.k.k...k (31 names) is a map holding a string.
AttributeValue deepest() {
  AttributeValue v = S("bottom");
  for (int i = 0; i < 31; ++i) v = M({{"k", v}});
  return v;
}

const AttributeMap& fixed_item() {
  static const AttributeMap item = {
      {"deep", deepest()},
      {"pk", S("k")},
      {"sk", N("7")},
      {"n", N("5")},
      {"neg", N("-1.5")},
      {"big", N("99999999999999999999999999999999999999")},
      {"s", S("abc")},
      {"b", B(std::string("\x01\x00\x02", 3))},
      {"t", AttributeValue::boolean_of(true)},
      {"z", AttributeValue::null()},
      {"e", S("")},
      {"u", S("\xc3\xa9\xf0\x9f\x98\x80")},
      {"l", L({N("0"), M({{"c", S("c1")}, {"d", S("d1")}}), N("2"), L({S("x"), L({})})})},
      {"m", M({{"b", M({{"c", S("deep")}, {"d", N("4")}})}, {"x", S("y")}, {"empty", M({})}})},
      {"ss", Set(AttrType::SS, {"x", "y"})},
      {"ns", Set(AttrType::NS, {"1", "2", "-0.5"})},
      {"bs", Set(AttrType::BS, {std::string("\0", 1), "\xff"})},
      {"a", S("name a")},
      {"#x", S("not a placeholder")},
  };
  return item;
}

const std::map<std::string, std::string>& default_names() {
  static const std::map<std::string, std::string> names = {
      {"#a", "a"},   {"#b", "b"},   {"#n", "n"}, {"#l", "l"},          {"#m", "m"}, {"#s", "s"},    {"#k", "pk"},
      {"#sk", "sk"}, {"#ss", "ss"}, {"#0", "0"}, {"#dot", "with.dot"}, {"#e", ""},  {"#d", "deep"},
  };
  return names;
}

const AttributeMap& default_values() {
  static const AttributeMap values = {
      {":s", S("abc")},
      {":p", S("a")},
      {":e", S("")},
      {":n", N("5")},
      {":one", N("1")},
      {":zero", N("0")},
      {":neg", N("-2.25")},
      {":max", N("9.9999999999999999999999999999999999999E+125")},
      {":tiny", N("1E-130")},
      {":b", B("\x01")},
      {":t", AttributeValue::boolean_of(true)},
      {":null", AttributeValue::null()},
      {":l", L({N("1"), S("x")})},
      {":m", M({{"c", S("c1")}})},
      {":ss", Set(AttrType::SS, {"x", "w"})},
      {":ns", Set(AttrType::NS, {"1", "3"})},
      {":bs", Set(AttrType::BS, {"\xff"})},
      {":type", S("N")},
  };
  return values;
}

// ExpressionAttributeNames: a JSON object of strings. False when the text is not one.
bool parse_names(std::string_view text, std::map<std::string, std::string>* names) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  simdjson::padded_string padded(text);
  simdjson::dom::object object;
  if (parser.parse(padded).get(e) != simdjson::SUCCESS || e.get(object) != simdjson::SUCCESS) return false;
  for (auto field : object) {
    std::string_view v;
    if (field.value.get(v) != simdjson::SUCCESS) return false;
    (*names)[std::string(field.key)] = std::string(v);
  }
  return true;
}

bool parse_values(std::string_view text, AttributeMap* values) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  simdjson::padded_string padded(text);
  if (parser.parse(padded).get(e) != simdjson::SUCCESS) return false;
  try {
    *values = api::parse_attribute_map(e);
  } catch (const Error&) {
    return false;
  }
  return true;
}

void check_update_result(const AttributeMap& before, const AttributeMap& after) {
  std::string problem = fuzz::item_problem(after);
  if (!problem.empty()) fuzz::fuzz_fail("an update left an invalid item: " + problem);
  std::string bytes;
  storage::encode_item(after, bytes);
  if (storage::decode_item(bytes) != after) fuzz::fuzz_fail("an updated item does not round-trip the item codec");
  (void)before;
  (void)storage::item_size(after);
}

void run(ExpressionKind kind, std::string_view text, Placeholders& ph) {
  const AttributeMap& item = fixed_item();
  const AttributeMap empty;
  switch (kind) {
    case ExpressionKind::Condition:
    case ExpressionKind::Filter: {
      Node n = parse_condition(text, kind, ph);
      evaluate(n, item);
      evaluate(n, empty);
      break;
    }
    case ExpressionKind::KeyCondition: {
      Node n = parse_key_condition(text, ph);
      KeySchemaView schema;
      schema.hash_key = "pk";
      schema.hash_type = AttrType::S;
      schema.range_key = "sk";
      schema.range_type = AttrType::N;
      KeyCondition key = check_key_condition(n, schema);
      if (!key.partition) fuzz::fuzz_fail("a key condition without a partition value was accepted");
      evaluate(n, item);
      schema.range_key.clear();
      check_key_condition(n, schema);
      break;
    }
    case ExpressionKind::Update: {
      UpdateExpression update = parse_update(text, ph);
      ph.check_all_used();
      for (const AttributeMap* start : {&item, &empty}) {
        AttributeMap copy = *start;
        try {
          apply_update(update, copy);
        } catch (const Error&) {
          continue;  // the item makes the update impossible: DynamoDB's message, nothing changed
        }
        check_update_result(*start, copy);
      }
      break;
    }
    case ExpressionKind::Projection: {
      std::vector<Path> paths = parse_projection(text, ph);
      AttributeMap projected = project(paths, item);
      for (const auto& [name, v] : projected) {
        if (!item.count(name)) fuzz::fuzz_fail("a projection invented attribute " + name);
      }
      break;
    }
  }
  ph.check_all_used();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr ExpressionKind kKinds[] = {ExpressionKind::Condition, ExpressionKind::Filter,
                                              ExpressionKind::KeyCondition, ExpressionKind::Update,
                                              ExpressionKind::Projection};
  ExpressionKind kind = kKinds[data[0] % 5];
  std::vector<std::string_view> fields =
      fuzz::split_fields(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), 3);

  std::map<std::string, std::string> names;
  AttributeMap values;
  Placeholders ph;
  if (fields.size() == 1) {
    ph.names = &default_names();
    ph.values = &default_values();
  } else {
    if (!fields[1].empty()) {
      if (!parse_names(fields[1], &names)) return 0;
      ph.names = &names;
    }
    if (fields.size() > 2 && !fields[2].empty()) {
      if (!parse_values(fields[2], &values)) return 0;
      ph.values = &values;
    }
  }
  try {
    run(kind, fields[0], ph);
  } catch (const Error& e) {
    if (e.http_status() != 400 || e.message().empty()) fuzz::fuzz_fail("an expression error without a message");
  }
  return 0;
}
