// The FHIR content Parcours ships (content/): the assessment Questionnaires,
// the pathway templates (PlanDefinition, ActivityDefinition) and the local
// CodeSystems. Embedded in the binary at build time (scripts/embed_content.py)
// and installed in every store when it opens, so that a fresh server can
// score an AGGIR grid or apply a template at once.
#pragma once

#include <span>
#include <string_view>

#include "base/result.h"
#include "store/store.h"

namespace parcours::coordination {

struct ShippedResource {
  std::string_view type;
  std::string_view id;
  std::string_view source;  // "content/pathways/PlanDefinition-bpco.json"
  std::string_view json;
};

std::span<const ShippedResource> shipped_resources();

// Writes each shipped resource whose stored version differs (or is absent),
// in one unit, with an audit record naming what changed. Content edited on a
// server is overwritten by the shipped version of the same id: local
// variants take other ids. Returns the number of resources written.
Result<int> install_shipped_content(store::Store& store);

}  // namespace parcours::coordination
