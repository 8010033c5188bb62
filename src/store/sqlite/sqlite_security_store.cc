// SQLite backend of the security store (store/security_store.h) and of the
// store's security hooks (security_rows.h). Schema: security_schema.h.
#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <tuple>
#include <unordered_set>

#include "base/text.h"
#include "store/security_store.h"
#include "store/sqlite/security_rows.h"
#include "store/sqlite/sqlite_db.h"

namespace parcours::store {

// --- the audit chain ------------------------------------------------------------

namespace {

void field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += '=';
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

}  // namespace

std::string audit_canonical(const AuditRecord& r) {
  // Length-prefixed so no choice of field values can imitate another record.
  std::string out;
  out.reserve(512);
  field(out, "seq", std::to_string(r.seq));
  field(out, "recorded", std::to_string(r.recorded));
  field(out, "category", r.category);
  field(out, "action", r.action);
  field(out, "subtype", r.subtype);
  field(out, "outcome", r.outcome);
  field(out, "agent", r.agent);
  field(out, "agent_kind", r.agent_kind);
  field(out, "agent_role", r.agent_role);
  field(out, "agent_display", r.agent_display);
  field(out, "on_behalf_of", r.on_behalf_of);
  field(out, "patient", r.patient);
  field(out, "entities", r.entities);
  field(out, "purpose", r.purpose);
  field(out, "reason", r.reason);
  field(out, "request_id", r.request_id);
  field(out, "remote", r.remote);
  field(out, "until", std::to_string(r.until));
  return out;
}

std::string audit_hash(std::string_view prev_hash, const AuditRecord& record) {
  std::string text;
  text.reserve(prev_hash.size() + 640);
  text.append(prev_hash);
  text += '\n';
  text += audit_canonical(record);
  // OpenSSL's SHA-256 uses the CPU's SHA extensions where present (it runs
  // for every audited request, on the writer thread).
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), digest, &n, EVP_sha256(), nullptr);
  return hex_encode(std::string_view(reinterpret_cast<const char*>(digest), n));
}

