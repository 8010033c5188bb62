// The search engine's contract with the store (docs/decisions/search.md):
//  - the typed index rows the search layer extracts from each resource and
//    the store writes with its version, in the same transaction;
//  - the backend-neutral search plan the planner (search/planner.h) produces
//    and a backend turns into its own SQL (store/sqlite/sqlite_search.cc).
//
// Parameters are named "<ResourceType>.<code>" ("Observation.code"); derived
// rows use a suffix: ":text" (token display text, in the string rows),
// ":identifier" (Reference.identifier, in the token rows), ":of-type"
// (Identifier.type|value, in the token rows) and "$<n>" (component n of a
// composite parameter, rows grouped by `grp`).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/security_store.h"

namespace parcours::store {

struct ResourceVersion;

// --- index rows ------------------------------------------------------------------

// `param` views a parameter name that lives as long as the process (the
// search layer interns them). `grp` ties the component rows of one composite
// match together (0 for ordinary rows).
//
// A token's texts for :text (R4 §3.1.1.4.10: a Coding's display, the text
// of its CodeableConcept, an Identifier's type text) are
// SearchRows::token_texts[text_begin, text_end). The store writes them as
// string rows of the ":text" name, or leaves them implied by the code when
// they are the texts it first saw with it (docs/decisions/search.md,
// "Token texts").
//
// `latest`: on the rows of a parameter that asks for it (search::ParamDef::
// latest_by), the resource's latest value of that date parameter (the
// largest DateRow::high), the key its "last N of a code" searches walk;
// none when the resource has no such date.
struct TokenRow {
  std::string_view param;
  std::int32_t grp = 0;
  std::string system;  // '' when the value has none
  std::string code;
  std::uint32_t text_begin = 0;
  std::uint32_t text_end = 0;
  std::optional<std::int64_t> latest;
};
struct StringRow {
  std::string_view param;
  std::int32_t grp = 0;
  std::string norm;   // lower case, accents folded (search/text.h)
  std::string exact;  // as written
};
// A date, dateTime, instant, Period or Timing event as the closed range of
// microseconds (UTC) it covers at its precision.
struct DateRow {
  std::string_view param;
  std::int32_t grp = 0;
  std::int64_t low = 0;
  std::int64_t high = 0;
};
struct NumberRow {
  std::string_view param;
  std::int32_t grp = 0;
  double value = 0;  // correctly rounded from the decimal text
};
struct QuantityRow {
  std::string_view param;
  std::int32_t grp = 0;
  double value = 0;
  std::string system;
  std::string code;        // Quantity.code, else Quantity.unit
  double canon_value = 0;  // value in UCUM base units when convertible, else value
  std::string canon_code;  // UCUM canonical unit ("g", "m3"...), else "system|code"
};
// A literal reference "Type/id[/_history/v]" (type and id set), or an
// absolute URL or canonical (type empty, id = the URL, version after '|').
struct ReferenceRow {
  std::string_view param;
  std::int32_t grp = 0;
  std::string type;
  std::string id;
  std::string version;
};
struct UriRow {
  std::string_view param;
  std::int32_t grp = 0;
  std::string uri;
};
// Location.position for the `near` parameter (degrees, WGS84).
struct PositionRow {
  std::string_view param;
  double latitude = 0;
  double longitude = 0;
};

struct ContainedRows;

// A resource's full text (_text, _content: FHIR R4 search, parameters for
// all resources), one row of the full-text index.
struct FullText {
  std::string narrative;  // _text: the text of Resource.text.div
  std::string content;    // _content: the resource's text values
  bool empty() const { return narrative.empty() && content.empty(); }
  bool operator==(const FullText&) const = default;
};

struct SearchRows {
  std::vector<TokenRow> tokens;
  std::vector<StringRow> strings;
  std::vector<DateRow> dates;
  std::vector<NumberRow> numbers;
  std::vector<QuantityRow> quantities;
  std::vector<ReferenceRow> references;
  std::vector<UriRow> uris;
  std::vector<PositionRow> positions;
  std::vector<StringRow> token_texts;  // the :text rows of tokens (TokenRow::text_begin)
  FullText text;                       // none for a contained resource
  // The resources in Resource.contained, each indexed as its own row set
  // so that a chain evaluates inside them (R4 §3.1.1.5.9: "a chained
  // condition will be evaluated inside contained resources").
  std::vector<ContainedRows> contained;
};

// A contained resource's rows. It is a search target only through its
// container's local references ("#id"): its type is "#" + resourceType and
// its id "ContainerType/containerId#id", the values the container's
// reference rows hold, so no other resource can reach it.
struct ContainedRows {
  std::string type;  // contained_type("Medication"): "#Medication"
  std::string id;    // "MedicationRequest/mr-1#med"
  SearchRows rows;
};
// The type of a contained resource's rows, and of the references to it.
inline std::string contained_type(std::string_view type) { return "#" + std::string(type); }

// A row name with no rows of its own: a search parameter whose expression
// is the union of other parameters' (Observation.combo-code = code |
// component-code) is searched through their rows, which would otherwise be
// written twice (search::ParamDef::union_of). The sources are listed in one
// order for every name of the parameter, so that the n-th source of each
// composite component name belongs to the same composite.
//
// With `target_type`, the name keeps rows of its own and also reads the
// reference rows of sources[0] (a single source) that target that type: a
// parameter narrowed to one target type (search::ParamDef::narrows).
struct RowAlias {
  std::string name;
  std::vector<std::string> sources;
  std::string target_type;
};

// --- the plan --------------------------------------------------------------------

// The typed index tables, and the logical columns of their rows.
enum class IndexTable : std::uint8_t { Token, String, Date, Number, Quantity, Reference, Uri, Position };

enum class Column : std::uint8_t {
  System,
  Code,  // token
  Norm,
  Exact,  // string
  Low,
  High,   // date (and _lastUpdated: both are the resource's last_updated)
  Value,  // number, quantity
  Unit,
  UnitSystem,
  CanonValue,
  CanonUnit,  // quantity
  RefType,
  RefId,
  RefVersion,  // reference
  Uri,         // uri
  Latitude,
  Longitude,  // position
};

// A value in a plan. std::monostate is SQL NULL, and in cursors the
// "no value" sentinel of a sort key.
using PlanValue = std::variant<std::monostate, std::int64_t, double, std::string>;

enum class CmpOp : std::uint8_t {
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  StartsWith,  // text prefix (case-sensitive on the column's value)
  Contains,    // text substring
  EndsWith,    // text suffix
  In,          // one of `values`
};

// A boolean condition over the columns of one index row.
struct RowCond {
  enum class Kind : std::uint8_t { True, False, Cmp, And, Or, Not, Near } kind = Kind::True;
  Column column = Column::Code;
  CmpOp op = CmpOp::Eq;
  std::vector<PlanValue> values;  // Cmp: one value (In: several); Near: lat, lon, km
  std::vector<RowCond> kids;      // And / Or / Not

