// streams/stream_log.h — the shard log of DynamoDB streams: records written with the changes that cause them,
// shards with lineage, and the reads of the Streams API.
//
// The write side is called by the one write path (storage/item_store.h) in commit order, with the commit's
// WriteBatch: a change's record commits in the same batch as the change, so there is no change without its
// record and no record without its change, across any crash. A stream has one open shard at a time; when it
// has held shard_max_records records or is shard_max_millis old, the commit that writes the next record closes
// it (its ending sequence number) and opens its child (whose parent it is) in the same batch. Disabling a
// stream closes its open shard. Readers never lock: a read of a shard is a range read from one consistent
// view of the store, shard description and records alike.
//
// Keys (DESIGN.md): 0x04 <stream id:4> <shard:4> <sequence:8> -> record; 0x07 <stream id:4> <shard:4> -> shard;
// 0x00 "trim" <stream id:4> -> the trim point.
// Thread safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/attribute_value.h"

namespace ddb::storage {
class Store;
class WriteBatch;
struct Mutation;
struct StreamDef;
}  // namespace ddb::storage

namespace ddb::streams {

struct StreamLogOptions {
  uint64_t shard_max_records = 100000;
  int64_t shard_max_millis = 4 * 3600 * 1000;  // DynamoDB's shards roll over about every four hours
  int64_t retention_millis = 24 * 3600 * 1000;
};

enum class EventName : uint8_t { Insert = 1, Modify = 2, Remove = 3 };

// One record as stored: images as item-codec bytes (absent when the view type leaves them out).
struct Record {
  uint64_t sequence = 0;
  EventName event = EventName::Insert;
  bool by_service = false;  // a deletion by TTL: the service's userIdentity
  int64_t created_millis = 0;
  uint32_t size_bytes = 0;
  std::string keys;
  std::optional<std::string> old_image, new_image;
};

struct Shard {
  uint32_t index = 0;  // 0, 1, 2 ... in the order they were opened; each one's parent is the one before
  uint64_t starting_sequence = 0;
  uint64_t ending_sequence = 0;  // set once closed
  bool closed = false;
  int64_t created_millis = 0;
  uint64_t trimmed_before = 0;  // the stream's records before this sequence number were trimmed
  int64_t parent_created_millis = 0;  // of the parent (index - 1), for its id

  std::string id(uint32_t stream_id) const { return shard_id(stream_id, index, created_millis); }
  std::optional<std::string> parent_id(uint32_t stream_id) const {
    if (index == 0) return std::nullopt;
    return shard_id(stream_id, index - 1, parent_created_millis);
  }
  // "shardId-<creation millis, 20 digits>-<8 hex digits>", as DynamoDB's shard ids look.
  static std::string shard_id(uint32_t stream_id, uint32_t index, int64_t created_millis);
};

struct ReadResult {
  bool found = false;    // the shard exists
  bool trimmed = false;  // the position is before what the trimmer kept
  std::vector<Record> records;
  uint64_t next = 0;       // where the next read continues
  bool shard_end = false;  // a closed shard, read to its end
};

class StreamLog {
 public:
  StreamLog(storage::Store& store, StreamLogOptions options);

  const StreamLogOptions& options() const { return options_; }

  // --- write side: in commit order (the item store's commit mutex held)
  // Adds the record of a decided, numbered change (outcome.sequence) to the commit's batch.
  void append(storage::WriteBatch& batch, const storage::StreamDef& stream, const storage::Mutation& m,
              int64_t now_millis);
  // After the commit's batch failed to write: what append() assumed is reloaded from the store.
  void forget_pending();

  // --- the stream's life (under the table's schema lock held exclusively: no commit of it in flight)
  // Opens the first shard of a new stream; its first record will have a sequence number after last_sequence.
  void open(storage::WriteBatch& batch, uint32_t stream_id, uint64_t last_sequence, int64_t now_millis);
  // Closes the stream's open shard (the stream is disabled).
  void close(storage::WriteBatch& batch, uint32_t stream_id);
  // Erases every shard and record of the stream.
  void erase(storage::WriteBatch& batch, uint32_t stream_id);

  // --- read side (no lock; one consistent view per call)
  std::vector<Shard> shards(uint32_t stream_id) const;
  // Up to limit records (and about max_bytes) of the shard from sequence number `from` on.
  ReadResult read(uint32_t stream_id, uint32_t shard, uint64_t from, size_t limit, size_t max_bytes) const;

  // Deletes the records older than the retention period (everything before one sequence number, the stream's
  // trim point: sequence numbers grow with time), and the closed shards left empty; answers how many records
  // it deleted. The open shard's description is never rewritten here, so this cannot race with a commit.
  size_t trim(uint32_t stream_id, int64_t now_millis);

 private:
  struct Open {
    uint32_t index = 0;
    uint64_t starting_sequence = 0, last_sequence = 0;
    uint64_t records = 0;
    int64_t created_millis = 0;
    int64_t parent_created_millis = 0;
    bool exists = false;  // false: the stream has no open shard
  };
  Open& open_shard(uint32_t stream_id);  // mu_ held
  void write_shard(storage::WriteBatch& batch, uint32_t stream_id, const Shard& shard);
  uint64_t trim_point(uint32_t stream_id) const;

  storage::Store& store_;
  StreamLogOptions options_;
  std::mutex mu_;
  std::unordered_map<uint32_t, Open> open_;  // by stream id, loaded on first use
};

// A stored record (written by append), as a Record (throws std::runtime_error on a corrupt record).
Record decode_record(std::string_view bytes, uint64_t sequence);

}  // namespace ddb::streams
