// The write path: locking, all-or-nothing commits, statistics, schema changes and backfills racing writes.
// Run under ASan/UBSan by scripts/test.sh (and TSan-free by design: every shared structure is under a lock).
#include "storage/item_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "engine/engine.h"
#include "expressions/parser.h"
#include "model/error.h"
#include "storage/item_codec.h"
#include "storage/key_codec.h"
#include "storage/store.h"

using namespace ddb;
using namespace ddb::storage;

namespace {

AttributeMap item(const std::string& pk,
                  std::initializer_list<std::pair<const std::string, AttributeValue>> rest = {}) {
  AttributeMap m(rest);
  m["pk"] = AttributeValue::string(pk);
  return m;
}

TableRef make_table(Catalog& catalog, bool with_gsi) {
  TableDef d;
  d.ns = "ns";
  d.region = "us-east-1";
  d.name = "t";
  d.attribute_definitions = {{"pk", "S"}, {"g", "S"}};
  d.key_schema = {{"pk", "HASH"}};
  if (with_gsi) {
    IndexDef i;
    i.name = "by_g";
    i.key_schema = {{"g", "HASH"}};
    d.indexes.push_back(i);
  }
  EXPECT_TRUE(catalog.create(d));
  return catalog.find("ns", "t");
}

// The entries of an index, read from the store.
size_t index_entries(Store& store, uint32_t index_id) {
  size_t n = 0;
  auto cur = store.cursor();
  std::string end = keys::id_prefix_end(keys::kIndex, index_id);
  for (cur->seek(keys::id_prefix(keys::kIndex, index_id)); cur->valid() && cur->key() < std::string_view(end);
       cur->next())
    ++n;
  return n;
}

struct Update {
  std::map<std::string, std::string> names;
  AttributeMap values;
  expr::Placeholders placeholders;
  expr::UpdateExpression expression;
  Update(const std::string& text, AttributeMap v) : values(std::move(v)) {
    placeholders.names = &names;
    placeholders.values = &values;
    expression = expr::parse_update(text, placeholders);
  }
};

}  // namespace

TEST(ItemStore, ConcurrentUpdatesOfOneItemLoseNothing) {
  Engine engine({{"", true}, 0});
  TableRef table = make_table(engine.catalog(), false);
  Update add("ADD n :one", {{":one", AttributeValue::number("1")}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto m = Mutation::update(table, item("k"), &add.expression, nullptr);
        ASSERT_TRUE(engine.items().commit(m));
      }
    });
  }
  for (auto& t : threads) t.join();
  AttributeMap stored;
  ASSERT_TRUE(engine.items().get(key_of(*table, item("k")), &stored));
  EXPECT_EQ(stored.at("n").scalar, "1600");
  EXPECT_EQ(engine.items().stats(table->id).item_count, 1);
  EXPECT_EQ(engine.items().stats(table->id).size_bytes, int64_t(item_size(stored)));
}

TEST(ItemStore, ARequestWithOneInvalidIndexKeyWritesNothing) {
  Engine engine({{"", true}, 0});
  TableRef table = make_table(engine.catalog(), true);
  std::vector<Mutation> batch;
  batch.push_back(Mutation::put(table, item("a", {{"g", AttributeValue::string("x")}}), nullptr));
  batch.push_back(Mutation::put(table, item("b", {{"g", AttributeValue::number("1")}}), nullptr));
  EXPECT_THROW(engine.items().commit(batch), Error);
  AttributeMap ignored;
  EXPECT_FALSE(engine.items().get(key_of(*table, item("a")), &ignored));
  EXPECT_EQ(engine.items().stats(table->id).item_count, 0);
  EXPECT_EQ(index_entries(engine.store(), table->indexes[0].id), 0u);
}

TEST(ItemStore, AFailedConditionWritesNothingAndNumbersNothing) {
  Engine engine({{"", true}, 0});
  TableRef table = make_table(engine.catalog(), false);
  std::map<std::string, std::string> names;
  AttributeMap values;
  expr::Placeholders p{&names, &values, {}, {}};
  expr::Node exists = expr::parse_condition("attribute_exists(pk)", expr::ExpressionKind::Condition, p);
  std::vector<Mutation> tx;
  tx.push_back(Mutation::put(table, item("a"), nullptr));
  tx.push_back(Mutation::put(table, item("b"), &exists));
  EXPECT_FALSE(engine.items().commit(tx));
  EXPECT_TRUE(tx[1].outcome.condition_failed);
  EXPECT_EQ(tx[0].outcome.sequence, 0u);
  EXPECT_EQ(engine.items().stats(table->id).item_count, 0);
}

