#include "api/search_api.h"

#include <algorithm>

#include "api/search_bundle.h"
#include "fhir/compartment.h"
#include "fhir/definitions.h"
#include "search/engine.h"
#include "search/lastn.h"
#include "security/clock.h"
#include "security/guard.h"

namespace parcours::api {
namespace {

constexpr std::size_t kAuditedEntities = 200;

std::vector<search::Param> to_params(const std::vector<QueryParam>& in) {
  std::vector<search::Param> out;
  out.reserve(in.size());
  for (const auto& p : in) out.push_back({p.name, p.value});
  return out;
}

// Who saw what (IHE BALP "query"): the resources returned, the patient when
// the search was about one.
bool audit(const security::RequestContext& ctx, const search::SearchResult& r, const std::string& patient) {
  std::string entities;
  std::size_t n = 0;
  auto add = [&](const store::SearchHit& h) {
    if (n++ < kAuditedEntities) entities += (entities.empty() ? "" : " ") + h.type + "/" + h.id;
  };
  for (const auto& h : r.page.hits) add(h);
  for (const auto& h : r.page.included) add(h);
  if (n > kAuditedEntities) entities += " (+" + std::to_string(n - kAuditedEntities) + ")";
  security::Decision allowed;
  allowed.allowed = true;
  return security::audit_access(ctx, "search", "E", patient, entities, allowed);
}

Status check_scopes(const security::RequestContext& ctx, const std::vector<std::string>& types) {
  for (const auto& t : types)
    if (!security::scope_permits(ctx, security::Interaction::Search, t))
      return Error(403, "forbidden", "The token's scopes do not permit searching " + t);
  return Status::Ok();
}

enum class Kind { Search, Lastn };

Result<std::string> run(const security::RequestContext& ctx, store::Reader& reader, const SearchCall& call,
                        search::SearchRequest req, Kind kind = Kind::Search) {
  req.base_url = call.base_url;
  req.strict = call.strict;
  auto filter = security::row_filter(ctx, reader, security::Interaction::Search);
  if (!filter) return std::move(filter).error();
  req.policy = std::move(*filter);
  req.now = security::Clock::now();
  if (call.explain) req.params.push_back({"_explain", "true"});
  auto r = kind == Kind::Lastn ? search::lastn(reader, req) : search::execute(reader, req);
  if (!r) return std::move(r).error();
  if (!audit(ctx, *r, call.compartment))
    return Error(503, "transient", "The audit log cannot record this access right now; try again");
  search::SearchResult& res = *r;
  // The self link names the compartment path it was asked on.
  SearchBundleOptions bo;
  bo.base_url = call.base_url;
  bo.path_url = call.path_url;
  bo.pretty = call.pretty;
  return searchset_bundle(res, bo);
}

}  // namespace

Result<std::string> search(const security::RequestContext& ctx, store::Reader& reader,
                           const SearchCall& call) {
  if (auto s = check_scopes(ctx, call.types); !s) return s.error();
  search::SearchRequest req;
  req.types = call.types;
  req.compartment = call.compartment;
  req.params = to_params(call.params);
  if (!call.compartment.empty() && req.types.empty()) {
    // /Patient/[id]/*: every type of the patient compartment (R4 §3.1.1.2.2).
    for (std::string_view t : fhir::resource_types())
      if (t == "Patient" || !fhir::patient_compartment_params(t).empty()) req.types.emplace_back(t);
  }
  return run(ctx, reader, call, std::move(req));
}

Result<std::string> everything(const security::RequestContext& ctx, store::Reader& reader,
                               const SearchCall& call) {
  search::SearchRequest req;
  req.compartment = call.compartment;
  for (const auto& p : call.params) {
    if (p.name == "_since") {
      req.params.push_back({"_lastUpdated", "ge" + p.value});
    } else if (p.name == "_type") {
      for (auto& t : search::split_unescaped(p.value, ','))
        if (fhir::is_resource_type(t)) req.types.push_back(t);
    } else if (p.name == "_count" || p.name == "_cursor" || p.name == "_explain") {
      req.params.push_back({p.name, p.value});
    } else if (p.name != "_format" && p.name != "_pretty") {
      if (call.strict) return bad_request("$everything does not take '" + p.name + "'", p.name);
    }
  }
  if (req.types.empty())
    for (std::string_view t : fhir::resource_types())
      if (t == "Patient" || !fhir::patient_compartment_params(t).empty()) req.types.emplace_back(t);
  if (auto s = check_scopes(ctx, {"Patient"}); !s) return s.error();
  // The resources the compartment refers to (practitioners, organisations,
  // medications...) come as included entries of each page.
  req.params.push_back({"_include", "*"});
  return run(ctx, reader, call, std::move(req));
}

Result<std::string> lastn(const security::RequestContext& ctx, store::Reader& reader,
                          const SearchCall& call) {
  if (auto s = check_scopes(ctx, {"Observation"}); !s) return s.error();
  search::SearchRequest req;
  req.types = {"Observation"};
  req.compartment = call.compartment;  // Patient/[id]/Observation/$lastn
  req.params = to_params(call.params);
  return run(ctx, reader, call, std::move(req), Kind::Lastn);
}

Result<std::vector<std::string>> matching_ids(const security::RequestContext& ctx, store::Reader& reader,
                                              const std::string& type, std::string_view query, int limit,
                                              const std::string& base_url) {
  auto filter = security::row_filter(ctx, reader, security::Interaction::Search);
  if (!filter) return std::move(filter).error();
  return search::find(reader, type, query, limit, std::move(*filter), base_url);
}

Result<std::vector<QueryParam>> form_params(std::string_view body) {
  auto p = search::parse_form(body);
  if (!p) return std::move(p).error();
  std::vector<QueryParam> out;
  for (auto& x : *p) out.push_back({std::move(x.name), std::move(x.value)});
  return out;
}

}  // namespace parcours::api
