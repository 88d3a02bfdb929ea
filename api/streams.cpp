// api/streams.cpp — the DynamoDB Streams service (X-Amz-Target DynamoDBStreams_20120810.*): ListStreams,
// DescribeStream, GetShardIterator and GetRecords, reading the shard log of streams/stream_log.h.
#include <algorithm>
#include <charconv>
#include <cstdio>

#include "api/context.h"
#include "api/streams_requests.h"
#include "api/table_description.h"
#include "engine/engine.h"
#include "model/base64.h"
#include "model/error.h"
#include "storage/catalog.h"
#include "storage/item_store.h"
#include "storage/key_codec.h"
#include "streams/stream_log.h"

namespace ddb::api {

namespace sreq = streams_req;
namespace keys = storage::keys;

namespace {

constexpr size_t kMaxRecordBytes = 1024 * 1024;  // GetRecords answers at most 1 MB

// A sequence number on the wire: 21 digits, zero-padded (as DynamoDB Local writes them; they compare as
// numbers and as text alike).
std::string sequence_text(uint64_t sequence) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%021llu", static_cast<unsigned long long>(sequence));
  return buf;
}

// A stream found by its ARN: arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>.
struct FoundStream {
  storage::TableRef table;
  const storage::StreamDef* stream = nullptr;
};

Error stream_not_found(std::string_view arn) {
  return Error::resource_not_found("Requested resource not found: Stream: " + std::string(arn) + " not found");
}

// The table name and label of a stream ARN; false when it is not one.
bool parse_stream_arn(std::string_view arn, std::string_view* name, std::string_view* label) {
  size_t table_at = arn.find(":table/"), stream_at = arn.rfind("/stream/");
  if (arn.substr(0, 16) != "arn:aws:dynamodb" || table_at == std::string_view::npos ||
      stream_at == std::string_view::npos || stream_at < table_at) {
    return false;
  }
  *name = arn.substr(table_at + 7, stream_at - table_at - 7);
  *label = arn.substr(stream_at + 8);
  return true;
}

FoundStream find_stream(Context& ctx, std::string_view arn) {
  std::string_view name, label;
  if (!parse_stream_arn(arn, &name, &label)) throw Error::validation("Invalid StreamArn");
  size_t stream_at = arn.size() - label.size() - 8;
  auto match = [&](const storage::TableRef& table, FoundStream* found) {
    if (!table || table->ns != ctx.ns || table->name != name || table->arn() != arn.substr(0, stream_at)) return false;
    for (const auto& s : table->streams) {
      if (s.label == label) *found = {table, &s};
    }
    return found->stream != nullptr;
  };
  FoundStream found;
  if (match(ctx.catalog.find(ctx.ns, name), &found)) return found;
  // The stream of a deleted table, readable for the retention period.
  for (const storage::TableRef& table : ctx.catalog.retired()) {
    if (match(table, &found)) return found;
  }
  throw stream_not_found(arn);
}

sreq::KeySchema key_schema(const storage::TableDef& table) {
  sreq::KeySchema out;
  for (const auto& k : table.key_schema) {
    out.push_back({k.attribute_name, k.key_type == "HASH" ? sreq::KeyType::HASH : sreq::KeyType::RANGE});
  }
  return out;
}

sreq::StreamViewType view_type(const std::string& text) {
  return sreq::enum_value<sreq::StreamViewType>(text).value_or(sreq::StreamViewType::KEYS_ONLY);
}

// --- shard iterators: "<stream arn>|1|<base64 of stream id, shard, position, issue time, check>" (opaque to
// clients; the check catches an iterator that was not made here).
struct Iterator {
  uint32_t stream_id = 0;
  uint32_t shard = 0;
  uint64_t position = 0;
  int64_t issued_millis = 0;
};

uint64_t iterator_check(std::string_view arn, std::string_view payload) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64 over both
  for (std::string_view part : {arn, payload}) {
    for (unsigned char c : part) {
      h ^= c;
      h *= 1099511628211ull;
    }
  }
  return h;
}

std::string make_iterator(const std::string& arn, const Iterator& it) {
  std::string payload;
  keys::append_u64(payload, it.stream_id);
  keys::append_u64(payload, it.shard);
  keys::append_u64(payload, it.position);
  keys::append_u64(payload, uint64_t(it.issued_millis));
  keys::append_u64(payload, iterator_check(arn, payload));
  return arn + "|1|" + base64_encode(payload);
}

Error shard_not_found() { return Error::resource_not_found("Requested resource not found: Shard does not exist"); }

Error trimmed() {
  return Error("TrimmedDataAccessException",
               "The operation attempted to read past the oldest stream record in a shard.");
}

Error invalid_iterator() { return Error::validation("Invalid ShardIterator"); }

