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
  // A name narrowed to one target type (RowAlias::target_type): its own key
  // and the type (keys() gives its source's key too).
  struct Narrowed {
    std::int64_t own = -1;
    std::string type;
  };
  std::optional<Narrowed> narrowed(std::string_view name) const;

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::int64_t, Hash, std::equal_to<>> ids_;
  std::unordered_map<std::string, std::vector<std::string>, Hash, std::equal_to<>> aliases_;
  std::unordered_map<std::string, std::pair<std::string, std::string>, Hash, std::equal_to<>> narrowed_;
};

// The texts a token's code implies for :text (docs/decisions/search.md,
// "Token texts"). sp_token_text holds, for each (param, system, code), the
// texts of the first resource written with that code and a text; a token
// row marked `implied` stands for them, so that the 464 000 rows
// "Observation.code:text = Hemoglobin A1c..." of a 10k territory need not
// be written. A text of a resource that its codes do not imply is a string
// row, as before. Entries never change once written, so a cached one stays
// true; a miss is read again inside the write transaction (another
// process may have added the entry).
//
// Writer thread only, and in step with its transaction: the entries a unit
// added are forgotten when that unit is rolled back (mark() / undo()).
class TokenTexts {
 public:
  // The texts of (param, system, code). When it has none yet and `texts` is
  // not empty, `texts` become its texts, written in the caller's
  // transaction. Null when it has none.
  Result<const std::vector<std::string>*> find_or_add(Connection& c, std::int64_t param,
                                                      std::string_view system, std::string_view code,
                                                      const StringRow* texts, std::size_t count);
  std::size_t mark() const { return added_.size(); }
  void undo(std::size_t mark);       // the entries added since `mark` were rolled back
  void commit() { added_.clear(); }  // the entries added are committed

 private:
  struct Key {
    std::int64_t param;
    std::string system, code;
  };
  struct KeyView {
    std::int64_t param;
    std::string_view system, code;
  };
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(const KeyView& k) const;
    std::size_t operator()(const Key& k) const { return (*this)(KeyView{k.param, k.system, k.code}); }
  };
  struct KeyEq {
    using is_transparent = void;
    static KeyView view(const Key& k) { return {k.param, k.system, k.code}; }
    static KeyView view(const KeyView& k) { return k; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      KeyView x = view(a), y = view(b);
      return x.param == y.param && x.system == y.system && x.code == y.code;
    }
  };
  std::unordered_map<Key, std::vector<std::string>, KeyHash, KeyEq> cache_;
  std::vector<Key> added_;  // in this transaction, in order
};

// The full text of the stored version `seq` (resource_version.seq), as the
// indexer gives it (store::TextIndexer).
using PreviousText = std::function<Result<FullText>(std::int64_t seq)>;

// Brings the index rows of type/id to `rows` (nullptr: the resource was
// deleted, drop everything). `seq`, `last_updated` and `patient` describe the
// current version. Writes only what changed. The full-text index keeps no
// copy of the texts (search_schema.h): `previous_text` gives the text the
// indexed version has, to take its row out. `may_exist` false: the caller
// knows the resource has no rows (a create), which saves looking for them.
Status write_search_rows(Connection& c, const SearchParamIds& ids, TokenTexts& texts,
                         const PreviousText& previous_text, std::string_view type, std::string_view id,
                         std::int64_t seq, std::int64_t last_updated, std::string_view patient,
                         const SearchRows* rows, bool may_exist = true);

// Empties the full-text index; the next write of each resource indexes its
// text again (the start of a reindex: the texts may come from another
// extraction).
Status forget_full_text(Connection& c);

// Runs `plan`; `fetch_bodies` false leaves SearchHit::body empty.
Result<SearchPage> run_search(Connection& c, const SearchParamIds& ids, const SearchPlan& plan);
Result<std::int64_t> estimate(Connection& c, const SearchParamIds& ids, const SearchPlan& plan,
                              const Predicate& p, std::int64_t cap);

// search_meta key/value (the index fingerprint).
inline constexpr std::string_view kFingerprintKey = "fingerprint";
Result<std::string> read_meta(Connection& c, std::string_view key);
Status write_meta(Connection& c, std::string_view key, std::string_view value);

}  // namespace parcours::store::sqlite