namespace sqlite {
namespace {

// A statement prepared for one use (SQL built at run time: row filters).
class OneShot {
 public:
  static Result<OneShot> prepare(Connection& c, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(c.db(), sql.c_str(), -1, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(c.db(), rc, "preparing a filtered query");
    return OneShot(c.db(), stmt);
  }
  OneShot(OneShot&& o) noexcept : db_(o.db_), stmt_(std::exchange(o.stmt_, nullptr)) {}
  OneShot(const OneShot&) = delete;
  ~OneShot() {
    if (stmt_) sqlite3_finalize(stmt_);
  }
  // Query borrows the statement; it resets it when it goes, before we finalize.
  Query query() { return Query(db_, stmt_); }

 private:
  OneShot(sqlite3* db, sqlite3_stmt* s) : db_(db), stmt_(s) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

void bind_values(Query& q, int first, const std::vector<SqlValue>& values) {
  int i = first;
  for (const auto& v : values) {
    if (const auto* n = std::get_if<std::int64_t>(&v))
      q.bind(i++, *n);
    else
      q.bind(i++, std::string_view(std::get<std::string>(v)));
  }
}

constexpr const char* kSelectLabel =
    "SELECT patient, category, disclose_after FROM resource_label WHERE type=?1 AND id=?2";
constexpr const char* kUpsertLabel =
    "INSERT INTO resource_label(type, id, patient, category, disclose_after) VALUES(?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT(type, id) DO UPDATE SET patient=excluded.patient, category=excluded.category, "
    "disclose_after=excluded.disclose_after";
constexpr const char* kSelectOwnFacts =
    "SELECT kind, patient, principal, target, start_at, end_at FROM access_fact WHERE src_type=?1 AND "
    "src_id=?2";
constexpr const char* kBumpAccessGeneration =
    "UPDATE security_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'access_generation'";
constexpr const char* kDeleteOwnFacts = "DELETE FROM access_fact WHERE src_type=?1 AND src_id=?2";
constexpr const char* kInsertFact =
    "INSERT OR IGNORE INTO access_fact(src_type, src_id, kind, patient, principal, target, start_at, end_at) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
// Authorship facts live in resource_author (migration 12).
constexpr const char* kSelectAuthors = "SELECT principal FROM resource_author WHERE type=?1 AND id=?2";
constexpr const char* kSelectAuthorFacts =
    "SELECT a.principal, coalesce(l.patient, '') FROM resource_author AS a LEFT JOIN resource_label AS l ON "
    "l.type = a.type AND l.id = a.id WHERE a.type=?1 AND a.id=?2";
constexpr const char* kDeleteAuthors = "DELETE FROM resource_author WHERE type=?1 AND id=?2";
constexpr const char* kInsertAuthor =
    "INSERT OR IGNORE INTO resource_author(type, id, principal) VALUES(?1, ?2, ?3)";
constexpr const char* kPatientFacts =
    "SELECT kind, patient, principal, target, start_at, end_at, src_type, src_id FROM access_fact "
    "WHERE patient=?1";
// Break-glass accesses are audit records: the grant and its trace are one
// row. Both queries give (agent, patient, recorded, until, seq).
constexpr const char* kBreakGlass =
    "SELECT agent, patient, recorded, until, seq FROM audit_event INDEXED BY audit_event_break_glass "
    "WHERE subtype='break-glass' AND patient=?1";
constexpr const char* kAccountBreakGlass =
    "SELECT agent, patient, recorded, until, seq FROM audit_event INDEXED BY "
    "audit_event_break_glass_by_agent "
    "WHERE subtype='break-glass' AND agent=?1 AND until>?2";
constexpr const char* kLastAudit = "SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1";
constexpr const char* kInsertAudit =
    "INSERT INTO audit_event(seq, recorded, category, action, subtype, outcome, agent, agent_kind, "
    "agent_role, "
    "agent_display, on_behalf_of, patient, entities, purpose, reason, request_id, remote, until, prev_hash, "
    "hash) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)";

using FactKey = std::tuple<std::string, std::string, std::string, std::string, Micros, Micros>;

FactKey key_of(const AccessFact& f) { return {f.kind, f.patient, f.principal, f.target, f.start, f.end}; }

}  // namespace

namespace {

Status bump_access_generation(Connection& c) {
  auto q = c.query(kBumpAccessGeneration);
  if (!q) return std::move(q).error();
  return q->run();
}

// Runs `sql` with ?1 = type and ?2 = id, and calls `row` for each row.
template <class F>
Status each_row(Connection& c, const char* sql, std::string_view type, std::string_view id, F row) {
  auto q = c.query(sql);
  if (!q) return std::move(q).error();
  q->bind(1, type).bind(2, id);
  for (;;) {
    auto more = q->step();
    if (!more) return std::move(more).error();
    if (!*more) return Status::Ok();
    row(*q);
  }
}

// Makes the resource's rows of one table (`select`, `erase` and `insert`,
// with ?1 = type and ?2 = id) the set `now`, writing only when the stored set
// differs. `read` makes a key of a selected row, `bind` binds a key from ?3.
// Returns whether anything was written.
template <class Key, class Read, class Bind>
Result<bool> replace_set(Connection& c, std::string_view type, std::string_view id, bool live_before,
                         std::vector<Key> now, const char* select, const char* erase, const char* insert,
                         Read read, Bind bind) {
  std::vector<Key> old;
  if (live_before)
    if (auto s = each_row(c, select, type, id, [&](const Query& q) { old.push_back(read(q)); }); !s)
      return std::move(s).error();
  for (auto* v : {&old, &now}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  if (old == now) return false;
  if (!old.empty()) {
    auto q = c.query(erase);
    if (!q) return std::move(q).error();
    q->bind(1, type).bind(2, id);
    if (auto s = q->run(); !s) return std::move(s).error();
  }
  for (const auto& key : now) {
    auto q = c.query(insert);
    if (!q) return std::move(q).error();
    q->bind(1, type).bind(2, id);
    bind(*q, key);
    if (auto s = q->run(); !s) return std::move(s).error();
  }
  return true;
}

// The resource's facts other than authorship.
Status replace_facts(Connection& c, std::string_view type, std::string_view id, bool live_before,
                     std::vector<FactKey> facts) {
  auto changed = replace_set(
      c, type, id, live_before, std::move(facts), kSelectOwnFacts, kDeleteOwnFacts, kInsertFact,
      [](const Query& q) {
        return FactKey{std::string(q.text(0)),
                       std::string(q.text(1)),
                       std::string(q.text(2)),
                       std::string(q.text(3)),
                       q.int64(4),
                       q.int64(5)};
      },
      [](Query& q, const FactKey& k) {
        const auto& [kind, patient, principal, target, start, end] = k;
        q.bind(3, std::string_view(kind)).bind(4, std::string_view(patient));
        q.bind(5, std::string_view(principal)).bind(6, std::string_view(target)).bind(7, start).bind(8, end);
      });
  if (!changed) return std::move(changed).error();
  // Any of these facts may open or close a record: cached reaches
  // (security/reach.h) must see the change.
  return *changed ? bump_access_generation(c) : Status::Ok();
}

// The resource's authors. Authorship opens no record (it only lifts a
// patient's masks, or shows data outside any compartment to its author), so
// it leaves the access generation alone.
Status replace_authors(Connection& c, std::string_view type, std::string_view id, bool live_before,
                       std::vector<std::string> authors) {
  auto changed = replace_set(
      c, type, id, live_before, std::move(authors), kSelectAuthors, kDeleteAuthors, kInsertAuthor,
      [](const Query& q) { return std::string(q.text(0)); },
      [](Query& q, const std::string& principal) { q.bind(3, std::string_view(principal)); });
  return changed ? Status::Ok() : Status(std::move(changed).error());
}

}  // namespace

Status write_security_rows(Connection& c, std::string_view type, std::string_view id,
                           const SecurityRows* rows, bool live_before) {
  // Label: kept on delete; replaced only when it changed. A new resource
  // has no facts yet (a deleted one lost them), so nothing is looked up.
  if (rows && rows->label) {
    const ResourceLabel& l = *rows->label;
    bool same = false;
    if (live_before) {
      auto cur = read_label(c, type, id);
      if (!cur) return std::move(cur).error();
      same = *cur && (*cur)->patient == l.patient && (*cur)->category == l.category &&
             (*cur)->disclose_after == l.disclose_after;
    }
    if (!same) {
      auto q = c.query(kUpsertLabel);
      if (!q) return std::move(q).error();
      q->bind(1, type).bind(2, id).bind_or_null(3, l.patient).bind(4, std::string_view(l.category));
      q->bind(5, l.disclose_after);
      if (auto s = q->run(); !s) return s;
    }
  }
  // Facts, then authors: each compared as a set, rewritten only when it
  // differs.
  std::vector<FactKey> new_facts;
  std::vector<std::string> new_authors;
  if (rows)
    for (const auto& f : rows->facts) {
      if (f.kind == "author")
        new_authors.push_back(f.principal);
      else
        new_facts.push_back(key_of(f));
    }
  if (auto s = replace_facts(c, type, id, live_before, std::move(new_facts)); !s) return s;
  return replace_authors(c, type, id, live_before, std::move(new_authors));
}

Status append_audit(Connection& c, const AuditRecord& in) {
  // A break-glass access opens a record (security/reach.h).
  if (in.subtype == "break-glass")
    if (auto s = bump_access_generation(c); !s) return s;
  AuditRecord r = in;
  r.seq = 1;
  r.prev_hash = kAuditGenesis;
  {
    auto q = c.query(kLastAudit);
    if (!q) return std::move(q).error();
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (*row) {
      r.seq = q->int64(0) + 1;
      r.prev_hash = std::string(q->text(1));
    }
  }
  r.hash = audit_hash(r.prev_hash, r);
  auto q = c.query(kInsertAudit);
  if (!q) return std::move(q).error();
  q->bind(1, r.seq).bind(2, r.recorded);
  const std::string* texts[] = {&r.category,   &r.action,     &r.subtype,       &r.outcome,      &r.agent,
                                &r.agent_kind, &r.agent_role, &r.agent_display, &r.on_behalf_of, &r.patient,
                                &r.entities,   &r.purpose,    &r.reason,        &r.request_id,   &r.remote};
  int i = 3;
  for (const auto* t : texts) q->bind(i++, std::string_view(*t));
  q->bind(18, r.until).bind(19, std::string_view(r.prev_hash)).bind(20, std::string_view(r.hash));
  return q->run();
}

Result<std::optional<ResourceLabel>> read_label(Connection& c, std::string_view type, std::string_view id) {
  auto q = c.query(kSelectLabel);
  if (!q) return std::move(q).error();
  q->bind(1, type).bind(2, id);
  auto row = q->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<ResourceLabel>();
  ResourceLabel l;
  l.patient = std::string(q->text(0));
  l.category = std::string(q->text(1));
  l.disclose_after = q->int64(2);
  return std::optional<ResourceLabel>(std::move(l));
}

namespace {

// Rows (kind, patient, principal, target, start_at, end_at[, src_type,
// src_id]) as facts; `source` names them when the query has no source columns.
Status read_fact_rows(Query& q, std::vector<AccessFact>& out, std::string_view source = {}) {
  for (;;) {
    auto row = q.step();
    if (!row) return std::move(row).error();
    if (!*row) return Status::Ok();
    AccessFact f;
    f.kind = q.text(0);
    f.patient = q.text(1);
    f.principal = q.text(2);
    f.target = q.text(3);
    f.start = q.int64(4);
    f.end = q.int64(5);
    f.source = source.empty() ? std::string(q.text(6)) + "/" + std::string(q.text(7)) : std::string(source);
    out.push_back(std::move(f));
  }
}

// Rows (agent, patient, recorded, until, seq) of kBreakGlass or
// kAccountBreakGlass as "break-glass" facts of the account.
Status read_break_glass_rows(Query& q, std::vector<AccessFact>& out) {
  for (;;) {
    auto row = q.step();
    if (!row) return std::move(row).error();
    if (!*row) return Status::Ok();
    AccessFact f;
    f.kind = "break-glass";
    f.principal = "Account/" + std::string(q.text(0));
    f.patient = q.text(1);
    f.start = q.int64(2);
    f.end = q.int64(3);
    f.source = "audit/" + std::to_string(q.int64(4));
    out.push_back(std::move(f));
  }
}

}  // namespace

Result<std::vector<AccessFact>> read_access_facts(Connection& c, std::string_view patient,
                                                  std::string_view type, std::string_view id) {
  std::vector<AccessFact> out;
  if (!patient.empty()) {
    auto q = c.query(kPatientFacts);
    if (!q) return std::move(q).error();
    q->bind(1, patient);
    if (auto s = read_fact_rows(*q, out); !s) return std::move(s).error();
  }
  if (!type.empty()) {
    // Only the resource's authorship; its other facts are patient-wide and
    // already listed above.
    auto s = each_row(c, kSelectAuthorFacts, type, id, [&](const Query& q) {
      AccessFact f;
      f.kind = "author";
      f.principal = q.text(0);
      f.patient = q.text(1);
      f.source = std::string(type) + "/" + std::string(id);
      out.push_back(std::move(f));
    });
    if (!s) return std::move(s).error();
  }
  if (!patient.empty()) {
    auto q = c.query(kBreakGlass);
    if (!q) return std::move(q).error();
    q->bind(1, patient);
    if (auto s = read_break_glass_rows(*q, out); !s) return std::move(s).error();
  }
  return out;
}

Result<std::vector<AccessFact>> read_reach_facts(Connection& c, const std::vector<std::string>& principals,
                                                 std::string_view account, Micros now) {
  // ?1 now, ?2 account, ?3... principals. The patient-wide kinds are those
  // of kPatientFacts: the same facts decide() sees on a single read.
  std::string in;
  for (std::size_t i = 0; i < principals.size(); ++i) in += (i ? ", ?" : "?") + std::to_string(i + 3);
  std::string text =
      "WITH reached(patient) AS (SELECT patient FROM access_fact WHERE kind IN ('team', 'gp', 'task', "
      "'permit') AND principal IN (" +
      (in.empty() ? std::string("NULL") : in) +
      ") AND end_at > ?1 UNION SELECT patient FROM audit_event WHERE subtype = 'break-glass' AND agent = ?2 "
      "AND until > ?1) SELECT f.kind, f.patient, f.principal, f.target, f.start_at, f.end_at, f.src_type, "
      "f.src_id FROM reached r JOIN access_fact f ON f.patient = r.patient WHERE f.kind IN ('deny-actor', "
      "'deny-break-glass', 'gp', 'gp-only', 'mask-category', 'mask-resource', 'permit', 'task', 'team')";
  std::vector<AccessFact> out;
  {
    auto q = c.query_text(text);
    if (!q) return std::move(q).error();
    q->bind(1, now).bind(2, account);
    for (std::size_t i = 0; i < principals.size(); ++i)
      q->bind(static_cast<int>(i) + 3, std::string_view(principals[i]));
    if (auto s = read_fact_rows(*q, out); !s) return std::move(s).error();
  }
  auto q = c.query(kAccountBreakGlass);
  if (!q) return std::move(q).error();
  q->bind(1, account).bind(2, now);
  if (auto s = read_break_glass_rows(*q, out); !s) return std::move(s).error();
  return out;
}

namespace {

// parcours_reach(handle, patient): the PatientReach flag of `patient`, 0 when
// the handle names no live reach (fail closed). The reach is looked up once
// per statement run and kept as the call's auxiliary data.
struct ReachAux {
  std::int64_t handle = 0;
  std::shared_ptr<const PatientReach> reach;
};

void reach_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
  std::int64_t handle = sqlite3_value_int64(argv[0]);
  auto* aux = static_cast<ReachAux*>(sqlite3_get_auxdata(ctx, 0));
  if (!aux || aux->handle != handle) {
    sqlite3_set_auxdata(ctx, 0, new ReachAux{handle, find_reach(handle)},
                        [](void* p) { delete static_cast<ReachAux*>(p); });
    aux = static_cast<ReachAux*>(sqlite3_get_auxdata(ctx, 0));
  }
  std::shared_ptr<const PatientReach> fallback;
  if (!aux) fallback = find_reach(handle);  // auxiliary data refused (out of memory)
  const PatientReach* reach = aux ? aux->reach.get() : fallback.get();
  if (!reach || sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
    sqlite3_result_int(ctx, PatientReach::kNone);
    return;
  }
  const char* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  const auto* e = reach->find(std::string_view(text, static_cast<std::size_t>(sqlite3_value_bytes(argv[1]))));
  sqlite3_result_int(ctx, e ? int{e->flag} : int{PatientReach::kNone});
}

// parcours_one_of(list, value): 1 when `value` is one of the lines of
// `list` ("a\nb\nc"), 0 otherwise (NULL is in no list). The list is split
// once per statement run (auxiliary data), then each call is one hash probe.
struct OneOfAux {
  std::string text;
  std::unordered_set<std::string_view> items;  // views into `text`
};

std::unique_ptr<OneOfAux> split_list(std::string_view list) {
  auto out = std::make_unique<OneOfAux>();
  out->text = list;
  std::string_view rest = out->text;
  for (std::size_t nl; !rest.empty(); rest = nl == std::string_view::npos ? "" : rest.substr(nl + 1)) {
    nl = rest.find('\n');
    out->items.insert(rest.substr(0, nl));
  }
  return out;
}

void one_of_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
  std::string_view list(reinterpret_cast<const char*>(sqlite3_value_text(argv[0])),
                        static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
  auto* aux = static_cast<OneOfAux*>(sqlite3_get_auxdata(ctx, 0));
  std::unique_ptr<OneOfAux> local;
  if (!aux || aux->text != list) {
    // SQLite owns what it is given, and frees it at once when out of memory.
    sqlite3_set_auxdata(ctx, 0, split_list(list).release(),
                        [](void* p) { delete static_cast<OneOfAux*>(p); });
    aux = static_cast<OneOfAux*>(sqlite3_get_auxdata(ctx, 0));
    if (!aux) local = split_list(list);
  }
  const OneOfAux& set = aux ? *aux : *local;
  if (sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  std::string_view v(reinterpret_cast<const char*>(sqlite3_value_text(argv[1])),
                     static_cast<std::size_t>(sqlite3_value_bytes(argv[1])));
  sqlite3_result_int(ctx, set.items.count(v) ? 1 : 0);
}

int reach_init(sqlite3* db, char**, const sqlite3_api_routines*) {
  // DIRECTONLY: not callable from triggers or views a database file could carry.
  int rc = sqlite3_create_function_v2(db, "parcours_reach", 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, nullptr,
                                      reach_function, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_create_function_v2(db, "parcours_one_of", 2,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                    one_of_function, nullptr, nullptr, nullptr);
}

}  // namespace

void enable_reach_function() {
  static std::once_flag once;
  std::call_once(once, [] {
    configure_library();  // before auto_extension, which initialises SQLite
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(&reach_init));
  });
}

namespace {

constexpr std::int64_t kMaxSeq = std::numeric_limits<std::int64_t>::max();

Result<std::optional<std::int64_t>> seq_bound(Connection& c, const char* sql, Micros t) {
  auto q = c.query(sql);
  if (!q) return std::move(q).error();
  q->bind(1, t);
  auto row = q->step();
  if (!row) return std::move(row).error();
  if (!*row) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(q->int64(0));
}

constexpr const char* kSecFirstSeqSince =
    "SELECT seq FROM resource_version WHERE last_updated>=?1 ORDER BY last_updated, seq LIMIT 1";
constexpr const char* kSecLastSeqAtOrBefore =
    "SELECT seq FROM resource_version WHERE last_updated<=?1 ORDER BY last_updated DESC, seq DESC LIMIT 1";

}  // namespace

Result<HistoryPage> filtered_history(Connection& c, const HistoryQuery& hq) {
  if (!hq.id.empty() && hq.type.empty()) return bad_request("instance history needs a resource type");
  HistoryPage page;
  std::int64_t count = std::clamp(hq.count, 1, 1000);
  std::int64_t lo = 0, hi = kMaxSeq;
  if (hq.since) {
    auto s = seq_bound(c, kSecFirstSeqSince, *hq.since);
    if (!s) return std::move(s).error();
    if (!*s) return page;
    lo = **s;
  }
  if (hq.at_or_before) {
    auto s = seq_bound(c, kSecLastSeqAtOrBefore, *hq.at_or_before);
    if (!s) return std::move(s).error();
    if (!*s) return page;
    hi = **s;
  }
  if (lo > hi) return page;
  // Same plan as the unfiltered history (seq range first), plus the policy's
  // predicate on each version's resource: pages and totals both obey it.
  const bool instance = !hq.id.empty(), sys_level = hq.type.empty();
  std::string where = " WHERE v.seq BETWEEN ?1 AND ?2";
  if (!sys_level) where += " AND v.type=?3";
  if (instance) where += " AND v.id=?4";
  SqlFragment f = hq.filter(SqlColumns{"v.type", "v.id", "lbl", /*bulk=*/!instance}, 5);
  where += " AND (" + f.sql + ")";
  const char* index = instance ? "resource_version_by_id" : sys_level ? nullptr : "resource_version_by_type";
  std::string from = std::string(" FROM resource_version AS v") +
                     (index ? std::string(" INDEXED BY ") + index : "") +
                     " JOIN resource_label AS lbl ON lbl.type = v.type AND lbl.id = v.id";
  auto bind_common = [&](Query& q, std::int64_t upper) {
    q.bind(1, lo).bind(2, upper);
    if (!sys_level) q.bind(3, std::string_view(hq.type));
    if (instance) q.bind(4, std::string_view(hq.id));
    bind_values(q, 5, f.params);
  };
  {
    // The total reads the compact (type, id, version) index, which holds
    // seq, rather than the table with its bodies.
    std::string count_from =
        " FROM resource_version AS v INDEXED BY resource_version_by_id JOIN resource_label AS lbl ON "
        "lbl.type = "
        "v.type AND lbl.id = v.id";
    auto stmt = OneShot::prepare(c, "SELECT count(*)" + count_from + where);
    if (!stmt) return std::move(stmt).error();
    Query q = stmt->query();
    bind_common(q, hi);
    auto row = q.step();
    if (!row) return std::move(row).error();
    page.total = *row ? q.int64(0) : 0;
  }
  std::int64_t page_hi = hq.before_seq > 0 ? std::min(hi, hq.before_seq - 1) : hi;
  if (lo > page_hi) return page;
  auto stmt = OneShot::prepare(
      c, "SELECT v.seq, v.type, v.id, v.version, v.last_updated, v.deleted, v.method, v.body" + from + where +
             " ORDER BY v.seq DESC LIMIT " + std::to_string(count + 1));
  if (!stmt) return std::move(stmt).error();
  Query q = stmt->query();
  bind_common(q, page_hi);
  std::int64_t last_seq = 0;
  for (;;) {
    auto row = q.step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    if (static_cast<std::int64_t>(page.versions.size()) == count) {
      page.next_seq = last_seq;
      break;
    }
    last_seq = q.int64(0);
    ResourceVersion v;
    v.type = q.text(1);
    v.id = q.text(2);
    v.version = q.int64(3);
    v.last_updated = q.int64(4);
    v.deleted = q.int64(5) != 0;
    v.method = q.text(6);
    v.body = q.text(7);
    page.versions.push_back(std::move(v));
  }
  return page;
}

}  // namespace sqlite

// --- the security store -------------------------------------------------------------

namespace {

using sqlite::Connection;
using sqlite::ConnectionPool;
using sqlite::Query;

constexpr int kBusyTimeoutMs = 5000;

#define PARCOURS_ACCOUNT_COLUMNS                                                                           \
  "id, username, kind, display, active, practitioner, practitioner_role, organization, rpps, profession, " \
  "patient, related_person, delegation, valid_until, password_hash, totp_sealed, totp_last_step, created"
constexpr const char* kInsertAccount =
    "INSERT INTO account(" PARCOURS_ACCOUNT_COLUMNS
    ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
    "?16, ?17, ?18)";
constexpr const char* kUpdateAccount =
    "UPDATE account SET username=?2, kind=?3, display=?4, active=?5, practitioner=?6, practitioner_role=?7, "
    "organization=?8, rpps=?9, profession=?10, patient=?11, related_person=?12, delegation=?13, "
    "valid_until=?14, password_hash=?15, totp_sealed=?16, totp_last_step=?17, created=?18 WHERE id=?1";
constexpr const char* kAccountById = "SELECT " PARCOURS_ACCOUNT_COLUMNS " FROM account WHERE id=?1";
constexpr const char* kAccountByName = "SELECT " PARCOURS_ACCOUNT_COLUMNS " FROM account WHERE username=?1";
constexpr const char* kAllAccounts = "SELECT " PARCOURS_ACCOUNT_COLUMNS " FROM account ORDER BY username";
#undef PARCOURS_ACCOUNT_COLUMNS

constexpr const char* kPutClient =
    "INSERT OR REPLACE INTO oauth_client(id, name, confidential, secret_hash, redirect_uris, scopes, "
    "account, active, created, jwks) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
constexpr const char* kClientById =
    "SELECT id, name, confidential, secret_hash, redirect_uris, scopes, account, active, created, jwks "
    "FROM oauth_client WHERE id=?1";
constexpr const char* kAllClients =
    "SELECT id, name, confidential, secret_hash, redirect_uris, scopes, account, active, created, jwks "
    "FROM oauth_client ORDER BY id";

constexpr const char* kPurgeUsedOnce = "DELETE FROM used_once WHERE expires<=?1";
constexpr const char* kInsertUsedOnce = "INSERT OR IGNORE INTO used_once(key, expires) VALUES(?1, ?2)";

constexpr const char* kInsertSession =
    "INSERT INTO auth_session(id, account, client, scope, patient, auth_methods, remote, user_agent, "
    "created, "
    "last_used, expires, revoked) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
#define PARCOURS_SESSION_SELECT                                                                        \
  "SELECT id, account, client, scope, patient, auth_methods, remote, user_agent, created, last_used, " \
  "expires, revoked FROM auth_session "
constexpr const char* kSessionById = PARCOURS_SESSION_SELECT "WHERE id=?1";
constexpr const char* kSessionsOf = PARCOURS_SESSION_SELECT "WHERE account=?1 ORDER BY created DESC";
#undef PARCOURS_SESSION_SELECT
constexpr const char* kTouchSession = "UPDATE auth_session SET last_used=?2 WHERE id=?1";
constexpr const char* kRevokeSession = "UPDATE auth_session SET revoked=1 WHERE id=?1";
constexpr const char* kRevokeSessionsOf = "UPDATE auth_session SET revoked=1 WHERE account=?1";

constexpr const char* kInsertRefresh =
    "INSERT INTO refresh_token(hash, session, created, expires, used) VALUES(?1, ?2, ?3, ?4, ?5)";
constexpr const char* kSelectRefresh =
    "SELECT hash, session, created, expires, used FROM refresh_token WHERE hash=?1";
constexpr const char* kUseRefresh = "UPDATE refresh_token SET used=1 WHERE hash=?1";

constexpr const char* kInsertCode =
    "INSERT INTO auth_code(hash, client, account, session, redirect_uri, challenge, scope, patient, nonce, "
    "expires, used) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
constexpr const char* kSelectCode =
    "SELECT hash, client, account, session, redirect_uri, challenge, scope, patient, nonce, expires, used "
    "FROM auth_code WHERE hash=?1";
constexpr const char* kUseCode = "UPDATE auth_code SET used=1 WHERE hash=?1";

constexpr const char* kRevokeJti = "INSERT OR REPLACE INTO revoked_token(jti, expires) VALUES(?1, ?2)";
constexpr const char* kReadBegin = "BEGIN";
constexpr const char* kReadEnd = "COMMIT";
constexpr const char* kJtiRevoked = "SELECT 1 FROM revoked_token WHERE jti=?1";

constexpr const char* kPutKey =
    "INSERT OR REPLACE INTO signing_key(kid, alg, public_pem, private_sealed, created, retire_at, drop_at) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kAllKeys =
    "SELECT kid, alg, public_pem, private_sealed, created, retire_at, drop_at FROM signing_key ORDER BY "
    "created";

constexpr const char* kSelectThrottle =
    "SELECT failures, last_failure, locked_until FROM login_throttle WHERE key=?1";
constexpr const char* kPutThrottle =
    "INSERT OR REPLACE INTO login_throttle(key, failures, last_failure, locked_until) VALUES(?1, ?2, ?3, ?4)";
constexpr const char* kClearThrottle = "DELETE FROM login_throttle WHERE key=?1";

#define PARCOURS_AUDIT_SELECT                                                                               \
  "SELECT seq, recorded, category, action, subtype, outcome, agent, agent_kind, agent_role, "               \
  "agent_display, on_behalf_of, patient, entities, purpose, reason, request_id, remote, until, prev_hash, " \
  "hash FROM audit_event "
constexpr const char* kAuditScan = PARCOURS_AUDIT_SELECT "WHERE seq>?1 ORDER BY seq LIMIT 1000";
constexpr const char* kAuditQuery = PARCOURS_AUDIT_SELECT
    "WHERE seq<?1 AND (?2='' OR patient=?2) AND (?3='' OR agent=?3) AND (?4='' OR subtype=?4) "
    "AND recorded>=?5 AND recorded<=?6 ORDER BY seq DESC LIMIT ?7";
#undef PARCOURS_AUDIT_SELECT

constexpr const char* kGetMeta = "SELECT value FROM security_meta WHERE key=?1";
constexpr const char* kSetMeta = "INSERT OR REPLACE INTO security_meta(key, value) VALUES(?1, ?2)";
constexpr const char* kAllCurrent =
    "SELECT c.type, c.id, c.deleted, v.body FROM resource_current c JOIN resource_version v ON v.seq=c.seq";

Account account_row(Query& q) {
  Account a;
  a.id = q.text(0);
  a.username = q.text(1);
  a.kind = q.text(2);
  a.display = q.text(3);
  a.active = q.int64(4) != 0;
  a.practitioner = q.text(5);
  a.practitioner_role = q.text(6);
  a.organization = q.text(7);
  a.rpps = q.text(8);
  a.profession = q.text(9);
  a.patient = q.text(10);
  a.related_person = q.text(11);
  a.delegation = q.text(12);
  a.valid_until = q.int64(13);
  a.password_hash = q.text(14);
  a.totp_sealed = q.text(15);
  a.totp_last_step = q.int64(16);
  a.created = q.int64(17);
  return a;
}

void bind_account(Query& q, const Account& a) {
  q.bind(1, std::string_view(a.id)).bind(2, std::string_view(a.username)).bind(3, std::string_view(a.kind));
  q.bind(4, std::string_view(a.display)).bind(5, a.active).bind(6, std::string_view(a.practitioner));
  q.bind(7, std::string_view(a.practitioner_role)).bind(8, std::string_view(a.organization));
  q.bind(9, std::string_view(a.rpps)).bind(10, std::string_view(a.profession));
  q.bind(11, std::string_view(a.patient)).bind(12, std::string_view(a.related_person));
  q.bind(13, std::string_view(a.delegation)).bind(14, a.valid_until);
  q.bind(15, std::string_view(a.password_hash)).bind(16, std::string_view(a.totp_sealed));
  q.bind(17, a.totp_last_step).bind(18, a.created);
}

Client client_row(Query& q) {
  Client c;
  c.id = q.text(0);
  c.name = q.text(1);
  c.confidential = q.int64(2) != 0;
  c.secret_hash = q.text(3);
  c.redirect_uris = q.text(4);
  c.scopes = q.text(5);
  c.account = q.text(6);
  c.active = q.int64(7) != 0;
  c.created = q.int64(8);
  c.jwks = q.text(9);
  return c;
}

Session session_row(Query& q) {
  Session s;
  s.id = q.text(0);
  s.account = q.text(1);
  s.client = q.text(2);
  s.scope = q.text(3);
  s.patient = q.text(4);
  s.auth_methods = q.text(5);
  s.remote = q.text(6);
  s.user_agent = q.text(7);
  s.created = q.int64(8);
  s.last_used = q.int64(9);
  s.expires = q.int64(10);
  s.revoked = q.int64(11) != 0;
  return s;
}

AuditRecord audit_row(Query& q) {
  AuditRecord r;
  r.seq = q.int64(0);
  r.recorded = q.int64(1);
  std::string* texts[] = {&r.category,   &r.action,     &r.subtype,       &r.outcome,      &r.agent,
                          &r.agent_kind, &r.agent_role, &r.agent_display, &r.on_behalf_of, &r.patient,
                          &r.entities,   &r.purpose,    &r.reason,        &r.request_id,   &r.remote};
  int i = 2;
  for (auto* t : texts) *t = q.text(i++);
  r.until = q.int64(17);
  r.prev_hash = q.text(18);
  r.hash = q.text(19);
  return r;
}

// Pooled connections for reads; one connection (under a mutex) for writes.
class SqliteSecurityStore final : public SecurityStore {
 public:
  explicit SqliteSecurityStore(std::string path) : path_(std::move(path)) {}