  static RowCond always() { return {}; }
  static RowCond never() {
    RowCond c;
    c.kind = Kind::False;
    return c;
  }
  static RowCond cmp(Column col, CmpOp op, PlanValue v) {
    RowCond c;
    c.kind = Kind::Cmp;
    c.column = col;
    c.op = op;
    c.values.push_back(std::move(v));
    return c;
  }
  static RowCond in(Column col, std::vector<PlanValue> vs) {
    RowCond c;
    c.kind = Kind::Cmp;
    c.column = col;
    c.op = CmpOp::In;
    c.values = std::move(vs);
    return c;
  }
  static RowCond all(std::vector<RowCond> kids);  // And, simplified
  static RowCond any(std::vector<RowCond> kids);  // Or, simplified
  static RowCond negate(RowCond kid);
};

// One component of a composite predicate: rows of `param` in `table` of the
// same group satisfying `cond`.
struct ComponentCond {
  std::string param;
  IndexTable table = IndexTable::Token;
  RowCond cond;
};

// A set of resources, described for the backend. Every predicate applies to
// "the resource under test" (its type is one of SearchPlan::types, or the
// chain's target types inside a chain).
struct Predicate {
  enum class Kind : std::uint8_t {
    Match,         // a row of `param` in `table` satisfies `cond`
    NoMatch,       // no row of `param` in `table` satisfies `cond` (:not, :missing=true)
    Composite,     // one group has a row satisfying each of `components`
    Chain,         // a reference row of `param` satisfying `cond` targets a resource
                   // of `types` satisfying every `sub` (R4 §3.1.1.4.15 chaining)
    Has,           // a resource of types[0] whose reference `param` targets this
                   // resource satisfies every `sub` (R4 §3.1.1.4.16 _has)
    Id,            // logical id in `values`
    LastUpdated,   // `cond` over the resource's last_updated (columns Low/High)
    Compartment,   // in the patient compartment of values[0] (R4 §3.1.1.2.2)
    ReferencedBy,  // an entry of the resource types[0]/values[0] (param `param`) refers to it (_list)
    Text,          // full-text match of values[0] (FTS query) on `column`: Norm = _text, Exact = _content
    CodeText,      // a token row of `param` whose code implies a text satisfying `cond` (Norm): the
                   // :text values left out of the string rows (TokenRow, "token texts")
    Any,           // one of `sub`
    All,           // every `sub`
    Not,           // not sub[0]
    Nothing,       // no resource (a value that cannot match, e.g. an unknown ValueSet)
  };
  Kind kind = Kind::Match;
  std::string param;
  IndexTable table = IndexTable::Token;
  RowCond cond;
  std::vector<ComponentCond> components;
  std::vector<std::string> types;
  std::vector<Predicate> sub;
  std::vector<std::string> values;
  Column column = Column::Norm;
  // Filled by the planner: estimated number of matching rows (capped), -1
  // when unknown; and a human-readable label for explain output.
  std::int64_t estimate = -1;
  std::string label;
  int clause = -1;  // index of the query clause it comes from (stable from page to page)

