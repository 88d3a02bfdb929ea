// storage/key_codec.h — the byte layout of every RocksDB key ddblocal writes (DESIGN.md has the map).
//
// Every key starts with one space byte naming what it holds. Fixed-width integers are big-endian so that
// byte order is numeric order. Functions here only build and take apart keys; they never touch the store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ddb::storage::keys {

enum Space : uint8_t {
  kMeta = 0x00,     // process-wide counters: 0x00 "next_id"
  kCatalog = 0x01,  // 0x01 <namespace> 0x00 <table name>          -> table definition
  kItem = 0x02,     // 0x02 <table id:4> <item key>                  -> item
  kIndex = 0x03,    // 0x03 <index id:4> <index key> <item key>      -> projected item
  kStream = 0x04,   // 0x04 <stream id:4> <shard:4> <sequence:8>     -> stream record
  kTtl = 0x05,      // 0x05 <table id:4> <expiry seconds:8> <item key> -> empty
  kStats = 0x06,    // 0x06 <table id:4>                             -> item count and size
  kShard = 0x07,    // 0x07 <stream id:4> <shard:4>                  -> stream shard
  kRetired = 0x08,  // 0x08 <table id:4>                             -> a deleted table whose streams live on
};

void append_u32(std::string& out, uint32_t v);
void append_u64(std::string& out, uint64_t v);
uint32_t read_u32(std::string_view in);
uint64_t read_u64(std::string_view in);

std::string next_id_key();
std::string catalog_key(std::string_view ns, std::string_view table_name);
// The first key after every catalog key of the namespace.
std::string catalog_prefix(std::string_view ns);
// [begin, end) covering every key of the space that belongs to one table or index id.
std::string id_prefix(Space space, uint32_t id);
std::string id_prefix_end(Space space, uint32_t id);

}  // namespace ddb::storage::keys
