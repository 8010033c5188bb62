// The access policy and the audit, as the API applies them to each
// interaction (api/interactions.cc, api/history.cc, bundles). Every path that
// returns, counts or writes a resource goes through one of these.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "security/caller.h"
#include "security/policy.h"
#include "store/store.h"

namespace parcours::security {

struct Access {
  store::ResourceLabel label;
  Decision decision;
};

// The decision for `i` on stored resource type/id (its label and facts are
// read through `reader`, in the same snapshot). A resource without a label is
// refused to anyone but system callers (fail closed).
Result<Access> check_stored(const RequestContext& ctx, store::Reader& reader, Interaction i,
                            std::string_view type, std::string_view id);
// The decision for a resource about to be stored (its new label, with the
// facts already stored: nobody gains access by writing the resource that
// would grant it). `new_record`: creating a Patient that does not exist yet,
// which needs only the rule (there is no record to protect yet).
Result<Access> check_incoming(const RequestContext& ctx, store::Reader& reader, Interaction i,
                              std::string_view type, std::string_view id, const Json& resource,
                              bool new_record);

// The policy inside a query (see policy.h for how the search engine uses it),
// for queries run through `reader` (whose snapshot the caller's reach is
// checked against). Empty for callers the policy does not restrict
// (bootstrap token).
Result<store::RowFilter> row_filter(const RequestContext& ctx, store::Reader& reader, Interaction i);
// Whether `i` is possible at all for the caller on `type` (scopes): lists of
// a type the token cannot see answer 403 rather than an empty page.
bool scope_permits(const RequestContext& ctx, Interaction i, std::string_view type);

// Audit records (IHE BALP): the caller's part filled from the context.
store::AuditRecord audit_record(const RequestContext& ctx, std::string_view category, std::string_view action,
                                std::string_view subtype);
// A read or a refused access: queued to the sink (docs/security.md for the
// durability promise). False when the sink refuses (answer 503).
bool audit_access(const RequestContext& ctx, std::string_view subtype, std::string_view action,
                  const std::string& patient, const std::string& entities, const Decision& decision);
// A write: appended in the write's own unit, so it commits or rolls back with it.
Status audit_write(const RequestContext& ctx, store::Writer& w, std::string_view subtype,
                   std::string_view action, const std::string& patient, const std::string& entities,
                   bool via_break_glass);

// The error to answer for a refusal: 404 with `not_found_message` (the exact
// text a missing resource gets, so nothing tells them apart) or a 403 that
// names neither the category nor the reason.
Error refusal(const Decision& d, const std::string& not_found_message);

}  // namespace parcours::security