  Status open() {
    auto c = Connection::open(path_, kBusyTimeoutMs);
    if (!c) return std::move(c).error();
    writer_ = std::move(*c);
    if (auto s = writer_->exec("PRAGMA synchronous=FULL", "setting synchronous"); !s) return s;
    auto v =
        writer_->scalar("SELECT count(*) FROM sqlite_master WHERE name='account'", "checking the schema");
    if (!v) return std::move(v).error();
    if (*v != "1")
      return internal_error("the security tables are missing: open the store first (migrations)");
    return Status::Ok();
  }

  // --- accounts
  Status create_account(const Account& a) override {
    return write([&](Connection& c) -> Status {
      auto existing = one_account(c, kAccountByName, a.username);
      if (!existing) return std::move(existing).error();
      if (*existing) return conflict("an account named '" + a.username + "' already exists");
      auto q = c.query(kInsertAccount);
      if (!q) return std::move(q).error();
      bind_account(*q, a);
      return q->run();
    });
  }
  Status update_account(const Account& a) override {
    return write([&](Connection& c) -> Status {
      auto q = c.query(kUpdateAccount);
      if (!q) return std::move(q).error();
      bind_account(*q, a);
      if (auto s = q->run(); !s) return s;
      if (sqlite3_changes(c.db()) == 0) return not_found("no account '" + a.id + "'");
      return Status::Ok();
    });
  }
  Result<std::optional<Account>> account_by_id(std::string_view id) override {
    return read<std::optional<Account>>([&](Connection& c) { return one_account(c, kAccountById, id); });
  }
  Result<std::optional<Account>> account_by_username(std::string_view name) override {
    return read<std::optional<Account>>([&](Connection& c) { return one_account(c, kAccountByName, name); });
  }
  Result<std::vector<Account>> accounts() override {
    return read<std::vector<Account>>([&](Connection& c) -> Result<std::vector<Account>> {
      auto q = c.query(kAllAccounts);
      if (!q) return std::move(q).error();
      std::vector<Account> out;
      for (;;) {
        auto row = q->step();
        if (!row) return std::move(row).error();
        if (!*row) return out;
        out.push_back(account_row(*q));
      }
    });
  }

