// api/items.cpp — PutItem, GetItem, UpdateItem and DeleteItem.
#include <set>

#include "api/attribute_json.h"
#include "api/item_support.h"
#include "expressions/evaluator.h"
#include "expressions/parser.h"
#include "model/error.h"
#include "storage/item_codec.h"
#include "storage/item_store.h"
#include "storage/mutation.h"

namespace ddb::api {

namespace {

using ReturnValue = req::ReturnValue;

// Commits one item's mutation; a failed condition or a refused update becomes the request's error.
void commit_one(Context& ctx, const std::optional<req::ReturnValuesOnConditionCheckFailure>& on_failure,
                storage::Mutation& m) {
  if (ctx.items.commit(m)) return;
  const auto& o = m.outcome;
  if (!o.refused.empty()) throw Error::validation(o.refused);
  Error e("ConditionalCheckFailedException", "The conditional request failed");
  if (o.existed && on_failure == req::ReturnValuesOnConditionCheckFailure::ALL_OLD) {
    std::string extra = "\"Item\":";
    JsonWriter w(extra);
    write_attribute_map(w, o.old);
    e.with_extra_members(std::move(extra));
  }
  throw e;
}

// ConsumedCapacity and ItemCollectionMetrics of a single-item write (Output: PutItemOutput, UpdateItemOutput or
// DeleteItemOutput).
template <class Output>
void add_write_metrics(Context& ctx, Output& out, ReturnConsumedCapacity capacity_mode,
                       ReturnItemCollectionMetrics metrics_mode, const storage::Mutation& m) {
  WriteCapacity capacity;
  capacity.add(m);
  out.ConsumedCapacity = capacity.consumed(capacity_mode);
  out.ItemCollectionMetrics =
      item_collection_metrics(ctx, metrics_mode, *m.table, m.key_attributes.at(m.table->hash_key()));
}

ReturnValue return_values(const std::optional<ReturnValue>& rv, std::initializer_list<ReturnValue> allowed) {
  ReturnValue value = rv.value_or(ReturnValue::NONE);
  for (ReturnValue a : allowed) {
    if (value == a) return value;
  }
  throw Error::validation("Return values set to invalid value");
}

}  // namespace

void put_item(Context& ctx, req::PutItemInput& in, req::PutItemOutput& out) {
  Given condition_expression{"ConditionExpression", in.ConditionExpression.has_value()};
  check_not_mixed({{{"Expected", in.Expected.has_value()}, {condition_expression}},
                   {{"ConditionalOperator", in.ConditionalOperator.has_value()}, {condition_expression}}});
  ExpressionParams params(in.ExpressionAttributeNames, &in.ExpressionAttributeValues, {condition_expression});
  AttributeMap& item = in.Item.get();
  const expr::Node* condition = params.condition(in.ConditionExpression, in.Expected, in.ConditionalOperator);
  params.finish();
  ReturnValue rv = return_values(in.ReturnValues, {ReturnValue::NONE, ReturnValue::ALL_OLD});
  storage::TableRef table = require_item_table(ctx, in.TableName);
  auto m = storage::Mutation::put(std::move(table), std::move(item), condition);
  commit_one(ctx, in.ReturnValuesOnConditionCheckFailure, m);
  if (m.outcome.existed && rv == ReturnValue::ALL_OLD) out.Attributes = {std::move(m.outcome.old)};
  add_write_metrics(ctx, out, in.ReturnConsumedCapacity, in.ReturnItemCollectionMetrics, m);
}

void get_item(Context& ctx, req::GetItemInput& in, req::GetItemOutput& out) {
  Given projection_expression{"ProjectionExpression", in.ProjectionExpression.has_value()};
  check_not_mixed({{{"AttributesToGet", in.AttributesToGet.has_value()}, {projection_expression}}});
  ExpressionParams params(in.ExpressionAttributeNames, nullptr, {projection_expression});
  const AttributeMap& key_map = in.Key.get();
  auto projection = params.projection(in.ProjectionExpression, in.AttributesToGet);
  params.finish();
  storage::TableRef table = require_item_table(ctx, in.TableName);
  std::string key = key_of(*table, key_map);
  bool consistent = in.ConsistentRead.value_or(false);

  // Without a projection the stored item is answered as it is stored (written as JSON from its bytes); it is
  // decoded only when needed.
  std::string stored;
  bool found = ctx.items.get_stored(key, &stored);
  bool wants_capacity =
      in.ReturnConsumedCapacity.value_or(req::ReturnConsumedCapacity::NONE) != req::ReturnConsumedCapacity::NONE;
  std::optional<AttributeMap> decoded;
  if (found && (projection || wants_capacity)) decoded = storage::decode_item(stored);
  if (wants_capacity) {
    out.ConsumedCapacity = consumed_capacity(in.ReturnConsumedCapacity, table->name,
                                             read_units(decoded ? storage::item_size(*decoded) : 0, consistent));
  }
  if (found) {
    ResponseAttributes& item = out.Item.emplace();
    if (projection) {
      item.value = expr::project(*projection, *decoded);
    } else {
      item.stored = std::move(stored);
    }
  }
}

void update_item(Context& ctx, req::UpdateItemInput& in, req::UpdateItemOutput& out) {
  Given update_expression{"UpdateExpression", in.UpdateExpression.has_value()};
  Given condition_expression{"ConditionExpression", in.ConditionExpression.has_value()};
  check_not_mixed(
      {{{"AttributeUpdates", in.AttributeUpdates.has_value()}, {update_expression, condition_expression}},
       {{"Expected", in.Expected.has_value()}, {condition_expression, update_expression}},
       {{"ConditionalOperator", in.ConditionalOperator.has_value()}, {condition_expression, update_expression}}});
  ExpressionParams params(in.ExpressionAttributeNames, &in.ExpressionAttributeValues,
                          {update_expression, condition_expression});
  AttributeMap& key_map = in.Key.get();

  expr::UpdateExpression update;
  std::vector<expr::LegacyUpdate> legacy_updates;  // what the translated update's values point at
  if (in.UpdateExpression) {
    update = expr::parse_update(*in.UpdateExpression, params.placeholders());
  } else if (in.AttributeUpdates) {
    for (const auto& [attribute, field] : *in.AttributeUpdates) {
      expr::LegacyUpdate u;
      u.attribute = attribute;
      u.action = field.Action ? std::string(req::name(*field.Action)) : "PUT";
      if (field.Value) {
        u.has_value = true;
        u.value = field.Value->get();
      }
      legacy_updates.push_back(std::move(u));
    }
    update = expr::translate_attribute_updates(legacy_updates);
  }
  const expr::Node* condition = params.condition(in.ConditionExpression, in.Expected, in.ConditionalOperator);
  params.finish();
  ReturnValue rv = return_values(in.ReturnValues, {ReturnValue::NONE, ReturnValue::ALL_OLD, ReturnValue::UPDATED_OLD,
                                                   ReturnValue::ALL_NEW, ReturnValue::UPDATED_NEW});
  storage::TableRef table = require_item_table(ctx, in.TableName);
  auto m = storage::Mutation::update(std::move(table), std::move(key_map), &update, condition);
  commit_one(ctx, in.ReturnValuesOnConditionCheckFailure, m);

  auto& o = m.outcome;
  auto only_touched = [&](const AttributeMap& item) {
    AttributeMap r;
    for (const auto& name : o.touched) {
      auto it = item.find(name);
      if (it != item.end()) r.emplace(name, it->second);
    }
    return r;
  };
  if (rv == ReturnValue::ALL_OLD && o.existed) out.Attributes = {std::move(o.old)};
  if (rv == ReturnValue::ALL_NEW && !o.next.empty()) out.Attributes = {std::move(o.next)};
  if (rv == ReturnValue::UPDATED_OLD && o.existed) {
    AttributeMap r = only_touched(o.old);
    if (!r.empty()) out.Attributes = {std::move(r)};
  }
  if (rv == ReturnValue::UPDATED_NEW) {
    AttributeMap r = only_touched(o.next);
    if (!r.empty()) out.Attributes = {std::move(r)};
  }
  add_write_metrics(ctx, out, in.ReturnConsumedCapacity, in.ReturnItemCollectionMetrics, m);
}

void delete_item(Context& ctx, req::DeleteItemInput& in, req::DeleteItemOutput& out) {
  Given condition_expression{"ConditionExpression", in.ConditionExpression.has_value()};
  check_not_mixed({{{"Expected", in.Expected.has_value()}, {condition_expression}},
                   {{"ConditionalOperator", in.ConditionalOperator.has_value()}, {condition_expression}}});
  ExpressionParams params(in.ExpressionAttributeNames, &in.ExpressionAttributeValues, {condition_expression});
  AttributeMap& key_map = in.Key.get();
  const expr::Node* condition = params.condition(in.ConditionExpression, in.Expected, in.ConditionalOperator);
  params.finish();
  ReturnValue rv = return_values(in.ReturnValues, {ReturnValue::NONE, ReturnValue::ALL_OLD});
  storage::TableRef table = require_item_table(ctx, in.TableName);
  auto m = storage::Mutation::remove(std::move(table), std::move(key_map), condition);
  commit_one(ctx, in.ReturnValuesOnConditionCheckFailure, m);
  if (m.outcome.existed && rv == ReturnValue::ALL_OLD) out.Attributes = {std::move(m.outcome.old)};
  add_write_metrics(ctx, out, in.ReturnConsumedCapacity, in.ReturnItemCollectionMetrics, m);
}

}  // namespace ddb::api
