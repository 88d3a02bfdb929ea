// storage/catalog.h — the tables of every namespace, kept in memory and persisted in the store.
//
// A TableDef is immutable once published: readers hold a shared_ptr to the version they looked up, and a
// change (UpdateTable, TagResource, DeleteTable, an index becoming ACTIVE) publishes a new version with the
// next version number. Changes to one table are serialised by its schema lock (TableLive::schema), which
// writes of items hold shared from their decision to their commit: once update() returns, every write that
// decided against the old version has committed, and every later write decides against the new one (the
// write path re-reads the definition when its version is no longer current). Catalog is thread safe. Table
// names are unique within a namespace (an access key id and region, or the shared namespace); each table gets
// a numeric id, never reused, that prefixes its item keys.
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "model/attribute_value.h"

namespace ddb::storage {

class Store;
class WriteBatch;

// Adds to the batch the deletion of every entry and statistic of an index (a deleted index, a deleted table).
void erase_index(WriteBatch& batch, uint32_t index_id);

// A reader-writer lock that lets a waiting writer in before new readers (std::shared_mutex on glibc prefers
// readers: a steady stream of item writes would hold off a schema change for ever). Readers must not take it
// twice in one thread; every user takes it once per table, in table id order.
class SchemaLock {
 public:
  SchemaLock();
  ~SchemaLock();
  SchemaLock(const SchemaLock&) = delete;
  SchemaLock& operator=(const SchemaLock&) = delete;
  void lock();
  void unlock();
  void lock_shared();
  void unlock_shared();

 private:
  pthread_rwlock_t lock_;
};

// What every version of one table shares.
struct TableLive {
  static constexpr uint64_t kDeleted = UINT64_MAX;
  SchemaLock schema;                 // shared: an item write in flight; exclusive: a change of the definition
  std::atomic<uint64_t> version{0};  // the current version's number, kDeleted once the table is gone
};

struct AttributeDefinition {
  std::string attribute_name;
  std::string attribute_type;  // "S", "N" or "B"
};

struct KeySchemaElement {
  std::string attribute_name;
  std::string key_type;  // "HASH" or "RANGE"
};

struct Projection {
  std::string projection_type = "ALL";  // ALL, KEYS_ONLY or INCLUDE
  std::vector<std::string> non_key_attributes;
};

struct IndexDef {
  uint32_t id = 0;  // prefixes the index's entries, like a table id
  std::string name;
  bool global = true;
  std::vector<KeySchemaElement> key_schema;
  Projection projection;
  int64_t read_capacity_units = 0;
  int64_t write_capacity_units = 0;
  std::string status = "ACTIVE";  // CREATING while a new global index is backfilled, DELETING, ACTIVE

  const std::string& hash_key() const { return key_schema[0].attribute_name; }
  std::string range_key() const { return key_schema.size() > 1 ? key_schema[1].attribute_name : std::string(); }
};

struct Tag {
  std::string key;
  std::string value;
};

// One DynamoDB stream of a table (streams/stream_log.h keeps its shards and records). Enabling a stream makes a
// new one (a new label and ARN); disabling keeps it readable, its shards closed, until it is trimmed.
struct StreamDef {
  uint32_t id = 0;         // prefixes its records and shards, like a table id (never reused)
  std::string label;       // "2026-12-08T00:35:37.123": the last part of its ARN
  std::string view_type;   // KEYS_ONLY, NEW_IMAGE, OLD_IMAGE or NEW_AND_OLD_IMAGES
  int64_t created_millis = 0;
  int64_t disabled_millis = 0;  // 0 while enabled
};

struct TableDef {
  uint32_t id = 0;
  uint64_t version = 0;  // 0 at creation, +1 with every published change
  std::shared_ptr<TableLive> live;
  std::string ns;      // namespace
  std::string region;  // of the request that created it (for the ARN)
  std::string name;
  std::string table_uuid;  // TableId
  std::vector<AttributeDefinition> attribute_definitions;
  std::vector<KeySchemaElement> key_schema;
  std::string billing_mode = "PROVISIONED";  // or PAY_PER_REQUEST
  int64_t read_capacity_units = 0;
  int64_t write_capacity_units = 0;
  int64_t creation_millis = 0;
  int64_t last_update_to_pay_per_request_millis = 0;
  int64_t last_increase_millis = 0;
  int64_t last_decrease_millis = 0;
  int64_t number_of_decreases_today = 0;
  bool sse_enabled = false;
  std::string sse_type;
  std::string kms_master_key_id;
  std::string table_class;  // empty: STANDARD and not shown
  bool deletion_protection_enabled = false;
  std::vector<Tag> tags;
  std::vector<IndexDef> indexes;  // global and local secondary indexes, in the order they were defined
  std::vector<StreamDef> streams;  // oldest first; the last is the latest (enabled unless disabled_millis)
  std::string ttl_attribute;       // the TTL attribute while TTL is enabled, else empty
  int64_t ttl_enabled_millis = 0;  // when TTL was enabled (tells one enabling from the next)
  bool ttl_backfilled = false;     // every item written before TTL was enabled has its TTL entry