  // --- clients
  Status put_client(const Client& cl) override {
    return write([&](Connection& c) -> Status {
      auto q = c.query(kPutClient);
      if (!q) return std::move(q).error();
      q->bind(1, std::string_view(cl.id)).bind(2, std::string_view(cl.name)).bind(3, cl.confidential);
      q->bind(4, std::string_view(cl.secret_hash)).bind(5, std::string_view(cl.redirect_uris));
      q->bind(6, std::string_view(cl.scopes)).bind(7, std::string_view(cl.account)).bind(8, cl.active);
      q->bind(9, cl.created).bind(10, std::string_view(cl.jwks));
      return q->run();
    });
  }
  Result<std::optional<Client>> client(std::string_view id) override {
    return read<std::optional<Client>>([&](Connection& c) -> Result<std::optional<Client>> {
      auto q = c.query(kClientById);
      if (!q) return std::move(q).error();
      q->bind(1, id);
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) return std::optional<Client>();
      return std::optional<Client>(client_row(*q));
    });
  }
  Result<std::vector<Client>> clients() override {
    return read<std::vector<Client>>([&](Connection& c) -> Result<std::vector<Client>> {
      auto q = c.query(kAllClients);
      if (!q) return std::move(q).error();
      std::vector<Client> out;
      for (;;) {
        auto row = q->step();
        if (!row) return std::move(row).error();
        if (!*row) return out;
        out.push_back(client_row(*q));
      }
    });
  }

