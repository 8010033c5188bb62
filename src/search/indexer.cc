#include "search/indexer.h"

#include "fhir/compartment.h"
#include "search/extract.h"
#include "search/registry.h"

namespace parcours::search {

store::IndexRows index_resource(std::string_view type, const Json& resource) {
  store::IndexRows rows;
  rows.patients = fhir::patient_compartments(type, resource);
  // Resource.identifier (0..*) on every type that has one; conditional
  // references "Type?identifier=system|value" resolve through these rows.
  if (const Json* ids = resource.find("identifier"); ids && ids->is_array()) {
    for (const Json& id : ids->as_array()) {
      std::string_view value = id.get_string("value");
      if (!value.empty())
        rows.identifiers.push_back({std::string(id.get_string("system")), std::string(value)});
    }
  }
  extract_rows(*Registry::current(), type, resource, rows.search);
  return rows;
}

Result<bool> prepare_store(store::Store& store) {
  auto reg = Registry::current();
  auto stale = store.register_search_params(reg->row_names(), reg->fingerprint());
  return stale;
}

}  // namespace parcours::search
