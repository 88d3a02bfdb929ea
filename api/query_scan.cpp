// api/query_scan.cpp — Query and Scan, on tables and on their secondary indexes.
//
// Both read one key range of the store in key order (a partition's sort-key range for Query; the whole
// table, or a parallel-scan segment's hash range, for Scan), count what they read against Limit and the
// 1 MB page, filter, project, and answer LastEvaluatedKey where they stopped early.
#include <functional>
#include <set>

#include "api/item_support.h"
#include "expressions/evaluator.h"
#include "expressions/key_condition.h"
#include "expressions/parser.h"
#include "model/error.h"
#include "storage/item_codec.h"
#include "storage/item_store.h"
#include "storage/key_codec.h"
#include "storage/store.h"

namespace ddb::api {

namespace {

constexpr size_t kPageBytes = 1024 * 1024;

// The smallest key greater than every key that starts with p.
std::string prefix_end(std::string p) {
  while (!p.empty() && static_cast<unsigned char>(p.back()) == 0xFF) p.pop_back();
  if (!p.empty()) p.back() = char(static_cast<unsigned char>(p.back()) + 1);
  return p;
}

// Key bytes of a begins_with prefix: the order-preserving encoding without its terminator.
std::string encode_prefix(const AttributeValue& v) {
  std::string out;
  storage::encode_key_value(v, out);
  out.resize(out.size() - 2);  // S and B end in the two-byte terminator
  return out;
}

// What a Query or Scan reads: the table itself or one of its indexes.
struct Source {
  const storage::TableDef* table = nullptr;
  const storage::IndexDef* index = nullptr;  // null: the table

