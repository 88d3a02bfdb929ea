#include "storage/mutation.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "expressions/ast.h"
#include "expressions/evaluator.h"
#include "model/error.h"
#include "storage/item_codec.h"
#include "storage/item_store.h"
#include "storage/key_codec.h"

namespace ddb::storage {

namespace {

constexpr size_t kMaxPartitionKeyBytes = 2048;
constexpr size_t kMaxSortKeyBytes = 1024;

Error invalid(const std::string& detail) {
  return Error::validation("One or more parameter values were invalid: " + detail);
}

void check_key_value(const std::string& name, const AttributeValue& v, bool is_hash) {
  if (v.scalar.empty() && v.type != AttrType::N) {
    throw Error::validation(std::string("One or more parameter values are not valid. The AttributeValue for a key "
                                        "attribute cannot contain an empty ") +
                            (v.type == AttrType::B ? "binary" : "string") + " value. Key: " + name);
  }
  size_t size = attribute_value_size(v);
  if (is_hash && size > kMaxPartitionKeyBytes) {
    throw invalid("Size of hashkey has exceeded the maximum size limit of2048 bytes");
  }
  if (!is_hash && size > kMaxSortKeyBytes) {
    throw invalid("Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
  }
}

AttributeMap key_attributes_of(const TableDef& table, const AttributeMap& item) {
  AttributeMap key;
  for (const auto& k : table.key_schema) key.emplace(k.attribute_name, item.at(k.attribute_name));
  return key;
}

}  // namespace

std::string key_of(const TableDef& table, const AttributeMap& key) {
  const std::string& hash = table.hash_key();
  std::string range = table.range_key();
  size_t expected = range.empty() ? 1 : 2;
  auto h = key.find(hash);
  auto r = range.empty() ? key.end() : key.find(range);
  if (key.size() != expected || h == key.end() || (!range.empty() && r == key.end()) ||
      h->second.type != table.key_value_type(hash) ||
      (!range.empty() && r->second.type != table.key_value_type(range))) {
    throw Error::validation("The provided key element does not match the schema");
  }
  check_key_value(hash, h->second, true);
  if (!range.empty()) check_key_value(range, r->second, false);
  return ItemStore::item_key(table, h->second, range.empty() ? nullptr : &r->second);
}

std::string key_of_item(const TableDef& table, const AttributeMap& item) {
  const AttributeValue* values[2] = {nullptr, nullptr};
  for (size_t i = 0; i < table.key_schema.size(); ++i) {
    const std::string& name = table.key_schema[i].attribute_name;
    auto it = item.find(name);
    if (it == item.end()) throw invalid("Missing the key " + name + " in the item");
    AttrType expected = table.key_value_type(name);
    if (it->second.type != expected) {
      throw invalid("Type mismatch for key " + name + " expected: " + type_name(expected) +
                    " actual: " + type_name(it->second.type));
    }
    check_key_value(name, it->second, i == 0);
    values[i] = &it->second;
  }
  return ItemStore::item_key(table, *values[0], values[1]);
}

size_t check_item_size(const AttributeMap& item) {
  size_t size = item_size(item);
  if (size > kMaxItemBytes) throw Error::validation("Item size has exceeded the maximum allowed size");
  return size;
}

double write_units(size_t bytes) { return double(std::max<size_t>(1, (bytes + 1023) / 1024)); }

double IndexWrite::units() const {
  if (removed_bytes && written_bytes && !moved) return write_units(std::max(removed_bytes, written_bytes));
  double units = 0;
  if (removed_bytes) units += write_units(removed_bytes);
  if (written_bytes) units += write_units(written_bytes);
  return units;
}

Mutation Mutation::put(TableRef table, AttributeMap item, const expr::Node* condition) {
  Mutation m;
  m.kind = Kind::Put;
  m.key = key_of_item(*table, item);
  m.key_attributes = key_attributes_of(*table, item);
  m.item_bytes = check_item_size(item);
  m.item = std::move(item);
  m.table = std::move(table);
  m.condition = condition;
  return m;
}

Mutation Mutation::update(TableRef table, AttributeMap key, const expr::UpdateExpression* update,
                          const expr::Node* condition) {
  Mutation m;
  m.kind = Kind::Update;
  m.key = key_of(*table, key);
  if (update) {
    for (const auto& action : update->actions) {
      const std::string& top = action.path[0].name;
      for (const auto& k : table->key_schema) {
        if (k.attribute_name == top) {
          throw invalid("Cannot update attribute " + top + ". This attribute is part of the key");
        }
      }
    }
  }
  m.key_attributes = std::move(key);
  m.table = std::move(table);
  m.update_expression = update;
  m.condition = condition;
  return m;
}

Mutation Mutation::remove(TableRef table, AttributeMap key, const expr::Node* condition) {
  Mutation m;
  m.kind = Kind::Delete;
  m.key = key_of(*table, key);
  m.key_attributes = std::move(key);
  m.table = std::move(table);
  m.condition = condition;
  return m;
}

Mutation Mutation::condition_check(TableRef table, AttributeMap key, const expr::Node* condition) {
  Mutation m = remove(std::move(table), std::move(key), condition);
  m.kind = Kind::ConditionCheck;
  return m;
}

Mutation Mutation::expire(TableRef table, std::string key, std::string ttl_entry, int64_t now_seconds) {
  Mutation m;
  m.kind = Kind::Delete;
  m.key = std::move(key);
  m.table = std::move(table);
  m.by_service = true;
  m.expired_by = now_seconds;
  m.ttl_entry = std::move(ttl_entry);
  return m;
}

std::optional<int64_t> ttl_expiry(const AttributeMap& item, const std::string& ttl_attribute, int64_t now_seconds) {
  if (ttl_attribute.empty()) return std::nullopt;
  auto it = item.find(ttl_attribute);
  if (it == item.end() || it->second.type != AttrType::N) return std::nullopt;
  double seconds = std::strtod(it->second.scalar.c_str(), nullptr);
  constexpr int64_t kFiveYears = int64_t(5) * 365 * 24 * 3600;
  if (!(seconds < 1e15) || seconds < double(now_seconds - kFiveYears)) return std::nullopt;
  return int64_t(std::ceil(seconds));
}

std::string ttl_entry_key(uint32_t table_id, int64_t expiry, const std::string& item_key) {
  std::string k = keys::id_prefix(keys::kTtl, table_id);
  keys::append_u64(k, uint64_t(expiry));
  // The item key without its space byte and table id (the entry's prefix holds them).
  k.append(item_key, 5);
  return k;
}

std::string item_key_of_ttl_entry(std::string_view ttl_entry) {
  std::string key = keys::id_prefix(keys::kItem, keys::read_u32(ttl_entry.substr(1)));
  key.append(ttl_entry.substr(13));
  return key;
}

void Mutation::apply(const AttributeMap* old) {
  static const AttributeMap kNoItem;
  Outcome& o = outcome;
  o.existed = old != nullptr;
  if (old && old != &o.old) o.old = *old;
  if (condition && !expr::evaluate(*condition, old ? *old : kNoItem)) {
    o.condition_failed = true;
    o.change = Change::Keep;
    return;
  }
  size_t old_size = o.old_bytes = old ? item_size(*old) : 0;
  switch (kind) {
    case Kind::ConditionCheck: o.change = Change::Keep; return;
    case Kind::Delete:
      if (by_service) {
        // TTL: only an item that has expired by its TTL attribute now.
        std::optional<int64_t> expiry = old ? ttl_expiry(*old, table->ttl_attribute, expired_by) : std::nullopt;
        if (!expiry || *expiry > expired_by) {
          o.change = Change::Keep;
          return;
        }
        key_attributes.clear();
        for (const auto& k : table->key_schema) key_attributes.insert(*old->find(k.attribute_name));
      }
      o.charged_bytes = old_size;
      o.change = old ? Change::Delete : Change::Keep;
      return;
    case Kind::Put:
      o.next = std::move(item);  // (a mutation is applied once)
      o.new_bytes = item_bytes;
      o.charged_bytes = std::max(o.new_bytes, old_size);
      // An identical overwrite changes nothing (and will emit no stream record), but costs its units.
      o.change = old && *old == o.next ? Change::Keep : Change::Put;
      return;
    case Kind::Update: {
      o.next = old ? *old : key_attributes;
      bool creates = true;
      if (update_expression) {
        o.touched = expr::apply_update(*update_expression, o.next);
        // On a missing item, an update that only removes (REMOVE, or DELETE from a set) creates nothing.
        creates = update_expression->actions.empty() ||
                  std::any_of(update_expression->actions.begin(), update_expression->actions.end(), [](const auto& a) {
                    return a.type == expr::UpdateActionType::Set || a.type == expr::UpdateActionType::Add;
                  });
      }
      size_t new_size = o.new_bytes = item_size(o.next);
      if (new_size > kMaxItemBytes) {
        o.refused = "Item size to update has exceeded the maximum allowed size";
        o.change = Change::Keep;
        return;
      }
      o.charged_bytes = std::max(new_size, old_size);
      if (!old && !creates) {
        o.next.clear();
        o.change = Change::Keep;
      } else {
        o.change = old && *old == o.next ? Change::Keep : Change::Put;
      }
      return;
    }
  }
}

}  // namespace ddb::storage
