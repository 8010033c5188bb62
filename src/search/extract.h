// Index extraction: evaluates the FHIRPath expression of every search
// parameter that applies to a resource and turns the values into typed
// index rows (store/search_index.h), following the value mapping of FHIR R4
// §3.1.1.4 (token: Coding / CodeableConcept / Identifier / ContactPoint /
// code / boolean; string: HumanName and Address parts; date: ranges at
// precision; reference: literal, absolute, canonical; quantity with UCUM
// canonical units...).
#pragma once

#include <string_view>

#include "fhir/json.h"
#include "fhirpath/fhirpath.h"
#include "search/registry.h"
#include "store/search_index.h"

namespace parcours::search {

// Rows of every parameter of `registry` applying to `type`, plus the
// full-text columns.
void extract_rows(const Registry& registry, std::string_view type, const Json& resource,
                  store::SearchRows& out);

// The full text of a resource (_text, _content). A pure function of the
// resource: the store computes it again from a stored body to take a row
// out of its full-text index (store::TextIndexer).
store::FullText extract_text(const Json& resource);

// Rows of one parameter's values (`items`, evaluated by the caller), named
// `name`, in component group `grp` (0 outside composites).
void add_values(const ParamDef& param, fhir::SearchParamType kind, std::string_view name, std::int32_t grp,
                const fhirpath::Collection& items, store::SearchRows& out);

// The parts of a reference string: "Patient/1" -> (Patient, 1, ""),
// "Patient/1/_history/2" -> (Patient, 1, 2), an absolute URL or a canonical
// "url|version" -> ("", url, version). nullopt for "#contained" and empty
// strings.
struct ReferenceParts {
  std::string type;
  std::string id;
  std::string version;
};
std::optional<ReferenceParts> parse_reference(std::string_view reference);

// Text of an XHTML narrative without its tags, entities decoded.
std::string narrative_text(std::string_view xhtml);

}  // namespace parcours::search
