// api/tables.cpp — the control plane: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable,
// tagging, DescribeLimits and DescribeEndpoints.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <functional>
#include <random>
#include <set>
#include <thread>
#include <type_traits>

#include "api/context.h"
#include "api/requests.h"
#include "api/table_description.h"
#include "engine/engine.h"
#include "model/error.h"
#include "storage/catalog.h"
#include "storage/item_store.h"
#include "storage/key_codec.h"
#include "streams/stream_log.h"
#include "storage/store.h"

namespace ddb::api {
namespace {

constexpr int64_t kMaxTableThroughput = 40000;  // the default per-table quota of an account

std::string new_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(36, '-');
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    s[i] = kHex[rng() & 15];
  }
  s[14] = '4';
  return s;
}

Error invalid(const std::string& detail) {
  return Error::validation("One or more parameter values were invalid: " + detail);
}

Error table_not_found(std::string_view name) {
  return Error::resource_not_found("Requested resource not found: Table: " + std::string(name) + " not found");
}

storage::TableRef require_table(Context& ctx, std::string_view name) {
  storage::TableRef def = ctx.catalog.find(ctx.ns, name);
  if (!def) throw table_not_found(name);
  return def;
}

// The wire text of an optional enum member, or the fallback when it is absent.
template <class Enum>
std::string name_or(const std::optional<Enum>& value, std::string_view fallback = {}) {
  return std::string(value ? req::name(*value) : fallback);
}

void check_throughput_bounds(const req::ProvisionedThroughput& t) {
  constexpr int64_t kOutOfBounds = 1000000000000;
  const int64_t read = t.ReadCapacityUnits, write = t.WriteCapacityUnits;
  if (read > kOutOfBounds) {
    throw Error::validation("Given value " + std::to_string(read) + " for ReadCapacityUnits is out of bounds");
  }
  if (write > kOutOfBounds) {
    throw Error::validation("Given value " + std::to_string(write) + " for WriteCapacityUnits is out of bounds");
  }
  if (read > kMaxTableThroughput || write > kMaxTableThroughput) {
    throw Error::validation("Cannot increase provisioned throughput to more than 40,000 units per table");
  }
}

// A tag of the request replaces the table's tag of the same key.
void add_tags(const req::TagList& request, std::vector<storage::Tag>& tags) {
  for (const req::Tag& t : request) {
    const std::string &key = t.Key, &value = t.Value;
    bool replaced = false;
    for (auto& existing : tags) {
      if (existing.key == key) {
        existing.value = value;
        replaced = true;
      }
    }
    if (!replaced) tags.push_back({key, value});
  }
}

