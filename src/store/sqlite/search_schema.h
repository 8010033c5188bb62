// Schema of the search index (docs/decisions/search.md): one row per live
// resource with an integer key (rid), one table per index row type keyed by
// rid first (rows of one resource are adjacent: cheap diffs and per-resource
// checks), and a secondary index per table that starts with the parameter
// and the value (seeks by value).
#pragma once

namespace parcours::store::sqlite {

inline constexpr const char* kSearchMigration = R"sql(
CREATE TABLE search_param (
  pid INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE            -- "Observation.code", "Observation.code:text", "X.y$0"...
);
CREATE TABLE search_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE search_resource (
  rid INTEGER PRIMARY KEY,             -- surrogate key of the resource in every index table
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,                -- resource_version.seq of the current version
  last_updated INTEGER NOT NULL,       -- microseconds UTC (_lastUpdated)
  patient TEXT                         -- compartment key (first patient compartment)
);
CREATE UNIQUE INDEX search_resource_by_id ON search_resource(type, id);
CREATE INDEX search_resource_by_type ON search_resource(type);
CREATE INDEX search_resource_by_time ON search_resource(type, last_updated);
CREATE TABLE sp_token (
  rid INTEGER NOT NULL, param INTEGER NOT NULL, grp INTEGER NOT NULL,
  system TEXT NOT NULL, code TEXT NOT NULL,
  PRIMARY KEY (rid, param, grp, system, code)
) WITHOUT ROWID;
CREATE INDEX sp_token_by_code ON sp_token(param, code, system);
CREATE TABLE sp_string (
  rid INTEGER NOT NULL, param INTEGER NOT NULL, grp INTEGER NOT NULL,
  norm TEXT NOT NULL, exact TEXT NOT NULL,
  PRIMARY KEY (rid, param, grp, exact)
) WITHOUT ROWID;
CREATE INDEX sp_string_by_norm ON sp_string(param, norm);
CREATE TABLE sp_date (
  rid INTEGER NOT NULL, param INTEGER NOT NULL, grp INTEGER NOT NULL,
  low INTEGER NOT NULL, high INTEGER NOT NULL,
  PRIMARY KEY (rid, param, grp, low, high)
) WITHOUT ROWID;
CREATE INDEX sp_date_by_low ON sp_date(param, low);
CREATE INDEX sp_date_by_high ON sp_date(param, high);
CREATE TABLE sp_number (
  rid INTEGER NOT NULL, param INTEGER NOT NULL, grp INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (rid, param, grp, value)
) WITHOUT ROWID;
CREATE INDEX sp_number_by_value ON sp_number(param, value);
CREATE TABLE sp_quantity (
  rid INTEGER NOT NULL, param INTEGER NOT NULL, grp INTEGER NOT NULL,
  value REAL NOT NULL, system TEXT NOT NULL, code TEXT NOT NULL,
  canon_value REAL NOT NULL, canon_code TEXT NOT NULL,
  PRIMARY KEY (rid, param, grp, system, code, value)
) WITHOUT ROWID;
CREATE INDEX sp_quantity_by_canon ON sp_quantity(param, canon_code, canon_value);
CREATE INDEX sp_quantity_by_value ON sp_quantity(param, value);
CREATE TABLE sp_reference (
  rid INTEGER NOT NULL, param INTEGER NOT NULL, grp INTEGER NOT NULL,
  type TEXT NOT NULL, id TEXT NOT NULL, version TEXT NOT NULL,
  PRIMARY KEY (rid, param, grp, type, id, version)
) WITHOUT ROWID;
CREATE INDEX sp_reference_by_target ON sp_reference(param, id, type);
CREATE TABLE sp_uri (
  rid INTEGER NOT NULL, param INTEGER NOT NULL, grp INTEGER NOT NULL,
  uri TEXT NOT NULL,
  PRIMARY KEY (rid, param, grp, uri)
) WITHOUT ROWID;
CREATE INDEX sp_uri_by_value ON sp_uri(param, uri);
CREATE TABLE sp_position (
  rid INTEGER NOT NULL, param INTEGER NOT NULL,
  latitude REAL NOT NULL, longitude REAL NOT NULL,
  PRIMARY KEY (rid, param, latitude, longitude)
) WITHOUT ROWID;
CREATE INDEX sp_position_by_latitude ON sp_position(param, latitude);
CREATE VIRTUAL TABLE sp_text USING fts5(narrative, content, tokenize = 'unicode61 remove_diacritics 2');
)sql";

