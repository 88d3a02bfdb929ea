// storage/item_store.h — items of tables, and the one write path every writer goes through.
//
// write() serialises writers of one item (lock striping on the item's key), reads the current item,
// lets the caller decide the change from it, and commits the item with everything derived from it (the
// table's statistics today; index entries, stream records and TTL entries as they come) in one RocksDB
// WriteBatch. Reads never block writers and see whole items. Thread safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/attribute_value.h"

namespace ddb::storage {

class Store;
struct TableDef;
struct IndexDef;

struct TableStats {
  int64_t item_count = 0;
  int64_t size_bytes = 0;
};

class ItemStore {
 public:
  explicit ItemStore(Store& store);
  ~ItemStore();  // persists the statistics

  // The stored key of an item: its table, then its partition (by hash) and sort key in DynamoDB's order.
  static std::string item_key(const TableDef& table, const AttributeValue& hash, const AttributeValue* range);

  // True and *item set when the item exists.
  bool get(const std::string& key, AttributeMap* item) const;
  // The same, as the stored bytes (see item_codec.h), for answers written without decoding.
  bool get_stored(const std::string& key, std::string* bytes) const;

  enum class Change { Put, Delete, Keep };
  // decide(old, next): old is null when there is no item; to write, fill *next and answer Put, or answer
  // Delete; Keep writes nothing. decide may throw (e.g. a failed condition): nothing is written then.
  using Decide = std::function<Change(const AttributeMap* old, AttributeMap* next)>;
  // What one write did to the table's indexes (for the capacity it consumed): per index whose entry changed,
  // the size of the entry removed and of the entry written (0 for none), and whether the entry's key moved.
  struct IndexWrite {
    const IndexDef* index;
    size_t removed_bytes, written_bytes;
    bool moved;
  };
  using IndexWrites = std::vector<IndexWrite>;

  // Returns what the write did to the table's indexes.
  IndexWrites write(const TableDef& table, const std::string& key, const Decide& decide, bool by_update = false);

  // Several items at once (a transaction): every item is locked, read and decided, then before_commit (if
  // given) may still refuse everything by throwing, and otherwise every change commits in one WriteBatch.
  struct Write {
    const TableDef* table;
    std::string key;
    Decide decide;
    bool by_update = false;
    IndexWrites* index_writes = nullptr;  // filled when given
  };
  void write_all(std::vector<Write>& writes, const std::function<void()>& before_commit = {});

  // Reads several items as of one moment (no write to any of them is half-seen): null for a missing item.
  void read_all(const std::vector<std::string>& keys, std::vector<std::optional<AttributeMap>>* items);

  // Statistics of a table or of an index (by its id).
  TableStats stats(uint32_t table_or_index_id);

  // The stored key of an item's entry in an index, and the entry (the projected item); false when the item
  // has no entry (it lacks an index key attribute). Throws ddb::Error when an index key has a wrong type.
  // by_update: the item comes from an UpdateItem (DynamoDB words the empty-key refusal differently then).
  static bool index_entry(const TableDef& table, const struct IndexDef& index, const AttributeMap& item,
                          std::string* key, AttributeMap* projected, bool by_update = false);

  // Writes the entries of every existing item into a new index (the backfill of a new global index).
  void backfill(const TableDef& table, const struct IndexDef& index);
  // Removes every entry of a deleted index.
  void drop_index(const struct IndexDef& index);

 private:
  struct Counters {
    std::atomic<int64_t> count{0}, bytes{0};
    std::atomic<int64_t> persisted_at{0};  // steady-clock milliseconds of the last persisted copy
  };
  Counters& counters(uint32_t table_id);
  struct IndexChange;
  std::vector<IndexChange> index_changes(const TableDef& table, const AttributeMap* old, const AttributeMap* next,
                                         bool by_update);
  void apply_index_changes(const std::vector<IndexChange>& changes, class WriteBatch& batch);
  size_t stripe_of(const std::string& key) const;
  static void stats_record(const Counters& c, std::string* out);
  std::mutex& lock_for(const std::string& key);

  Store& store_;
  std::array<std::mutex, 1024> stripes_;
  std::mutex counters_mu_;
  std::unordered_map<uint32_t, std::unique_ptr<Counters>> counters_;
};

}  // namespace ddb::storage
