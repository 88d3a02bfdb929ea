// The stored forms: the item codec, the order-preserving key encoding, DynamoDB's item size rule.
#include "storage/item_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <stdexcept>

#include "api/attribute_json.h"
#include "expressions/number.h"

using namespace ddb;
using namespace ddb::storage;

namespace {

std::string key_of(const AttributeValue& v) {
  std::string out;
  encode_key_value(v, out);
  return out;
}

AttributeValue N(const std::string& text) {
  Number n;
  std::string error;
  EXPECT_TRUE(Number::parse(text, &n, &error)) << text;
  return AttributeValue::number(n.to_string());
}

}  // namespace

TEST(ItemCodec, EveryTypeRoundTrips) {
  AttributeValue list;
  list.type = AttrType::L;
  list.list = {AttributeValue::string("x"), N("-1.5"), AttributeValue::null()};
  AttributeValue map;
  map.type = AttrType::M;
  map.map = {{"inner", list}, {"", AttributeValue::boolean_of(false)}};
  AttributeValue ss;
  ss.type = AttrType::SS;
  ss.set = {"b", "a"};
  AttributeValue bs;
  bs.type = AttrType::BS;
  bs.set = {std::string("\0\1", 2)};
  AttributeMap item = {{"s", AttributeValue::string(std::string("with\0nul", 8))},
                       {"n", N("1e125")},
                       {"b", AttributeValue::binary("\xff\x00")},
                       {"t", AttributeValue::boolean_of(true)},
                       {"m", map},
                       {"ss", ss},
                       {"bs", bs}};
  std::string bytes;
  encode_item(item, bytes);
  EXPECT_EQ(decode_item(bytes), item);
  EXPECT_THROW(decode_item(bytes.substr(0, bytes.size() - 1)), std::runtime_error);
}

TEST(KeyEncoding, NumbersSortNumerically) {
  std::vector<std::string> texts = {"-1e125", "-100", "-99.5", "-1",  "-0.5", "-0.0001", "-1e-130", "0",   "1e-130",
                                    "0.0001", "0.5",  "1",     "1.5", "2",    "10",      "99.99",   "100", "1e125"};
  for (size_t i = 0; i + 1 < texts.size(); ++i) {
    EXPECT_LT(key_of(N(texts[i])), key_of(N(texts[i + 1]))) << texts[i] << " < " << texts[i + 1];
  }
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> mantissa(-999999, 999999), exponent(-20, 20);
  for (int i = 0; i < 2000; ++i) {
    AttributeValue a = N(std::to_string(mantissa(rng)) + "e" + std::to_string(exponent(rng)));
    AttributeValue b = N(std::to_string(mantissa(rng)) + "e" + std::to_string(exponent(rng)));
    int by_value = Number::from_canonical(a.scalar).compare(Number::from_canonical(b.scalar));
    int by_key = key_of(a).compare(key_of(b));
    EXPECT_EQ(by_value < 0, by_key < 0) << a.scalar << " vs " << b.scalar;
    EXPECT_EQ(by_value == 0, by_key == 0) << a.scalar << " vs " << b.scalar;
  }
}

TEST(KeyEncoding, StringsAndBinariesSortByUnsignedBytesAndArePrefixFree) {
  std::vector<std::string> values = {"",
                                     std::string("\0", 1),
                                     std::string("\0\0", 2),
                                     std::string("\0\1", 2),
                                     "\x01",
                                     "A",
                                     "a",
                                     "a b",
                                     "aa",
                                     "ab",
                                     "\x7f",
                                     "\xc3\xa9",
                                     "\xff",
                                     "\xff\xff"};
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    EXPECT_LT(key_of(AttributeValue::binary(values[i])), key_of(AttributeValue::binary(values[i + 1])));
  }
  // Prefix-free: a key followed by more bytes still sorts by the key first.
  EXPECT_LT(key_of(AttributeValue::string("a")) + "\xff\xff", key_of(AttributeValue::string("a\x01")));
}

