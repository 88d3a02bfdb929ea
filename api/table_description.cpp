#include "api/table_description.h"

#include <stdexcept>

#include "api/dispatcher.h"
#include "storage/catalog.h"
#include "storage/item_store.h"

namespace ddb::api {

namespace {

// The enum value of a definition's text (the catalog keeps the wire texts the request gave).
template <class Enum>
Enum enum_of(std::string_view text) {
  std::optional<Enum> value = req::enum_value<Enum>(text);
  if (!value) throw std::logic_error("table definition holds an unknown enum value: " + std::string(text));
  return *value;
}

double seconds(int64_t millis) { return double(millis) / 1000; }

req::KeySchema key_schema(const std::vector<storage::KeySchemaElement>& elements) {
  req::KeySchema out;
  out.reserve(elements.size());
  for (const auto& k : elements) out.push_back({k.attribute_name, enum_of<req::KeyType>(k.key_type)});
  return out;
}

req::Projection projection(const storage::Projection& p) {
  req::Projection out;
  out.ProjectionType = enum_of<req::ProjectionType>(p.projection_type);
  if (!p.non_key_attributes.empty()) out.NonKeyAttributes = p.non_key_attributes;
  return out;
}

}  // namespace

req::TableDescription table_description(const storage::TableDef& def, storage::ItemStore* items,
                                        const ApiConfig& config, int64_t now, std::optional<req::TableStatus> status) {
  storage::TableStats stats = items ? items->stats(def.id) : storage::TableStats{};
  req::TableDescription d;
  auto& definitions = d.AttributeDefinitions.emplace();
  for (const auto& a : def.attribute_definitions) {
    definitions.push_back({a.attribute_name, enum_of<req::ScalarAttributeType>(a.attribute_type)});
  }
  d.TableName = def.name;
  d.KeySchema = key_schema(def.key_schema);
  if (!status) {
    bool creating = config.transient_delay_millis > 0 && now < def.creation_millis + config.transient_delay_millis;
    status = creating ? req::TableStatus::CREATING : req::TableStatus::ACTIVE;
  }
  d.TableStatus = status;
  d.CreationDateTime = seconds(def.creation_millis);
  auto& throughput = d.ProvisionedThroughput.emplace();
  if (def.last_increase_millis) throughput.LastIncreaseDateTime = seconds(def.last_increase_millis);
  if (def.last_decrease_millis) throughput.LastDecreaseDateTime = seconds(def.last_decrease_millis);
  throughput.NumberOfDecreasesToday = def.number_of_decreases_today;
  throughput.ReadCapacityUnits = def.read_capacity_units;
  throughput.WriteCapacityUnits = def.write_capacity_units;
  d.TableSizeBytes = stats.size_bytes;
  d.ItemCount = stats.item_count;
  d.TableArn = def.arn();
  d.TableId = def.table_uuid;
  if (def.billing_mode == "PAY_PER_REQUEST" || def.last_update_to_pay_per_request_millis) {
    auto& billing = d.BillingModeSummary.emplace();
    billing.BillingMode = enum_of<req::BillingMode>(def.billing_mode);
    if (def.last_update_to_pay_per_request_millis) {
      billing.LastUpdateToPayPerRequestDateTime = seconds(def.last_update_to_pay_per_request_millis);
    }
  }
  for (const auto& index : def.indexes) {
    storage::TableStats index_stats = items ? items->stats(index.id) : storage::TableStats{};
    std::string arn = def.arn() + "/index/" + index.name;
    if (!index.global) {
      if (!d.LocalSecondaryIndexes) d.LocalSecondaryIndexes.emplace();
      auto& i = d.LocalSecondaryIndexes->emplace_back();
      i.IndexName = index.name;
      i.KeySchema = key_schema(index.key_schema);
      i.Projection = projection(index.projection);
      i.IndexSizeBytes = index_stats.size_bytes;
      i.ItemCount = index_stats.item_count;
      i.IndexArn = std::move(arn);
      continue;
    }
    if (!d.GlobalSecondaryIndexes) d.GlobalSecondaryIndexes.emplace();
    auto& i = d.GlobalSecondaryIndexes->emplace_back();
    i.IndexName = index.name;
    i.KeySchema = key_schema(index.key_schema);
    i.Projection = projection(index.projection);
    i.IndexStatus = enum_of<req::IndexStatus>(index.status);
    if (index.status == "CREATING") i.Backfilling = true;
    auto& index_throughput = i.ProvisionedThroughput.emplace();
    index_throughput.NumberOfDecreasesToday = 0;
    index_throughput.ReadCapacityUnits = index.read_capacity_units;
    index_throughput.WriteCapacityUnits = index.write_capacity_units;
    i.IndexSizeBytes = index_stats.size_bytes;
    i.ItemCount = index_stats.item_count;
    i.IndexArn = std::move(arn);
  }
  if (def.sse_enabled) {
    auto& sse = d.SSEDescription.emplace();
    sse.Status = req::SSEStatus::ENABLED;
    sse.SSEType = enum_of<req::SSEType>(def.sse_type.empty() ? "KMS" : def.sse_type);
    sse.KMSMasterKeyArn = def.kms_master_key_id.empty()
                              ? "arn:aws:kms:" + def.region + ":000000000000:key/dynamodb-local"
                              : def.kms_master_key_id;
  }
  if (const storage::StreamDef* s = def.enabled_stream()) {
    auto& spec = d.StreamSpecification.emplace();
    spec.StreamEnabled = true;
    spec.StreamViewType = enum_of<req::StreamViewType>(s->view_type);
  }
  if (!def.streams.empty()) {
    d.LatestStreamLabel = def.streams.back().label;
    d.LatestStreamArn = def.stream_arn(def.streams.back());
  }
  if (!def.table_class.empty()) d.TableClassSummary.emplace().TableClass = enum_of<req::TableClass>(def.table_class);
  d.DeletionProtectionEnabled = def.deletion_protection_enabled;
  return d;
}

}  // namespace ddb::api