// The table named by an ARN of this caller's region: arn:aws:dynamodb:<region>:<account>:table/<name>.
storage::TableRef table_by_arn(Context& ctx, std::string_view arn) {
  const std::string prefix = "arn:aws:dynamodb:" + std::string(ctx.region) + ":";
  size_t slash = arn.find(":table/");
  if (arn.substr(0, prefix.size()) != prefix || slash == std::string_view::npos) {
    throw Error::validation("Invalid TableArn: Invalid ResourceArn provided as input " + std::string(arn));
  }
  std::string_view name = arn.substr(slash + 7);
  storage::TableRef def = ctx.catalog.find(ctx.ns, name);
  if (!def)
    throw Error::resource_not_found("Requested resource not found: ResourcArn: " + std::string(arn) + " not found");
  return def;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

// One entry of LocalSecondaryIndexes / GlobalSecondaryIndexes (or a GSI Create action), checked as the
// service checks it. Index: req::LocalSecondaryIndex, req::GlobalSecondaryIndex or
// req::CreateGlobalSecondaryIndexAction.
template <class Index>
storage::IndexDef parse_index(const Index& e, const storage::TableDef& table, const std::vector<std::string>& defined,
                              std::set<std::string>* names) {
  constexpr bool global = !std::is_same_v<Index, req::LocalSecondaryIndex>;
  storage::IndexDef index;
  index.global = global;
  index.name = e.IndexName;
  std::vector<std::string> keys;
  for (const req::KeySchemaElement& k : e.KeySchema) {
    index.key_schema.push_back({k.AttributeName, std::string(req::name(k.KeyType))});
    keys.push_back(index.key_schema.back().attribute_name);
  }
  for (const auto& k : keys) {
    if (std::find(defined.begin(), defined.end(), k) == defined.end()) {
      throw invalid("Some index key attributes are not defined in AttributeDefinitions. Keys: [" + join(keys) +
                    "], AttributeDefinitions: [" + join(defined) + "]");
    }
  }
  if (keys.size() == 2 && keys[0] == keys[1]) {
    throw Error::validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
  }
  if (index.key_schema[0].key_type != "HASH") {
    throw Error::validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  }
  if (keys.size() == 2 && index.key_schema[1].key_type != "RANGE") {
    throw Error::validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  }
  if (!global) {
    if (keys.size() != 2) throw invalid("Index KeySchema does not have a range key for index: " + index.name);
    if (keys[0] != table.hash_key()) {
      throw invalid("Index KeySchema does not have the same leading hash key as table KeySchema for index: " +
                    index.name + ". index hash key: " + keys[0] + ", table hash key: " + table.hash_key());
    }
  }
  const req::Projection& projection = e.Projection;
  if (!projection.ProjectionType) throw invalid("Unknown ProjectionType: null");
  index.projection.projection_type = std::string(req::name(*projection.ProjectionType));
  if (projection.NonKeyAttributes) {
    if (*projection.ProjectionType != req::ProjectionType::INCLUDE) {
      throw invalid("ProjectionType is " + index.projection.projection_type + ", but NonKeyAttributes is specified");
    }
    index.projection.non_key_attributes = *projection.NonKeyAttributes;
  }
  if (!names->insert(index.name).second) throw invalid("Duplicate index name: " + index.name);
  if constexpr (global) {
    const std::optional<req::ProvisionedThroughput>& pt = e.ProvisionedThroughput;
    if (table.billing_mode == "PAY_PER_REQUEST" && pt) {
      throw invalid("ProvisionedThroughput should not be specified for index: " + index.name +
                    " when BillingMode is PAY_PER_REQUEST");
    }
    if (table.billing_mode == "PROVISIONED") {
      if (!pt) throw invalid("ProvisionedThroughput must be specified for index: " + index.name);
      index.read_capacity_units = pt->ReadCapacityUnits;
      index.write_capacity_units = pt->WriteCapacityUnits;
    }
  }
  return index;
}

// A stream label: the creation time to the millisecond, later than the table's previous stream's.
std::string stream_label(const storage::TableDef& def, int64_t* millis) {
  if (!def.streams.empty()) *millis = std::max(*millis, def.streams.back().created_millis + 1);
  time_t seconds = time_t(*millis / 1000);
  struct tm t;
  gmtime_r(&seconds, &t);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
                t.tm_hour, t.tm_min, t.tm_sec, int(*millis % 1000));
  return buf;
}

// The StreamSpecification of CreateTable or UpdateTable, checked as the service checks it; the view type of a
// stream to enable, or nullopt for a stream to disable.
std::optional<std::string> stream_request(const req::StreamSpecification& spec) {
  if (spec.StreamEnabled) {
    if (!spec.StreamViewType) {
      throw Error::validation("Invalid StreamViewType: Stream ViewType must not be null or empty when enabling streams.");
    }
    return std::string(req::name(*spec.StreamViewType));
  }
  if (spec.StreamViewType) {
    throw Error::validation("Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present.");
  }
  return std::nullopt;
}

// Adds a new enabled stream to the definition (its id: 0 for a new table, whose ids the catalog assigns).
const storage::StreamDef& add_stream(storage::TableDef& def, const std::string& view_type, uint32_t id) {
  storage::StreamDef s;
  s.id = id;
  s.created_millis = now_millis();
  s.label = stream_label(def, &s.created_millis);
  s.view_type = view_type;
  def.streams.push_back(std::move(s));
  return def.streams.back();
}

// Opens a new stream's first shard in the batch that publishes it: its records come after the last commit.
void open_stream(Context& ctx, storage::WriteBatch& batch, const storage::StreamDef& s) {
  ctx.engine.streams().open(batch, s.id, ctx.items.last_sequence(), s.created_millis);
}

}  // namespace

