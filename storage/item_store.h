// storage/item_store.h — items of tables, and the one write path every writer goes through.
//
// commit() takes a request's mutations (storage/mutation.h) and, for all of them at once: holds each table's
// schema lock shared (so the definition cannot change under the decision) and re-reads the definition when it
// is no longer current; locks every item (lock striping on the item's key, stripes in ascending order: two
// commits cannot deadlock); reads each item; decides each mutation (Mutation::apply); derives the index
// entries (this is where a wrong index key type refuses the whole request, before anything is written); and
// commits every change in ONE RocksDB WriteBatch: items, index entries, and the statistics deltas of the
// table and its indexes. Commits are numbered in commit order (the sequence of each Mutation's outcome),
// with the old and new images at hand: the stream record of a change goes into that same batch. So a request
// is all or nothing, statistics are exact after any crash, and nothing is written for a request that fails.
// Reads never block writers and see whole items. Thread safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/attribute_value.h"
#include "storage/mutation.h"

namespace ddb::streams {
class StreamLog;
}

namespace ddb::storage {

class Store;
class Catalog;
class WriteBatch;
struct TableDef;
struct IndexDef;

struct TableStats {
  int64_t item_count = 0;
  int64_t size_bytes = 0;
};

class ItemStore {
 public:
  // Changes of tables with an enabled stream get their records in the stream log, in their commit's batch.
  ItemStore(Store& store, Catalog& catalog, streams::StreamLog& streams);
  ~ItemStore();

  // The stored key of an item: its table, then its partition (by hash) and sort key in DynamoDB's order.
  static std::string item_key(const TableDef& table, const AttributeValue& hash, const AttributeValue* range);

  // True and *item set when the item exists.
  bool get(const std::string& key, AttributeMap* item) const;
  // The same, as the stored bytes (see item_codec.h), for answers written without decoding.
  bool get_stored(const std::string& key, std::string* bytes) const;

  // Decides and commits the mutations of one request, all or nothing (see above). False, with nothing written,
  // when a condition failed or a change was refused (each outcome says which). Throws ddb::Error, with nothing
  // written, when a change is invalid for an index, or ResourceNotFoundException when a table is gone.
  bool commit(std::span<Mutation> mutations);
  bool commit(Mutation& mutation) { return commit(std::span<Mutation>(&mutation, 1)); }

  // Reads several items as of one moment (no write to any of them is half-seen): null for a missing item.
  void read_all(const std::vector<std::string>& keys, std::vector<std::optional<AttributeMap>>* items);

  // The sequence number of the last commit (a stream opened now holds the records after it).
  uint64_t last_sequence();

  // Writes the TTL entry of every existing item of a table whose TTL was just enabled (items written before count
  // too), item by item under the item locks. False when stopped, or when the table's TTL changed meanwhile.
  bool backfill_ttl(const TableDef& table, const std::atomic<bool>& stop);

  // Statistics of a table or of an index (by its id).
  TableStats stats(uint32_t table_or_index_id);
  // Forgets the statistics of a table or index whose keys are gone (DeleteTable, a deleted index).
  void forget_stats(uint32_t table_or_index_id);

  // The stored key of an item's entry in an index, and the entry (the projected item); false when the item
  // has no entry (it lacks an index key attribute). Throws ddb::Error when an index key has a wrong type.
  // by_update: the item comes from an UpdateItem (DynamoDB words the empty-key refusal differently then).
  static bool index_entry(const TableDef& table, const IndexDef& index, const AttributeMap& item, std::string* key,
                          AttributeMap* projected, bool by_update = false);

  // Writes the entries of every existing item into a new index (the backfill of a new global index), item by
  // item under the item locks: writes that run meanwhile maintain the index themselves, and an entry already
  // there is not counted twice, so a backfill interrupted by a crash can simply run again. Returns false when
  // stopped by *stop or when the index or its table no longer exists.
  bool backfill(const TableDef& table, uint32_t index_id, const std::atomic<bool>& stop);

 private:
  struct Counters {
    int64_t count = 0, bytes = 0;
  };
  struct IndexChange;
  struct Staged;
  Counters& counters(uint32_t id);  // commit_mu_ held
  std::vector<IndexChange> index_changes(const TableDef& table, const AttributeMap* old, const AttributeMap* next,
                                         bool by_update) const;
  size_t stripe_of(const std::string& key) const;
  // Visits every item of the table under its schema lock (shared) and its item lock, with the table's current
  // definition; stops when visit answers false, when stopped, or when the table is gone (answering false).
  using ItemVisit = std::function<bool(const TableDef& now, const std::string& item_key, const AttributeMap& item)>;
  bool for_each_item(const TableDef& table, const std::atomic<bool>& stop, const ItemVisit& visit);
  // Commits a batch in commit order: numbers its changes, writes it, then applies its statistics deltas.
  void commit_in_order(WriteBatch& batch, std::span<Mutation> changed,
                       const std::vector<std::pair<uint32_t, Counters>>& deltas);

  Store& store_;
  Catalog& catalog_;
  streams::StreamLog& streams_;
  std::array<std::mutex, 1024> stripes_;
  std::mutex commit_mu_;  // commit order: sequence numbers, the store write, the in-memory statistics
  uint64_t last_sequence_ = 0;
  uint64_t reserved_sequence_ = 0;  // the end of the block of sequence numbers the store has reserved
  std::unordered_map<uint32_t, Counters> counters_;
};

}  // namespace ddb::storage
