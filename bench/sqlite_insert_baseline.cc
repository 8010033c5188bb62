// Baseline for bench/import.sh: the machine's limit for storing the same
// NDJSON lines with SQLite and nothing else. Reads every line of the given
// files, takes resourceType and id with a plain string search (no JSON parse,
// no validation, no index rows, no versioning) and inserts (type, id, body)
// into one table with a unique (type, id) index, in transactions of --batch
// rows, with the store's durability settings (WAL, synchronous=FULL).
//
// Usage: sqlite_insert_baseline --db FILE [--batch N] FILE.ndjson...
// Prints: "rows N seconds S rows_per_s R".
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace {

void check(sqlite3* db, int rc, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
  std::fprintf(stderr, "sqlite_insert_baseline: %s: %s\n", what, sqlite3_errmsg(db));
  std::exit(1);
}

// The string value of the first `"key":"` in `line` (generated resources have
// no escapes in these two members).
std::string_view member(std::string_view line, std::string_view key) {
  std::string pattern = "\"" + std::string(key) + "\":\"";
  auto at = line.find(pattern);
  if (at == std::string_view::npos) return {};
  auto start = at + pattern.size();
  auto end = line.find('"', start);
  return end == std::string_view::npos ? std::string_view{} : line.substr(start, end - start);
}

}  // namespace

int main(int argc, char** argv) {
  std::string db_path;
  long batch = 2000;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--db" && i + 1 < argc)
      db_path = argv[++i];
    else if (a == "--batch" && i + 1 < argc)
      batch = std::strtol(argv[++i], nullptr, 10);
    else
      files.emplace_back(a);
  }
  if (db_path.empty() || files.empty() || batch < 1) {
    std::fprintf(stderr, "usage: sqlite_insert_baseline --db FILE [--batch N] FILE.ndjson...\n");
    return 2;
  }
  auto started = std::chrono::steady_clock::now();
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite_insert_baseline: cannot open %s\n", db_path.c_str());
    return 1;
  }
  check(db,
        sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-65536;"
                     "CREATE TABLE IF NOT EXISTS r(type TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL);"
                     "CREATE UNIQUE INDEX IF NOT EXISTS r_by_id ON r(type, id);",
                     nullptr, nullptr, nullptr),
        "schema");
  sqlite3_stmt* insert = nullptr;
  check(db, sqlite3_prepare_v2(db, "INSERT INTO r(type, id, body) VALUES(?1, ?2, ?3)", -1, &insert, nullptr),
        "prepare");
  long rows = 0, in_tx = 0;
  std::string line;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "sqlite_insert_baseline: cannot open %s\n", f.c_str());
      return 1;
    }
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      if (in_tx == 0) check(db, sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), "begin");
      auto type = member(line, "resourceType");
      auto id = member(line, "id");
      sqlite3_bind_text(insert, 1, type.data(), static_cast<int>(type.size()), SQLITE_STATIC);
      sqlite3_bind_text(insert, 2, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
      sqlite3_bind_text(insert, 3, line.data(), static_cast<int>(line.size()), SQLITE_STATIC);
      check(db, sqlite3_step(insert), "insert");
      sqlite3_reset(insert);
      ++rows;
      if (++in_tx == batch) {
        check(db, sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), "commit");
        in_tx = 0;
      }
    }
  }
  if (in_tx) check(db, sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), "commit");
  sqlite3_finalize(insert);
  sqlite3_close(db);  // checkpoints the WAL, as the store does on close
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("rows %ld seconds %.3f rows_per_s %.0f\n", rows, secs, static_cast<double>(rows) / secs);
  return 0;
}
