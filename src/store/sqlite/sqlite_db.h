// Thin RAII layer over the SQLite C API: a connection that caches its
// prepared statements, and a scoped use of one statement. Header-only so the
// store library's source list stays one file per backend.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/result.h"

namespace parcours::store::sqlite {

// Every SQLite failure becomes a 500 "exception" carrying the engine's own
// message. SQL text is never included: bound values may be patient data, and
// the statement text itself says nothing useful to a client.
inline Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string msg = "storage error while ";
  msg += what;
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  msg += " (sqlite code " + std::to_string(rc) + ")";
  return internal_error(std::move(msg));
}

// One use of a cached statement: bind, step, read columns. Resetting on scope
// exit releases the statement's read locks and makes it reusable.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Query(Query&& other) noexcept
      : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query& operator=(Query&&) = delete;
  ~Query() {
    if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }

  // Text is bound without copying: the caller keeps it alive until the last
  // step(), which every call site does by binding locals.
  Query& bind(int i, std::string_view v) {
    note(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8));
    return *this;
  }
  Query& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  // A temporary string would be gone by the first step(): refused at compile
  // time (it once bound "#" + type and read freed memory).
  Query& bind(int i, std::string&& v) = delete;
  // Without this, a string literal would silently bind as bool.
  Query& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Query& bind(int i, std::int64_t v) {
    note(sqlite3_bind_int64(stmt_, i, v));
    return *this;
  }
  Query& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Query& bind_double(int i, double v) {
    note(sqlite3_bind_double(stmt_, i, v));
    return *this;
  }
  Query& bind_blob(int i, std::string_view v) {
    note(sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_STATIC));
    return *this;
  }
  Query& bind(int i, bool v) { return bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
  Query& bind_null(int i) {
    note(sqlite3_bind_null(stmt_, i));
    return *this;
  }
  // Binds a string, or NULL when it is empty.
  Query& bind_or_null(int i, std::string_view v) { return v.empty() ? bind_null(i) : bind(i, v); }

  // One step: true when a row is available, false when the statement is done.
  Result<bool> step() {
    if (bind_rc_ != SQLITE_OK) return sqlite_error(db_, bind_rc_, "binding a value");
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqlite_error(db_, rc, "executing a statement");
  }
  // Steps to completion, ignoring any rows.
  Status run() {
    for (;;) {
      auto r = step();
      if (!r) return std::move(r).error();
      if (!*r) return Status::Ok();
    }
  }

  // Highest parameter number the statement uses.
  int parameters() const { return sqlite3_bind_parameter_count(stmt_); }

  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }
  int type(int col) const { return sqlite3_column_type(stmt_, col); }  // SQLITE_INTEGER...
  int columns() const { return sqlite3_column_count(stmt_); }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string_view text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    if (!p) return {};
    return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))};
  }

 private:
  void note(int rc) {
    if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

// Process-wide settings, applied once before SQLite initialises itself
// (sqlite3_config is refused after that, and the call is then harmless).
// No memory statistics (SQLITE_CONFIG_MEMSTATUS): Debian's SQLite is built
// without the lookaside allocator, so every small allocation is a malloc,
// and with the statistics on each one also takes a global mutex: 3.8% of
// the writer thread's time in the 100k import (docs/performance.md).
// Parcours reads none of them.
inline void configure_library() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

// One database connection, used by one thread at a time (opened with
// SQLITE_OPEN_NOMUTEX). Statements are prepared once and kept.
class Connection {
 public:
  static Result<std::unique_ptr<Connection>> open(const std::string& path, int busy_timeout_ms) {
    configure_library();
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      Error e = sqlite_error(db, rc, "opening the database");
      sqlite3_close_v2(db);
      return e;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, busy_timeout_ms);
    return std::unique_ptr<Connection>(new Connection(db));
  }

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    for (auto& [sql, entry] : text_cache_) sqlite3_finalize(entry.first);
    sqlite3_close_v2(db_);
  }

  sqlite3* db() const { return db_; }

  // `sql` must have static storage duration: it keys the statement cache.
  Result<Query> query(const char* sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* stmt = nullptr;
      int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) return sqlite_error(db_, rc, "preparing a statement");
      it = cache_.emplace(sql, stmt).first;
    }
    return Query(db_, it->second);
  }

  // A statement whose text is built at run time (search plans), cached by
  // its text. At most kTextCacheSize are kept; the least recently used one
  // that is not running is finalized first. Do not hold more than a few such
  // Query objects at once.
  Result<Query> query_text(const std::string& sql) {
    auto it = text_cache_.find(sql);
    if (it != text_cache_.end()) {
      text_lru_.splice(text_lru_.begin(), text_lru_, it->second.second);
      return Query(db_, it->second.first);
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, "preparing a statement");
    if (text_cache_.size() >= kTextCacheSize) {
      for (auto victim = text_lru_.end(); victim != text_lru_.begin();) {
        --victim;
        auto found = text_cache_.find(*victim);
        if (sqlite3_stmt_busy(found->second.first)) continue;
        sqlite3_finalize(found->second.first);
        text_cache_.erase(found);
        text_lru_.erase(victim);
        break;
      }
    }
    text_lru_.push_front(sql);
    text_cache_.emplace(sql, std::make_pair(stmt, text_lru_.begin()));
    return Query(db_, stmt);
  }

  // Runs statements without caching them (pragmas, schema, rare control).
  Status exec(const char* sql, std::string_view what) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, what);
    return Status::Ok();
  }

  // First column of the first row of `sql` as text (pragmas, "" if no row).
  Result<std::string> scalar(const char* sql, std::string_view what) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(db_, rc, what);
    rc = sqlite3_step(stmt);
    std::string v;
    if (rc == SQLITE_ROW) {
      const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      if (p) v.assign(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, 0)));
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      Error e = sqlite_error(db_, rc, what);
      sqlite3_finalize(stmt);
      return e;
    }
    sqlite3_finalize(stmt);
    return v;
  }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
  static constexpr std::size_t kTextCacheSize = 128;
  std::list<std::string> text_lru_;  // most recently used first
  std::unordered_map<std::string, std::pair<sqlite3_stmt*, std::list<std::string>::iterator>> text_cache_;
};

// Idle read connections to one database file. take() hands one out, opening
// another rather than blocking when none is idle; give() takes it back and
// closes the surplus over `max_idle`. After close(), take() fails and given
// connections are closed.
class ConnectionPool {
 public:
  ConnectionPool(std::string path, int busy_timeout_ms, std::string pragmas, std::string what,
                 std::size_t max_idle)
      : path_(std::move(path)),
        busy_timeout_ms_(busy_timeout_ms),
        pragmas_(std::move(pragmas)),
        what_(std::move(what)),
        max_idle_(max_idle) {}

  Result<std::unique_ptr<Connection>> take() {
    {
      std::lock_guard lock(mu_);
      if (closed_) return internal_error("the store is closed");
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    auto c = Connection::open(path_, busy_timeout_ms_);
    if (!c) return c;
    if (auto s = (*c)->exec(pragmas_.c_str(), what_); !s) return std::move(s).error();
    return c;
  }

  void give(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mu_);
    if (!closed_ && idle_.size() < max_idle_) idle_.push_back(std::move(c));
  }

  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    idle_.clear();
  }

  // Closes the idle connections; the pool opens new ones as needed.
  void drop_idle() {
    std::lock_guard lock(mu_);
    idle_.clear();
  }

 private:
  const std::string path_;
  const int busy_timeout_ms_;
  const std::string pragmas_, what_;
  const std::size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
  bool closed_ = false;
};

}  // namespace parcours::store::sqlite
