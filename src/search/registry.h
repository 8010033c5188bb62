// The search parameters the engine knows: every official R4 SearchParameter
// (fhir/definitions.h), per resource type, with its FHIRPath expression
// reduced to the union branches that apply to that type and compiled once;
// plus custom SearchParameter resources stored on the server (usable after
// `parcours reindex`, docs/decisions/search.md).
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "fhir/definitions.h"
#include "fhir/json.h"
#include "store/search_index.h"

namespace parcours::fhirpath {
class Expression;
}

namespace parcours::search {

struct ParamDef;

struct ParamComponent {
  const ParamDef* def = nullptr;                               // the composite it belongs to
  fhir::SearchParamType kind = fhir::SearchParamType::kToken;  // the component definition's type
  std::string expression;                                      // relative to the composite's element
  std::shared_ptr<const fhirpath::Expression> compiled;
  std::string name;  // row name: "<composite name>$<n>"
  // A plain parameter of the same type whose rows are exactly this
  // component's: when the composite's element is the resource itself
  // (Observation.code-value-quantity: code -> Observation.code), its rows
  // pair as one group (0); when the element is a path of the resource
  // (Observation.component-code-value-quantity: code ->
  // Observation.component-code), the parameter's rows are grouped by
  // element (ParamDef::grouped_by). The component reads its rows
  // (Registry::row_aliases) and the composite writes none.
  const ParamDef* same_rows = nullptr;
};

struct ParamDef {
  std::string type;  // the resource type it applies to ("Observation")
  std::string code;  // "code", "_tag"...
  std::string url;
  fhir::SearchParamType kind = fhir::SearchParamType::kToken;
  std::string expression;            // the branches for `type` only; empty: not extracted
  std::vector<std::string> targets;  // reference: allowed target types
  std::vector<ParamComponent> components;
  bool custom = false;
  std::string shared_base;  // "Resource" / "DomainResource" for their parameters ('' otherwise)

  // Row names (stable for the life of the process).
  std::string name;             // "Observation.code"; "Resource._tag" for shared ones
  std::string text_name;        // token :text rows (string table)
  std::string identifier_name;  // reference :identifier rows (token table)
  std::string of_type_name;     // Identifier :of-type rows (token table)

  std::shared_ptr<const fhirpath::Expression> compiled;  // null when not extracted

  // A parameter whose expression is the union of other parameters' (same
  // type, same kind, and for composites the same components), such as
  // Observation.combo-code = code | component-code: it has no rows of its
  // own, its row names stand for those of `union_of` (Registry::row_aliases).
  std::vector<const ParamDef*> union_of;

  // A reference parameter whose expression is another's narrowed to one
  // target type (Observation.patient = subject.where(resolve() is Patient)):
  // its rows targeting `narrow_type` are `narrows`' rows targeting that
  // type, not written twice; its other rows (a contained Patient "#p", an
  // absolute URL) are its own (Registry::row_aliases, RowAlias::target_type).
  const ParamDef* narrows = nullptr;
  std::string narrow_type;

  // A plain parameter whose values are a composite's component on each of
  // the composite's elements (Observation.component-code is `code` on each
  // Observation.component of component-code-value-quantity): its rows are
  // extracted element by element, each in the group the composite would
  // give it (1-based), so that the composite reads them instead of
  // repeating them (ParamComponent::same_rows). Null otherwise.
  const ParamDef* grouped_by = nullptr;
  const ParamComponent* grouped_as = nullptr;  // the component of `grouped_by` it is

  // A token parameter whose rows carry the resource's latest value of this
  // date parameter (store::TokenRow::latest), so that "the last N of a
  // code" (Observation?code=X&_sort=-date) walks one index in order:
  // Observation.code with Observation.date and a few others
  // (registry.cc, kLatestPairs). Null otherwise.
  const ParamDef* latest_by = nullptr;

  // A composite every component of which reads a plain parameter's rows.
  bool reads_plain_rows() const {
    return !components.empty() && std::all_of(components.begin(), components.end(),
                                              [](const ParamComponent& c) { return c.same_rows; });
  }
};

class Registry {
 public:
  // The registry in use (built-ins, plus the custom parameters installed).
  static std::shared_ptr<const Registry> current();
  // Replaces the custom parameters by those of `search_parameters`
  // (SearchParameter resources); invalid ones are skipped and reported.
  static Result<std::vector<std::string>> install_custom(const std::vector<Json>& search_parameters);

  const ParamDef* find(std::string_view type, std::string_view code) const;
  // Every parameter usable on `type` (own, then DomainResource, Resource).
  const std::vector<const ParamDef*>& for_type(std::string_view type) const;
  // Every row name the indexer may produce, for the store.
  std::vector<std::string> row_names() const;
  // The row names of the parameters made of others (ParamDef::union_of),
  // each with the names whose rows stand for it.
  std::vector<store::RowAlias> row_aliases() const;
  // Changes whenever extraction would produce other rows.
  std::string fingerprint() const;

  struct Impl;
  explicit Registry(std::unique_ptr<Impl> impl);
  ~Registry();

 private:
  std::unique_ptr<Impl> impl_;
};

// The union branches of `expression` that apply to `type`: those rooted at
// `type`, Resource or DomainResource, or not rooted at a type name.
std::string branches_for(std::string_view expression, std::string_view type);

}  // namespace parcours::search
