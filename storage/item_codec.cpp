#include "storage/item_codec.h"

#include <stdexcept>

#include "expressions/number.h"
#include "model/base64.h"

namespace ddb::storage {

namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(char(v | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

// Stored records are read defensively: a corrupt one is a std::runtime_error, never a read out of bounds, an
// allocation sized by garbage, or a recursion deeper than the stack.
constexpr int kMaxNesting = 1000;  // far above DynamoDB's 32 levels: only a corrupt record goes deeper

struct Reader {
  std::string_view in;
  size_t pos = 0;
  int depth = 0;

  [[noreturn]] static void corrupt() { throw std::runtime_error("corrupt item record"); }
  // A count of elements that each take at least one more byte of the record.
  uint64_t count() {
    uint64_t n = varint();
    if (n > in.size() - pos) corrupt();
    return n;
  }
  void enter() {
    if (++depth > kMaxNesting) corrupt();
  }
  uint8_t byte() {
    if (pos >= in.size()) corrupt();
    return uint8_t(in[pos++]);
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = byte();
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    corrupt();
  }
  std::string bytes() {
    uint64_t n = varint();
    if (n > in.size() - pos) corrupt();
    std::string s(in.substr(pos, n));
    pos += n;
    return s;
  }
};

void encode_value(const AttributeValue& v, std::string& out);

void encode_map(const AttributeMap& m, std::string& out) {
  put_varint(out, m.size());
  for (const auto& [name, value] : m) {
    put_varint(out, name.size());
    out.append(name);
    encode_value(value, out);
  }
}

void encode_value(const AttributeValue& v, std::string& out) {
  out.push_back(char(v.type));
  switch (v.type) {
    case AttrType::S:
    case AttrType::N:
    case AttrType::B:
      put_varint(out, v.scalar.size());
      out.append(v.scalar);
      break;
    case AttrType::BOOL: out.push_back(v.boolean ? 1 : 0); break;
    case AttrType::NUL: break;
    case AttrType::SS:
    case AttrType::NS:
    case AttrType::BS:
      put_varint(out, v.set.size());
      for (const auto& m : v.set) {
        put_varint(out, m.size());
        out.append(m);
      }
      break;
    case AttrType::L:
      put_varint(out, v.list.size());
      for (const auto& e : v.list) encode_value(e, out);
      break;
    case AttrType::M: encode_map(v.map, out); break;
  }
}

AttributeValue decode_value(Reader& r);

AttributeMap decode_map(Reader& r) {
  AttributeMap m;
  uint64_t n = r.count();
  for (uint64_t i = 0; i < n; ++i) {
    std::string name = r.bytes();
    m.emplace_hint(m.end(), std::move(name), decode_value(r));
  }
  return m;
}

AttributeValue decode_value(Reader& r) {
  AttributeValue v;
  uint8_t t = r.byte();
  if (t > uint8_t(AttrType::BS)) Reader::corrupt();
  r.enter();
  v.type = AttrType(t);
  switch (v.type) {
    case AttrType::S:
    case AttrType::N:
    case AttrType::B: v.scalar = r.bytes(); break;
    case AttrType::BOOL: v.boolean = r.byte() != 0; break;
    case AttrType::NUL: break;
    case AttrType::SS:
    case AttrType::NS:
    case AttrType::BS: {
      uint64_t n = r.count();
      v.set.reserve(n);
      for (uint64_t i = 0; i < n; ++i) v.set.push_back(r.bytes());
      break;
    }
    case AttrType::L: {
      uint64_t n = r.count();
      v.list.reserve(n);
      for (uint64_t i = 0; i < n; ++i) v.list.push_back(decode_value(r));
      break;
    }
    case AttrType::M: v.map = decode_map(r); break;
  }
  --r.depth;
  return v;
}

// Bytes with 0x00 escaped as 0x00 0xFF and a 0x00 0x01 terminator: order-preserving and prefix-free.
void encode_bytes(std::string_view s, std::string& out) {
  for (char c : s) {
    out.push_back(c);
    if (c == 0) out.push_back(char(0xFF));
  }
  out.push_back(0);
  out.push_back(1);
}

// Numbers: a sign tag (0x40 negative, 0x80 zero, 0xC0 positive), the biased exponent, then the digits as
// nibbles (digit+1) ending in a 0 nibble; negatives have every byte after the tag inverted.
void encode_number(const Number& n, std::string& out) {
  if (n.is_zero()) {
    out.push_back(char(0x80));
    return;
  }
  size_t start = out.size();
  out.push_back(n.negative() ? 0x40 : char(0xC0));
  out.push_back(char(n.exponent() + 130));
  const std::string& d = n.digits();
  for (size_t i = 0; i <= d.size(); i += 2) {
    uint8_t hi = i < d.size() ? uint8_t(d[i] - '0' + 1) : 0;
    uint8_t lo = i + 1 < d.size() ? uint8_t(d[i + 1] - '0' + 1) : 0;
    out.push_back(char(hi << 4 | lo));
    if (hi == 0 || lo == 0) break;
  }
  if (n.negative()) {
    for (size_t i = start + 1; i < out.size(); ++i) out[i] = char(~out[i]);
  }
}

// DynamoDB's size of a number: its significant digits in base-100 pairs aligned on the decimal point,
// plus one byte, plus one more for a negative number.
size_t number_size(const std::string& canonical) {
  Number n = Number::from_canonical(canonical);
  if (n.is_zero()) return 1;
  auto pair_of = [](int place) { return place >= 0 ? place / 2 : -((-place + 1) / 2); };  // floor(place / 2)
  int first = pair_of(n.exponent()), last = pair_of(n.exponent() - int(n.digits().size()) + 1);
  return size_t(first - last + 1) + 1 + (n.negative() ? 1 : 0);
}

// The JSON of a stored value, read in place.
std::string_view view_bytes(Reader& r) {
  uint64_t n = r.count();
  if (n > r.in.size() - r.pos) Reader::corrupt();
  std::string_view v = r.in.substr(r.pos, n);
  r.pos += n;
  return v;
}

void write_map_json(Reader& r, JsonWriter& w);

void write_value_json(Reader& r, JsonWriter& w) {
  uint8_t t = r.byte();
  if (t > uint8_t(AttrType::BS)) Reader::corrupt();
  r.enter();
  AttrType type = AttrType(t);
  w.begin_object();
  switch (type) {
    case AttrType::S: w.key("S").string(view_bytes(r)); break;
    case AttrType::N: w.key("N").string(view_bytes(r)); break;
    case AttrType::B: w.key("B").string(base64_encode(view_bytes(r))); break;
    case AttrType::BOOL: w.key("BOOL").boolean(r.byte() != 0); break;
    case AttrType::NUL: w.key("NULL").boolean(true); break;
    case AttrType::SS:
    case AttrType::NS:
    case AttrType::BS: {
      w.key(type_name(type)).begin_array();
      uint64_t n = r.count();
      for (uint64_t i = 0; i < n; ++i) {
        std::string_view m = view_bytes(r);
        if (type == AttrType::BS) {
          w.string(base64_encode(m));
        } else {
          w.string(m);
        }
      }
      w.end_array();
      break;
    }
    case AttrType::L: {
      w.key("L").begin_array();
      uint64_t n = r.count();
      for (uint64_t i = 0; i < n; ++i) write_value_json(r, w);
      w.end_array();
      break;
    }
    case AttrType::M:
      w.key("M");
      write_map_json(r, w);
      break;
  }
  w.end_object();
  --r.depth;
}

void write_map_json(Reader& r, JsonWriter& w) {
  w.begin_object();
  uint64_t n = r.count();
  for (uint64_t i = 0; i < n; ++i) {
    w.key(view_bytes(r));
    write_value_json(r, w);
  }
  w.end_object();
}

}  // namespace

void write_item_json(std::string_view bytes, JsonWriter& w) {
  Reader r{bytes};
  write_map_json(r, w);
  if (r.pos != bytes.size()) Reader::corrupt();
}

void encode_item(const AttributeMap& item, std::string& out) { encode_map(item, out); }

AttributeMap decode_item(std::string_view bytes) {
  Reader r{bytes};
  AttributeMap m = decode_map(r);
  if (r.pos != bytes.size()) Reader::corrupt();
  return m;
}

void encode_key_value(const AttributeValue& v, std::string& out) {
  if (v.type == AttrType::N) {
    encode_number(Number::from_canonical(v.scalar), out);
  } else {
    encode_bytes(v.scalar, out);
  }
}

uint32_t partition_hash(std::string_view s) {
  uint32_t h = 2166136261u;  // FNV-1a, then a final mix so nearby keys spread over the whole range
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  h *= 0x846ca68bu;
  h ^= h >> 16;
  return h;
}

size_t attribute_value_size(const AttributeValue& v) {
  switch (v.type) {
    case AttrType::S:
    case AttrType::B: return v.scalar.size();
    case AttrType::N: return number_size(v.scalar);
    case AttrType::BOOL:
    case AttrType::NUL: return 1;
    case AttrType::SS:
    case AttrType::BS: {
      size_t n = 0;
      for (const auto& m : v.set) n += m.size();
      return n;
    }
    case AttrType::NS: {
      size_t n = 0;
      for (const auto& m : v.set) n += number_size(m);
      return n;
    }
    case AttrType::L: {
      size_t n = 3;
      for (const auto& e : v.list) n += attribute_value_size(e) + 1;
      return n;
    }
    case AttrType::M: {
      size_t n = 3;
      for (const auto& [name, e] : v.map) n += name.size() + attribute_value_size(e) + 1;
      return n;
    }
  }
  return 0;
}

size_t item_size(const AttributeMap& item) {
  size_t n = 0;
  for (const auto& [name, v] : item) n += name.size() + attribute_value_size(v);
  return n;
}

}  // namespace ddb::storage
