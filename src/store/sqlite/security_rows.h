// The SQLite store's security hooks (sqlite_security_store.cc): labels and
// access facts written with each version, the audit append, and history with
// the access policy inside the query. Called on the store's own connections,
// inside its transactions.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace parcours::store::sqlite {

// Brings the label and facts of type/id to `rows` (nullptr for a delete: the
// facts go, the label stays so the deleted resource's history stays
// protected). Writes only what changed. `live_before`: the resource had a
// live version (false for a create: its rows are inserted without lookups).
Status write_security_rows(Connection& c, std::string_view type, std::string_view id,
                           const SecurityRows* rows, bool live_before);

// Appends `record` to the audit chain (seq and hashes assigned here).
Status append_audit(Connection& c, const AuditRecord& record);

Result<std::optional<ResourceLabel>> read_label(Connection& c, std::string_view type, std::string_view id);
Result<std::vector<AccessFact>> read_access_facts(Connection& c, std::string_view patient,
                                                  std::string_view type, std::string_view id);

// Reader::reach_facts: the facts of the patients `principals` or `account`
// reach (granted or break-glass, not ended before `now`).
Result<std::vector<AccessFact>> read_reach_facts(Connection& c, const std::vector<std::string>& principals,
                                                 std::string_view account, Micros now);
// Makes parcours_reach(handle, patient) (store::PatientReach) available on
// every connection opened from now on. Idempotent.
void enable_reach_function();

// History (same contract as Reader::history) with q.filter applied inside
// the SQL, to the page and to the total.
Result<HistoryPage> filtered_history(Connection& c, const HistoryQuery& q);

}  // namespace parcours::store::sqlite
