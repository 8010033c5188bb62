// SQL for the search index: row maintenance and plan execution. The plan
// (store/search_index.h) says what; this file says how in SQLite's dialect.
// Layout and the reasons behind it: docs/decisions/search.md.
#include "store/sqlite/sqlite_search.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <unordered_set>

#include "store/content.h"

namespace parcours::store::sqlite {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// --- tables --------------------------------------------------------------------

struct TableInfo {
  const char* name;
  std::vector<const char*> columns;  // value columns, in row order
  bool grp = true;
};

const TableInfo& info(IndexTable t) {
  static const TableInfo kTables[] = {
      {"sp_token", {"system", "code", "implied", "latest"}},
      {"sp_string", {"norm", "exact"}},
      {"sp_date", {"low", "high"}},
      {"sp_number", {"value"}},
      {"sp_quantity", {"value", "system", "code", "canon_value", "canon_code"}},
      {"sp_reference", {"type", "id", "version"}},
      {"sp_uri", {"uri"}},
      {"sp_position", {"latitude", "longitude"}, false},
  };
  return kTables[static_cast<int>(t)];
}

constexpr IndexTable kAllTables[] = {IndexTable::Token,  IndexTable::String,   IndexTable::Date,
                                     IndexTable::Number, IndexTable::Quantity, IndexTable::Reference,
                                     IndexTable::Uri,    IndexTable::Position};

// The statements of one table, built once (Connection::query keys its cache
// on the text's address, so these strings live for the whole program).
struct TableSql {
  std::string select_rows;  // (param, grp, values...) of one rid
  std::string insert;
  std::string remove_one;
  std::string remove_all;
};

const TableSql& table_sql(IndexTable t) {
  static const std::vector<TableSql> all = [] {
    std::vector<TableSql> out;
    for (IndexTable table : kAllTables) {
      const TableInfo& ti = info(table);
      TableSql s;
      std::string cols = "param";
      if (ti.grp) cols += ", grp";
      for (const char* c : ti.columns) cols += std::string(", ") + c;
      s.select_rows = "SELECT " + cols + " FROM " + ti.name + " WHERE rid=?1";
      int n = 1 + (ti.grp ? 2 : 1) + static_cast<int>(ti.columns.size());
      s.insert = "INSERT OR IGNORE INTO " + std::string(ti.name) + "(rid, " + cols + ") VALUES(?1";
      for (int i = 2; i <= n; ++i) s.insert += ", ?" + std::to_string(i);
      s.insert += ")";
      s.remove_one = "DELETE FROM " + std::string(ti.name) + " WHERE rid=?1 AND param=?2";
      int i = 3;
      if (ti.grp) s.remove_one += " AND grp=?" + std::to_string(i++);
      // IS: a value column may hold NULL (sp_token.latest), which = never matches.
      for (const char* c : ti.columns)
        s.remove_one += std::string(" AND ") + c + " IS ?" + std::to_string(i++);
      s.remove_all = "DELETE FROM " + std::string(ti.name) + " WHERE rid=?1";
      out.push_back(std::move(s));
    }
    return out;
  }();
  return all[static_cast<int>(t)];
}

constexpr const char* kFindRid = "SELECT rid, seq, text FROM search_resource WHERE type=?1 AND id=?2";
constexpr const char* kInsertResource =
    "INSERT INTO search_resource(type, id, seq, last_updated, patient, text) VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* kUpdateResource =
    "UPDATE search_resource SET seq=?2, last_updated=?3, patient=?4, text=?5 WHERE rid=?1";
constexpr const char* kDeleteResource = "DELETE FROM search_resource WHERE rid=?1";
constexpr const char* kInsertContained =
    "INSERT INTO search_resource(type, id, seq, last_updated, patient, container) VALUES(?1, ?2, ?3, ?4, ?5, "
    "?6)";
constexpr const char* kSelectContained = "SELECT rid FROM search_resource WHERE container=?1";
constexpr const char* kAnyOfType = "SELECT 1 FROM search_resource WHERE type=?1 LIMIT 1";
constexpr const char* kInsertText = "INSERT INTO sp_text(rowid, narrative, content) VALUES(?1, ?2, ?3)";
// A contentless FTS5 table forgets a row given the text it was indexed with
// (https://sqlite.org/fts5.html, "Contentless Tables"; search_schema.h).
constexpr const char* kDeleteText =
    "INSERT INTO sp_text(sp_text, rowid, narrative, content) VALUES('delete', ?1, ?2, ?3)";
constexpr const char* kSelectTokenTexts =
    "SELECT exact FROM sp_token_text WHERE param=?1 AND system=?2 AND code=?3";
constexpr const char* kInsertTokenText =
    "INSERT INTO sp_token_text(param, system, code, norm, exact) VALUES(?1, ?2, ?3, ?4, ?5)";
constexpr const char* kSelectParams = "SELECT pid, name FROM search_param";
constexpr const char* kInsertParam = "INSERT OR IGNORE INTO search_param(name) VALUES(?1)";
constexpr const char* kFindParam = "SELECT pid FROM search_param WHERE name=?1";
constexpr const char* kReadMeta = "SELECT value FROM search_meta WHERE key=?1";
constexpr const char* kWriteMeta =
    "INSERT INTO search_meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value=excluded.value";

// --- values ----------------------------------------------------------------------

void bind_value(Query& q, int i, const PlanValue& v) {
  std::visit(Overloaded{[&](std::monostate) { q.bind_null(i); }, [&](std::int64_t x) { q.bind(i, x); },
                        [&](double d) { q.bind_double(i, d); },
                        [&](const std::string& s) { q.bind(i, std::string_view(s)); }},
             v);
}

PlanValue column_value(const Query& q, int col) {
  switch (q.type(col)) {
    case SQLITE_INTEGER:
      return q.int64(col);
    case SQLITE_FLOAT: {
      double d = q.real(col);
      if (std::isinf(d) && d < 0) return std::monostate{};  // "missing" sentinel of descending keys
      return d;
    }
    case SQLITE_TEXT:
      return std::string(q.text(col));
    default:
      return std::monostate{};  // NULL, or the empty BLOB sentinel of ascending keys
  }
}

// A token row's latest date as a column value: NULL when it has none.
PlanValue latest_of(const TokenRow& r) { return r.latest ? PlanValue(*r.latest) : PlanValue(); }

// One index row as (param, grp, values...), comparable for diffs.
using Tuple = std::vector<PlanValue>;

Result<std::vector<Tuple>> select_tuples(Connection& c, IndexTable t, std::int64_t rid) {
  const TableInfo& ti = info(t);
  auto q = c.query(table_sql(t).select_rows.c_str());
  if (!q) return std::move(q).error();
  q->bind(1, rid);
  std::vector<Tuple> out;
  int n = (ti.grp ? 2 : 1) + static_cast<int>(ti.columns.size());
  for (;;) {
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    Tuple& tu = out.emplace_back();
    tu.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) tu.push_back(column_value(*q, i));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status run_tuple(Connection& c, const std::string& sql, std::int64_t rid, const Tuple& t) {
  auto q = c.query(sql.c_str());
  if (!q) return std::move(q).error();
  q->bind(1, rid);
  for (std::size_t i = 0; i < t.size(); ++i) bind_value(*q, static_cast<int>(i) + 2, t[i]);
  return q->run();
}

// The multi-row INSERT text for n rows of table t (cached per (t, n)).
const std::string& insert_text(IndexTable t, std::size_t n) {
  constexpr std::size_t kMax = 32;
  static const std::vector<std::vector<std::string>> texts = [] {
    std::vector<std::vector<std::string>> all;
    for (IndexTable table : kAllTables) {
      const TableInfo& ti = info(table);
      const std::string& one = table_sql(table).insert;
      std::size_t width = 1 + (ti.grp ? 2 : 1) + ti.columns.size();
      std::vector<std::string> by_n(kMax + 1);
      for (std::size_t rows = 1; rows <= kMax; ++rows) {
        std::string text = one.substr(0, one.find("VALUES(") + 6);
        int k = 0;
        for (std::size_t r = 0; r < rows; ++r) {
          text += r ? ",(" : "(";
          for (std::size_t col = 0; col < width; ++col) text += (col ? ",?" : "?") + std::to_string(++k);
          text += ")";
        }
        by_n[rows] = std::move(text);
      }
      all.push_back(std::move(by_n));
    }
    return all;
  }();
  return texts[static_cast<int>(t)][n];
}

template <class Row>
const Row& row_of(const Row& r) {
  return r;
}
template <class Row>
const Row& row_of(const Row* r) {
  return *r;
}

// Writes the rows of a resource that had none, binding straight from the
// typed rows (no intermediate tuples): the bulk-load path. `rows` holds
// rows or pointers to rows.
template <class Item, class Bind>
Status insert_direct(Connection& c, const SearchParamIds& ids, IndexTable t, std::int64_t rid,
                     const std::vector<Item>& rows, const Bind& bind_values) {
  constexpr std::size_t kChunk = 32;
  for (std::size_t done = 0; done < rows.size();) {
    std::size_t n = std::min(kChunk, rows.size() - done);
    auto q = c.query(insert_text(t, n).c_str());
    if (!q) return std::move(q).error();
    int i = 0;
    for (std::size_t r = 0; r < n; ++r) {
      const auto& row = row_of(rows[done + r]);
      auto pid = ids.find(row.param);
      if (!pid) return internal_error("search parameter '" + std::string(row.param) + "' is not registered");
      q->bind(++i, rid);
      q->bind(++i, *pid);
      bind_values(*q, i, row);
    }
    if (auto s = q->run(); !s) return s;
    done += n;
  }
  return Status::Ok();
}

// --- token texts -------------------------------------------------------------------

// Which token rows of a resource stand for their texts (TokenTexts), and
// the texts left to write as string rows of the ":text" names.
struct TextSplit {
  std::vector<char> implied;              // per SearchRows::tokens
  std::vector<const StringRow*> written;  // into SearchRows::token_texts
};

// Per parameter, with T the texts of its tokens in this resource: a token
// whose code implies texts S with S ⊆ T is marked implied, and the texts of
// T that no implied token covers are written. The texts found through the
// parameter are then exactly T (S ⊄ T would add texts the resource does not
// have: that token is not marked).
Result<TextSplit> split_texts(Connection& c, const SearchParamIds& ids, TokenTexts& dict,
                              const SearchRows& rows) {
  TextSplit out;
  out.implied.assign(rows.tokens.size(), 0);
  if (rows.token_texts.empty()) return out;
  std::vector<std::string_view> done;
  std::vector<std::uint32_t> texts;  // T, distinct by exact: indexes into token_texts
  std::vector<char> covered;
  for (std::size_t i = 0; i < rows.tokens.size(); ++i) {
    const TokenRow& first = rows.tokens[i];
    if (first.text_begin == first.text_end) continue;
    if (std::find(done.begin(), done.end(), first.param) != done.end()) continue;
    done.push_back(first.param);
    auto pid = ids.find(first.param);
    if (!pid) return internal_error("search parameter '" + std::string(first.param) + "' is not registered");
    texts.clear();
    auto index_of = [&](std::string_view exact) -> std::size_t {
      for (std::size_t k = 0; k < texts.size(); ++k)
        if (rows.token_texts[texts[k]].exact == exact) return k;
      return texts.size();
    };
    for (std::size_t j = i; j < rows.tokens.size(); ++j) {
      const TokenRow& t = rows.tokens[j];
      if (t.param != first.param) continue;
      for (std::uint32_t k = t.text_begin; k < t.text_end; ++k)
        if (index_of(rows.token_texts[k].exact) == texts.size()) texts.push_back(k);
    }
    covered.assign(texts.size(), 0);
    for (std::size_t j = i; j < rows.tokens.size(); ++j) {
      const TokenRow& t = rows.tokens[j];
      if (t.param != first.param || t.text_begin == t.text_end) continue;
      auto implied = dict.find_or_add(c, *pid, t.system, t.code, rows.token_texts.data() + t.text_begin,
                                      t.text_end - t.text_begin);
      if (!implied) return std::move(implied).error();
      if (!*implied) continue;
      bool subset = std::all_of((*implied)->begin(), (*implied)->end(),
                                [&](const std::string& x) { return index_of(x) < texts.size(); });
      if (!subset) continue;
      out.implied[j] = 1;
      for (const std::string& x : **implied) covered[index_of(x)] = 1;
    }
    for (std::size_t k = 0; k < texts.size(); ++k)
      if (!covered[k]) out.written.push_back(&rows.token_texts[texts[k]]);
  }
  return out;
}

Status insert_all(Connection& c, const SearchParamIds& ids, TokenTexts& dict, std::int64_t rid,
                  const SearchRows& rows) {
  auto split = split_texts(c, ids, dict, rows);
  if (!split) return std::move(split).error();
  auto sv = [](const std::string& s) { return std::string_view(s); };
  Status s =
      insert_direct(c, ids, IndexTable::Token, rid, rows.tokens, [&](Query& q, int& i, const TokenRow& r) {
        q.bind(++i, r.grp);
        q.bind(++i, sv(r.system));
        q.bind(++i, sv(r.code));
        q.bind(++i,
               static_cast<std::int64_t>(split->implied[static_cast<std::size_t>(&r - rows.tokens.data())]));
        bind_value(q, ++i, latest_of(r));
      });
  auto bind_string = [&](Query& q, int& i, const StringRow& r) {
    q.bind(++i, r.grp);
    q.bind(++i, sv(r.norm));
    q.bind(++i, sv(r.exact));
  };
  if (s) s = insert_direct(c, ids, IndexTable::String, rid, rows.strings, bind_string);
  if (s) s = insert_direct(c, ids, IndexTable::String, rid, split->written, bind_string);
  if (s)
    s = insert_direct(c, ids, IndexTable::Date, rid, rows.dates, [&](Query& q, int& i, const DateRow& r) {
      q.bind(++i, r.grp);
      q.bind(++i, r.low);
      q.bind(++i, r.high);
    });
  if (s)
    s = insert_direct(c, ids, IndexTable::Number, rid, rows.numbers,
                      [&](Query& q, int& i, const NumberRow& r) {
                        q.bind(++i, r.grp);
                        q.bind_double(++i, r.value);
                      });
  if (s)
    s = insert_direct(c, ids, IndexTable::Quantity, rid, rows.quantities,
                      [&](Query& q, int& i, const QuantityRow& r) {
                        q.bind(++i, r.grp);
                        q.bind_double(++i, r.value);
                        q.bind(++i, sv(r.system));
                        q.bind(++i, sv(r.code));
                        q.bind_double(++i, r.canon_value);
                        q.bind(++i, sv(r.canon_code));
                      });
  if (s)
    s = insert_direct(c, ids, IndexTable::Reference, rid, rows.references,
                      [&](Query& q, int& i, const ReferenceRow& r) {
                        q.bind(++i, r.grp);
                        q.bind(++i, sv(r.type));
                        q.bind(++i, sv(r.id));
                        q.bind(++i, sv(r.version));
                      });
  if (s)
    s = insert_direct(c, ids, IndexTable::Uri, rid, rows.uris, [&](Query& q, int& i, const UriRow& r) {
      q.bind(++i, r.grp);
      q.bind(++i, sv(r.uri));
    });
  if (s)
    s = insert_direct(c, ids, IndexTable::Position, rid, rows.positions,
                      [&](Query& q, int& i, const PositionRow& r) {
                        q.bind_double(++i, r.latitude);
                        q.bind_double(++i, r.longitude);
                      });
  return s;
}

class RowBuilder {
 public:
  explicit RowBuilder(const SearchParamIds& ids) : ids_(ids) {}

  Result<std::int64_t> pid(std::string_view name) {
    auto p = ids_.find(name);
    if (!p) return internal_error("search parameter '" + std::string(name) + "' is not registered");
    return *p;
  }

  // The rows of `rows` for table t, as sorted unique tuples.
  Result<std::vector<Tuple>> tuples(IndexTable t, const SearchRows& rows, const TextSplit& split) {
    std::vector<Tuple> out;
    Status st;
    auto add = [&](std::string_view param, std::int64_t grp, std::initializer_list<PlanValue> values,
                   bool with_grp = true) {
      if (!st) return;
      auto p = pid(param);
      if (!p) {
        st = std::move(p).error();
        return;
      }
      Tuple tu;
      tu.reserve(values.size() + 2);
      tu.emplace_back(*p);
      if (with_grp) tu.emplace_back(grp);
      for (const auto& v : values) tu.push_back(v);
      out.push_back(std::move(tu));
    };
    switch (t) {
      case IndexTable::Token:
        for (std::size_t i = 0; i < rows.tokens.size(); ++i) {
          const TokenRow& r = rows.tokens[i];
          add(r.param, r.grp, {r.system, r.code, static_cast<std::int64_t>(split.implied[i]), latest_of(r)});
        }
        break;
      case IndexTable::String:
        for (const auto& r : rows.strings) add(r.param, r.grp, {r.norm, r.exact});
        for (const StringRow* r : split.written) add(r->param, r->grp, {r->norm, r->exact});
        break;
      case IndexTable::Date:
        for (const auto& r : rows.dates) add(r.param, r.grp, {r.low, r.high});
        break;
      case IndexTable::Number:
        for (const auto& r : rows.numbers) add(r.param, r.grp, {r.value});
        break;
      case IndexTable::Quantity:
        for (const auto& r : rows.quantities)
          add(r.param, r.grp, {r.value, r.system, r.code, r.canon_value, r.canon_code});
        break;
      case IndexTable::Reference:
        for (const auto& r : rows.references) add(r.param, r.grp, {r.type, r.id, r.version});
        break;
      case IndexTable::Uri:
        for (const auto& r : rows.uris) add(r.param, r.grp, {r.uri});
        break;
      case IndexTable::Position:
        for (const auto& r : rows.positions) add(r.param, 0, {r.latitude, r.longitude}, false);
        break;
    }
    if (!st) return st.error();
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

 private:
  const SearchParamIds& ids_;
};

Status text_row(Connection& c, const char* sql, std::int64_t rid, const FullText& text) {
  auto q = c.query(sql);
  if (!q) return std::move(q).error();
  q->bind(1, rid).bind(2, std::string_view(text.narrative)).bind(3, std::string_view(text.content));
  return q->run();
}

// Drops every row of `rid`; `text`: the full text it was indexed with, if
// it has a row there.
Status delete_all(Connection& c, std::int64_t rid, const FullText* text) {
  for (IndexTable t : kAllTables) {
    auto q = c.query(table_sql(t).remove_all.c_str());
    if (!q) return std::move(q).error();
    q->bind(1, rid);
    if (auto s = q->run(); !s) return s;
  }
  if (text)
    if (auto s = text_row(c, kDeleteText, rid, *text); !s) return s;
  auto q = c.query(kDeleteResource);
  if (!q) return std::move(q).error();
  q->bind(1, rid);
  return q->run();
}

// search_resource.text: 0 when the resource has no full-text row, else a
// fingerprint of the text it was indexed with, checked when that text is
// computed again to take the row out (search_schema.h). Rows indexed before
// the fingerprints (migration 13) hold kUncheckedText.
constexpr std::int64_t kUncheckedText = -1;

std::int64_t text_fingerprint(const FullText& text) {
  if (text.empty()) return 0;
  std::uint64_t h = hash64(text.narrative) * 0x9E3779B97F4A7C15ull ^ hash64(text.content);
  h |= 1;                                                // never 0
  return h == ~0ull ? 1 : static_cast<std::int64_t>(h);  // never kUncheckedText
}

// Brings the full-text row of `rid` from `old` (null: none) to `text`.
Status write_text(Connection& c, std::int64_t rid, const FullText* old, const FullText& text) {
  if (old && *old == text) return Status::Ok();
  if (old)
    if (auto s = text_row(c, kDeleteText, rid, *old); !s) return s;
  if (text.empty()) return Status::Ok();
  return text_row(c, kInsertText, rid, text);
}

// The rows of the resources contained in resource `container`
// (SearchRows::contained; none when `rows` is null): those of the previous
// version go, the new ones are written.
Status write_contained(Connection& c, const SearchParamIds& ids, TokenTexts& dict, std::int64_t container,
                       bool existed, std::int64_t seq, std::int64_t last_updated, std::string_view patient,
                       const SearchRows* rows) {
  if (existed) {
    std::vector<std::int64_t> old;
    auto q = c.query(kSelectContained);
    if (!q) return std::move(q).error();
    q->bind(1, container);
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      old.push_back(q->int64(0));
    }
    for (std::int64_t rid : old)
      if (auto s = delete_all(c, rid, nullptr); !s) return s;  // contained: no text of their own
  }
  if (!rows) return Status::Ok();
  for (const auto& one : rows->contained) {
    auto q = c.query(kInsertContained);
    if (!q) return std::move(q).error();
    q->bind(1, std::string_view(one.type))
        .bind(2, std::string_view(one.id))
        .bind(3, seq)
        .bind(4, last_updated)
        .bind_or_null(5, patient)
        .bind(6, container);
    if (auto s = q->run(); !s) return s;
    auto rid = static_cast<std::int64_t>(sqlite3_last_insert_rowid(c.db()));
    if (auto s = insert_all(c, ids, dict, rid, one.rows); !s) return s;
  }
  return Status::Ok();
}

}  // namespace

// --- parameter keys ----------------------------------------------------------------

std::optional<std::int64_t> SearchParamIds::find(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto it = ids_.find(name);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

Status SearchParamIds::load(Connection& c) {
  auto q = c.query(kSelectParams);
  if (!q) return std::move(q).error();
  std::unique_lock lock(mu_);
  for (;;) {
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) break;
    ids_[std::string(q->text(1))] = q->int64(0);
  }
  return Status::Ok();
}

Result<std::vector<std::pair<std::string, std::int64_t>>> SearchParamIds::insert(
    Connection& c, const std::vector<std::string>& names) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& name : names) {
    if (find(name)) continue;
    {
      auto q = c.query(kInsertParam);
      if (!q) return std::move(q).error();
      q->bind(1, std::string_view(name));
      if (auto s = q->run(); !s) return s.error();
    }
    auto q = c.query(kFindParam);
    if (!q) return std::move(q).error();
    q->bind(1, std::string_view(name));
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (!*row) return internal_error("search parameter '" + name + "' was not registered");
    out.emplace_back(name, q->int64(0));
  }
  return out;
}

