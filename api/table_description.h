// api/table_description.h — DynamoDB's TableDescription, made from a table definition.
#pragma once

#include <cstdint>
#include <optional>

#include "api/requests.h"
#include "model/clock.h"

namespace ddb::storage {
struct TableDef;
class ItemStore;
}  // namespace ddb::storage

namespace ddb::api {

struct ApiConfig;

// The TableDescription of a table (the value of "Table" / "TableDescription").
// status: a status such as DELETING to show instead of the computed one.
// items: where ItemCount and TableSizeBytes come from (null: a new table, all zero).
req::TableDescription table_description(const storage::TableDef& def, storage::ItemStore* items,
                                        const ApiConfig& config, int64_t now_millis,
                                        std::optional<req::TableStatus> status = std::nullopt);

}  // namespace ddb::api
