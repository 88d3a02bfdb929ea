// The generated response encoders (api/requests.h): the model's member order, absent members omitted, and the
// texts the service writes for doubles (capacity units) and timestamps.
#include <gtest/gtest.h>

#include "api/attribute_json.h"
#include "api/requests.h"
#include "model/json_writer.h"
#include "storage/item_codec.h"

using namespace ddb;
using namespace ddb::api;

namespace {

template <class T>
std::string encoded(const T& value) {
  std::string out;
  JsonWriter w(out);
  req::encode(w, value);
  return out;
}

}  // namespace

TEST(Encode, AnEmptyOutputIsAnEmptyObject) {
  EXPECT_EQ(encoded(req::PutItemOutput{}), "{}");
  EXPECT_EQ(encoded(req::QueryOutput{}), "{}");
}

TEST(Encode, CapacityUnitsAreWrittenAsTheServiceWritesThem) {
  req::ConsumedCapacity c;
  c.TableName = "t";
  c.CapacityUnits = 1;
  c.Table.emplace().CapacityUnits = 0.5;
  c.GlobalSecondaryIndexes.emplace().emplace_back("g", req::Capacity{std::nullopt, std::nullopt, 2.5});
  c.LocalSecondaryIndexes.emplace().emplace_back("l", req::Capacity{std::nullopt, std::nullopt, 0.25});
  // The model's member order: LocalSecondaryIndexes before GlobalSecondaryIndexes.
  EXPECT_EQ(encoded(c),
            R"({"TableName":"t","CapacityUnits":1.0,"Table":{"CapacityUnits":0.5},)"
            R"("LocalSecondaryIndexes":{"l":{"CapacityUnits":0.25}},"GlobalSecondaryIndexes":{"g":{"CapacityUnits":2.5}}})");
  req::Capacity big{std::nullopt, std::nullopt, 12345678};
  EXPECT_EQ(encoded(big), R"({"CapacityUnits":12345678.0})");
  req::Capacity tenth{std::nullopt, std::nullopt, 0.1};
  EXPECT_EQ(encoded(tenth), R"({"CapacityUnits":0.1})");
  req::Capacity huge{std::nullopt, std::nullopt, 1e20};
  EXPECT_EQ(encoded(huge), R"({"CapacityUnits":1e+20})");
}

TEST(Encode, TimestampsAreEpochSecondsWithMilliseconds) {
  req::ProvisionedThroughputDescription p;
  p.LastIncreaseDateTime = 1700000000123 / 1000.0;
  p.LastDecreaseDateTime = 1700000000;
  p.ReadCapacityUnits = 5;
  EXPECT_EQ(encoded(p), R"({"LastIncreaseDateTime":1700000000.123,"LastDecreaseDateTime":1700000000,)"
                        R"("ReadCapacityUnits":5})");
}

TEST(Encode, AnItemIsWrittenFromItsAttributesOrFromItsStoredBytes) {
  AttributeMap item{{"pk", AttributeValue::string("a")}, {"n", AttributeValue::number("1.5")}};
  req::GetItemOutput decoded;
  decoded.Item.emplace().value = item;
  req::GetItemOutput stored;
  storage::encode_item(item, stored.Item.emplace().stored.emplace());
  EXPECT_EQ(encoded(decoded), R"({"Item":{"n":{"N":"1.5"},"pk":{"S":"a"}}})");
  EXPECT_EQ(encoded(stored), encoded(decoded));
}

TEST(Encode, EnumsReadTheirWireText) {
  EXPECT_EQ(req::enum_value<req::KeyType>("RANGE"), req::KeyType::RANGE);
  EXPECT_EQ(req::enum_value<req::ScalarAttributeType>("N"), req::ScalarAttributeType::N);
  EXPECT_EQ(req::enum_value<req::TableStatus>("ARCHIVED"), req::TableStatus::ARCHIVED);
  EXPECT_EQ(req::enum_value<req::TableStatus>("archived"), std::nullopt);
  EXPECT_EQ(req::name(req::TableStatus::ACTIVE), "ACTIVE");
}
