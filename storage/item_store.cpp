#include "storage/item_store.h"

#include <chrono>

#include "storage/catalog.h"
#include "storage/item_codec.h"
#include "storage/key_codec.h"
#include "storage/store.h"

namespace ddb::storage {

namespace {
// Table statistics (ItemCount, TableSizeBytes) ride along with a write at most this often; DynamoDB itself
// refreshes them only every few hours. The exact values are persisted on shutdown.
constexpr int64_t kStatsPersistMillis = 1000;

int64_t steady_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

ItemStore::ItemStore(Store& store) : store_(store) {}

ItemStore::~ItemStore() {
  WriteBatch batch;
  for (const auto& [id, c] : counters_) {
    std::string record;
    stats_record(*c, &record);
    batch.put(keys::id_prefix(keys::kStats, id), record);
  }
  if (!batch.empty()) store_.write(batch);
}

void ItemStore::stats_record(const Counters& c, std::string* out) {
  keys::append_u64(*out, uint64_t(c.count.load()));
  keys::append_u64(*out, uint64_t(c.bytes.load()));
}

std::string ItemStore::item_key(const TableDef& table, const AttributeValue& hash, const AttributeValue* range) {
  std::string partition;
  encode_key_value(hash, partition);
  std::string key = keys::id_prefix(keys::kItem, table.id);
  keys::append_u32(key, partition_hash(partition));
  key.append(partition);
  if (range) encode_key_value(*range, key);
  return key;
}

bool ItemStore::get(const std::string& key, AttributeMap* item) const {
  std::string bytes;
  if (!store_.get(key, &bytes)) return false;
  *item = decode_item(bytes);
  return true;
}

std::mutex& ItemStore::lock_for(const std::string& key) {
  return stripes_[std::hash<std::string>{}(key) % stripes_.size()];
}

ItemStore::Counters& ItemStore::counters(uint32_t table_id) {
  std::lock_guard lock(counters_mu_);
  auto& c = counters_[table_id];
  if (!c) {
    c = std::make_unique<Counters>();
    std::string v;
    if (store_.get(keys::id_prefix(keys::kStats, table_id), &v) && v.size() == 16) {
      c->count = int64_t(keys::read_u64(v));
      c->bytes = int64_t(keys::read_u64(std::string_view(v).substr(8)));
    }
  }
  return *c;
}

void ItemStore::write(const TableDef& table, const std::string& key, const Decide& decide) {
  std::lock_guard lock(lock_for(key));
  std::string old_bytes;
  AttributeMap old;
  bool existed = store_.get(key, &old_bytes);
  if (existed) old = decode_item(old_bytes);
  AttributeMap next;
  Change change = decide(existed ? &old : nullptr, &next);
  if (change == Change::Keep || (change == Change::Delete && !existed)) return;

  WriteBatch batch;
  int64_t count_delta = 0, bytes_delta = existed ? -int64_t(item_size(old)) : 0;
  if (change == Change::Put) {
    std::string bytes;
    encode_item(next, bytes);
    batch.put(key, bytes);
    bytes_delta += int64_t(item_size(next));
    count_delta = existed ? 0 : 1;
  } else {
    batch.del(key);
    count_delta = -1;
  }
  Counters& c = counters(table.id);
  c.count.fetch_add(count_delta);
  c.bytes.fetch_add(bytes_delta);
  int64_t now = steady_millis();
  if (now - c.persisted_at.load(std::memory_order_relaxed) >= kStatsPersistMillis) {
    c.persisted_at.store(now, std::memory_order_relaxed);
    std::string stats;
    stats_record(c, &stats);
    batch.put(keys::id_prefix(keys::kStats, table.id), stats);
  }
  store_.write(batch);
}

TableStats ItemStore::stats(uint32_t table_id) {
  Counters& c = counters(table_id);
  return {c.count.load(), c.bytes.load()};
}

}  // namespace ddb::storage
