#include "api/item_support.h"

#include <map>
#include <set>

#include "expressions/parser.h"
#include "model/error.h"
#include "storage/item_codec.h"
#include "storage/item_store.h"
#include "storage/store.h"

namespace ddb::api {

namespace {

constexpr size_t kMaxPlaceholderKeyBytes = 255;

bool valid_placeholder(std::string_view key, char sigil) {
  if (key.size() < 2 || key[0] != sigil) return false;
  for (char c : key.substr(1)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

storage::TableRef require_item_table(Context& ctx, std::string_view name) {
  storage::TableRef def = ctx.catalog.find(ctx.ns, name);
  if (!def) throw Error::resource_not_found();
  return def;
}

ExpressionParams::ExpressionParams(const std::optional<req::ExpressionAttributeNameMap>& names,
                                   const std::optional<req::ExpressionAttributeValueMap>* values,
                                   std::initializer_list<Given> expressions,
                                   std::initializer_list<Given> value_expressions) {
  if (value_expressions.size() == 0) value_expressions = expressions;
  bool uses_expressions = false;
  for (const Given& e : expressions) uses_expressions = uses_expressions || e.given;
  if (names) {
    if (!uses_expressions)
      throw Error::validation("ExpressionAttributeNames can only be specified when using expressions");
    if (names->empty()) throw Error::validation("ExpressionAttributeNames must not be empty");
    for (const auto& [k, v] : *names) {
      if (k.size() > kMaxPlaceholderKeyBytes) {
        throw Error::validation(
            "ExpressionAttributeNames contains invalid key: The expression attribute map contains a "
            "key that is too long; size of key: " +
            std::to_string(k.size()));
      }
      if (!valid_placeholder(k, '#')) {
        throw Error::validation("ExpressionAttributeNames contains invalid key: Syntax error; key: \"" + k + "\"");
      }
      if (v.empty()) {
        throw Error::validation("ExpressionAttributeNames contains invalid value: Empty attribute name for key " + k);
      }
      names_.emplace(k, v);
    }
    placeholders_.names = &names_;
  }
  if (values && *values) {
    bool uses_value_expressions = false;
    for (const Given& e : value_expressions) uses_value_expressions = uses_value_expressions || e.given;
    if (!uses_value_expressions) {
      std::string which;
      for (const Given& e : value_expressions) which += (which.empty() ? "" : " and ") + std::string(e.name);
      throw Error::validation("ExpressionAttributeValues can only be specified when using expressions: " + which +
                              (value_expressions.size() > 1 ? " are null" : " is null"));
    }
    if ((*values)->empty()) throw Error::validation("ExpressionAttributeValues must not be empty");
    for (const auto& [k, v] : **values) {
      if (k.size() > kMaxPlaceholderKeyBytes) {
        throw Error::validation(
            "ExpressionAttributeValues contains invalid key: The expression attribute map contains "
            "a key that is too long; size of key: " +
            std::to_string(k.size()));
      }
      if (!valid_placeholder(k, ':')) {
        throw Error::validation("ExpressionAttributeValues contains invalid key: Syntax error; key: \"" + k + "\"");
      }
      try {
        values_.emplace(k, v.get());
      } catch (const Error& e) {
        if (e.type() != "ValidationException") throw;
        throw Error::validation("ExpressionAttributeValues contains invalid value: " + e.message() + " for key " + k);
      }
    }
    placeholders_.values = &values_;
  }
}

const expr::Node* ExpressionParams::condition(const std::optional<std::string>& expression,
                                              const std::optional<req::ExpectedAttributeMap>& expected,
                                              const std::optional<req::ConditionalOperator>& conditional_operator) {
  if (expression) {
    condition_ = std::make_unique<expr::Node>(
        expr::parse_condition(*expression, expr::ExpressionKind::Condition, placeholders_));
    return condition_.get();
  }
  if (conditional_operator && (!expected || expected->empty())) {
    throw Error::validation("ConditionalOperator cannot be used without Filter or Expected");
  }
  if (!expected) return nullptr;
  legacy_conditions_ = legacy_conditions(*expected);
  condition_ = std::make_unique<expr::Node>(
      expr::translate_conditions(legacy_conditions_, conditional_operator == req::ConditionalOperator::OR));
  if (expr::always_true(*condition_)) return nullptr;
  return condition_.get();
}

const expr::Node* ExpressionParams::filter(const std::optional<std::string>& expression,
                                           const std::optional<req::FilterConditionMap>& legacy,
                                           const std::optional<req::ConditionalOperator>& conditional_operator) {
  if (expression) {
    filter_ =
        std::make_unique<expr::Node>(expr::parse_condition(*expression, expr::ExpressionKind::Filter, placeholders_));
    return filter_.get();
  }
  if (conditional_operator && (!legacy || legacy->empty())) {
    throw Error::validation("ConditionalOperator cannot be used without Filter or Expected");
  }
  if (!legacy) return nullptr;
  legacy_filter_ = legacy_conditions(*legacy);
  filter_ = std::make_unique<expr::Node>(
      expr::translate_conditions(legacy_filter_, conditional_operator == req::ConditionalOperator::OR));
  if (expr::always_true(*filter_)) return nullptr;
  return filter_.get();
}

std::optional<std::vector<expr::Path>> ExpressionParams::projection(
    const std::optional<std::string>& expression, const std::optional<req::AttributeNameList>& attributes_to_get) {
  if (expression) return expr::parse_projection(*expression, placeholders_);
  if (!attributes_to_get) return std::nullopt;
  if (attributes_to_get->empty()) throw Error::validation("AttributesToGet cannot be empty");
  std::vector<expr::Path> paths;
  std::set<std::string_view> seen;
  for (const std::string& name : *attributes_to_get) {
    if (name.empty()) throw Error::validation("Empty attribute name");
    if (!seen.insert(name).second) throw Error::validation("Cannot have two attributes with the same name");
    paths.push_back({{name, -1}});
  }
  return paths;
}

void check_not_mixed(std::initializer_list<LegacyConflict> conflicts) {
  std::string legacy_used, expr_used;
  std::set<std::string_view> listed;
  for (const auto& c : conflicts) {
    if (!c.legacy.given) continue;
    bool conflicting = false;
    for (const Given& e : c.expressions) {
      if (!e.given) continue;
      conflicting = true;
      if (listed.insert(e.name).second) expr_used += (expr_used.empty() ? "" : ", ") + std::string(e.name);
    }
    if (conflicting) legacy_used += (legacy_used.empty() ? "" : ", ") + std::string(c.legacy.name);
  }
  if (!legacy_used.empty()) {
    throw Error::validation(
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {" +
        legacy_used + "} Expression parameters: {" + expr_used + "}");
  }
}

namespace {

void add_value_list(expr::LegacyCondition& c, const std::optional<req::AttributeValueList>& list) {
  if (!list) return;
  c.has_value_list = true;
  for (const auto& v : *list) c.value_list.push_back(v.get());
}

}  // namespace

std::vector<expr::LegacyCondition> legacy_conditions(const req::ExpectedAttributeMap& expected) {
  std::vector<expr::LegacyCondition> out;
  for (const auto& [name, v] : expected) {
    expr::LegacyCondition c;
    c.attribute = name;
    if (v.Exists) {
      c.has_exists = true;
      c.exists = *v.Exists;
    }
    if (v.Value) {
      c.has_value = true;
      c.value = v.Value->get();
    }
    if (v.ComparisonOperator) c.comparison_operator = std::string(req::name(*v.ComparisonOperator));
    add_value_list(c, v.AttributeValueList);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<expr::LegacyCondition> legacy_conditions(const req::FilterConditionMap& conditions) {
  std::vector<expr::LegacyCondition> out;
  for (const auto& [name, v] : conditions) {
    expr::LegacyCondition c;
    c.attribute = name;
    c.comparison_operator = std::string(req::name(v.ComparisonOperator));
    add_value_list(c, v.AttributeValueList);
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

bool has_local_index(const storage::TableDef& table) {
  for (const auto& i : table.indexes) {
    if (!i.global) return true;
  }
  return false;
}

// One item collection's metrics: its key and the service's size estimate range in GB.
req::ItemCollectionMetrics collection_metrics(Context& ctx, const storage::TableDef& table,
                                              const AttributeValue& partition_key) {
  // The collection: the partition's items and their local index entries.
  std::string prefix = storage::ItemStore::item_key(table, partition_key, nullptr);
  size_t bytes = 0;
  auto cur = ctx.store.cursor();
  for (cur->seek(prefix); cur->valid() && cur->key().substr(0, prefix.size()) == prefix; cur->next()) {
    AttributeMap item = storage::decode_item(cur->value());
    bytes += storage::item_size(item);
    for (const auto& index : table.indexes) {
      std::string key;
      AttributeMap entry;
      if (!index.global && storage::ItemStore::index_entry(table, index, item, &key, &entry)) {
        bytes += storage::item_size(entry);
      }
    }
  }
  double lower = double(int64_t(double(bytes) / (1024.0 * 1024.0 * 1024.0)));
  req::ItemCollectionMetrics metrics;
  metrics.ItemCollectionKey.emplace().value.emplace(table.hash_key(), partition_key);
  metrics.SizeEstimateRangeGB = {lower, lower + 1};
  return metrics;
}

}  // namespace

std::optional<req::ItemCollectionMetrics> item_collection_metrics(Context& ctx, ReturnItemCollectionMetrics mode,
                                                                  const storage::TableDef& table,
                                                                  const AttributeValue& partition_key) {
  if (mode != req::ReturnItemCollectionMetrics::SIZE || !has_local_index(table)) return std::nullopt;
  return collection_metrics(ctx, table, partition_key);
}

std::optional<req::ItemCollectionMetricsPerTable> item_collection_metrics_per_table(
    Context& ctx, ReturnItemCollectionMetrics mode,
    const std::vector<std::pair<const storage::TableDef*, AttributeValue>>& written_partitions) {
  if (mode != req::ReturnItemCollectionMetrics::SIZE) return std::nullopt;
  std::map<std::string, std::vector<const std::pair<const storage::TableDef*, AttributeValue>*>> by_table;
  for (const auto& w : written_partitions) {
    if (has_local_index(*w.first)) by_table[w.first->name].push_back(&w);
  }
  if (by_table.empty()) return std::nullopt;
  req::ItemCollectionMetricsPerTable out;
  for (const auto& [name, writes] : by_table) {
    auto& list = out.emplace_back(name, req::ItemCollectionMetricsMultiple{}).second;
    for (const auto* w : writes) list.push_back(collection_metrics(ctx, *w->first, w->second));
  }
  return out;
}

void WriteCapacity::add(const storage::Mutation& m, double factor) {
  auto& t = tables[m.table->name];
  t.table += factor * m.table_units();
  for (const auto& w : m.outcome.index_writes) {
    (w.index->global ? t.global : t.local)[w.index->name] += factor * w.units();
  }
}

namespace {

// One table's entry of ConsumedCapacity: the total, and with INDEXES the table's and each index's units.
req::ConsumedCapacity capacity_entry(req::ReturnConsumedCapacity mode, const std::string& table,
                                     const WriteCapacity::Units& u) {
  req::ConsumedCapacity c;
  double total = u.table;
  for (const auto* group : {&u.global, &u.local}) {
    for (const auto& [name, units] : *group) total += units;
  }
  c.TableName = table;
  c.CapacityUnits = total;
  if (mode == req::ReturnConsumedCapacity::INDEXES) {
    c.Table.emplace().CapacityUnits = u.table;
    for (const auto* group : {&u.global, &u.local}) {
      if (group->empty()) continue;
      auto& indexes = (group == &u.global ? c.GlobalSecondaryIndexes : c.LocalSecondaryIndexes).emplace();
      for (const auto& [name, units] : *group) indexes.emplace_back(name, req::Capacity{}).second.CapacityUnits = units;
    }
  }
  return c;
}

bool wants_capacity(ReturnConsumedCapacity mode) { return mode && *mode != req::ReturnConsumedCapacity::NONE; }

}  // namespace

std::optional<req::ConsumedCapacity> WriteCapacity::consumed(ReturnConsumedCapacity mode) const {
  if (!wants_capacity(mode) || tables.empty()) return std::nullopt;
  const auto& [table, units] = *tables.begin();
  return capacity_entry(*mode, table, units);
}

std::optional<req::ConsumedCapacityMultiple> WriteCapacity::consumed_per_table(ReturnConsumedCapacity mode) const {
  if (!wants_capacity(mode)) return std::nullopt;
  req::ConsumedCapacityMultiple list;
  for (const auto& [table, units] : tables) list.push_back(capacity_entry(*mode, table, units));
  return list;
}

std::optional<req::ConsumedCapacityMultiple> consumed_capacity_per_table(
    ReturnConsumedCapacity mode, const std::vector<std::pair<std::string, double>>& per_table) {
  if (!wants_capacity(mode)) return std::nullopt;
  req::ConsumedCapacityMultiple list;
  for (const auto& [table, units] : per_table) list.push_back(capacity_entry(*mode, table, {units, {}, {}}));
  return list;
}

std::optional<req::ConsumedCapacity> consumed_capacity(ReturnConsumedCapacity mode, const std::string& table,
                                                       double units, const std::string& index_name,
                                                       bool global_index) {
  if (!wants_capacity(mode)) return std::nullopt;
  req::ConsumedCapacity c;
  c.TableName = table;
  c.CapacityUnits = units;
  if (*mode == req::ReturnConsumedCapacity::INDEXES) {
    if (index_name.empty()) {
      c.Table.emplace().CapacityUnits = units;
    } else {
      auto& indexes = (global_index ? c.GlobalSecondaryIndexes : c.LocalSecondaryIndexes).emplace();
      indexes.emplace_back(index_name, req::Capacity{}).second.CapacityUnits = units;
    }
  }
  return c;
}

double read_units(size_t bytes, bool consistent) {
  double units = double(std::max<size_t>(1, (bytes + 4095) / 4096));
  return consistent ? units : units / 2;
}

}  // namespace ddb::api
