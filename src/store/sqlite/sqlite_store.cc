// SQLite backend of the versioned store. Layout, group commit and the exact
// durability promise: docs/decisions/storage.md.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <limits>
#include <mutex>
#include <thread>

#include "store/content.h"
#include "store/sqlite/search_schema.h"
#include "store/sqlite/security_rows.h"
#include "store/sqlite/security_schema.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_search.h"
#include "store/sqlite/wal_checkpointer.h"
#include "store/store.h"

namespace parcours::store {

namespace {

using sqlite::Connection;
using sqlite::Query;

constexpr std::int64_t kMaxSeq = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMinTime = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMaxTime = std::numeric_limits<std::int64_t>::max();
constexpr int kBusyTimeoutMs = 5000;
constexpr std::size_t kMaxBatch = 256;  // bounds the latency one commit adds
// WAL pages (4 KiB) before a passive checkpoint. Larger than SQLite's 1000
// so pages dirtied by consecutive batches reach the database file once.
constexpr int kCheckpointPages = 4000;
// During a bulk load, checkpoints run beside the writer (wal_checkpointer.h),
// so the log grows while one copies it. Past this many pages the writer
// waits for the running checkpoint and copies the rest itself (its last
// batch or so), so that the next transaction starts the log over
// (docs/decisions/storage.md, "Checkpoints"). With 64 000 pages (250 MiB),
// a bulk load's 10 000-resource batches (about 12 000 pages each) leave the
// writer one batch in five or six to copy; with 16 000 it copied every
// other one, and the import gained nothing (docs/performance.md).
constexpr int kWalRestartPages = 64000;
// The writer gets the big cache: index pages of the current and identifier
// tables are touched at random by every put. It reads without mmap so an I/O
// error stays an error code (mmap would turn it into SIGBUS) and measured no
// faster for writes; readers use mmap, which cut their CPU per read-by-id by
// about 15% (docs/decisions/storage.md).
constexpr const char* kWriterPragmas = "PRAGMA cache_size=-65536; PRAGMA journal_size_limit=67108864;";
// Full text during a bulk load (FTS5, https://sqlite.org/fts5.html, the
// automerge, crisismerge and optimize commands): each commit adds a
// segment, which FTS5 merges four at a time by default, so a row is
// rewritten once per level (four levels for the 313 commits of the
// 100 000-patient territory). A bulk load turns incremental merging off
// and merges only when 200 segments pile up on a level, then merges
// everything once at the end and restores the defaults (automerge 4,
// crisismerge 16). 100k import: 217.8 s against
// 222.5 s, queries unchanged (docs/performance.md). Should the load be
// interrupted, the next open finds automerge at 0 and finishes the job.
constexpr const char* kFullTextBulkMerging =
    "INSERT INTO sp_text(sp_text, rank) VALUES('automerge', 0);"
    "INSERT INTO sp_text(sp_text, rank) VALUES('crisismerge', 200);";
constexpr const char* kFullTextMergeAll =
    "INSERT INTO sp_text(sp_text) VALUES('optimize');"
    "INSERT INTO sp_text(sp_text, rank) VALUES('automerge', 4);"
    "INSERT INTO sp_text(sp_text, rank) VALUES('crisismerge', 16);";
constexpr const char* kFullTextAutomerge = "SELECT v FROM sp_text_config WHERE k = 'automerge'";
// Building a value index sorts every row of its table (SQLite's external
// merge sort). With temp_store=MEMORY the sorter writes its sorted runs to
// memory files and uses no helper thread (vdbesort.c starts none when
// temporary storage is in memory); with file-backed temporary storage and
// two helper threads, the ten builds at the end of the 100k territory's load
// took 50-51 s instead of 75-84 s (docs/performance.md). The runs go to
// SQLite's temporary directory (SQLITE_TMPDIR, else /var/tmp), in files
// unlinked as soon as they are opened. Everyday statements keep their small
// temporary tables in memory: the write connection takes kEverydayPragmas at
// open and again after the builds.
constexpr const char* kIndexBuildPragmas = "PRAGMA temp_store=FILE; PRAGMA threads=2;";
constexpr const char* kEverydayPragmas = "PRAGMA temp_store=MEMORY; PRAGMA threads=0;";
constexpr const char* kReaderPragmas =
    "PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456; PRAGMA query_only=1;";

// --- schema -----------------------------------------------------------------
//
// Migration i brings user_version from i to i+1. Append, never edit.
constexpr const char* kMigrations[] = {
    // 1: versions, current pointer, live counts, compartment and identifier rows.
    R"sql(
CREATE TABLE resource_version (
  seq INTEGER PRIMARY KEY,          -- global, increasing: history order and paging cursor
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  version INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,    -- microseconds UTC; increases with seq
  deleted INTEGER NOT NULL,
  method TEXT NOT NULL,
  hash INTEGER,                     -- canonical content hash; NULL for tombstones
  body TEXT NOT NULL                -- last column: overflow pages are read only when needed
);
CREATE UNIQUE INDEX resource_version_by_id ON resource_version(type, id, version);
CREATE INDEX resource_version_by_type ON resource_version(type, seq);
CREATE INDEX resource_version_by_time ON resource_version(last_updated);
CREATE TABLE resource_current (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL,
  hash INTEGER,
  patient TEXT,                     -- compartment key: first IndexRows::patients entry
  PRIMARY KEY (type, id)
) WITHOUT ROWID;
CREATE TABLE resource_count (
  type TEXT PRIMARY KEY,
  live INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE resource_patient (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  patient TEXT NOT NULL,
  PRIMARY KEY (type, id, patient)
) WITHOUT ROWID;
CREATE INDEX resource_patient_by_patient ON resource_patient(patient, type);
CREATE TABLE resource_identifier (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  system TEXT NOT NULL,             -- '' when the identifier has none
  value TEXT NOT NULL,
  PRIMARY KEY (type, id, system, value)
) WITHOUT ROWID;
CREATE INDEX resource_identifier_by_value ON resource_identifier(type, value, system);
)sql",
    // 2: access-policy labels and facts, audit log, accounts (security_schema.h).
    sqlite::kSecurityMigration,
    // 3: search index: resource keys, typed rows, full text (search_schema.h).
    sqlite::kSearchMigration,
    // 4: token and reference value indexes without the system / type column.
    sqlite::kSearchMigration2,
    // 5: indexes for the access policy's predicate (security_schema.h).
    sqlite::kSecurityMigration2,
    // 6: clients' JWKS and one-time values (security_schema.h).
    sqlite::kSecurityMigration3,
    // 7: the access generation, bumped by triggers (security_schema.h).
    sqlite::kSecurityMigration4,
    // 8: contained resources in the search index (search_schema.h).
    sqlite::kSearchMigration3,
    // 9: full text without word positions (search_schema.h).
    sqlite::kSearchMigration4,
    // 10: token texts implied by codes (search_schema.h).
    sqlite::kSearchMigration5,
    // 11: full text without per-row column sizes (search_schema.h).
    sqlite::kSearchMigration6,
    // 12: authorship out of access_fact (security_schema.h).
    sqlite::kSecurityMigration5,
    // 13: full text without a copy of the texts (search_schema.h).
    sqlite::kSearchMigration7,
    // 14: token rows with their resource's latest date (search_schema.h).
    sqlite::kSearchMigration8,
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

// --- statements ---------------------------------------------------------------

constexpr const char* kBegin = "BEGIN";
constexpr const char* kBeginImmediate = "BEGIN IMMEDIATE";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";
constexpr const char* kSavepoint = "SAVEPOINT unit";
constexpr const char* kRelease = "RELEASE unit";
constexpr const char* kRollbackTo = "ROLLBACK TO unit";
// Touches the database so a reader's snapshot starts at reader() time, and
// reads the snapshot's access generation on the way.
constexpr const char* kTouch =
    "SELECT CAST(value AS INTEGER) FROM security_meta WHERE key = 'access_generation'";

constexpr const char* kCurrent =
    "SELECT seq, version, deleted, hash FROM resource_current WHERE type=?1 AND id=?2";
constexpr const char* kRead =
    "SELECT v.version, v.last_updated, v.deleted, v.method, v.body FROM resource_current c "
    "JOIN resource_version v ON v.seq=c.seq WHERE c.type=?1 AND c.id=?2";
constexpr const char* kVread =
    "SELECT version, last_updated, deleted, method, body FROM resource_version "
    "WHERE type=?1 AND id=?2 AND version=?3";
constexpr const char* kBySeq =
    "SELECT version, last_updated, deleted, method, body FROM resource_version WHERE seq=?1";
constexpr const char* kInsertVersion =
    "INSERT INTO resource_version(type, id, version, last_updated, deleted, method, hash, body) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr const char* kUpsertCurrent =
    "INSERT INTO resource_current(type, id, seq, version, deleted, hash, patient) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(type, id) DO UPDATE SET seq=excluded.seq, "
    "version=excluded.version, deleted=excluded.deleted, hash=excluded.hash, patient=excluded.patient";
constexpr const char* kAddCount =
    "INSERT INTO resource_count(type, live) VALUES(?1, ?2) "
    "ON CONFLICT(type) DO UPDATE SET live=live+excluded.live";
constexpr const char* kDeletePatients = "DELETE FROM resource_patient WHERE type=?1 AND id=?2";
constexpr const char* kInsertPatient =
    "INSERT OR IGNORE INTO resource_patient(type, id, patient) VALUES(?1, ?2, ?3)";
constexpr const char* kDeleteIdentifiers = "DELETE FROM resource_identifier WHERE type=?1 AND id=?2";
constexpr const char* kSelectPatients = "SELECT patient FROM resource_patient WHERE type=?1 AND id=?2";
constexpr const char* kDeleteOnePatient =
    "DELETE FROM resource_patient WHERE type=?1 AND id=?2 AND patient=?3";
constexpr const char* kSelectIdentifiers =
    "SELECT system, value FROM resource_identifier WHERE type=?1 AND id=?2";
constexpr const char* kDeleteOneIdentifier =
    "DELETE FROM resource_identifier WHERE type=?1 AND id=?2 AND system=?3 AND value=?4";
constexpr const char* kInsertIdentifier =
    "INSERT OR IGNORE INTO resource_identifier(type, id, system, value) VALUES(?1, ?2, ?3, ?4)";
constexpr const char* kFindAnySystem =
    "SELECT DISTINCT id FROM resource_identifier INDEXED BY resource_identifier_by_value "
    "WHERE type=?1 AND value=?2 ORDER BY id";
constexpr const char* kFindSystem =
    "SELECT id FROM resource_identifier INDEXED BY resource_identifier_by_value "
    "WHERE type=?1 AND value=?2 AND system=?3 ORDER BY id";
constexpr const char* kCountByType = "SELECT type, live FROM resource_count WHERE live>0 ORDER BY type";
constexpr const char* kMaxLastUpdated = "SELECT max(last_updated) FROM resource_version";

// History. last_updated increases with seq, so time bounds become a seq range
// first (via the time index); the seq range then drives the scan. The unary
// `+` keeps the planner off the time index for the scan itself, which would
// force a sort; INDEXED BY pins the plan (an unanalysed database tempts the
// planner into the wrong index). Parameters: ?1 type, ?2 id, ?3..?4 seq range, ?5..?6 time
// range, ?7 limit (binding a number a statement does not use is allowed
// up to its highest one, so all levels bind alike).
constexpr const char* kFirstSeqSince =
    "SELECT seq FROM resource_version WHERE last_updated>=?1 ORDER BY last_updated, seq LIMIT 1";
constexpr const char* kLastSeqAtOrBefore =
    "SELECT seq FROM resource_version WHERE last_updated<=?1 ORDER BY last_updated DESC, seq DESC LIMIT 1";
#define PARCOURS_HISTORY_COLUMNS "SELECT seq, type, id, version, last_updated, deleted, method, body "
#define PARCOURS_HISTORY_RANGE " seq BETWEEN ?3 AND ?4 AND +last_updated BETWEEN ?5 AND ?6"
constexpr const char* kHistorySystem = PARCOURS_HISTORY_COLUMNS
    "FROM resource_version WHERE" PARCOURS_HISTORY_RANGE " ORDER BY seq DESC LIMIT ?7";
constexpr const char* kHistoryType = PARCOURS_HISTORY_COLUMNS
    "FROM resource_version INDEXED BY resource_version_by_type WHERE type=?1 AND" PARCOURS_HISTORY_RANGE
    " ORDER BY seq DESC LIMIT ?7";
constexpr const char* kHistoryInstance = PARCOURS_HISTORY_COLUMNS
    "FROM resource_version INDEXED BY resource_version_by_id WHERE type=?1 AND id=?2 "
    "AND" PARCOURS_HISTORY_RANGE " ORDER BY version DESC LIMIT ?7";
// Totals read only compact covering indexes (time; type+seq; type+id+version
// with the seq rowid), never the table with its bodies. They rely on
// last_updated increasing with seq, which SqliteStore::now() guarantees.
constexpr const char* kTotalSystem =
    "SELECT count(*) FROM resource_version WHERE last_updated BETWEEN ?5 AND ?6";
constexpr const char* kTotalType =
    "SELECT count(*) FROM resource_version INDEXED BY resource_version_by_type WHERE type=?1 AND seq BETWEEN "
    "?3 AND ?4";
constexpr const char* kTotalInstance =
    "SELECT count(*) FROM resource_version INDEXED BY resource_version_by_id "
    "WHERE type=?1 AND id=?2 AND seq BETWEEN ?3 AND ?4";
#undef PARCOURS_HISTORY_COLUMNS
#undef PARCOURS_HISTORY_RANGE

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

bool valid_type(std::string_view type) {
  return !type.empty() && type.size() <= 64 && std::all_of(type.begin(), type.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  });
}

std::string ref(std::string_view type, std::string_view id) {
  std::string r(type);
  r += '/';
  r += id;
  return r;
}

// --- reads (shared by readers and the writer) ------------------------------------

// Columns version, last_updated, deleted, method, body starting at `col`.
ResourceVersion version_row(const Query& q, std::string_view type, std::string_view id, int col) {
  ResourceVersion v;
  v.type = type;
  v.id = id;
  v.version = q.int64(col);
  v.last_updated = q.int64(col + 1);
  v.deleted = q.int64(col + 2) != 0;
  v.method = q.text(col + 3);
  v.body = q.text(col + 4);
  return v;
}

class ReadOps {
 public:
  explicit ReadOps(Connection& c) : c_(c) {}

