#include "storage/store.h"

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <stdexcept>

namespace ddb::storage {

static rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

namespace {
// RocksDB's informational log is of no use to a ddblocal user, and writing it (the options dump on every
// open) costs start-up time: it goes nowhere. Errors reach the caller as Status values.
class NullLogger : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};
// Statistics records are two big-endian 64-bit integers (item count, size in bytes) that writes change by
// deltas merged into the key, in the same WriteBatch as the change itself: exact after any crash, without a
// read-modify-write of a shared record.
class StatsAdd : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value, std::string* out,
             rocksdb::Logger*) const override {
    uint64_t sum[2] = {0, 0};
    auto add = [&](const rocksdb::Slice& s) {
      if (s.size() != 16) return;  // not a statistics record: ignored rather than corrupting the sum
      for (int i = 0; i < 2; ++i) {
        uint64_t v = 0;
        for (int b = 0; b < 8; ++b) v = (v << 8) | uint8_t(s.data()[i * 8 + b]);
        sum[i] += v;  // two's complement: negative deltas subtract
      }
    };
    if (existing) add(*existing);
    add(value);
    out->clear();
    for (uint64_t v : sum) {
      for (int b = 7; b >= 0; --b) out->push_back(char(uint8_t(v >> (8 * b))));
    }
    return true;
  }
  const char* Name() const override { return "ddblocal.StatsAdd"; }
};

}  // namespace

WriteBatch::WriteBatch() : batch_(std::make_unique<rocksdb::WriteBatch>()) {}
WriteBatch::~WriteBatch() = default;
void WriteBatch::put(std::string_view key, std::string_view value) { batch_->Put(slice(key), slice(value)); }
void WriteBatch::del(std::string_view key) { batch_->Delete(slice(key)); }
void WriteBatch::delete_range(std::string_view begin, std::string_view end) {
  batch_->DeleteRange(slice(begin), slice(end));
}
void WriteBatch::add_stats(std::string_view key, int64_t count_delta, int64_t bytes_delta) {
  char value[16];
  uint64_t parts[2] = {uint64_t(count_delta), uint64_t(bytes_delta)};
  for (int i = 0; i < 2; ++i) {
    for (int b = 0; b < 8; ++b) value[i * 8 + b] = char(uint8_t(parts[i] >> (8 * (7 - b))));
  }
  batch_->Merge(slice(key), rocksdb::Slice(value, sizeof value));
}
bool WriteBatch::empty() const { return batch_->Count() == 0; }

Cursor::Cursor(rocksdb::Iterator* it) : it_(it) {}
Cursor::~Cursor() = default;
void Cursor::seek(std::string_view key) { it_->Seek(slice(key)); }
void Cursor::seek_for_prev(std::string_view key) { it_->SeekForPrev(slice(key)); }
bool Cursor::valid() const { return it_->Valid(); }
void Cursor::next() { it_->Next(); }
void Cursor::prev() { it_->Prev(); }
std::string_view Cursor::key() const { return it_->key().ToStringView(); }
std::string_view Cursor::value() const { return it_->value().ToStringView(); }

std::unique_ptr<Store> Store::open(const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store());
  rocksdb::Options opts;
  opts.create_if_missing = true;
  // A local development server: small memory footprint and fast start matter more than bulk throughput.
  opts.write_buffer_size = 8 << 20;
  opts.max_write_buffer_number = 2;
  opts.max_open_files = 256;
  opts.keep_log_file_num = 2;
  opts.max_background_jobs = 2;
  opts.avoid_unnecessary_blocking_io = true;
  opts.info_log = std::make_shared<NullLogger>();
  opts.merge_operator = std::make_shared<StatsAdd>();
  opts.stats_dump_period_sec = 0;
  opts.stats_persist_period_sec = 0;
  opts.skip_stats_update_on_db_open = true;
  opts.skip_checking_sst_file_sizes_on_db_open = true;
  // Point reads (every write reads the item it replaces) skip the files and memtable entries that cannot
  // hold the key: Bloom filters on whole keys, in the tables and in the memtable.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  // Index and filter blocks stay with their open table files (RocksDB's default), not in the block cache: a
  // filter block larger than a cache shard (stream logs make big files) would be read and verified again on
  // every point read, slowing every table down by 30x.
  table.cache_index_and_filter_blocks = false;
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  opts.memtable_whole_key_filtering = true;
  opts.memtable_prefix_bloom_size_ratio = 0.02;
  std::string path = options.data_dir;
  if (options.in_memory) {
    store->mem_env_.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    opts.env = store->mem_env_.get();
    path = "/ddblocal-memory";
    store->in_memory_ = true;
  } else {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) throw std::runtime_error("cannot create data directory " + path + ": " + ec.message());
  }
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(opts, path, &db);
  if (!s.ok()) throw std::runtime_error("cannot open RocksDB at " + path + ": " + s.ToString());
  store->db_.reset(db);
  return store;
}

Store::~Store() {
  if (db_) {
    flush();
    db_->Close();
    db_.reset();
  }
}

bool Store::get(std::string_view key, std::string* value) const {
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), slice(key), value);
  if (s.ok()) return true;
  if (s.IsNotFound()) return false;
  throw std::runtime_error("RocksDB read failed: " + s.ToString());
}

void Store::write(WriteBatch& batch) {
  rocksdb::WriteOptions options;
  // In memory there is nothing to recover after a crash: the write-ahead log would only cost time.
  options.disableWAL = in_memory_;
  rocksdb::Status s = db_->Write(options, batch.batch_.get());
  if (!s.ok()) throw std::runtime_error("RocksDB write failed: " + s.ToString());
}

std::unique_ptr<Cursor> Store::cursor() const {
  return std::unique_ptr<Cursor>(new Cursor(db_->NewIterator(rocksdb::ReadOptions())));
}

void Store::flush() {
  if (in_memory_ || !db_) return;
  db_->Flush(rocksdb::FlushOptions());
  db_->FlushWAL(true);
}

void Store::compact() { db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr); }

}  // namespace ddb::storage