Iterator parse_iterator(std::string_view text, std::string_view* arn) {
  size_t bar = text.find("|1|");
  if (bar == std::string_view::npos) throw invalid_iterator();
  *arn = text.substr(0, bar);
  std::string payload, error;
  if (!base64_decode(text.substr(bar + 3), &payload, &error) || payload.size() != 40 ||
      keys::read_u64(std::string_view(payload).substr(32)) != iterator_check(*arn, std::string_view(payload).substr(0, 32))) {
    throw invalid_iterator();
  }
  std::string_view p = payload;
  Iterator it;
  it.stream_id = uint32_t(keys::read_u64(p));
  it.shard = uint32_t(keys::read_u64(p.substr(8)));
  it.position = keys::read_u64(p.substr(16));
  it.issued_millis = int64_t(keys::read_u64(p.substr(24)));
  return it;
}

// A 32-hex-digit event id, the same for a record whenever it is read.
std::string event_id(uint32_t stream_id, uint64_t sequence) {
  uint64_t a = 1469598103934665603ull ^ stream_id, b = 0x9e3779b97f4a7c15ull ^ sequence;
  for (int i = 0; i < 4; ++i) {
    a = (a ^ (b >> 29)) * 0xbf58476d1ce4e5b9ull;
    b = (b ^ (a >> 32)) * 0x94d049bb133111ebull;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return buf;
}

}  // namespace

void list_streams(Context& ctx, sreq::ListStreamsInput& in, sreq::ListStreamsOutput& out) {
  if (in.Limit && *in.Limit > 100) {
    throw Error::validation(
        "One or more parameter values were invalid: Limit cannot be greater than the maximum allowed size: 100");
  }
  size_t limit = size_t(in.Limit.value_or(100));
  struct Entry {
    std::string arn, table, label;
  };
  std::vector<Entry> all;
  std::vector<storage::TableRef> tables = ctx.catalog.all(), retired = ctx.catalog.retired();
  tables.insert(tables.end(), retired.begin(), retired.end());
  for (const storage::TableRef& table : tables) {
    if (table->ns != ctx.ns) continue;
    if (in.TableName && table->name != *in.TableName) continue;
    for (const auto& s : table->streams) all.push_back({table->stream_arn(s), table->name, s.label});
  }
  // By table name, then newest first (as the service lists a table's streams); a page continues after the
  // stream it was given by its place in that order, so paging survives a stream or table deleted meanwhile.
  auto before = [](const Entry& a, const Entry& b) {
    return a.table != b.table ? a.table < b.table : a.label > b.label;
  };
  std::sort(all.begin(), all.end(), before);
  auto it = all.begin();
  if (in.ExclusiveStartStreamArn) {
    std::string_view name, label;
    if (!parse_stream_arn(*in.ExclusiveStartStreamArn, &name, &label)) {
      throw Error::validation("Invalid ExclusiveStartStreamArn");
    }
    Entry start{*in.ExclusiveStartStreamArn, std::string(name), std::string(label)};
    it = std::upper_bound(all.begin(), all.end(), start, before);
  }
  auto& streams = out.Streams.emplace();
  for (; it != all.end(); ++it) {
    if (streams.size() == limit) {
      out.LastEvaluatedStreamArn = streams.back().StreamArn;
      break;
    }
    streams.push_back({it->arn, it->table, it->label});
  }
}

void describe_stream(Context& ctx, sreq::DescribeStreamInput& in, sreq::DescribeStreamOutput& out) {
  if (in.Limit && *in.Limit > 100) {
    throw Error::validation("One or more parameter values were invalid: Limit cannot be greater than the maximum: 100");
  }
  FoundStream found = find_stream(ctx, in.StreamArn);
  const storage::StreamDef& s = *found.stream;
  auto& d = out.StreamDescription.emplace();
  d.StreamArn = in.StreamArn;
  d.StreamLabel = s.label;
  d.StreamStatus = s.disabled_millis ? sreq::StreamStatus::DISABLED : sreq::StreamStatus::ENABLED;
  d.StreamViewType = view_type(s.view_type);
  d.CreationRequestDateTime = double(s.created_millis) / 1000;
  d.TableName = found.table->name;
  d.KeySchema = key_schema(*found.table);
  size_t limit = size_t(in.Limit.value_or(100));
  auto& shards = d.Shards.emplace();
  bool started = !in.ExclusiveStartShardId;
  // ShardFilter CHILD_SHARDS: only the shards whose parent is the given one (a consumer following lineage).
  const std::string* parent = nullptr;
  if (in.ShardFilter && in.ShardFilter->Type == sreq::ShardFilterType::CHILD_SHARDS) {
    if (!in.ShardFilter->ShardId) {
      throw Error::validation("One or more parameter values were invalid: ShardId must be specified for ShardFilter "
                              "type CHILD_SHARDS");
    }
    parent = &*in.ShardFilter->ShardId;
  }
  for (const streams::Shard& shard : ctx.engine.streams().shards(s.id)) {
    std::string id = shard.id(s.id);
    if (parent && shard.parent_id(s.id) != *parent) continue;
    if (!started) {
      started = id == *in.ExclusiveStartShardId;
      continue;
    }
    if (shards.size() == limit) {
      d.LastEvaluatedShardId = shards.back().ShardId;
      break;
    }
    sreq::Shard& out_shard = shards.emplace_back();
    out_shard.ShardId = std::move(id);
    auto& range = out_shard.SequenceNumberRange.emplace();
    range.StartingSequenceNumber = sequence_text(std::max(shard.starting_sequence, shard.trimmed_before));
    if (shard.closed) range.EndingSequenceNumber = sequence_text(shard.ending_sequence);
    out_shard.ParentShardId = shard.parent_id(s.id);
  }
}