  Result<std::optional<ResourceVersion>> read(std::string_view type, std::string_view id) {
    auto q = c_.query(kRead);
    if (!q) return std::move(q).error();
    q->bind(1, type).bind(2, id);
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<ResourceVersion>();
    return std::optional<ResourceVersion>(version_row(*q, type, id, 0));
  }

  Result<std::optional<ResourceVersion>> vread(std::string_view type, std::string_view id,
                                               std::int64_t version) {
    auto q = c_.query(kVread);
    if (!q) return std::move(q).error();
    q->bind(1, type).bind(2, id).bind(3, version);
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<ResourceVersion>();
    return std::optional<ResourceVersion>(version_row(*q, type, id, 0));
  }

  Result<HistoryPage> history(const HistoryQuery& hq) {
    if (hq.filter) return sqlite::filtered_history(c_, hq);  // access policy inside the query
    if (!hq.id.empty() && hq.type.empty()) return bad_request("instance history needs a resource type");
    HistoryPage page;
    std::int64_t count = std::clamp(hq.count, 1, 1000);
    std::int64_t lo = 0, hi = kMaxSeq;
    if (hq.since) {
      auto s = seq_bound(kFirstSeqSince, *hq.since);
      if (!s) return std::move(s).error();
      if (!*s) return page;  // nothing that recent
      lo = **s;
    }
    if (hq.at_or_before) {
      auto s = seq_bound(kLastSeqAtOrBefore, *hq.at_or_before);
      if (!s) return std::move(s).error();
      if (!*s) return page;  // nothing that old
      hi = **s;
    }
    if (lo > hi) return page;
    std::int64_t lu_lo = hq.since.value_or(kMinTime), lu_hi = hq.at_or_before.value_or(kMaxTime);
    const bool instance = !hq.id.empty(), sys_level = hq.type.empty();
    {
      auto q = c_.query(instance ? kTotalInstance : sys_level ? kTotalSystem : kTotalType);
      if (!q) return std::move(q).error();
      // Each level's count uses a different subset of ?1..?6.
      const std::int64_t ints[] = {lo, hi, lu_lo, lu_hi};
      for (int i = 1; i <= q->parameters(); ++i) {
        if (i == 1)
          q->bind(1, std::string_view(hq.type));
        else if (i == 2)
          q->bind(2, std::string_view(hq.id));
        else
          q->bind(i, ints[i - 3]);
      }
      auto row = q->step();
      if (!row) return std::move(row).error();
      page.total = *row ? q->int64(0) : 0;
    }
    std::int64_t page_hi = hq.before_seq > 0 ? std::min(hi, hq.before_seq - 1) : hi;
    if (lo > page_hi) return page;
    auto q = c_.query(instance ? kHistoryInstance : sys_level ? kHistorySystem : kHistoryType);
    if (!q) return std::move(q).error();
    q->bind(1, std::string_view(hq.type)).bind(2, std::string_view(hq.id));
    q->bind(3, lo).bind(4, page_hi).bind(5, lu_lo).bind(6, lu_hi).bind(7, count + 1);
    std::int64_t last_seq = 0;
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      if (static_cast<std::int64_t>(page.versions.size()) == count) {
        page.next_seq = last_seq;  // one more exists: continue below the last returned
        break;
      }
      last_seq = q->int64(0);
      page.versions.push_back(version_row(*q, q->text(1), q->text(2), 3));
    }
    return page;
  }