void SearchParamIds::publish(const std::vector<std::pair<std::string, std::int64_t>>& ids) {
  std::unique_lock lock(mu_);
  for (const auto& [name, pid] : ids) ids_[name] = pid;
}

void SearchParamIds::set_aliases(const std::vector<RowAlias>& aliases) {
  std::unique_lock lock(mu_);
  aliases_.clear();
  narrowed_.clear();
  for (const auto& a : aliases) {
    if (!a.target_type.empty() && a.sources.size() == 1)
      narrowed_[a.name] = {a.sources.front(), a.target_type};
    else
      aliases_[a.name] = a.sources;
  }
}

std::optional<SearchParamIds::Narrowed> SearchParamIds::narrowed(std::string_view name) const {
  std::shared_lock lock(mu_);
  auto n = narrowed_.find(name);
  if (n == narrowed_.end()) return std::nullopt;
  auto own = ids_.find(name);
  return Narrowed{own == ids_.end() ? -1 : own->second, n->second.second};
}

std::vector<std::int64_t> SearchParamIds::keys(std::string_view name) const {
  std::shared_lock lock(mu_);
  std::vector<std::int64_t> out;
  if (auto n = narrowed_.find(name); n != narrowed_.end()) {
    for (std::string_view k : {std::string_view(name), std::string_view(n->second.first)})
      if (auto it = ids_.find(k); it != ids_.end()) out.push_back(it->second);
  } else if (auto a = aliases_.find(name); a != aliases_.end()) {
    for (const auto& source : a->second) {
      auto it = ids_.find(source);
      out.push_back(it == ids_.end() ? -1 : it->second);  // -1: no rows, keeps the sources' order
    }
  } else if (auto it = ids_.find(name); it != ids_.end()) {
    out.push_back(it->second);
  }
  return out;
}

