#include "server/options.h"

#include <charconv>

namespace ddb::server {

std::string usage() {
  return R"(Usage: ddblocal [options]
A local, DynamoDB-compatible server.

Options (DynamoDB Local's spellings in parentheses are accepted too):
  --port N                      port to listen on (default 8000)                (-port N)
  --host ADDR                   address to listen on (default 127.0.0.1; 0.0.0.0 for all)
  --in-memory                   keep everything in memory; nothing is written to disk (-inMemory)
  --data-dir DIR                where the RocksDB store lives (default ./data)  (-dbPath DIR)
  --shared-db                   one namespace for every access key and region   (-sharedDb)
  --cors ORIGINS                send CORS headers for these origins (comma-separated, or *)  (-cors ORIGINS)
  --delay-transient-statuses    tables stay CREATING/UPDATING for a moment, as in DynamoDB  (-delayTransientStatuses)
  --optimize-db-before-startup  compact the store before serving                (-optimizeDbBeforeStartup)
  --ttl-interval SECONDS        how often the TTL sweeper deletes expired items (default 1; decimals allowed)
  --shard-max-records N         a stream shard closes, and its child opens, after N records (default 100000)
  --shard-max-seconds N         ... or when it is N seconds old (default 14400: four hours)
  --stream-retention-seconds N  how long stream records are kept (default 86400: 24 hours)
  --iterator-expiry-seconds N   how long a shard iterator is valid (default 900: 15 minutes)
  --threads N                   request threads (default: one per usable CPU)
  --log-level LEVEL             trace, debug, info, warn, error or off (default info)
  --help                        print this help and exit                        (-help, -h)
)";
}

bool parse_options(const std::vector<std::string>& args, Options* o, std::string* error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) {
        *error = "missing value for " + a;
        return false;
      }
      *out = args[++i];
      return true;
    };
    auto number = [&](int* out, int min, int max) {
      std::string v;
      if (!value(&v)) return false;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
      if (ec != std::errc() || p != v.data() + v.size() || *out < min || *out > max) {
        *error = "invalid value for " + a + ": " + v;
        return false;
      }
      return true;
    };
    auto seconds = [&](double* out, double min, double max) {
      std::string v;
      if (!value(&v)) return false;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *out);
      if (ec != std::errc() || p != v.data() + v.size() || !(*out >= min && *out <= max)) {
        *error = "invalid value for " + a + ": " + v;
        return false;
      }
      return true;
    };
    if (a == "--port" || a == "-port") {
      if (!number(&o->port, 0, 65535)) return false;
    } else if (a == "--host") {
      if (!value(&o->host)) return false;
    } else if (a == "--in-memory" || a == "-inMemory") {
      o->in_memory = true;
    } else if (a == "--data-dir" || a == "-dbPath") {
      if (!value(&o->data_dir)) return false;
    } else if (a == "--shared-db" || a == "-sharedDb") {
      o->shared_db = true;
    } else if (a == "--cors" || a == "-cors") {
      if (!value(&o->cors)) return false;
    } else if (a == "--delay-transient-statuses" || a == "-delayTransientStatuses") {
      o->delay_transient_statuses = true;
    } else if (a == "--optimize-db-before-startup" || a == "-optimizeDbBeforeStartup") {
      o->optimize_db_before_startup = true;
    } else if (a == "--ttl-interval") {
      if (!seconds(&o->ttl_interval_seconds, 0.001, 86400)) return false;
    } else if (a == "--shard-max-records") {
      if (!seconds(&o->shard_max_records, 1, 1e12)) return false;
    } else if (a == "--shard-max-seconds") {
      if (!seconds(&o->shard_max_seconds, 0.001, 1e9)) return false;
    } else if (a == "--stream-retention-seconds") {
      if (!seconds(&o->stream_retention_seconds, 0.001, 1e9)) return false;
    } else if (a == "--iterator-expiry-seconds") {
      if (!seconds(&o->iterator_expiry_seconds, 0.001, 1e9)) return false;
    } else if (a == "--threads") {
      if (!number(&o->threads, 1, 1024)) return false;
    } else if (a == "--log-level") {
      if (!value(&o->log_level)) return false;
    } else if (a == "--help" || a == "-help" || a == "-h") {
      o->help = true;
    } else {
      *error = "unknown option: " + a;
      return false;
    }
  }
  return true;
}

}  // namespace ddb::server
