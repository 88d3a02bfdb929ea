// api/items.cpp — PutItem, GetItem, UpdateItem and DeleteItem.
#include <set>

#include "api/attribute_json.h"
#include "api/item_support.h"
#include "api/json_read.h"
#include "expressions/evaluator.h"
#include "expressions/parser.h"
#include "model/error.h"
#include "storage/item_codec.h"
#include "storage/item_store.h"
#include "storage/mutation.h"

namespace ddb::api {

namespace {

// Commits one item's mutation; a failed condition or a refused update becomes the request's error.
void commit_one(Context& ctx, const simdjson::dom::element& body, storage::Mutation& m) {
  if (ctx.items.commit(m)) return;
  const auto& o = m.outcome;
  if (!o.refused.empty()) throw Error::validation(o.refused);
  Error e("ConditionalCheckFailedException", "The conditional request failed");
  if (o.existed && get_string(body, "ReturnValuesOnConditionCheckFailure") == "ALL_OLD") {
    std::string extra = "\"Item\":";
    JsonWriter w(extra);
    write_attribute_map(w, o.old);
    e.with_extra_members(std::move(extra));
  }
  throw e;
}

// ConsumedCapacity and ItemCollectionMetrics of a single-item write.
void write_write_metrics(Context& ctx, JsonWriter& out, const simdjson::dom::element& body,
                         const storage::Mutation& m) {
  WriteCapacity capacity;
  capacity.add(m);
  write_write_capacity(out, body, capacity, /*as_list=*/false);
  write_item_collection_metrics(ctx, out, body, *m.table, m.key_attributes.at(m.table->hash_key()));
}

std::string_view return_values(const simdjson::dom::element& body, std::initializer_list<const char*> allowed) {
  std::string_view rv = get_string(body, "ReturnValues", "NONE");
  for (const char* a : allowed) {
    if (rv == a) return rv;
  }
  throw Error::validation("Return values set to invalid value");
}

void write_attributes(JsonWriter& out, const AttributeMap& attributes) {
  out.key("Attributes");
  write_attribute_map(out, attributes);
}

}  // namespace

void put_item(Context& ctx, const simdjson::dom::element& body, JsonWriter& out) {
  check_not_mixed(body, {{"Expected", {"ConditionExpression"}}, {"ConditionalOperator", {"ConditionExpression"}}});
  ExpressionParams params(body, {"ConditionExpression"});
  simdjson::dom::element item_json;
  has(body, "Item", &item_json);
  AttributeMap item = parse_attribute_map(item_json);
  const expr::Node* condition = params.condition(body);
  params.finish();
  std::string_view rv = return_values(body, {"NONE", "ALL_OLD"});
  storage::TableRef table = require_item_table(ctx, get_string(body, "TableName"));
  auto m = storage::Mutation::put(std::move(table), std::move(item), condition);
  commit_one(ctx, body, m);
  out.begin_object();
  if (m.outcome.existed && rv == "ALL_OLD") write_attributes(out, m.outcome.old);
  write_write_metrics(ctx, out, body, m);
  out.end_object();
}

void get_item(Context& ctx, const simdjson::dom::element& body, JsonWriter& out) {
  check_not_mixed(body, {{"AttributesToGet", {"ProjectionExpression"}}});
  ExpressionParams params(body, {"ProjectionExpression"}, /*takes_values=*/false);
  simdjson::dom::element key_json;
  has(body, "Key", &key_json);
  AttributeMap key_map = parse_attribute_map(key_json);
  auto projection = params.projection(body);
  params.finish();
  storage::TableRef table = require_item_table(ctx, get_string(body, "TableName"));
  std::string key = key_of(*table, key_map);
  bool consistent = get_bool(body, "ConsistentRead");

  // Without a projection the stored item is written as JSON directly; it is decoded only when needed.
  std::string stored;
  bool found = ctx.items.get_stored(key, &stored);
  out.begin_object();
  if (found) {
    out.key("Item");
    if (projection) {
      write_attribute_map(out, expr::project(*projection, storage::decode_item(stored)));
    } else {
      storage::write_item_json(stored, out);
    }
  }
  if (get_string(body, "ReturnConsumedCapacity", "NONE") != "NONE") {
    write_consumed_capacity(out, body, table->name,
                            read_units(found ? storage::item_size(storage::decode_item(stored)) : 0, consistent));
  }
  out.end_object();
}

void update_item(Context& ctx, const simdjson::dom::element& body, JsonWriter& out) {
  check_not_mixed(body, {{"AttributeUpdates", {"UpdateExpression", "ConditionExpression"}},
                         {"Expected", {"ConditionExpression", "UpdateExpression"}},
                         {"ConditionalOperator", {"ConditionExpression", "UpdateExpression"}}});
  ExpressionParams params(body, {"UpdateExpression", "ConditionExpression"});
  simdjson::dom::element key_json;
  has(body, "Key", &key_json);
  AttributeMap key_map = parse_attribute_map(key_json);

  expr::UpdateExpression update;
  std::vector<expr::LegacyUpdate> legacy_updates;
  simdjson::dom::element e;
  if (has(body, "UpdateExpression", &e)) {
    update = expr::parse_update(e.get_string().value_unsafe(), params.placeholders());
  } else if (has(body, "AttributeUpdates", &e)) {
    simdjson::dom::object fields = e.get_object().value_unsafe();
    for (auto field : fields) {
      expr::LegacyUpdate u;
      u.attribute = std::string(field.key);
      u.action = std::string(get_string(field.value, "Action", "PUT"));
      simdjson::dom::element value;
      if (has(field.value, "Value", &value)) {
        u.has_value = true;
        u.value = parse_attribute_value(value);
      }
      legacy_updates.push_back(std::move(u));
    }
    update = expr::translate_attribute_updates(legacy_updates);
  }
  const expr::Node* condition = params.condition(body);
  params.finish();
  std::string_view rv = return_values(body, {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"});
  storage::TableRef table = require_item_table(ctx, get_string(body, "TableName"));
  auto m = storage::Mutation::update(std::move(table), std::move(key_map), &update, condition);
  commit_one(ctx, body, m);

  const auto& o = m.outcome;
  out.begin_object();
  auto only_touched = [&](const AttributeMap& item) {
    AttributeMap r;
    for (const auto& name : o.touched) {
      auto it = item.find(name);
      if (it != item.end()) r.emplace(name, it->second);
    }
    return r;
  };
  if (rv == "ALL_OLD" && o.existed) write_attributes(out, o.old);
  if (rv == "ALL_NEW" && !o.next.empty()) write_attributes(out, o.next);
  if (rv == "UPDATED_OLD" && o.existed) {
    AttributeMap r = only_touched(o.old);
    if (!r.empty()) write_attributes(out, r);
  }
  if (rv == "UPDATED_NEW") {
    AttributeMap r = only_touched(o.next);
    if (!r.empty()) write_attributes(out, r);
  }
  write_write_metrics(ctx, out, body, m);
  out.end_object();
}

void delete_item(Context& ctx, const simdjson::dom::element& body, JsonWriter& out) {
  check_not_mixed(body, {{"Expected", {"ConditionExpression"}}, {"ConditionalOperator", {"ConditionExpression"}}});
  ExpressionParams params(body, {"ConditionExpression"});
  simdjson::dom::element key_json;
  has(body, "Key", &key_json);
  AttributeMap key_map = parse_attribute_map(key_json);
  const expr::Node* condition = params.condition(body);
  params.finish();
  std::string_view rv = return_values(body, {"NONE", "ALL_OLD"});
  storage::TableRef table = require_item_table(ctx, get_string(body, "TableName"));
  auto m = storage::Mutation::remove(std::move(table), std::move(key_map), condition);
  commit_one(ctx, body, m);
  out.begin_object();
  if (m.outcome.existed && rv == "ALL_OLD") write_attributes(out, m.outcome.old);
  write_write_metrics(ctx, out, body, m);
  out.end_object();
}

}  // namespace ddb::api