  // --- sessions
  Status create_session(const Session& s) override {
    return write([&](Connection& c) -> Status {
      auto q = c.query(kInsertSession);
      if (!q) return std::move(q).error();
      q->bind(1, std::string_view(s.id))
          .bind(2, std::string_view(s.account))
          .bind(3, std::string_view(s.client));
      q->bind(4, std::string_view(s.scope)).bind(5, std::string_view(s.patient));
      q->bind(6, std::string_view(s.auth_methods)).bind(7, std::string_view(s.remote));
      q->bind(8, std::string_view(s.user_agent)).bind(9, s.created).bind(10, s.last_used).bind(11, s.expires);
      q->bind(12, s.revoked);
      return q->run();
    });
  }
  Result<std::optional<Session>> session(std::string_view id) override {
    return read<std::optional<Session>>([&](Connection& c) -> Result<std::optional<Session>> {
      auto q = c.query(kSessionById);
      if (!q) return std::move(q).error();
      q->bind(1, id);
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) return std::optional<Session>();
      return std::optional<Session>(session_row(*q));
    });
  }
  Result<std::vector<Session>> sessions_of(std::string_view account) override {
    return read<std::vector<Session>>([&](Connection& c) -> Result<std::vector<Session>> {
      auto q = c.query(kSessionsOf);
      if (!q) return std::move(q).error();
      q->bind(1, account);
      std::vector<Session> out;
      for (;;) {
        auto row = q->step();
        if (!row) return std::move(row).error();
        if (!*row) return out;
        out.push_back(session_row(*q));
      }
    });
  }
  Status touch_session(std::string_view id, Micros when) override {
    return write([&](Connection& c) -> Status {
      auto q = c.query(kTouchSession);
      if (!q) return std::move(q).error();
      q->bind(1, id).bind(2, when);
      return q->run();
    });
  }
  Status revoke_session(std::string_view id) override { return exec1(kRevokeSession, id); }
  Status revoke_sessions_of(std::string_view account) override { return exec1(kRevokeSessionsOf, account); }

