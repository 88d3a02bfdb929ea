// api/shapes.h — checks a request body against DynamoDB's service model, as the service's framework does.
//
// Every operation's input shape, with its required members and constraints (length, range, enum, pattern),
// comes from botocore's service model (generated into shapes_data.inc by tools/gen_shapes.py). check_request
// throws SerializationException when a value has the wrong JSON type for its shape, and ValidationException
// "N validation error(s) detected: ..." listing every constraint violation. AttributeValue contents are not
// descended into: the item codec checks those with its own messages.
#pragma once

#include <string_view>

namespace simdjson::dom {
class element;
}

namespace ddb::api {

// The index of an operation in the service model, or -1 when the model has no such operation.
int find_operation(std::string_view name);

// Checks the parsed body of a request for the operation returned by find_operation.
void check_request(int operation, const simdjson::dom::element& body);

}  // namespace ddb::api
