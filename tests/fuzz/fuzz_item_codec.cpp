// fuzz_item_codec — the stored form of items (storage/item_codec.h) and DynamoDB JSON attribute values
// (api/attribute_json.h).
//
// The first byte chooses the mode:
//   0: the rest is a stored record. decode_item and write_item_json must either throw std::runtime_error
//      (a corrupt record is an error, never undefined behaviour) or succeed, and they must agree; what
//      decodes re-encodes to a record that decodes to the same item.
//   1: the rest is a DynamoDB JSON attribute map (an Item). parse_attribute_map either throws ddb::Error or
//      answers a valid item that writes to JSON which parses back to the same item and writes identically;
//      the item codec round-trips it, and write_item_json of its record writes that same JSON.
//   2: byte 1 and 2 choose a mutation, the rest is a JSON item as in mode 1: its record, truncated at
//      every length and with one byte changed, must decode or fail cleanly as in mode 0.
//   3: the rest is two key values (S or B bytes) separated by NUL: their key encodings order as unsigned
//      bytes do and neither is a prefix of the other.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "api/attribute_json.h"
#include "model/error.h"
#include "model/json_writer.h"
#include "storage/item_codec.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ddb;
using ddb::fuzz::fuzz_fail;

namespace {

// Decodes a record both ways; answers whether it is well formed.
bool decode_checked(std::string_view bytes, AttributeMap* out) {
  bool decoded = false, written = false;
  try {
    *out = storage::decode_item(bytes);
    decoded = true;
  } catch (const std::runtime_error&) {
  }
  std::string json;
  try {
    JsonWriter w(json);
    storage::write_item_json(bytes, w);
    written = true;
  } catch (const std::runtime_error&) {
  }
  if (decoded != written) fuzz_fail("decode_item and write_item_json disagree on whether a record is corrupt");
  if (!decoded) return false;
  std::string again;
  storage::encode_item(*out, again);
  if (storage::decode_item(again) != *out) fuzz_fail("a decoded item does not round-trip");
  return true;
}

bool parse_json(simdjson::dom::parser& parser, const simdjson::padded_string& text, simdjson::dom::element* e) {
  return parser.parse(text).get(*e) == simdjson::SUCCESS;
}

std::string to_json(const AttributeMap& item) {
  std::string out;
  JsonWriter w(out);
  api::write_attribute_map(w, item);
  return out;
}

// Mode 1: answers the item when the JSON is a valid item.
bool json_round_trip(std::string_view text, AttributeMap* item) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element e;
  if (!parse_json(parser, padded, &e)) return false;
  try {
    *item = api::parse_attribute_map(e);
  } catch (const Error& error) {
    if (error.http_status() != 400) fuzz_fail("an attribute error that is not a 400");
    return false;
  }
  std::string problem = fuzz::item_problem(*item);
  if (!problem.empty()) fuzz_fail("an invalid item was accepted: " + problem);

  std::string json = to_json(*item);
  simdjson::dom::parser parser2;
  simdjson::padded_string padded2(json);
  simdjson::dom::element e2;
  if (!parse_json(parser2, padded2, &e2)) fuzz_fail("write_attribute_map wrote invalid JSON: " + json);
  AttributeMap again;
  try {
    again = api::parse_attribute_map(e2);
  } catch (const Error& error) {
    fuzz_fail("written JSON is refused: " + json + ": " + error.message());
  }
  if (again != *item) fuzz_fail("JSON round trip changed the item: " + json);
  if (to_json(again) != json) fuzz_fail("JSON round trip is not stable: " + json);

  std::string record;
  storage::encode_item(*item, record);
  if (storage::decode_item(record) != *item) fuzz_fail("the item codec changed an item: " + json);
  std::string from_record;
  JsonWriter w(from_record);
  storage::write_item_json(record, w);
  if (from_record != json)
    fuzz_fail("write_item_json differs from write_attribute_map: " + from_record + " vs " + json);
  (void)storage::item_size(*item);
  return true;
}

void mutations(uint8_t position, uint8_t value, std::string_view text) {
  AttributeMap item;
  if (!json_round_trip(text, &item)) return;
  std::string record;
  storage::encode_item(item, record);
  AttributeMap ignored;
  for (size_t n = 0; n < record.size(); ++n) {
    if (decode_checked(std::string_view(record).substr(0, n), &ignored) && n == 0) {
      fuzz_fail("an empty record decoded");
    }
  }
  if (!record.empty()) {
    std::string changed = record;
    changed[position % changed.size()] = char(value);
    decode_checked(changed, &ignored);
    changed.insert(changed.begin() + position % changed.size(), char(value));
    decode_checked(changed, &ignored);
  }
}

void key_order(std::string_view in) {
  size_t nul = in.find('\0');
  std::string a(in.substr(0, nul)), b(nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1));
  for (AttrType t : {AttrType::S, AttrType::B}) {
    AttributeValue va, vb;
    va.type = vb.type = t;
    va.scalar = a;
    vb.scalar = b;
    std::string ka, kb;
    storage::encode_key_value(va, ka);
    storage::encode_key_value(vb, kb);
    int by_bytes = a < b ? -1 : a > b;
    int by_key = ka < kb ? -1 : ka > kb;
    if (by_bytes != by_key) fuzz_fail("key encoding order differs from byte order");
    if (a != b && (ka.compare(0, kb.size(), kb) == 0 || kb.compare(0, ka.size(), ka) == 0)) {
      fuzz_fail("one key encoding is a prefix of another");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  AttributeMap item;
  switch (data[0] % 4) {
    case 0: decode_checked(rest, &item); break;
    case 1: json_round_trip(rest, &item); break;
    case 2:
      if (rest.size() < 2) return 0;
      mutations(uint8_t(rest[0]), uint8_t(rest[1]), rest.substr(2));
      break;
    case 3: key_order(rest); break;
  }
  return 0;
}