  Result<std::vector<std::string>> find_by_identifier(std::string_view type, const IdentifierKey& key) {
    auto q = c_.query(key.system.empty() ? kFindAnySystem : kFindSystem);
    if (!q) return std::move(q).error();
    q->bind(1, type).bind(2, std::string_view(key.value));
    if (!key.system.empty()) q->bind(3, std::string_view(key.system));
    std::vector<std::string> ids;
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      ids.emplace_back(q->text(0));
    }
    return ids;
  }

  Result<std::vector<std::pair<std::string, std::int64_t>>> count_by_type() {
    auto q = c_.query(kCountByType);
    if (!q) return std::move(q).error();
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      out.emplace_back(std::string(q->text(0)), q->int64(1));
    }
    return out;
  }

  Result<std::optional<ResourceLabel>> label(std::string_view type, std::string_view id) {
    return sqlite::read_label(c_, type, id);
  }
  Result<std::vector<AccessFact>> access_facts(std::string_view patient, std::string_view type,
                                               std::string_view id) {
    return sqlite::read_access_facts(c_, patient, type, id);
  }
  Result<std::vector<AccessFact>> reach_facts(const std::vector<std::string>& principals,
                                              std::string_view account, Micros now) {
    return sqlite::read_reach_facts(c_, principals, account, now);
  }

 private:
  Result<std::optional<std::int64_t>> seq_bound(const char* sql, Micros t) {
    auto q = c_.query(sql);
    if (!q) return std::move(q).error();
    q->bind(1, t);
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<std::int64_t>();
    return std::optional<std::int64_t>(q->int64(0));
  }

  Connection& c_;
};

// --- readers ----------------------------------------------------------------------

// The read connections and what readers need with them. Shared with readers
// so one outliving close() still returns (and then closes) its connection
// safely.
struct ReaderPool {
  ReaderPool(std::string path, std::size_t max_idle)
      : connections(std::move(path), kBusyTimeoutMs, kReaderPragmas, "configuring a read connection",
                    max_idle) {}
  sqlite::ConnectionPool connections;
  std::shared_ptr<const sqlite::SearchParamIds> search_ids;

  Result<std::unique_ptr<Connection>> take() { return connections.take(); }
  void give(std::unique_ptr<Connection> c) { connections.give(std::move(c)); }
};

class ReaderImpl final : public Reader {
 public:
  ReaderImpl(std::shared_ptr<ReaderPool> pool) : pool_(std::move(pool)) {
    auto c = pool_->take();
    if (!c) {
      broken_ = std::move(c).error();
      return;
    }
    conn_ = std::move(*c);
    if (auto s = begin(); !s) {
      broken_ = std::move(s).error();
      conn_.reset();  // state unknown: do not pool it
    }
  }
  ~ReaderImpl() override {
    if (!conn_) return;
    bool ended = false;
    {
      // The statement must be reset before the connection changes hands.
      auto q = conn_->query(kRollback);
      ended = q && q->run().ok();
    }
    if (ended && sqlite3_get_autocommit(conn_->db())) pool_->give(std::move(conn_));
  }

  Result<std::optional<ResourceVersion>> read(std::string_view type, std::string_view id) override {
    if (broken_) return *broken_;
    return ReadOps(*conn_).read(type, id);
  }
  Result<std::optional<ResourceVersion>> vread(std::string_view type, std::string_view id,
                                               std::int64_t version) override {
    if (broken_) return *broken_;
    return ReadOps(*conn_).vread(type, id, version);
  }
  Result<HistoryPage> history(const HistoryQuery& q) override {
    if (broken_) return *broken_;
    return ReadOps(*conn_).history(q);
  }
  Result<std::vector<std::string>> find_by_identifier(std::string_view type,
                                                      const IdentifierKey& key) override {
    if (broken_) return *broken_;
    return ReadOps(*conn_).find_by_identifier(type, key);
  }
  Result<std::vector<std::pair<std::string, std::int64_t>>> count_by_type() override {
    if (broken_) return *broken_;
    return ReadOps(*conn_).count_by_type();
  }
  Result<std::optional<ResourceLabel>> label(std::string_view type, std::string_view id) override {
    if (broken_) return *broken_;
    return ReadOps(*conn_).label(type, id);
  }
  Result<std::vector<AccessFact>> access_facts(std::string_view patient, std::string_view type,
                                               std::string_view id) override {
    if (broken_) return *broken_;
    return ReadOps(*conn_).access_facts(patient, type, id);
  }
  Result<std::optional<std::int64_t>> access_generation() override {
    if (broken_) return *broken_;
    return generation_;
  }
  Result<std::vector<AccessFact>> reach_facts(const std::vector<std::string>& principals,
                                              std::string_view account, Micros now) override {
    if (broken_) return *broken_;
    return ReadOps(*conn_).reach_facts(principals, account, now);
  }
  Result<SearchPage> search(const SearchPlan& plan) override {
    if (broken_) return *broken_;
    return sqlite::run_search(*conn_, *pool_->search_ids, plan);
  }
  Result<std::int64_t> estimate(const SearchPlan& plan, const Predicate& p, std::int64_t cap) override {
    if (broken_) return *broken_;
    return sqlite::estimate(*conn_, *pool_->search_ids, plan, p, cap);
  }

 private:
  // A deferred transaction plus one read pins the snapshot now, not at the
  // first call.
  Status begin() {
    auto b = conn_->query(kBegin);
    if (!b) return std::move(b).error();
    if (auto s = b->run(); !s) return s;
    auto t = conn_->query(kTouch);
    if (!t) return std::move(t).error();
    auto row = t->step();
    if (!row) return std::move(row).error();
    if (*row) generation_ = t->int64(0);
    return Status::Ok();
  }

  std::shared_ptr<ReaderPool> pool_;
  std::unique_ptr<Connection> conn_;
  std::optional<Error> broken_;
  std::optional<std::int64_t> generation_;
};

// --- writer -------------------------------------------------------------------------

class SqliteStore;

struct CurrentRow {
  std::int64_t seq = 0;
  std::int64_t version = 0;
  bool deleted = false;
  std::optional<std::int64_t> hash;
};

