// The stream shard log and TTL on the write path: a record per change in its commit, none for a Keep, shards
// rolling over with lineage, trimming, reopening after a restart, and the TTL sweep's service deletions.
#include "streams/stream_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "engine/engine.h"
#include "model/clock.h"
#include "model/error.h"
#include "storage/item_codec.h"
#include "storage/item_store.h"
#include "storage/key_codec.h"
#include "storage/mutation.h"
#include "storage/store.h"

using namespace ddb;
using namespace ddb::storage;

namespace {

AttributeMap item(const std::string& pk, const std::string& v = "") {
  AttributeMap m;
  m["pk"] = AttributeValue::string(pk);
  if (!v.empty()) m["v"] = AttributeValue::number(v);
  return m;
}

EngineOptions options(const std::string& dir, uint64_t shard_max_records = 1000) {
  EngineOptions o;
  o.store.data_dir = dir;
  o.store.in_memory = dir.empty();
  o.streams.shard_max_records = shard_max_records;
  o.ttl_interval_millis = 3600 * 1000;  // the tests sweep themselves
  return o;
}

// A table "t" (hash key pk) with a stream of the given view type.
TableRef make_table(Engine& engine, const std::string& view_type, const std::string& ttl = "") {
  TableDef d;
  d.ns = "ns";
  d.region = "us-east-1";
  d.name = "t";
  d.attribute_definitions = {{"pk", "S"}};
  d.key_schema = {{"pk", "HASH"}};
  d.ttl_attribute = ttl;
  int64_t now = now_millis();
  if (!view_type.empty()) d.streams.push_back({0, "2026-01-01T00:00:00.000", view_type, now, 0});
  EXPECT_TRUE(engine.catalog().create(d, [&](const TableDef& def, WriteBatch& batch) {
    if (const StreamDef* s = def.enabled_stream()) {
      engine.streams().open(batch, s->id, engine.items().last_sequence(), now);
    }
  }));
  return engine.catalog().find("ns", "t");
}

std::vector<streams::Record> all_records(Engine& engine, uint32_t stream_id) {
  std::vector<streams::Record> out;
  for (const streams::Shard& s : engine.streams().shards(stream_id)) {
    streams::ReadResult r = engine.streams().read(stream_id, s.index, 0, 100000, SIZE_MAX);
    EXPECT_TRUE(r.found);
    for (auto& rec : r.records) out.push_back(std::move(rec));
  }
  return out;
}

void put(Engine& engine, const TableRef& table, AttributeMap it) {
  Mutation m = Mutation::put(table, std::move(it), nullptr);
  ASSERT_TRUE(engine.items().commit(m));
}

void remove(Engine& engine, const TableRef& table, const std::string& pk) {
  Mutation m = Mutation::remove(table, item(pk), nullptr);
  ASSERT_TRUE(engine.items().commit(m));
}

}  // namespace

TEST(StreamLog, EveryChangeHasOneRecordAndAKeepHasNone) {
  Engine engine(options(""));
  TableRef table = make_table(engine, "NEW_AND_OLD_IMAGES");
  uint32_t stream = table->streams[0].id;
  put(engine, table, item("a", "1"));
  put(engine, table, item("a", "1"));  // identical: Keep
  put(engine, table, item("a", "2"));
  remove(engine, table, "a");
  remove(engine, table, "a");  // missing: Keep
  // A batch: one real change beside a Keep.
  put(engine, table, item("b", "1"));
  std::vector<Mutation> batch;
  batch.push_back(Mutation::put(table, item("b", "1"), nullptr));
  batch.push_back(Mutation::put(table, item("c", "1"), nullptr));
  ASSERT_TRUE(engine.items().commit(batch));

  std::vector<streams::Record> records = all_records(engine, stream);
  ASSERT_EQ(records.size(), 5u);
  using streams::EventName;
  EXPECT_EQ(records[0].event, EventName::Insert);
  EXPECT_FALSE(records[0].old_image);
  EXPECT_EQ(decode_item(*records[0].new_image), item("a", "1"));
  EXPECT_EQ(records[1].event, EventName::Modify);
  EXPECT_EQ(decode_item(*records[1].old_image), item("a", "1"));
  EXPECT_EQ(decode_item(*records[1].new_image), item("a", "2"));
  EXPECT_EQ(records[2].event, EventName::Remove);
  EXPECT_FALSE(records[2].new_image);
  EXPECT_EQ(decode_item(records[2].keys), item("a"));
  EXPECT_EQ(records[4].event, EventName::Insert);
  EXPECT_EQ(decode_item(*records[4].new_image), item("c", "1"));
  for (size_t i = 1; i < records.size(); ++i) EXPECT_GT(records[i].sequence, records[i - 1].sequence);
  // SizeBytes: keys and the images the view type carries, by DynamoDB's item size.
  EXPECT_EQ(records[1].size_bytes, item_size(item("a")) + 2 * item_size(item("a", "1")));
}

