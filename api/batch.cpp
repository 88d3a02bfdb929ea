// api/batch.cpp — BatchGetItem and BatchWriteItem.
#include <map>
#include <set>

#include "api/attribute_json.h"
#include "api/item_support.h"
#include "expressions/evaluator.h"
#include "model/error.h"
#include "storage/item_codec.h"
#include "storage/item_store.h"
#include "storage/mutation.h"

namespace ddb::api {

namespace {

constexpr size_t kMaxBatchGetKeys = 100;
constexpr size_t kMaxBatchWriteRequests = 25;
constexpr size_t kMaxBatchGetResponseBytes = 16 * 1024 * 1024;

}  // namespace

void batch_get_item(Context& ctx, req::BatchGetItemInput& in, JsonWriter& out) {
  struct TableRequest {
    storage::TableRef table;
    const req::KeysAndAttributes* json;
    std::unique_ptr<ExpressionParams> params;
    std::optional<std::vector<expr::Path>> projection;
    bool consistent = false;
    std::vector<std::string> keys;
    std::vector<const AttributeMap*> key_maps;
  };
  std::vector<TableRequest> requests;
  size_t total = 0;
  for (const auto& [name, r] : in.RequestItems) total += r.Keys.size();
  if (total > kMaxBatchGetKeys) throw Error::validation("Too many items requested for the BatchGetItem call");
  for (auto& [name, request] : in.RequestItems) {
    TableRequest r;
    r.json = &request;
    Given projection_expression{"ProjectionExpression", request.ProjectionExpression.has_value()};
    check_not_mixed({{{"AttributesToGet", request.AttributesToGet.has_value()}, {projection_expression}}});
    r.params = std::make_unique<ExpressionParams>(request.ExpressionAttributeNames, nullptr,
                                                  std::initializer_list<Given>{projection_expression});
    r.projection = r.params->projection(request.ProjectionExpression, request.AttributesToGet);
    r.params->finish();
    r.consistent = request.ConsistentRead.value_or(false);
    r.table = require_item_table(ctx, name);
    std::set<std::string> seen;
    for (auto& k : request.Keys) {
      const AttributeMap& key_map = k.get();
      std::string key = key_of(*r.table, key_map);
      if (!seen.insert(key).second) throw Error::validation("Provided list of item keys contains duplicates");
      r.keys.push_back(std::move(key));
      r.key_maps.push_back(&key_map);
    }
    requests.push_back(std::move(r));
  }

  std::vector<std::pair<std::string, double>> capacity;
  size_t response_bytes = 0;
  std::vector<std::pair<const TableRequest*, size_t>> unprocessed;  // (table, first unprocessed key)
  out.begin_object().key("Responses").begin_object();
  for (const auto& r : requests) {
    out.key(r.table->name).begin_array();
    double units = 0;
    size_t i = 0;
    for (; i < r.keys.size(); ++i) {
      if (response_bytes >= kMaxBatchGetResponseBytes) break;
      AttributeMap item;
      if (!ctx.items.get(r.keys[i], &item)) continue;
      size_t size = storage::item_size(item);
      response_bytes += size;
      units += read_units(size, r.consistent);
      write_attribute_map(out, r.projection ? expr::project(*r.projection, item) : item);
    }
    if (i < r.keys.size()) unprocessed.push_back({&r, i});
    out.end_array();
    capacity.push_back({r.table->name, units});
  }
  out.end_object();
  out.key("UnprocessedKeys").begin_object();
  for (const auto& [r, first] : unprocessed) {
    out.key(r->table->name).begin_object().key("Keys").begin_array();
    for (size_t i = first; i < r->key_maps.size(); ++i) write_attribute_map(out, *r->key_maps[i]);
    out.end_array();
    if (r->consistent) out.member("ConsistentRead", true);
    if (r->json->ProjectionExpression && !r->json->ProjectionExpression->empty()) {
      out.member("ProjectionExpression", *r->json->ProjectionExpression);
    }
    out.end_object();
  }
  out.end_object();
  write_capacity_list(out, in.ReturnConsumedCapacity, capacity);
  out.end_object();
}

void batch_write_item(Context& ctx, req::BatchWriteItemInput& in, JsonWriter& out) {
  size_t total = 0;
  for (const auto& [name, list] : in.RequestItems) total += list.size();
  if (total > kMaxBatchWriteRequests) throw Error::validation("Too many items requested for the BatchWriteItem call");

  std::vector<storage::Mutation> writes;
  writes.reserve(total);
  std::set<std::pair<uint32_t, std::string>> seen;
  // Every request is checked before anything is written; then the whole batch commits at once.
  for (auto& [name, list] : in.RequestItems) {
    storage::TableRef table = require_item_table(ctx, name);
    for (auto& request : list) {
      bool is_put = request.PutRequest.has_value(), is_delete = request.DeleteRequest.has_value();
      if (is_put == is_delete) {
        throw Error::validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
            "the supported datatypes");
      }
      if (is_put) {
        writes.push_back(storage::Mutation::put(table, std::move(request.PutRequest->Item.get()), nullptr));
      } else {
        writes.push_back(storage::Mutation::remove(table, std::move(request.DeleteRequest->Key.get()), nullptr));
      }
      if (!seen.insert({table->id, writes.back().key}).second) {
        throw Error::validation("Provided list of item keys contains duplicates");
      }
    }
  }
  ctx.items.commit(writes);

  WriteCapacity capacity;
  std::vector<std::pair<const storage::TableDef*, AttributeValue>> partitions;
  for (const auto& w : writes) {
    capacity.add(w);
    partitions.push_back({w.table.get(), w.key_attributes.at(w.table->hash_key())});
  }
  out.begin_object().key("UnprocessedItems").begin_object().end_object();
  write_write_capacity(out, in.ReturnConsumedCapacity, capacity, /*as_list=*/true);
  write_item_collection_metrics_map(ctx, out, in.ReturnItemCollectionMetrics, partitions);
  out.end_object();
}

}  // namespace ddb::api