class WriterImpl final : public Writer {
 public:
  WriterImpl(Connection& c, SqliteStore& store, const Indexer& indexer)
      : c_(c), ops_(c), store_(store), indexer_(indexer) {}

  Result<std::optional<ResourceVersion>> read(std::string_view type, std::string_view id) override {
    return ops_.read(type, id);
  }
  Result<std::optional<ResourceVersion>> vread(std::string_view type, std::string_view id,
                                               std::int64_t version) override {
    return ops_.vread(type, id, version);
  }
  Result<HistoryPage> history(const HistoryQuery& q) override { return ops_.history(q); }
  Result<std::vector<std::string>> find_by_identifier(std::string_view type,
                                                      const IdentifierKey& key) override {
    return ops_.find_by_identifier(type, key);
  }
  Result<std::vector<std::pair<std::string, std::int64_t>>> count_by_type() override {
    return ops_.count_by_type();
  }
  Result<std::optional<ResourceLabel>> label(std::string_view type, std::string_view id) override {
    return ops_.label(type, id);
  }
  Result<std::vector<AccessFact>> access_facts(std::string_view patient, std::string_view type,
                                               std::string_view id) override {
    return ops_.access_facts(patient, type, id);
  }
  Status append_audit(const AuditRecord& record) override { return sqlite::append_audit(c_, record); }
  Result<SearchPage> search(const SearchPlan& plan) override;
  Result<std::int64_t> estimate(const SearchPlan& plan, const Predicate& p, std::int64_t cap) override;
  // Recomputes the index rows of up to `limit` current resources after
  // (type, id) in key order; `last` receives the last one done.
  Result<std::int64_t> reindex_batch(std::pair<std::string, std::string>& last, int limit);
  Connection& connection() { return c_; }

  Result<WriteOutcome> put(std::string_view type, std::string_view id, Json resource,
                           const PutOptions& options) override;
  Result<std::optional<ResourceVersion>> remove(std::string_view type, std::string_view id,
                                                std::optional<std::int64_t> if_match) override;

 private:
  Result<std::optional<CurrentRow>> current(std::string_view type, std::string_view id);
  Result<std::int64_t> append_version(const ResourceVersion& v, std::optional<std::int64_t> hash);
  Status set_current(std::string_view type, std::string_view id, std::int64_t seq, std::int64_t version,
                     bool deleted, std::optional<std::int64_t> hash, std::string_view patient);
  Status add_live(std::string_view type, std::int64_t delta);
  Result<bool> same_content(std::int64_t seq, std::string_view canonical_text);
  // Brings the search index of type/id to `rows` (write_search_rows).
  Status write_search_rows(std::string_view type, std::string_view id, std::int64_t seq,
                           std::int64_t last_updated, std::string_view patient, const SearchRows* rows,
                           bool may_exist = true);
  // The one place index rows are written: replaces the resource's previous
  // rows (when it had any) by `rows` (nullptr for a delete), in the caller's
  // transaction. Typed search-index tables join here.
  Status write_index_rows(std::string_view type, std::string_view id, const IndexRows* rows, bool had_rows);

  Connection& c_;
  ReadOps ops_;
  SqliteStore& store_;
  const Indexer& indexer_;
};

struct Pending {
  const std::function<Status(Writer&)>* unit = nullptr;
  const std::function<Status()>* bare = nullptr;  // or this, alone, outside any transaction
  std::promise<Status> done;
};

