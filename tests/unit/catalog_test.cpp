#include "storage/catalog.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "storage/store.h"

using namespace ddb::storage;

namespace {

TableDef make_table(const std::string& ns, const std::string& name) {
  TableDef d;
  d.ns = ns;
  d.region = "us-east-1";
  d.name = name;
  d.table_uuid = "uuid-" + name;
  d.attribute_definitions = {{"pk", "S"}, {"sk", "N"}};
  d.key_schema = {{"pk", "HASH"}, {"sk", "RANGE"}};
  d.billing_mode = "PROVISIONED";
  d.read_capacity_units = 5;
  d.write_capacity_units = 7;
  d.creation_millis = 1700000000123;
  d.tags = {{"env", "test"}};
  return d;
}

}  // namespace

TEST(Catalog, DefinitionRoundTripsThroughItsStoredForm) {
  TableDef d = make_table("ns", "orders");
  d.id = 42;
  d.sse_enabled = true;
  d.sse_type = "KMS";
  TableDef back = TableDef::deserialize(d.serialize());
  EXPECT_EQ(back.serialize(), d.serialize());
  EXPECT_EQ(back.range_key(), "sk");
  EXPECT_EQ(back.attribute_type("sk"), "N");
  EXPECT_EQ(back.arn(), "arn:aws:dynamodb:us-east-1:000000000000:table/orders");
}

TEST(Catalog, NamesAreUniquePerNamespaceAndListedInByteOrder) {
  auto store = Store::open({"", true});
  Catalog catalog(*store);
  EXPECT_TRUE(catalog.create(make_table("a", "b-1")));
  EXPECT_TRUE(catalog.create(make_table("a", "B")));
  EXPECT_TRUE(catalog.create(make_table("a", "b.1")));
  EXPECT_FALSE(catalog.create(make_table("a", "B")));
  EXPECT_TRUE(catalog.create(make_table("other", "B")));
  bool more = false;
  auto names = catalog.list("a", "", 2, &more);
  EXPECT_EQ(names, (std::vector<std::string>{"B", "b-1"}));
  EXPECT_TRUE(more);
  names = catalog.list("a", "b-1", 2, &more);
  EXPECT_EQ(names, (std::vector<std::string>{"b.1"}));
  EXPECT_FALSE(more);
  EXPECT_NE(catalog.find("a", "B")->id, catalog.find("other", "B")->id);
}

TEST(Catalog, TablesSurviveReopeningTheStore) {
  auto dir = std::filesystem::temp_directory_path() / ("ddblocal-catalog-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  uint32_t first_id;
  {
    auto store = Store::open({dir.string(), false});
    Catalog catalog(*store);
    ASSERT_TRUE(catalog.create(make_table("ns", "kept")));
    ASSERT_TRUE(catalog.create(make_table("ns", "dropped")));
    first_id = catalog.find("ns", "dropped")->id;
    ASSERT_NE(catalog.remove("ns", "dropped"), nullptr);
  }
  {
    auto store = Store::open({dir.string(), false});
    Catalog catalog(*store);
    ASSERT_NE(catalog.find("ns", "kept"), nullptr);
    EXPECT_EQ(catalog.find("ns", "kept")->write_capacity_units, 7);
    EXPECT_EQ(catalog.find("ns", "dropped"), nullptr);
    // Ids are never reused, even for a dropped table.
    ASSERT_TRUE(catalog.create(make_table("ns", "dropped")));
    EXPECT_GT(catalog.find("ns", "dropped")->id, first_id);
  }
  std::filesystem::remove_all(dir);
}
