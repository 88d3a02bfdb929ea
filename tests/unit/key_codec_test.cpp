#include "storage/key_codec.h"

#include <gtest/gtest.h>

using namespace ddb::storage::keys;

TEST(KeyCodec, BigEndianIntegersSortNumerically) {
  std::string a, b;
  append_u32(a, 255);
  append_u32(b, 256);
  EXPECT_LT(a, b);
  EXPECT_EQ(read_u32(a), 255u);
  std::string c;
  append_u64(c, 0x0102030405060708ull);
  EXPECT_EQ(read_u64(c), 0x0102030405060708ull);
}

TEST(KeyCodec, CatalogKeysOfOneNamespaceShareItsPrefix) {
  std::string p = catalog_prefix("AKID_us-east-1");
  EXPECT_EQ(catalog_key("AKID_us-east-1", "orders").substr(0, p.size()), p);
  // A namespace that extends another's name never falls inside the other's prefix range.
  EXPECT_NE(catalog_key("AKID_us-east-10", "x").substr(0, p.size()), p);
}

TEST(KeyCodec, IdRangeCoversExactlyOneId) {
  std::string begin = id_prefix(kItem, 7), end = id_prefix_end(kItem, 7);
  std::string inside = begin + "anything";
  EXPECT_LE(begin, inside);
  EXPECT_LT(inside, end);
  EXPECT_EQ(end, id_prefix(kItem, 8));
  EXPECT_EQ(id_prefix_end(kItem, UINT32_MAX), std::string(1, char(kItem + 1)));
}