void create_table(Context& ctx, req::CreateTableInput& in, req::CreateTableOutput& out) {
  storage::TableDef def;
  def.name = in.TableName;
  def.ns = std::string(ctx.ns);
  def.region = std::string(ctx.region);

  std::vector<std::string> defined;
  for (const req::AttributeDefinition& a : in.AttributeDefinitions) {
    def.attribute_definitions.push_back({a.AttributeName, std::string(req::name(a.AttributeType))});
    defined.push_back(def.attribute_definitions.back().attribute_name);
  }
  std::vector<std::string> keys;
  for (const req::KeySchemaElement& k : in.KeySchema) {
    def.key_schema.push_back({k.AttributeName, std::string(req::name(k.KeyType))});
    keys.push_back(def.key_schema.back().attribute_name);
  }

  def.billing_mode = name_or(in.BillingMode, "PROVISIONED");
  const std::optional<req::ProvisionedThroughput>& t = in.ProvisionedThroughput;
  if (def.billing_mode == "PROVISIONED") {
    if (!t) {
      throw invalid("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
    }
    check_throughput_bounds(*t);
    def.read_capacity_units = t->ReadCapacityUnits;
    def.write_capacity_units = t->WriteCapacityUnits;
  } else if (t) {
    throw invalid(
        "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  }

  auto is_defined = [&](const std::string& k) {
    for (const auto& d : defined) {
      if (d == k) return true;
    }
    return false;
  };
  bool all_defined = is_defined(keys[0]) && (keys.size() < 2 || is_defined(keys[1]));
  if (keys.size() == 2 && (!all_defined || (keys[0] == keys[1] && defined.size() == 1))) {
    throw Error::validation("Invalid KeySchema: Some index key attribute have no definition");
  }
  if (keys.size() == 1 && !all_defined) {
    throw invalid("Some index key attributes are not defined in AttributeDefinitions. Keys: [" + join(keys) +
                  "], AttributeDefinitions: [" + join(defined) + "]");
  }
  if (keys.size() == 2 && keys[0] == keys[1]) {
    throw Error::validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
  }
  if (def.key_schema[0].key_type != "HASH") {
    throw Error::validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  }
  if (keys.size() == 2 && def.key_schema[1].key_type != "RANGE") {
    throw Error::validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  }
  bool has_indexes = in.LocalSecondaryIndexes || in.GlobalSecondaryIndexes;
  if (!has_indexes && keys.size() != defined.size()) {
    throw invalid(
        "Number of attributes in KeySchema does not exactly match number of attributes defined in "
        "AttributeDefinitions");
  }
  std::set<std::string> index_names;
  if (in.LocalSecondaryIndexes) {
    const req::LocalSecondaryIndexList& index_list = *in.LocalSecondaryIndexes;
    if (index_list.empty()) throw invalid("List of LocalSecondaryIndexes is empty");
    if (keys.size() != 2) {
      throw invalid(
          "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex");
    }
    for (const req::LocalSecondaryIndex& e : index_list) {
      storage::IndexDef index = parse_index(e, def, defined, &index_names);
      def.indexes.push_back(std::move(index));
    }
    if (index_list.size() > 5) throw invalid("Number of LocalSecondaryIndexes exceeds per-table limit of 5");
  }
  if (in.GlobalSecondaryIndexes) {
    const req::GlobalSecondaryIndexList& index_list = *in.GlobalSecondaryIndexes;
    if (index_list.empty()) throw invalid("List of GlobalSecondaryIndexes is empty");
    for (const req::GlobalSecondaryIndex& e : index_list) {
      storage::IndexDef index = parse_index(e, def, defined, &index_names);
      def.indexes.push_back(std::move(index));
    }
    if (index_list.size() > 20) throw invalid("GlobalSecondaryIndex count exceeds the per-table limit of 20");
  }
  if (has_indexes) {
    std::set<std::string> used(keys.begin(), keys.end());
    for (const auto& index : def.indexes) {
      for (const auto& k : index.key_schema) used.insert(k.attribute_name);
    }
    if (used.size() != std::set<std::string>(defined.begin(), defined.end()).size()) {
      throw invalid("Some AttributeDefinitions are not used. AttributeDefinitions: [" + join(defined) +
                    "], keys used: [" + join(std::vector<std::string>(used.begin(), used.end())) + "]");
    }
    size_t projected = 0;
    for (const auto& index : def.indexes) projected += index.projection.non_key_attributes.size();
    if (projected > 100) {
      throw invalid("The number of attributes in all projections exceeds the limit of 100; number of attributes: " +
                    std::to_string(projected));
    }
  }
  std::set<std::string> unique(defined.begin(), defined.end());
  if (unique.size() != defined.size()) throw invalid("Duplicate AttributeName in AttributeDefinitions");

  if (in.SSESpecification && in.SSESpecification->Enabled.value_or(false)) {
    const req::SSESpecification& sse = *in.SSESpecification;
    def.sse_enabled = true;
    def.sse_type = name_or(sse.SSEType, "KMS");
    def.kms_master_key_id = sse.KMSMasterKeyId.value_or("");
  }
  def.table_class = name_or(in.TableClass);
  def.deletion_protection_enabled = in.DeletionProtectionEnabled.value_or(false);
  if (in.Tags) add_tags(*in.Tags, def.tags);
  def.table_uuid = new_uuid();
  def.creation_millis = now_millis();
  if (def.billing_mode == "PAY_PER_REQUEST") def.last_update_to_pay_per_request_millis = def.creation_millis;

  if (in.StreamSpecification) {
    if (std::optional<std::string> view = stream_request(*in.StreamSpecification)) {
      add_stream(def, *view, 0);
    }
  }

  std::string name = def.name;
  bool created_new = ctx.catalog.create(def, [&](const storage::TableDef& published, storage::WriteBatch& batch) {
    if (const storage::StreamDef* s = published.enabled_stream()) open_stream(ctx, batch, *s);
  });
  if (!created_new) throw Error::resource_in_use("Table already exists: " + name);
  storage::TableRef created = ctx.catalog.find(ctx.ns, name);
  out.TableDescription = table_description(*created, nullptr, ctx.config, created->creation_millis);
}

void describe_table(Context& ctx, req::DescribeTableInput& in, req::DescribeTableOutput& out) {
  storage::TableRef def = require_table(ctx, in.TableName);
  out.Table = table_description(*def, &ctx.items, ctx.config, now_millis());
}

void list_tables(Context& ctx, req::ListTablesInput& in, req::ListTablesOutput& out) {
  size_t limit = size_t(in.Limit.value_or(100));
  bool more = false;
  std::string_view start = in.ExclusiveStartTableName ? std::string_view(*in.ExclusiveStartTableName) : "";
  std::vector<std::string> names = ctx.catalog.list(ctx.ns, start, limit, &more);
  if (more) out.LastEvaluatedTableName = names.back();
  out.TableNames = std::move(names);
}

void update_table(Context& ctx, req::UpdateTableInput& in, req::UpdateTableOutput& out) {
  const std::string& table_name = in.TableName;
  require_table(ctx, table_name);
  int64_t now = now_millis();
  std::vector<storage::IndexDef> created;
  std::vector<storage::IndexDef> deleted;
  // Decided and published under the table's schema lock: concurrent changes of one table apply one after
  // the other, each to the version the one before published.
  storage::TableRef published =
      ctx.catalog.update(ctx.ns, table_name, [&](storage::TableDef& def, storage::WriteBatch& batch) {
        created.clear();
        deleted.clear();
        bool changed = false;

        std::string billing = name_or(in.BillingMode);
        const std::optional<req::ProvisionedThroughput>& t = in.ProvisionedThroughput;
        std::string target_billing = billing.empty() ? def.billing_mode : billing;
        if (target_billing == "PAY_PER_REQUEST") {
          if (t) {
            throw invalid(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is "
                "PAY_PER_REQUEST");
          }
          if (def.billing_mode != "PAY_PER_REQUEST") {
            def.billing_mode = "PAY_PER_REQUEST";
            def.read_capacity_units = def.write_capacity_units = 0;
            def.last_update_to_pay_per_request_millis = now;
          }
          changed = changed || !billing.empty();
        } else {
          if (def.billing_mode == "PAY_PER_REQUEST" && !t) {
            throw invalid("ProvisionedThroughput must be specified when BillingMode is PROVISIONED");
          }
          if (t) {
            check_throughput_bounds(*t);
            const int64_t read = t->ReadCapacityUnits, write = t->WriteCapacityUnits;
            if (def.billing_mode == "PROVISIONED" && read == def.read_capacity_units &&
                write == def.write_capacity_units) {
              throw Error::validation(
                  "The provisioned throughput for the table will not change. The requested value equals the current "
                  "value. "
                  "Current ReadCapacityUnits provisioned for the table: " +
                  std::to_string(def.read_capacity_units) + ". Requested ReadCapacityUnits: " + std::to_string(read) +
                  ". Current WriteCapacityUnits provisioned for the table: " +
                  std::to_string(def.write_capacity_units) +
                  ". Requested WriteCapacityUnits: " + std::to_string(write) +
                  ". Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher "
                  "limits.");
            }
            if (def.billing_mode == "PROVISIONED") {
              if (read > def.read_capacity_units || write > def.write_capacity_units) def.last_increase_millis = now;
              if (read < def.read_capacity_units || write < def.write_capacity_units) {
                def.last_decrease_millis = now;
                ++def.number_of_decreases_today;
              }
            }
            def.billing_mode = "PROVISIONED";
            def.read_capacity_units = read;
            def.write_capacity_units = write;
          }
          changed = changed || !billing.empty() || t.has_value();
        }

        if (in.SSESpecification) {
          const req::SSESpecification& sse = *in.SSESpecification;
          def.sse_enabled = sse.Enabled.value_or(false);
          def.sse_type = def.sse_enabled ? name_or(sse.SSEType, "KMS") : std::string();
          def.kms_master_key_id = sse.KMSMasterKeyId.value_or("");
          changed = true;
        }
        if (in.DeletionProtectionEnabled) {
          def.deletion_protection_enabled = *in.DeletionProtectionEnabled;
          changed = true;
        }
        if (in.TableClass) {
          def.table_class = name_or(in.TableClass);
          changed = true;
        }
        if (in.ReplicaUpdates) {
          throw invalid("ReplicaUpdates are not supported by ddblocal (global tables need several regions)");
        }
        std::optional<std::string> stream_view;
        if (in.StreamSpecification) {
          if (in.ProvisionedThroughput) throw Error::validation("Cannot change IOPS and Streams at the same time.");
          stream_view = stream_request(*in.StreamSpecification);
          const storage::StreamDef* current = def.enabled_stream();
          if (stream_view && current) {
            throw Error::validation("Table already has an enabled stream");
          }
          if (!stream_view && !current) {
            throw Error::validation("Table has no stream to disable");
          }
          changed = true;
        }
        if (in.GlobalSecondaryIndexUpdates) {
          // New attribute definitions may come with a new index's keys.
          if (in.AttributeDefinitions) {
            for (const req::AttributeDefinition& a : *in.AttributeDefinitions) {
              const std::string& name = a.AttributeName;
              std::string type(req::name(a.AttributeType));
              std::string existing = def.attribute_type(name);
              if (existing.empty()) {
                def.attribute_definitions.push_back({name, type});
              } else if (existing != type) {
                throw invalid("Cannot change the type of attribute " + name + " from " + existing + " to " + type);
              }
            }
          }
          std::vector<std::string> defined;
          for (const auto& a : def.attribute_definitions) defined.push_back(a.attribute_name);
          std::set<std::string> names;
          for (const auto& i : def.indexes) names.insert(i.name);
          int online = 0;
          for (const req::GlobalSecondaryIndexUpdate& u : *in.GlobalSecondaryIndexUpdates) {
            int actions = int(u.Create.has_value()) + int(u.Update.has_value()) + int(u.Delete.has_value());
            if (actions != 1) {
              throw Error::validation(
                  "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
                  "GlobalSecondaryIndexUpdate.Delete must not be null");
            }
            if (u.Create) {
              const std::string& name = u.Create->IndexName;
              if (names.count(name)) throw invalid("Attempting to create an index which already exists: " + name);
              std::set<std::string> fresh;
              storage::IndexDef index = parse_index(*u.Create, def, defined, &fresh);
              names.insert(index.name);
              index.id = ctx.catalog.allocate_id();
              created.push_back(index);
              def.indexes.push_back(std::move(index));
              ++online;
            } else if (u.Delete) {
              const std::string& name = u.Delete->IndexName;
              auto it = std::find_if(def.indexes.begin(), def.indexes.end(),
                                     [&](const storage::IndexDef& i) { return i.global && i.name == name; });
              if (it == def.indexes.end()) {
                throw Error::resource_not_found("Requested resource not found: Index: " + name + " not found");
              }
              deleted.push_back(*it);
              def.indexes.erase(it);
              ++online;
            } else {
              const req::UpdateGlobalSecondaryIndexAction& action = *u.Update;
              const std::string& name = action.IndexName;
              auto it = std::find_if(def.indexes.begin(), def.indexes.end(),
                                     [&](const storage::IndexDef& i) { return i.global && i.name == name; });
              if (it == def.indexes.end()) {
                throw Error::resource_not_found("Requested resource not found: Index: " + name + " not found");
              }
              it->read_capacity_units = action.ProvisionedThroughput.ReadCapacityUnits;
              it->write_capacity_units = action.ProvisionedThroughput.WriteCapacityUnits;
            }
          }
          if (online > 1) {
            throw Error(
                "LimitExceededException",
                "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table");
          }
          changed = true;
        }
        if (!changed) {
          throw Error::validation(
              "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or "
              "SSESpecification or ReplicaUpdates is required");
        }
        if (in.StreamSpecification) {
          // Last: nothing below refuses the change. Enabling makes a new stream (a new ARN); disabling closes
          // the open shard, and the stream stays readable until the trimmer removes it.
          if (stream_view) {
            open_stream(ctx, batch, add_stream(def, *stream_view, ctx.catalog.allocate_id()));
          } else {
            def.streams.back().disabled_millis = now;
            ctx.engine.streams().close(batch, def.streams.back().id);
          }
        }
        for (const auto& index : deleted) {
          // The deleted index's entries and statistics go with the definition that no longer has it.
          storage::erase_index(batch, index.id);
        }
        // A new index is readable once every existing item has its entry: CREATING (Backfilling) until then,
        // while the engine backfills it.
        for (auto& i : def.indexes) {
          if (!created.empty() && i.id == created[0].id) i.status = "CREATING";
        }
      });
  if (!published) throw table_not_found(table_name);
  for (const auto& index : deleted) ctx.items.forget_stats(index.id);
  if (!created.empty()) ctx.engine.backfill_index(published, created[0].id);
  bool transient = ctx.config.transient_delay_millis > 0;
  out.TableDescription = table_description(*published, &ctx.items, ctx.config, now,
                                           transient ? std::optional(req::TableStatus::UPDATING) : std::nullopt);
}

void delete_table(Context& ctx, req::DeleteTableInput& in, req::DeleteTableOutput& out) {
  const std::string& name = in.TableName;
  require_table(ctx, name);
  storage::TableRef removed = ctx.catalog.remove(
      ctx.ns, name,
      [](const storage::TableDef& def) {
        if (def.deletion_protection_enabled) {
          throw Error::validation(
              "Resource cannot be deleted as it is currently protected against deletion. Disable deletion "
              "protection first.");
        }
      },
      [&](const storage::TableDef& def, storage::WriteBatch& batch) {
        // Its stream is disabled with it and stays readable until the trimmer drops it.
        if (const storage::StreamDef* s = def.enabled_stream()) ctx.engine.streams().close(batch, s->id);
      });
  if (!removed) throw table_not_found(name);
  out.TableDescription = table_description(*removed, &ctx.items, ctx.config, now_millis(), req::TableStatus::DELETING);
  ctx.items.forget_stats(removed->id);
  for (const auto& index : removed->indexes) ctx.items.forget_stats(index.id);
}

// TagResource and UntagResource change the table's current version under its schema lock.
static void change_tags(Context& ctx, const std::string& resource_arn,
                        const std::function<void(std::vector<storage::Tag>&)>& change) {
  storage::TableRef table = table_by_arn(ctx, resource_arn);
  storage::TableRef published =
      ctx.catalog.update(table->ns, table->name, [&](storage::TableDef& def, storage::WriteBatch&) {
        if (def.id != table->id) throw Error::resource_not_found();
        change(def.tags);
      });
  if (!published) {
    throw Error::resource_not_found("Requested resource not found: ResourcArn: " + resource_arn + " not found");
  }
}

void tag_resource(Context& ctx, req::TagResourceInput& in) {
  change_tags(ctx, in.ResourceArn, [&](std::vector<storage::Tag>& tags) {
    add_tags(in.Tags, tags);
    if (tags.size() > 50) throw Error("LimitExceededException", "The number of tags exceeds the limit of 50.");
  });
}

void untag_resource(Context& ctx, req::UntagResourceInput& in) {
  change_tags(ctx, in.ResourceArn, [&](std::vector<storage::Tag>& tags) {
    for (const std::string& key : in.TagKeys) {
      std::erase_if(tags, [&](const storage::Tag& t) { return t.key == key; });
    }
  });
}

void list_tags_of_resource(Context& ctx, req::ListTagsOfResourceInput& in, req::ListTagsOfResourceOutput& out) {
  storage::TableRef def = table_by_arn(ctx, in.ResourceArn);
  auto& tags = out.Tags.emplace();
  for (const auto& t : def->tags) tags.push_back({t.key, t.value});
}

void update_time_to_live(Context& ctx, req::UpdateTimeToLiveInput& in, req::UpdateTimeToLiveOutput& out) {
  const req::TimeToLiveSpecification& spec = in.TimeToLiveSpecification;
  require_table(ctx, in.TableName);
  storage::TableRef published =
      ctx.catalog.update(ctx.ns, in.TableName, [&](storage::TableDef& def, storage::WriteBatch& batch) {
        const std::string& current = def.ttl_attribute;
        if (spec.Enabled) {
          if (current == spec.AttributeName) throw Error::validation("TimeToLive is already enabled");
          if (!current.empty()) throw Error::validation("TimeToLive is active on a different AttributeName");
          def.ttl_attribute = spec.AttributeName;
          def.ttl_enabled_millis = std::max(now_millis(), def.ttl_enabled_millis + 1);
          def.ttl_backfilled = false;
        } else {
          if (current.empty()) throw Error::validation("TimeToLive is already disabled");
          if (current != spec.AttributeName) {
            throw Error::validation("TimeToLive is active on a different AttributeName");
          }
          def.ttl_attribute.clear();
          // The sweeper's entries go with the setting.
          batch.delete_range(storage::keys::id_prefix(storage::keys::kTtl, def.id),
                             storage::keys::id_prefix_end(storage::keys::kTtl, def.id));
        }
      });
  if (!published) throw table_not_found(in.TableName);
  // Items written before TTL was enabled expire too: their entries are written in the background.
  if (spec.Enabled) ctx.engine.backfill_ttl(published);
  out.TimeToLiveSpecification = spec;
}

void describe_time_to_live(Context& ctx, req::DescribeTimeToLiveInput& in, req::DescribeTimeToLiveOutput& out) {
  storage::TableRef def = require_table(ctx, in.TableName);
  auto& d = out.TimeToLiveDescription.emplace();
  if (def->ttl_attribute.empty()) {
    d.TimeToLiveStatus = req::TimeToLiveStatus::DISABLED;
  } else {
    d.TimeToLiveStatus = req::TimeToLiveStatus::ENABLED;
    d.AttributeName = def->ttl_attribute;
  }
}

void describe_limits(Context&, req::DescribeLimitsInput&, req::DescribeLimitsOutput& out) {
  out.AccountMaxReadCapacityUnits = 80000;
  out.AccountMaxWriteCapacityUnits = 80000;
  out.TableMaxReadCapacityUnits = kMaxTableThroughput;
  out.TableMaxWriteCapacityUnits = kMaxTableThroughput;
}

void describe_endpoints(Context& ctx, req::DescribeEndpointsRequest&, req::DescribeEndpointsResponse& out) {
  out.Endpoints.push_back({"dynamodb." + std::string(ctx.region) + ".amazonaws.com", 1440});
}

}  // namespace ddb::api