// Set on the writer thread: a unit calling Store::write() would wait for itself.
thread_local const void* tl_writer_of = nullptr;

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteOptions options) : options_(std::move(options)) {
    if (options_.checkpoint_pages <= 0) options_.checkpoint_pages = kCheckpointPages;
    if (options_.wal_restart_pages <= 0) options_.wal_restart_pages = kWalRestartPages;
  }
  ~SqliteStore() override { close(); }

  Status open();

  std::unique_ptr<Reader> reader() override { return std::make_unique<ReaderImpl>(pool_); }

  Status write(const std::function<Status(Writer&)>& unit) override {
    Pending p;
    p.unit = &unit;
    return enqueue(p);
  }

  std::string new_id() override { return time_ordered_id(); }

  Micros now() override {
    // Strictly increasing, so last_updated orders exactly like seq.
    Micros t = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    Micros prev = last_now_.load(std::memory_order_relaxed);
    for (;;) {
      Micros next = std::max(t, prev + 1);
      if (last_now_.compare_exchange_weak(prev, next, std::memory_order_relaxed)) return next;
    }
  }

  void close() override {
    if (tl_writer_of == this) {  // from inside a unit: cannot join ourselves
      std::lock_guard lock(mu_);
      closed_ = true;  // the writer exits after draining; the destructor joins
      return;
    }
    std::lock_guard close_lock(close_mu_);
    {
      std::lock_guard lock(mu_);
      if (closed_ && !writer_.joinable() && !wconn_) return;
      closed_ = true;  // refuse new units; queued ones are still run
    }
    cv_.notify_all();
    if (writer_.joinable()) writer_.join();
    checkpointer_.reset();  // after the writer, its only client
    if (wconn_) {
      // Fold the WAL into the database file; never wait for a reader left open.
      sqlite3_busy_timeout(wconn_->db(), 0);
      sqlite3_wal_checkpoint_v2(wconn_->db(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
      wconn_.reset();
    }
    if (pool_) pool_->connections.close();
  }

 public:
  Result<bool> register_search_params(const std::vector<std::string>& names,
                                      const std::vector<RowAlias>& aliases,
                                      std::string_view fingerprint) override;
  Result<std::int64_t> reindex(const std::function<void(std::int64_t)>& progress, int batch) override;
  std::optional<IndexRows> index_rows(std::string_view type, const Json& resource) override {
    return options_.indexer(type, resource);
  }
  Status begin_bulk_load() override;
  Status end_bulk_load() override;
  const sqlite::SearchParamIds& search_ids() const { return *search_ids_; }
  sqlite::TokenTexts& token_texts() { return token_texts_; }  // writer thread only
  FullText full_text(std::string_view type, const Json& resource) const {
    if (options_.text_indexer) return options_.text_indexer(type, resource);
    return options_.indexer(type, resource).search.text;
  }

 private:
  Status migrate();
  // The journal's mode for a bulk load, when no other connection is open;
  // back_to_wal() undoes it (docs/decisions/storage.md).
  Status leave_wal();
  Status back_to_wal();
  Status use_wal();  // WAL mode and the store's synchronous setting
  Status start_checkpointer();
  const char* synchronous() const {
    return options_.synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
  }
  void writer_loop();
  // Runs `work` on the writer thread between transactions.
  Status on_writer(const std::function<Status()>& work) {
    Pending p;
    p.bare = &work;
    return enqueue(p);
  }

  // Queues `p` for the writer thread and waits for its outcome.
  Status enqueue(Pending& p) {
    if (tl_writer_of == this) return internal_error("Store::write() called from inside a write unit");
    auto done = p.done.get_future();
    {
      std::lock_guard lock(mu_);
      if (closed_) return internal_error("the store is closed");
      queue_.push_back(&p);
    }
    cv_.notify_one();
    return done.get();
  }

  // After a batch: copies the log into the database file once it holds
  // options_.checkpoint_pages, or asks the checkpointer to during a bulk load.
  void checkpoint();
  void run_batch(std::vector<Pending*>& batch);
  std::size_t run_transaction(std::vector<Pending*>& batch, std::size_t start, std::vector<Status>& results);

  static int on_wal_commit(void* self, sqlite3*, const char*, int pages) {
    static_cast<SqliteStore*>(self)->wal_pages_ = pages;
    return SQLITE_OK;
  }

  SqliteOptions options_;
  std::string path_;  // of the database file
  std::shared_ptr<sqlite::SearchParamIds> search_ids_ = std::make_shared<sqlite::SearchParamIds>();
  sqlite::TokenTexts token_texts_;  // writer thread only, in step with its transactions
  std::mutex fingerprint_mu_;
  std::string fingerprint_;            // of the registered search parameters (register_search_params)
  std::unique_ptr<Connection> wconn_;  // owned by the writer thread once started
  std::shared_ptr<ReaderPool> pool_;
  std::atomic<Micros> last_now_{0};
  int wal_pages_ = 0;        // frames in the WAL after the last commit; writer thread only
  int wal_pages_asked_ = 0;  // wal_pages_ when a background checkpoint was last asked for
  // Between begin_bulk_load and the end of end_bulk_load: checkpoints run
  // beside the writer. Not otherwise: everyday commits are small, and a
  // checkpoint's fsyncs beside theirs made them slower (p99 of one client's
  // transactions 73-78 ms against 8.5 ms, docs/performance.md).
  std::atomic<bool> checkpoints_beside_{false};
  std::unique_ptr<sqlite::WalCheckpointer> checkpointer_;

  std::mutex close_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending*> queue_;
  bool closed_ = false;
  std::thread writer_;
};

// The missing value indexes, built with the sorter's settings above; the
// everyday ones come back whatever happened. `exec` runs one statement list
// on the write connection (the pragmas hold across transactions).
Status build_search_indexes(const std::function<Status(const char*, std::string_view)>& exec) {
  if (auto s = exec(kIndexBuildPragmas, "configuring the sorter for the index builds"); !s) return s;
  Status built = Status::Ok();
  for (const auto& ix : sqlite::kSearchIndexes) {
    // Should the temporary directory be full, the error says which one it is.
    built = exec(ix.create, "building a search index (sorted in SQLITE_TMPDIR, else /var/tmp)");
    if (!built) break;
  }
  Status restored = exec(kEverydayPragmas, "restoring the write connection's settings");
  return built ? restored : built;
}

Status SqliteStore::migrate() {
  Connection& c = *wconn_;
  if (auto s = c.exec(kBeginImmediate, "starting the schema migration"); !s) return s;
  auto fail = [&](Error e) -> Status {
    c.exec(kRollback, "rolling back the schema migration").ok();
    return e;
  };
  auto v = c.scalar("PRAGMA user_version", "reading the schema version");
  if (!v) return fail(std::move(v).error());
  int version = std::atoi(v->c_str());
  if (version > kSchemaVersion)
    return fail(internal_error("database schema version " + std::to_string(version) +
                               " is newer than this build understands (" + std::to_string(kSchemaVersion) +
                               "); use a newer parcours"));
  for (; version < kSchemaVersion; ++version) {
    if (auto s = c.exec(kMigrations[version], "migrating the schema"); !s) return fail(std::move(s).error());
  }
  std::string set = "PRAGMA user_version=" + std::to_string(kSchemaVersion);
  if (auto s = c.exec(set.c_str(), "recording the schema version"); !s) return fail(std::move(s).error());
  return c.exec(kCommit, "committing the schema migration");
}

Status SqliteStore::open() {
  sqlite::enable_reach_function();
  if (!options_.indexer) return internal_error("SqliteOptions::indexer is required");
  if (options_.directory.empty()) return internal_error("SqliteOptions::directory is empty");
  std::error_code ec;
  std::filesystem::create_directories(options_.directory, ec);
  if (ec || !std::filesystem::is_directory(options_.directory, ec))
    return internal_error("cannot create data directory '" + options_.directory +
                          "': " + (ec ? ec.message() : std::string("not a directory")));
  path_ = (std::filesystem::path(options_.directory) / "parcours.db").string();

  auto c = Connection::open(path_, kBusyTimeoutMs);
  if (!c) return std::move(c).error();
  wconn_ = std::move(*c);
  // Also back from a bulk load cut short in its journal's mode (leave_wal).
  if (auto s = use_wal(); !s) return s;
  if (auto s = wconn_->exec(kWriterPragmas, "configuring the write connection"); !s) return s;
  if (options_.writer_cache_kib > 0) {
    std::string cache = "PRAGMA cache_size=-" + std::to_string(options_.writer_cache_kib);
    if (auto s = wconn_->exec(cache.c_str(), "sizing the write connection's page cache"); !s) return s;
  }
  if (auto s = wconn_->exec(kEverydayPragmas, "configuring the write connection"); !s) return s;
  // Checkpoints run after a batch is acknowledged, not inside its COMMIT.
  sqlite3_wal_hook(wconn_->db(), &SqliteStore::on_wal_commit, this);
  if (auto s = migrate(); !s) return s;
  auto last = wconn_->scalar(kMaxLastUpdated, "reading the last update time");
  if (!last) return std::move(last).error();
  last_now_ = std::atoll(last->c_str());  // now() never goes back, even across restarts

  pool_ =
      std::make_shared<ReaderPool>(path_, static_cast<std::size_t>(std::max(1, options_.reader_connections)));
  if (auto s = search_ids_->load(*wconn_); !s) return s;
  // The value indexes of the search tables, should an interrupted bulk load
  // have left them out (begin_bulk_load).
  auto exec = [&](const char* sql, std::string_view what) { return wconn_->exec(sql, what); };
  if (auto s = build_search_indexes(exec); !s) return s;
  auto merging = wconn_->scalar(kFullTextAutomerge, "reading the full-text merge policy");
  if (!merging) return std::move(merging).error();
  if (*merging == "0")
    if (auto s = wconn_->exec(kFullTextMergeAll, "merging the full-text segments"); !s) return s;
  pool_->search_ids = search_ids_;
  if (auto s = start_checkpointer(); !s) return s;
  writer_ = std::thread([this] { writer_loop(); });
  return Status::Ok();
}

void SqliteStore::writer_loop() {
  tl_writer_of = this;
  std::vector<Pending*> batch;
  for (;;) {
    batch.clear();
    Pending* bare = nullptr;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || closed_; });
      if (queue_.empty()) return;  // closed and drained
      while (!queue_.empty() && batch.size() < kMaxBatch && !queue_.front()->bare) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      if (batch.empty()) {
        bare = queue_.front();
        queue_.pop_front();
      }
    }
    if (bare) {
      Status st = Status::Ok();
      try {
        st = (*bare->bare)();
      } catch (const std::exception& e) {
        st = internal_error(std::string("writer failure: ") + e.what());
      }
      bare->done.set_value(std::move(st));
      continue;
    }
    run_batch(batch);
    checkpoint();
  }
}

void SqliteStore::checkpoint() {
  if (!checkpointer_) return;                               // not in WAL mode (leave_wal)
  if (wal_pages_ < wal_pages_asked_) wal_pages_asked_ = 0;  // the log started over
  if (checkpoints_beside_ && wal_pages_ < options_.wal_restart_pages) {
    if (wal_pages_ - wal_pages_asked_ >= options_.checkpoint_pages && checkpointer_->request())
      wal_pages_asked_ = wal_pages_;
    return;
  }
  if (wal_pages_ < options_.checkpoint_pages) return;
  // Every frame copied before the next transaction begins: it then writes
  // the log from its start (and trims it to journal_size_limit).
  checkpointer_->wait_idle();
  sqlite3_wal_checkpoint_v2(wconn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  wal_pages_ = wal_pages_asked_ = 0;
}

void SqliteStore::run_batch(std::vector<Pending*>& batch) {
  std::vector<Status> results(batch.size());
  std::size_t start = 0;  // units before it are decided (committed or failed)
  try {
    while (start < batch.size()) start = run_transaction(batch, start, results);
  } catch (const std::exception& e) {
    // Only allocation failures can get here (units' exceptions are caught
    // per unit). Callers must still be released, and with an error: the open
    // transaction's fate is unknown, so it is rolled back.
    if (!sqlite3_get_autocommit(wconn_->db()))
      sqlite3_exec(wconn_->db(), "ROLLBACK", nullptr, nullptr, nullptr);
    token_texts_.undo(0);
    for (std::size_t i = start; i < batch.size(); ++i)
      results[i] = internal_error(std::string("not written: writer failure: ") + e.what());
  }
  // Only now, after COMMIT returned (fsync done), are callers released.
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(results[i]));
}

