#include "engine/engine.h"

#include <spdlog/spdlog.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "model/clock.h"
#include "model/error.h"
#include "storage/item_store.h"
#include "storage/key_codec.h"
#include "storage/mutation.h"

namespace ddb {

Engine::Engine(const EngineOptions& options) : options_(options) {
  store_ = storage::Store::open(options.store);
  catalog_ = std::make_unique<storage::Catalog>(*store_);
  streams_ = std::make_unique<streams::StreamLog>(*store_, options.streams);
  items_ = std::make_unique<storage::ItemStore>(*store_, *catalog_, *streams_);
}

Engine::~Engine() {
  stop();
  items_.reset();
  streams_.reset();
  catalog_.reset();
  store_.reset();
}

void Engine::start() {
  for (const storage::TableRef& table : catalog_->all()) {
    for (const auto& index : table->indexes) {
      if (index.status == "CREATING") {
        spdlog::info("resuming the backfill of index {} of table {}", index.name, table->name);
        backfill_index(table, index.id);
      }
    }
    // A backfill of TTL entries a crash interrupted runs again (it is idempotent).
    if (!table->ttl_attribute.empty() && !table->ttl_backfilled) backfill_ttl(table);
  }
  run([this](const std::atomic<bool>& stop) {
    // The sweeper yields the CPU to requests: a lower priority, and a pause between batches.
    setpriority(PRIO_PROCESS, pid_t(syscall(SYS_gettid)), 10);
    while (pause(options_.ttl_interval_millis)) sweep_ttl(stop);
  });
  run([this](const std::atomic<bool>&) {
    int64_t period = std::clamp<int64_t>(options_.streams.retention_millis / 4, 100, 60000);
    while (pause(period)) trim_streams();
  });
}

void Engine::backfill_ttl(const storage::TableRef& table) {
  run([this, table](const std::atomic<bool>& stop) {
    if (!items_->backfill_ttl(*table, stop)) return;  // stopped (resumed at the next start), or TTL changed
    catalog_->update(table->ns, table->name, [&](storage::TableDef& def, storage::WriteBatch&) {
      if (def.id == table->id && !def.ttl_attribute.empty() && def.ttl_enabled_millis == table->ttl_enabled_millis) {
        def.ttl_backfilled = true;
      }
    });
  });
}

size_t Engine::sweep_ttl(const std::atomic<bool>& stop) {
  namespace keys = storage::keys;
  size_t deleted = 0;
  for (const storage::TableRef& listed : catalog_->all()) {
    if (listed->ttl_attribute.empty()) continue;
    storage::TableRef table = listed;
    // In bounded batches of entries, each item deleted by its own commit: requests are never held up.
    constexpr size_t kBatch = 64;
    for (;;) {
      if (stop.load()) return deleted;
      int64_t now = now_millis() / 1000;
      std::vector<std::string> entries;
      {
        std::string begin = keys::id_prefix(keys::kTtl, table->id), end = begin;
        keys::append_u64(end, uint64_t(now) + 1);
        auto cur = store_->cursor();
        for (cur->seek(begin); cur->valid() && cur->key() < std::string_view(end) && entries.size() < kBatch;
             cur->next()) {
          entries.emplace_back(cur->key());
        }
      }
      if (entries.empty()) break;
      for (std::string& entry : entries) {
        std::string item_key = storage::item_key_of_ttl_entry(entry);
        storage::Mutation m = storage::Mutation::expire(table, std::move(item_key), std::move(entry), now);
        try {
          items_->commit(m);
        } catch (const Error&) {
          return deleted;  // the table is gone
        }
        if (m.outcome.change == storage::Change::Delete) ++deleted;
        table = m.table;  // the version the commit used
      }
      if (entries.size() < kBatch) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  return deleted;
}

void Engine::trim_streams() {
  int64_t now = now_millis();
  int64_t retention = options_.streams.retention_millis;
  // A deleted table's streams: readable until the last was disabled longer ago than the retention period.
  for (const storage::TableRef& table : catalog_->retired()) {
    bool expired = true;
    for (const auto& stream : table->streams) {
      streams_->trim(stream.id, now);
      expired = expired && now - stream.disabled_millis >= retention;
    }
    if (expired) {
      catalog_->drop_retired(*table, [&](const storage::TableDef& def, storage::WriteBatch& batch) {
        for (const auto& s : def.streams) streams_->erase(batch, s.id);
      });
    }
  }
  for (const storage::TableRef& table : catalog_->all()) {
    for (const auto& stream : table->streams) {
      streams_->trim(stream.id, now);
      if (stream.disabled_millis && now - stream.disabled_millis >= retention) {
        // A disabled stream is readable for the retention period, then gone.
        uint32_t id = stream.id;
        catalog_->update(table->ns, table->name, [&](storage::TableDef& def, storage::WriteBatch& batch) {
          if (def.id != table->id) return;
          std::erase_if(def.streams, [&](const storage::StreamDef& s) { return s.id == id; });
          streams_->erase(batch, id);
        });
      }
    }
  }
}

void Engine::stop() {
  {
    std::lock_guard lock(workers_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  std::list<Worker> workers;
  {
    std::lock_guard lock(workers_mu_);
    workers.swap(workers_);
  }
  for (auto& w : workers) w.thread.join();
}

bool Engine::pause(int64_t millis) {
  std::unique_lock lock(workers_mu_);
  return !stop_cv_.wait_for(lock, std::chrono::milliseconds(millis), [&] { return stopping_.load(); });
}

void Engine::run(Work work) {
  std::lock_guard lock(workers_mu_);
  if (stopping_) return;
  // Join the workers that have finished, so that threads do not pile up.
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (it->done) {
      it->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  Worker& w = workers_.emplace_back();
  w.thread = std::thread([this, &w, work = std::move(work)] {
    try {
      work(stopping_);
    } catch (const std::exception& e) {
      spdlog::error("background work failed: {}", e.what());
    }
    w.done = true;
  });
}

void Engine::backfill_index(const storage::TableRef& table, uint32_t index_id) {
  run([this, table, index_id](const std::atomic<bool>& stop) {
    if (!items_->backfill(*table, index_id, stop)) return;  // stopped (resumed at the next start), or gone
    if (options_.index_ready_delay_millis > 0 && !pause(options_.index_ready_delay_millis)) return;
    catalog_->update(table->ns, table->name, [index_id](storage::TableDef& def, storage::WriteBatch&) {
      for (auto& i : def.indexes) {
        if (i.id == index_id && i.status == "CREATING") i.status = "ACTIVE";
      }
    });
  });
}

}  // namespace ddb
