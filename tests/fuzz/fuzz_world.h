// tests/fuzz/fuzz_world.h — the in-memory ddblocal that fuzz_requests and fuzz_http send requests to.
//
// A World is an Engine on an in-memory store, a Dispatcher, and a fixture: four tables (hash-only "items",
// hash+range "items2", binary keys "itemsb" (provisioned), and "q_main" with three GSIs and an LSI, as
// tests/integration/data/query_tables.json defines it) holding a few items; tests/fuzz/make_seeds.py maps
// recorded table names onto these. Rebuilding it takes about 20 ms under the sanitizers, so a target rebuilds
// it after a number of inputs that may write (writes_per_world(): FUZZ_WRITES_PER_WORLD in the environment,
// default 200; 1 makes every input start from the fixture). A crash may so depend on the inputs before it:
// History keeps the inputs since the last rebuild and writes them, in order, to <target>-history/ when the
// target fails (replay them with `<target> <target>-history/*`). Include from one source file of a target.
#pragma once

#include <sanitizer/common_interface_defs.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/dispatcher.h"
#include "engine/engine.h"
#include "tests/fuzz/fuzz_support.h"

namespace ddb::fuzz {

constexpr std::string_view kAuthorization =
    "AWS4-HMAC-SHA256 Credential=fuzz/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0";

const char* const kFixture[][2] = {
    {"CreateTable",
     R"({"TableName":"items","BillingMode":"PAY_PER_REQUEST",
         "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
         "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
         "StreamSpecification":{"StreamEnabled":true,"StreamViewType":"NEW_AND_OLD_IMAGES"}})"},
    {"UpdateTimeToLive", R"({"TableName":"items","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"n"}})"},
    {"CreateTable",
     R"({"TableName":"items2","BillingMode":"PAY_PER_REQUEST",
         "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],
         "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]})"},
    {"CreateTable",
     R"({"TableName":"itemsb","BillingMode":"PROVISIONED",
         "ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5},
         "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"B"},{"AttributeName":"sk","AttributeType":"B"}],
         "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]})"},
    {"CreateTable",
     R"({"TableName":"q_main","BillingMode":"PAY_PER_REQUEST",
         "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},
           {"AttributeName":"status","AttributeType":"S"},{"AttributeName":"created","AttributeType":"N"},
           {"AttributeName":"owner","AttributeType":"S"},{"AttributeName":"city","AttributeType":"S"}],
         "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
         "GlobalSecondaryIndexes":[
           {"IndexName":"byStatus","KeySchema":[{"AttributeName":"status","KeyType":"HASH"},
              {"AttributeName":"created","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}},
           {"IndexName":"byOwner","KeySchema":[{"AttributeName":"owner","KeyType":"HASH"}],
              "Projection":{"ProjectionType":"KEYS_ONLY"}},
           {"IndexName":"byCity","KeySchema":[{"AttributeName":"city","KeyType":"HASH"},
              {"AttributeName":"sk","KeyType":"RANGE"}],
              "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["name"]}}],
         "LocalSecondaryIndexes":[
           {"IndexName":"byCreated","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},
              {"AttributeName":"created","KeyType":"RANGE"}],
              "Projection":{"ProjectionType":"INCLUDE","NonKeyAttributes":["status"]}}]})"},
    {"PutItem",
     R"({"TableName":"items","Item":{"pk":{"S":"a"},"n":{"N":"5"},"s":{"S":"abc"},"ss":{"SS":["x","y"]},
         "ns":{"NS":["1","2"]},"l":{"L":[{"N":"0"},{"M":{"c":{"S":"c1"}}}]},"m":{"M":{"b":{"M":{"c":{"S":"deep"}}}}},
         "t":{"BOOL":true},"z":{"NULL":true},"b":{"B":"AQI="},"bs":{"BS":["AA==","/w=="]}}})"},
    {"PutItem", R"({"TableName":"items","Item":{"pk":{"S":"b"},"n":{"N":"-1.5"}}})"},
    {"PutItem", R"({"TableName":"items2","Item":{"pk":{"S":"p"},"sk":{"N":"1"},"x":{"N":"1"}}})"},
    {"PutItem", R"({"TableName":"items2","Item":{"pk":{"S":"p"},"sk":{"N":"-2.5"},"x":{"S":"y"}}})"},
    {"PutItem", R"({"TableName":"items2","Item":{"pk":{"S":"p"},"sk":{"N":"1E+10"}}})"},
    {"PutItem", R"({"TableName":"itemsb","Item":{"pk":{"B":"AA=="},"sk":{"B":"AAE="},"v":{"S":"v"}}})"},
    {"PutItem",
     R"({"TableName":"q_main","Item":{"pk":{"S":"p1"},"sk":{"N":"-100"},"name":{"S":"p1--100"},"n":{"N":"0"},
         "status":{"S":"active"},"created":{"N":"-10"},"owner":{"S":"alice"},"city":{"S":"Paris"},
         "tags":{"SS":["t0","all"]}}})"},
    {"PutItem",
     R"({"TableName":"q_main","Item":{"pk":{"S":"p1"},"sk":{"N":"3"},"name":{"S":"p1-3"},"n":{"N":"5"},
         "status":{"S":"inactive"},"created":{"N":"4"},"city":{"S":"Berlin"}}})"},
    {"PutItem", R"({"TableName":"q_main","Item":{"pk":{"S":"p2"},"sk":{"N":"0"},"owner":{"S":"bob"}}})"},
};

