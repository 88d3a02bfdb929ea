// api/batch.cpp — BatchGetItem and BatchWriteItem.
#include <map>
#include <set>

#include "api/attribute_json.h"
#include "api/item_support.h"
#include "api/json_read.h"
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

void batch_get_item(Context& ctx, const simdjson::dom::element& body, JsonWriter& out) {
  simdjson::dom::element request_items;
  has(body, "RequestItems", &request_items);
  simdjson::dom::object tables = request_items.get_object().value_unsafe();

  struct TableRequest {
    storage::TableRef table;
    std::unique_ptr<ExpressionParams> params;
    std::optional<std::vector<expr::Path>> projection;
    bool consistent = false;
    std::vector<std::string> keys;
    std::vector<AttributeMap> key_maps;
    simdjson::dom::element json;
  };
  std::vector<TableRequest> requests;
  size_t total = 0;
  for (auto field : tables) {
    simdjson::dom::array keys;
    if (get_array(field.value, "Keys", &keys)) total += keys.size();
  }
  if (total > kMaxBatchGetKeys) throw Error::validation("Too many items requested for the BatchGetItem call");
  for (auto field : tables) {
    TableRequest r;
    r.json = field.value;
    check_not_mixed(field.value, {{"AttributesToGet", {"ProjectionExpression"}}});
    r.params =
        std::make_unique<ExpressionParams>(field.value, std::initializer_list<const char*>{"ProjectionExpression"},
                                           /*takes_values=*/false);
    r.projection = r.params->projection(field.value);
    r.params->finish();
    r.consistent = get_bool(field.value, "ConsistentRead");
    r.table = require_item_table(ctx, field.key);
    simdjson::dom::array keys;
    get_array(field.value, "Keys", &keys);
    std::set<std::string> seen;
    for (auto k : keys) {
      AttributeMap key_map = parse_attribute_map(k);
      std::string key = key_of(*r.table, key_map);
      if (!seen.insert(key).second) throw Error::validation("Provided list of item keys contains duplicates");
      r.keys.push_back(std::move(key));
      r.key_maps.push_back(std::move(key_map));
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
    for (size_t i = first; i < r->key_maps.size(); ++i) write_attribute_map(out, r->key_maps[i]);
    out.end_array();
    if (r->consistent) out.member("ConsistentRead", true);
    std::string_view projection = get_string(r->json, "ProjectionExpression");
    if (!projection.empty()) out.member("ProjectionExpression", projection);
    out.end_object();
  }
  out.end_object();
  write_capacity_list(out, body, capacity);
  out.end_object();
}

void batch_write_item(Context& ctx, const simdjson::dom::element& body, JsonWriter& out) {
  simdjson::dom::element request_items;
  has(body, "RequestItems", &request_items);
  simdjson::dom::object tables = request_items.get_object().value_unsafe();
  size_t total = 0;
  for (auto field : tables) total += field.value.get_array().value_unsafe().size();
  if (total > kMaxBatchWriteRequests) throw Error::validation("Too many items requested for the BatchWriteItem call");

  std::vector<storage::Mutation> writes;
  writes.reserve(total);
  std::set<std::pair<uint32_t, std::string>> seen;
  // Every request is checked before anything is written; then the whole batch commits at once.
  for (auto field : tables) {
    storage::TableRef table = require_item_table(ctx, field.key);
    simdjson::dom::array list = field.value.get_array().value_unsafe();
    for (auto request : list) {
      simdjson::dom::element put, del;
      bool is_put = has(request, "PutRequest", &put), is_delete = has(request, "DeleteRequest", &del);
      if (is_put == is_delete) {
        throw Error::validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
            "the supported datatypes");
      }
      simdjson::dom::element json;
      has(is_put ? put : del, is_put ? "Item" : "Key", &json);
      AttributeMap attributes = parse_attribute_map(json);
      writes.push_back(is_put ? storage::Mutation::put(table, std::move(attributes), nullptr)
                              : storage::Mutation::remove(table, std::move(attributes), nullptr));
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
  write_write_capacity(out, body, capacity, /*as_list=*/true);
  write_item_collection_metrics_map(ctx, out, body, partitions);
  out.end_object();
}

}  // namespace ddb::api
