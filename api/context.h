// api/context.h — what one operation sees of its caller and of the server (api/ internal).
#pragma once

#include <string>

#include "api/dispatcher.h"

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

// The typed requests and responses (api/requests.h).
namespace req {
struct CreateTableOutput;
struct DescribeTableOutput;
struct ListTablesOutput;
struct UpdateTableOutput;
struct DeleteTableOutput;
struct ListTagsOfResourceOutput;
struct DescribeLimitsOutput;
struct DescribeEndpointsResponse;
struct PutItemOutput;
struct GetItemOutput;
struct UpdateItemOutput;
struct DeleteItemOutput;
struct BatchGetItemOutput;
struct BatchWriteItemOutput;
struct TransactWriteItemsOutput;
struct TransactGetItemsOutput;
struct QueryOutput;
struct ScanOutput;
struct CreateTableInput;
struct DescribeTableInput;
struct ListTablesInput;
struct UpdateTableInput;
struct DeleteTableInput;
struct TagResourceInput;
struct UntagResourceInput;
struct ListTagsOfResourceInput;
struct DescribeLimitsInput;
struct DescribeEndpointsRequest;
struct PutItemInput;
struct GetItemInput;
struct UpdateItemInput;
struct DeleteItemInput;
struct QueryInput;
struct ScanInput;
struct TransactWriteItemsInput;
struct TransactGetItemsInput;
struct BatchGetItemInput;
struct BatchWriteItemInput;
struct UpdateTimeToLiveInput;
struct UpdateTimeToLiveOutput;
struct DescribeTimeToLiveInput;
struct DescribeTimeToLiveOutput;
}  // namespace req
namespace streams_req {
struct ListStreamsInput;
struct ListStreamsOutput;
struct DescribeStreamInput;
struct DescribeStreamOutput;
struct GetShardIteratorInput;
struct GetShardIteratorOutput;
struct GetRecordsInput;
struct GetRecordsOutput;
}  // namespace streams_req

// Every operation takes its typed request (decoded by the dispatcher) and fills its typed response (which the
// dispatcher encodes; an operation whose model has no output answers {}), or throws ddb::Error.

// api/tables.cpp
void create_table(Context&, req::CreateTableInput&, req::CreateTableOutput&);
void describe_table(Context&, req::DescribeTableInput&, req::DescribeTableOutput&);
void list_tables(Context&, req::ListTablesInput&, req::ListTablesOutput&);
void update_table(Context&, req::UpdateTableInput&, req::UpdateTableOutput&);
void delete_table(Context&, req::DeleteTableInput&, req::DeleteTableOutput&);
void tag_resource(Context&, req::TagResourceInput&);
void untag_resource(Context&, req::UntagResourceInput&);
void list_tags_of_resource(Context&, req::ListTagsOfResourceInput&, req::ListTagsOfResourceOutput&);
void describe_limits(Context&, req::DescribeLimitsInput&, req::DescribeLimitsOutput&);
void describe_endpoints(Context&, req::DescribeEndpointsRequest&, req::DescribeEndpointsResponse&);
void update_time_to_live(Context&, req::UpdateTimeToLiveInput&, req::UpdateTimeToLiveOutput&);
void describe_time_to_live(Context&, req::DescribeTimeToLiveInput&, req::DescribeTimeToLiveOutput&);

// api/streams.cpp (the DynamoDB Streams service)
void list_streams(Context&, streams_req::ListStreamsInput&, streams_req::ListStreamsOutput&);
void describe_stream(Context&, streams_req::DescribeStreamInput&, streams_req::DescribeStreamOutput&);
void get_shard_iterator(Context&, streams_req::GetShardIteratorInput&, streams_req::GetShardIteratorOutput&);
void get_records(Context&, streams_req::GetRecordsInput&, streams_req::GetRecordsOutput&);

// api/items.cpp
void put_item(Context&, req::PutItemInput&, req::PutItemOutput&);
void get_item(Context&, req::GetItemInput&, req::GetItemOutput&);
void update_item(Context&, req::UpdateItemInput&, req::UpdateItemOutput&);
void delete_item(Context&, req::DeleteItemInput&, req::DeleteItemOutput&);

// api/query_scan.cpp
void query(Context&, req::QueryInput&, req::QueryOutput&);
void scan(Context&, req::ScanInput&, req::ScanOutput&);

// api/transactions.cpp
void transact_write_items(Context&, req::TransactWriteItemsInput&, req::TransactWriteItemsOutput&);
void transact_get_items(Context&, req::TransactGetItemsInput&, req::TransactGetItemsOutput&);

// api/batch.cpp
void batch_get_item(Context&, req::BatchGetItemInput&, req::BatchGetItemOutput&);
void batch_write_item(Context&, req::BatchWriteItemInput&, req::BatchWriteItemOutput&);

}  // namespace ddb::api