TEST(ItemSize, FollowsDynamoDBsRules) {
  auto size_of = [](const AttributeValue& v) { return attribute_value_size(v); };
  EXPECT_EQ(size_of(N("0")), 1u);
  EXPECT_EQ(size_of(N("123")), 3u);
  EXPECT_EQ(size_of(N("12345")), 4u);
  EXPECT_EQ(size_of(N("-123")), 4u);
  EXPECT_EQ(size_of(N("1.5")), 3u);
  EXPECT_EQ(size_of(N("0.05")), 2u);
  EXPECT_EQ(size_of(N("12.34")), 3u);
  EXPECT_EQ(size_of(N("123.4")), 4u);
  EXPECT_EQ(size_of(N("12345678901234567890123456789012345678")), 20u);
  EXPECT_EQ(size_of(AttributeValue::string("\xc3\xa9")), 2u);  // UTF-8 bytes
  EXPECT_EQ(size_of(AttributeValue::boolean_of(true)), 1u);
  AttributeValue l;
  l.type = AttrType::L;
  l.list = {AttributeValue::string("ab"), AttributeValue::null()};
  EXPECT_EQ(size_of(l), 3u + (1 + 2) + (1 + 1));
  AttributeMap item = {{"pk", AttributeValue::string("k")}, {"v", AttributeValue::string(std::string(409596, 'x'))}};
  EXPECT_EQ(item_size(item), 409600u);
}

TEST(ItemCodec, StoredItemsWriteTheSameJsonAsDecodedOnes) {
  AttributeValue inner;
  inner.type = AttrType::M;
  inner.map = {{"l", AttributeValue()}, {"quote\"", AttributeValue::string("a\nb")}};
  AttributeValue bs;
  bs.type = AttrType::BS;
  bs.set = {std::string("\0\xff", 2), "x"};
  AttributeValue ns;
  ns.type = AttrType::NS;
  ns.set = {"1.5", "-2"};
  AttributeMap item = {{"b", AttributeValue::binary("\x01\x02\x03")}, {"bs", bs}, {"m", inner}, {"n", N("12")},
                       {"ns", ns}, {"t", AttributeValue::boolean_of(false)}};
  std::string bytes, direct, decoded;
  encode_item(item, bytes);
  JsonWriter w1(direct);
  write_item_json(bytes, w1);
  JsonWriter w2(decoded);
  ddb::api::write_attribute_map(w2, item);
  EXPECT_EQ(direct, decoded);
}

// Found by tests/fuzz/fuzz_item_codec: a corrupt record is a std::runtime_error from both readers, never an
// allocation sized by a garbage count (std::length_error, or an out-of-memory abort) or a stack overflow.
TEST(ItemCodec, CorruptRecordsAreErrors) {
  auto both_refuse = [](const std::string& bytes) {
    EXPECT_THROW(decode_item(bytes), std::runtime_error);
    std::string json;
    JsonWriter w(json);
    EXPECT_THROW(write_item_json(bytes, w), std::runtime_error);
  };
  const std::string huge_count = "\xff\xff\xff\xff\xff\xff\xff\xff\x7f";           // 2^63 - 1
  const std::string attribute_a = {'\x01', '\x01', 'a'};                           // a map of one attribute, "a"
  both_refuse(attribute_a + '\x08' + huge_count);                                  // {a: NS of 2^63 - 1 members}
  both_refuse(attribute_a + '\x06' + huge_count);                                  // {a: L of 2^63 - 1 elements}
  both_refuse(attribute_a + std::string{'\x07', '\xff', '\xff', '\xff', '\x0f'});  // {a: SS of 2^32 - 1 members}
  both_refuse(huge_count);                                                         // a map of 2^63 - 1 attributes
  both_refuse(attribute_a + '\x01' + huge_count);                                  // {a: N of 2^63 - 1 bytes}
  both_refuse(std::string(11, '\x80'));                                            // a varint that never ends
  // {a: [[[[...]]]]} nested 100000 deep: refused by depth, not by the stack.
  std::string deep = attribute_a;
  for (int i = 0; i < 100000; ++i) deep += {'\x06', '\x01'};
  deep += '\x04';
  both_refuse(deep);
}

TEST(ItemCodec, NestingUpToTheLimitDecodes) {
  AttributeValue v = AttributeValue::string("leaf");
  for (int i = 0; i < 200; ++i) {
    AttributeValue outer;
    outer.type = i % 2 ? AttrType::L : AttrType::M;
    if (outer.type == AttrType::L) {
      outer.list.push_back(std::move(v));
    } else {
      outer.map.emplace("k", std::move(v));
    }
    v = std::move(outer);
  }
  AttributeMap item = {{"a", v}};
  std::string bytes;
  encode_item(item, bytes);
  EXPECT_EQ(decode_item(bytes), item);
}
