// Copies the write-ahead log into the database file on a thread of its own,
// so the writer goes on with its next transaction meanwhile; the store asks
// it to during bulk loads. A passive checkpoint takes no lock that a writer
// needs (https://sqlite.org/wal.html, "Concurrency"; sqlite3_wal_checkpoint_v2,
// SQLITE_CHECKPOINT_PASSIVE).
//
// The writer still decides when the log starts over: SQLite reuses the log
// from its first frame only when a write transaction begins with every frame
// already copied, which a checkpoint running beside the writer never
// guarantees (docs/decisions/storage.md, "Checkpoints").
#pragma once

#include <sqlite3.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite/sqlite_db.h"

namespace parcours::store::sqlite {

class WalCheckpointer {
 public:
  // A connection of its own to the database at `path`, which must already
  // be in WAL mode. `synchronous` is the writer's PRAGMA synchronous
  // statement: a checkpoint syncs the log and the database file as the
  // connection running it is told to.
  static Result<std::unique_ptr<WalCheckpointer>> start(const std::string& path, const char* synchronous) {
    auto c = Connection::open(path, /*busy_timeout_ms=*/0);
    if (!c) return std::move(c).error();
    if (auto s = (*c)->exec(synchronous, "setting the checkpointer's synchronous mode"); !s) return s.error();
    return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(*c)));
  }

  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;
  ~WalCheckpointer() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // Asks for one passive checkpoint. False, and nothing asked, while one is
  // still asked for or running.
  bool request() {
    {
      std::lock_guard lock(mu_);
      if (busy_) return false;
      busy_ = true;
    }
    cv_.notify_all();
    return true;
  }

  // Returns once no checkpoint is asked for or running.
  void wait_idle() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !busy_; });
  }

 private:
  explicit WalCheckpointer(std::unique_ptr<Connection> c)
      : conn_(std::move(c)), thread_([this] { loop(); }) {}

  void loop() {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return busy_ || stop_; });
      if (stop_) return;
      lock.unlock();
      // SQLITE_BUSY (another checkpoint, say that of a second process on the
      // same file) leaves the frames to the next one: nothing is lost.
      sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
      busy_ = false;
      cv_.notify_all();
    }
  }

  std::unique_ptr<Connection> conn_;  // this thread's only
  std::mutex mu_;
  std::condition_variable cv_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace parcours::store::sqlite
