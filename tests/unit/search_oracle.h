// The brute-force search oracle of the differential test: every resource in
// memory, the SearchParameter's FHIRPath evaluated on each one, and the
// FHIR R4 search semantics (§3.1.1.4 prefixes, §3.1.1.5 modifiers, chains,
// _has, _sort, _filter, terminology) applied to the values directly, without
// index rows or SQL. Written independently of search/extract.cc, the planner,
// search/terminology.cc and the SQLite backend; it shares only the query
// parser (the AST is the input of both, _filter's included), the value
// parsers (search/values.h, unit-tested by hand) and the FHIRPath engine.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "fhir/json.h"
#include "fhirpath/fhirpath.h"
#include "search/filter.h"
#include "search/query.h"

namespace parcours::testing {

class Oracle {
 public:
  static constexpr std::size_t kTopLevel = static_cast<std::size_t>(-1);
  struct Resource {
    std::string type;
    std::string id;
    Json json;
    std::int64_t last_updated = 0;
    // A contained resource (id "ContainerType/id#local"): its container's
    // index. Chains reach it through the container's "#local" references;
    // it is never a result (R4 §3.1.1.5.9).
    std::size_t container = kTopLevel;
  };

  // In insertion order (the store's default order); the resources it
  // contains follow it.
  void add(Resource r);
  const std::vector<Resource>& resources() const { return all_; }
  const Resource* find(const std::string& type, const std::string& id) const;

  // The ids of `q`'s matches, in result order; `now` for `ap` on dates.
  std::vector<std::string> run(const search::Query& q, std::int64_t now);

  // Values of a parameter on resource `i`, as the oracle reads them.
  struct Token {
    std::string system, code;
  };
  struct Ref {
    std::string type, id, version;
  };
  struct Quantity {
    double value = 0;
    std::string system, code;
  };
  struct Range {
    std::int64_t low = 0, high = 0;
  };
  struct Values {
    std::vector<Token> tokens;
    std::vector<std::string> texts;    // token display text
    std::vector<Token> of_type;        // (type-system|type-code, value)
    std::vector<std::string> strings;  // string parameters, exact
    std::vector<Range> dates;
    std::vector<double> numbers;
    std::vector<Quantity> quantities;
    std::vector<Ref> refs;
    std::vector<Token> ref_identifiers;
    std::vector<std::string> uris;
    std::vector<std::pair<double, double>> positions;
    bool empty() const;
  };
  const Values& values(std::size_t i, const search::ParamDef& p);
  // Component values of composite `p` on resource i: one entry per element.
  const std::vector<std::vector<Values>>& composite_values(std::size_t i, const search::ParamDef& p);

  // Terminology, read from the CodeSystem and ValueSet resources held here
  // (walking up the parents, and testing one code against a value set's
  // rules, rather than expanding sets as search/terminology.cc does).
  // The ancestors of system|code, the code first ("" system: none).
  std::vector<std::string> ancestors(const std::string& system, const std::string& code);
  bool subsumes(const std::string& system, const std::string& ancestor, const std::string& code);
  bool in_value_set(const std::string& ref, const std::string& system, const std::string& code,
                    int depth = 0);

 private:
  struct Hierarchy {
    bool found = false;
    bool grouped = false;  // hierarchyMeaning grouped-by: no subsumption
    std::map<std::string, std::set<std::string>> parents;
    std::map<std::string, std::multimap<std::string, std::string>> properties;  // code -> property values
    std::map<std::string, std::string> display;
  };
  const Hierarchy& hierarchy(const std::string& system);
  void resolve_local(std::size_t i, Values& v) const;
  const Json* resource_by_url(const std::string& type, const std::string& url) const;
  bool code_filter(const std::string& system, const Json& filter, const std::string& code);
  bool filter_matches(const search::FilterExpr& f, std::size_t i);
  bool matches(const search::Clause& c, std::size_t i);
  bool text_matches(const search::Clause& c, std::size_t i);
  bool param_matches(const search::Clause& c, std::size_t i);
  bool value_matches(fhir::SearchParamType kind, const std::string& modifier, const std::string& value,
                     const Values& v, const search::ParamDef& def);
  // Reference :above/:below: canonical versions, or the members of a
  // resource's partOf hierarchy (R4 §3.1.1.4.13-14).
  bool reference_in_hierarchy(const std::string& modifier, const std::string& value, const Values& v,
                              const search::ParamDef& def);

  std::vector<Resource> all_;
  std::map<std::pair<std::string, std::string>, std::size_t> by_key_;
  std::map<std::pair<std::size_t, const search::ParamDef*>, Values> cache_;
  std::map<std::pair<std::size_t, const search::ParamDef*>, std::vector<std::vector<Values>>>
      composite_cache_;
  std::map<std::string, Hierarchy> hierarchies_;
  std::int64_t now_ = 0;
};

// The words of `text` for _text/_content, as FTS5's unicode61 tokenizer
// splits a text the extraction folded (search::extract_text): letters and
// digits make words, punctuation, symbols and spaces separate. Written
// apart from search::fold_words, which builds the engine's queries: close
// enough to Unicode's categories for Latin text and French punctuation.
std::vector<std::string> full_text_words(std::string_view text);

}  // namespace parcours::testing
