// storage/store.h — the one RocksDB database of a ddblocal process, behind a small interface.
//
// Store owns the database (on disk under a data directory, or in RocksDB's memory Env with the very same
// code path). All writes go through write(WriteBatch&), which commits atomically: either every put and
// delete of the batch is visible, or none is. Reads see the latest committed state. Store is thread safe;
// a WriteBatch and a Cursor belong to one thread. No RocksDB header is included here: api/ includes this.
// See DESIGN.md for the key layout.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace rocksdb {
class DB;
class Env;
class WriteBatch;
class Iterator;
}  // namespace rocksdb

namespace ddb::storage {

struct StoreOptions {
  std::string data_dir = "./data";
  bool in_memory = false;
};

class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  void put(std::string_view key, std::string_view value);
  void del(std::string_view key);
  // Adds a statistics delta (keys::kStats records: signed 64-bit item count and byte size, big-endian) to what
  // the key holds; deltas of concurrent batches add up whatever order they commit in.
  void add_stats(std::string_view key, int64_t count_delta, int64_t bytes_delta);
  // Deletes every key in [begin, end).
  void delete_range(std::string_view begin, std::string_view end);
  bool empty() const;

 private:
  friend class Store;
  std::unique_ptr<rocksdb::WriteBatch> batch_;
};

// A forward/backward iterator over the committed keys at the moment it was made (a consistent view).
class Cursor {
 public:
  ~Cursor();
  void seek(std::string_view key);           // first key >= key
  void seek_for_prev(std::string_view key);  // last key <= key
  bool valid() const;
  void next();
  void prev();
  std::string_view key() const;
  std::string_view value() const;

 private:
  friend class Store;
  explicit Cursor(rocksdb::Iterator* it);
  std::unique_ptr<rocksdb::Iterator> it_;
};

class Store {
 public:
  // Opens (creating if needed) the database. Throws std::runtime_error with RocksDB's reason on failure.
  static std::unique_ptr<Store> open(const StoreOptions& options);
  ~Store();  // flushes and closes

  // True and *value set when the key exists.
  bool get(std::string_view key, std::string* value) const;
  // Commits the batch atomically. Throws std::runtime_error when RocksDB refuses it.
  void write(WriteBatch& batch);
  std::unique_ptr<Cursor> cursor() const;
  // Flushes the memtable to disk (a no-op for in-memory stores); called on graceful shutdown.
  void flush();
  // Compacts the whole key space (for --optimize-db-before-startup).
  void compact();

 private:
  Store() = default;
  std::unique_ptr<rocksdb::Env> mem_env_;
  std::unique_ptr<rocksdb::DB> db_;
  bool in_memory_ = false;
};

}  // namespace ddb::storage
