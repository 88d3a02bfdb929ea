// model/base64.h — standard base64 (RFC 4648, with padding), as DynamoDB's B values travel on the wire.
#pragma once

#include <string>
#include <string_view>

namespace ddb {

std::string base64_encode(std::string_view bytes);
void base64_encode_to(std::string_view bytes, std::string& out);
// Decodes strictly (padding required, no whitespace). On failure returns false and sets *error to the
// message the service's deserialiser gives.
bool base64_decode(std::string_view text, std::string* out, std::string* error);

}  // namespace ddb
