// The SQLite store's search index (search_schema.h): writing the typed rows
// of a resource inside its version's transaction, and running search plans
// (store/search_index.h) as SQL. Called by sqlite_store.cc on its own
// connections.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/search_index.h"
#include "store/sqlite/sqlite_db.h"

namespace parcours::store::sqlite {

// Parameter name -> compact key (search_param.pid). Holds committed names
// only, so readers and the writer share it. Thread-safe.
class SearchParamIds {
 public:
  std::optional<std::int64_t> find(std::string_view name) const;
  // Loads every committed name (at open).
  Status load(Connection& c);
  // Inserts missing names in the caller's transaction; call publish() once
  // that transaction committed.
  Result<std::vector<std::pair<std::string, std::int64_t>>> insert(Connection& c,
                                                                   const std::vector<std::string>& names);
  void publish(const std::vector<std::pair<std::string, std::int64_t>>& ids);
  // Names with no rows of their own (RowAlias), replacing those set before.
  void set_aliases(const std::vector<RowAlias>& aliases);
  // The keys whose rows a query on `name` reads: its own, or its sources'
  // in RowAlias order (a source not registered yet has none); empty for an
  // unknown name.
  std::vector<std::int64_t> keys(std::string_view name) const;

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> ids_;
  std::unordered_map<std::string, std::vector<std::string>, Hash, std::equal_to<>> aliases_;
};

// Brings the index rows of type/id to `rows` (nullptr: the resource was
// deleted, drop everything). `seq`, `last_updated` and `patient` describe the
// current version. Writes only what changed.
Status write_search_rows(Connection& c, const SearchParamIds& ids, std::string_view type, std::string_view id,
                         std::int64_t seq, std::int64_t last_updated, std::string_view patient,
                         const SearchRows* rows);

// Runs `plan`; `fetch_bodies` false leaves SearchHit::body empty.
Result<SearchPage> run_search(Connection& c, const SearchParamIds& ids, const SearchPlan& plan);
Result<std::int64_t> estimate(Connection& c, const SearchParamIds& ids, const SearchPlan& plan,
                              const Predicate& p, std::int64_t cap);

// search_meta key/value (the index fingerprint).
Result<std::string> read_meta(Connection& c, std::string_view key);
Status write_meta(Connection& c, std::string_view key, std::string_view value);

}  // namespace parcours::store::sqlite
