#include "storage/item_store.h"

#include <algorithm>
#include <chrono>

#include "model/error.h"
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

bool ItemStore::get_stored(const std::string& key, std::string* bytes) const { return store_.get(key, bytes); }

bool ItemStore::get(const std::string& key, AttributeMap* item) const {
  std::string bytes;
  if (!store_.get(key, &bytes)) return false;
  *item = decode_item(bytes);
  return true;
}

size_t ItemStore::stripe_of(const std::string& key) const { return std::hash<std::string>{}(key) % stripes_.size(); }

std::mutex& ItemStore::lock_for(const std::string& key) { return stripes_[stripe_of(key)]; }

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

namespace {

AttrType declared_type(const TableDef& table, const std::string& name) {
  std::string t = table.attribute_type(name);
  return t == "N" ? AttrType::N : t == "B" ? AttrType::B : AttrType::S;
}

}  // namespace

bool ItemStore::index_entry(const TableDef& table, const IndexDef& index, const AttributeMap& item, std::string* key,
                            AttributeMap* projected, bool by_update) {
  const AttributeValue* index_keys[2] = {nullptr, nullptr};
  for (size_t i = 0; i < index.key_schema.size(); ++i) {
    const std::string& name = index.key_schema[i].attribute_name;
    auto it = item.find(name);
    if (it == item.end()) return false;  // sparse: no entry
    AttrType expected = declared_type(table, name);
    if (it->second.type != expected) {
      throw Error::validation(std::string("One or more parameter values were invalid: Type mismatch for Index Key ") +
                              name + " Expected: " + type_name(expected) + " Actual: " + type_name(it->second.type) +
                              " IndexName: " + index.name);
    }
    if (it->second.scalar.empty() && expected != AttrType::N && by_update) {
      throw Error::validation(
          "One or more parameter values are not valid. The update expression attempted to update a "
          "secondary index key to a value that is not supported. The AttributeValue for a key "
          "attribute cannot contain an empty " +
          std::string(expected == AttrType::B ? "binary" : "string") + " value.");
    }
    if (it->second.scalar.empty() && expected != AttrType::N) {
      throw Error::validation(
          "One or more parameter values are not valid. A value specified for a secondary index key "
          "is not supported. The AttributeValue for a key attribute cannot contain an empty " +
          std::string(expected == AttrType::B ? "binary" : "string") + " value. IndexName: " + index.name +
          ", IndexKey: " + name);
    }
    index_keys[i] = &it->second;
  }
  std::string partition;
  encode_key_value(*index_keys[0], partition);
  key->assign(keys::id_prefix(keys::kIndex, index.id));
  keys::append_u32(*key, partition_hash(partition));
  key->append(partition);
  if (index_keys[1]) encode_key_value(*index_keys[1], *key);
  for (const auto& k : table.key_schema) encode_key_value(item.at(k.attribute_name), *key);

  projected->clear();
  const std::string& type = index.projection.projection_type;
  if (type == "ALL") {
    *projected = item;
    return true;
  }
  auto copy = [&](const std::string& name) {
    auto it = item.find(name);
    if (it != item.end()) projected->insert(*it);
  };
  for (const auto& k : table.key_schema) copy(k.attribute_name);
  for (const auto& k : index.key_schema) copy(k.attribute_name);
  if (type == "INCLUDE") {
    for (const auto& a : index.projection.non_key_attributes) copy(a);
  }
  return true;
}

// The index entries one write removes and adds, computed before anything changes (this is where a wrong
// index key type refuses the write).
struct ItemStore::IndexChange {
  const IndexDef* index;
  bool had, has;
  std::string old_key, new_key;
  AttributeMap old_entry, new_entry;
};

std::vector<ItemStore::IndexChange> ItemStore::index_changes(const TableDef& table, const AttributeMap* old,
                                                             const AttributeMap* next, bool by_update) {
  std::vector<IndexChange> changes;
  for (const IndexDef& index : table.indexes) {
    if (index.status == "DELETING") continue;
    IndexChange c{&index, false, false, {}, {}, {}, {}};
    c.had = old && index_entry(table, index, *old, &c.old_key, &c.old_entry);
    c.has = next && index_entry(table, index, *next, &c.new_key, &c.new_entry, by_update);
    if (c.had && c.has && c.old_key == c.new_key && c.old_entry == c.new_entry) continue;
    changes.push_back(std::move(c));
  }
  return changes;
}

void ItemStore::apply_index_changes(const std::vector<IndexChange>& changes, WriteBatch& batch) {
  for (const IndexChange& ch : changes) {
    Counters& c = counters(ch.index->id);
    if (ch.had) {
      if (!ch.has || ch.old_key != ch.new_key) batch.del(ch.old_key);
      c.count.fetch_sub(1);
      c.bytes.fetch_sub(int64_t(item_size(ch.old_entry)));
    }
    if (ch.has) {
      std::string bytes;
      encode_item(ch.new_entry, bytes);
      batch.put(ch.new_key, bytes);
      c.count.fetch_add(1);
      c.bytes.fetch_add(int64_t(item_size(ch.new_entry)));
    }
  }
}

