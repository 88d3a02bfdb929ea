// ddblocal — a local, DynamoDB-compatible server. See README.md and DESIGN.md.
#include <sched.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <exception>

#include "api/dispatcher.h"
#include "engine/engine.h"
#include "server/http_server.h"
#include "server/options.h"
#include <algorithm>

namespace {

int usable_cpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto started = std::chrono::steady_clock::now();
  ddb::server::Options options;
  std::string error;
  if (!ddb::server::parse_options(std::vector<std::string>(argv + 1, argv + argc), &options, &error)) {
    std::fprintf(stderr, "ddblocal: %s\n\n%s", error.c_str(), ddb::server::usage().c_str());
    return 2;
  }
  if (options.help) {
    std::fputs(ddb::server::usage().c_str(), stdout);
    return 0;
  }
  spdlog::set_level(spdlog::level::from_str(options.log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  try {
    ddb::EngineOptions engine_options;
    engine_options.store.data_dir = options.data_dir;
    engine_options.store.in_memory = options.in_memory;
    engine_options.index_ready_delay_millis = options.delay_transient_statuses ? 1000 : 0;
    engine_options.ttl_interval_millis = std::max<int64_t>(1, int64_t(options.ttl_interval_seconds * 1000));
    engine_options.streams.shard_max_records = uint64_t(options.shard_max_records);
    engine_options.streams.shard_max_millis = std::max<int64_t>(1, int64_t(options.shard_max_seconds * 1000));
    engine_options.streams.retention_millis = std::max<int64_t>(1, int64_t(options.stream_retention_seconds * 1000));
    ddb::Engine engine(engine_options);
    spdlog::debug("store open after {:.1f} ms",
                  std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
    if (options.optimize_db_before_startup) engine.store().compact();
    engine.start();

    ddb::api::ApiConfig config;
    config.shared_db = options.shared_db;
    config.transient_delay_millis = engine_options.index_ready_delay_millis;
    config.iterator_expiry_millis = std::max<int64_t>(1, int64_t(options.iterator_expiry_seconds * 1000));
    ddb::api::Dispatcher dispatcher(engine, config);

    ddb::server::HttpServerOptions http_options;
    http_options.host = options.host;
    http_options.port = options.port;
    http_options.threads = options.threads > 0 ? options.threads : usable_cpus();
    http_options.cors = options.cors;
    ddb::server::HttpServer server(dispatcher, http_options);
    int port = server.listen();
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    spdlog::info("ddblocal listening on http://{}:{} ({}, {} threads) — ready in {:.1f} ms", options.host, port,
                 options.in_memory ? "in memory" : "data in " + options.data_dir, http_options.threads, ms);
    server.run();
    spdlog::info("stopped; closing the store");
    engine.stop();
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return 1;
  }
  return 0;
}
