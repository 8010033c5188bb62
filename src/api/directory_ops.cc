#include "api/directory_ops.h"

#include "directory/find.h"
#include "security/clock.h"
#include "security/guard.h"

namespace parcours::api {
namespace {

constexpr std::size_t kAuditedEntities = 200;

}  // namespace

Result<Json> find_healthcare_services(const security::RequestContext& ctx, store::Store& store,
                                      const std::vector<QueryParam>& query, const std::string& base_url) {
  if (!security::scope_permits(ctx, security::Interaction::Search, "HealthcareService"))
    return Error(403, "forbidden", "The token's scopes do not permit searching HealthcareService");
  std::vector<search::Param> params;
  for (const auto& p : query) params.push_back({p.name, p.value});
  const store::Micros now = ctx.access && ctx.access->now ? ctx.access->now : security::Clock::now();
  auto request = directory::parse_find_request(params, now);
  if (!request) return std::move(request).error();
  auto reader = store.reader();
  auto filter = security::row_filter(ctx, *reader, security::Interaction::Search);
  if (!filter) return std::move(filter).error();
  auto found = directory::find_services(*reader, *request, *filter, now);
  if (!found) return std::move(found).error();

  // Who saw what, as for every search (api/search_api.cc).
  std::string entities;
  std::size_t n = 0;
  auto add = [&](const Json& r) {
    if (n++ < kAuditedEntities)
      entities += (entities.empty() ? "" : " ") + std::string(r.get_string("resourceType")) + "/" +
                  std::string(r.get_string("id"));
  };
  for (const auto& m : found->matches) add(m.resource);
  for (const auto& r : found->included) add(r);
  if (n > kAuditedEntities) entities += " (+" + std::to_string(n - kAuditedEntities) + ")";
  security::Decision allowed;
  allowed.allowed = true;
  if (!security::audit_access(ctx, "search", "E", "", entities, allowed))
    return Error(503, "transient", "The audit log cannot record this access right now; try again");

  std::string self = base_url + "/HealthcareService/$find";
  for (std::size_t i = 0; i < request->applied.size(); ++i)
    self += (i ? "&" : "?") + percent_encode(request->applied[i].name) + "=" +
            percent_encode(request->applied[i].value);
  return directory::find_bundle(*found, base_url, self);
}

}  // namespace parcours::api