TEST(StreamLog, ViewTypesKeepOnlyTheirImages) {
  for (std::string view : {"KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE"}) {
    Engine engine(options(""));
    TableRef table = make_table(engine, view);
    put(engine, table, item("a", "1"));
    put(engine, table, item("a", "2"));
    std::vector<streams::Record> records = all_records(engine, table->streams[0].id);
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[1].new_image.has_value(), view == "NEW_IMAGE") << view;
    EXPECT_EQ(records[1].old_image.has_value(), view == "OLD_IMAGE") << view;
    EXPECT_EQ(decode_item(records[1].keys), item("a")) << view;
  }
}

TEST(StreamLog, ShardsRollOverWithLineageAndClosedShardsEnd) {
  Engine engine(options("", 3));
  TableRef table = make_table(engine, "KEYS_ONLY");
  uint32_t stream = table->streams[0].id;
  for (int i = 0; i < 10; ++i) put(engine, table, item("k" + std::to_string(i)));
  std::vector<streams::Shard> shards = engine.streams().shards(stream);
  ASSERT_EQ(shards.size(), 4u);
  for (size_t i = 0; i < shards.size(); ++i) {
    EXPECT_EQ(shards[i].closed, i + 1 < shards.size());
    if (i > 0) {
      EXPECT_EQ(*shards[i].parent_id(stream), shards[i - 1].id(stream));
      EXPECT_GT(shards[i].starting_sequence, shards[i - 1].ending_sequence);
    }
  }
  EXPECT_FALSE(shards[0].parent_id(stream));
  streams::ReadResult first = engine.streams().read(stream, 0, 0, 2, SIZE_MAX);
  EXPECT_EQ(first.records.size(), 2u);
  EXPECT_FALSE(first.shard_end);
  streams::ReadResult rest = engine.streams().read(stream, 0, first.next, 100, SIZE_MAX);
  EXPECT_EQ(rest.records.size(), 1u);
  EXPECT_TRUE(rest.shard_end);
  streams::ReadResult open = engine.streams().read(stream, 3, 0, 100, SIZE_MAX);
  EXPECT_EQ(open.records.size(), 1u);
  EXPECT_FALSE(open.shard_end);
  EXPECT_FALSE(engine.streams().read(stream, 9, 0, 100, SIZE_MAX).found);
}

TEST(StreamLog, TrimmingDeletesOldRecordsAndEmptyClosedShards) {
  EngineOptions o = options("", 2);
  o.streams.retention_millis = 0;  // everything written is past retention at once
  Engine engine(o);
  TableRef table = make_table(engine, "KEYS_ONLY");
  uint32_t stream = table->streams[0].id;
  for (int i = 0; i < 5; ++i) put(engine, table, item("k" + std::to_string(i)));
  auto now = now_millis();
  EXPECT_EQ(engine.streams().trim(stream, now + 1), 5u);
  std::vector<streams::Shard> shards = engine.streams().shards(stream);
  ASSERT_EQ(shards.size(), 1u);  // the two closed shards are gone; the open one stays
  EXPECT_FALSE(shards[0].closed);
  EXPECT_TRUE(engine.streams().read(stream, shards[0].index, 0, 100, SIZE_MAX).trimmed);
  streams::ReadResult from_point = engine.streams().read(stream, shards[0].index, shards[0].trimmed_before, 100, SIZE_MAX);
  EXPECT_FALSE(from_point.trimmed);
  EXPECT_TRUE(from_point.records.empty());
  // Writes go on in the open shard.
  put(engine, table, item("later"));
  EXPECT_EQ(engine.streams().read(stream, shards[0].index, shards[0].trimmed_before, 100, SIZE_MAX).records.size(), 1u);
}

TEST(StreamLog, AReopenedStoreContinuesTheOpenShard) {
  std::string dir = testing::TempDir() + "stream_log_reopen";
  std::filesystem::remove_all(dir);
  uint64_t last = 0;
  uint32_t stream = 0;
  {
    Engine engine(options(dir, 4));
    TableRef table = make_table(engine, "NEW_IMAGE");
    stream = table->streams[0].id;
    for (int i = 0; i < 3; ++i) put(engine, table, item("k" + std::to_string(i)));
    last = all_records(engine, stream).back().sequence;
  }
  {
    Engine engine(options(dir, 4));
    TableRef table = engine.catalog().find("ns", "t");
    put(engine, table, item("after1"));  // the fourth record of shard 0
    put(engine, table, item("after2"));  // a new shard
    std::vector<streams::Shard> shards = engine.streams().shards(stream);
    ASSERT_EQ(shards.size(), 2u);
    std::vector<streams::Record> records = all_records(engine, stream);
    ASSERT_EQ(records.size(), 5u);
    EXPECT_GT(records[3].sequence, last);
    EXPECT_EQ(shards[0].ending_sequence, records[3].sequence);
  }
  std::filesystem::remove_all(dir);
}

