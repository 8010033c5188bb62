// The medical-secrecy operations of the FHIR API:
//   POST /fhir/Patient/{id}/$break-glass   emergency access (reason mandatory)
//   GET  /fhir/Patient/{id}/$access-log    who accessed the record (patient, carer, admins)
//   GET  /fhir/$audit                      audit search (administrators)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/query_string.h"
#include "base/result.h"
#include "fhir/json.h"
#include "security/caller.h"
#include "security/services.h"
#include "store/store.h"

namespace parcours::api {

// Opens a time-limited emergency access to the patient's record for the
// calling professional, audited as such (purpose ETREAT), visible in the
// patient's access log, and notified to the médecin traitant by a
// Communication — all in one atomic unit. Returns a Parameters resource.
Result<Json> break_glass(const security::RequestContext& ctx, security::Services& sec, store::Store& store,
                         const std::string& patient, std::string_view body, std::size_t max_depth);

// The patient's access log as a Bundle of AuditEvent, newest first.
Result<Json> access_log(const security::RequestContext& ctx, security::Services& sec, store::Store& store,
                        const std::string& patient, const std::vector<QueryParam>& params,
                        const std::string& base_url);

// Administrators' audit search: patient, agent, subtype, since, until (FHIR
// instants), _count, _page.
Result<Json> audit_search(const security::RequestContext& ctx, security::Services& sec,
                          const std::vector<QueryParam>& params, const std::string& base_url);

}  // namespace parcours::api
