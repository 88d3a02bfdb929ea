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

// Found by tests/fuzz/fuzz_http: an Authorization header with bytes that are not UTF-8, echoed in an
// IncompleteSignatureException message, made the answer invalid JSON. Stray bytes are written as the Latin-1
// characters they are; well-formed UTF-8 passes unchanged.
TEST(JsonWriter, AnswersAreUtf8EvenForStrayBytes) {
  auto json = [](const std::string& s) {
    std::string out;
    JsonWriter(out).string(s);
    return out;
  };
  EXPECT_EQ(json("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  EXPECT_EQ(json("a\xbd!"), R"("a\u00bd!")");
  EXPECT_EQ(json("\xc3"), R"("\u00c3")");                                // truncated sequence
  EXPECT_EQ(json("\xc0\xaf"), R"("\u00c0\u00af")");                      // overlong '/'
  EXPECT_EQ(json("\xed\xa0\x80"), R"("\u00ed\u00a0\u0080")");            // a UTF-16 surrogate
  EXPECT_EQ(json("\xf4\x90\x80\x80"), R"("\u00f4\u0090\u0080\u0080")");  // above U+10FFFF
  EXPECT_EQ(json("\xe2\x82!"), R"("\u00e2\u0082!")");
}