// --- token texts --------------------------------------------------------------------

std::size_t TokenTexts::KeyHash::operator()(const KeyView& k) const {
  std::size_t h = std::hash<std::string_view>{}(k.code);
  h ^= std::hash<std::string_view>{}(k.system) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h ^ (static_cast<std::size_t>(k.param) * 0x9e3779b97f4a7c15ULL);
}

Result<const std::vector<std::string>*> TokenTexts::find_or_add(Connection& c, std::int64_t param,
                                                                std::string_view system,
                                                                std::string_view code, const StringRow* texts,
                                                                std::size_t count) {
  if (auto it = cache_.find(KeyView{param, system, code}); it != cache_.end()) return &it->second;
  std::vector<std::string> found;
  {
    auto q = c.query(kSelectTokenTexts);
    if (!q) return std::move(q).error();
    q->bind(1, param).bind(2, system).bind(3, code);
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      found.emplace_back(q->text(0));
    }
  }
  if (found.empty()) {
    if (count == 0) return nullptr;
    for (std::size_t i = 0; i < count; ++i) {
      const StringRow& t = texts[i];
      if (std::find(found.begin(), found.end(), t.exact) != found.end()) continue;
      auto q = c.query(kInsertTokenText);
      if (!q) return std::move(q).error();
      q->bind(1, param).bind(2, system).bind(3, code).bind(4, std::string_view(t.norm));
      q->bind(5, std::string_view(t.exact));
      if (auto s = q->run(); !s) return std::move(s).error();
      found.push_back(t.exact);
    }
    added_.push_back(Key{param, std::string(system), std::string(code)});
  }
  auto [it, inserted] = cache_.emplace(Key{param, std::string(system), std::string(code)}, std::move(found));
  return &it->second;
}

void TokenTexts::undo(std::size_t mark) {
  while (added_.size() > mark) {
    cache_.erase(added_.back());
    added_.pop_back();
  }
}

// --- row maintenance ------------------------------------------------------------------

Status write_search_rows(Connection& c, const SearchParamIds& ids, TokenTexts& dict,
                         const PreviousText& previous_text, std::string_view type, std::string_view id,
                         std::int64_t seq, std::int64_t last_updated, std::string_view patient,
                         const SearchRows* rows, bool may_exist) {
  std::optional<std::int64_t> rid;
  std::optional<std::int64_t> text_seq;  // the version whose text is indexed, if any
  std::int64_t indexed = 0;              // search_resource.text
  if (may_exist) {
    auto q = c.query(kFindRid);
    if (!q) return std::move(q).error();
    q->bind(1, type).bind(2, id);
    auto row = q->step();
    if (!row) return std::move(row).error();
    if (*row) {
      rid = q->int64(0);
      indexed = q->int64(2);
      if (indexed != 0) text_seq = q->int64(1);
    }
  }
  std::optional<FullText> old_text;
  if (text_seq) {
    auto text = previous_text(*text_seq);
    if (!text) return std::move(text).error();
    if (indexed != kUncheckedText && text_fingerprint(*text) != indexed) {
      // Not the text the row was indexed with: taking it out would leave
      // the real words behind. Should never happen (the text is a pure
      // function of the body, and a new extraction reindexes); if it does,
      // the index is marked stale so that the next open rebuilds it.
      if (auto s = write_meta(c, kFingerprintKey, ""); !s) return s;
    } else {
      old_text = std::move(*text);
    }
  }
  const FullText* old = old_text ? &*old_text : nullptr;
  if (!rows) {
    if (!rid) return Status::Ok();
    if (auto s = write_contained(c, ids, dict, *rid, true, seq, last_updated, patient, nullptr); !s) return s;
    return delete_all(c, *rid, old);
  }

  const bool existed = rid.has_value();
  const std::int64_t text_print = text_fingerprint(rows->text);  // search_resource.text
  if (existed) {
    auto q = c.query(kUpdateResource);
    if (!q) return std::move(q).error();
    q->bind(1, *rid).bind(2, seq).bind(3, last_updated).bind_or_null(4, patient).bind(5, text_print);
    if (auto s = q->run(); !s) return s;
  } else {
    auto q = c.query(kInsertResource);
    if (!q) return std::move(q).error();
    q->bind(1, type)
        .bind(2, id)
        .bind(3, seq)
        .bind(4, last_updated)
        .bind_or_null(5, patient)
        .bind(6, text_print);
    if (auto s = q->run(); !s) return s;
    rid = static_cast<std::int64_t>(sqlite3_last_insert_rowid(c.db()));
  }

  if (!existed) {
    if (auto s = insert_all(c, ids, dict, *rid, *rows); !s) return s;
    if (auto s = write_text(c, *rid, nullptr, rows->text); !s) return s;
    return write_contained(c, ids, dict, *rid, false, seq, last_updated, patient, rows);
  }
  auto split = split_texts(c, ids, dict, *rows);
  if (!split) return std::move(split).error();
  RowBuilder rb(ids);
  for (IndexTable t : kAllTables) {
    auto fresh = rb.tuples(t, *rows, *split);
    if (!fresh) return std::move(fresh).error();
    const TableSql& sql = table_sql(t);
    auto old_rows = select_tuples(c, t, *rid);
    if (!old_rows) return std::move(old_rows).error();
    std::vector<Tuple> gone, added;
    std::set_difference(old_rows->begin(), old_rows->end(), fresh->begin(), fresh->end(),
                        std::back_inserter(gone));
    std::set_difference(fresh->begin(), fresh->end(), old_rows->begin(), old_rows->end(),
                        std::back_inserter(added));
    for (const auto& tu : gone)
      if (auto s = run_tuple(c, sql.remove_one, *rid, tu); !s) return s;
    for (const auto& tu : added)
      if (auto s = run_tuple(c, sql.insert, *rid, tu); !s) return s;
  }
  if (auto s = write_text(c, *rid, old, rows->text); !s) return s;
  return write_contained(c, ids, dict, *rid, true, seq, last_updated, patient, rows);
}

Status forget_full_text(Connection& c) {
  return c.exec(
      "INSERT INTO sp_text(sp_text) VALUES('delete-all');"
      "UPDATE search_resource SET text = 0 WHERE text <> 0;",
      "emptying the full-text index");
}

Result<std::string> read_meta(Connection& c, std::string_view key) {
  auto q = c.query(kReadMeta);
  if (!q) return std::move(q).error();
  q->bind(1, key);
  auto row = q->step();
  if (!row) return std::move(row).error();
  return *row ? std::string(q->text(0)) : std::string();
}

Status write_meta(Connection& c, std::string_view key, std::string_view value) {
  auto q = c.query(kWriteMeta);
  if (!q) return std::move(q).error();
  q->bind(1, key).bind(2, value);
  return q->run();
}

