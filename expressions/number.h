// expressions/number.h — DynamoDB's exact decimal numbers.
//
// A Number holds up to 38 significant decimal digits and a magnitude from 1E-130 to
// 9.9999999999999999999999999999999999999E+125, or zero; no binary floating point anywhere. Parsing
// validates DynamoDB's rules and normalises ("1.50" and "15E-1" are the same number, written "1.5").
// Arithmetic is exact; a result outside the limits is an error, never a rounded value.
#pragma once

#include <string>
#include <string_view>

namespace ddb {

class Number {
 public:
  Number() = default;  // zero

  // Parses DynamoDB number text. On failure returns false and sets *error to DynamoDB's message.
  static bool parse(std::string_view text, Number* out, std::string* error);
  // Parses text that is known to be valid (e.g. canonical text read back from storage).
  static Number from_canonical(std::string_view text);

  // The canonical text DynamoDB answers with.
  std::string to_string() const;

  bool is_zero() const { return digits_.empty(); }
  bool negative() const { return negative_; }
  // value = 0.d1d2d3... x 10^(exponent+1), i.e. d1.d2d3... x 10^exponent (for non-zero values).
  int exponent() const { return exponent_; }
  const std::string& digits() const { return digits_; }

  // <0, 0, >0.
  int compare(const Number& other) const;
  bool operator==(const Number& o) const { return compare(o) == 0; }
  bool operator<(const Number& o) const { return compare(o) < 0; }

  // Exact sum and difference. On overflow, underflow or more than 38 significant digits returns false
  // and sets *error to DynamoDB's message.
  static bool add(const Number& a, const Number& b, Number* out, std::string* error);
  static bool subtract(const Number& a, const Number& b, Number* out, std::string* error);

  static constexpr int kMaxDigits = 38;
  static constexpr int kMinExponent = -130;
  static constexpr int kMaxExponent = 125;

 private:
  // Checks the limits of a normalised value; sets *error when outside them.
  bool within_limits(std::string* error) const;
  void normalise();

  bool negative_ = false;
  int exponent_ = 0;
  std::string digits_;  // significant digits, no leading or trailing zeros; empty for zero
};

}  // namespace ddb
