// Baseline for bench/transactions.sh: how many durable single-statement
// SQLite commits per second this disk allows (one writer, WAL,
// synchronous=FULL: one WAL fsync per commit). Each commit inserts one small
// row.
//
// Usage: sqlite_commit_baseline --db FILE [--seconds S]
// Prints: "commits N seconds S commits_per_s R".
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
  std::string db_path;
  double seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view a = argv[i];
    if (a == "--db") db_path = argv[i + 1];
    if (a == "--seconds") seconds = std::strtod(argv[i + 1], nullptr);
  }
  if (db_path.empty() || seconds <= 0) {
    std::fprintf(stderr, "usage: sqlite_commit_baseline --db FILE [--seconds S]\n");
    return 2;
  }
  sqlite3* db = nullptr;
  sqlite3_stmt* insert = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK ||
      sqlite3_exec(db,
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                   "CREATE TABLE IF NOT EXISTS c(n INTEGER PRIMARY KEY, body TEXT NOT NULL);",
                   nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_prepare_v2(db, "INSERT INTO c(body) VALUES(?1)", -1, &insert, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite_commit_baseline: %s\n", db ? sqlite3_errmsg(db) : "cannot open");
    return 1;
  }
  const std::string body(400, 'x');  // about one small FHIR resource
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + std::chrono::duration<double>(seconds);
  long commits = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    sqlite3_bind_text(insert, 1, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) {  // autocommit: one transaction per statement
      std::fprintf(stderr, "sqlite_commit_baseline: %s\n", sqlite3_errmsg(db));
      return 1;
    }
    sqlite3_reset(insert);
    ++commits;
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  sqlite3_finalize(insert);
  sqlite3_close(db);
  std::printf("commits %ld seconds %.3f commits_per_s %.0f\n", commits, secs,
              static_cast<double>(commits) / secs);
  return 0;
}