class World {
 public:
  World() { rebuild(); }

  void handle(const api::ApiRequest& request, api::ApiResponse& response) { dispatcher_->handle(request, response); }

  // A DynamoDB operation as the SDKs send it (an operation of another service with its target prefix:
  // "DynamoDBStreams_20120810.GetRecords").
  void handle(std::string_view operation, std::string_view body, api::ApiResponse& response) {
    std::string target = operation.find('.') == std::string_view::npos ? "DynamoDB_20120810." + std::string(operation)
                                                                        : std::string(operation);
    api::ApiRequest request{.method = "POST",
                            .path = "/",
                            .target = target,
                            .content_type = "application/x-amz-json-1.0",
                            .authorization = kAuthorization,
                            .body = body};
    handle(request, response);
  }

  void rebuild() {
    dispatcher_.reset();
    engine_.reset();  // joins its background work, then closes the stores
    EngineOptions options;
    options.store.in_memory = true;
    engine_ = std::make_unique<Engine>(options);
    engine_->start();
    dispatcher_ = std::make_unique<api::Dispatcher>(*engine_, api::ApiConfig{});
    api::ApiResponse response;
    for (const auto& [operation, body] : kFixture) {
      handle(operation, body, response);
      if (response.status != 200) fuzz_fail(std::string("the fixture failed: ") + operation + ": " + response.body);
    }
    // The stream of "items" and an iterator at its start, which requests name as @ARN@ and @ITER@ (its label is
    // the creation time: seeds cannot know it).
    handle("DescribeTable", R"({"TableName":"items"})", response);
    std::string_view body = response.body;
    size_t at = body.find("\"LatestStreamArn\":\"");
    if (at == std::string_view::npos) fuzz_fail("the fixture table has no stream");
    body.remove_prefix(at + 19);
    stream_arn_ = std::string(body.substr(0, body.find('"')));
    handle("DynamoDBStreams_20120810.DescribeStream", R"({"StreamArn":")" + stream_arn_ + R"("})", response);
    body = response.body;
    at = body.find("\"ShardId\":\"");
    if (at == std::string_view::npos) fuzz_fail("the fixture stream has no shard");
    body.remove_prefix(at + 11);
    std::string shard(body.substr(0, body.find('"')));
    handle("DynamoDBStreams_20120810.GetShardIterator",
           R"({"StreamArn":")" + stream_arn_ + R"(","ShardId":")" + shard + R"(","ShardIteratorType":"TRIM_HORIZON"})",
           response);
    body = response.body;
    at = body.find("\"ShardIterator\":\"");
    if (at == std::string_view::npos) fuzz_fail("no shard iterator: " + response.body);
    body.remove_prefix(at + 17);
    iterator_ = std::string(body.substr(0, body.find('"')));
  }

  // The body with @ARN@ and @ITER@ replaced by the fixture stream's ARN and a valid iterator.
  std::string with_stream(std::string_view body) const {
    std::string out(body);
    for (auto [mark, value] : {std::pair<std::string_view, const std::string*>{"@ARN@", &stream_arn_},
                               {"@ITER@", &iterator_}}) {
      for (size_t at = out.find(mark); at != std::string::npos; at = out.find(mark, at + value->size())) {
        out.replace(at, mark.size(), *value);
      }
    }
    return out;
  }

 private:
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<api::Dispatcher> dispatcher_;
  std::string stream_arn_, iterator_;
};

inline int writes_per_world() {
  const char* env = std::getenv("FUZZ_WRITES_PER_WORLD");
  int n = env ? std::atoi(env) : 0;
  return n > 0 ? n : 200;
}

// The inputs since the last rebuild of the world.
class History {
 public:
  // Installs the sanitizers' death callback that writes the history to <target>-history/.
  static void install(const char* target) {
    target_ = target;
    __sanitizer_set_death_callback(write);
  }
  static void add(const uint8_t* data, size_t size) {
    inputs().emplace_back(reinterpret_cast<const char*>(data), size);
  }
  static void clear() { inputs().clear(); }

  static void write() {
    namespace fs = std::filesystem;
    std::string dir = std::string(target_) + "-history";
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directory(dir, ec);
    for (size_t i = 0; i < inputs().size(); ++i) {
      char name[32];
      std::snprintf(name, sizeof(name), "/%06zu", i);
      std::ofstream(dir + name, std::ios::binary) << inputs()[i];
    }
    std::fprintf(stderr, "%s: the %zu inputs since the last rebuild of the world are in %s/\n", target_,
                 inputs().size(), dir.c_str());
  }

 private:
  static std::vector<std::string>& inputs() {
    static std::vector<std::string> v;
    return v;
  }
  static inline const char* target_ = "fuzz";
};

}  // namespace ddb::fuzz

// Thread-local destructors registered during an input (glibc keeps them where LeakSanitizer does not look)
// are not leaks.
extern "C" const char* __lsan_default_suppressions() { return "leak:__cxa_thread_atexit_impl\n"; }