  Status put_refresh_token(const RefreshToken& t) override {
    return write([&](Connection& c) -> Status {
      auto q = c.query(kInsertRefresh);
      if (!q) return std::move(q).error();
      q->bind(1, std::string_view(t.hash)).bind(2, std::string_view(t.session)).bind(3, t.created);
      q->bind(4, t.expires).bind(5, t.used);
      return q->run();
    });
  }
  Result<std::optional<RefreshToken>> use_refresh_token(std::string_view hash) override {
    std::optional<RefreshToken> out;
    Status st = write([&](Connection& c) -> Status {
      auto q = c.query(kSelectRefresh);
      if (!q) return std::move(q).error();
      q->bind(1, hash);
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) return Status::Ok();
      RefreshToken t;
      t.hash = q->text(0);
      t.session = q->text(1);
      t.created = q->int64(2);
      t.expires = q->int64(3);
      t.used = q->int64(4) != 0;
      out = std::move(t);
      auto u = c.query(kUseRefresh);
      if (!u) return std::move(u).error();
      u->bind(1, hash);
      return u->run();
    });
    if (!st) return std::move(st).error();
    return out;
  }

  Status put_auth_code(const AuthCode& a) override {
    return write([&](Connection& c) -> Status {
      auto q = c.query(kInsertCode);
      if (!q) return std::move(q).error();
      q->bind(1, std::string_view(a.hash))
          .bind(2, std::string_view(a.client))
          .bind(3, std::string_view(a.account));
      q->bind(4, std::string_view(a.session)).bind(5, std::string_view(a.redirect_uri));
      q->bind(6, std::string_view(a.challenge)).bind(7, std::string_view(a.scope));
      q->bind(8, std::string_view(a.patient)).bind(9, std::string_view(a.nonce)).bind(10, a.expires);
      q->bind(11, a.used);
      return q->run();
    });
  }
  Result<std::optional<AuthCode>> use_auth_code(std::string_view hash) override {
    std::optional<AuthCode> out;
    Status st = write([&](Connection& c) -> Status {
      auto q = c.query(kSelectCode);
      if (!q) return std::move(q).error();
      q->bind(1, hash);
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) return Status::Ok();
      AuthCode a;
      a.hash = q->text(0);
      a.client = q->text(1);
      a.account = q->text(2);
      a.session = q->text(3);
      a.redirect_uri = q->text(4);
      a.challenge = q->text(5);
      a.scope = q->text(6);
      a.patient = q->text(7);
      a.nonce = q->text(8);
      a.expires = q->int64(9);
      a.used = q->int64(10) != 0;
      out = std::move(a);
      auto u = c.query(kUseCode);
      if (!u) return std::move(u).error();
      u->bind(1, hash);
      return u->run();
    });
    if (!st) return std::move(st).error();
    return out;
  }

