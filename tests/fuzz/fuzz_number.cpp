// fuzz_number — exact decimal numbers (expressions/number.h) and the order-preserving key encodings
// (storage/item_codec.h encode_key_value, storage/key_codec.h).
//
// Input: two number texts separated by a NUL (without one, the input is both). Invariants: a parsed number
// is normalised and within DynamoDB's limits; its canonical text parses back to the same number and text;
// compare() is a total order that agrees with the sign of the exact difference; sums are commutative and
// subtracting back gives the operand; the key encoding of N orders as compare() does, is equal exactly
// for equal numbers and is prefix-free. The fixed-width integers of key_codec round-trip and order by bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "expressions/number.h"
#include "model/attribute_value.h"
#include "storage/item_codec.h"
#include "storage/key_codec.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ddb;
using ddb::fuzz::fuzz_fail;

namespace {

int sign(int c) { return (c > 0) - (c < 0); }

std::string key_of(const Number& n) {
  std::string out;
  storage::encode_key_value(AttributeValue::number(n.to_string()), out);
  return out;
}

// Parses and checks every property of one number; false when the text is not a number.
bool parse_checked(std::string_view text, Number* out) {
  std::string error;
  Number n;
  if (!Number::parse(text, &n, &error)) {
    if (error.empty()) fuzz_fail("a refused number without a message");
    return false;
  }
  if (!n.is_zero()) {
    const std::string& d = n.digits();
    if (d.size() > size_t(Number::kMaxDigits)) fuzz_fail("more than 38 digits kept");
    if (d.front() == '0' || d.back() == '0') fuzz_fail("digits not normalised: " + d);
    for (char c : d) {
      if (c < '0' || c > '9') fuzz_fail("a digit that is not one");
    }
    if (n.exponent() > Number::kMaxExponent || n.exponent() < Number::kMinExponent) {
      fuzz_fail("exponent out of range: " + std::to_string(n.exponent()));
    }
  } else if (n.negative()) {
    fuzz_fail("negative zero");
  }
  std::string canonical = n.to_string();
  Number again;
  std::string error2;
  if (!Number::parse(canonical, &again, &error2)) fuzz_fail("canonical text does not parse: " + canonical);
  if (again.to_string() != canonical) fuzz_fail("canonical text is not stable: " + canonical);
  if (again.compare(n) != 0 || !(again == n)) fuzz_fail("canonical text is another number: " + canonical);
  if (Number::from_canonical(canonical).to_string() != canonical) fuzz_fail("from_canonical differs: " + canonical);
  if (n.compare(n) != 0) fuzz_fail("a number differs from itself");
  (void)storage::attribute_value_size(AttributeValue::number(canonical));
  *out = std::move(n);
  return true;
}

void check_pair(const Number& a, const Number& b) {
  int c = a.compare(b);
  if (sign(c) != -sign(b.compare(a))) fuzz_fail("compare is not antisymmetric: " + a.to_string() + " " + b.to_string());
  if ((c == 0) != (a.to_string() == b.to_string())) fuzz_fail("equal numbers with different texts");

  std::string error;
  Number diff;
  if (Number::subtract(a, b, &diff, &error)) {
    int by_difference = diff.is_zero() ? 0 : (diff.negative() ? -1 : 1);
    if (by_difference != sign(c)) {
      fuzz_fail("compare disagrees with the difference: " + a.to_string() + " - " + b.to_string() + " = " +
                diff.to_string());
    }
  }
  Number ab, ba;
  bool ok_ab = Number::add(a, b, &ab, &error), ok_ba = Number::add(b, a, &ba, &error);
  if (ok_ab != ok_ba || (ok_ab && ab.to_string() != ba.to_string())) fuzz_fail("addition is not commutative");
  if (ok_ab) {
    Number back;
    if (!Number::subtract(ab, b, &back, &error)) {
      fuzz_fail("(a + b) - b fails: " + a.to_string() + " + " + b.to_string() + ": " + error);
    }
    if (back.to_string() != a.to_string()) {
      fuzz_fail("(a + b) - b != a: " + a.to_string() + " + " + b.to_string() + " - b = " + back.to_string());
    }
  }

  std::string ka = key_of(a), kb = key_of(b);
  if (sign(ka.compare(kb)) != sign(c)) {
    fuzz_fail("key order differs from numeric order: " + a.to_string() + " vs " + b.to_string());
  }
  if (c != 0 && (ka.compare(0, kb.size(), kb) == 0 || kb.compare(0, ka.size(), ka) == 0)) {
    fuzz_fail("one number's key is a prefix of another's: " + a.to_string() + " vs " + b.to_string());
  }
}

uint64_t u64_of(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = v << 8 | uint8_t(s[i]);
  return v;
}

void check_key_codec(std::string_view a, std::string_view b) {
  namespace keys = storage::keys;
  uint64_t x = u64_of(a), y = u64_of(b);
  std::string ex, ey;
  keys::append_u64(ex, x);
  keys::append_u64(ey, y);
  if (keys::read_u64(ex) != x || keys::read_u32(ex.substr(4)) != uint32_t(x)) fuzz_fail("u64 round trip");
  if (sign(ex.compare(ey)) != (x < y ? -1 : x > y)) fuzz_fail("u64 byte order");
  uint32_t id = uint32_t(x);
  for (auto space : {keys::kItem, keys::kIndex, keys::kStats}) {
    std::string begin = keys::id_prefix(space, id), end = keys::id_prefix_end(space, id);
    if (!(begin < end)) fuzz_fail("an empty id range");
    std::string key = begin + std::string(b);
    if (!(begin <= key && key < end)) fuzz_fail("a key of an id outside its range");
  }
  std::string ns(a.substr(0, a.find('\0'))), name(b);
  std::string prefix = keys::catalog_prefix(ns), key = keys::catalog_key(ns, name);
  if (key.compare(0, prefix.size(), prefix) != 0) fuzz_fail("a catalog key outside its namespace prefix");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nul = in.find('\0');
  std::string_view ta = in.substr(0, nul), tb = nul == std::string_view::npos ? in : in.substr(nul + 1);
  check_key_codec(ta, tb);
  Number a, b;
  bool ok_a = parse_checked(ta, &a), ok_b = parse_checked(tb, &b);
  if (ok_a) check_pair(a, a);
  if (ok_a && ok_b) check_pair(a, b);
  return 0;
}
