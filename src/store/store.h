// The versioned resource store: the contract every backend (SQLite today,
// PostgreSQL at scale) implements. Layers above never write SQL.
//
// Invariants (docs/decisions/storage.md):
//  - versions are immutable; a write appends version n+1 and moves "current";
//  - a delete appends a tombstone version (deleted = true, empty body);
//  - an update whose content equals the current version's (ignoring
//    meta.versionId / meta.lastUpdated) appends nothing;
//  - everything done inside one Store::write() unit is atomic, and is durable
//    once write() returns Ok (the API acknowledges only after that).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"
#include "store/search_index.h"
#include "store/security_store.h"

namespace parcours::store {

// Microseconds since the Unix epoch, UTC.
using Micros = std::int64_t;

struct IndexRows;        // below
struct PreparedContent;  // store/content.h

struct ResourceVersion {
  std::string type;
  std::string id;
  std::int64_t version = 0;  // meta.versionId, 1-based
  Micros last_updated = 0;   // meta.lastUpdated
  bool deleted = false;      // tombstone
  std::string method;        // "POST" (create), "PUT", "PATCH" or "DELETE": for history entries
  std::string body;          // compact JSON with meta set; empty for a tombstone
};

// One identifier of a resource (Resource.identifier system|value), kept so
// conditional references such as "Practitioner?identifier=sys|val" resolve.
struct IdentifierKey {
  std::string system;
  std::string value;
};

struct HistoryQuery {
  std::string type;                    // empty: system level
  std::string id;                      // empty: type or system level
  std::optional<Micros> since;         // _since: versions with last_updated >= since
  std::optional<Micros> at_or_before;  // upper bound (for _at / stable paging)
  std::int64_t before_seq = 0;         // paging cursor: only versions older than this (0: none)
  int count = 50;
  // Access policy inside the query (security/policy.h): only versions of
  // resources passing it are listed and counted. Empty: no filter.
  RowFilter filter;
};

struct HistoryPage {
  std::vector<ResourceVersion> versions;  // newest first
  std::int64_t next_seq = 0;              // cursor for the next page, 0 when last
  std::int64_t total = 0;                 // number of versions matching (all pages)
};

// Reads. Implementations return a consistent snapshot for the lifetime of the
// reader object.
class Reader {
 public:
  virtual ~Reader() = default;
  // Current version (which may be a tombstone), or nullopt if never existed.
  virtual Result<std::optional<ResourceVersion>> read(std::string_view type, std::string_view id) = 0;
  virtual Result<std::optional<ResourceVersion>> vread(std::string_view type, std::string_view id,
                                                       std::int64_t version) = 0;
  virtual Result<HistoryPage> history(const HistoryQuery& q) = 0;
  // Live (non-deleted) resources of `type` carrying identifier system|value.
  // An empty system matches any system.
  virtual Result<std::vector<std::string>> find_by_identifier(std::string_view type,
                                                              const IdentifierKey& key) = 0;
  // Number of live resources per type (for metadata and admin screens).
  virtual Result<std::vector<std::pair<std::string, std::int64_t>>> count_by_type() = 0;
  // The access policy's label of a resource (kept after its deletion), or
  // nullopt when it was never written.
  virtual Result<std::optional<ResourceLabel>> label(std::string_view type, std::string_view id) = 0;
  // What decides access to resource type/id of `patient`: the patient-wide
  // facts, the resource's own (author) facts, and open break-glass accesses.
  virtual Result<std::vector<AccessFact>> access_facts(std::string_view patient, std::string_view type,
                                                       std::string_view id) = 0;
  // Changes whenever a fact that can open or close a record changes
  // (everything but authorship) or a break-glass access opens, in this
  // reader's snapshot; nullopt when the snapshot holds uncommitted changes
  // (a writer), which must not be cached.
  virtual Result<std::optional<std::int64_t>> access_generation() { return std::optional<std::int64_t>(); }
  // The patients granted to `principals` (care team, GP, task, permit) or
  // opened by a break-glass access of `account`, not ended before `now`, with
  // all their patient-wide facts and that account's break-glass accesses.
  virtual Result<std::vector<AccessFact>> reach_facts(const std::vector<std::string>& principals,
                                                      std::string_view account, Micros now) {
    (void)principals, (void)account, (void)now;
    return std::vector<AccessFact>();
  }
  // Search (store/search_index.h, docs/decisions/search.md): runs a plan made
  // by search/planner.h, access policy included. Backends without search
  // answer 501.
  virtual Result<SearchPage> search(const SearchPlan& plan) {
    (void)plan;
    return Error(501, "not-supported", "this store has no search index");
  }
  // Number of rows matching `p` (a predicate of `plan`), counting at most
  // `cap`; -1 when the backend cannot tell cheaply. The planner's statistics.
  virtual Result<std::int64_t> estimate(const SearchPlan& plan, const Predicate& p, std::int64_t cap) {
    (void)plan, (void)p, (void)cap;
    return std::int64_t{-1};
  }
};

struct PutOptions {
  std::string method = "PUT";            // recorded in history
  std::optional<std::int64_t> if_match;  // expected current version (412 otherwise)
  bool must_not_exist = false;           // create: fail with 409 if the id is taken
  // Index rows computed by the caller with Store::index_rows() on this very
  // resource (bulk loads compute them on other threads); null: put() runs
  // the indexer itself.
  const IndexRows* index = nullptr;
  // prepare_content() of this very resource, done by the caller (bulk loads:
  // on other threads); null: put() does it. Both are ignored when put() must
  // add the resource's id.
  const PreparedContent* content = nullptr;
};

struct WriteOutcome {
  ResourceVersion stored;  // the version now current
  bool created = false;    // no live version existed before
  bool changed = true;     // false when identical content made no new version
};

// Writes inside one atomic unit. Reads through a Writer see the unit's own
// earlier writes.
class Writer : public Reader {
 public:
  // Stores `resource` (its resourceType and id must equal type/id) as the next
  // version. Sets meta.versionId and meta.lastUpdated, and stores the
  // Indexer's rows for it (replacing the previous version's rows).
  virtual Result<WriteOutcome> put(std::string_view type, std::string_view id, Json resource,
                                   const PutOptions& options = {}) = 0;
  // Appends a tombstone. Deleting an absent or already deleted resource is not
  // an error (FHIR R4 §3.1.0.7.1): returns nullopt and writes nothing.
  virtual Result<std::optional<ResourceVersion>> remove(std::string_view type, std::string_view id,
                                                        std::optional<std::int64_t> if_match = {}) = 0;
  // Appends one record to the hash-chained audit log, in this unit: kept if
  // and only if the unit commits (security_store.h).
  virtual Status append_audit(const AuditRecord& record) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual std::unique_ptr<Reader> reader() = 0;
  // Runs `unit` atomically. If it returns an error, nothing it did is kept and
  // the error is returned. Concurrent units may share one commit (group
  // commit); write() returns only after that commit is durable.
  virtual Status write(const std::function<Status(Writer&)>& unit) = 0;
  // A fresh server-assigned logical id (FHIR id: [A-Za-z0-9\-\.]{1,64}).
  virtual std::string new_id() = 0;
  // Current wall clock as store time (monotonic per store: never goes back).
  virtual Micros now() = 0;
  // Flushes and closes; later calls fail.
  virtual void close() = 0;
  // Search parameters whose rows the indexer may produce from now on
  // ("Observation.code"...), and the fingerprint of the definitions that
  // produce them: the backend gives each name a compact key (committed before
  // this returns). Returns true when the stored index was built from other
  // definitions, or never built while resources exist: run reindex().
  // `aliases` are names with no rows of their own (RowAlias).
  virtual Result<bool> register_search_params(const std::vector<std::string>& names,
                                              const std::vector<RowAlias>& aliases,
                                              std::string_view fingerprint) {
    (void)names, (void)aliases, (void)fingerprint;
    return Error(501, "not-supported", "this store has no search index");
  }
  // Recomputes the index rows of every current resource with the indexer
  // (after a definitions change, or when custom SearchParameters were
  // registered), `batch` resources per atomic unit, then records the
  // registered fingerprint. `progress` receives the number done so far.
  // Returns the number of resources reindexed.
  virtual Result<std::int64_t> reindex(const std::function<void(std::int64_t)>& progress, int batch = 500) {
    (void)progress, (void)batch;
    return Error(501, "not-supported", "this store cannot reindex");
  }
  // The store's indexer on `resource` (thread-safe): for PutOptions::index.
  // nullopt when the backend computes rows only inside put().
  virtual std::optional<IndexRows> index_rows(std::string_view type, const Json& resource);
  // Bulk loads: between begin and end, search-index rows are written
  // without their value indexes, which end_bulk_load() then builds in one
  // sorted pass (much faster than random inserts). Searches stay correct
  // meanwhile, only slower. A store interrupted in between rebuilds them at
  // its next open. The SQLite store also commits through a rollback journal
  // in between when no other connection has its file open, so that readers
  // wait for its commits (docs/decisions/storage.md). No-ops by default.
  virtual Status begin_bulk_load() { return Status::Ok(); }
  virtual Status end_bulk_load() { return Status::Ok(); }
};

// Facts extracted from a resource at write time and stored with its version in
// the same transaction. The search issue adds typed search-index rows here.
struct IndexRows {
  // Ids of the Patients whose compartment holds the resource (FHIR R4
  // CompartmentDefinition "patient"); for a Patient, its own id. The first one
  // is the row's compartment key (access policy, future sharding key).
  std::vector<std::string> patients;
  std::vector<IdentifierKey> identifiers;  // Resource.identifier system|value
  SecurityRows security;                   // access-policy label and facts (security/facts.h)
  SearchRows search;                       // typed search-index rows (search/indexer.h)
};

inline std::optional<IndexRows> Store::index_rows(std::string_view type, const Json& resource) {
  (void)type, (void)resource;
  return std::nullopt;
}

// Extracts IndexRows; supplied by the layer that knows the definitions (the
// store itself knows no FHIR rules). Must be thread-safe and pure.
using Indexer = std::function<IndexRows(std::string_view type, const Json& resource)>;

// The full text the Indexer gives a resource (IndexRows::search.text),
// alone. The SQLite store keeps no copy of the texts it indexes (a
// contentless FTS5 table, sqlite/search_schema.h): to take a resource's row
// out it computes that text again from the stored body. Must agree with the
// Indexer; when empty, the store calls the Indexer instead (slower).
using TextIndexer = std::function<FullText(std::string_view type, const Json& resource)>;

struct SqliteOptions {
  std::string directory;         // created if absent; holds parcours.db
  Indexer indexer;               // required
  TextIndexer text_indexer;      // optional (above)
  int reader_connections = 8;    // pooled read connections
  bool synchronous_full = true;  // fsync the WAL at each commit (durability)
  // WAL pages before a checkpoint (run beside the writer during a bulk
  // load), and, during a bulk load, before the writer copies the log itself
  // so that it starts over; 0 takes the store's own values
  // (sqlite_store.cc). Tests make them small.
  int checkpoint_pages = 0;
  int wal_restart_pages = 0;
  // Page cache of the write connection in KiB; 0 takes the store's 64 MiB.
  // A transaction that outgrows it writes pages into the file before its
  // commit (tests make it small to see a crash undo them).
  int writer_cache_kib = 0;
};

Result<std::unique_ptr<Store>> open_sqlite(const SqliteOptions& options);

// A fresh logical id: UUID version 7 layout (RFC 9562), 48-bit Unix
// milliseconds then 74 random bits. Time-ordered ids land at the right edge
// of every (type, id) B-tree, so creates do not dirty random pages; still a
// valid FHIR id. Thread-safe.
std::string time_ordered_id();

// "2026-11-26T10:15:30.123Z" (millisecond precision, UTC) <-> Micros.
std::string format_instant(Micros t);
// Parses a FHIR instant/dateTime (any precision); nullopt when malformed.
// Partial values are taken at their lower bound.
std::optional<Micros> parse_instant(std::string_view text);

}  // namespace parcours::store
