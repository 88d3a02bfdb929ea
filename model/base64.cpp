#include "model/base64.h"

#include <cstdint>

namespace ddb {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int8_t decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return int8_t(c - 'A');
  if (c >= 'a' && c <= 'z') return int8_t(c - 'a' + 26);
  if (c >= '0' && c <= '9') return int8_t(c - '0' + 52);
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

void base64_encode_to(std::string_view in, std::string& out) {
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (i + 2 == in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8;
    out.push_back(kAlphabet[v >> 18]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
}

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  base64_encode_to(in, out);
  return out;
}

bool base64_decode(std::string_view in, std::string* out, std::string* error) {
  out->clear();
  if (in.size() % 4 != 0) {
    *error = "Base64 encoded length is expected a multiple of 4 bytes but found: " + std::to_string(in.size());
    return false;
  }
  out->reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    int8_t a = decode_char(in[i]), b = decode_char(in[i + 1]);
    bool last = i + 4 == in.size();
    char c3 = in[i + 2], c4 = in[i + 3];
    int8_t c = c3 == '=' && last ? 0 : decode_char(c3);
    int8_t d = c4 == '=' && last ? 0 : decode_char(c4);
    if (a < 0 || b < 0 || c < 0 || d < 0 || (c3 == '=' && c4 != '=')) {
      *error = "Invalid Base64 character";
      return false;
    }
    uint32_t v = uint32_t(a) << 18 | uint32_t(b) << 12 | uint32_t(c) << 6 | uint32_t(d);
    out->push_back(char(v >> 16));
    if (c3 != '=' || !last) {
      out->push_back(char((v >> 8) & 255));
    } else if (b & 15) {
      *error = "Invalid last non-pad Base64 character dectected";
      return false;
    }
    if (c4 != '=' || !last) {
      out->push_back(char(v & 255));
    } else if (c3 != '=' && (c & 3)) {
      *error = "Invalid last non-pad Base64 character dectected";
      return false;
    }
  }
  return true;
}

}  // namespace ddb