// Token and reference rows indexed by (param, value) only: the index then
// keeps rid right after the value, so walking it gives (value, rid) order
// (sort-driven plans, keyset seeks); the system or type is read from the
// same index entry.
inline constexpr const char* kSearchMigration2 = R"sql(
DROP INDEX sp_token_by_code;
CREATE INDEX sp_token_by_code ON sp_token(param, code);
DROP INDEX sp_reference_by_target;
CREATE INDEX sp_reference_by_target ON sp_reference(param, id);
)sql";

// Contained resources' rows (store::ContainedRows): a row of search_resource
// each, with the rid of its container, found again when the container
// changes or goes.
inline constexpr const char* kSearchMigration3 = R"sql(
ALTER TABLE search_resource ADD COLUMN container INTEGER;
CREATE INDEX search_resource_by_container ON search_resource(container) WHERE container IS NOT NULL;
)sql";

// The full-text index keeps which columns hold each word, not where
// (FTS5 detail=column): Parcours's _text/_content queries are words,
// prefixes and a column filter, never phrases, and the index is a sixth
// smaller and quicker to build (docs/performance.md). The texts are indexed
// again from the table's own copy.
inline constexpr const char* kSearchMigration4 = R"sql(
ALTER TABLE sp_text RENAME TO sp_text_positions;
CREATE VIRTUAL TABLE sp_text USING fts5(narrative, content, tokenize = 'unicode61 remove_diacritics 2', detail = column);
INSERT INTO sp_text(rowid, narrative, content) SELECT rowid, narrative, content FROM sp_text_positions;
DROP TABLE sp_text_positions;
)sql";

// Token texts (sqlite_search.h, TokenTexts; docs/decisions/search.md): the
// texts a (param, system, code) implies, and on each token row whether it
// stands for them. The code index carries `implied` after the primary key's
// columns, so a :text search reads it from the index entry; its order is
// still (param, code, rid). Rows indexed before keep implied = 0 and their
// string rows: both stay exact until the reindex the extraction version
// asks for.
inline constexpr const char* kSearchMigration5 = R"sql(
ALTER TABLE sp_token ADD COLUMN implied INTEGER NOT NULL DEFAULT 0;
DROP INDEX IF EXISTS sp_token_by_code;
CREATE INDEX sp_token_by_code ON sp_token(param, code, rid, grp, system, implied);
CREATE TABLE sp_token_text (
  param INTEGER NOT NULL, system TEXT NOT NULL, code TEXT NOT NULL,
  norm TEXT NOT NULL, exact TEXT NOT NULL,
  PRIMARY KEY (param, system, code, exact)
) WITHOUT ROWID;
CREATE INDEX sp_token_text_by_norm ON sp_token_text(param, norm);
)sql";

// The full-text index keeps no per-row column sizes (FTS5 columnsize=0):
// they serve ranking functions (bm25), which Parcours does not use, and
// writing them was one more b-tree row per resource (0.5 s of the 10k
// import, docs/performance.md). The texts are indexed again from the
// table's own copy, as in migration 9.
inline constexpr const char* kSearchMigration6 = R"sql(
ALTER TABLE sp_text RENAME TO sp_text_sized;
CREATE VIRTUAL TABLE sp_text USING fts5(narrative, content, tokenize = 'unicode61 remove_diacritics 2', detail = column, columnsize = 0);
INSERT INTO sp_text(rowid, narrative, content) SELECT rowid, narrative, content FROM sp_text_sized;
DROP TABLE sp_text_sized;
)sql";

