#include "streams/stream_log.h"

#include <cstdio>
#include <stdexcept>

#include "storage/catalog.h"
#include "storage/item_codec.h"
#include "storage/key_codec.h"
#include "storage/mutation.h"
#include "storage/store.h"

namespace ddb::streams {

namespace keys = storage::keys;

namespace {

std::string shard_key(uint32_t stream_id, uint32_t shard) {
  std::string k = keys::id_prefix(keys::kShard, stream_id);
  keys::append_u32(k, shard);
  return k;
}

// Every record of one shard starts with this.
std::string record_prefix(uint32_t stream_id, uint32_t shard) {
  std::string k = keys::id_prefix(keys::kStream, stream_id);
  keys::append_u32(k, shard);
  return k;
}

std::string record_key(uint32_t stream_id, uint32_t shard, uint64_t sequence) {
  std::string k = record_prefix(stream_id, shard);
  keys::append_u64(k, sequence);
  return k;
}

std::string trim_key(uint32_t stream_id) {
  std::string k(1, char(keys::kMeta));
  k.append("trim");
  keys::append_u32(k, stream_id);
  return k;
}

std::string encode_shard(const Shard& s) {
  std::string v;
  keys::append_u64(v, s.starting_sequence);
  keys::append_u64(v, s.ending_sequence);
  v.push_back(s.closed ? 1 : 0);
  keys::append_u64(v, uint64_t(s.created_millis));
  keys::append_u64(v, uint64_t(s.parent_created_millis));
  return v;
}

Shard decode_shard(std::string_view key, std::string_view v) {
  if (key.size() != 9 || v.size() != 33) throw std::runtime_error("corrupt stream shard record");
  Shard s;
  s.index = keys::read_u32(key.substr(5));
  s.starting_sequence = keys::read_u64(v);
  s.ending_sequence = keys::read_u64(v.substr(8));
  s.closed = v[16] != 0;
  s.created_millis = int64_t(keys::read_u64(v.substr(17)));
  s.parent_created_millis = int64_t(keys::read_u64(v.substr(25)));
  return s;
}

std::optional<std::string> read_bytes(std::string_view& in) {
  if (in.size() < 4) throw std::runtime_error("corrupt stream record");
  uint32_t n = keys::read_u32(in);
  in.remove_prefix(4);
  if (n == UINT32_MAX) return std::nullopt;
  if (in.size() < n) throw std::runtime_error("corrupt stream record");
  std::string bytes(in.substr(0, n));
  in.remove_prefix(n);
  return bytes;
}

}  // namespace

std::string Shard::shard_id(uint32_t stream_id, uint32_t index, int64_t created_millis) {
  // A stable 32-bit mix of the stream and the shard's place (FNV-1a over both).
  uint32_t h = 2166136261u;
  for (uint32_t v : {stream_id, index}) {
    for (int i = 0; i < 4; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 16777619u;
    }
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "shardId-%020lld-%08x", static_cast<long long>(created_millis), h);
  return buf;
}

Record decode_record(std::string_view in, uint64_t sequence) {
  if (in.size() < 15 || in[0] != 1 || in[1] < 1 || in[1] > 3) throw std::runtime_error("corrupt stream record");
  Record r;
  r.sequence = sequence;
  r.event = EventName(in[1]);
  r.by_service = in[2] != 0;
  r.created_millis = int64_t(keys::read_u64(in.substr(3)));
  r.size_bytes = keys::read_u32(in.substr(11));
  in.remove_prefix(15);
  std::optional<std::string> k = read_bytes(in);
  if (!k) throw std::runtime_error("corrupt stream record");
  r.keys = std::move(*k);
  r.old_image = read_bytes(in);
  r.new_image = read_bytes(in);
  return r;
}

StreamLog::StreamLog(storage::Store& store, StreamLogOptions options) : store_(store), options_(options) {}

StreamLog::Open& StreamLog::open_shard(uint32_t stream_id) {
  auto [it, inserted] = open_.try_emplace(stream_id);
  if (!inserted) return it->second;
  // The last shard of the stream, and what it holds.
  Open& o = it->second;
  auto cur = store_.cursor();
  cur->seek_for_prev(keys::id_prefix_end(keys::kShard, stream_id));
  if (cur->valid() && cur->key().substr(0, 5) == keys::id_prefix(keys::kShard, stream_id)) {
    Shard s = decode_shard(cur->key(), cur->value());
    if (!s.closed) {
      o.exists = true;
      o.index = s.index;
      o.starting_sequence = s.starting_sequence;
      o.last_sequence = s.starting_sequence ? s.starting_sequence - 1 : 0;
      o.created_millis = s.created_millis;
      o.parent_created_millis = s.parent_created_millis;
      std::string prefix = record_prefix(stream_id, s.index);
      for (cur->seek(prefix); cur->valid() && cur->key().substr(0, 9) == prefix; cur->next()) {
        ++o.records;
        o.last_sequence = keys::read_u64(cur->key().substr(9));
      }
    }
  }
  return o;
}

void StreamLog::write_shard(storage::WriteBatch& batch, uint32_t stream_id, const Shard& shard) {
  batch.put(shard_key(stream_id, shard.index), encode_shard(shard));
}

void StreamLog::append(storage::WriteBatch& batch, const storage::StreamDef& stream, const storage::Mutation& m,
                       int64_t now_millis) {
  const storage::Mutation::Outcome& o = m.outcome;
  EventName event = o.change == storage::Change::Delete ? EventName::Remove
                    : o.existed                         ? EventName::Modify
                                                        : EventName::Insert;
  const std::string& view = stream.view_type;
  const std::string* old_image = (view == "OLD_IMAGE" || view == "NEW_AND_OLD_IMAGES") && o.existed ? &o.stored_old
                                                                                                    : nullptr;
  const std::string* new_image =
      (view == "NEW_IMAGE" || view == "NEW_AND_OLD_IMAGES") && o.change == storage::Change::Put ? &o.stored_next
                                                                                               : nullptr;
  size_t size = storage::item_size(m.key_attributes) + (old_image ? o.old_bytes : 0) + (new_image ? o.new_bytes : 0);
  // The stored record (the layout decode_record reads: format, event, service flag, time, size, then keys, old
  // and new image, each length-prefixed, UINT32_MAX for absent), written straight from the images' stored forms.
  std::string value;
  value.reserve(32 + (old_image ? old_image->size() : 0) + (new_image ? new_image->size() : 0));
  value.push_back(1);
  value.push_back(char(event));
  value.push_back(m.by_service ? 1 : 0);
  keys::append_u64(value, uint64_t(now_millis));
  keys::append_u32(value, uint32_t(size));
  size_t at = value.size();
  keys::append_u32(value, 0);
  storage::encode_item(m.key_attributes, value);
  std::string length;
  keys::append_u32(length, uint32_t(value.size() - at - 4));
  value.replace(at, 4, length);
  for (const std::string* image : {old_image, new_image}) {
    keys::append_u32(value, image ? uint32_t(image->size()) : UINT32_MAX);
    if (image) value.append(*image);
  }
  uint64_t sequence = o.sequence;

  std::lock_guard lock(mu_);
  Open& open = open_shard(stream.id);
  bool roll = open.exists && open.records > 0 &&
              (open.records >= options_.shard_max_records || now_millis - open.created_millis >= options_.shard_max_millis);
  if (!open.exists || roll) {
    Shard child;
    if (roll) {
      Shard closed;
      closed.index = open.index;
      closed.starting_sequence = open.starting_sequence;
      closed.ending_sequence = open.last_sequence;
      closed.closed = true;
      closed.created_millis = open.created_millis;
      closed.parent_created_millis = open.parent_created_millis;
      write_shard(batch, stream.id, closed);
      child.index = open.index + 1;
      child.parent_created_millis = open.created_millis;
    }
    child.starting_sequence = sequence;
    child.created_millis = now_millis;
    write_shard(batch, stream.id, child);
    open = Open{child.index, sequence, sequence, 0, now_millis, child.parent_created_millis, true};
  }
  batch.put(record_key(stream.id, open.index, sequence), value);
  open.last_sequence = sequence;
  ++open.records;
}

void StreamLog::forget_pending() {
  std::lock_guard lock(mu_);
  open_.clear();
}

void StreamLog::open(storage::WriteBatch& batch, uint32_t stream_id, uint64_t last_sequence, int64_t now_millis) {
  std::lock_guard lock(mu_);
  Shard s;
  s.starting_sequence = last_sequence + 1;
  s.created_millis = now_millis;
  write_shard(batch, stream_id, s);
  open_[stream_id] = Open{0, s.starting_sequence, last_sequence, 0, now_millis, 0, true};
}

void StreamLog::close(storage::WriteBatch& batch, uint32_t stream_id) {
  std::lock_guard lock(mu_);
  Open& open = open_shard(stream_id);
  if (!open.exists) return;
  Shard closed;
  closed.index = open.index;
  closed.starting_sequence = open.starting_sequence;
  closed.created_millis = open.created_millis;
  closed.parent_created_millis = open.parent_created_millis;
  closed.closed = true;
  closed.ending_sequence = open.records ? open.last_sequence : open.starting_sequence;
  write_shard(batch, stream_id, closed);
  open_.erase(stream_id);
  open_[stream_id] = Open{};  // no open shard any more
}

void StreamLog::erase(storage::WriteBatch& batch, uint32_t stream_id) {
  std::lock_guard lock(mu_);
  batch.del(trim_key(stream_id));
  batch.delete_range(keys::id_prefix(keys::kStream, stream_id), keys::id_prefix_end(keys::kStream, stream_id));
  batch.delete_range(keys::id_prefix(keys::kShard, stream_id), keys::id_prefix_end(keys::kShard, stream_id));
  open_.erase(stream_id);
}

std::vector<Shard> StreamLog::shards(uint32_t stream_id) const {
  std::vector<Shard> out;
  std::string begin = keys::id_prefix(keys::kShard, stream_id), end = keys::id_prefix_end(keys::kShard, stream_id);
  uint64_t point = trim_point(stream_id);
  auto cur = store_.cursor();
  for (cur->seek(begin); cur->valid() && cur->key() < std::string_view(end); cur->next()) {
    out.push_back(decode_shard(cur->key(), cur->value()));
    out.back().trimmed_before = point;
  }
  return out;
}

ReadResult StreamLog::read(uint32_t stream_id, uint32_t shard, uint64_t from, size_t limit, size_t max_bytes) const {
  ReadResult out;
  auto cur = store_.cursor();  // one view: the shard's description and its records agree
  std::string key = shard_key(stream_id, shard);
  cur->seek(key);
  if (!cur->valid() || cur->key() != key) return out;
  Shard s = decode_shard(cur->key(), cur->value());
  out.found = true;
  cur->seek(trim_key(stream_id));
  if (cur->valid() && cur->key() == trim_key(stream_id)) s.trimmed_before = keys::read_u64(cur->value());
  if (from < s.trimmed_before) {
    out.trimmed = true;
    return out;
  }
  out.next = from;
  std::string prefix = record_prefix(stream_id, shard);
  size_t bytes = 0;
  for (cur->seek(record_key(stream_id, shard, from)); cur->valid() && cur->key().substr(0, 9) == prefix;
       cur->next()) {
    if (out.records.size() == limit || (bytes >= max_bytes && !out.records.empty())) return out;
    uint64_t sequence = keys::read_u64(cur->key().substr(9));
    out.records.push_back(decode_record(cur->value(), sequence));
    bytes += cur->value().size();
    out.next = sequence + 1;
  }
  // Nothing after the last record read: a closed shard is at its end.
  out.shard_end = s.closed;
  return out;
}

size_t StreamLog::trim(uint32_t stream_id, int64_t now_millis) {
  // Sequence numbers grow with time, across the shards of a stream: everything older than the retention period
  // is before one sequence number, the stream's trim point (0x00 "trim" <stream id>).
  int64_t cutoff = now_millis - options_.retention_millis;
  std::vector<Shard> all = shards(stream_id);
  uint64_t point = trim_point(stream_id), next_point = point;
  size_t n = 0;
  bool found = false;
  auto cur = store_.cursor();
  for (const Shard& s : all) {
    std::string prefix = record_prefix(stream_id, s.index);
    for (cur->seek(record_key(stream_id, s.index, point)); cur->valid() && cur->key().substr(0, 9) == prefix;
         cur->next()) {
      Record r = decode_record(cur->value(), keys::read_u64(cur->key().substr(9)));
      if (r.created_millis >= cutoff) {
        found = true;
        break;
      }
      next_point = r.sequence + 1;
      ++n;
    }
    if (found) break;
  }
  if (next_point == point) return 0;
  storage::WriteBatch batch;
  for (const Shard& s : all) {
    if (s.starting_sequence >= next_point) break;
    batch.delete_range(record_key(stream_id, s.index, 0), record_key(stream_id, s.index, next_point));
    // A closed shard whose every record is gone goes too.
    if (s.closed && s.ending_sequence < next_point) batch.del(shard_key(stream_id, s.index));
  }
  std::string v;
  keys::append_u64(v, next_point);
  batch.put(trim_key(stream_id), v);
  store_.write(batch);
  return n;
}

uint64_t StreamLog::trim_point(uint32_t stream_id) const {
  std::string v;
  return store_.get(trim_key(stream_id), &v) && v.size() == 8 ? keys::read_u64(v) : 0;
}

}  // namespace ddb::streams