Status run_unit(const std::function<Status(Writer&)>& unit, Writer& w) {
  try {
    return unit(w);
  } catch (const std::exception& e) {
    return internal_error(std::string("write unit failed with an exception: ") + e.what());
  } catch (...) {
    return internal_error("write unit failed with an unknown exception");
  }
}

Status step_cached(Connection& c, const char* sql) {
  auto q = c.query(sql);
  if (!q) return std::move(q).error();
  return q->run();
}

// Runs units from `start` in one transaction, each inside a savepoint. Returns
// the index of the first unit not yet decided (a storage error that aborted
// the whole transaction leaves the rest for a fresh transaction).
std::size_t SqliteStore::run_transaction(std::vector<Pending*>& batch, std::size_t start,
                                         std::vector<Status>& results) {
  Connection& c = *wconn_;
  if (auto s = step_cached(c, kBeginImmediate); !s) {
    for (std::size_t i = start; i < batch.size(); ++i) results[i] = s;
    return batch.size();
  }
  WriterImpl writer(c, *this, options_.indexer);
  std::optional<Error> aborted;  // set when the transaction as a whole is lost
  std::size_t i = start;
  for (; i < batch.size() && !aborted; ++i) {
    const std::size_t texts_mark = token_texts_.mark();
    if (auto s = step_cached(c, kSavepoint); !s) {
      results[i] = s;
      aborted = std::move(s).error();
      ++i;  // decided (failed): never retried, so a stuck engine cannot loop
      break;
    }
    Status st = run_unit(*batch[i]->unit, writer);
    if (sqlite3_get_autocommit(c.db())) {
      // SQLite rolled the transaction back itself (I/O error, disk full...).
      aborted = st.ok() ? internal_error("storage error: the transaction was rolled back by the engine")
                        : st.error();
      results[i] = *aborted;
      continue;
    }
    if (st.ok()) {
      if (auto s = step_cached(c, kRelease); !s) {
        aborted = s.error();
        st = std::move(s);
      }
    } else {
      Status undo = step_cached(c, kRollbackTo);
      token_texts_.undo(texts_mark);
      if (undo) undo = step_cached(c, kRelease);
      if (!undo) aborted = undo.error();
    }
    results[i] = std::move(st);
  }
  if (!aborted) {
    if (auto s = step_cached(c, kCommit); !s) aborted = std::move(s).error();
  }
  if (!aborted) token_texts_.commit();
  if (aborted) {
    if (!sqlite3_get_autocommit(c.db())) step_cached(c, kRollback).ok();
    token_texts_.undo(0);  // nothing this transaction added is kept
    // Nothing of this transaction is kept, including units that succeeded.
    for (std::size_t j = start; j < i; ++j) {
      if (results[j].ok())
        results[j] = internal_error("not written: the group commit failed (" + aborted->message() + ")");
    }
  }
  return i;
}

// --- writer operations --------------------------------------------------------------

Result<std::optional<CurrentRow>> WriterImpl::current(std::string_view type, std::string_view id) {
  auto q = c_.query(kCurrent);
  if (!q) return std::move(q).error();
  q->bind(1, type).bind(2, id);
  auto row = q->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<CurrentRow>();
  CurrentRow cur;
  cur.seq = q->int64(0);
  cur.version = q->int64(1);
  cur.deleted = q->int64(2) != 0;
  if (!q->is_null(3)) cur.hash = q->int64(3);
  return std::optional<CurrentRow>(cur);
}

Result<std::int64_t> WriterImpl::append_version(const ResourceVersion& v, std::optional<std::int64_t> hash) {
  auto q = c_.query(kInsertVersion);
  if (!q) return std::move(q).error();
  q->bind(1, std::string_view(v.type)).bind(2, std::string_view(v.id)).bind(3, v.version);
  q->bind(4, v.last_updated).bind(5, v.deleted).bind(6, std::string_view(v.method));
  if (hash)
    q->bind(7, *hash);
  else
    q->bind_null(7);
  q->bind(8, std::string_view(v.body));
  if (auto s = q->run(); !s) return std::move(s).error();
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(c_.db()));
}

Status WriterImpl::set_current(std::string_view type, std::string_view id, std::int64_t seq,
                               std::int64_t version, bool deleted, std::optional<std::int64_t> hash,
                               std::string_view patient) {
  auto q = c_.query(kUpsertCurrent);
  if (!q) return std::move(q).error();
  q->bind(1, type).bind(2, id).bind(3, seq).bind(4, version).bind(5, deleted);
  if (hash)
    q->bind(6, *hash);
  else
    q->bind_null(6);
  q->bind_or_null(7, patient);
  return q->run();
}

Status WriterImpl::add_live(std::string_view type, std::int64_t delta) {
  auto q = c_.query(kAddCount);
  if (!q) return std::move(q).error();
  q->bind(1, type).bind(2, delta);
  return q->run();
}

Result<bool> WriterImpl::same_content(std::int64_t seq, std::string_view canonical_text) {
  auto q = c_.query(kBySeq);
  if (!q) return std::move(q).error();
  q->bind(1, seq);
  auto row = q->step();
  if (!row) return std::move(row).error();
  if (!*row) return false;
  auto stored = parse_json(q->text(4));
  if (!stored)
    return internal_error("stored body of version seq " + std::to_string(seq) + " is not valid JSON");
  strip_stamps(*stored).ok();
  std::string text;
  canonical(*stored, text);
  return text == canonical_text;
}

Status WriterImpl::write_search_rows(std::string_view type, std::string_view id, std::int64_t seq,
                                     std::int64_t last_updated, std::string_view patient,
                                     const SearchRows* rows, bool may_exist) {
  // The text a stored version was indexed with, computed again from its
  // body: the full-text index keeps no copy (search_schema.h).
  auto previous_text = [&](std::int64_t indexed_seq) -> Result<FullText> {
    auto q = c_.query(kBySeq);
    if (!q) return std::move(q).error();
    q->bind(1, indexed_seq);
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row || q->int64(2) != 0)
      return internal_error("indexed version seq " + std::to_string(indexed_seq) + " of " + ref(type, id) +
                            " is missing");
    auto body = parse_json(q->text(4));
    if (!body) return internal_error("stored body of " + ref(type, id) + " is not valid JSON");
    return store_.full_text(type, *body);
  };
  return sqlite::write_search_rows(c_, store_.search_ids(), store_.token_texts(), previous_text, type, id,
                                   seq, last_updated, patient, rows, may_exist);
}

// Rows of one index table for one resource, as sorted unique tuples.
using Tuple = std::vector<std::string>;
using Tuples = std::vector<Tuple>;

void normalise(Tuples& t) {
  std::sort(t.begin(), t.end());
  t.erase(std::unique(t.begin(), t.end()), t.end());
}

// Brings one index table from `old_rows` to `new_rows` for (type, id). Only
// the difference is written: an update that leaves the rows alone (the common
// case) costs a read instead of dirtying pages in two B-trees.
Status replace_rows(Connection& c, std::string_view type, std::string_view id, const char* delete_one,
                    const char* insert_one, const Tuples& old_rows, const Tuples& new_rows) {
  Tuples gone, added;
  std::set_difference(old_rows.begin(), old_rows.end(), new_rows.begin(), new_rows.end(),
                      std::back_inserter(gone));
  std::set_difference(new_rows.begin(), new_rows.end(), old_rows.begin(), old_rows.end(),
                      std::back_inserter(added));
  for (const auto* list : {&gone, &added}) {
    for (const auto& t : *list) {
      auto q = c.query(list == &gone ? delete_one : insert_one);
      if (!q) return std::move(q).error();
      q->bind(1, type).bind(2, id);
      for (std::size_t i = 0; i < t.size(); ++i) q->bind(static_cast<int>(i) + 3, std::string_view(t[i]));
      if (auto st = q->run(); !st) return st;
    }
  }
  return Status::Ok();
}