  const IndexDef* find_index(std::string_view index_name) const {
    for (const auto& i : indexes) {
      if (i.name == index_name) return &i;
    }
    return nullptr;
  }

  std::string arn() const { return "arn:aws:dynamodb:" + region + ":000000000000:table/" + name; }
  std::string stream_arn(const StreamDef& s) const { return arn() + "/stream/" + s.label; }
  // The stream that records this table's changes, or null.
  const StreamDef* enabled_stream() const {
    return !streams.empty() && !streams.back().disabled_millis ? &streams.back() : nullptr;
  }
  const std::string& hash_key() const { return key_schema[0].attribute_name; }
  // Empty when the table has no sort key.
  std::string range_key() const { return key_schema.size() > 1 ? key_schema[1].attribute_name : std::string(); }
  // "S", "N" or "B" for a key attribute, empty if it is not defined.
  std::string attribute_type(const std::string& attribute_name) const;
  // The same as the type of a value (S for an attribute that is not defined).
  AttrType key_value_type(const std::string& attribute_name) const;

  std::string serialize() const;
  static TableDef deserialize(std::string_view bytes);  // throws std::runtime_error on a corrupt record
};

using TableRef = std::shared_ptr<const TableDef>;

class Catalog {
 public:
  // Loads every table definition from the store.
  explicit Catalog(Store& store);

  // Null when there is no such table.
  TableRef find(std::string_view ns, std::string_view name) const;
  // Names in the namespace in ascending byte order, starting after exclusive_start (if not empty).
  std::vector<std::string> list(std::string_view ns, std::string_view exclusive_start, size_t limit, bool* more) const;

  // Assigns the table id (and its indexes' ids), persists and publishes. False (and nothing written) when the
  // name is taken.
  // with: adds the store changes that go with the new table to its batch (its stream's first shard), given the
  // table as published (ids assigned).
  using With = std::function<void(const TableDef& def, WriteBatch& batch)>;
  bool create(TableDef def, const With& with = {});
  // A fresh id for a new index of an existing table.
  uint32_t allocate_id();
  // The current version of a table, or null when it has been deleted (or re-created under another id).
  TableRef current(const TableDef& table) const;

  // Changes a table under its schema lock: change gets a copy of the current version and a batch to which it
  // may add the store changes that go with it (an index's entries deleted); the new version is persisted in
  // that batch and published. Null when there is no such table. When change throws, nothing is changed.
  using Change = std::function<void(TableDef& def, WriteBatch& batch)>;
  TableRef update(std::string_view ns, std::string_view name, const Change& change);
  // Removes the table and every key of its id under its schema lock (after check, which may throw to refuse);
  // returns the removed definition or null.
  // with adds what goes with the removal (its streams' records) to the batch.
  TableRef remove(std::string_view ns, std::string_view name, const std::function<void(const TableDef&)>& check = {},
                  const With& with = {});
  // Every table (for the engine's work at start: resuming index backfills).
  std::vector<TableRef> all() const;

  // Deleted tables whose streams are still readable (DynamoDB keeps them for 24 hours): remove() keeps the
  // definition of a table that had streams, every stream disabled, until the trimmer drops it.
  std::vector<TableRef> retired() const;
  // Drops a retired definition; with adds what goes with it (its streams' records) to the batch.
  void drop_retired(const TableDef& def, const With& with);

 private:
  Store& store_;
  mutable std::shared_mutex mu_;
  // namespace -> name -> table (transparent comparators: lookups by string_view allocate nothing)
  std::map<std::string, std::map<std::string, TableRef, std::less<>>, std::less<>> tables_;
  std::map<uint32_t, TableRef> retired_;  // by table id
  uint32_t next_id_ = 1;
};

}  // namespace ddb::storage
