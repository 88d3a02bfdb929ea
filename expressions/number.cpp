#include "expressions/number.h"

#include <algorithm>

namespace ddb {

namespace {

const char* kNotANumber = "A value provided cannot be converted into a number";
const char* kTooManyDigits = "DynamoDB only supports precision up to 38 digits";
const char* kOverflow = "Number overflow. Attempting to store a number with magnitude larger than supported range";
const char* kUnderflow = "Number underflow. Attempting to store a number with magnitude smaller than supported range";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Unsigned integer digit strings (no sign, possibly with leading zeros).
std::string add_digits(const std::string& a, const std::string& b) {
  std::string r;
  r.reserve(std::max(a.size(), b.size()) + 1);
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int d = carry;
    if (i < a.size()) d += a[a.size() - 1 - i] - '0';
    if (i < b.size()) d += b[b.size() - 1 - i] - '0';
    r.push_back(char('0' + d % 10));
    carry = d / 10;
  }
  std::reverse(r.begin(), r.end());
  return r;
}

// a - b for a >= b.
std::string sub_digits(const std::string& a, const std::string& b) {
  std::string r;
  r.reserve(a.size());
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int d = (a[a.size() - 1 - i] - '0') - borrow - (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
    borrow = d < 0;
    if (d < 0) d += 10;
    r.push_back(char('0' + d));
  }
  std::reverse(r.begin(), r.end());
  return r;
}

int compare_digits(const std::string& a, const std::string& b) {  // equal-length-insensitive integer compare
  size_t ia = a.find_first_not_of('0'), ib = b.find_first_not_of('0');
  std::string_view x = ia == std::string::npos ? "" : std::string_view(a).substr(ia);
  std::string_view y = ib == std::string::npos ? "" : std::string_view(b).substr(ib);
  if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
  int c = x.compare(y);
  return c < 0 ? -1 : c > 0;
}

}  // namespace

void Number::normalise() {
  size_t lead = digits_.find_first_not_of('0');
  if (lead == std::string::npos) {
    digits_.clear();
    negative_ = false;
    exponent_ = 0;
    return;
  }
  exponent_ -= int(lead);
  digits_.erase(0, lead);
  digits_.erase(digits_.find_last_not_of('0') + 1);
}

bool Number::within_limits(std::string* error) const {
  if (digits_.empty()) return true;
  if (int(digits_.size()) > kMaxDigits) {
    *error = kTooManyDigits;
    return false;
  }
  if (exponent_ > kMaxExponent) {
    *error = kOverflow;
    return false;
  }
  if (exponent_ < kMinExponent) {
    *error = kUnderflow;
    return false;
  }
  return true;
}

bool Number::parse(std::string_view s, Number* out, std::string* error) {
  Number n;
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) n.negative_ = s[i++] == '-';
  std::string digits;
  int int_digits = 0;
  bool any_digit = false, dot = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (is_digit(c)) {
      any_digit = true;
      digits.push_back(c);
      if (!dot) ++int_digits;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any_digit) {
    *error = kNotANumber;
    return false;
  }
  long long exp10 = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) exp_negative = s[i++] == '-';
    if (i >= s.size() || !is_digit(s[i])) {
      *error = kNotANumber;
      return false;
    }
    for (; i < s.size() && is_digit(s[i]); ++i) {
      if (exp10 < 100000000) exp10 = exp10 * 10 + (s[i] - '0');
    }
    if (exp_negative) exp10 = -exp10;
  }
  if (i != s.size()) {
    *error = kNotANumber;
    return false;
  }
  // digits d1..dk with int_digits before the point: value = 0.d1..dk x 10^int_digits = d1.d2.. x 10^(int_digits-1)
  n.digits_ = std::move(digits);
  long long e = exp10 + int_digits - 1;
  n.exponent_ = int(std::clamp(e, -1000000LL, 1000000LL));
  n.normalise();
  if (!n.within_limits(error)) return false;
  *out = std::move(n);
  return true;
}

Number Number::from_canonical(std::string_view text) {
  Number n;
  std::string ignored;
  parse(text, &n, &ignored);
  return n;
}

std::string Number::to_string() const {
  if (digits_.empty()) return "0";
  std::string s;
  if (negative_) s.push_back('-');
  int len = int(digits_.size());
  if (exponent_ < 0) {
    s.append("0.");
    s.append(size_t(-exponent_ - 1), '0');
    s.append(digits_);
  } else if (exponent_ >= len - 1) {
    s.append(digits_);
    s.append(size_t(exponent_ - (len - 1)), '0');
  } else {
    s.append(digits_, 0, size_t(exponent_ + 1));
    s.push_back('.');
    s.append(digits_, size_t(exponent_ + 1), std::string::npos);
  }
  return s;
}

int Number::compare(const Number& o) const {
  if (is_zero() || o.is_zero()) {
    int a = is_zero() ? 0 : (negative_ ? -1 : 1);
    int b = o.is_zero() ? 0 : (o.negative_ ? -1 : 1);
    return (a > b) - (a < b);
  }
  if (negative_ != o.negative_) return negative_ ? -1 : 1;
  int magnitude;
  if (exponent_ != o.exponent_) {
    magnitude = exponent_ < o.exponent_ ? -1 : 1;
  } else {
    int c = digits_.compare(o.digits_);
    magnitude = (c > 0) - (c < 0);
  }
  return negative_ ? -magnitude : magnitude;
}

bool Number::add(const Number& a, const Number& b, Number* out, std::string* error) {
  if (a.is_zero() || b.is_zero()) {
    *out = a.is_zero() ? b : a;
    return true;
  }
  // As integers scaled by 10^q, q the exponent of the last digit.
  int qa = a.exponent_ - int(a.digits_.size()) + 1, qb = b.exponent_ - int(b.digits_.size()) + 1;
  int q = std::min(qa, qb);
  std::string da = a.digits_ + std::string(size_t(qa - q), '0');
  std::string db = b.digits_ + std::string(size_t(qb - q), '0');
  Number r;
  if (a.negative_ == b.negative_) {
    r.digits_ = add_digits(da, db);
    r.negative_ = a.negative_;
  } else if (compare_digits(da, db) >= 0) {
    r.digits_ = sub_digits(da, db);
    r.negative_ = a.negative_;
  } else {
    r.digits_ = sub_digits(db, da);
    r.negative_ = b.negative_;
  }
  r.exponent_ = q + int(r.digits_.size()) - 1;
  r.normalise();
  if (!r.within_limits(error)) return false;
  *out = std::move(r);
  return true;
}

bool Number::subtract(const Number& a, const Number& b, Number* out, std::string* error) {
  Number neg = b;
  if (!neg.is_zero()) neg.negative_ = !neg.negative_;
  return add(a, neg, out, error);
}

}  // namespace ddb