  Status revoke_token_id(std::string_view jti, Micros expires) override {
    return write([&](Connection& c) -> Status {
      auto q = c.query(kRevokeJti);
      if (!q) return std::move(q).error();
      q->bind(1, jti).bind(2, expires);
      return q->run();
    });
  }
  Result<bool> token_id_revoked(std::string_view jti) override {
    return read<bool>([&](Connection& c) -> Result<bool> {
      auto q = c.query(kJtiRevoked);
      if (!q) return std::move(q).error();
      q->bind(1, jti);
      auto row = q->step();
      if (!row) return std::move(row).error();
      return *row;
    });
  }

  Result<TokenState> token_state(std::string_view jti, std::string_view session,
                                 std::string_view account) override {
    // One snapshot for the three checks: consistent, and one read lock
    // instead of three (this runs on every request with a token).
    return read_snapshot<TokenState>([&](Connection& c) -> Result<TokenState> {
      TokenState st;
      {
        auto q = c.query(kJtiRevoked);
        if (!q) return std::move(q).error();
        q->bind(1, jti);
        auto row = q->step();
        if (!row) return std::move(row).error();
        st.revoked = *row;
      }
      if (!session.empty()) {
        auto q = c.query(kSessionById);
        if (!q) return std::move(q).error();
        q->bind(1, session);
        auto row = q->step();
        if (!row) return std::move(row).error();
        if (*row) st.session = session_row(*q);
      }
      if (!account.empty()) {
        auto a = one_account(c, kAccountById, account);
        if (!a) return std::move(a).error();
        st.account = std::move(*a);
      }
      return st;
    });
  }

  Result<bool> use_once(std::string_view key, Micros expires, Micros now) override {
    bool first = false;
    auto st = write([&](Connection& c) -> Status {
      auto purge = c.query(kPurgeUsedOnce);
      if (!purge) return std::move(purge).error();
      purge->bind(1, now);
      if (auto s = purge->run(); !s) return s;
      auto q = c.query(kInsertUsedOnce);
      if (!q) return std::move(q).error();
      q->bind(1, key).bind(2, expires);
      if (auto s = q->run(); !s) return s;
      first = sqlite3_changes(c.db()) == 1;
      return Status::Ok();
    });
    if (!st) return std::move(st).error();
    return first;
  }

  Result<std::vector<PatientRow>> accessible_patients(const PatientQuery& pq) override {
    std::vector<SqlValue> params;
    auto param = [&](SqlValue v) {
      params.push_back(std::move(v));
      return "?" + std::to_string(params.size());
    };
    // The candidates as one JSON array: one parameter however many.
    Json list = Json::array();
    for (const auto& p : pq.patients) list.push_back(Json(p));
    // Name parts are indexed folded (search/text.h) under Patient.name.
    std::string name_rows =
        "SELECT S.norm FROM search_resource R JOIN sp_string S ON S.rid = R.rid WHERE R.type = 'Patient' "
        "AND R.id = C.id AND S.param = (SELECT pid FROM search_param WHERE name = ";
    std::string sql =
        "SELECT C.id, V.body FROM resource_current C JOIN resource_version V ON V.seq = C.seq "
        "WHERE C.type = 'Patient' AND C.deleted = 0 AND C.id IN (SELECT value FROM json_each(" +
        param(list.dump()) + "))";
    if (!pq.id.empty()) sql += " AND C.id = " + param(pq.id);
    if (!pq.name_prefix.empty()) {
      std::string p = param(pq.name_prefix);
      sql += " AND EXISTS (" + name_rows + "'Patient.name') AND substr(S.norm, 1, length(" + p + ")) = " + p +
             ")";
    }
    // By family name, then id: a stable order for paging.
    sql += " ORDER BY (" + name_rows + "'Patient.family') ORDER BY S.norm LIMIT 1), C.id LIMIT " +
           param(std::int64_t{pq.limit}) + " OFFSET " + param(std::int64_t{pq.offset});
    return read<std::vector<PatientRow>>([&](Connection& c) -> Result<std::vector<PatientRow>> {
      auto stmt = sqlite::OneShot::prepare(c, sql);
      if (!stmt) return std::move(stmt).error();
      Query q = stmt->query();
      sqlite::bind_values(q, 1, params);
      std::vector<PatientRow> out;
      for (;;) {
        auto row = q.step();
        if (!row) return std::move(row).error();
        if (!*row) return out;
        out.push_back({std::string(q.text(0)), std::string(q.text(1))});
      }
    });
  }

  Status put_signing_key(const SigningKey& k) override {
    return write([&](Connection& c) -> Status {
      auto q = c.query(kPutKey);
      if (!q) return std::move(q).error();
      q->bind(1, std::string_view(k.kid))
          .bind(2, std::string_view(k.alg))
          .bind(3, std::string_view(k.public_pem));
      q->bind(4, std::string_view(k.private_sealed))
          .bind(5, k.created)
          .bind(6, k.retire_at)
          .bind(7, k.drop_at);
      return q->run();
    });
  }
  Result<std::vector<SigningKey>> signing_keys() override {
    return read<std::vector<SigningKey>>([&](Connection& c) -> Result<std::vector<SigningKey>> {
      auto q = c.query(kAllKeys);
      if (!q) return std::move(q).error();
      std::vector<SigningKey> out;
      for (;;) {
        auto row = q->step();
        if (!row) return std::move(row).error();
        if (!*row) return out;
        SigningKey k;
        k.kid = q->text(0);
        k.alg = q->text(1);
        k.public_pem = q->text(2);
        k.private_sealed = q->text(3);
        k.created = q->int64(4);
        k.retire_at = q->int64(5);
        k.drop_at = q->int64(6);
        out.push_back(std::move(k));
      }
    });
  }