  std::string hash_key() const { return index ? index->hash_key() : table->hash_key(); }
  std::string range_key() const { return index ? index->range_key() : table->range_key(); }
  uint32_t id() const { return index ? index->id : table->id; }
  storage::keys::Space space() const { return index ? storage::keys::kIndex : storage::keys::kItem; }
  // The attributes LastEvaluatedKey holds: the source's keys, then the table's.
  std::vector<std::string> key_attributes() const {
    std::vector<std::string> names{hash_key()};
    if (!range_key().empty()) names.push_back(range_key());
    for (const auto& k : table->key_schema) {
      if (std::find(names.begin(), names.end(), k.attribute_name) == names.end()) names.push_back(k.attribute_name);
    }
    return names;
  }
  // The stored key of an item in this source (ExclusiveStartKey becomes a position this way).
  std::string stored_key(const AttributeMap& item) const {
    if (!index) {
      std::string range = table->range_key();
      return storage::ItemStore::item_key(*table, item.at(table->hash_key()),
                                          range.empty() ? nullptr : &item.at(range));
    }
    std::string key;
    AttributeMap ignored;
    storage::ItemStore::index_entry(*table, *index, item, &key, &ignored);
    return key;
  }
};

Source resolve_source(const std::optional<std::string>& index_name_member, bool consistent,
                      const storage::TableRef& table) {
  Source s;
  s.table = table.get();
  std::string_view index_name = index_name_member ? std::string_view(*index_name_member) : std::string_view();
  if (index_name.empty()) return s;
  s.index = table->find_index(index_name);
  if (!s.index || s.index->status == "DELETING") {
    throw Error::validation("The table does not have the specified index: " + std::string(index_name));
  }
  if (s.index->status == "CREATING") {
    throw Error::validation("Cannot read from backfilling global secondary index: " + std::string(index_name));
  }
  if (s.index->global && consistent) {
    throw Error::validation("Consistent reads are not supported on global secondary indexes");
  }
  return s;
}

// The attributes an index holds: the table's and the index's keys, and what its projection includes.
std::set<std::string> projected_attributes(const Source& source) {
  std::set<std::string> names;
  for (const auto& k : source.table->key_schema) names.insert(k.attribute_name);
  for (const auto& k : source.index->key_schema) names.insert(k.attribute_name);
  for (const auto& a : source.index->projection.non_key_attributes) names.insert(a);
  return names;
}

// Rejects a filter on a global index that names attributes the index does not hold.
void check_filter_projected(const expr::Node* filter, const Source& source) {
  if (!filter || !source.index || !source.index->global || source.index->projection.projection_type == "ALL") return;
  std::set<std::string> projected = projected_attributes(source);
  std::vector<std::string> missing;
  std::function<void(const expr::Node&)> walk = [&](const expr::Node& n) {
    if (n.op == expr::Op::PathRef && !projected.count(n.path[0].name) &&
        std::find(missing.begin(), missing.end(), n.path[0].name) == missing.end()) {
      missing.push_back(n.path[0].name);
    }
    for (const auto& a : n.args) walk(a);
  };
  walk(*filter);
  if (missing.empty()) return;
  std::string list;
  for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
  throw Error::validation("One or more parameter values were invalid: Secondary index " + source.index->name +
                          " does not project one or more filter attributes: [" + list + "]");
}

// Select and the projection, with DynamoDB's rules for which go together.
struct Output {
  std::string select;  // ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, SPECIFIC_ATTRIBUTES or COUNT
  std::optional<std::vector<expr::Path>> projection;
  bool fetch_from_table = false;  // an LSI without every attribute projected, read for ALL_ATTRIBUTES
};

// The members of a Query or Scan that choose what it answers.
struct OutputMembers {
  const std::optional<req::Select>& select;
  const std::optional<std::string>& projection_expression;
  const std::optional<req::AttributeNameList>& attributes_to_get;
};

Output resolve_output(const OutputMembers& in, const Source& source, ExpressionParams& params) {
  Output o;
  o.projection = params.projection(in.projection_expression, in.attributes_to_get);
  std::string_view select = in.select ? req::name(*in.select) : std::string_view();
  bool projecting = o.projection.has_value();
  if (select.empty()) {
    select = projecting ? "SPECIFIC_ATTRIBUTES" : source.index ? "ALL_PROJECTED_ATTRIBUTES" : "ALL_ATTRIBUTES";
  }
  o.select = std::string(select);
  if (projecting && select != "SPECIFIC_ATTRIBUTES") {
    bool legacy = in.attributes_to_get.has_value();
    if (select == "COUNT") {
      throw Error::validation(std::string("Cannot specify the ") +
                              (legacy ? "AttributesToGet" : "ProjectionExpression") +
                              " when choosing to get only the Count");
    }
    throw Error::validation(std::string("Cannot specify the ") + (legacy ? "AttributesToGet" : "ProjectionExpression") +
                            " when choosing to get " + o.select);
  }
  if (select == "SPECIFIC_ATTRIBUTES" && !projecting) {
    throw Error::validation(
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
        "SPECIFIC_ATTRIBUTES");
  }
  if (select == "ALL_PROJECTED_ATTRIBUTES" && !source.index) {
    throw Error::validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  }
  if (source.index && source.index->projection.projection_type != "ALL") {
    // What a global index does not hold cannot be asked of it (a local index reads the rest from the table).
    if (source.index->global && o.projection) {
      std::set<std::string> projected = projected_attributes(source);
      std::string missing;
      for (const auto& path : *o.projection) {
        if (!projected.count(path[0].name)) missing += (missing.empty() ? "" : ", ") + path[0].name;
      }
      if (!missing.empty()) {
        throw Error::validation("One or more parameter values were invalid: Global secondary index " +
                                source.index->name + " does not project [" + missing + "]");
      }
    }
    if (!source.index->global && o.projection) {
      std::set<std::string> projected = projected_attributes(source);
      for (const auto& path : *o.projection) o.fetch_from_table = o.fetch_from_table || !projected.count(path[0].name);
    }
    if (select == "ALL_ATTRIBUTES") {
      if (source.index->global) {
        throw Error::validation(
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
            "supported for global secondary index " +
            source.index->name + " because its projection type is not ALL");
      }
      o.fetch_from_table = true;
    }
  }
  return o;
}

// Rejects a filter that names one of the source's key attributes.
void check_filter_keys(const expr::Node* filter, const Source& source, const char* what) {
  if (!filter) return;
  std::set<std::string> keys{source.hash_key()};
  if (!source.range_key().empty()) keys.insert(source.range_key());
  std::function<void(const expr::Node&)> walk = [&](const expr::Node& n) {
    if (n.op == expr::Op::PathRef && keys.count(n.path[0].name)) {
      throw Error::validation(std::string(what) +
                              " can only contain non-primary key attributes: Primary key attribute: " + n.path[0].name);
    }
    for (const auto& a : n.args) walk(a);
  };
  walk(*filter);
}

struct Range {
  std::string begin, end;  // [begin, end)
};

struct Page {
  req::ItemList items;
  size_t count = 0, scanned = 0, bytes = 0;
  bool more = false;
  AttributeMap last_key;
};

// Reads [range) forward or backward, starting after ExclusiveStartKey if given.
Page read_range(Context& ctx, const Source& source, Range range, bool forward, const AttributeMap* start, size_t limit,
                const expr::Node* filter, const Output& output) {
  if (start) {
    std::string position = source.stored_key(*start);
    if (forward) {
      range.begin = std::max(range.begin, position + std::string(1, '\0'));
    } else {
      range.end = std::min(range.end, position);
    }
  }
  Page page;
  if (range.begin >= range.end) return page;
  auto cur = ctx.store.cursor();
  if (forward) {
    cur->seek(range.begin);
  } else {
    cur->seek_for_prev(range.end);
    if (cur->valid() && cur->key() >= std::string_view(range.end)) cur->prev();
  }
  std::vector<std::string> key_names = source.key_attributes();
  while (cur->valid()) {
    std::string_view k = cur->key();
    if (forward ? k >= std::string_view(range.end) : k < std::string_view(range.begin)) break;
    AttributeMap item = storage::decode_item(cur->value());
    page.scanned++;
    page.bytes += storage::item_size(item);
    page.last_key.clear();
    for (const auto& name : key_names) page.last_key.emplace(name, item.at(name));
    if (!filter || expr::evaluate(*filter, item)) {
      page.count++;
      if (output.select != "COUNT") {
        if (output.fetch_from_table) {
          AttributeMap full;
          std::string range_key = source.table->range_key();
          std::string key = storage::ItemStore::item_key(*source.table, item.at(source.table->hash_key()),
                                                         range_key.empty() ? nullptr : &item.at(range_key));
          if (ctx.items.get(key, &full)) item = std::move(full);
        }
        page.items.push_back({output.projection ? expr::project(*output.projection, item) : std::move(item)});
      }
    }
    // Limit counts what was read, before the filter; a page ends at 1 MB read. Either way the page says
    // where it stopped, even if nothing follows.
    if (page.scanned == limit || page.bytes >= kPageBytes) {
      page.more = true;
      break;
    }
    if (forward) {
      cur->next();
    } else {
      cur->prev();
    }
  }
  if (!page.more) page.last_key.clear();
  return page;
}

std::optional<AttributeMap> exclusive_start_key(const std::optional<Attributes>& member, const Source& source) {
  if (!member) return std::nullopt;
  const AttributeMap& key = member->get();
  std::vector<std::string> names = source.key_attributes();
  bool ok = key.size() == names.size();
  for (const auto& n : names) ok = ok && key.count(n) && key.at(n).type == source.table->key_value_type(n);
  if (!ok)
    throw Error::validation("The provided starting key is invalid: The provided key element does not match the schema");
  return key;
}

// The answer of a Query or Scan (Answer: QueryOutput or ScanOutput).
template <class Answer>
void answer_page(Answer& out, ReturnConsumedCapacity capacity, const Source& source, const Output& output, Page& page,
                 bool consistent) {
  if (output.select != "COUNT") out.Items = std::move(page.items);
  out.Count = int64_t(page.count);
  out.ScannedCount = int64_t(page.scanned);
  if (page.more) out.LastEvaluatedKey = {std::move(page.last_key)};
  out.ConsumedCapacity =
      consumed_capacity(capacity, source.table->name, read_units(page.bytes, consistent),
                        source.index ? source.index->name : std::string(), source.index && source.index->global);
}

}  // namespace

void query(Context& ctx, req::QueryInput& in, req::QueryOutput& out) {
  Given key_condition_expression{"KeyConditionExpression", in.KeyConditionExpression.has_value()};
  Given filter_expression{"FilterExpression", in.FilterExpression.has_value()};
  Given projection_expression{"ProjectionExpression", in.ProjectionExpression.has_value()};
  check_not_mixed(
      {{{"KeyConditions", in.KeyConditions.has_value()}, {key_condition_expression}},
       {{"QueryFilter", in.QueryFilter.has_value()}, {filter_expression, key_condition_expression}},
       {{"ConditionalOperator", in.ConditionalOperator.has_value()}, {key_condition_expression, filter_expression}},
       {{"AttributesToGet", in.AttributesToGet.has_value()},
        {projection_expression, key_condition_expression, filter_expression}}});
  ExpressionParams params(in.ExpressionAttributeNames, &in.ExpressionAttributeValues,
                          {key_condition_expression, filter_expression, projection_expression},
                          {filter_expression, key_condition_expression});
  std::unique_ptr<expr::Node> key_node;
  std::vector<expr::LegacyCondition> key_conditions;
  if (in.KeyConditionExpression) {
    key_node =
        std::make_unique<expr::Node>(expr::parse_key_condition(*in.KeyConditionExpression, params.placeholders()));
  } else if (in.KeyConditions) {
    key_conditions = legacy_conditions(*in.KeyConditions);
    key_node = std::make_unique<expr::Node>(expr::translate_conditions(key_conditions, false));
  } else {
    throw Error::validation(
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
  }
  const expr::Node* filter = params.filter(in.FilterExpression, in.QueryFilter, in.ConditionalOperator);
  storage::TableRef table = require_item_table(ctx, in.TableName);
  bool consistent = in.ConsistentRead.value_or(false);
  Source source = resolve_source(in.IndexName, consistent, table);
  Output output = resolve_output({in.Select, in.ProjectionExpression, in.AttributesToGet}, source, params);
  params.finish();

  expr::KeySchemaView schema;
  schema.hash_key = source.hash_key();
  schema.hash_type = table->key_value_type(schema.hash_key);
  schema.range_key = source.range_key();
  if (!schema.range_key.empty()) schema.range_type = table->key_value_type(schema.range_key);
  expr::KeyCondition kc = expr::check_key_condition(*key_node, schema);
  check_filter_keys(filter, source, in.QueryFilter ? "QueryFilter" : "Filter Expression");
  check_filter_projected(filter, source);

  std::string partition;
  storage::encode_key_value(*kc.partition, partition);
  std::string p = storage::keys::id_prefix(source.space(), source.id());
  storage::keys::append_u32(p, storage::partition_hash(partition));
  p += partition;
  Range range{p, prefix_end(p)};
  auto enc = [&](const AttributeValue* v) {
    std::string s = p;
    storage::encode_key_value(*v, s);
    return s;
  };
  switch (kc.sort_op) {
    case expr::Op::Eq: range = {enc(kc.sort_values[0]), prefix_end(enc(kc.sort_values[0]))}; break;
    case expr::Op::Lt: range.end = enc(kc.sort_values[0]); break;
    case expr::Op::Le: range.end = prefix_end(enc(kc.sort_values[0])); break;
    case expr::Op::Gt: range.begin = prefix_end(enc(kc.sort_values[0])); break;
    case expr::Op::Ge: range.begin = enc(kc.sort_values[0]); break;
    case expr::Op::Between: range = {enc(kc.sort_values[0]), prefix_end(enc(kc.sort_values[1]))}; break;
    case expr::Op::BeginsWith: {
      std::string b = p + encode_prefix(*kc.sort_values[0]);
      range = {b, prefix_end(b)};
      break;
    }
    default: break;
  }
  auto start = exclusive_start_key(in.ExclusiveStartKey, source);
  size_t limit = size_t(in.Limit.value_or(INT64_MAX));
  bool forward = in.ScanIndexForward.value_or(true);
  Page page = read_range(ctx, source, range, forward, start ? &*start : nullptr, limit, filter, output);
  answer_page(out, in.ReturnConsumedCapacity, source, output, page, consistent);
}

void scan(Context& ctx, req::ScanInput& in, req::ScanOutput& out) {
  Given filter_expression{"FilterExpression", in.FilterExpression.has_value()};
  Given projection_expression{"ProjectionExpression", in.ProjectionExpression.has_value()};
  check_not_mixed({{{"ScanFilter", in.ScanFilter.has_value()}, {filter_expression}},
                   {{"ConditionalOperator", in.ConditionalOperator.has_value()}, {filter_expression}},
                   {{"AttributesToGet", in.AttributesToGet.has_value()}, {projection_expression, filter_expression}}});
  ExpressionParams params(in.ExpressionAttributeNames, &in.ExpressionAttributeValues,
                          {filter_expression, projection_expression}, {filter_expression});
  const expr::Node* filter = params.filter(in.FilterExpression, in.ScanFilter, in.ConditionalOperator);
  bool has_segment = in.Segment.has_value(), has_total = in.TotalSegments.has_value();
  if (has_segment && !has_total) {
    throw Error::validation(
        "The TotalSegments parameter is required but was not present in the request when Segment "
        "parameter is present");
  }
  if (has_total && !has_segment) {
    throw Error::validation(
        "The Segment parameter is required but was not present in the request when parameter "
        "TotalSegments is present");
  }
  int64_t segment = in.Segment.value_or(0), total = in.TotalSegments.value_or(1);
  if (has_segment && segment >= total) {
    throw Error::validation(
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: " +
        std::to_string(segment) + " is not less than TotalSegments: " + std::to_string(total));
  }
  storage::TableRef table = require_item_table(ctx, in.TableName);
  bool consistent = in.ConsistentRead.value_or(false);
  Source source = resolve_source(in.IndexName, consistent, table);
  Output output = resolve_output({in.Select, in.ProjectionExpression, in.AttributesToGet}, source, params);
  params.finish();
  check_filter_projected(filter, source);

  // A segment is a range of partition hashes: segments are disjoint and together cover the table.
  std::string p = storage::keys::id_prefix(source.space(), source.id());
  auto hash_bound = [&](int64_t s) {
    uint64_t h = (uint64_t(s) << 32) / uint64_t(total);
    if (h > 0xFFFFFFFFull) return storage::keys::id_prefix_end(source.space(), source.id());
    std::string b = p;
    storage::keys::append_u32(b, uint32_t(h));
    return b;
  };
  Range range{segment == 0 ? p : hash_bound(segment), segment + 1 == total
                                                          ? storage::keys::id_prefix_end(source.space(), source.id())
                                                          : hash_bound(segment + 1)};
  auto start = exclusive_start_key(in.ExclusiveStartKey, source);
  size_t limit = size_t(in.Limit.value_or(INT64_MAX));
  Page page = read_range(ctx, source, range, true, start ? &*start : nullptr, limit, filter, output);
  answer_page(out, in.ReturnConsumedCapacity, source, output, page, consistent);
}

}  // namespace ddb::api