// --- plans as SQL --------------------------------------------------------------------------

namespace {

constexpr const char* kMissingAsc = "X''";      // sorts after every value
constexpr const char* kMissingDesc = "-9e999";  // -infinity: sorts before every value

class Sql {
 public:
  Sql(const SearchParamIds& ids, const SearchPlan& plan) : ids_(ids), plan_(plan) {}

  std::vector<PlanValue> params;

  std::string bind(PlanValue v) {
    params.push_back(std::move(v));
    return "?" + std::to_string(params.size());
  }
  // parts[lo, hi) joined by `op` as a balanced tree: SQLite bounds the depth
  // of an expression (1000), and "a OR b OR c..." is as deep as it is long.
  static std::string balanced(const std::vector<std::string>& parts, const char* op, std::size_t lo,
                              std::size_t hi) {
    if (hi - lo == 1) return "(" + parts[lo] + ")";
    std::size_t mid = lo + (hi - lo) / 2;
    return "(" + balanced(parts, op, lo, mid) + op + balanced(parts, op, mid, hi) + ")";
  }

  // "`col` holds a key of `name`" (SearchParamIds::keys): its own key, or
  // the keys of its sources when it is a union of other parameters. A
  // narrowed name (RowAlias::target_type) reads its own rows and those of
  // its source that target its type, read from the same row: `col`
  // ("f.param") names it ("f.type").
  std::string param_is(const std::string& col, const std::string& name) {
    auto n = ids_.narrowed(name);
    if (!n) return one_of(col, ids_.keys(name));
    std::string row = col.substr(0, col.rfind('.') + 1);
    return "(" + one_of(col, ids_.keys(name)) + " AND (" + col + " = " + bind(n->own) + " OR " + row +
           "type = " + bind(n->type) + "))";
  }
  // `col` is a key of one of `names`.
  std::string params_are(const std::string& col, const std::vector<std::string>& names) {
    bool narrowed =
        std::any_of(names.begin(), names.end(), [&](const std::string& n) { return ids_.narrowed(n); });
    if (!narrowed) return one_of(col, keys_of(names));
    std::vector<std::string> each;
    for (const auto& n : names) each.push_back(param_is(col, n));
    std::string s = "(";
    for (std::size_t i = 0; i < each.size(); ++i) s += (i ? " OR " : "") + each[i];
    return s + ")";
  }
  // "`col` is one of `values`": one comparison, an IN list, or false for
  // none (parameter keys, resource types, listed values).
  template <class T>
  std::string one_of(const std::string& col, const std::vector<T>& values) {
    if (values.empty()) return "0";
    if (values.size() == 1) return col + " = " + bind(values.front());
    std::string s = col + " IN (";
    for (std::size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + bind(values[i]);
    return s + ")";
  }
  // The keys of every name of `names`.
  std::vector<std::int64_t> keys_of(const std::vector<std::string>& names) const {
    std::vector<std::int64_t> out;
    for (const auto& n : names)
      for (std::int64_t k : ids_.keys(n)) out.push_back(k);
    return out;
  }
  std::string alias(const char* prefix) { return prefix + std::to_string(++aliases_); }

  // The access policy over the resource row `r` (a search_resource alias).
  std::string policy(const std::string& r) {
    if (!plan_.policy) return "1";
    SqlColumns cols{r + ".type", r + ".id"};
    if (plan_.contained != SearchPlan::Contained::No) {
      // A contained row ("Type/id#local") answers as its container.
      std::string slash = "instr(" + r + ".id, '/')", hash = "instr(" + r + ".id, '#')";
      cols.type = "(CASE WHEN " + r + ".container IS NULL THEN " + r + ".type ELSE substr(" + r + ".id, 1, " +
                  slash + " - 1) END)";
      cols.id = "(CASE WHEN " + r + ".container IS NULL THEN " + r + ".id ELSE substr(" + r + ".id, " +
                slash + " + 1, " + hash + " - " + slash + " - 1) END)";
    }
    SqlFragment f = plan_.policy(cols, static_cast<int>(params.size()) + 1);
    for (auto& v : f.params) std::visit([&](auto&& x) { params.emplace_back(x); }, v);
    return "(" + f.sql + ")";
  }

  // The rows a search lists: of `types`, or at system level those _contained
  // asks for: resources (the default: a contained one is reached through
  // its container only, ContainedRows), contained ones, or both. `driven`:
  // another index finds the rows, so the type test must not use its own
  // ("+r.type").
  std::string listed(const std::string& r, const std::vector<std::string>& types, bool driven = false) {
    if (!types.empty()) return (driven ? "+" : "") + one_of(r + ".type", types);
    switch (plan_.contained) {
      case SearchPlan::Contained::No:
        return r + ".container IS NULL";
      case SearchPlan::Contained::Only:
        return r + ".container IS NOT NULL";
      case SearchPlan::Contained::Both:
        return "1";
    }
    return "0";
  }
  // A chain's target types: `types` and their contained forms ("#Type").
  static std::vector<std::string> chain_types(const std::vector<std::string>& types) {
    std::vector<std::string> out = types;
    for (const auto& t : types) out.push_back(contained_type(t));
    return out;
  }
  // The access policy over a chain target: a contained resource is its
  // container's, which is the referrer (only its own "#id" references reach
  // it), and the caller checks the referrer.
  std::string target_policy(const std::string& t) {
    if (!plan_.policy) return "1";
    return "(" + t + ".container IS NOT NULL OR " + policy(t) + ")";
  }

  static std::string column(IndexTable t, Column c) {
    switch (c) {
      case Column::System:
      case Column::UnitSystem:
        return "system";
      case Column::Code:
      case Column::Unit:
        return "code";
      case Column::Norm:
        return "norm";
      case Column::Exact:
        return "exact";
      case Column::Low:
        return "low";
      case Column::High:
        return "high";
      case Column::Value:
        return "value";
      case Column::CanonValue:
        return "canon_value";
      case Column::CanonUnit:
        return "canon_code";
      case Column::RefType:
        return "type";
      case Column::RefId:
        return "id";
      case Column::RefVersion:
        return "version";
      case Column::Uri:
        return "uri";
      case Column::Latitude:
        return "latitude";
      case Column::Longitude:
        return "longitude";
    }
    (void)t;
    return "?";
  }

  // `col_of` names the SQL expression of a logical column.
  template <class ColOf>
  std::string cond(const RowCond& c, const ColOf& col_of) {
    switch (c.kind) {
      case RowCond::Kind::True:
        return "1";
      case RowCond::Kind::False:
        return "0";
      case RowCond::Kind::And:
      case RowCond::Kind::Or: {
        if (c.kids.empty()) return c.kind == RowCond::Kind::And ? "1" : "0";
        std::vector<std::string> parts;
        for (const auto& kid : c.kids) parts.push_back(cond(kid, col_of));
        return balanced(parts, c.kind == RowCond::Kind::And ? " AND " : " OR ", 0, parts.size());
      }
      case RowCond::Kind::Not:
        return "NOT " + cond(c.kids.front(), col_of);
      case RowCond::Kind::Near: {
        // Bounding box on latitude (index), then the haversine distance (km).
        double lat = std::get<double>(c.values.at(0)), lon = std::get<double>(c.values.at(1)),
               km = std::get<double>(c.values.at(2));
        double dlat = km / 111.0 + 1e-9;
        std::string la = col_of(Column::Latitude), lo = col_of(Column::Longitude);
        std::string plat = bind(lat), plon = bind(lon);
        return "(" + la + " BETWEEN " + bind(lat - dlat) + " AND " + bind(lat + dlat) +
               " AND 12742.0176 * asin(min(1.0, sqrt(pow(sin(radians(" + la + " - " + plat +
               ") / 2), 2) + cos(radians(" + plat + ")) * cos(radians(" + la + ")) * pow(sin(radians(" + lo +
               " - " + plon + ") / 2), 2)))) <= " + bind(km) + ")";
      }
      case RowCond::Kind::Cmp:
        break;
    }
    std::string col = col_of(c.column);
    const PlanValue& v = c.values.empty() ? kNull : c.values.front();
    switch (c.op) {
      case CmpOp::Eq:
        return col + " = " + bind(v);
      case CmpOp::Ne:
        return col + " <> " + bind(v);
      case CmpOp::Lt:
        return col + " < " + bind(v);
      case CmpOp::Le:
        return col + " <= " + bind(v);
      case CmpOp::Gt:
        return col + " > " + bind(v);
      case CmpOp::Ge:
        return col + " >= " + bind(v);
      case CmpOp::StartsWith: {
        const std::string& p = std::get<std::string>(v);
        if (p.empty()) return "1";
        // A byte range, so the (param, value) index serves it: UTF-8 text
        // never holds 0xFF.
        return "(" + col + " >= " + bind(p) + " AND " + col + " < " + bind(p + "\xFF") + ")";
      }
      case CmpOp::Contains:
        return "instr(" + col + ", " + bind(v) + ") > 0";
      case CmpOp::EndsWith: {
        const std::string& p = std::get<std::string>(v);
        if (p.empty()) return "1";
        // substr and length count characters on both sides.
        std::string b = bind(p);
        return "substr(" + col + ", -length(" + b + ")) = " + b;
      }
      case CmpOp::In:
        return one_of(col, c.values);
    }
    return "0";
  }

  // True when every alternative of `c` fixes the first value column of the
  // table's value index with an equality (token code, reference id, string
  // norm, uri).
  static bool equality_on_leading(const RowCond& c, IndexTable t) {
    Column lead;
    switch (t) {
      case IndexTable::Token:
        lead = Column::Code;
        break;
      case IndexTable::Reference:
        lead = Column::RefId;
        break;
      case IndexTable::String:
        lead = Column::Norm;
        break;
      case IndexTable::Uri:
        lead = Column::Uri;
        break;
      default:
        return false;
    }
    switch (c.kind) {
      case RowCond::Kind::Cmp:
        return c.column == lead && c.op == CmpOp::Eq;
      case RowCond::Kind::And:
        return std::any_of(c.kids.begin(), c.kids.end(),
                           [&](const RowCond& k) { return equality_on_leading(k, t); });
      case RowCond::Kind::Or:
        return !c.kids.empty() && std::all_of(c.kids.begin(), c.kids.end(),
                                              [&](const RowCond& k) { return equality_on_leading(k, t); });
      default:
        return false;
    }
  }

  std::string row_cond(const RowCond& c, IndexTable t, const std::string& a) {
    return cond(c, [&](Column col) { return a + "." + column(t, col); });
  }

  // A boolean test on the resource row `r`.
  std::string test(const Predicate& p, const std::string& r) {
    using K = Predicate::Kind;
    switch (p.kind) {
      case K::Match:
      case K::NoMatch: {
        // An equality on the value the index starts with: one seek on
        // (param, value, rid). Otherwise the resource's own rows (rid first).
        std::string a = alias("m");
        const bool point = equality_on_leading(p.cond, p.table);
        std::string s = std::string(p.kind == K::NoMatch ? "NOT " : "") + "EXISTS (SELECT 1 FROM " +
                        info(p.table).name + " " + a + " WHERE " + a + ".rid = " + r + ".rid AND " +
                        (point ? "" : "+") + param_is(a + ".param", p.param);
        std::string c = row_cond(p.cond, p.table, a);
        if (c != "1") s += " AND " + c;
        return s + ")";
      }
      case K::Composite:
        return "EXISTS (" + composite(p, r) + ")";
      case K::CodeText: {
        std::string m = alias("m"), d = alias("d");
        std::string s = "EXISTS (SELECT 1 FROM sp_token " + m + " CROSS JOIN sp_token_text " + d + " ON " +
                        d + ".param = " + m + ".param AND " + d + ".system = " + m + ".system AND " + d +
                        ".code = " + m + ".code WHERE " + m + ".rid = " + r + ".rid AND +" +
                        param_is(m + ".param", p.param) + " AND " + m + ".implied";
        std::string c = row_cond(p.cond, IndexTable::String, d);
        if (c != "1") s += " AND " + c;
        return s + ")";
      }
      case K::Chain:
        return chain_exists(p, r, "");
      case K::Has: {
        std::string f = alias("f"), src = alias("s");
        std::string s = "EXISTS (SELECT 1 FROM sp_reference " + f + " CROSS JOIN search_resource " + src +
                        " ON " + src + ".rid = " + f + ".rid WHERE " + param_is(f + ".param", p.param) +
                        " AND " + f + ".id = " + r + ".id AND " + f + ".type = " + r + ".type AND " + src +
                        ".container IS NULL";  // _has reads resources, not what they contain
        for (const auto& sub : p.sub) s += " AND " + test(sub, src);
        return s + " AND " + policy(src) + ")";
      }
      case K::Id: {
        if (p.values.empty()) return "0";
        std::string s = r + ".id IN (";
        for (std::size_t i = 0; i < p.values.size(); ++i) s += (i ? ", " : "") + bind(p.values[i]);
        return s + ")";
      }
      case K::LastUpdated:
        return cond(p.cond, [&](Column) { return r + ".last_updated"; });
      case K::Compartment: {
        std::string a = alias("p");
        return "EXISTS (SELECT 1 FROM resource_patient " + a + " WHERE " + a + ".type = " + r + ".type AND " +
               a + ".id = " + r + ".id AND " + a + ".patient = " + bind(p.values.at(0)) + ")";
      }
      case K::ReferencedBy: {
        std::string l = alias("l"), f = alias("f");
        return "EXISTS (SELECT 1 FROM search_resource " + l + " CROSS JOIN sp_reference " + f + " ON " + f +
               ".rid = " + l + ".rid WHERE " + l + ".type = " + bind(p.types.at(0)) + " AND " + l +
               ".id = " + bind(p.values.at(0)) + " AND " + param_is(f + ".param", p.param) + " AND " + f +
               ".type = " + r + ".type AND " + f + ".id = " + r + ".id AND " + policy(l) + ")";
      }
      case K::Text:
        return r + ".rid IN (SELECT rowid FROM sp_text WHERE sp_text MATCH " + bind(fts_query(p)) + ")";
      case K::Any:
      case K::All: {
        if (p.sub.empty()) return p.kind == K::All ? "1" : "0";
        std::vector<std::string> parts;
        for (const auto& sub : p.sub) parts.push_back(test(sub, r));
        return balanced(parts, p.kind == K::All ? " AND " : " OR ", 0, parts.size());
      }
      case K::Not:
        return "NOT " + test(p.sub.at(0), r);
      case K::Nothing:
        return "0";
    }
    return "0";
  }

  // "A reference of `r` satisfies the chain `p`", the target row aliased
  // `t`; `before` (a target rid expression) keeps only targets below it.
  std::string chain_exists(const Predicate& p, const std::string& r, const std::string& before) {
    std::string f = alias("f"), t = alias("t");
    std::string s = "EXISTS (SELECT 1 FROM sp_reference " + f + " CROSS JOIN search_resource " + t + " ON " +
                    t + ".type = " + f + ".type AND " + t + ".id = " + f + ".id WHERE " + f + ".rid = " + r +
                    ".rid AND +" + param_is(f + ".param", p.param);
    if (!before.empty()) s += " AND " + t + ".rid < " + before;
    std::string c = row_cond(p.cond, IndexTable::Reference, f);
    if (c != "1") s += " AND " + c;
    if (!p.types.empty()) s += " AND " + one_of(t + ".type", chain_types(p.types));
    for (const auto& sub : p.sub) s += " AND " + test(sub, t);
    return s + " AND " + target_policy(t) + ")";
  }

  // A SELECT of no rid (its column named as the others' are).
  static constexpr const char* kNoRids = "SELECT NULL AS rid WHERE 0";

  // A SELECT of the rids of the resources (of `types`) satisfying `p`;
  // duplicates allowed. Only for drivable predicates.
  std::string produce(const Predicate& p, const std::vector<std::string>& types) {
    using K = Predicate::Kind;
    switch (p.kind) {
      case K::Match: {
        std::string a = alias("m");
        std::string s = "SELECT " + a + ".rid FROM " + info(p.table).name + " " + a + " WHERE " +
                        param_is(a + ".param", p.param);
        std::string c = row_cond(p.cond, p.table, a);
        if (c != "1") s += " AND " + c;
        return s;
      }
      case K::Composite:
        return composite(p, "");
      case K::CodeText: {
        // From the few codes whose texts match to their token rows, by
        // sp_token_by_code (param, code, rid, grp, system, implied).
        std::string d = alias("d"), m = alias("m");
        std::string s = "SELECT " + m + ".rid FROM sp_token_text " + d + " CROSS JOIN sp_token " + m +
                        " ON " + m + ".param = " + d + ".param AND " + m + ".code = " + d + ".code AND " + m +
                        ".system = " + d + ".system AND " + m + ".implied WHERE " +
                        param_is(d + ".param", p.param);
        std::string c = row_cond(p.cond, IndexTable::String, d);
        if (c != "1") s += " AND " + c;
        return s;
      }
      case K::Chain: {
        std::string f = alias("f"), t = alias("t");
        // "+t.type": with the reference's own type condition (f.type = ?),
        // a plain f.type = t.type would let SQLite infer t.type = ? and walk
        // every resource of that type instead of the target set (a chain on
        // a patient's name read all 100 000 patients).
        std::string where;
        std::string from = lead_join(p.sub, chain_types(p.types), t, where);
        std::string s = "SELECT " + f + ".rid FROM " + from + " CROSS JOIN sp_reference " + f + " ON " +
                        param_is(f + ".param", p.param) + " AND " + f + ".id = " + t + ".id AND " + f +
                        ".type = +" + t + ".type WHERE " + where;
        std::string c = row_cond(p.cond, IndexTable::Reference, f);
        if (c != "1") s += " AND " + c;
        return s + " AND " + target_policy(t);
      }
      case K::Has: {
        std::string src = alias("s"), f = alias("f"), t = alias("t");
        std::vector<std::string> source_types;
        if (!p.types.empty()) source_types.push_back(p.types.front());
        std::string where;
        std::string from = lead_join(p.sub, source_types, src, where);
        return "SELECT " + t + ".rid FROM " + from + " CROSS JOIN sp_reference " + f + " ON " + f +
               ".rid = " + src + ".rid AND " + param_is(f + ".param", p.param) +
               " CROSS JOIN search_resource " + t + " ON " + t + ".type = " + f + ".type AND " + t +
               ".id = " + f + ".id WHERE " + where + " AND " + src + ".container IS NULL AND " + policy(src);
      }
      case K::Compartment: {
        std::string a = alias("p"), x = alias("x");
        std::string s = "SELECT " + x + ".rid FROM resource_patient " + a + " CROSS JOIN search_resource " +
                        x + " ON " + x + ".type = " + a + ".type AND " + x + ".id = " + a + ".id WHERE " + a +
                        ".patient = " + bind(p.values.at(0));
        if (!types.empty()) s += " AND " + one_of(a + ".type", types);
        return s;
      }
      case K::ReferencedBy: {
        std::string l = alias("l"), f = alias("f"), x = alias("x");
        return "SELECT " + x + ".rid FROM search_resource " + l + " CROSS JOIN sp_reference " + f + " ON " +
               f + ".rid = " + l + ".rid AND " + param_is(f + ".param", p.param) +
               " CROSS JOIN search_resource " + x + " ON " + x + ".type = " + f + ".type AND " + x +
               ".id = " + f + ".id WHERE " + l + ".type = " + bind(p.types.at(0)) + " AND " + l +
               ".id = " + bind(p.values.at(0)) + " AND " + policy(l);
      }
      case K::Text:
        return "SELECT rowid AS rid FROM sp_text WHERE sp_text MATCH " + bind(fts_query(p));
      case K::Any: {
        if (p.sub.empty()) return kNoRids;
        // UNION ALL: duplicates are allowed here, every consumer is an IN
        // list or an estimate, and a UNION's own temporary b-tree doubled
        // the cost of a :text search (string rows or codes' texts).
        // SQLite takes at most 500 terms in one compound SELECT: larger
        // unions are unions of subqueries of kUnionTerms each.
        constexpr std::size_t kUnionTerms = 250;
        std::string s;
        for (std::size_t at = 0; at < p.sub.size(); at += kUnionTerms) {
          std::string chunk;
          for (std::size_t i = at; i < std::min(p.sub.size(), at + kUnionTerms); ++i)
            chunk += (i > at ? " UNION ALL " : "") + produce(p.sub[i], types);
          if (p.sub.size() <= kUnionTerms) return chunk;
          s += (at ? " UNION ALL " : "") + std::string("SELECT rid FROM (") + chunk + ")";
        }
        return s;
      }
      case K::All: {
        std::string x = alias("x");
        return "SELECT " + x + ".rid FROM search_resource " + x + " WHERE " + resource_set(p.sub, types, x);
      }
      case K::Nothing:
        return kNoRids;
      // Tested on each resource row of `types`.
      case K::Id:
      case K::LastUpdated:
      case K::NoMatch:
      case K::Not: {
        std::string x = alias("x");
        std::string s = "SELECT " + x + ".rid FROM search_resource " + x + " WHERE ";
        if (!types.empty()) s += one_of(x + ".type", types) + " AND ";
        return s + test(p, x);
      }
    }
    return kNoRids;
  }

  // The FROM part naming row `x` (a search_resource alias) of `types` that
  // satisfies `preds`, and in `where` the conditions left: joined from the
  // first drivable predicate's rows rather than "x.rid IN (...)", because
  // SQLite builds an IN list whole before the first row, and a bounded count
  // (estimate) of a chain through a common name, or a _has through a common
  // code, then read all their rows (8 ms, 200 ms at 100k patients).
  std::string lead_join(const std::vector<Predicate>& preds, const std::vector<std::string>& types,
                        const std::string& x, std::string& where) {
    std::size_t lead = preds.size();
    for (std::size_t i = 0; i < preds.size() && lead == preds.size(); ++i)
      if (preds[i].drivable()) lead = i;
    if (lead == preds.size()) {
      where = resource_set(preds, types, x);
      return "search_resource " + x;
    }
    std::string l = alias("x");
    where = types.empty() ? "1" : "+" + one_of(x + ".type", types);
    for (std::size_t i = 0; i < preds.size(); ++i)
      if (i != lead) where += " AND " + test(preds[i], x);
    return "(" + produce(preds[lead], types) + ") " + l + " CROSS JOIN search_resource " + x + " ON " + x +
           ".rid = " + l + ".rid";
  }

  // The condition "row `x` (a search_resource alias) is one of `types` and
  // satisfies every predicate": the first drivable one enumerates.
  std::string resource_set(const std::vector<Predicate>& preds, const std::vector<std::string>& types,
                           const std::string& x) {
    std::string s;
    std::size_t driver = preds.size();
    for (std::size_t i = 0; i < preds.size(); ++i)
      if (preds[i].drivable()) {
        driver = i;
        break;
      }
    if (driver < preds.size()) {
      s = x + ".rid IN (" + produce(preds[driver], types) + ")";
      if (!types.empty()) s += " AND +" + one_of(x + ".type", types);
    } else if (!types.empty()) {
      s = one_of(x + ".type", types);
    } else {
      s = "1";
    }
    for (std::size_t i = 0; i < preds.size(); ++i)
      if (i != driver) s += " AND " + test(preds[i], x);
    return s;
  }

  // Composite: component 0 drives, the others join on (rid, grp). With `r`,
  // a test bound to that resource; without, a producer of rids. A union
  // parameter (RowAlias) is one such join per source: its groups are
  // numbered per source, so components pair only within one.
  std::string composite(const Predicate& p, const std::string& r) {
    const char* none = r.empty() ? kNoRids : "SELECT 1 WHERE 0";
    if (p.components.empty()) return none;
    std::vector<std::vector<std::int64_t>> keys;
    for (const auto& c : p.components) keys.push_back(ids_.keys(c.param));
    const std::size_t sources = keys.front().size();
    for (const auto& k : keys)
      if (k.size() != sources) return none;  // unknown names
    std::string out;
    for (std::size_t j = 0; j < sources; ++j) out += (j ? " UNION ALL " : "") + composite_join(p, r, keys, j);
    return out.empty() ? none : out;
  }

  std::string composite_join(const Predicate& p, const std::string& r,
                             const std::vector<std::vector<std::int64_t>>& keys, std::size_t source) {
    std::vector<std::string> as;
    for (std::size_t i = 0; i < p.components.size(); ++i) as.push_back(alias("c"));
    std::string s = "SELECT " + (r.empty() ? as[0] + ".rid" : std::string("1")) + " FROM " +
                    info(p.components[0].table).name + " " + as[0];
    for (std::size_t i = 1; i < p.components.size(); ++i) {
      const auto& c = p.components[i];
      s += " CROSS JOIN " + std::string(info(c.table).name) + " " + as[i] + " ON " + as[i] +
           ".rid = " + as[0] + ".rid AND " + as[i] + ".grp = " + as[0] + ".grp AND +" + as[i] +
           ".param = " + bind(keys[i][source]);
      std::string cc = row_cond(c.cond, c.table, as[i]);
      if (cc != "1") s += " AND " + cc;
    }
    // Bound to a resource: its own rows (rid first), not the value index.
    s += " WHERE " + std::string(r.empty() ? "" : "+") + as[0] + ".param = " + bind(keys[0][source]);
    if (!r.empty()) s += " AND " + as[0] + ".rid = " + r + ".rid";
    std::string c0 = row_cond(p.components[0].cond, p.components[0].table, as[0]);
    if (c0 != "1") s += " AND " + c0;
    return s;
  }

  static std::string fts_query(const Predicate& p) {
    return std::string(p.column == Column::Norm ? "narrative" : "{narrative content}") + " : (" +
           (p.values.empty() ? std::string("\"\"") : p.values.front()) + ")";
  }

 private:
  static inline const PlanValue kNull{};
  const SearchParamIds& ids_;
  const SearchPlan& plan_;
  int aliases_ = 0;
};

// The expression of sort key k over the resource row r, with the sentinel of
// missing values.
std::string sort_expr(Sql& sql, const SortKey& k, const std::string& r) {
  switch (k.source) {
    case SortKey::Source::Id:
      return r + ".id";
    case SortKey::Source::LastUpdated:
      return r + ".last_updated";
    case SortKey::Source::Rows:
      break;
  }
  std::string a = sql.alias("k");
  std::string col = Sql::column(k.table, k.column);
  return "coalesce((SELECT " + std::string(k.descending ? "max(" : "min(") + a + "." + col + ") FROM " +
         info(k.table).name + " " + a + " WHERE " + a + ".rid = " + r + ".rid AND +" +
         sql.param_is(a + ".param", k.param) + "), " + (k.descending ? kMissingDesc : kMissingAsc) + ")";
}

std::string sentinel(bool descending) { return descending ? kMissingDesc : kMissingAsc; }

// "After the cursor" (or before it when `before`) in the order given by
// `exprs` with `desc`, then the rid tiebreak in direction `rid_desc`.
std::string cursor_cond(Sql& sql, const std::vector<std::string>& exprs, const std::vector<bool>& desc,
                        const std::vector<PlanValue>& keys, const std::string& rid_expr, bool rid_desc,
                        std::int64_t rid, bool before) {
  auto value = [&](std::size_t i) {
    if (std::holds_alternative<std::monostate>(keys[i])) return sentinel(desc[i]);
    return sql.bind(keys[i]);
  };
  bool uniform = std::all_of(desc.begin(), desc.end(), [&](bool d) { return d == rid_desc; });
  if (uniform) {
    bool greater = rid_desc == before;  // ascending forward: >, descending forward: <
    std::string lhs = "(", rhs = "(";
    for (std::size_t i = 0; i < exprs.size(); ++i) {
      lhs += exprs[i] + ", ";
      rhs += value(i) + ", ";
    }
    lhs += rid_expr + ")";
    rhs += sql.bind(rid) + ")";
    if (exprs.empty()) return rid_expr + (greater ? " > " : " < ") + sql.bind(rid);
    return lhs + (greater ? " > " : " < ") + rhs;
  }
  // Mixed directions: the lexicographic expansion.
  std::string s = "(" + rid_expr + ((rid_desc == before) ? " > " : " < ") + sql.bind(rid) + ")";
  for (std::size_t n = exprs.size(); n-- > 0;) {
    bool greater = desc[n] == before;
    std::string v = value(n);
    s = "(" + exprs[n] + (greater ? " > " : " < ") + v + " OR (" + exprs[n] + " = " + v + " AND " + s + "))";
  }
  return s;
}

struct Runner {
  Connection& c;
  Sql& sql;
  const SearchPlan& plan;
  SearchPage& page;