TEST(Ttl, TheSweepDeletesExpiredItemsAsTheService) {
  Engine engine(options(""));
  TableRef table = make_table(engine, "NEW_AND_OLD_IMAGES", "exp");
  int64_t now = now_millis() / 1000;
  auto with_exp = [&](const std::string& pk, AttributeValue exp) {
    AttributeMap m = item(pk);
    m["exp"] = std::move(exp);
    return m;
  };
  put(engine, table, with_exp("past", AttributeValue::number(std::to_string(now - 10))));
  put(engine, table, with_exp("fraction", AttributeValue::number(std::to_string(now - 10) + ".5")));
  put(engine, table, with_exp("future", AttributeValue::number(std::to_string(now + 3600))));
  put(engine, table, with_exp("ancient", AttributeValue::number(std::to_string(now - 6 * 365 * 86400))));
  put(engine, table, with_exp("string", AttributeValue::string(std::to_string(now - 10))));
  put(engine, table, item("none"));
  // An item moved into the future after its entry was written is not deleted by the old entry.
  put(engine, table, with_exp("moved", AttributeValue::number(std::to_string(now - 10))));
  put(engine, table, with_exp("moved", AttributeValue::number(std::to_string(now + 3600))));

  std::atomic<bool> stop{false};
  EXPECT_EQ(engine.sweep_ttl(stop), 2u);
  AttributeMap got;
  for (std::string pk : {"future", "ancient", "string", "none", "moved"}) {
    EXPECT_TRUE(engine.items().get(ItemStore::item_key(*table, AttributeValue::string(pk), nullptr), &got)) << pk;
  }
  for (std::string pk : {"past", "fraction"}) {
    EXPECT_FALSE(engine.items().get(ItemStore::item_key(*table, AttributeValue::string(pk), nullptr), &got)) << pk;
  }
  std::vector<streams::Record> records = all_records(engine, table->streams[0].id);
  size_t by_service = 0;
  for (const auto& r : records) {
    if (!r.by_service) continue;
    ++by_service;
    EXPECT_EQ(r.event, streams::EventName::Remove);
    EXPECT_TRUE(r.old_image);
  }
  EXPECT_EQ(by_service, 2u);
  EXPECT_EQ(engine.sweep_ttl(stop), 0u);  // nothing left, and no stale entry either
  size_t entries = 0;
  auto cur = engine.store().cursor();
  std::string end = keys::id_prefix_end(keys::kTtl, table->id);
  for (cur->seek(keys::id_prefix(keys::kTtl, table->id)); cur->valid() && cur->key() < std::string_view(end); cur->next())
    ++entries;
  EXPECT_EQ(entries, 2u);  // "future" and "moved", in the future
}

TEST(Ttl, AnInterruptedBackfillOfEntriesResumesAtStart) {
  std::string dir = testing::TempDir() + "ttl_backfill_resume";
  std::filesystem::remove_all(dir);
  int64_t now = now_millis() / 1000;
  {
    Engine engine(options(dir));
    TableRef table = make_table(engine, "");
    for (int i = 0; i < 50; ++i) {
      AttributeMap m = item("k" + std::to_string(i));
      m["exp"] = AttributeValue::number(std::to_string(now - 100));
      put(engine, table, m);
    }
    // TTL enabled, and the process gone before its backfill ran.
    engine.catalog().update("ns", "t", [](TableDef& def, WriteBatch&) {
      def.ttl_attribute = "exp";
      def.ttl_enabled_millis = 1;
    });
  }
  Engine engine(options(dir));
  engine.start();
  TableRef table = engine.catalog().find("ns", "t");
  for (int i = 0; i < 200 && !engine.catalog().find("ns", "t")->ttl_backfilled; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(engine.catalog().find("ns", "t")->ttl_backfilled);
  std::atomic<bool> stop{false};
  EXPECT_EQ(engine.sweep_ttl(stop), 50u);
  EXPECT_EQ(engine.items().stats(table->id).item_count, 0);
  engine.stop();
  std::filesystem::remove_all(dir);
}
