// The search interactions over HTTP (FHIR R4 §3.1.1 and §3.1.0.8):
// type-level, system-level and compartment searches (GET or POST _search),
// Patient/$everything, Observation/$lastn, and the matching behind conditional create, update
// and delete. The caller's access policy goes inside every query
// (security::row_filter), so pages, totals, includes, chains and _has never
// see a forbidden row.
#pragma once

#include <string>
#include <vector>

#include "api/query_string.h"
#include "base/result.h"
#include "security/caller.h"
#include "store/store.h"

namespace parcours::api {

struct SearchCall {
  std::vector<std::string> types;  // /[type]; empty: system search (_type)
  std::string compartment;         // /Patient/[id]/[type]: the patient id
  std::vector<QueryParam> params;  // the URL's and, for POST _search, the form body's
  std::string base_url;            // "http://host/fhir"
  std::string path_url;            // the URL searched, without its query
  bool strict = false;             // Prefer: handling=strict
  bool pretty = false;
  bool explain = false;  // X-Parcours-Explain: 1 (or _explain=true)
};

// A searchset Bundle as JSON text.
Result<std::string> search(const security::RequestContext& ctx, store::Reader& reader,
                           const SearchCall& call);

// Patient/[id]/$everything (R4 patient-operation-everything): the patient,
// its compartment, and the resources they refer to; _since, _type, _count
// and paging. `call.compartment` is the patient id.
Result<std::string> everything(const security::RequestContext& ctx, store::Reader& reader,
                               const SearchCall& call);

// Observation/$lastn (search/lastn.h): the most recent `max` observations of
// each code per subject, the policy inside the query as for a search.
Result<std::string> lastn(const security::RequestContext& ctx, store::Reader& reader, const SearchCall& call);

// The ids of the resources of `type` the caller may see matching `query`
// (conditional interactions), at most `limit`.
Result<std::vector<std::string>> matching_ids(const security::RequestContext& ctx, store::Reader& reader,
                                              const std::string& type, std::string_view query, int limit,
                                              const std::string& base_url);

// Form parameters of a POST _search body (application/x-www-form-urlencoded).
Result<std::vector<QueryParam>> form_params(std::string_view body);

}  // namespace parcours::api
