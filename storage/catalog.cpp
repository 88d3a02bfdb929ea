#include "storage/catalog.h"

#include <simdjson.h>

#include <mutex>
#include <stdexcept>

#include "model/clock.h"
#include "model/json_writer.h"
#include "storage/key_codec.h"
#include "storage/store.h"

namespace ddb::storage {

SchemaLock::SchemaLock() {
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
  pthread_rwlock_init(&lock_, &attr);
  pthread_rwlockattr_destroy(&attr);
}
SchemaLock::~SchemaLock() { pthread_rwlock_destroy(&lock_); }
void SchemaLock::lock() { pthread_rwlock_wrlock(&lock_); }
void SchemaLock::unlock() { pthread_rwlock_unlock(&lock_); }
void SchemaLock::lock_shared() { pthread_rwlock_rdlock(&lock_); }
void SchemaLock::unlock_shared() { pthread_rwlock_unlock(&lock_); }

AttrType TableDef::key_value_type(const std::string& attribute_name) const {
  std::string t = attribute_type(attribute_name);
  return t == "N" ? AttrType::N : t == "B" ? AttrType::B : AttrType::S;
}

void erase_index(WriteBatch& batch, uint32_t index_id) {
  batch.delete_range(keys::id_prefix(keys::kIndex, index_id), keys::id_prefix_end(keys::kIndex, index_id));
  batch.delete_range(keys::id_prefix(keys::kStats, index_id), keys::id_prefix_end(keys::kStats, index_id));
}

std::string TableDef::attribute_type(const std::string& attribute_name) const {
  for (const auto& a : attribute_definitions) {
    if (a.attribute_name == attribute_name) return a.attribute_type;
  }
  return {};
}

// The persisted form is a private JSON document (not DynamoDB's TableDescription): easy to read back with
// simdjson and to extend with new members, which old records simply lack.
std::string TableDef::serialize() const {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.member("id", int64_t(id))
      .member("version", int64_t(version))
      .member("ns", ns)
      .member("region", region)
      .member("name", name);
  w.member("uuid", table_uuid);
  w.key("attrs").begin_array();
  for (const auto& a : attribute_definitions) {
    w.begin_object().member("n", a.attribute_name).member("t", a.attribute_type).end_object();
  }
  w.end_array();
  w.key("keys").begin_array();
  for (const auto& k : key_schema) w.begin_object().member("n", k.attribute_name).member("t", k.key_type).end_object();
  w.end_array();
  w.member("billing", billing_mode).member("rcu", read_capacity_units).member("wcu", write_capacity_units);
  w.member("created", creation_millis).member("ppr", last_update_to_pay_per_request_millis);
  w.member("inc", last_increase_millis).member("dec", last_decrease_millis);
  w.member("decs", number_of_decreases_today);
  w.member("sse", sse_enabled).member("sse_type", sse_type).member("kms", kms_master_key_id);
  w.member("class", table_class).member("dp", deletion_protection_enabled);
  w.key("tags").begin_array();
  for (const auto& t : tags) w.begin_object().member("k", t.key).member("v", t.value).end_object();
  w.end_array();
  w.key("indexes").begin_array();
  for (const auto& i : indexes) {
    w.begin_object().member("id", int64_t(i.id)).member("name", i.name).member("global", i.global);
    w.key("keys").begin_array();
    for (const auto& k : i.key_schema)
      w.begin_object().member("n", k.attribute_name).member("t", k.key_type).end_object();
    w.end_array();
    w.member("proj", i.projection.projection_type).key("nka").begin_array();
    for (const auto& a : i.projection.non_key_attributes) w.string(a);
    w.end_array();
    w.member("rcu", i.read_capacity_units).member("wcu", i.write_capacity_units).member("status", i.status);
    w.end_object();
  }
  w.end_array();
  w.key("streams").begin_array();
  for (const auto& s : streams) {
    w.begin_object().member("id", int64_t(s.id)).member("label", s.label).member("view", s.view_type);
    w.member("created", s.created_millis).member("disabled", s.disabled_millis).end_object();
  }
  w.end_array();
  w.member("ttl", ttl_attribute).member("ttl_since", ttl_enabled_millis).member("ttl_backfilled", ttl_backfilled);
  w.end_object();
  return out;
}

TableDef TableDef::deserialize(std::string_view bytes) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(bytes.data(), bytes.size()).get(doc) != simdjson::SUCCESS) {
    throw std::runtime_error("corrupt table definition in the catalog");
  }
  auto str = [&](const char* k) {
    std::string_view v;
    return doc[k].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
  };
  auto num = [&](const char* k) {
    int64_t v = 0;
    return doc[k].get(v) == simdjson::SUCCESS ? v : int64_t(0);
  };
  auto flag = [&](const char* k) {
    bool v = false;
    return doc[k].get(v) == simdjson::SUCCESS ? v : false;
  };
  TableDef d;
  d.id = uint32_t(num("id"));
  d.version = uint64_t(num("version"));
  d.ns = str("ns");
  d.region = str("region");
  d.name = str("name");
  d.table_uuid = str("uuid");
  simdjson::dom::array arr;
  if (doc["attrs"].get(arr) == simdjson::SUCCESS) {
    for (auto e : arr) {
      d.attribute_definitions.push_back(
          {std::string(e["n"].get_string().value()), std::string(e["t"].get_string().value())});
    }
  }
  if (doc["keys"].get(arr) == simdjson::SUCCESS) {
    for (auto e : arr) {
      d.key_schema.push_back({std::string(e["n"].get_string().value()), std::string(e["t"].get_string().value())});
    }
  }
  d.billing_mode = str("billing");
  d.read_capacity_units = num("rcu");
  d.write_capacity_units = num("wcu");
  d.creation_millis = num("created");
  d.last_update_to_pay_per_request_millis = num("ppr");
  d.last_increase_millis = num("inc");
  d.last_decrease_millis = num("dec");
  d.number_of_decreases_today = num("decs");
  d.sse_enabled = flag("sse");
  d.sse_type = str("sse_type");
  d.kms_master_key_id = str("kms");
  d.table_class = str("class");
  d.deletion_protection_enabled = flag("dp");
  if (doc["tags"].get(arr) == simdjson::SUCCESS) {
    for (auto e : arr)
      d.tags.push_back({std::string(e["k"].get_string().value()), std::string(e["v"].get_string().value())});
  }
  if (doc["indexes"].get(arr) == simdjson::SUCCESS) {
    for (auto e : arr) {
      IndexDef i;
      i.id = uint32_t(int64_t(e["id"].get_int64().value()));
      i.name = std::string(e["name"].get_string().value());
      i.global = e["global"].get_bool().value();
      simdjson::dom::array keys = e["keys"].get_array().value();
      for (auto k : keys) {
        i.key_schema.push_back({std::string(k["n"].get_string().value()), std::string(k["t"].get_string().value())});
      }
      i.projection.projection_type = std::string(e["proj"].get_string().value());
      simdjson::dom::array nka = e["nka"].get_array().value();
      for (auto a : nka) i.projection.non_key_attributes.emplace_back(a.get_string().value());
      i.read_capacity_units = e["rcu"].get_int64().value();
      i.write_capacity_units = e["wcu"].get_int64().value();
      i.status = std::string(e["status"].get_string().value());
      d.indexes.push_back(std::move(i));
    }
  }
  if (doc["streams"].get(arr) == simdjson::SUCCESS) {
    for (auto e : arr) {
      StreamDef s;
      s.id = uint32_t(int64_t(e["id"].get_int64().value()));
      s.label = std::string(e["label"].get_string().value());
      s.view_type = std::string(e["view"].get_string().value());
      s.created_millis = e["created"].get_int64().value();
      s.disabled_millis = e["disabled"].get_int64().value();
      d.streams.push_back(std::move(s));
    }
  }
  d.ttl_attribute = str("ttl");
  d.ttl_enabled_millis = num("ttl_since");
  d.ttl_backfilled = flag("ttl_backfilled");
  if (d.key_schema.empty() || d.name.empty()) throw std::runtime_error("corrupt table definition in the catalog");
  return d;
}

