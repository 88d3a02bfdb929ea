#include "storage/key_codec.h"

namespace ddb::storage::keys {

void append_u32(std::string& out, uint32_t v) {
  char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  out.append(b, 4);
}

void append_u64(std::string& out, uint64_t v) {
  append_u32(out, uint32_t(v >> 32));
  append_u32(out, uint32_t(v));
}

uint32_t read_u32(std::string_view in) {
  auto b = reinterpret_cast<const unsigned char*>(in.data());
  return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | uint32_t(b[3]);
}

uint64_t read_u64(std::string_view in) { return uint64_t(read_u32(in)) << 32 | read_u32(in.substr(4)); }

std::string next_id_key() { return std::string(1, char(kMeta)) + "next_id"; }

std::string catalog_prefix(std::string_view ns) {
  std::string k(1, char(kCatalog));
  k.append(ns);
  k.push_back('\0');
  return k;
}

std::string catalog_key(std::string_view ns, std::string_view table_name) {
  std::string k = catalog_prefix(ns);
  k.append(table_name);
  return k;
}

std::string id_prefix(Space space, uint32_t id) {
  std::string k(1, char(space));
  append_u32(k, id);
  return k;
}

std::string id_prefix_end(Space space, uint32_t id) {
  if (id == UINT32_MAX) return std::string(1, char(space + 1));
  return id_prefix(space, id + 1);
}

}  // namespace ddb::storage::keys