void ItemStore::backfill(const TableDef& table, const IndexDef& index) {
  std::string begin = keys::id_prefix(keys::kItem, table.id), end = keys::id_prefix_end(keys::kItem, table.id);
  auto cur = store_.cursor();
  for (cur->seek(begin); cur->valid() && cur->key() < std::string_view(end); cur->next()) {
    std::string item_key(cur->key());
    std::lock_guard lock(lock_for(item_key));
    std::string bytes;
    if (!store_.get(item_key, &bytes)) continue;  // deleted meanwhile
    AttributeMap item = decode_item(bytes);
    std::string key;
    AttributeMap entry;
    bool has;
    try {
      has = index_entry(table, index, item, &key, &entry);
    } catch (const Error&) {
      has = false;  // an item whose attribute has another type than the index key: not indexed
    }
    if (!has) continue;
    WriteBatch batch;
    std::string encoded;
    encode_item(entry, encoded);
    batch.put(key, encoded);
    store_.write(batch);
    Counters& c = counters(index.id);
    c.count.fetch_add(1);
    c.bytes.fetch_add(int64_t(item_size(entry)));
  }
}

void ItemStore::drop_index(const IndexDef& index) {
  WriteBatch batch;
  batch.delete_range(keys::id_prefix(keys::kIndex, index.id), keys::id_prefix_end(keys::kIndex, index.id));
  store_.write(batch);
  Counters& c = counters(index.id);
  c.count = 0;
  c.bytes = 0;
}

ItemStore::IndexWrites ItemStore::write(const TableDef& table, const std::string& key, const Decide& decide,
                                        bool by_update) {
  IndexWrites index_writes;
  std::vector<Write> writes;
  writes.push_back({&table, key, decide, by_update, &index_writes});
  write_all(writes);
  return index_writes;
}

void ItemStore::write_all(std::vector<Write>& writes, const std::function<void()>& before_commit) {
  // Lock every item's stripe, in stripe order (so that concurrent multi-item writes cannot deadlock).
  std::vector<size_t> stripes;
  for (const auto& w : writes) stripes.push_back(stripe_of(w.key));
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  for (size_t s : stripes) stripes_[s].lock();
  struct Unlock {
    std::array<std::mutex, 1024>& all;
    const std::vector<size_t>& held;
    ~Unlock() {
      for (auto it = held.rbegin(); it != held.rend(); ++it) all[*it].unlock();
    }
  } unlock{stripes_, stripes};

  struct Planned {
    bool existed = false;
    AttributeMap old, next;
    Change change = Change::Keep;
    std::vector<IndexChange> indexes;
  };
  std::vector<Planned> plans(writes.size());
  for (size_t i = 0; i < writes.size(); ++i) {
    Planned& p = plans[i];
    std::string old_bytes;
    p.existed = store_.get(writes[i].key, &old_bytes);
    if (p.existed) p.old = decode_item(old_bytes);
    p.change = writes[i].decide(p.existed ? &p.old : nullptr, &p.next);
    if (p.change == Change::Delete && !p.existed) p.change = Change::Keep;
    if (p.change != Change::Keep) {
      p.indexes = index_changes(*writes[i].table, p.existed ? &p.old : nullptr,
                                p.change == Change::Put ? &p.next : nullptr, writes[i].by_update);
    }
  }
  if (before_commit) before_commit();  // may refuse the whole write (a cancelled transaction)

  WriteBatch batch;
  std::vector<uint32_t> touched_tables;
  for (size_t i = 0; i < writes.size(); ++i) {
    Planned& p = plans[i];
    if (p.change == Change::Keep) continue;
    apply_index_changes(p.indexes, batch);
    if (writes[i].index_writes) {
      for (const IndexChange& ch : p.indexes) {
        writes[i].index_writes->push_back({ch.index, ch.had ? item_size(ch.old_entry) : 0,
                                           ch.has ? item_size(ch.new_entry) : 0,
                                           ch.had && ch.has && ch.old_key != ch.new_key});
      }
    }
    int64_t count_delta = 0, bytes_delta = p.existed ? -int64_t(item_size(p.old)) : 0;
    if (p.change == Change::Put) {
      std::string bytes;
      encode_item(p.next, bytes);
      batch.put(writes[i].key, bytes);
      bytes_delta += int64_t(item_size(p.next));
      count_delta = p.existed ? 0 : 1;
    } else {
      batch.del(writes[i].key);
      count_delta = -1;
    }
    Counters& c = counters(writes[i].table->id);
    c.count.fetch_add(count_delta);
    c.bytes.fetch_add(bytes_delta);
    touched_tables.push_back(writes[i].table->id);
  }
  if (batch.empty()) return;
  int64_t now = steady_millis();
  for (uint32_t id : touched_tables) {
    Counters& c = counters(id);
    if (now - c.persisted_at.load(std::memory_order_relaxed) < kStatsPersistMillis) continue;
    c.persisted_at.store(now, std::memory_order_relaxed);
    std::string stats;
    stats_record(c, &stats);
    batch.put(keys::id_prefix(keys::kStats, id), stats);
  }
  store_.write(batch);
}

void ItemStore::read_all(const std::vector<std::string>& keys, std::vector<std::optional<AttributeMap>>* items) {
  std::vector<size_t> stripes;
  for (const auto& k : keys) stripes.push_back(stripe_of(k));
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  for (size_t s : stripes) stripes_[s].lock();
  items->clear();
  for (const auto& k : keys) {
    std::string bytes;
    if (store_.get(k, &bytes)) {
      items->push_back(decode_item(bytes));
    } else {
      items->push_back(std::nullopt);
    }
  }
  for (auto it = stripes.rbegin(); it != stripes.rend(); ++it) stripes_[*it].unlock();
}

TableStats ItemStore::stats(uint32_t table_id) {
  Counters& c = counters(table_id);
  return {c.count.load(), c.bytes.load()};
}

}  // namespace ddb::storage
