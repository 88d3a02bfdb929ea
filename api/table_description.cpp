#include "api/table_description.h"

#include <chrono>

#include "api/dispatcher.h"
#include "model/json_writer.h"
#include "storage/catalog.h"
#include "storage/item_store.h"

namespace ddb::api {

int64_t now_millis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

void write_key_schema(JsonWriter& w, const std::vector<storage::KeySchemaElement>& key_schema) {
  w.key("KeySchema").begin_array();
  for (const auto& k : key_schema) {
    w.begin_object().member("AttributeName", k.attribute_name).member("KeyType", k.key_type).end_object();
  }
  w.end_array();
}

void write_indexes(JsonWriter& w, const storage::TableDef& def, storage::ItemStore* items, bool global) {
  bool any = false;
  for (const auto& index : def.indexes) any = any || index.global == global;
  if (!any) return;
  w.key(global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes").begin_array();
  for (const auto& index : def.indexes) {
    if (index.global != global) continue;
    storage::TableStats stats = items ? items->stats(index.id) : storage::TableStats{};
    w.begin_object().member("IndexName", index.name);
    write_key_schema(w, index.key_schema);
    w.key("Projection").begin_object().member("ProjectionType", index.projection.projection_type);
    if (!index.projection.non_key_attributes.empty()) {
      w.key("NonKeyAttributes").begin_array();
      for (const auto& a : index.projection.non_key_attributes) w.string(a);
      w.end_array();
    }
    w.end_object();
    if (global) {
      w.member("IndexStatus", index.status);
      if (index.status == "CREATING") w.member("Backfilling", true);
      w.key("ProvisionedThroughput").begin_object();
      w.member("NumberOfDecreasesToday", int64_t(0));
      w.member("ReadCapacityUnits", index.read_capacity_units).member("WriteCapacityUnits", index.write_capacity_units);
      w.end_object();
    }
    w.member("IndexSizeBytes", stats.size_bytes).member("ItemCount", stats.item_count);
    w.member("IndexArn", def.arn() + "/index/" + index.name);
    w.end_object();
  }
  w.end_array();
}

}  // namespace

void write_table_description(JsonWriter& w, const storage::TableDef& def, storage::ItemStore* items,
                             const ApiConfig& config, int64_t now, const char* status_override) {
  storage::TableStats stats = items ? items->stats(def.id) : storage::TableStats{};
  w.begin_object();
  w.key("AttributeDefinitions").begin_array();
  for (const auto& a : def.attribute_definitions) {
    w.begin_object().member("AttributeName", a.attribute_name).member("AttributeType", a.attribute_type).end_object();
  }
  w.end_array();
  w.member("TableName", def.name);
  write_key_schema(w, def.key_schema);
  const char* status = "ACTIVE";
  if (status_override) {
    status = status_override;
  } else if (config.transient_delay_millis > 0 && now < def.creation_millis + config.transient_delay_millis) {
    status = "CREATING";
  }
  w.member("TableStatus", status);
  w.key("CreationDateTime").epoch_seconds(def.creation_millis);
  w.key("ProvisionedThroughput").begin_object();
  if (def.last_increase_millis) w.key("LastIncreaseDateTime").epoch_seconds(def.last_increase_millis);
  if (def.last_decrease_millis) w.key("LastDecreaseDateTime").epoch_seconds(def.last_decrease_millis);
  w.member("NumberOfDecreasesToday", def.number_of_decreases_today);
  w.member("ReadCapacityUnits", def.read_capacity_units);
  w.member("WriteCapacityUnits", def.write_capacity_units);
  w.end_object();
  w.member("TableSizeBytes", stats.size_bytes);
  w.member("ItemCount", stats.item_count);
  w.member("TableArn", def.arn());
  w.member("TableId", def.table_uuid);
  write_indexes(w, def, items, /*global=*/false);
  write_indexes(w, def, items, /*global=*/true);
  if (def.billing_mode == "PAY_PER_REQUEST" || def.last_update_to_pay_per_request_millis) {
    w.key("BillingModeSummary").begin_object();
    w.member("BillingMode", def.billing_mode);
    if (def.last_update_to_pay_per_request_millis) {
      w.key("LastUpdateToPayPerRequestDateTime").epoch_seconds(def.last_update_to_pay_per_request_millis);
    }
    w.end_object();
  }
  if (def.sse_enabled) {
    w.key("SSEDescription").begin_object();
    w.member("Status", "ENABLED");
    w.member("SSEType", def.sse_type.empty() ? "KMS" : def.sse_type);
    w.member("KMSMasterKeyArn", def.kms_master_key_id.empty()
                                    ? "arn:aws:kms:" + def.region + ":000000000000:key/dynamodb-local"
                                    : def.kms_master_key_id);
    w.end_object();
  }
  if (!def.table_class.empty()) {
    w.key("TableClassSummary").begin_object().member("TableClass", def.table_class).end_object();
  }
  w.member("DeletionProtectionEnabled", def.deletion_protection_enabled);
  w.end_object();
}

}  // namespace ddb::api
