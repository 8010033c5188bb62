// The history interaction at instance, type and system level (R4 §3.1.0.9).
#pragma once

#include <string>
#include <vector>

#include "api/query_string.h"
#include "base/result.h"
#include "fhir/json.h"
#include "security/caller.h"
#include "store/store.h"

namespace parcours::api {

struct HistoryRequest {
  std::string type;                // empty: system level
  std::string id;                  // empty: type or system level
  std::vector<QueryParam> params;  // _since, _at, _count, _page (cursor)
  std::string base_url;            // "http://host/fhir"
  store::RowFilter filter;         // access policy inside the query (type and system levels)
};

// A Bundle of type "history", newest first, with self/next links. Paging uses
// a version cursor so pages stay stable while others write.
// Every listed version is audited, one record per patient (IHE BALP).
Result<Json> history_bundle(const security::RequestContext& ctx, store::Reader& reader,
                            const HistoryRequest& request);

}  // namespace parcours::api
