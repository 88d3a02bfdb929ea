// api/table_description.h — DynamoDB's TableDescription, written from a table definition.
#pragma once

#include <cstdint>

namespace ddb {
class JsonWriter;
}
namespace ddb::storage {
struct TableDef;
class ItemStore;
}  // namespace ddb::storage

namespace ddb::api {

struct ApiConfig;

// Writes the TableDescription object (the value of "Table" / "TableDescription").
// status_override: a status such as "DELETING" to show instead of the computed one (or nullptr).
// items: where ItemCount and TableSizeBytes come from (null: a new table, all zero).
void write_table_description(JsonWriter& w, const storage::TableDef& def, storage::ItemStore* items,
                             const ApiConfig& config, int64_t now_millis, const char* status_override = nullptr);

int64_t now_millis();

}  // namespace ddb::api
