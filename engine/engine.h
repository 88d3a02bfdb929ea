// engine/engine.h — the one owner of the store, the catalog, the item store and every background worker.
//
// An Engine opens the store and everything built on it, and owns the work that outlives a request (the
// backfill of a new index, the TTL sweeper, the stream trimmer; the Lambda pollers next). Nothing runs
// in a fire-and-forget thread: every worker is started through the engine, sees a stop flag, and is joined by
// stop(), before the item store, the catalog and the store close (in that order). start() resumes the work a
// crash interrupted: every index left CREATING is backfilled again. Thread safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "storage/catalog.h"
#include "storage/store.h"
#include "streams/stream_log.h"

namespace ddb::storage {
class ItemStore;
}

namespace ddb {

struct EngineOptions {
  storage::StoreOptions store;
  int64_t index_ready_delay_millis = 0;  // how long a backfilled index stays CREATING (-delayTransientStatuses)
  streams::StreamLogOptions streams;
  int64_t ttl_interval_millis = 1000;  // how often the TTL sweeper looks for expired items
};

class Engine {
 public:
  // Opens the store (throws std::runtime_error with the reason when it cannot).
  explicit Engine(const EngineOptions& options);
  ~Engine();  // stop(), then closes the item store, the catalog and the store

  storage::Store& store() { return *store_; }
  storage::Catalog& catalog() { return *catalog_; }
  storage::ItemStore& items() { return *items_; }
  streams::StreamLog& streams() { return *streams_; }

  // Starts the work due at start: the backfill of every index a crash left CREATING, the TTL entries of tables
  // whose TTL was being enabled, the TTL sweeper and the stream trimmer.
  void start();
  // Asks every worker to stop and waits for them. Idempotent.
  void stop();

  // Writes the entries of the table's existing items into the new global index (CREATING, already published)
  // in a worker, then publishes it ACTIVE.
  void backfill_index(const storage::TableRef& table, uint32_t index_id);
  // Writes the TTL entries of the table's existing items (TTL was just enabled), in a worker.
  void backfill_ttl(const storage::TableRef& table);

  // One pass of the TTL sweeper: deletes every item whose TTL has expired (through the write path, as the
  // service: the stream gets REMOVE records with its identity); answers how many.
  size_t sweep_ttl(const std::atomic<bool>& stop);
  // One pass of the stream trimmer: records past the retention period, and disabled streams past it.
  void trim_streams();

 private:
  using Work = std::function<void(const std::atomic<bool>& stop)>;
  void run(Work work);
  // Sleeps up to millis; false when stop() interrupted the sleep.
  bool pause(int64_t millis);

  EngineOptions options_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::Catalog> catalog_;
  std::unique_ptr<streams::StreamLog> streams_;
  std::unique_ptr<storage::ItemStore> items_;

  std::mutex workers_mu_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  struct Worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::list<Worker> workers_;
};

}  // namespace ddb