TEST(ItemStore, CommitsAreNumberedInCommitOrderAcrossRestarts) {
  auto dir = std::filesystem::temp_directory_path() / ("ddb_seq_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  uint64_t last = 0;
  {
    Engine engine({{dir.string(), false}, 0});
    TableRef table = make_table(engine.catalog(), false);
    for (int i = 0; i < 5; ++i) {
      auto m = Mutation::put(table, item("k" + std::to_string(i)), nullptr);
      ASSERT_TRUE(engine.items().commit(m));
      EXPECT_GT(m.outcome.sequence, last);
      last = m.outcome.sequence;
    }
    // An identical overwrite changes nothing: no sequence number.
    auto same = Mutation::put(table, item("k0"), nullptr);
    ASSERT_TRUE(engine.items().commit(same));
    EXPECT_EQ(same.outcome.sequence, 0u);
  }
  Engine engine({{dir.string(), false}, 0});
  TableRef table = engine.catalog().find("ns", "t");
  auto m = Mutation::remove(table, item("k1"), nullptr);
  ASSERT_TRUE(engine.items().commit(m));
  EXPECT_GT(m.outcome.sequence, last);
  EXPECT_EQ(engine.items().stats(table->id).item_count, 4);
  std::filesystem::remove_all(dir);
}

TEST(ItemStore, StatisticsAreInTheStoreWithEveryWrite) {
  Engine engine({{"", true}, 0});
  TableRef table = make_table(engine.catalog(), true);
  for (int i = 0; i < 20; ++i) {
    auto m = Mutation::put(table, item("k" + std::to_string(i), {{"g", AttributeValue::string("v")}}), nullptr);
    ASSERT_TRUE(engine.items().commit(m));
  }
  auto del = Mutation::remove(table, item("k3"), nullptr);
  ASSERT_TRUE(engine.items().commit(del));
  // What a restart reads: the merged record, not the in-memory counters.
  std::string record;
  ASSERT_TRUE(engine.store().get(keys::id_prefix(keys::kStats, table->id), &record));
  EXPECT_EQ(int64_t(keys::read_u64(record)), 19);
  EXPECT_EQ(int64_t(keys::read_u64(std::string_view(record).substr(8))), engine.items().stats(table->id).size_bytes);
  ASSERT_TRUE(engine.store().get(keys::id_prefix(keys::kStats, table->indexes[0].id), &record));
  EXPECT_EQ(int64_t(keys::read_u64(record)), 19);
}

TEST(ItemStore, ASchemaChangeWaitsForWritesAndLaterWritesSeeIt) {
  Engine engine({{"", true}, 0});
  TableRef table = make_table(engine.catalog(), false);
  std::atomic<bool> done{false};
  std::atomic<int> written{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !done; ++i) {
        auto m = Mutation::put(table,
                               item(std::to_string(t) + "_" + std::to_string(i % 300),
                                    {{"g", AttributeValue::string("g" + std::to_string(i))}}),
                               nullptr);
        engine.items().commit(m);
        ++written;
      }
    });
  }
  while (written < 200) std::this_thread::yield();
  // A new index, published CREATING and backfilled while the writers go on: then it must equal a recomputation.
  uint32_t index_id = engine.catalog().allocate_id();
  TableRef published = engine.catalog().update("ns", "t", [&](TableDef& d, WriteBatch&) {
    IndexDef i;
    i.id = index_id;
    i.name = "by_g";
    i.key_schema = {{"g", "HASH"}};
    i.status = "CREATING";
    d.indexes.push_back(i);
  });
  std::atomic<bool> stop{false};
  ASSERT_TRUE(engine.items().backfill(*published, index_id, stop));
  done = true;
  for (auto& t : writers) t.join();
  size_t items = 0;
  auto cur = engine.store().cursor();
  std::string end = keys::id_prefix_end(keys::kItem, table->id);
  for (cur->seek(keys::id_prefix(keys::kItem, table->id)); cur->valid() && cur->key() < std::string_view(end);
       cur->next())
    ++items;
  EXPECT_EQ(index_entries(engine.store(), index_id), items);
  EXPECT_EQ(engine.items().stats(index_id).item_count, int64_t(items));
  EXPECT_EQ(engine.items().stats(table->id).item_count, int64_t(items));
}

TEST(Catalog, ConcurrentChangesOfOneTableAreAllKept) {
  Engine engine({{"", true}, 0});
  make_table(engine.catalog(), false);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        engine.catalog().update("ns", "t", [&](TableDef& d, WriteBatch&) {
          d.tags.push_back({std::to_string(t) + "_" + std::to_string(i), "v"});
        });
      }
    });
  }
  for (auto& t : threads) t.join();
  TableRef now = engine.catalog().find("ns", "t");
  EXPECT_EQ(now->tags.size(), 100u);
  EXPECT_EQ(now->version, 100u);
  // A change after the table is removed changes nothing and brings nothing back.
  ASSERT_TRUE(engine.catalog().remove("ns", "t"));
  EXPECT_FALSE(engine.catalog().update("ns", "t", [](TableDef&, WriteBatch&) {}));
  EXPECT_FALSE(engine.catalog().find("ns", "t"));
  auto m = Mutation::put(now, item("late"), nullptr);
  EXPECT_THROW(engine.items().commit(m), Error);
}
