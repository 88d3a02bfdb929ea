// fuzz_requests — whole requests through api::Dispatcher::handle on an in-memory store.
//
// Input: one byte choosing the operation (kOperations, the list api/dispatcher.cpp serves), then the JSON
// body, sent as an SDK sends it to the World of fuzz_world.h (its fixture tables, rebuilt after
// writes_per_world() inputs whose operation may write; a crash writes the inputs since the last rebuild to
// fuzz_requests-history/).
//
// The answer must be a JSON object with status 200 or 400 (a 400 names its __type); a 500 is a bug (the
// dispatcher answers InternalServerError for an exception that is not a ddb::Error). FUZZ_REQUESTS_VERBOSE=1
// prints every answer.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/fuzz/fuzz_world.h"

using namespace ddb;
using ddb::fuzz::fuzz_fail;

namespace {

struct Operation {
  const char* name;
  bool writes;  // may change the store
};

// The operations of api/dispatcher.cpp (DynamoDB's, and the Streams service's by their targets). Seeds
// (tests/fuzz/make_seeds.py) use these indexes; a body's @ARN@ and @ITER@ name the fixture's stream and an
// iterator of it.
constexpr Operation kOperations[] = {
    {"CreateTable", true},     {"DescribeTable", false},     {"ListTables", false},       {"UpdateTable", true},
    {"DeleteTable", true},     {"TagResource", true},        {"UntagResource", true},     {"ListTagsOfResource", false},
    {"DescribeLimits", false}, {"DescribeEndpoints", false}, {"PutItem", true},           {"GetItem", false},
    {"UpdateItem", true},      {"DeleteItem", true},         {"BatchGetItem", false},     {"BatchWriteItem", true},
    {"Query", false},          {"TransactWriteItems", true}, {"TransactGetItems", false}, {"Scan", false},
    {"UpdateTimeToLive", true}, {"DescribeTimeToLive", false},
    {"DynamoDBStreams_20120810.ListStreams", false},      {"DynamoDBStreams_20120810.DescribeStream", false},
    {"DynamoDBStreams_20120810.GetShardIterator", false}, {"DynamoDBStreams_20120810.GetRecords", false},
};
constexpr size_t kOperationCount = sizeof(kOperations) / sizeof(kOperations[0]);

void check_response(std::string_view operation, std::string_view body, const api::ApiResponse& response) {
  auto fail = [&](const std::string& what) {
    fuzz::History::write();
    fuzz_fail(what + "\n  operation: " + std::string(operation) + "\n  request: " + std::string(body) +
              "\n  status: " + std::to_string(response.status) + "\n  response: " + response.body);
  };
  if (response.status != 200 && response.status != 400) fail("a status other than 200 or 400");
  thread_local simdjson::dom::parser parser;
  simdjson::padded_string padded(response.body);
  simdjson::dom::element e;
  if (parser.parse(padded).get(e) != simdjson::SUCCESS) fail("the response is not JSON");
  if (!e.is_object()) fail("the response is not a JSON object");
  if (response.status == 400) {
    std::string_view type;
    if (e["__type"].get(type) != simdjson::SUCCESS || type.find('#') == std::string_view::npos) {
      fail("an error without a __type");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::History::install("fuzz_requests");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static fuzz::World world;
  static const int kWritesPerWorld = fuzz::writes_per_world();
  static const bool verbose = std::getenv("FUZZ_REQUESTS_VERBOSE") != nullptr;
  static int writes = 0;
  if (writes >= kWritesPerWorld) {
    world.rebuild();
    fuzz::History::clear();
    writes = 0;
  }
  fuzz::History::add(data, size);
  const Operation& op = kOperations[data[0] % kOperationCount];
  std::string body = world.with_stream(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  api::ApiResponse response;
  world.handle(op.name, body, response);
  writes += op.writes;
  if (verbose) std::fprintf(stderr, "%s %d %s\n", op.name, response.status, response.body.c_str());
  check_response(op.name, body, response);
  return 0;
}
