// server/options.h — the command line of build/ddblocal.
//
// ddblocal's own flags (--port, --in-memory, ...) and, as aliases, those of Amazon's DynamoDB Local
// (-port, -inMemory, -sharedDb, -dbPath, -cors, -delayTransientStatuses, -optimizeDbBeforeStartup, -help)
// so that existing docker-compose files and testcontainers setups work unchanged.
#pragma once

#include <string>
#include <vector>

namespace ddb::server {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8000;
  bool in_memory = false;
  std::string data_dir = "./data";
  bool shared_db = false;
  std::string log_level = "info";
  std::string cors;  // allowed origins ("*" for any); empty: CORS headers are not sent
  bool delay_transient_statuses = false;
  bool optimize_db_before_startup = false;
  double ttl_interval_seconds = 1;
  double shard_max_records = 100000;
  double shard_max_seconds = 4 * 3600;
  double stream_retention_seconds = 24 * 3600;
  double iterator_expiry_seconds = 15 * 60;
  int threads = 0;  // 0: one per CPU the process may run on
  bool help = false;
};

// Parses argv; on a bad flag returns false and sets *error.
bool parse_options(const std::vector<std::string>& args, Options* options, std::string* error);
std::string usage();

}  // namespace ddb::server