  Status explain(const std::string& text) {
    if (!plan.explain) return Status::Ok();
    page.explain.push_back("SQL: " + text);
    auto q = c.query_text("EXPLAIN QUERY PLAN " + text);
    if (!q) return std::move(q).error();
    for (std::size_t i = 0; i < sql.params.size(); ++i)
      bind_value(*q, static_cast<int>(i) + 1, sql.params[i]);
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      page.explain.push_back("  plan " + std::to_string(q->int64(0)) + "/" + std::to_string(q->int64(1)) +
                             ": " + std::string(q->text(3)));
    }
    return Status::Ok();
  }

  Result<Query> prepare(const std::string& text) {
    if (auto s = explain(text); !s) return s.error();
    auto q = c.query_text(text);
    if (!q) return std::move(q).error();
    for (std::size_t i = 0; i < sql.params.size(); ++i)
      bind_value(*q, static_cast<int>(i) + 1, sql.params[i]);
    return q;
  }
};

constexpr const char* kHitColumns = "r.rid, r.type, r.id, v.version, v.last_updated, v.body";

SearchHit read_hit(const Query& q, std::size_t keys) {
  SearchHit h;
  h.match.rid = q.int64(0);
  h.type = q.text(1);
  h.id = q.text(2);
  h.version = q.int64(3);
  h.last_updated = q.int64(4);
  h.body = q.text(5);
  for (std::size_t i = 0; i < keys; ++i) h.match.keys.push_back(column_value(q, static_cast<int>(6 + i)));
  return h;
}

// Steps `q` appending distinct hits until `limit` are held; returns whether
// a row beyond the limit exists.
Result<bool> collect(Query& q, std::size_t keys, std::size_t limit, std::vector<SearchHit>& out) {
  for (;;) {
    auto row = q.step();
    if (!row) return std::move(row).error();
    if (!*row) return false;
    std::int64_t rid = q.int64(0);
    if (!out.empty() && out.back().match.rid == rid) continue;  // same resource, equal extreme values
    if (out.size() == limit) return true;
    out.push_back(read_hit(q, keys));
  }
}

// Filter-driven: the driver enumerates, the other predicates test, SQLite
// sorts what passed.
Status run_filtered(Connection& c, const SearchParamIds& ids, const SearchPlan& plan, SearchPage& page,
                    std::size_t limit) {
  Sql sql(ids, plan);
  const bool backward = plan.cursor && plan.cursor->backward;
  std::vector<std::string> exprs;
  std::vector<bool> desc;
  std::string keys;
  for (std::size_t i = 0; i < plan.sort.size(); ++i) {
    exprs.push_back(sort_expr(sql, plan.sort[i], "r"));
    desc.push_back(plan.sort[i].descending);
    keys += ", " + exprs.back() + " AS k" + std::to_string(i);
  }
  const bool rid_desc = !plan.sort.empty() && plan.sort.back().descending;
  std::string where;
  if (plan.driver >= 0) {
    where = "r.rid IN (" + sql.produce(plan.where[static_cast<std::size_t>(plan.driver)], plan.types) + ")";
    where += " AND " + sql.listed("r", plan.types, true);
  } else {
    where = sql.listed("r", plan.types);
  }
  for (std::size_t i = 0; i < plan.where.size(); ++i)
    if (static_cast<int>(i) != plan.driver) where += " AND " + sql.test(plan.where[i], "r");
  where += " AND " + sql.policy("r");
  if (plan.cursor) {
    std::vector<std::string> aliases;
    for (std::size_t i = 0; i < exprs.size(); ++i) aliases.push_back("k" + std::to_string(i));
    where += " AND " + cursor_cond(sql, aliases, desc, plan.cursor->keys, "r.rid", rid_desc, plan.cursor->rid,
                                   backward);
  }
  std::string order = " ORDER BY ";
  for (std::size_t i = 0; i < exprs.size(); ++i)
    order += "k" + std::to_string(i) + ((desc[i] != backward) ? " DESC, " : ", ");
  order += std::string("r.rid") + ((rid_desc != backward) ? " DESC" : "");
  const std::string limit_sql = " LIMIT " + sql.bind(static_cast<std::int64_t>(limit + 1));
  std::string text;
  if (plan.sort.empty()) {
    // In rid order SQLite walks the matches and stops at the limit: the
    // bodies it reads are the page's.
    text = std::string("SELECT ") + kHitColumns;
    text += " FROM search_resource r CROSS JOIN resource_version v ON v.seq = r.seq WHERE " + where + order +
            limit_sql;
  } else {
    // Sorted: every match is sorted before the first row comes out, so the
    // bodies are read after the sort, for the page only (the last 10
    // NT-proBNP of a 100k territory read 4 300 bodies: 25 ms).
    std::string key_names;
    for (std::size_t i = 0; i < exprs.size(); ++i) key_names += ", r.k" + std::to_string(i);
    text = std::string("SELECT ") + kHitColumns + key_names + " FROM (SELECT r.rid, r.type, r.id, r.seq" +
           keys + " FROM search_resource r WHERE " + where + order + limit_sql +
           ") r CROSS JOIN resource_version v ON v.seq = r.seq" + order;
  }
  Runner run{c, sql, plan, page};
  auto q = run.prepare(text);
  if (!q) return std::move(q).error();
  auto more = collect(*q, exprs.size(), limit, page.hits);
  if (!more) return std::move(more).error();
  page.more = *more;
  return Status::Ok();
}

// The predicate whose token rows a sort-driven walk takes by their latest
// date (SearchPlan::latest_walk), if the plan names one this store can walk:
// a Match on one parameter's own rows (not an alias of others').
const Predicate* latest_walk_of(const SearchParamIds& ids, const SearchPlan& plan) {
  if (plan.latest_walk < 0 || static_cast<std::size_t>(plan.latest_walk) >= plan.where.size()) return nullptr;
  const Predicate& p = plan.where[static_cast<std::size_t>(plan.latest_walk)];
  if (p.kind != Predicate::Kind::Match || p.table != IndexTable::Token || !plan.sort.front().descending)
    return nullptr;
  auto keys = ids.keys(p.param);
  return keys.size() == 1 && keys.front() >= 0 ? &p : nullptr;
}

// Sort-driven: walk the first sort key's (param, value) index in order and
// test every predicate; resources without a value follow, by rid. With a
// latest walk, the index walked is sp_token_by_latest on the one code's
// rows, whose latest date is the sort key (TokenRow::latest), and those
// without one follow by sp_token_by_code: only the resources with the
// code are read, and no extreme-value check is needed.
Status run_sort_driven(Connection& c, const SearchParamIds& ids, const SearchPlan& plan, SearchPage& page,
                       std::size_t limit) {
  const SortKey& k = plan.sort.front();
  const Predicate* latest = latest_walk_of(ids, plan);
  const bool backward = plan.cursor && plan.cursor->backward;
  const bool walk_desc = k.descending != backward;
  const bool cursor_missing = plan.cursor && std::holds_alternative<std::monostate>(plan.cursor->keys.at(0));
  // Tested on the walked index row's rid, before the resource row is read.
  auto on_rid = [&](const Predicate& w) {
    return w.kind == Predicate::Kind::Match || w.kind == Predicate::Kind::NoMatch ||
           w.kind == Predicate::Kind::Composite;
  };
  // Phases in paging order: valued rows, then those without a value.
  std::vector<int> phases = backward ? std::vector<int>{2, 1} : std::vector<int>{1, 2};
  for (int phase : phases) {
    if (page.hits.size() > limit) break;
    if (plan.cursor) {
      // Forward from a missing-value cursor: only phase 2 remains; backward
      // from a valued cursor: only phase 1 remains.
      if (!backward && cursor_missing && phase == 1) continue;
      if (backward && !cursor_missing && phase == 2) continue;
    }
    Sql sql(ids, plan);
    // The walked index row `s` (none in phase 2 of a plain walk), its sort
    // key and its rid.
    const bool has_s = phase == 1 || latest;
    std::string key = phase == 2 ? "" : latest ? "s.latest" : "s." + Sql::column(k.table, k.column);
    std::string text = std::string("SELECT ") + kHitColumns + ", " +
                       (key.empty() ? sentinel(k.descending) : key) + " AS k0 FROM ";
    if (latest) {
      text +=
          "sp_token s CROSS JOIN search_resource r ON r.rid = s.rid CROSS JOIN resource_version v ON v.seq = "
          "r.seq WHERE " +
          sql.param_is("s.param", latest->param);
      std::string cond = sql.row_cond(latest->cond, IndexTable::Token, "s");
      if (cond != "1") text += " AND " + cond;
      text += phase == 1 ? " AND s.latest IS NOT NULL" : " AND s.latest IS NULL";
    } else if (phase == 1) {
      text += std::string(info(k.table).name) +
              " s CROSS JOIN search_resource r ON r.rid = s.rid CROSS JOIN resource_version v ON v.seq = "
              "r.seq WHERE " +
              sql.param_is("s.param", k.param);
    } else {
      text += "search_resource r CROSS JOIN resource_version v ON v.seq = r.seq WHERE " +
              sql.listed("r", plan.types) + " AND NOT EXISTS (SELECT 1 FROM " + info(k.table).name +
              " s2 WHERE s2.rid = r.rid AND +" + sql.param_is("s2.param", k.param) + ")";
    }
    if (has_s) {
      for (const auto& w : plan.where)
        if (on_rid(w) && &w != latest) text += " AND " + sql.test(w, "s");
      if (!latest) {
        std::string col = Sql::column(k.table, k.column);
        text += " AND s." + col + " = (SELECT " + (k.descending ? "max" : "min") + "(s2." + col + ") FROM " +
                info(k.table).name + " s2 WHERE s2.rid = s.rid AND +" + sql.param_is("s2.param", k.param) +
                ")";
      }
      text += " AND " + sql.listed("r", plan.types, true);
    }
    for (const auto& w : plan.where)
      if (!(has_s && on_rid(w)) && &w != latest) text += " AND " + sql.test(w, "r");
    text += " AND " + sql.policy("r");
    const std::string rid = has_s ? "s.rid" : "r.rid";
    if (plan.cursor && (phase == 2) == cursor_missing) {
      if (phase == 1)
        text += " AND (" + key + ", s.rid) " + (walk_desc ? "< (" : "> (") +
                sql.bind(plan.cursor->keys.at(0)) + ", " + sql.bind(plan.cursor->rid) + ")";
      else
        text += " AND " + rid + (walk_desc ? " < " : " > ") + sql.bind(plan.cursor->rid);
    }
    const char* dir = walk_desc ? " DESC" : "";
    text += " ORDER BY " + (phase == 1 ? key + dir + ", " : std::string()) + rid + dir;
    Runner run{c, sql, plan, page};
    auto q = run.prepare(text);
    if (!q) return std::move(q).error();
    auto more = collect(*q, 1, limit, page.hits);
    if (!more) return std::move(more).error();
    if (*more) {
      page.more = true;
      break;
    }
  }
  return Status::Ok();
}

// Target order (SearchPlan::target_order): the chain's targets in rid order
// (walked or enumerated, SearchPlan::target_walk), each one's referrers in
// rid order (the reference index holds rid after the target id); test the
// others, stop after the page. A referrer of several targets comes once,
// under the first.
Status run_target_ordered(Connection& c, const SearchParamIds& ids, const SearchPlan& plan, SearchPage& page,
                          std::size_t limit) {
  const Predicate& chain = plan.where.at(static_cast<std::size_t>(plan.driver));
  const bool backward = plan.cursor && plan.cursor->backward;
  // Contained targets ("#Type") break the walk's (type, rid) order: with
  // any in the store, the targets are enumerated instead.
  bool has_contained = false;
  if (plan.target_walk && chain.types.size() == 1) {
    const std::string hash_type =
        contained_type(chain.types.front());  // bound without a copy: outlives the step
    auto q = c.query(kAnyOfType);
    if (!q) return std::move(q).error();
    q->bind(1, std::string_view(hash_type));
    auto row = q->step();
    if (!row) return std::move(row).error();
    has_contained = *row;
  }
  Sql sql(ids, plan);
  std::string text = std::string("SELECT ") + kHitColumns +
                     ", t.rid AS k0 FROM search_resource t CROSS JOIN sp_reference f ON " +
                     sql.param_is("f.param", chain.param) +
                     " AND f.id = t.id AND f.type = +t.type CROSS JOIN search_resource r ON r.rid = f.rid "
                     "CROSS JOIN resource_version v ON v.seq = r.seq WHERE ";
  if (plan.target_walk && chain.types.size() == 1 && !has_contained) {
    // The (type, rid) index gives the targets in order; each is tested.
    text += sql.one_of("t.type", chain.types);
    for (const auto& sub : chain.sub) text += " AND " + sql.test(sub, "t");
  } else {
    text += sql.resource_set(chain.sub, Sql::chain_types(chain.types), "t");
  }
  text += " AND " + sql.target_policy("t");
  std::string cond = sql.row_cond(chain.cond, IndexTable::Reference, "f");
  if (cond != "1") text += " AND " + cond;
  text += " AND " + sql.listed("r", plan.types, true);
  for (std::size_t i = 0; i < plan.where.size(); ++i)
    if (static_cast<int>(i) != plan.driver) text += " AND " + sql.test(plan.where[i], "r");
  text += " AND " + sql.policy("r") + " AND NOT " + sql.chain_exists(chain, "r", "t.rid");
  const char* dir = backward ? " DESC" : "";
  if (plan.cursor) {
    const auto* key = plan.cursor->keys.empty() ? nullptr : std::get_if<std::int64_t>(&plan.cursor->keys[0]);
    if (!key)
      return bad_request("Invalid or outdated _cursor: restart the search from its first page", "_cursor");
    std::string k = sql.bind(*key), rid = sql.bind(plan.cursor->rid);
    const char* cmp = backward ? " < " : " > ";
    text += " AND t.rid " + std::string(backward ? "<= " : ">= ") + k + " AND (t.rid" + cmp + k +
            " OR f.rid" + cmp + rid + ")";
  }
  text += std::string(" ORDER BY t.rid") + dir + ", f.rid" + dir + " LIMIT " +
          sql.bind(static_cast<std::int64_t>(limit + 1));
  Runner run{c, sql, plan, page};
  auto q = run.prepare(text);
  if (!q) return std::move(q).error();
  auto more = collect(*q, 1, limit, page.hits);
  if (!more) return std::move(more).error();
  page.more = *more;
  return Status::Ok();
}

Status count_total(Connection& c, const SearchParamIds& ids, const SearchPlan& plan, SearchPage& page) {
  Sql sql(ids, plan);
  std::string text = "SELECT count(*) FROM search_resource r WHERE ";
  text += sql.resource_set(plan.where, plan.types, "r");
  if (plan.types.empty()) text += " AND " + sql.listed("r", plan.types);
  text += " AND " + sql.policy("r");
  Runner run{c, sql, plan, page};
  auto q = run.prepare(text);
  if (!q) return std::move(q).error();
  auto row = q->step();
  if (!row) return std::move(row).error();
  page.total = *row ? q->int64(0) : 0;
  return Status::Ok();
}

std::string json_array(const std::vector<std::string>& items) {
  std::string s = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) s += ",";
    s += "\"";
    for (char ch : items[i]) {
      if (ch == '"' || ch == '\\') s += '\\';
      s += ch;
    }
    s += "\"";
  }
  return s + "]";
}

