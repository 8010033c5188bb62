#include "api/history.h"

#include <charconv>

#include <map>

#include "api/rendering.h"
#include "security/guard.h"

namespace parcours::api {
namespace {

Result<std::int64_t> parse_int(const QueryParam& p, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  auto r = std::from_chars(p.value.data(), p.value.data() + p.value.size(), v);
  if (r.ec != std::errc() || r.ptr != p.value.data() + p.value.size() || v < min || v > max)
    return bad_request("Invalid " + p.name + " '" + p.value + "': expected an integer from " +
                           std::to_string(min) + " to " + std::to_string(max),
                       p.name);
  return v;
}

Result<store::Micros> parse_instant_param(const QueryParam& p) {
  auto t = store::parse_instant(p.value);
  if (!t) return bad_request("Invalid " + p.name + " '" + p.value + "': expected a FHIR instant", p.name);
  return *t;
}

}  // namespace

Result<Json> history_bundle(const security::RequestContext& ctx, store::Reader& reader,
                            const HistoryRequest& req) {
  store::HistoryQuery q;
  q.type = req.type;
  q.id = req.id;
  q.filter = req.filter;
  q.count = 50;
  std::string self_query;
  for (const auto& p : req.params) {
    if (p.name == "_since") {
      auto t = parse_instant_param(p);
      if (!t) return std::move(t).error();
      q.since = *t;
    } else if (p.name == "_at") {
      // R4 §3.1.0.9: versions *current* during the period, which needs the
      // next version's time; not offered rather than answered wrongly.
      return Error(400, "not-supported", "_at is not supported for history; use _since", "_at");
    } else if (p.name == "_count") {
      auto n = parse_int(p, 0, 1000);
      if (!n) return std::move(n).error();
      q.count = static_cast<int>(*n);
    } else if (p.name == "_page") {
      auto n = parse_int(p, 1, INT64_MAX);
      if (!n) return std::move(n).error();
      q.before_seq = *n;
      continue;  // the cursor is not part of the query's identity
    } else if (p.name == "_format" || p.name == "_pretty") {
      continue;
    } else {
      return bad_request("Unknown parameter '" + p.name + "' for history", p.name);
    }
    self_query += (self_query.empty() ? "" : "&") + percent_encode(p.name) + "=" + percent_encode(p.value);
  }
  // _count=0 asks only for the total.
  int wanted = q.count;
  if (wanted == 0) q.count = 1;
  auto page = reader.history(q);
  if (!page) return std::move(page).error();
  {
    // Who saw which patient's resources: one audit record per patient.
    std::map<std::string, std::string> by_patient;
    for (const auto& v : page->versions) {
      auto label = reader.label(v.type, v.id);
      std::string patient = label && *label ? (*label)->patient : std::string();
      std::string& list = by_patient[patient];
      list += (list.empty() ? "" : " ") + v.type + "/" + v.id + "/_history/" + std::to_string(v.version);
    }
    const char* subtype = !req.id.empty()     ? "history-instance"
                          : !req.type.empty() ? "history-type"
                                              : "history-system";
    security::Decision ok;
    ok.allowed = true;
    ok.status = 200;
    if (by_patient.empty() && !security::audit_access(ctx, subtype, req.id.empty() ? "E" : "R", "", "", ok))
      return Error(503, "transient",
                   "The audit trail cannot record this access right now; try again shortly");
    for (const auto& [patient, list] : by_patient)
      if (!security::audit_access(ctx, subtype, req.id.empty() ? "E" : "R", patient, list, ok))
        return Error(503, "transient",
                     "The audit trail cannot record this access right now; try again shortly");
  }

  std::string path = req.base_url;
  if (!req.type.empty()) path += "/" + req.type;
  if (!req.id.empty()) path += "/" + req.id;
  path += "/_history";

  Json bundle = Json::object();
  bundle.set("resourceType", "Bundle");
  bundle.set("type", "history");
  bundle.set("total", Json(page->total));
  Json links = Json::array();
  auto link = [&](const char* rel, const std::string& url) {
    Json l = Json::object();
    l.set("relation", rel);
    l.set("url", url);
    links.push_back(std::move(l));
  };
  std::string base_link = path + (self_query.empty() ? "" : "?" + self_query);
  std::string sep = self_query.empty() ? "?" : "&";
  link("self", q.before_seq ? base_link + sep + "_page=" + std::to_string(q.before_seq) : base_link);
  if (wanted > 0 && page->next_seq) link("next", base_link + sep + "_page=" + std::to_string(page->next_seq));
  bundle.set("link", std::move(links));

  Json entries = Json::array();
  if (wanted > 0) {
    for (const auto& v : page->versions) {
      Json e = Json::object();
      e.set("fullUrl", req.base_url + "/" + v.type + "/" + v.id);
      if (!v.deleted) {
        auto body = parse_json(v.body);
        if (!body) return internal_error("Stored version of " + v.type + "/" + v.id + " is unreadable");
        e.set("resource", std::move(*body));
      }
      Json request = Json::object();
      request.set("method", v.method.empty() ? "PUT" : v.method);
      request.set("url", v.method == "POST" ? v.type : v.type + "/" + v.id);
      e.set("request", std::move(request));
      Json response = Json::object();
      response.set("status", status_line(v.deleted ? 204 : v.version == 1 ? 201 : 200));
      response.set("etag", weak_etag(v.version));
      response.set("lastModified", store::format_instant(v.last_updated));
      e.set("response", std::move(response));
      entries.push_back(std::move(e));
    }
  }
  if (entries.size()) bundle.set("entry", std::move(entries));
  return bundle;
}

}  // namespace parcours::api
