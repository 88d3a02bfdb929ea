// tests/unit/legacy_check_request.h — the request checker as it was before the typed decoder, kept for the
// differential tests in decode_test.cpp (see legacy_check_request.cpp).
#pragma once

#include <string>
#include <string_view>

namespace simdjson::dom {
class element;
}

namespace ddb::legacy {

// The index of an operation in the old service-model table, or -1.
int find_operation(std::string_view name);
// Throws what the old check_request threw for this body.
void check_request(int operation, const simdjson::dom::element& body);
// "" when `decoded` (a request decoded and encoded again) carries the members of `original`: every non-null
// member of each structure (its first occurrence) with the same value, list elements and map entries in order,
// attribute values compared as parsed values. Otherwise where they first differ.
std::string same_members(int operation, const simdjson::dom::element& original, const simdjson::dom::element& decoded);

}  // namespace ddb::legacy