  Result<Throttle> throttle(std::string_view key) override {
    return read<Throttle>([&](Connection& c) -> Result<Throttle> {
      auto q = c.query(kSelectThrottle);
      if (!q) return std::move(q).error();
      q->bind(1, key);
      auto row = q->step();
      if (!row) return std::move(row).error();
      Throttle t;
      t.key = key;
      if (*row) {
        t.failures = static_cast<int>(q->int64(0));
        t.last_failure = q->int64(1);
        t.locked_until = q->int64(2);
      }
      return t;
    });
  }
  Status put_throttle(const Throttle& t) override {
    return write([&](Connection& c) -> Status {
      auto q = c.query(kPutThrottle);
      if (!q) return std::move(q).error();
      q->bind(1, std::string_view(t.key)).bind(2, t.failures).bind(3, t.last_failure).bind(4, t.locked_until);
      return q->run();
    });
  }
  Status clear_throttle(std::string_view key) override { return exec1(kClearThrottle, key); }

  Result<AuditPage> audit(const AuditQuery& aq) override {
    return read<AuditPage>([&](Connection& c) -> Result<AuditPage> {
      auto q = c.query(kAuditQuery);
      if (!q) return std::move(q).error();
      int count = std::clamp(aq.count, 1, 1000);
      q->bind(1, aq.before_seq > 0 ? aq.before_seq : std::numeric_limits<std::int64_t>::max());
      q->bind(2, std::string_view(aq.patient)).bind(3, std::string_view(aq.agent));
      q->bind(4, std::string_view(aq.subtype)).bind(5, aq.since).bind(6, aq.until).bind(7, count + 1);
      AuditPage page;
      for (;;) {
        auto row = q->step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        if (static_cast<int>(page.records.size()) == count) {
          page.next_seq = page.records.back().seq;
          break;
        }
        page.records.push_back(audit_row(*q));
      }
      return page;
    });
  }
  Status audit_scan(const std::function<bool(const AuditRecord&)>& f) override {
    auto c = take();
    if (!c) return std::move(c).error();
    std::int64_t after = 0;
    for (;;) {
      std::vector<AuditRecord> batch;
      {
        auto q = (*c)->query(kAuditScan);
        if (!q) return std::move(q).error();
        q->bind(1, after);
        for (;;) {
          auto row = q->step();
          if (!row) return std::move(row).error();
          if (!*row) break;
          batch.push_back(audit_row(*q));
        }
      }
      if (batch.empty()) break;
      after = batch.back().seq;
      for (const auto& r : batch)
        if (!f(r)) {
          give(std::move(*c));
          return Status::Ok();
        }
    }
    give(std::move(*c));
    return Status::Ok();
  }

  Result<std::string> meta(std::string_view key) override {
    return read<std::string>([&](Connection& c) -> Result<std::string> {
      auto q = c.query(kGetMeta);
      if (!q) return std::move(q).error();
      q->bind(1, key);
      auto row = q->step();
      if (!row) return std::move(row).error();
      return *row ? std::string(q->text(0)) : std::string();
    });
  }
  Status set_meta(std::string_view key, std::string_view value) override {
    return write([&](Connection& c) -> Status {
      auto q = c.query(kSetMeta);
      if (!q) return std::move(q).error();
      q->bind(1, key).bind(2, value);
      return q->run();
    });
  }

  Result<std::int64_t> relabel(const Deriver& derive) override {
    std::int64_t n = 0;
    Status st = write([&](Connection& c) -> Status {
      auto q = c.query(kAllCurrent);
      if (!q) return std::move(q).error();
      for (;;) {
        auto row = q->step();
        if (!row) return std::move(row).error();
        if (!*row) break;
        std::string type(q->text(0)), id(q->text(1));
        bool deleted = q->int64(2) != 0;
        if (deleted) {
          if (auto s = sqlite::write_security_rows(c, type, id, nullptr, true); !s) return s;
          continue;
        }
        auto body = parse_json(q->text(3));
        if (!body) return internal_error("stored body of " + type + "/" + id + " is not valid JSON");
        SecurityRows rows = derive(type, *body);
        if (auto s = sqlite::write_security_rows(c, type, id, &rows, true); !s) return s;
        ++n;
      }
      return Status::Ok();
    });
    if (!st) return std::move(st).error();
    return n;
  }

 private:
  static Result<std::optional<Account>> one_account(Connection& c, const char* sql, std::string_view key) {
    auto q = c.query(sql);
    if (!q) return std::move(q).error();
    q->bind(1, key);
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) return std::optional<Account>();
    return std::optional<Account>(account_row(*q));
  }

  Status exec1(const char* sql, std::string_view arg) {
    return write([&](Connection& c) -> Status {
      auto q = c.query(sql);
      if (!q) return std::move(q).error();
      q->bind(1, arg);
      return q->run();
    });
  }

  // Runs `f` in one IMMEDIATE transaction on the write connection.
  template <typename F>
  Status write(F&& f) {
    std::lock_guard lock(write_mu_);
    if (auto s = writer_->exec("BEGIN IMMEDIATE", "starting a security write"); !s) return s;
    Status st;
    try {
      st = f(*writer_);
    } catch (const std::exception& e) {
      st = internal_error(std::string("security write failed: ") + e.what());
    }
    if (st.ok()) {
      if (auto s = writer_->exec("COMMIT", "committing a security write"); !s) st = std::move(s);
    }
    if (!st.ok() && !sqlite3_get_autocommit(writer_->db()))
      writer_->exec("ROLLBACK", "rolling back a security write").ok();
    return st;
  }

  template <typename T, typename F>
  Result<T> read(F&& f) {
    auto c = take();
    if (!c) return std::move(c).error();
    Result<T> out = f(**c);
    give(std::move(*c));
    return out;
  }

  // read() inside one read transaction. A connection whose transaction
  // could not be started or ended is closed, not pooled.
  template <typename T, typename F>
  Result<T> read_snapshot(F&& f) {
    auto c = take();
    if (!c) return std::move(c).error();
    auto run = [&](const char* sql) -> Status {
      auto q = (*c)->query(sql);
      if (!q) return std::move(q).error();
      return q->run();
    };
    if (auto st = run(kReadBegin); !st) return st.error();
    Result<T> out = f(**c);
    if (auto st = run(kReadEnd); !st) return st.error();
    give(std::move(*c));
    return out;
  }

  Result<std::unique_ptr<Connection>> take() { return readers_.take(); }
  void give(std::unique_ptr<Connection> c) { readers_.give(std::move(c)); }

  std::string path_;
  std::mutex write_mu_;
  std::unique_ptr<Connection> writer_;
  ConnectionPool readers_{path_, kBusyTimeoutMs, "PRAGMA query_only=1",
                          "configuring a security read connection", 8};
};

}  // namespace

Result<std::unique_ptr<SecurityStore>> open_sqlite_security(const std::string& directory) {
  sqlite::enable_reach_function();
  if (sodium_init() < 0) return internal_error("libsodium failed to initialise");
  std::string path = (std::filesystem::path(directory) / "parcours.db").string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return internal_error("no store in '" + directory + "'");
  auto s = std::make_unique<SqliteSecurityStore>(path);
  if (auto st = s->open(); !st) return std::move(st).error();
  return std::unique_ptr<SecurityStore>(std::move(s));
}

}  // namespace parcours::store
