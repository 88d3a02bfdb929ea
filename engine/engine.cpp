#include "engine/engine.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "storage/item_store.h"

namespace ddb {

Engine::Engine(const EngineOptions& options) : options_(options) {
  store_ = storage::Store::open(options.store);
  catalog_ = std::make_unique<storage::Catalog>(*store_);
  items_ = std::make_unique<storage::ItemStore>(*store_, *catalog_);
}

Engine::~Engine() {
  stop();
  items_.reset();
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