  // True when the backend can enumerate the set (not a negation).
  bool drivable() const;
};

struct SortKey {
  enum class Source : std::uint8_t { Id, LastUpdated, Rows } source = Source::Rows;
  std::string param;
  IndexTable table = IndexTable::String;
  // Ascending sorts by the smallest value of the resource, descending by the
  // largest; resources without a value come last either way. For dates the
  // smallest is taken on Low and the largest on High.
  Column column = Column::Norm;
  bool descending = false;
};

// Keyset paging position: the sort-key values and the rid of the row a page
// starts after (forward) or ends before (backward).
struct SearchCursor {
  bool backward = false;
  bool target_order = false;    // a page of a SearchPlan::target_order search
  std::vector<PlanValue> keys;  // one per SortKey (sentinels for missing values);
                                // target order: the chain target's rid
  std::int64_t rid = 0;
  std::string chain;  // target order: which chain (the search layer's tag)
};

struct IncludeSpec {
  bool reverse = false;             // _revinclude
  std::string source_type;          // resource type holding the reference parameter
  std::vector<std::string> params;  // parameter names (all reference parameters for '*')
  std::string target_type;          // '' any
  bool iterate = false;             // :iterate (R4 §3.1.1.5.5)
};

struct SearchPlan {
  std::vector<std::string> types;  // resource types searched; empty: every type
  std::vector<Predicate> where;    // ANDed, in the order the planner chose
  int driver = -1;                 // index in `where` of the predicate that enumerates; -1: by type
  std::vector<SortKey> sort;       // empty: by rid (insertion order), ascending
  bool sort_driven = false;        // walk sort[0]'s index and test every predicate
  // Sort-driven on a descending date key: walk instead the token rows of
  // where[latest_walk] (a Match of one code on a parameter whose rows carry
  // that date, TokenRow::latest) by that date. -1: not so.
  int latest_walk = -1;
  // No _sort and a Chain driver: the results come in (chain target's rid,
  // rid) order, so a page stops after `count` referrers of the first targets
  // instead of collecting the referrers of every target to sort them. R4
  // leaves the order of an unsorted search to the server.
  bool target_order = false;
  // Target order: take the chain's targets by walking their one type in rid
  // order, testing each, instead of enumerating its first drivable predicate.
  bool target_walk = false;
  // _contained: false lists resources, true the resources they contain
  // (their "#Type" rows, ContainedRows), both both. The types above are
  // then the contained forms, and the policy reads a contained row as its
  // container.
  enum class Contained : std::uint8_t { No, Only, Both } contained = Contained::No;
  int count = 50;  // page size (0: no entries, only the total)
  std::optional<SearchCursor> cursor;
  bool count_total = false;  // compute SearchPage::total
  std::vector<IncludeSpec> includes;
  int max_included = 1000;  // bound on included resources per page
  RowFilter policy;         // access policy inside every part of the query; empty: none
  bool explain = false;     // fill SearchPage::explain
};

struct SearchMatch {
  std::int64_t rid = 0;
  std::vector<PlanValue> keys;  // sort-key values (for cursors)
};

struct SearchHit {
  SearchMatch match;
  std::string type;
  std::string id;
  std::int64_t version = 0;
  std::int64_t last_updated = 0;
  std::string body;
};

struct SearchPage {
  std::vector<SearchHit> hits;      // the page, in order
  std::vector<SearchHit> included;  // _include/_revinclude results (distinct, not in hits)
  bool more = false;                // another page exists in the paging direction
  bool included_truncated = false;  // max_included reached
  std::optional<std::int64_t> total;
  std::vector<std::string> explain;  // SQL and the backend's query plan, when asked
};

// Name of an index table, column or operator (explain output, tests).
std::string_view to_string(IndexTable t);
std::string_view to_string(Column c);
std::string describe(const RowCond& c);
std::string describe(const Predicate& p);

}  // namespace parcours::store
