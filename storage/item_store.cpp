#include "storage/item_store.h"

#include <algorithm>
#include <shared_mutex>

#include "model/clock.h"
#include "model/error.h"
#include "storage/catalog.h"
#include "storage/item_codec.h"
#include "storage/key_codec.h"
#include "storage/store.h"
#include "streams/stream_log.h"

namespace ddb::storage {

namespace {

std::string sequence_key() { return std::string(1, char(keys::kMeta)) + "sequence"; }
// Sequence numbers are reserved in blocks: the store holds the end of the current block, written in the batch
// of the commit that opens a new block, and a restart continues after it. A crash skips what was left of the
// block (sequence numbers increase; they need not be contiguous, as on DynamoDB Streams), and a commit costs no
// extra write.
constexpr uint64_t kSequenceBlock = 1 << 20;
std::string stats_key(uint32_t id) { return keys::id_prefix(keys::kStats, id); }

// Releases the item locks a commit or a read took, in reverse order, however it ends.
struct StripeUnlock {
  std::array<std::mutex, 1024>& all;
  const std::vector<size_t>& held;
  ~StripeUnlock() {
    for (auto it = held.rbegin(); it != held.rend(); ++it) all[*it].unlock();
  }
};

}  // namespace

ItemStore::ItemStore(Store& store, Catalog& catalog, streams::StreamLog& streams)
    : store_(store), catalog_(catalog), streams_(streams) {
  std::string v;
  if (store_.get(sequence_key(), &v) && v.size() == 8) last_sequence_ = reserved_sequence_ = keys::read_u64(v);
}

// Nothing to save: every statistic is in the store with the write that changed it.
ItemStore::~ItemStore() = default;

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

ItemStore::Counters& ItemStore::counters(uint32_t id) {
  auto [it, inserted] = counters_.try_emplace(id);
  if (inserted) {
    std::string v;
    if (store_.get(stats_key(id), &v) && v.size() == 16) {
      it->second.count = int64_t(keys::read_u64(v));
      it->second.bytes = int64_t(keys::read_u64(std::string_view(v).substr(8)));
    }
  }
  return it->second;
}

TableStats ItemStore::stats(uint32_t id) {
  std::lock_guard lock(commit_mu_);
  Counters& c = counters(id);
  return {c.count, c.bytes};
}

void ItemStore::forget_stats(uint32_t id) {
  std::lock_guard lock(commit_mu_);
  counters_.erase(id);
}

bool ItemStore::index_entry(const TableDef& table, const IndexDef& index, const AttributeMap& item, std::string* key,
                            AttributeMap* projected, bool by_update) {
  const AttributeValue* index_keys[2] = {nullptr, nullptr};
  for (size_t i = 0; i < index.key_schema.size(); ++i) {
    const std::string& name = index.key_schema[i].attribute_name;
    auto it = item.find(name);
    if (it == item.end()) return false;  // sparse: no entry
    AttrType expected = table.key_value_type(name);
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

// The index entries one write removes and adds, computed before anything is written (this is where a wrong
// index key type refuses the request).
struct ItemStore::IndexChange {
  const IndexDef* index;
  bool had, has;
  std::string old_key, new_key;
  AttributeMap old_entry, new_entry;
};

std::vector<ItemStore::IndexChange> ItemStore::index_changes(const TableDef& table, const AttributeMap* old,
                                                             const AttributeMap* next, bool by_update) const {
  std::vector<IndexChange> changes;
  for (const IndexDef& index : table.indexes) {
    if (index.status == "DELETING") continue;
    IndexChange c{&index, false, false, {}, {}, {}, {}};
    c.had = old && index_entry(table, index, *old, &c.old_key, &c.old_entry);
    c.has = next && index_entry(table, index, *next, &c.new_key, &c.new_entry, by_update);
    if (c.had && c.has && c.old_key == c.new_key && c.old_entry == c.new_entry) continue;
    // While a new index is backfilled, the old item's entry may not be written yet: only an entry that is
    // there counts as removed.
    if (c.had && index.status == "CREATING") {
      std::string ignored;
      c.had = store_.get(c.old_key, &ignored);
    }
    if (!c.had && !c.has) continue;
    changes.push_back(std::move(c));
  }
  return changes;
}

bool ItemStore::commit(std::span<Mutation> mutations) {
  // The definitions cannot change while this decides and commits: each table's schema lock, held shared, in
  // table id order.
  std::vector<TableLive*> lives;
  for (const Mutation& m : mutations) lives.push_back(m.table->live.get());
  std::sort(lives.begin(), lives.end());
  lives.erase(std::unique(lives.begin(), lives.end()), lives.end());
  std::vector<std::shared_lock<SchemaLock>> schema_locks;
  schema_locks.reserve(lives.size());
  for (TableLive* live : lives) schema_locks.emplace_back(live->schema);
  for (Mutation& m : mutations) {
    if (m.table->version == m.table->live->version.load()) continue;
    TableRef now = catalog_.current(*m.table);
    if (!now) throw Error::resource_not_found();
    m.table = std::move(now);
  }

  // Every item's stripe, in stripe order.
  std::vector<size_t> stripes;
  stripes.reserve(mutations.size());
  for (const Mutation& m : mutations) stripes.push_back(stripe_of(m.key));
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  for (size_t s : stripes) stripes_[s].lock();
  StripeUnlock unlock{stripes_, stripes};

  // Decide everything before writing anything.
  std::vector<std::vector<IndexChange>> indexes(mutations.size());
  bool refused = false;
  for (size_t i = 0; i < mutations.size(); ++i) {
    Mutation& m = mutations[i];
    m.outcome = {};
    bool existed = store_.get(m.key, &m.outcome.stored_old);
    if (existed) m.outcome.old = decode_item(m.outcome.stored_old);
    m.apply(existed ? &m.outcome.old : nullptr);
    if (m.outcome.condition_failed || !m.outcome.refused.empty()) refused = true;
    if (m.outcome.change == Change::Keep) continue;
    indexes[i] =
        index_changes(*m.table, existed ? &m.outcome.old : nullptr,
                      m.outcome.change == Change::Put ? &m.outcome.next : nullptr, m.kind == Mutation::Kind::Update);
  }
  if (refused) {
    for (Mutation& m : mutations) m.outcome.change = Change::Keep;
    return false;
  }

  WriteBatch batch;
  std::vector<std::pair<uint32_t, Counters>> deltas;
  auto add_delta = [&](uint32_t id, int64_t count, int64_t bytes) {
    for (auto& [d_id, d] : deltas) {
      if (d_id == id) {
        d.count += count;
        d.bytes += bytes;
        return;
      }
    }
    deltas.push_back({id, {count, bytes}});
  };
  size_t changed = 0;
  for (size_t i = 0; i < mutations.size(); ++i) {
    Mutation& m = mutations[i];
    Mutation::Outcome& o = m.outcome;
    if (o.change == Change::Keep) {
      // The TTL sweeper's entry of an item that no longer expires by it.
      if (!m.ttl_entry.empty()) batch.del(m.ttl_entry);
      continue;
    }
    ++changed;
    if (const std::string& ttl = m.table->ttl_attribute; !ttl.empty()) {
      // The item's TTL entry follows its TTL attribute.
      int64_t now_seconds = now_millis() / 1000;
      std::optional<int64_t> before = o.existed ? ttl_expiry(o.old, ttl, now_seconds) : std::nullopt;
      std::optional<int64_t> after = o.change == Change::Put ? ttl_expiry(o.next, ttl, now_seconds) : std::nullopt;
      if (before != after) {
        if (before) batch.del(ttl_entry_key(m.table->id, *before, m.key));
        if (after) batch.put(ttl_entry_key(m.table->id, *after, m.key), {});
      }
    }
    for (const IndexChange& ch : indexes[i]) {
      size_t removed = ch.had ? item_size(ch.old_entry) : 0, written = ch.has ? item_size(ch.new_entry) : 0;
      if (ch.had && (!ch.has || ch.old_key != ch.new_key)) batch.del(ch.old_key);
      if (ch.has) {
        std::string bytes;
        encode_item(ch.new_entry, bytes);
        batch.put(ch.new_key, bytes);
      }
      add_delta(ch.index->id, int64_t(ch.has) - int64_t(ch.had), int64_t(written) - int64_t(removed));
      o.index_writes.push_back({ch.index, removed, written, ch.had && ch.has && ch.old_key != ch.new_key});
    }
    int64_t old_size = int64_t(o.old_bytes);
    if (o.change == Change::Put) {
      encode_item(o.next, o.stored_next);
      batch.put(m.key, o.stored_next);
      add_delta(m.table->id, o.existed ? 0 : 1, int64_t(o.new_bytes) - old_size);
    } else {
      batch.del(m.key);
      add_delta(m.table->id, -1, -old_size);
    }
  }
  for (const auto& [id, d] : deltas) {
    if (d.count || d.bytes) batch.add_stats(stats_key(id), d.count, d.bytes);
  }
  if (changed) {
    commit_in_order(batch, mutations, deltas);
  } else if (!batch.empty()) {
    store_.write(batch);  // only stale TTL entries
  }
  return true;
}

void ItemStore::commit_in_order(WriteBatch& batch, std::span<Mutation> mutations,
                                const std::vector<std::pair<uint32_t, Counters>>& deltas) {
  std::lock_guard lock(commit_mu_);
  // Read in commit order: records' times grow with their sequence numbers (the trimmer relies on it).
  int64_t now = 0;
  for (const Mutation& m : mutations) {
    if (m.outcome.change != Change::Keep && m.table->enabled_stream()) {
      now = now_millis();
      break;
    }
  }
  // Counters are loaded from the store before the batch's deltas reach it.
  for (const auto& [id, d] : deltas) counters(id);
  uint64_t sequence = last_sequence_;
  for (Mutation& m : mutations) {
    if (m.outcome.change == Change::Keep) continue;
    m.outcome.sequence = ++sequence;
    // The change's stream record, in its batch (the definition is current: its schema lock is held).
    if (const StreamDef* stream = m.table->enabled_stream()) streams_.append(batch, *stream, m, now);
  }
  uint64_t reserved = reserved_sequence_;
  if (sequence > reserved) {
    reserved = sequence + kSequenceBlock;
    std::string end;
    keys::append_u64(end, reserved);
    batch.put(sequence_key(), end);
  }
  try {
    store_.write(batch);
  } catch (...) {
    for (Mutation& m : mutations) m.outcome.sequence = 0;
    streams_.forget_pending();
    throw;
  }
  last_sequence_ = sequence;
  reserved_sequence_ = reserved;
  for (const auto& [id, d] : deltas) {
    Counters& c = counters(id);
    c.count += d.count;
    c.bytes += d.bytes;
  }
}

bool ItemStore::for_each_item(const TableDef& table, const std::atomic<bool>& stop, const ItemVisit& visit) {
  std::string begin = keys::id_prefix(keys::kItem, table.id), end = keys::id_prefix_end(keys::kItem, table.id);
  auto cur = store_.cursor();
  for (cur->seek(begin); cur->valid() && cur->key() < std::string_view(end); cur->next()) {
    if (stop.load()) return false;
    std::string item_key(cur->key());
    std::shared_lock schema(table.live->schema);
    TableRef now = catalog_.current(table);
    if (!now) return false;  // the table is gone
    std::lock_guard item_lock(stripes_[stripe_of(item_key)]);
    std::string bytes;
    if (!store_.get(item_key, &bytes)) continue;  // deleted meanwhile
    if (!visit(*now, item_key, decode_item(bytes))) return false;
  }
  return true;
}

bool ItemStore::backfill(const TableDef& table, uint32_t index_id, const std::atomic<bool>& stop) {
  return for_each_item(table, stop, [&](const TableDef& now, const std::string&, const AttributeMap& item) {
    const IndexDef* index = nullptr;
    for (const auto& i : now.indexes) {
      if (i.id == index_id && i.status == "CREATING") index = &i;
    }
    if (!index) return false;  // the index is gone
    std::string key;
    AttributeMap entry;
    bool has;
    try {
      has = index_entry(now, *index, item, &key, &entry);
    } catch (const Error&) {
      has = false;  // an item whose attribute has another type than the index key: not indexed
    }
    std::string existing;
    if (!has || store_.get(key, &existing)) return true;  // a write since the index was published made it
    WriteBatch batch;
    std::string encoded;
    encode_item(entry, encoded);
    batch.put(key, encoded);
    int64_t entry_bytes = int64_t(item_size(entry));
    std::vector<std::pair<uint32_t, Counters>> deltas{{index_id, {1, entry_bytes}}};
    batch.add_stats(stats_key(index_id), 1, entry_bytes);
    commit_in_order(batch, {}, deltas);
    return true;
  });
}

uint64_t ItemStore::last_sequence() {
  std::lock_guard lock(commit_mu_);
  return last_sequence_;
}

bool ItemStore::backfill_ttl(const TableDef& table, const std::atomic<bool>& stop) {
  return for_each_item(table, stop, [&](const TableDef& now, const std::string& item_key, const AttributeMap& item) {
    // TTL disabled, or enabled anew, meanwhile: this backfill is over.
    if (now.ttl_attribute.empty() || now.ttl_enabled_millis != table.ttl_enabled_millis) return false;
    std::optional<int64_t> expiry = ttl_expiry(item, now.ttl_attribute, now_millis() / 1000);
    if (!expiry) return true;
    WriteBatch batch;
    batch.put(ttl_entry_key(now.id, *expiry, item_key), {});
    store_.write(batch);
    return true;
  });
}

void ItemStore::read_all(const std::vector<std::string>& keys, std::vector<std::optional<AttributeMap>>* items) {
  std::vector<size_t> stripes;
  for (const auto& k : keys) stripes.push_back(stripe_of(k));
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  for (size_t s : stripes) stripes_[s].lock();
  StripeUnlock unlock{stripes_, stripes};  // also when a read fails (a corrupt record throws)
  items->clear();
  for (const auto& k : keys) {
    std::string bytes;
    if (store_.get(k, &bytes)) {
      items->push_back(decode_item(bytes));
    } else {
      items->push_back(std::nullopt);
    }
  }
}

}  // namespace ddb::storage