void get_shard_iterator(Context& ctx, sreq::GetShardIteratorInput& in, sreq::GetShardIteratorOutput& out) {
  FoundStream found = find_stream(ctx, in.StreamArn);
  const storage::StreamDef& s = *found.stream;
  const streams::Shard* shard = nullptr;
  std::vector<streams::Shard> shards = ctx.engine.streams().shards(s.id);
  for (const auto& candidate : shards) {
    if (candidate.id(s.id) == in.ShardId) shard = &candidate;
  }
  if (!shard) throw shard_not_found();
  Iterator it;
  it.stream_id = s.id;
  it.shard = shard->index;
  it.issued_millis = now_millis();
  bool by_number = in.ShardIteratorType == sreq::ShardIteratorType::AT_SEQUENCE_NUMBER ||
                   in.ShardIteratorType == sreq::ShardIteratorType::AFTER_SEQUENCE_NUMBER;
  if (by_number) {
    if (!in.SequenceNumber) {
      throw Error::validation("One or more parameter values were invalid: Invalid SequenceNumber");
    }
    const std::string& text = *in.SequenceNumber;
    uint64_t sequence = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), sequence);
    if (ec != std::errc() || p != text.data() + text.size() || sequence < shard->starting_sequence ||
        (shard->closed && sequence > shard->ending_sequence)) {
      throw Error::validation("Invalid SequenceNumber for the shard");
    }
    if (sequence < shard->trimmed_before) {
      throw trimmed();
    }
    it.position = in.ShardIteratorType == sreq::ShardIteratorType::AT_SEQUENCE_NUMBER ? sequence : sequence + 1;
  } else if (in.SequenceNumber) {
    throw Error::validation(
        "One or more parameter values were invalid: SequenceNumber should not be passed for this iterator type");
  } else if (in.ShardIteratorType == sreq::ShardIteratorType::TRIM_HORIZON) {
    it.position = std::max(shard->starting_sequence, shard->trimmed_before);
  } else if (shard->closed) {
    it.position = shard->ending_sequence + 1;  // LATEST of a closed shard: nothing more will come
  } else {
    it.position = std::max(shard->starting_sequence, ctx.items.last_sequence() + 1);
  }
  out.ShardIterator = make_iterator(in.StreamArn, it);
}

void get_records(Context& ctx, sreq::GetRecordsInput& in, sreq::GetRecordsOutput& out) {
  if (in.Limit && *in.Limit > 1000) {
    throw Error::validation("One or more parameter values were invalid: Limit should be less than or equal to 1000");
  }
  std::string_view arn;
  Iterator it = parse_iterator(in.ShardIterator, &arn);
  int64_t now = now_millis();
  if (now - it.issued_millis > ctx.config.iterator_expiry_millis) {
    throw Error("ExpiredIteratorException", "");
  }
  FoundStream found = find_stream(ctx, arn);
  if (found.stream->id != it.stream_id) throw invalid_iterator();
  streams::ReadResult read = ctx.engine.streams().read(it.stream_id, it.shard, it.position,
                                                       size_t(in.Limit.value_or(1000)), kMaxRecordBytes);
  if (!read.found) throw shard_not_found();
  if (read.trimmed) throw trimmed();
  const storage::TableDef& table = *found.table;
  sreq::StreamViewType view = view_type(found.stream->view_type);
  auto& records = out.Records.emplace();
  records.reserve(read.records.size());
  for (streams::Record& r : read.records) {
    sreq::Record& rec = records.emplace_back();
    rec.eventID = event_id(it.stream_id, r.sequence);
    rec.eventName = r.event == streams::EventName::Insert   ? sreq::OperationType::INSERT
                    : r.event == streams::EventName::Modify ? sreq::OperationType::MODIFY
                                                            : sreq::OperationType::REMOVE;
    rec.eventVersion = "1.1";
    rec.eventSource = "aws:dynamodb";
    rec.awsRegion = table.region;
    auto& d = rec.dynamodb.emplace();
    d.ApproximateCreationDateTime = double(r.created_millis / 1000);
    d.Keys.emplace().stored = std::move(r.keys);
    if (r.new_image) d.NewImage.emplace().stored = std::move(*r.new_image);
    if (r.old_image) d.OldImage.emplace().stored = std::move(*r.old_image);
    d.SequenceNumber = sequence_text(r.sequence);
    d.SizeBytes = r.size_bytes;
    d.StreamViewType = view;
    if (r.by_service) rec.userIdentity = sreq::Identity{"dynamodb.amazonaws.com", "Service"};
  }
  if (!read.shard_end) {
    Iterator next = it;
    next.position = read.next;
    next.issued_millis = now;
    out.NextShardIterator = make_iterator(std::string(arn), next);
  }
}

}  // namespace ddb::api