std::string json_array(const std::vector<std::int64_t>& items) {
  std::string s = "[";
  for (std::size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + std::to_string(items[i]);
  return s + "]";
}

// _include / _revinclude for `from` (hits of the page or of the previous
// iteration); appends new resources to page.included.
Status include_once(Connection& c, const SearchParamIds& ids, const SearchPlan& plan, const IncludeSpec& inc,
                    const std::vector<const SearchHit*>& from, std::unordered_set<std::int64_t>& seen,
                    SearchPage& page, std::vector<const SearchHit*>* fresh_out) {
  std::vector<std::size_t> fresh_index;
  auto run_query = [&](Sql& sql, const std::string& text) -> Status {
    Runner run{c, sql, plan, page};
    auto q = run.prepare(text);
    if (!q) return std::move(q).error();
    for (;;) {
      auto row = q->step();
      if (!row) return std::move(row).error();
      if (!*row) break;
      std::int64_t rid = q->int64(0);
      if (!seen.insert(rid).second) continue;
      if (static_cast<int>(page.included.size()) >= plan.max_included) {
        page.included_truncated = true;
        break;
      }
      page.included.push_back(read_hit(*q, 0));
      fresh_index.push_back(page.included.size() - 1);
    }
    return Status::Ok();
  };
  auto params_in = [&](Sql& sql, const std::string& col) -> std::string {
    if (inc.params.empty()) return "1";
    return sql.params_are(col, inc.params);
  };
  if (!inc.reverse) {
    std::vector<std::int64_t> rids;
    for (const auto* h : from)
      if (inc.source_type.empty() || h->type == inc.source_type) rids.push_back(h->match.rid);
    if (rids.empty()) return Status::Ok();
    Sql sql(ids, plan);
    std::string text =
        std::string("SELECT DISTINCT ") + kHitColumns +
        " FROM sp_reference f CROSS JOIN search_resource r ON r.type = f.type AND r.id = f.id "
        "CROSS JOIN resource_version v ON v.seq = r.seq WHERE f.rid IN (SELECT value FROM json_each(" +
        sql.bind(json_array(rids)) + ")) AND " + params_in(sql, "f.param");
    if (!inc.target_type.empty()) text += " AND r.type = " + sql.bind(inc.target_type);
    text += " AND r.container IS NULL AND " + sql.policy("r");  // a "#id" target is in the hit already
    if (auto s = run_query(sql, text); !s) return s;
  } else {
    // Group the targets by type so the (param, id, type) index serves.
    std::map<std::string, std::vector<std::string>> by_type;
    for (const auto* h : from)
      if (inc.target_type.empty() || h->type == inc.target_type) by_type[h->type].push_back(h->id);
    for (const auto& [type, idlist] : by_type) {
      Sql sql(ids, plan);
      std::string text = std::string("SELECT DISTINCT ") + kHitColumns +
                         " FROM sp_reference f CROSS JOIN search_resource r ON r.rid = f.rid "
                         "CROSS JOIN resource_version v ON v.seq = r.seq WHERE " +
                         params_in(sql, "f.param") + " AND f.id IN (SELECT value FROM json_each(" +
                         sql.bind(json_array(idlist)) + ")) AND f.type = " + sql.bind(type);
      if (!inc.source_type.empty()) text += " AND r.type = " + sql.bind(inc.source_type);
      text += " AND r.container IS NULL AND " + sql.policy("r");
      if (auto s = run_query(sql, text); !s) return s;
    }
  }
  if (fresh_out)
    for (std::size_t i : fresh_index) fresh_out->push_back(&page.included[i]);
  return Status::Ok();
}

Status run_includes(Connection& c, const SearchParamIds& ids, const SearchPlan& plan, SearchPage& page) {
  if (plan.includes.empty() || page.hits.empty()) return Status::Ok();
  std::unordered_set<std::int64_t> seen;
  for (const auto& h : page.hits) seen.insert(h.match.rid);
  page.included.reserve(static_cast<std::size_t>(plan.max_included) + 1);  // pointers below stay valid
  std::vector<const SearchHit*> from;
  for (const auto& h : page.hits) from.push_back(&h);
  std::vector<const SearchHit*> fresh;
  for (const auto& inc : plan.includes)
    if (auto s = include_once(c, ids, plan, inc, from, seen, page, &fresh); !s) return s;
  // :iterate specs run again on what the previous round brought (R4 §3.1.1.5.5).
  bool iterate =
      std::any_of(plan.includes.begin(), plan.includes.end(), [](const auto& i) { return i.iterate; });
  for (int round = 0; iterate && round < 8 && !fresh.empty() && !page.included_truncated; ++round) {
    std::vector<const SearchHit*> next;
    for (const auto& inc : plan.includes)
      if (inc.iterate)
        if (auto s = include_once(c, ids, plan, inc, fresh, seen, page, &next); !s) return s;
    fresh = std::move(next);
  }
  return Status::Ok();
}

}  // namespace

