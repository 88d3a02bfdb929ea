// tests/fuzz/fuzz_support.h — what several fuzz targets share: splitting an input into fields, and the
// invariants every item ddblocal keeps must satisfy.
//
// A broken invariant is reported with fuzz_fail(), which prints what went wrong and aborts: libFuzzer saves
// the input as a crash.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "expressions/number.h"
#include "model/attribute_value.h"

namespace ddb::fuzz {

[[noreturn]] inline void fuzz_fail(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// The fields of an input separated by NUL bytes (at most max_fields; the last one keeps any further NULs).
inline std::vector<std::string_view> split_fields(std::string_view in, size_t max_fields) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max_fields) {
    size_t nul = in.find('\0');
    if (nul == std::string_view::npos) break;
    out.push_back(in.substr(0, nul));
    in.remove_prefix(nul + 1);
  }
  out.push_back(in);
  return out;
}

// Whether text is a number in canonical form (what every stored N and NS member must be).
inline bool canonical_number(const std::string& text) {
  Number n;
  std::string error;
  return Number::parse(text, &n, &error) && n.to_string() == text;
}

// DynamoDB's rules for a value ddblocal may store or answer: canonical numbers, sets neither empty nor
// with duplicates, at most 32 levels of nesting (a map or list at most at level 31; an attribute is at
// level 1). Answers an empty string, or what is wrong.
inline std::string value_problem(const AttributeValue& v, const std::string& where, int level = 1) {
  if ((v.type == AttrType::M || v.type == AttrType::L) && level > 31) return where + ": nested beyond 32 levels";
  switch (v.type) {
    case AttrType::N:
      if (!canonical_number(v.scalar)) return where + ": N \"" + v.scalar + "\" is not canonical";
      return "";
    case AttrType::SS:
    case AttrType::NS:
    case AttrType::BS: {
      if (v.set.empty()) return where + ": empty " + type_name(v.type);
      std::vector<std::string> sorted = v.set;
      std::sort(sorted.begin(), sorted.end());
      if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
        return where + ": " + type_name(v.type) + " with duplicates";
      }
      if (v.type == AttrType::NS) {
        for (const auto& m : v.set) {
          if (!canonical_number(m)) return where + ": NS member \"" + m + "\" is not canonical";
        }
      }
      return "";
    }
    case AttrType::L:
      for (size_t i = 0; i < v.list.size(); ++i) {
        std::string p = value_problem(v.list[i], where + "[" + std::to_string(i) + "]", level + 1);
        if (!p.empty()) return p;
      }
      return "";
    case AttrType::M:
      for (const auto& [name, e] : v.map) {
        std::string p = value_problem(e, where + "." + name, level + 1);
        if (!p.empty()) return p;
      }
      return "";
    default: return "";
  }
}

inline std::string item_problem(const AttributeMap& item) {
  for (const auto& [name, v] : item) {
    std::string p = value_problem(v, name);
    if (!p.empty()) return p;
  }
  return "";
}

}  // namespace ddb::fuzz
