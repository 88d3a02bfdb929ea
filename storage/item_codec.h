// storage/item_codec.h — the stored forms of items and keys.
//
// encode_item/decode_item: a compact binary form of an AttributeMap (type tags, varint lengths), never
// JSON text. encode_key_value: an order-preserving, self-delimiting encoding of a key attribute (S and B
// by unsigned bytes, N numerically), so that byte order of stored keys is DynamoDB's key order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/attribute_value.h"
#include "model/json_writer.h"

namespace ddb::storage {

void encode_item(const AttributeMap& item, std::string& out);
// Throws std::runtime_error on a corrupt record.
AttributeMap decode_item(std::string_view bytes);

// Writes a stored item as DynamoDB JSON straight from its stored form (no AttributeMap in between), in the
// same shape as api's write_attribute_map. Throws std::runtime_error on a corrupt record.
void write_item_json(std::string_view bytes, JsonWriter& w);

// Appends the order-preserving form of a key value (S, N or B).
void encode_key_value(const AttributeValue& v, std::string& out);

// A stable 32-bit hash of a partition key's encoded form; partitions are stored in hash order, as the
// service's Scan returns them.
uint32_t partition_hash(std::string_view encoded_partition_key);

// DynamoDB's size of an item (attribute names and values, by its documented rules), in bytes.
size_t item_size(const AttributeMap& item);
size_t attribute_value_size(const AttributeValue& v);

}  // namespace ddb::storage