Result<Tuples> select_rows(Connection& c, const char* sql, std::string_view type, std::string_view id,
                           int columns) {
  auto q = c.query(sql);
  if (!q) return std::move(q).error();
  q->bind(1, type).bind(2, id);
  Tuples out;
  for (;;) {
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    Tuple& t = out.emplace_back();
    for (int i = 0; i < columns; ++i) t.emplace_back(q->text(i));
  }
  normalise(out);
  return out;
}

Status WriterImpl::write_index_rows(std::string_view type, std::string_view id, const IndexRows* rows,
                                    bool had_rows) {
  if (auto s = sqlite::write_security_rows(c_, type, id, rows ? &rows->security : nullptr, had_rows); !s)
    return s;
  if (!rows) {  // delete: drop everything
    if (!had_rows) return Status::Ok();
    for (const char* sql : {kDeletePatients, kDeleteIdentifiers}) {
      auto q = c_.query(sql);
      if (!q) return std::move(q).error();
      q->bind(1, type).bind(2, id);
      if (auto s = q->run(); !s) return s;
    }
    return Status::Ok();
  }
  Tuples patients, identifiers;
  for (const auto& p : rows->patients)
    if (!p.empty()) patients.push_back({p});
  for (const auto& k : rows->identifiers)
    if (!k.value.empty()) identifiers.push_back({k.system, k.value});  // an empty value finds nothing
  normalise(patients);
  normalise(identifiers);

  Tuples old_patients, old_identifiers;
  if (had_rows) {
    auto p = select_rows(c_, kSelectPatients, type, id, 1);
    if (!p) return std::move(p).error();
    old_patients = std::move(*p);
    auto i = select_rows(c_, kSelectIdentifiers, type, id, 2);
    if (!i) return std::move(i).error();
    old_identifiers = std::move(*i);
  }
  if (auto s = replace_rows(c_, type, id, kDeleteOnePatient, kInsertPatient, old_patients, patients); !s)
    return s;
  return replace_rows(c_, type, id, kDeleteOneIdentifier, kInsertIdentifier, old_identifiers, identifiers);
}

Result<WriteOutcome> WriterImpl::put(std::string_view type, std::string_view id, Json resource,
                                     const PutOptions& options) {
  if (!valid_type(type)) return bad_request("invalid resource type '" + std::string(type) + "'");
  if (!valid_id(id)) return bad_request("invalid resource id (FHIR ids are [A-Za-z0-9-.]{1,64})", "id");
  if (!resource.is_object()) return bad_request("a resource must be a JSON object");
  if (resource.get_string("resourceType") != type)
    return bad_request("resourceType '" + std::string(resource.get_string("resourceType")) +
                           "' does not match the type '" + std::string(type) + "'",
                       "resourceType");
  // Content and rows computed before (options) describe the resource as
  // given: not once its id is added here.
  bool id_inserted = false;
  if (const Json* rid = resource.find("id")) {
    if (!rid->is_string() || rid->as_string() != id)
      return bad_request("resource id does not match the id '" + std::string(id) + "'", "id");
  } else {
    id_inserted = true;
    insert_id(resource, id);
  }

  auto found = current(type, id);
  if (!found) return std::move(found).error();
  const std::optional<CurrentRow>& cur = *found;
  const bool live = cur && !cur->deleted;
  if (options.if_match && (!cur || cur->version != *options.if_match)) {
    std::string actual =
        !cur ? std::string("it does not exist")
             : "the current version is " + std::to_string(cur->version) + (cur->deleted ? " (deleted)" : "");
    return precondition_failed("version conflict on " + ref(type, id) + ": expected version " +
                               std::to_string(*options.if_match) + " but " + actual);
  }
  if (options.must_not_exist && live)
    return conflict(ref(type, id) + " already exists (version " + std::to_string(cur->version) + ")");

  PreparedContent own;
  const PreparedContent* content = id_inserted ? nullptr : options.content;
  if (!content) {
    if (auto s = prepare_content(resource, own); !s) return std::move(s).error();
    content = &own;
  }
  const std::int64_t hash = content->hash;
  if (live && cur->hash == hash) {
    auto same = same_content(cur->seq, content->canonical);
    if (!same) return std::move(same).error();
    if (*same) {
      auto q = c_.query(kBySeq);
      if (!q) return std::move(q).error();
      q->bind(1, cur->seq);
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) return internal_error("current version of " + ref(type, id) + " is missing");
      return WriteOutcome{version_row(*q, type, id, 0), false, false};
    }
  }

  WriteOutcome out;
  out.created = !live;
  ResourceVersion& v = out.stored;
  v.type = type;
  v.id = id;
  v.version = cur ? cur->version + 1 : 1;  // numbering continues after a tombstone
  v.last_updated = store_.now();
  v.method = options.method;
  IndexRows computed;
  const IndexRows* index = id_inserted ? nullptr : options.index;
  if (!index) {
    set_stamps(resource, v.version, v.last_updated);  // the indexer sees what is stored
    computed = indexer_(type, resource);
    index = &computed;
  }
  const IndexRows& rows = *index;
  v.body = content->body(v.version, v.last_updated);

  auto seq = append_version(v, hash);
  if (!seq) return std::move(seq).error();
  std::string_view patient;
  for (const auto& p : rows.patients)
    if (!p.empty()) {
      patient = p;
      break;
    }
  if (auto s = set_current(type, id, *seq, v.version, false, hash, patient); !s) return std::move(s).error();
  if (out.created) {
    if (auto s = add_live(type, 1); !s) return std::move(s).error();
  }
  if (auto s = write_index_rows(type, id, &rows, live); !s) return std::move(s).error();
  // A resource not live has no search rows (a delete takes them out).
  if (auto s = write_search_rows(type, id, *seq, v.last_updated, patient, &rows.search, live); !s)
    return std::move(s).error();
  return out;
}

Result<std::optional<ResourceVersion>> WriterImpl::remove(std::string_view type, std::string_view id,
                                                          std::optional<std::int64_t> if_match) {
  auto found = current(type, id);
  if (!found) return std::move(found).error();
  const std::optional<CurrentRow>& cur = *found;
  if (!cur || cur->deleted) return std::optional<ResourceVersion>();  // idempotent delete
  if (if_match && cur->version != *if_match)
    return precondition_failed("version conflict on " + ref(type, id) + ": expected version " +
                               std::to_string(*if_match) + " but the current version is " +
                               std::to_string(cur->version));
  ResourceVersion v;
  v.type = type;
  v.id = id;
  v.version = cur->version + 1;
  v.last_updated = store_.now();
  v.deleted = true;
  v.method = "DELETE";
  auto seq = append_version(v, std::nullopt);
  if (!seq) return std::move(seq).error();
  if (auto s = set_current(type, id, *seq, v.version, true, std::nullopt, {}); !s)
    return std::move(s).error();
  if (auto s = add_live(type, -1); !s) return std::move(s).error();
  if (auto s = write_index_rows(type, id, nullptr, true); !s) return std::move(s).error();
  if (auto s = write_search_rows(type, id, *seq, v.last_updated, {}, nullptr); !s)
    return std::move(s).error();
  return std::optional<ResourceVersion>(std::move(v));
}

// --- search -------------------------------------------------------------------------

Result<SearchPage> WriterImpl::search(const SearchPlan& plan) {
  return sqlite::run_search(c_, store_.search_ids(), plan);
}

Result<std::int64_t> WriterImpl::estimate(const SearchPlan& plan, const Predicate& p, std::int64_t cap) {
  return sqlite::estimate(c_, store_.search_ids(), plan, p, cap);
}

constexpr const char* kReindexNext =
    "SELECT c.type, c.id, c.seq, v.last_updated, v.body FROM resource_current c JOIN resource_version v "
    "ON v.seq = c.seq WHERE c.deleted = 0 AND (c.type, c.id) > (?1, ?2) ORDER BY c.type, c.id LIMIT ?3";
constexpr const char* kSetPatient = "UPDATE resource_current SET patient=?3 WHERE type=?1 AND id=?2";
constexpr const char* kLiveResources = "SELECT 1 FROM resource_current WHERE deleted = 0 LIMIT 1";

