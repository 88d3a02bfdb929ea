// api/batch.cpp — BatchGetItem and BatchWriteItem.
#include <map>
#include <set>

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

void batch_get_item(Context& ctx, req::BatchGetItemInput& in, req::BatchGetItemOutput& out) {
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
  auto& responses = out.Responses.emplace();
  auto& unprocessed = out.UnprocessedKeys.emplace();
  for (const auto& r : requests) {
    req::ItemList& items = responses.emplace_back(r.table->name, req::ItemList{}).second;
    double units = 0;
    size_t i = 0;
    for (; i < r.keys.size(); ++i) {
      if (response_bytes >= kMaxBatchGetResponseBytes) break;
      AttributeMap item;
      if (!ctx.items.get(r.keys[i], &item)) continue;
      size_t size = storage::item_size(item);
      response_bytes += size;
      units += read_units(size, r.consistent);
      items.push_back({r.projection ? expr::project(*r.projection, item) : std::move(item)});
    }
    if (i < r.keys.size()) {
      // The keys not read, to ask for again.
      req::KeysAndAttributes& rest = unprocessed.emplace_back(r.table->name, req::KeysAndAttributes{}).second;
      for (; i < r.key_maps.size(); ++i) rest.Keys.push_back({*r.key_maps[i], nullptr});
      if (r.consistent) rest.ConsistentRead = true;
      // What the request asked for, so that the keys can be sent again as they come.
      if (r.json->ProjectionExpression && !r.json->ProjectionExpression->empty()) {
        rest.ProjectionExpression = *r.json->ProjectionExpression;
        rest.ExpressionAttributeNames = r.json->ExpressionAttributeNames;
      }
      rest.AttributesToGet = r.json->AttributesToGet;
    }
    capacity.push_back({r.table->name, units});
  }
  out.ConsumedCapacity = consumed_capacity_per_table(in.ReturnConsumedCapacity, capacity);
}

void batch_write_item(Context& ctx, req::BatchWriteItemInput& in, req::BatchWriteItemOutput& out) {
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
  out.UnprocessedItems.emplace();
  out.ItemCollectionMetrics = item_collection_metrics_per_table(ctx, in.ReturnItemCollectionMetrics, partitions);
  out.ConsumedCapacity = capacity.consumed_per_table(in.ReturnConsumedCapacity);
}

}  // namespace ddb::api
