// api/attribute_json.h — DynamoDB JSON attribute values <-> model::AttributeValue.
//
// Parsing validates every rule DynamoDB applies to a value on the wire (exactly one type, no empty sets,
// no duplicates, NULL must be true, numbers per expressions/number.h — stored canonical — and base64
// binaries) and throws ddb::Error with DynamoDB's message. Writing appends straight into a response buffer.
// Include only from api/*.cpp (simdjson).
#pragma once

#include <simdjson.h>

#include "model/attribute_value.h"
#include "model/json_writer.h"

namespace ddb::api {

AttributeValue parse_attribute_value(const simdjson::dom::element& e);
// A JSON object of name -> attribute value (Item, Key, ExpressionAttributeValues, ...).
AttributeMap parse_attribute_map(const simdjson::dom::element& e);

struct ResponseAttributes;

void write_attribute_value(JsonWriter& w, const AttributeValue& v);
void write_attribute_map(JsonWriter& w, const AttributeMap& m);
// The attributes, or the stored item's bytes written straight from the item codec.
void write_attribute_map(JsonWriter& w, const ResponseAttributes& m);

}  // namespace ddb::api
