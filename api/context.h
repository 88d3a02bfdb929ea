// api/context.h — what one operation sees of its caller and of the server (api/ internal).
#pragma once

#include <string>

#include "api/dispatcher.h"

namespace simdjson::dom {
class element;
}

namespace ddb {
class JsonWriter;
}
namespace ddb::storage {
class Store;
class Catalog;
class ItemStore;
}  // namespace ddb::storage
namespace ddb {
class Engine;
}

namespace ddb::api {

struct Context {
  storage::Store& store;
  storage::Catalog& catalog;
  storage::ItemStore& items;
  const ApiConfig& config;
  Engine& engine;           // owns the stores above and the work that outlives a request
  std::string_view ns;      // the caller's namespace: "<access key id>_<region>" or "shared"
  std::string_view region;  // the caller's region, for ARNs
};

// Every operation: reads the checked body, writes the answer object (or throws ddb::Error).
using Operation = void (*)(Context& ctx, const simdjson::dom::element& body, JsonWriter& out);

// api/tables.cpp
void create_table(Context&, const simdjson::dom::element&, JsonWriter&);
void describe_table(Context&, const simdjson::dom::element&, JsonWriter&);
void list_tables(Context&, const simdjson::dom::element&, JsonWriter&);
void update_table(Context&, const simdjson::dom::element&, JsonWriter&);
void delete_table(Context&, const simdjson::dom::element&, JsonWriter&);
void tag_resource(Context&, const simdjson::dom::element&, JsonWriter&);
void untag_resource(Context&, const simdjson::dom::element&, JsonWriter&);
void list_tags_of_resource(Context&, const simdjson::dom::element&, JsonWriter&);
void describe_limits(Context&, const simdjson::dom::element&, JsonWriter&);
void describe_endpoints(Context&, const simdjson::dom::element&, JsonWriter&);

// api/items.cpp
void put_item(Context&, const simdjson::dom::element&, JsonWriter&);
void get_item(Context&, const simdjson::dom::element&, JsonWriter&);
void update_item(Context&, const simdjson::dom::element&, JsonWriter&);
void delete_item(Context&, const simdjson::dom::element&, JsonWriter&);

// api/query_scan.cpp
void query(Context&, const simdjson::dom::element&, JsonWriter&);
void scan(Context&, const simdjson::dom::element&, JsonWriter&);

// api/transactions.cpp
void transact_write_items(Context&, const simdjson::dom::element&, JsonWriter&);
void transact_get_items(Context&, const simdjson::dom::element&, JsonWriter&);

// api/batch.cpp
void batch_get_item(Context&, const simdjson::dom::element&, JsonWriter&);
void batch_write_item(Context&, const simdjson::dom::element&, JsonWriter&);

}  // namespace ddb::api