// The full-text index keeps no copy of the texts (FTS5 content='', a
// contentless table): the copy was 8% of the store and of what a load
// writes (docs/performance.md). Taking a row out of a contentless table
// needs the text it was indexed with: the writer computes it again from the
// stored body of the version search_resource.seq names (store::TextIndexer).
// search_resource.text is 0 when that version has no row, else a
// fingerprint of its text, checked before the text is used (sqlite_search.cc;
// -1 for the rows indexed here, from the old table's copy). A reindex starts
// by emptying the table ('delete-all'), so a text indexed under another
// extraction version is never asked for.
inline constexpr const char* kSearchMigration7 = R"sql(
ALTER TABLE search_resource ADD COLUMN text INTEGER NOT NULL DEFAULT 0;
UPDATE search_resource SET text = -1 WHERE rid IN (SELECT rowid FROM sp_text);
ALTER TABLE sp_text RENAME TO sp_text_stored;
CREATE VIRTUAL TABLE sp_text USING fts5(narrative, content, tokenize = 'unicode61 remove_diacritics 2', detail = column, columnsize = 0, content = '');
INSERT INTO sp_text(rowid, narrative, content) SELECT rowid, narrative, content FROM sp_text_stored;
DROP TABLE sp_text_stored;
)sql";

// Token rows carry their resource's latest date (TokenRow::latest) for the
// parameters that ask for it (search::ParamDef::latest_by: Observation.code
// with Observation.date...), indexed by (param, code, latest): the last N
// results of a code are then the first N entries of one index walk, instead
// of a walk of every date of the type testing each for the code
// (docs/decisions/search.md, "The latest date of a resource on its code
// rows"). Partial: the other token rows have no entry. Rows indexed before
// keep NULL until the reindex the extraction version asks for, which runs
// at the next start before the server listens.
inline constexpr const char* kSearchMigration8 = R"sql(
ALTER TABLE sp_token ADD COLUMN latest INTEGER;
CREATE INDEX sp_token_by_latest ON sp_token(param, code, latest) WHERE latest IS NOT NULL;
)sql";

// The value indexes of the search tables (as the migrations leave them):
// dropped during bulk loads and rebuilt at their end, or at the next open
// after an interrupted one.
struct SearchIndex {
  const char* name;
  const char* create;
};
inline constexpr SearchIndex kSearchIndexes[] = {
    {"sp_token_by_code",
     "CREATE INDEX IF NOT EXISTS sp_token_by_code ON sp_token(param, code, rid, grp, system, implied)"},
    {"sp_token_by_latest",
     "CREATE INDEX IF NOT EXISTS sp_token_by_latest ON sp_token(param, code, latest) WHERE latest IS NOT "
     "NULL"},
    {"sp_string_by_norm", "CREATE INDEX IF NOT EXISTS sp_string_by_norm ON sp_string(param, norm)"},
    {"sp_date_by_low", "CREATE INDEX IF NOT EXISTS sp_date_by_low ON sp_date(param, low)"},
    {"sp_date_by_high", "CREATE INDEX IF NOT EXISTS sp_date_by_high ON sp_date(param, high)"},
    {"sp_number_by_value", "CREATE INDEX IF NOT EXISTS sp_number_by_value ON sp_number(param, value)"},
    {"sp_quantity_by_canon",
     "CREATE INDEX IF NOT EXISTS sp_quantity_by_canon ON sp_quantity(param, canon_code, canon_value)"},
    {"sp_quantity_by_value", "CREATE INDEX IF NOT EXISTS sp_quantity_by_value ON sp_quantity(param, value)"},
    {"sp_reference_by_target",
     "CREATE INDEX IF NOT EXISTS sp_reference_by_target ON sp_reference(param, id)"},
    {"sp_uri_by_value", "CREATE INDEX IF NOT EXISTS sp_uri_by_value ON sp_uri(param, uri)"},
    {"sp_position_by_latitude",
     "CREATE INDEX IF NOT EXISTS sp_position_by_latitude ON sp_position(param, latitude)"},
};

}  // namespace parcours::store::sqlite
