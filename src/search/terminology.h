// Terminology from the CodeSystem and ValueSet resources stored on this
// server, for token searches: `:above`/`:below` by code-system subsumption
// (R4 §3.1.1.5.5) and `:in`/`:not-in` (ValueSet expansion, including
// compose.include.filter with the R4 FilterOperator codes). There is no
// external terminology server: what is not stored here cannot be expanded.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"
#include "store/store.h"

namespace parcours::search {

// At most this many codes in one closure or expansion (a 400 beyond).
inline constexpr std::size_t kMaxTerminologyCodes = 10000;

// One CodeSystem: its concepts, their properties and the hierarchy from
// nested `concept.concept` and the `parent`/`child` properties.
class CodeSystem {
 public:
  struct Concept {
    std::string code;
    std::string display;
    // Property code -> values as text (valueCode, valueString, valueCoding.code...).
    std::multimap<std::string, std::string> properties;
    std::set<std::string> parents;
    std::set<std::string> children;
  };

  static CodeSystem from_json(const Json& code_system);

  const std::string& url() const { return url_; }
  // False when hierarchyMeaning is grouped-by: the hierarchy then groups
  // codes without meaning subsumption, and a code subsumes only itself.
  bool subsumption() const { return subsumption_; }
  const Concept* find(const std::string& code) const;
  const std::map<std::string, Concept>& concepts() const { return concepts_; }

  // The code's descendants (ancestors), with the code itself when `self`;
  // empty for an unknown code; a 400 beyond `cap` codes.
  Result<std::set<std::string>> descendants(const std::string& code, bool self,
                                            std::size_t cap = kMaxTerminologyCodes) const;
  Result<std::set<std::string>> ancestors(const std::string& code, bool self,
                                          std::size_t cap = kMaxTerminologyCodes) const;

 private:
  std::string url_;
  bool subsumption_ = true;
  std::map<std::string, Concept> concepts_;
};

// A ValueSet's codes (system, code), plus whole code systems.
struct Expansion {
  std::set<std::pair<std::string, std::string>> codes;
  std::set<std::string> systems;  // every code of these systems
  bool found = false;             // the value set exists on this server
};

// Terminology over one store reader; code systems are loaded once per
// instance (an instance lives for one query plan or one $expand).
class Terminology {
 public:
  explicit Terminology(store::Reader& reader, std::size_t cap = kMaxTerminologyCodes)
      : reader_(reader), cap_(cap) {}

  // The CodeSystem with canonical `url` ("url|version" ignores the
  // version), null when none is stored.
  Result<const CodeSystem*> code_system(const std::string& url);
  // The ValueSet `ref` (canonical url or "ValueSet/id"), nullopt when none.
  Result<std::optional<Json>> value_set(const std::string& ref);

  // Adds the codes of value set `ref` to `out`. Errors (400): an
  // include/exclude filter over a code system not stored here, an unknown
  // filter operator or property, a bad regex, more than `cap` codes.
  Status expand(const std::string& ref, Expansion& out);
  // Expands a ValueSet resource given as JSON (for $expand).
  Status expand_resource(const Json& value_set, Expansion& out);

 private:
  Status expand_at(const std::string& ref, Expansion& out, int depth);
  Status expand_json(const Json& vs, const std::string& name, Expansion& out, int depth);
  // The codes of one include/exclude entry with filters.
  Result<std::set<std::string>> filtered(const Json& entry, const std::string& name);

  store::Reader& reader_;
  std::size_t cap_;
  std::map<std::string, std::unique_ptr<CodeSystem>> systems_;  // null entry: not stored
};

// Code systems whose codes nest by prefix: ATC (A10 ⊃ A10B ⊃ A10BA ⊃
// A10BA02, WHO ATC structure) and ICD-10 / CIM-10 (E11 ⊃ E11.9). When no
// CodeSystem with that url is stored here, `:below` X matches the codes that
// start with X and `:above` X the codes X starts with, instead of nothing:
// "every patient on a biguanide" or "every type 2 diabetes" without loading
// those terminologies. A stored CodeSystem's own hierarchy wins.
bool nests_by_prefix(std::string_view system);

}  // namespace parcours::search
