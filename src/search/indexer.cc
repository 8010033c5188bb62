#include "search/indexer.h"

#include "fhir/compartment.h"
#include "fhir/definitions.h"
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

store::FullText index_text(std::string_view type, const Json& resource) {
  (void)type;  // every resource type has the same full text
  return extract_text(resource);
}

namespace {

// Every SearchParameter resource stored, for the registry.
Result<std::vector<Json>> stored_search_parameters(store::Store& store) {
  std::vector<Json> out;
  auto reader = store.reader();
  store::SearchPlan plan;
  plan.types = {"SearchParameter"};
  plan.count = 1000;
  for (;;) {
    auto page = reader->search(plan);
    if (!page) return std::move(page).error();
    for (const auto& h : page->hits) {
      auto j = parse_json(h.body);
      if (j) out.push_back(std::move(*j));
    }
    if (!page->more || page->hits.empty()) break;
    plan.cursor = store::SearchCursor{};
    plan.cursor->rid = page->hits.back().match.rid;
  }
  return out;
}

}  // namespace

Result<bool> prepare_store(store::Store& store, std::vector<std::string>* problems) {
  // The built-in parameters first, so the store can take their rows.
  auto reg = Registry::current();
  auto stale = store.register_search_params(reg->row_names(), reg->row_aliases(), reg->fingerprint());
  if (!stale) return stale;
  // Custom SearchParameters stored on the server join the registry; their
  // rows exist once the index is rebuilt (the fingerprint changes).
  auto custom = stored_search_parameters(store);
  if (!custom) return std::move(custom).error();
  bool had_custom = false;
  for (std::string_view t : fhir::resource_types()) {
    for (const auto* p : reg->for_type(t))
      if (p->custom) had_custom = true;
    if (had_custom) break;
  }
  if (custom->empty() && !had_custom) return stale;
  auto report = Registry::install_custom(*custom);
  if (!report) return std::move(report).error();
  if (problems) *problems = std::move(*report);
  reg = Registry::current();
  return store.register_search_params(reg->row_names(), reg->row_aliases(), reg->fingerprint());
}

}  // namespace parcours::search
