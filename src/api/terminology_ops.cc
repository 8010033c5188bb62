#include "api/terminology_ops.h"

#include <charconv>
#include <map>

#include "search/terminology.h"
#include "search/text.h"
#include "security/clock.h"
#include "security/guard.h"

namespace parcours::api {
namespace {

std::optional<std::size_t> parse_size(std::string_view s) {
  std::size_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<Json> expand_value_set(const security::RequestContext& ctx, store::Store& store, const std::string& id,
                              const std::vector<QueryParam>& query, std::string_view body,
                              std::size_t max_json_depth) {
  if (!security::scope_permits(ctx, security::Interaction::Read, "ValueSet"))
    return Error(403, "forbidden", "The token's scopes do not permit reading ValueSet");
  // Parameters: the query string, then a Parameters body (POST).
  std::map<std::string, std::string> params;
  std::optional<Json> inline_vs;
  for (const auto& p : query) {
    if (p.name == "_format" || p.name == "_pretty") continue;
    if (p.name != "url" && p.name != "filter" && p.name != "offset" && p.name != "count")
      return bad_request("$expand: unknown parameter '" + p.name + "' (url, filter, offset, count)", p.name);
    params[p.name] = p.value;
  }
  if (!body.empty()) {
    JsonParseOptions jo;
    jo.max_depth = max_json_depth;
    auto j = parse_json(body, jo);
    if (!j) return std::move(j).error();
    if (j->get_string("resourceType") != "Parameters")
      return bad_request("$expand: the body must be a Parameters resource");
    if (const Json* ps = j->find("parameter"); ps && ps->is_array())
      for (const Json& p : ps->as_array()) {
        std::string name(p.get_string("name"));
        if (name == "valueSet" && p.find("resource")) {
          inline_vs = *p.find("resource");
          continue;
        }
        std::string value;
        for (auto k : {"valueUri", "valueString", "valueCanonical", "valueCode"})
          if (!p.get_string(k).empty()) value = p.get_string(k);
        if (const Json* n = p.find("valueInteger"); n && n->is_number()) value = n->number();
        if (name != "url" && name != "filter" && name != "offset" && name != "count")
          return bad_request(
              "$expand: unknown parameter '" + name + "' (url, valueSet, filter, offset, count)", name);
        params[name] = value;
      }
  }
  std::size_t offset = 0, count = search::kMaxTerminologyCodes;
  if (params.count("offset")) {
    auto v = parse_size(params["offset"]);
    if (!v) return bad_request("$expand: offset must be a non-negative integer", "offset");
    offset = *v;
  }
  if (params.count("count")) {
    auto v = parse_size(params["count"]);
    if (!v) return bad_request("$expand: count must be a non-negative integer", "count");
    count = *v;
  }

  auto reader = store.reader();
  search::Terminology terminology(*reader);
  Json vs;
  if (!id.empty()) {
    auto found = terminology.value_set("ValueSet/" + id);
    if (!found) return std::move(found).error();
    if (!*found) return not_found("ValueSet/" + id + " is not known");
    vs = std::move(**found);
  } else if (params.count("url")) {
    auto found = terminology.value_set(params["url"]);
    if (!found) return std::move(found).error();
    if (!*found) return not_found("No ValueSet with url '" + params["url"] + "' on this server");
    vs = std::move(**found);
  } else if (inline_vs) {
    if (inline_vs->get_string("resourceType") != "ValueSet")
      return bad_request("$expand: the valueSet parameter must hold a ValueSet", "valueSet");
    vs = std::move(*inline_vs);
  } else {
    return bad_request("$expand needs a url (or a ValueSet id, or a valueSet in a Parameters body)", "url");
  }

  search::Expansion e;
  if (auto st = terminology.expand_resource(vs, e); !st) return st.error();
  // Whole code systems: every concept of the CodeSystem stored here.
  for (const auto& system : e.systems) {
    auto cs = terminology.code_system(system);
    if (!cs) return std::move(cs).error();
    if (!*cs)
      return bad_request("$expand: the value set includes all of '" + system +
                         "', a CodeSystem not stored on this server: it cannot be enumerated");
    for (const auto& [code, concept_] : (*cs)->concepts()) e.codes.emplace(system, code);
    if (e.codes.size() > search::kMaxTerminologyCodes)
      return bad_request("$expand: more than " + std::to_string(search::kMaxTerminologyCodes) + " codes");
  }
  // Displays: the CodeSystem's, else the value set's own.
  std::map<std::pair<std::string, std::string>, std::string> displays;
  auto own_displays = [&](const Json* list, const std::string& system) {
    if (!list || !list->is_array()) return;
    for (const Json& c : list->as_array())
      if (!c.get_string("display").empty())
        displays[{system, std::string(c.get_string("code"))}] = c.get_string("display");
  };
  if (const Json* compose = vs.find("compose"))
    if (const Json* inc = compose->find("include"); inc && inc->is_array())
      for (const Json& i : inc->as_array())
        own_displays(i.find("concept"), std::string(i.get_string("system")));
  if (const Json* exp = vs.find("expansion"); exp && exp->find("contains"))
    for (const Json& c : exp->find("contains")->as_array())
      if (!c.get_string("display").empty())
        displays[{std::string(c.get_string("system")), std::string(c.get_string("code"))}] =
            c.get_string("display");

  const std::string text = params.count("filter") ? search::fold(params["filter"]) : "";
  Json contains = Json::array();
  std::size_t total = 0;
  for (const auto& [system, code] : e.codes) {
    std::string display;
    auto cs = terminology.code_system(system);
    if (!cs) return std::move(cs).error();
    if (*cs)
      if (const auto* k = (*cs)->find(code)) display = k->display;
    if (display.empty())
      if (auto it = displays.find({system, code}); it != displays.end()) display = it->second;
    if (!text.empty() && search::fold(code).find(text) == std::string::npos &&
        search::fold(display).find(text) == std::string::npos)
      continue;
    if (total++ < offset || contains.size() >= count) continue;
    Json c = Json::object();
    c.set("system", system);
    c.set("code", code);
    if (!display.empty()) c.set("display", display);
    contains.push_back(std::move(c));
  }
  const store::Micros now = ctx.access && ctx.access->now ? ctx.access->now : security::Clock::now();
  Json expansion = Json::object();
  expansion.set("timestamp", store::format_instant(now));
  expansion.set("total", Json(static_cast<std::int64_t>(total)));
  expansion.set("offset", Json(static_cast<std::int64_t>(offset)));
  if (!text.empty()) {
    Json p = Json::object();
    p.set("name", "filter");
    p.set("valueString", params["filter"]);
    Json ps = Json::array();
    ps.push_back(std::move(p));
    expansion.set("parameter", std::move(ps));
  }
  if (contains.size() > 0) expansion.set("contains", std::move(contains));
  vs.set("expansion", std::move(expansion));
  return vs;
}

}  // namespace parcours::api
