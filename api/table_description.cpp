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

void write_table_description(JsonWriter& w, const storage::TableDef& def, const storage::TableStats& stats,
                             const ApiConfig& config, int64_t now, const char* status_override) {
  w.begin_object();
  w.key("AttributeDefinitions").begin_array();
  for (const auto& a : def.attribute_definitions) {
    w.begin_object().member("AttributeName", a.attribute_name).member("AttributeType", a.attribute_type).end_object();
  }
  w.end_array();
  w.member("TableName", def.name);
  w.key("KeySchema").begin_array();
  for (const auto& k : def.key_schema) {
    w.begin_object().member("AttributeName", k.attribute_name).member("KeyType", k.key_type).end_object();
  }
  w.end_array();
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
