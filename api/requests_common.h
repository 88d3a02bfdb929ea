// api/requests_common.h — what the generated request and response types (api/requests.h,
// api/streams_requests.h) share.
//
// DynamoDB's attribute values are decoded into model types (model/attribute_value.h) rather than generated
// structs. The decoder checks their JSON shape with the rest of the request (a value of the wrong JSON type is
// the framework's SerializationException, before any violation), and parses their content with
// api/attribute_json.h. A content error (an empty set, a bad number, a null attribute) is not thrown by the
// decoder: the value keeps it and get() throws it, so an operation reports it where it reads the value, after
// the checks it makes first — the order in which the service reports errors.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "model/attribute_value.h"
#include "model/error.h"

namespace ddb::api {

// An AttributeValue member, element or map value of a request.
struct Attribute {
  AttributeValue value;
  std::shared_ptr<const Error> error;  // the content error, thrown by get()

  const AttributeValue& get() const {
    if (error) throw *error;
    return value;
  }
  AttributeValue& get() {
    if (error) throw *error;
    return value;
  }
};

// A map of attribute name to attribute value: an item (Item) or a key (Key, ExclusiveStartKey). The error is
// the first the item codec finds in request order (parse_attribute_map).
struct Attributes {
  AttributeMap value;
  std::shared_ptr<const Error> error;

  const AttributeMap& get() const {
    if (error) throw *error;
    return value;
  }
  AttributeMap& get() {
    if (error) throw *error;
    return value;
  }
};

// An item or a key in an answer (a map of attribute name to attribute value that only responses reach: Item,
// Items, LastEvaluatedKey, ...): its attributes, or an item's bytes as storage/item_codec.h stores them, which
// are written as JSON without being decoded (GetItem without a projection answers the stored item so).
struct ResponseAttributes {
  ResponseAttributes() = default;
  ResponseAttributes(AttributeMap v) : value(std::move(v)) {}  // NOLINT: an item converts implicitly

  AttributeMap value;
  std::optional<std::string> stored;  // when set, written instead of value
};

}  // namespace ddb::api