Result<SearchPage> run_search(Connection& c, const SearchParamIds& ids, const SearchPlan& plan) {
  SearchPage page;
  if (plan.count > 0) {
    std::size_t limit = static_cast<std::size_t>(std::clamp(plan.count, 1, 10000));
    bool sort_driven =
        plan.sort_driven && plan.sort.size() == 1 && plan.sort[0].source == SortKey::Source::Rows;
    const bool target_order =
        plan.target_order && plan.sort.empty() && plan.driver >= 0 &&
        plan.where.at(static_cast<std::size_t>(plan.driver)).kind == Predicate::Kind::Chain;
    Status s = sort_driven    ? run_sort_driven(c, ids, plan, page, limit)
               : target_order ? run_target_ordered(c, ids, plan, page, limit)
                              : run_filtered(c, ids, plan, page, limit);
    if (!s) return s.error();
    if (plan.cursor && plan.cursor->backward) std::reverse(page.hits.begin(), page.hits.end());
    if (auto st = run_includes(c, ids, plan, page); !st) return st.error();
  }
  if (plan.count_total) {
    if (!plan.cursor && plan.count > 0 && !page.more) {
      page.total = static_cast<std::int64_t>(page.hits.size());  // the first page holds them all
    } else if (auto s = count_total(c, ids, plan, page); !s) {
      return s.error();
    }
  }
  return page;
}

Result<std::int64_t> estimate(Connection& c, const SearchParamIds& ids, const SearchPlan& plan,
                              const Predicate& p, std::int64_t cap) {
  if (!p.drivable()) return std::int64_t{-1};
  SearchPlan bare;  // the estimate ignores the policy: it only orders predicates
  bare.types = plan.types;
  Sql sql(ids, bare);
  std::string text = "SELECT count(*) FROM (" + sql.produce(p, plan.types) + " LIMIT " + sql.bind(cap) + ")";
  auto q = c.query_text(text);
  if (!q) return std::move(q).error();
  for (std::size_t i = 0; i < sql.params.size(); ++i) bind_value(*q, static_cast<int>(i) + 1, sql.params[i]);
  auto row = q->step();
  if (!row) return std::move(row).error();
  return *row ? q->int64(0) : std::int64_t{0};
}

}  // namespace parcours::store::sqlite
