#include "expressions/number.h"

#include <gtest/gtest.h>

using ddb::Number;

namespace {

std::string canonical(const char* text) {
  Number n;
  std::string error;
  if (!Number::parse(text, &n, &error)) return "error: " + error;
  return n.to_string();
}

std::string sum(const char* a, const char* b, bool subtract = false) {
  Number x = Number::from_canonical(a), y = Number::from_canonical(b), r;
  std::string error;
  bool ok = subtract ? Number::subtract(x, y, &r, &error) : Number::add(x, y, &r, &error);
  return ok ? r.to_string() : "error: " + error;
}

const std::string kNotANumber = "error: A value provided cannot be converted into a number";

}  // namespace

TEST(Number, CanonicalFormIsPlainAndNormalised) {
  EXPECT_EQ(canonical("1.50"), "1.5");
  EXPECT_EQ(canonical("0.0"), "0");
  EXPECT_EQ(canonical("-0"), "0");
  EXPECT_EQ(canonical("0e10"), "0");
  EXPECT_EQ(canonical("1e2"), "100");
  EXPECT_EQ(canonical("1E+2"), "100");
  EXPECT_EQ(canonical("1.0e-2"), "0.01");
  EXPECT_EQ(canonical(".5"), "0.5");
  EXPECT_EQ(canonical("5."), "5");
  EXPECT_EQ(canonical("+5"), "5");
  EXPECT_EQ(canonical("007"), "7");
  EXPECT_EQ(canonical("1.23E5"), "123000");
  EXPECT_EQ(canonical("12.e1"), "120");
  EXPECT_EQ(canonical("123.4500"), "123.45");
  EXPECT_EQ(canonical("-1.50"), "-1.5");
  EXPECT_EQ(canonical("1000"), "1000");
}

TEST(Number, LimitsOfMagnitude) {
  EXPECT_EQ(canonical("1e-130"), "0." + std::string(129, '0') + "1");
  EXPECT_EQ(canonical("-1e-130"), "-0." + std::string(129, '0') + "1");
  EXPECT_EQ(canonical("1e125"), "1" + std::string(125, '0'));
  EXPECT_EQ(canonical("9.9999999999999999999999999999999999999E+125"), std::string(38, '9') + std::string(88, '0'));
  EXPECT_EQ(canonical("1e126"),
            "error: Number overflow. Attempting to store a number with magnitude larger than supported range");
  EXPECT_EQ(canonical("-1e126"),
            "error: Number overflow. Attempting to store a number with magnitude larger than supported range");
  EXPECT_EQ(canonical("1e-131"),
            "error: Number underflow. Attempting to store a number with magnitude smaller than supported range");
}

TEST(Number, ThirtyEightSignificantDigits) {
  EXPECT_EQ(canonical("12345678901234567890123456789012345678"), "12345678901234567890123456789012345678");
  EXPECT_EQ(canonical("123456789012345678901234567890123456789"),
            "error: DynamoDB only supports precision up to 38 digits");
  EXPECT_EQ(canonical("1.23456789012345678901234567890123456789"),
            "error: DynamoDB only supports precision up to 38 digits");
  // Leading and trailing zeros are not significant.
  EXPECT_EQ(canonical("1234567890123456789012345678901234567800000"), "1234567890123456789012345678901234567800000");
  EXPECT_EQ(canonical("0.000000000012345678901234567890123456789012345678"),
            "0.000000000012345678901234567890123456789012345678");
  EXPECT_EQ(canonical("1.000000000000000000000000000000000000000"), "1");
}

TEST(Number, RejectsWhatIsNotADecimalNumber) {
  for (const char* bad : {"",
                          " 1",
                          "1 ",
                          "abc",
                          "0x10",
                          "Infinity",
                          "NaN",
                          "-Infinity",
                          "-",
                          "1e",
                          "e5",
                          "1.2.3",
                          "--1",
                          "1,000",
                          "1_000",
                          "+-1",
                          "1d",
                          "1.5f",
                          "\xc2\xa0"
                          "1",
                          "."}) {
    EXPECT_EQ(canonical(bad), kNotANumber) << bad;
  }
}

TEST(Number, ComparesNumerically) {
  auto cmp = [](const char* a, const char* b) { return Number::from_canonical(a).compare(Number::from_canonical(b)); };
  EXPECT_LT(cmp("2", "10"), 0);
  EXPECT_LT(cmp("-10", "-2"), 0);
  EXPECT_LT(cmp("1.9", "2"), 0);
  EXPECT_EQ(cmp("1.5", "1.50"), 0);
  EXPECT_LT(cmp("-1", "0"), 0);
  EXPECT_GT(cmp("0.001", "0"), 0);
  EXPECT_LT(cmp("1e-130", "1e125"), 0);
}

TEST(Number, ExactArithmetic) {
  EXPECT_EQ(sum("0.1", "0.2"), "0.3");
  EXPECT_EQ(sum("1e125", "1e125"), "2" + std::string(125, '0'));
  EXPECT_EQ(sum("-5", "-5", true), "0");
  EXPECT_EQ(sum("99999999999999999999999999999999999999", "1"), "1" + std::string(38, '0'));
  EXPECT_EQ(sum("1.0000000000000000000000000000000000001", "1"), "2.0000000000000000000000000000000000001");
  EXPECT_EQ(sum("1", "3.5", true), "-2.5");
  EXPECT_EQ(sum("12345678901234567890123456789012345678", "0.1"),
            "error: DynamoDB only supports precision up to 38 digits");
  // 9.99..E125 + 1e125 has 39 digits before it overflows: precision is reported first.
  EXPECT_EQ(sum("9.9999999999999999999999999999999999999E+125", "1e125"),
            "error: DynamoDB only supports precision up to 38 digits");
  EXPECT_EQ(sum("5e125", "5e125"),
            "error: Number overflow. Attempting to store a number with magnitude larger than supported range");
  EXPECT_EQ(sum("1.1e-130", "1e-130", true),
            "error: Number underflow. Attempting to store a number with magnitude smaller than supported range");
  EXPECT_EQ(sum("1e-130", "1e-130", true), "0");
}
