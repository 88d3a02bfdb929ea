// storage/mutation.h — the typed writes (Put, Update, Delete, ConditionCheck) and the one rule that decides
// each against the item as it is stored.
//
// Every writer builds Mutations: PutItem, UpdateItem, DeleteItem, BatchWriteItem and TransactWriteItems (and
// PartiQL and TTL after them). A factory checks what can be checked without the stored item (the key against
// the table's schema, the item's size, an update of a key attribute) and throws ddb::Error with DynamoDB's
// message. ItemStore::commit then decides every mutation with apply() under the item's lock and commits what
// changed. A Mutation is not thread safe; the expressions it points at must outlive the commit.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/attribute_value.h"
#include "storage/catalog.h"

namespace ddb::expr {
struct Node;
struct UpdateExpression;
}  // namespace ddb::expr

namespace ddb::storage {

// DynamoDB's item size limit (400 KB by its size rule, storage::item_size).
constexpr size_t kMaxItemBytes = 400 * 1024;

// The stored key for a Key parameter: exactly the key attributes, of the declared types and sizes.
std::string key_of(const TableDef& table, const AttributeMap& key);
// The stored key of a whole item (PutItem), checking presence, types, emptiness and sizes of its key attributes.
std::string key_of_item(const TableDef& table, const AttributeMap& item);
// Checks the 400 KB item limit; answers the item's size.
size_t check_item_size(const AttributeMap& item);

// The epoch second from which an item expires under the table's TTL attribute, or none: the attribute is
// missing, not a number, or more than five years before now_seconds (such items never expire, as on
// DynamoDB), or out of any clock's range.
std::optional<int64_t> ttl_expiry(const AttributeMap& item, const std::string& ttl_attribute, int64_t now_seconds);
// The key of an item's TTL entry: 0x05 <table id:4> <expiry seconds:8> <item key>, and back to the item key.
std::string ttl_entry_key(uint32_t table_id, int64_t expiry, const std::string& item_key);
std::string item_key_of_ttl_entry(std::string_view ttl_entry);

// What one write does to the table's write capacity: 1 unit per KB of the larger of the old and new item, and
// per index whose entry it changes the units of the entry removed and written (a moved index key costs both).
double write_units(size_t item_bytes);

enum class Change : uint8_t { Keep, Put, Delete };

// What one write did to one index: the size of the entry removed and of the entry written (0 for none), and
// whether the entry's key moved.
struct IndexWrite {
  const IndexDef* index;
  size_t removed_bytes, written_bytes;
  bool moved;
  double units() const;
};

struct Mutation {
  enum class Kind : uint8_t { Put, Update, Delete, ConditionCheck };

  static Mutation put(TableRef table, AttributeMap item, const expr::Node* condition);
  // update may be null (an UpdateItem without updates writes the key alone when the item is missing).
  static Mutation update(TableRef table, AttributeMap key, const expr::UpdateExpression* update,
                         const expr::Node* condition);
  static Mutation remove(TableRef table, AttributeMap key, const expr::Node* condition);
  static Mutation condition_check(TableRef table, AttributeMap key, const expr::Node* condition);
  // The TTL sweeper's deletion of the item stored under `key`, found in the table's TTL entries (ttl_entry):
  // it deletes only an item whose TTL attribute has expired by now_seconds; its stream record carries the
  // service's identity. When the item does not expire by that entry any more, the commit drops the entry.
  static Mutation expire(TableRef table, std::string key, std::string ttl_entry, int64_t now_seconds);

  Kind kind = Kind::Put;
  TableRef table;               // the version the request was checked with; the commit uses the current one
  std::string key;              // the stored key (ItemStore::item_key)
  AttributeMap key_attributes;  // the item's key attributes
  AttributeMap item;            // Put: the new item
  size_t item_bytes = 0;        // Put: its size (storage::item_size)
  const expr::UpdateExpression* update_expression = nullptr;
  const expr::Node* condition = nullptr;
  bool by_service = false;        // a deletion by TTL (expire)
  int64_t expired_by = 0;         // expire: the sweep's time (epoch seconds)
  std::string ttl_entry;          // expire: the TTL entry that named the item

  // The decision and what the commit did with it, filled by ItemStore::commit.
  struct Outcome {
    Change change = Change::Keep;
    bool existed = false;
    bool condition_failed = false;
    std::string refused;                  // why the change cannot be written (a transaction's ValidationError)
    AttributeMap old;                     // the item before, when it existed
    AttributeMap next;                    // the item after a Put or Update
    std::string stored_old, stored_next;  // both as stored (item codec): a stream record takes them as they are
    std::set<std::string> touched;        // the top-level attributes an update expression named
    size_t old_bytes = 0, new_bytes = 0;  // the sizes of old and next (storage::item_size)
    size_t charged_bytes = 0;             // the larger of the old and the new item
    std::vector<IndexWrite> index_writes;
    uint64_t sequence = 0;  // the commit's place in commit order; 0 when nothing was written
  } outcome;

  // Decides the change from the item as stored (null: there is none): evaluates the condition (a failure is
  // recorded, not thrown), applies the update, checks the new item's size. Throws ddb::Error for an update
  // whose operands have the wrong types (the whole request is refused then).
  void apply(const AttributeMap* old);

  // The write units this write consumed on the table (without its indexes).
  double table_units() const { return write_units(outcome.charged_bytes); }
};

}  // namespace ddb::storage
