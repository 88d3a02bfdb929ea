#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "expressions/ast.h"
#include "model/error.h"

namespace ddb::expr {

namespace {

// The order in which Java's HashSet iterates strings (the service lists unused keys that way): by bucket
// of the final table (String.hashCode spread by h ^ h>>>16, table grown from 16 at a 0.75 load factor),
// then by insertion order within a bucket.
std::vector<std::string> java_hash_order(std::vector<std::string> keys) {
  size_t n = 16;
  while (keys.size() > n * 3 / 4) n *= 2;
  auto bucket = [n](const std::string& k) {
    uint32_t h = 0;
    for (unsigned char c : k) h = 31 * h + c;  // ASCII keys: UTF-16 units equal bytes
    h ^= h >> 16;
    return h & uint32_t(n - 1);
  };
  std::stable_sort(keys.begin(), keys.end(),
                   [&](const std::string& a, const std::string& b) { return bucket(a) < bucket(b); });
  return keys;
}

std::string join_keys(const std::vector<std::string>& keys) {
  std::string s = "{";
  for (size_t i = 0; i < keys.size(); ++i) s += (i ? ", " : "") + keys[i];
  return s + "}";
}

}  // namespace

void Placeholders::check_all_used() const {
  if (names) {
    std::vector<std::string> unused;
    for (const auto& [k, v] : *names) {
      if (!used_names.count(k)) unused.push_back(k);
    }
    if (!unused.empty()) {
      throw Error::validation("Value provided in ExpressionAttributeNames unused in expressions: keys: " +
                              join_keys(java_hash_order(unused)));
    }
  }
  if (values) {
    std::vector<std::string> unused;
    for (const auto& [k, v] : *values) {
      if (!used_values.count(k)) unused.push_back(k);
    }
    if (!unused.empty()) {
      throw Error::validation("Value provided in ExpressionAttributeValues unused in expressions: keys: " +
                              join_keys(java_hash_order(unused)));
    }
  }
}

}  // namespace ddb::expr