Catalog::Catalog(Store& store) : store_(store) {
  std::string v;
  if (store_.get(keys::next_id_key(), &v) && v.size() == 4) next_id_ = keys::read_u32(v);
  auto cur = store_.cursor();
  const std::string begin(1, char(keys::kCatalog));
  for (cur->seek(begin); cur->valid() && cur->key()[0] == char(keys::kCatalog); cur->next()) {
    auto def = std::make_shared<TableDef>(TableDef::deserialize(cur->value()));
    def->live = std::make_shared<TableLive>();
    def->live->version = def->version;
    if (def->id >= next_id_) next_id_ = def->id + 1;
    for (const auto& index : def->indexes) {
      if (index.id >= next_id_) next_id_ = index.id + 1;
    }
    for (const auto& stream : def->streams) {
      if (stream.id >= next_id_) next_id_ = stream.id + 1;
    }
    std::string name = def->name;
    tables_.try_emplace(def->ns).first->second[name] = std::move(def);
  }
  const std::string retired(1, char(keys::kRetired));
  for (cur->seek(retired); cur->valid() && cur->key()[0] == char(keys::kRetired); cur->next()) {
    auto def = std::make_shared<TableDef>(TableDef::deserialize(cur->value()));
    def->live = std::make_shared<TableLive>();
    def->live->version = TableLive::kDeleted;
    if (def->id >= next_id_) next_id_ = def->id + 1;
    for (const auto& stream : def->streams) {
      if (stream.id >= next_id_) next_id_ = stream.id + 1;
    }
    retired_[def->id] = std::move(def);
  }
}

TableRef Catalog::find(std::string_view ns, std::string_view name) const {
  std::shared_lock lock(mu_);
  auto n = tables_.find(ns);
  if (n == tables_.end()) return nullptr;
  auto t = n->second.find(name);
  return t == n->second.end() ? nullptr : t->second;
}

