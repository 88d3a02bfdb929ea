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

namespace ddb::api {

namespace {

using Change = storage::ItemStore::Change;

Error condition_failed(const simdjson::dom::element& body, const AttributeMap* old) {
  Error e("ConditionalCheckFailedException", "The conditional request failed");
  if (old && get_string(body, "ReturnValuesOnConditionCheckFailure") == "ALL_OLD") {
    std::string extra = "\"Item\":";
    JsonWriter w(extra);
    write_attribute_map(w, *old);
    e.with_extra_members(std::move(extra));
  }
  return e;
}

void check_condition(const expr::Node* condition, const simdjson::dom::element& body, const AttributeMap* old) {
  static const AttributeMap kNoItem;
  if (condition && !expr::evaluate(*condition, old ? *old : kNoItem)) throw condition_failed(body, old);
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
  std::string key = key_of_item(*table, item);
  size_t charged = check_item_size(item);

  AttributeMap old_copy;
  bool existed = false;
  auto index_writes = ctx.items.write(*table, key, [&](const AttributeMap* old, AttributeMap* next) {
    check_condition(condition, body, old);
    if (old && rv == "ALL_OLD") old_copy = *old;
    existed = old != nullptr;
    if (old) charged = std::max(charged, storage::item_size(*old));  // an overwrite costs the larger item
    *next = item;
    return Change::Put;
  });
  out.begin_object();
  if (existed && rv == "ALL_OLD") write_attributes(out, old_copy);
  write_write_capacity(out, body, table->name, write_units(charged), index_writes);
  write_item_collection_metrics(ctx, out, body, *table, item.at(table->hash_key()));
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
  std::string key = key_of(*table, key_map);
  for (const auto& action : update.actions) {
    const std::string& top = action.path[0].name;
    for (const auto& k : table->key_schema) {
      if (k.attribute_name == top) {
        throw Error::validation("One or more parameter values were invalid: Cannot update attribute " + top +
                                ". This attribute is part of the key");
      }
    }
  }

  AttributeMap before, after;
  bool existed = false;
  size_t charged = 0;
  std::set<std::string> touched;
  auto index_writes = ctx.items.write(
      *table, key,
      [&](const AttributeMap* old, AttributeMap* next) {
        check_condition(condition, body, old);
        existed = old != nullptr;
        *next = old ? *old : key_map;
        touched = expr::apply_update(update, *next);
        size_t new_size = storage::item_size(*next);
        if (new_size > kMaxItemBytes)
          throw Error::validation("Item size to update has exceeded the maximum allowed size");
        charged = std::max(new_size, old ? storage::item_size(*old) : 0);
        if (rv != "NONE") {
          if (old) before = *old;
          after = *next;
        }
        return Change::Put;
      },
      /*by_update=*/true);

  out.begin_object();
  auto only_touched = [&](const AttributeMap& m) {
    AttributeMap r;
    for (const auto& name : touched) {
      auto it = m.find(name);
      if (it != m.end()) r.emplace(name, it->second);
    }
    return r;
  };
  if (rv == "ALL_OLD" && existed) write_attributes(out, before);
  if (rv == "ALL_NEW") write_attributes(out, after);
  if (rv == "UPDATED_OLD" && existed) {
    AttributeMap r = only_touched(before);
    if (!r.empty()) write_attributes(out, r);
  }
  if (rv == "UPDATED_NEW") {
    AttributeMap r = only_touched(after);
    if (!r.empty()) write_attributes(out, r);
  }
  write_write_capacity(out, body, table->name, write_units(charged), index_writes);
  write_item_collection_metrics(ctx, out, body, *table, key_map.at(table->hash_key()));
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
  std::string key = key_of(*table, key_map);

  AttributeMap old_copy;
  bool existed = false;
  auto index_writes = ctx.items.write(*table, key, [&](const AttributeMap* old, AttributeMap*) {
    check_condition(condition, body, old);
    existed = old != nullptr;
    if (old) old_copy = *old;
    return Change::Delete;
  });
  out.begin_object();
  if (existed && rv == "ALL_OLD") write_attributes(out, old_copy);
  write_write_capacity(out, body, table->name, write_units(existed ? storage::item_size(old_copy) : 0), index_writes);
  write_item_collection_metrics(ctx, out, body, *table, key_map.at(table->hash_key()));
  out.end_object();
}

}  // namespace ddb::api
