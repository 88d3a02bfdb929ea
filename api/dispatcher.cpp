#include "api/dispatcher.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <type_traits>
#include <unordered_map>
#include <vector>

#include "api/context.h"
#include "api/requests.h"
#include "api/streams_requests.h"
#include "engine/engine.h"
#include "model/error.h"
#include "model/json_writer.h"
#include "storage/catalog.h"
#include "storage/item_store.h"
#include "storage/store.h"

namespace ddb::api {

namespace {

// An operation as the dispatcher calls it: with the parsed body, which typed<> decodes.
using Operation = void (*)(Context& ctx, const simdjson::dom::element& body, JsonWriter& out);

struct OperationEntry {
  Operation handler;
};

// What an operation's handler takes: its typed request, and its typed response to fill (none for an operation
// whose model has no output: its answer is {}).
template <class F>
struct HandlerTypes;
template <class In, class Out>
struct HandlerTypes<void (*)(Context&, In&, Out&)> {
  using Input = In;
  using Output = Out;
};
template <class In>
struct HandlerTypes<void (*)(Context&, In&)> {
  using Input = In;
  using Output = void;
};

// An operation that takes its typed request (api/requests.h): the body is decoded once, into its input, with
// every check of the service model, and handed over; the handler fills its output, which is encoded here, the
// one place an answer is written.
template <auto Handler>
void typed(Context& ctx, const simdjson::dom::element& body, JsonWriter& w) {
  using Types = HandlerTypes<decltype(Handler)>;
  typename Types::Input in;
  decode(body, in);  // (found by argument: req:: or streams_req::)
  if constexpr (std::is_void_v<typename Types::Output>) {
    Handler(ctx, in);
    w.begin_object().end_object();
  } else {
    typename Types::Output out;
    Handler(ctx, in, out);
    encode(w, out);
  }
}
using Operations = std::unordered_map<std::string_view, OperationEntry>;

// Every DynamoDB operation ddblocal serves, each taking its typed request, looked up once per request.
const Operations& dynamodb_operations() {
  static const std::unordered_map<std::string_view, OperationEntry> ops = [] {
    const std::pair<std::string_view, Operation> handlers[] = {
        {"CreateTable", typed<create_table>},
        {"DescribeTable", typed<describe_table>},
        {"ListTables", typed<list_tables>},
        {"UpdateTable", typed<update_table>},
        {"DeleteTable", typed<delete_table>},
        {"TagResource", typed<tag_resource>},
        {"UntagResource", typed<untag_resource>},
        {"ListTagsOfResource", typed<list_tags_of_resource>},
        {"DescribeLimits", typed<describe_limits>},
        {"DescribeEndpoints", typed<describe_endpoints>},
        {"PutItem", typed<put_item>},
        {"GetItem", typed<get_item>},
        {"UpdateItem", typed<update_item>},
        {"DeleteItem", typed<delete_item>},
        {"BatchGetItem", typed<batch_get_item>},
        {"BatchWriteItem", typed<batch_write_item>},
        {"Query", typed<query>},
        {"TransactWriteItems", typed<transact_write_items>},
        {"TransactGetItems", typed<transact_get_items>},
        {"Scan", typed<scan>},
        {"UpdateTimeToLive", typed<update_time_to_live>},
        {"DescribeTimeToLive", typed<describe_time_to_live>},
    };
    std::unordered_map<std::string_view, OperationEntry> map;
    for (const auto& [name, run] : handlers) map.emplace(name, OperationEntry{run});
    return map;
  }();
  return ops;
}

// The DynamoDB Streams operations (api/streams.cpp).
const Operations& streams_operations() {
  static const Operations ops = {
      {"ListStreams", {typed<list_streams>}},
      {"DescribeStream", {typed<describe_stream>}},
      {"GetShardIterator", {typed<get_shard_iterator>}},
      {"GetRecords", {typed<get_records>}},
  };
  return ops;
}

// "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, ..." -> access key, region.
bool parse_credential(std::string_view auth, std::string_view* access_key, std::string_view* region) {
  size_t p = auth.find("Credential=");
  if (p == std::string_view::npos) return false;
  std::string_view cred = auth.substr(p + 11);
  cred = cred.substr(0, cred.find_first_of(", "));
  size_t slash1 = cred.find('/');
  if (slash1 == std::string_view::npos || slash1 == 0) return false;
  *access_key = cred.substr(0, slash1);
  std::string_view rest = cred.substr(slash1 + 1);  // date/region/service/aws4_request
  size_t slash2 = rest.find('/');
  if (slash2 == std::string_view::npos) return false;
  rest = rest.substr(slash2 + 1);
  *region = rest.substr(0, rest.find('/'));
  return !region->empty();
}

// The namespace part of "__type": the framework's own errors and the service's errors differ, as on the wire.
const char* error_namespace(const std::string& type) {
  if (type == "ValidationException") return "com.amazon.coral.validate#";
  if (type == "SerializationException" || type == "UnknownOperationException" ||
      type == "MissingAuthenticationTokenException" || type == "InternalFailure" || type == "AccessDeniedException" ||
      type == "IncompleteSignatureException") {
    return "com.amazon.coral.service#";
  }
  return "com.amazonaws.dynamodb.v20120810#";
}

void write_error(const Error& e, ApiResponse& response) {
  response.status = e.http_status();
  response.body.clear();
  JsonWriter w(response.body);
  w.begin_object();
  w.member("__type", std::string(error_namespace(e.type())) + e.type());
  // The service's JSON deserialiser writes "Message"; everything else writes "message".
  bool capitalised = e.type() == "SerializationException" || e.type() == "AccessDeniedException";
  if (!e.message().empty()) w.member(capitalised ? "Message" : "message", e.message());
  w.end_object();
  if (!e.extra_members().empty()) {
    response.body.pop_back();
    response.body.append(",").append(e.extra_members()).append("}");
  }
}

// The JSON-protocol services, by the prefix of X-Amz-Target.
struct Service {
  std::string_view target_prefix;
  const Operations& (*operations)();
};
constexpr Service kServices[] = {
    {"DynamoDB_20120810.", dynamodb_operations},
    {"DynamoDBStreams_20120810.", streams_operations},
};

// A REST path: the routes of one method, by path prefix (the longest prefix wins).
struct Route {
  std::string_view method;
  std::string_view path_prefix;
  void (*handler)(const ApiRequest&, ApiResponse&);
};

// Readiness checks (load balancers, docker HEALTHCHECK, testcontainers) get DynamoDB Local's answer.
void health(const ApiRequest&, ApiResponse& response) {
  response.status = 200;
  response.content_type = "text/plain";
  response.body = "healthy: dynamodb.us-east-1.amazonaws.com ";
}

constexpr Route kRoutes[] = {
    {"GET", "/", health},
    {"HEAD", "/", health},
};

const Route* find_route(const ApiRequest& request) {
  const Route* best = nullptr;
  for (const Route& r : kRoutes) {
    if (r.method == request.method && request.path.substr(0, r.path_prefix.size()) == r.path_prefix &&
        (!best || r.path_prefix.size() > best->path_prefix.size())) {
      best = &r;
    }
  }
  return best;
}

}  // namespace

struct Dispatcher::State {
  Engine& engine;
  ApiConfig config;
};

Dispatcher::Dispatcher(Engine& engine, ApiConfig config) : state_(std::make_unique<State>(State{engine, config})) {}
Dispatcher::~Dispatcher() = default;

void Dispatcher::handle(const ApiRequest& request, ApiResponse& response) {
  response.status = 200;
  response.body.clear();
  response.content_type = request.content_type;
  const Route* route = find_route(request);
  // A REST path of its own goes to its route; the JSON protocol is spoken at the root.
  if (route && route->path_prefix != "/") return route->handler(request, response);
  if (request.method == "POST" && !request.content_type.empty()) return handle_json(request, response);
  if (route) return route->handler(request, response);
  // Other methods, and POSTs of another content type, are not DynamoDB requests: the service answers 404.
  response.status = 404;
  response.content_type = "text/plain";
  response.body = "<UnknownOperationException/>\n";
}

void Dispatcher::handle_json(const ApiRequest& request, ApiResponse& response) {
  try {
    // The order of checks is the service's: JSON syntax, operation, credentials, then the body's shape.
    thread_local simdjson::dom::parser parser;
    thread_local simdjson::padded_string buffer;
    simdjson::dom::element body;
    if (!request.body.empty()) {
      // simdjson reads SIMDJSON_PADDING bytes past the end: parse from a reused padded copy.
      if (buffer.size() < request.body.size()) buffer = simdjson::padded_string(request.body.size() * 2);
      std::memcpy(buffer.data(), request.body.data(), request.body.size());
      if (parser.parse(buffer.data(), request.body.size(), false).get(body) != simdjson::SUCCESS) {
        throw Error("SerializationException", "");
      }
    }
    const Operations* operations = nullptr;
    std::string_view op_name;
    for (const Service& service : kServices) {
      if (request.target.substr(0, service.target_prefix.size()) == service.target_prefix) {
        operations = &service.operations();
        op_name = request.target.substr(service.target_prefix.size());
      }
    }
    if (!operations) throw Error("UnknownOperationException", "");
    auto op = operations->find(op_name);
    if (op == operations->end()) throw Error("UnknownOperationException", "");

    std::string_view access_key, region;
    if (request.authorization.substr(0, 5) != "AWS4-") {
      throw Error("MissingAuthenticationTokenException", "Request is missing Authentication Token");
    }
    if (!parse_credential(request.authorization, &access_key, &region)) {
      throw Error("IncompleteSignatureException",
                  "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' "
                  "parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=" +
                      std::string(request.authorization));
    }
    if (request.body.empty()) throw Error("SerializationException", "");

    thread_local std::string ns;  // reused: no allocation per request
    if (state_->config.shared_db) {
      ns.assign("shared");
    } else {
      ns.assign(access_key).append("_").append(region);
    }
    Engine& engine = state_->engine;
    Context ctx{engine.store(), engine.catalog(), engine.items(), state_->config, engine, ns, region};
    JsonWriter out(response.body);
    op->second.handler(ctx, body, out);
  } catch (const Error& e) {
    write_error(e, response);
  } catch (const std::exception& e) {
    spdlog::error("internal error on {}: {}", request.target, e.what());
    write_error(Error::internal(), response);
  }
}

}  // namespace ddb::api