std::vector<std::string> Catalog::list(std::string_view ns, std::string_view exclusive_start, size_t limit,
                                       bool* more) const {
  std::vector<std::string> names;
  *more = false;
  std::shared_lock lock(mu_);
  auto n = tables_.find(ns);
  if (n == tables_.end()) return names;
  auto it = exclusive_start.empty() ? n->second.begin() : n->second.upper_bound(exclusive_start);
  for (; it != n->second.end(); ++it) {
    if (names.size() == limit) {
      *more = true;
      break;
    }
    names.push_back(it->first);
  }
  return names;
}

bool Catalog::create(TableDef def, const With& with) {
  std::unique_lock lock(mu_);
  auto& tables = tables_.try_emplace(def.ns).first->second;
  if (tables.count(def.name)) return false;
  uint32_t id = next_id_;
  def.id = id++;
  def.version = 0;
  def.live = std::make_shared<TableLive>();
  for (auto& index : def.indexes) index.id = id++;
  for (auto& stream : def.streams) stream.id = id++;
  WriteBatch batch;
  if (with) with(def, batch);
  std::string next;
  keys::append_u32(next, id);
  batch.put(keys::next_id_key(), next);
  batch.put(keys::catalog_key(def.ns, def.name), def.serialize());
  store_.write(batch);
  next_id_ = id;
  std::string name = def.name;  // (the right side of = is evaluated first and moves def)
  tables[name] = std::make_shared<const TableDef>(std::move(def));
  return true;
}

uint32_t Catalog::allocate_id() {
  std::unique_lock lock(mu_);
  WriteBatch batch;
  std::string next;
  keys::append_u32(next, next_id_ + 1);
  batch.put(keys::next_id_key(), next);
  store_.write(batch);
  return next_id_++;
}

TableRef Catalog::current(const TableDef& table) const {
  TableRef now = find(table.ns, table.name);
  return now && now->id == table.id ? now : nullptr;
}

TableRef Catalog::update(std::string_view ns, std::string_view name, const Change& change) {
  TableRef before = find(ns, name);
  if (!before) return nullptr;
  std::unique_lock schema(before->live->schema);
  before = current(*before);  // what was published while this waited for the lock
  if (!before) return nullptr;
  TableDef next = *before;
  WriteBatch batch;
  change(next, batch);
  next.version = before->version + 1;
  batch.put(keys::catalog_key(next.ns, next.name), next.serialize());
  auto published = std::make_shared<const TableDef>(std::move(next));
  std::unique_lock lock(mu_);
  store_.write(batch);
  tables_[published->ns][published->name] = published;
  published->live->version = published->version;
  return published;
}

TableRef Catalog::remove(std::string_view ns, std::string_view name,
                         const std::function<void(const TableDef&)>& check, const With& with) {
  TableRef def = find(ns, name);
  if (!def) return nullptr;
  std::unique_lock schema(def->live->schema);
  def = current(*def);
  if (!def) return nullptr;
  if (check) check(*def);
  WriteBatch batch;
  batch.del(keys::catalog_key(ns, name));
  for (keys::Space space : {keys::kItem, keys::kTtl, keys::kStats}) {
    batch.delete_range(keys::id_prefix(space, def->id), keys::id_prefix_end(space, def->id));
  }
  for (const auto& index : def->indexes) {
    erase_index(batch, index.id);
  }
  if (with) with(*def, batch);
  // Its streams stay readable (disabled) for the retention period.
  std::shared_ptr<TableDef> retired;
  if (!def->streams.empty()) {
    retired = std::make_shared<TableDef>(*def);
    int64_t now = now_millis();
    for (auto& s : retired->streams) {
      if (!s.disabled_millis) s.disabled_millis = now;
    }
    retired->live = std::make_shared<TableLive>();
    retired->live->version = TableLive::kDeleted;
    batch.put(keys::id_prefix(keys::kRetired, def->id), retired->serialize());
  }
  std::unique_lock lock(mu_);
  store_.write(batch);
  tables_[std::string(ns)].erase(std::string(name));
  if (retired) retired_[def->id] = std::move(retired);
  def->live->version = TableLive::kDeleted;
  return def;
}

std::vector<TableRef> Catalog::retired() const {
  std::shared_lock lock(mu_);
  std::vector<TableRef> out;
  for (const auto& [id, def] : retired_) out.push_back(def);
  return out;
}

void Catalog::drop_retired(const TableDef& def, const With& with) {
  WriteBatch batch;
  batch.del(keys::id_prefix(keys::kRetired, def.id));
  if (with) with(def, batch);
  std::unique_lock lock(mu_);
  store_.write(batch);
  retired_.erase(def.id);
}

std::vector<TableRef> Catalog::all() const {
  std::shared_lock lock(mu_);
  std::vector<TableRef> out;
  for (const auto& [ns, tables] : tables_) {
    for (const auto& [name, def] : tables) out.push_back(def);
  }
  return out;
}

}  // namespace ddb::storage
