#include "model/json_writer.h"

#include <gtest/gtest.h>

#include "model/error.h"

using ddb::JsonWriter;

TEST(JsonWriter, EscapesControlCharactersQuotesAndBackslashes) {
  std::string out;
  JsonWriter(out).string(std::string("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
}

TEST(JsonWriter, PlacesCommasBetweenMembersAndElements) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().member("a", int64_t(1)).key("b").begin_array().number(1).number(2).end_array();
  w.key("c").begin_object().end_object().member("d", true).end_object();
  EXPECT_EQ(out, R"({"a":1,"b":[1,2],"c":{},"d":true})");
}

TEST(JsonWriter, EpochSecondsKeepMillisecondsWithoutTrailingZeros) {
  std::string out;
  JsonWriter w(out);
  w.begin_array().epoch_seconds(1700000000123).epoch_seconds(1700000000100).epoch_seconds(1700000000000).end_array();
  EXPECT_EQ(out, "[1700000000.123,1700000000.1,1700000000]");
}

TEST(Error, BodyCarriesTypeAndMessage) {
  ddb::Error e = ddb::Error::resource_in_use("Table already exists: t");
  EXPECT_EQ(
      e.to_json(),
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException","message":"Table already exists: t"})");
}