Result<std::int64_t> WriterImpl::reindex_batch(std::pair<std::string, std::string>& last, int limit) {
  struct Item {
    std::string type, id;
    std::int64_t seq, last_updated;
    std::string body;
  };
  std::vector<Item> items;
  {
    auto q = c_.query(kReindexNext);
    if (!q) return std::move(q).error();
    q->bind(1, std::string_view(last.first)).bind(2, std::string_view(last.second)).bind(3, limit);
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      items.push_back({std::string(q->text(0)), std::string(q->text(1)), q->int64(2), q->int64(3),
                       std::string(q->text(4))});
    }
  }
  for (const auto& it : items) {
    auto json = parse_json(it.body);
    if (!json) return internal_error("stored body of " + ref(it.type, it.id) + " is not valid JSON");
    IndexRows rows = indexer_(it.type, *json);
    std::string_view patient;
    for (const auto& p : rows.patients)
      if (!p.empty()) {
        patient = p;
        break;
      }
    {
      auto q = c_.query(kSetPatient);
      if (!q) return std::move(q).error();
      q->bind(1, std::string_view(it.type)).bind(2, std::string_view(it.id)).bind_or_null(3, patient);
      if (auto s = q->run(); !s) return s.error();
    }
    if (auto s = write_index_rows(it.type, it.id, &rows, true); !s) return s.error();
    if (auto s = write_search_rows(it.type, it.id, it.seq, it.last_updated, patient, &rows.search); !s)
      return s.error();
  }
  if (!items.empty()) last = {items.back().type, items.back().id};
  return static_cast<std::int64_t>(items.size());
}

Result<bool> SqliteStore::register_search_params(const std::vector<std::string>& names,
                                                 const std::vector<RowAlias>& aliases,
                                                 std::string_view fingerprint) {
  std::vector<std::pair<std::string, std::int64_t>> added;
  bool stale = false;
  Status st = write([&](Writer& w) -> Status {
    auto& c = static_cast<WriterImpl&>(w).connection();
    auto ids = search_ids_->insert(c, names);
    if (!ids) return std::move(ids).error();
    added = std::move(*ids);
    auto stored = sqlite::read_meta(c, sqlite::kFingerprintKey);
    if (!stored) return std::move(stored).error();
    if (*stored != fingerprint) {
      auto q = c.query(kLiveResources);
      if (!q) return std::move(q).error();
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (*row) {
        stale = true;  // built from other definitions: reindex() records the new fingerprint
      } else if (auto s = sqlite::write_meta(c, sqlite::kFingerprintKey, fingerprint); !s) {
        return s;  // nothing indexed yet: the index is current by definition
      }
    }
    return Status::Ok();
  });
  if (!st) return st.error();
  search_ids_->publish(added);  // committed: readers and later units may use them
  search_ids_->set_aliases(aliases);
  std::lock_guard lock(fingerprint_mu_);
  fingerprint_ = std::string(fingerprint);
  return stale;
}

Status SqliteStore::begin_bulk_load() {
  checkpoints_beside_ = true;
  Status st = write([&](Writer& w) -> Status {
    auto& c = static_cast<WriterImpl&>(w).connection();
    if (auto s = c.exec(kFullTextBulkMerging, "letting the full-text segments pile up for a bulk load"); !s)
      return s;
    for (const auto& ix : sqlite::kSearchIndexes) {
      std::string sql = std::string("DROP INDEX IF EXISTS ") + ix.name;
      if (auto s = c.exec(sql.c_str(), "dropping a search index for a bulk load"); !s) return s;
    }
    return Status::Ok();
  });
  if (!st) {
    checkpoints_beside_ = false;  // no bulk load: no end_bulk_load either
    return st;
  }
  Status left = on_writer([&] { return leave_wal(); });
  if (!left) (void)end_bulk_load();  // indexes, merge policy and WAL mode back, as far as they go
  return left;
}

// A bulk load commits through a rollback journal, which does not copy the
// pages a load adds, where WAL mode writes every page twice (into the log,
// then into the file): docs/decisions/storage.md, "Bulk loads through a
// rollback journal". SQLite leaves WAL mode only when no other connection
// has the file open; when one has, the load stays in WAL mode.
Status SqliteStore::leave_wal() {
  pool_->connections.drop_idle();
  checkpointer_.reset();
  sqlite3* db = wconn_->db();
  sqlite3_busy_timeout(db, 0);  // another connection: give up at once
  auto mode = wconn_->scalar("PRAGMA journal_mode=PERSIST", "leaving WAL mode for a bulk load");
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  if (!mode || *mode != "persist") return back_to_wal();
  // Whatever the store's setting: a commit is synced before it returns, so
  // a crash undoes at most the batch in progress.
  return wconn_->exec("PRAGMA synchronous=FULL", "syncing every commit of a bulk load");
}

Status SqliteStore::back_to_wal() {
  if (checkpointer_) return Status::Ok();  // never left
  if (auto s = use_wal(); !s) return s;
  wal_pages_ = wal_pages_asked_ = 0;
  return start_checkpointer();
}

Status SqliteStore::use_wal() {
  auto mode = wconn_->scalar("PRAGMA journal_mode=WAL", "enabling WAL mode");
  if (!mode) return std::move(mode).error();
  if (*mode != "wal") return internal_error("the database refused WAL mode (journal_mode=" + *mode + ")");
  return wconn_->exec(synchronous(), "setting synchronous");
}

Status SqliteStore::start_checkpointer() {
  auto checkpointer = sqlite::WalCheckpointer::start(path_, synchronous());
  if (!checkpointer) return std::move(checkpointer).error();
  checkpointer_ = std::move(*checkpointer);
  return Status::Ok();
}

// One transaction per index: the WAL then holds one index at a time and is
// checkpointed and reused in between, where one transaction for all of them
// grew it by every index's pages before the first checkpoint (the ten
// builds on the 100k store: 47-49 s against 54-77 s, docs/performance.md).
// An interruption in between leaves indexes that the next open builds.
Status SqliteStore::end_bulk_load() {
  auto unit = [&](const char* sql, std::string_view what) {
    return write(
        [&](Writer& w) -> Status { return static_cast<WriterImpl&>(w).connection().exec(sql, what); });
  };
  struct Everyday {  // whatever happens below
    std::atomic<bool>& beside;
    ~Everyday() { beside = false; }
  } everyday{checkpoints_beside_};
  Status st = build_search_indexes(unit);
  if (st) st = unit(kFullTextMergeAll, "merging the full-text segments after a bulk load");
  Status wal = on_writer([&] { return back_to_wal(); });
  return st ? wal : st;
}

Result<std::int64_t> SqliteStore::reindex(const std::function<void(std::int64_t)>& progress, int batch) {
  // The full text starts empty: the texts it holds may come from another
  // extraction, which the body's text now would not take out
  // (search_schema.h). A reindex cut short leaves the old fingerprint, so
  // the next one starts here again.
  Status cleared = write([&](Writer& w) -> Status {
    return sqlite::forget_full_text(static_cast<WriterImpl&>(w).connection());
  });
  if (!cleared) return cleared.error();
  std::pair<std::string, std::string> last;
  std::int64_t done = 0;
  for (;;) {
    std::int64_t n = 0;
    Status st = write([&](Writer& w) -> Status {
      auto r = static_cast<WriterImpl&>(w).reindex_batch(last, std::max(1, batch));
      if (!r) return std::move(r).error();
      n = *r;
      return Status::Ok();
    });
    if (!st) return st.error();
    done += n;
    if (progress) progress(done);
    if (n == 0) break;
  }
  std::string fp;
  {
    std::lock_guard lock(fingerprint_mu_);
    fp = fingerprint_;
  }
  Status st = write([&](Writer& w) -> Status {
    return sqlite::write_meta(static_cast<WriterImpl&>(w).connection(), sqlite::kFingerprintKey, fp);
  });
  if (!st) return st.error();
  return done;
}

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite(const SqliteOptions& options) {
  auto store = std::make_unique<SqliteStore>(options);
  if (auto s = store->open(); !s) return std::move(s).error();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace parcours::store
