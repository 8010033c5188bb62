#include "api/fhir_api.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstring>

#include "api/bundle.h"
#include "api/capability.h"
#include "api/coordination_ops.h"
#include "api/directory_ops.h"
#include "api/history.h"
#include "api/interactions.h"
#include "api/query_string.h"
#include "api/rendering.h"
#include "api/search_api.h"
#include "api/secrecy_ops.h"
#include "api/terminology_ops.h"
#include "fhir/definitions.h"
#include "fhir/operation_outcome.h"
#include "security/caller.h"
#include "security/guard.h"
#include "security/services.h"

namespace parcours::api {
namespace {

constexpr const char* kFhirJson = "application/fhir+json; charset=utf-8";

// Constant-time comparison, so response timing does not reveal how much of a
// guessed token was right.
bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

bool ieq(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Media type without parameters, lower-cased: "application/fhir+json".
std::string media_type(std::string_view header) {
  auto semi = header.find(';');
  std::string_view t = header.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  return lower(t);
}

bool is_json_type(std::string_view t) {
  return t == "application/fhir+json" || t == "application/json" || t == "json" || t == "text/json";
}

enum class Return { Representation, Minimal, Outcome };

struct Prefer {
  Return ret = Return::Representation;
  bool strict = false;  // handling=strict (R4 §3.1.1.4): unknown search parameters are errors
};

Prefer parse_prefer(std::string_view h) {
  Prefer p;
  std::string v = lower(h);
  if (v.find("return=minimal") != std::string::npos)
    p.ret = Return::Minimal;
  else if (v.find("return=operationoutcome") != std::string::npos)
    p.ret = Return::Outcome;
  p.strict = v.find("handling=strict") != std::string::npos;
  return p;
}

// Per-request state shared by the route handlers.
struct Exchange {
  const HttpRequest& req;
  HttpResponse& res;
  security::RequestContext ctx;
  std::vector<std::string> segs;  // path segments after "fhir"
  std::vector<QueryParam> params;
  std::string base_url;
  bool pretty = false;
  Prefer prefer;
  std::optional<Summary> summary;
  std::vector<std::string> elements;
  bool csv = false;  // text/csv asked where a CSV rendering exists (the activity report)
  bool pdf = false;  // application/pdf asked where a PDF rendering exists (CarePlan/$render)

  const QueryParam* param(std::string_view name) const {
    for (const auto& p : params)
      if (p.name == name) return &p;
    return nullptr;
  }
};

}  // namespace

struct FhirApi::Impl {
  store::Store& store;
  FhirApiOptions options;
  std::atomic<std::uint64_t> request_counter{0};

  Impl(store::Store& s, FhirApiOptions o) : store(s), options(std::move(o)) {}

  // ---- response helpers ----------------------------------------------------

  void send_json(Exchange& x, int status, const Json& body) {
    x.res.status = status;
    x.res.set_header("Content-Type", kFhirJson);
    x.res.body.clear();
    body.dump_to(x.res.body, x.pretty);
  }

  void send_error(Exchange& x, const Error& e) {
    send_json(x, e.status(), fhir::operation_outcome(e));
    if (e.status() == 401) x.res.set_header("WWW-Authenticate", "Bearer realm=\"parcours\"");
  }

  void set_version_headers(Exchange& x, const store::ResourceVersion& v) {
    x.res.set_header("ETag", weak_etag(v.version));
    x.res.set_header("Last-Modified", http_date(v.last_updated));
  }

  // Sends a stored version as the body, honouring _summary/_elements/_pretty.
  // The common case streams the stored text without re-parsing it.
  void send_version(Exchange& x, int status, const store::ResourceVersion& v) {
    set_version_headers(x, v);
    x.res.status = status;
    x.res.set_header("Content-Type", kFhirJson);
    if (!x.pretty && !x.summary && x.elements.empty()) {
      x.res.body = v.body;
      return;
    }
    auto json = parse_json(v.body);
    if (!json) return send_error(x, internal_error("Stored resource is unreadable"));
    if (x.summary) apply_summary(*json, *x.summary);
    if (!x.elements.empty()) apply_elements(*json, x.elements);
    x.res.body.clear();
    json->dump_to(x.res.body, x.pretty);
  }

  // Result of a write, per the Prefer header (R4 §3.1.0.2 "return").
  void send_write(Exchange& x, const InteractionResult& r) {
    const auto& v = *r.version;
    set_version_headers(x, v);
    x.res.set_header("Location",
                     x.base_url + "/" + v.type + "/" + v.id + "/_history/" + std::to_string(v.version));
    switch (x.prefer.ret) {
      case Return::Minimal:
        x.res.status = r.status;
        x.res.body.clear();
        return;
      case Return::Outcome:
        return send_json(x, r.status,
                         fhir::information_outcome((r.created ? "Created " : "Updated ") + v.type + "/" +
                                                   v.id + " version " + std::to_string(v.version)));
      case Return::Representation:
        return send_version(x, r.status, v);
    }
  }

  // ---- request preparation ------------------------------------------------

  std::string base_url_for(const HttpRequest& req) {
    if (!options.base_url.empty()) return options.base_url;
    return request_origin(req) + "/fhir";
  }

  Status authenticate(Exchange& x) {
    std::string_view auth = x.req.header("Authorization");
    if (options.security) return options.security->authenticate(auth, x.ctx);
    if (auth.empty())
      return Error(401, "login", "Authentication required: send 'Authorization: Bearer <token>'");
    if (auth.size() < 7 || !ieq(auth.substr(0, 7), "Bearer "))
      return Error(401, "login", "Unsupported authorization scheme: use 'Bearer <token>'");
    std::string_view token = auth.substr(7);
    if (!options.admin_token.empty() && same_secret(token, options.admin_token)) {
      x.ctx.caller.kind = security::CallerKind::System;
      x.ctx.caller.subject = "admin-token";
      x.ctx.caller.display = "Administrateur (jeton d'amorçage)";
      x.ctx.caller.full_access = true;
      return {};
    }
    return Error(401, "login", "Invalid or expired token");
  }

  Status negotiate(Exchange& x) {
    std::string format;
    // The activity report also comes as a spreadsheet file (api/coordination_ops.h).
    const bool csv_route =
        x.segs.size() == 3 && x.segs[0] == "Organization" && x.segs[2] == "$activity-report";
    // The readable PPS is a page (HTML) or a PDF, never FHIR JSON.
    const bool render_route = x.segs.size() == 3 && x.segs[0] == "CarePlan" && x.segs[2] == "$render";
    if (const auto* f = x.param("_format")) {
      format = media_type(f->value);
      if (csv_route && (format == "text/csv" || format == "csv")) {
        x.csv = true;
      } else if (render_route && (format == "pdf" || format == "application/pdf" || format == "html" ||
                                  format == "text/html")) {
        x.pdf = format.find("pdf") != std::string::npos;
      } else if (!is_json_type(format)) {
        return Error(406, "not-supported", "Format '" + f->value + "' is not supported; use _format=json",
                     "_format");
      }
    } else if (std::string_view accept = x.req.header("Accept"); !accept.empty()) {
      std::string a = lower(accept);
      // The first of the two the client names (no q-values: both are offered).
      auto at_csv = a.find("text/csv"), at_json = a.find("json");
      if (csv_route && at_csv != std::string::npos && (at_json == std::string::npos || at_csv < at_json)) {
        x.csv = true;
      } else if (render_route) {
        x.pdf = a.find("application/pdf") != std::string::npos && a.find("text/html") == std::string::npos;
      } else if (a.find("json") == std::string::npos && a.find("*/*") == std::string::npos &&
                 a.find("application/*") == std::string::npos)
        return Error(406, "not-supported",
                     "Only application/fhir+json is available (Accept: " + std::string(accept) + ")");
    }
    if (const auto* p = x.param("_pretty")) {
      if (p->value != "true" && p->value != "false")
        return bad_request("Invalid _pretty '" + p->value + "': expected true or false", "_pretty");
      x.pretty = p->value == "true";
    }
    if (const auto* s = x.param("_summary")) {
      auto m = parse_summary(s->value);
      if (!m) return std::move(m).error();
      x.summary = *m;
    }
    if (const auto* e = x.param("_elements")) {
      std::size_t start = 0;
      while (start <= e->value.size()) {
        auto comma = e->value.find(',', start);
        if (comma == std::string::npos) comma = e->value.size();
        std::string name = e->value.substr(start, comma - start);
        if (!name.empty()) x.elements.push_back(std::move(name));
        start = comma + 1;
      }
    }
    x.prefer = parse_prefer(x.req.header("Prefer"));
    return {};
  }

  Status check_body_type(Exchange& x, bool patch) {
    std::string_view ct = x.req.header("Content-Type");
    std::string t = media_type(ct);
    if (patch) {
      if (t != "application/json-patch+json")
        return Error(
            415, "not-supported",
            "PATCH needs Content-Type application/json-patch+json (FHIRPath Patch is not supported)");
      return {};
    }
    if (!ct.empty() && !is_json_type(t))
      return Error(415, "not-supported",
                   "Unsupported Content-Type '" + std::string(ct) + "': send application/fhir+json");
    return {};
  }

  // ---- routes -------------------------------------------------------------

  void route(Exchange& x) {
    const auto& s = x.segs;
    const std::string& m = x.req.method;
    bool get = m == "GET" || m == "HEAD";
    auto not_allowed = [&] {
      x.res.set_header("Allow", s.size() == 2 ? "GET, HEAD, PUT, PATCH, DELETE" : "GET, HEAD, POST");
      send_error(x, Error(405, "not-supported", "Method " + m + " is not allowed on " + x.req.path));
    };

    if (s.size() == 1 && s[0] == "metadata") {
      if (!get) return not_allowed();
      return send_json(x, 200, capability_statement(x.base_url, options.software_version));
    }
    if (s.empty()) {
      if (m == "POST") return post_bundle(x);
      if (get) return search(x, {}, "", false);
      return not_allowed();
    }
    if (s.size() == 1 && s[0] == "_search") {
      if (m != "POST" && !get) return not_allowed();
      return search(x, {}, "", m == "POST");
    }
    if (s.size() == 1 && s[0] == "_history") {
      if (!get) return not_allowed();
      return history(x, "", "");
    }
    // Medical-secrecy operations (api/secrecy_ops.h).
    if (s.size() == 1 && s[0] == "$audit") {
      if (!get) return not_allowed();
      return send_result(x, options.security ? audit_search(x.ctx, *options.security, x.params, x.base_url)
                                             : Result<Json>(Error(501, "not-supported", "No audit here")));
    }
    if (s.size() == 3 && s[0] == "Patient" && (s[2] == "$break-glass" || s[2] == "$access-log")) {
      if (auto st = check_id(s[1], "id"); !st) return send_error(x, st.error());
      if (!options.security) return send_error(x, Error(501, "not-supported", "No security services"));
      if (s[2] == "$break-glass") {
        if (m != "POST") return not_allowed();
        return send_result(
            x, break_glass(x.ctx, *options.security, store, s[1], x.req.body, options.max_json_depth));
      }
      if (!get) return not_allowed();
      return send_result(x, access_log(x.ctx, *options.security, store, s[1], x.params, x.base_url));
    }
    // Coordination operations (api/coordination_ops.h).
    if (s.size() == 1 && s[0] == "$follow-up") {
      if (m != "POST") return not_allowed();
      return send_result(x, follow_up_now(x.ctx, store));
    }
    if (s.size() == 3 && s[0] == "Organization" && s[2] == "$activity-report") {
      if (!get) return not_allowed();
      if (auto st = check_id(s[1], "id"); !st) return send_error(x, st.error());
      auto r = activity_report(x.ctx, store, s[1], x.params, x.csv);
      if (!r) return send_error(x, r.error());
      if (!x.csv) return send_json(x, 200, r->measure_report);
      x.res.status = 200;
      x.res.set_header("Content-Type", "text/csv; charset=utf-8");
      x.res.set_header("Content-Disposition", "attachment; filename=\"" + r->filename + "\"");
      x.res.body = std::move(r->csv);
      return;
    }
    // The directory search (api/directory_ops.h).
    if (s.size() == 2 && s[0] == "HealthcareService" && s[1] == "$find") {
      if (!get) {
        not_allowed();
        return x.res.set_header("Allow", "GET, HEAD");
      }
      return send_result(x, find_healthcare_services(x.ctx, store, x.params, x.base_url));
    }
    // Terminology (api/terminology_ops.h).
    if (s[0] == "ValueSet" &&
        ((s.size() == 2 && s[1] == "$expand") || (s.size() == 3 && s[2] == "$expand"))) {
      if (!get && m != "POST") return not_allowed();
      std::string id = s.size() == 3 ? s[1] : "";
      if (!id.empty())
        if (auto st = check_id(id, "id"); !st) return send_error(x, st.error());
      return send_result(
          x, expand_value_set(x.ctx, store, id, x.params, m == "POST" ? x.req.body : std::string_view{},
                              options.max_json_depth));
    }
    if (s.size() == 3 && s[0] == "CarePlan" && s[2] == "$propose") {
      if (m != "POST") return not_allowed();
      if (auto st = check_id(s[1], "id"); !st) return send_error(x, st.error());
      return send_result(x, propose_care_plan(x.ctx, store, s[1], x.req.body, options.max_json_depth));
    }
    if (s.size() == 3 && s[0] == "Encounter" && s[2] == "$discharge-checklist") {
      if (!get && m != "POST") return not_allowed();
      if (auto st = check_id(s[1], "id"); !st) return send_error(x, st.error());
      return send_result(x, discharge_checklist(x.ctx, store, s[1], m == "POST"));
    }
    if (s.size() == 3 && s[0] == "CarePlan" && s[2] == "$render") {
      if (!get) return not_allowed();
      if (auto st = check_id(s[1], "id"); !st) return send_error(x, st.error());
      // HTML by default; PDF with _format=pdf or Accept: application/pdf (negotiate()).
      auto page = render_care_plan(x.ctx, store, s[1], x.pdf);
      if (!page) return send_error(x, page.error());
      x.res.status = 200;
      x.res.set_header("Content-Type", page->first);
      x.res.body = std::move(page->second);
      return;
    }
    if (s.size() == 3 && s[0] == "PlanDefinition" && s[2] == "$apply") {
      if (!get && m != "POST") return not_allowed();
      if (auto st = check_id(s[1], "id"); !st) return send_error(x, st.error());
      return send_result(
          x, apply_plan_definition(x.ctx, store, s[1], x.params,
                                   m == "POST" ? x.req.body : std::string_view{}, options.max_json_depth));
    }
    if (s.size() == 2 && s[0] == "Observation" && s[1] == "$lastn") {
      if (!get && m != "POST") return not_allowed();
      return search(x, {"Observation"}, "", m == "POST", true);
    }
    // In a patient's compartment: that patient's observations only.
    if (s.size() == 4 && s[0] == "Patient" && s[2] == "Observation" && s[3] == "$lastn") {
      if (!get && m != "POST") return not_allowed();
      if (auto st = check_id(s[1], "id"); !st) return send_error(x, st.error());
      return search(x, {"Observation"}, s[1], m == "POST", true);
    }
    if (s.size() == 3 && s[0] == "Patient" && s[2] == "$everything") {
      if (!get && m != "POST") return not_allowed();
      if (auto st = check_id(s[1], "id"); !st) return send_error(x, st.error());
      return everything(x, s[1]);
    }
    // Compartment search: /Patient/[id]/[type] and /Patient/[id]/* (R4 §3.1.1.2.2).
    if (s.size() == 3 && s[0] == "Patient" && (s[2] == "*" || fhir::is_resource_type(s[2]))) {
      if (!get) return not_allowed();
      if (auto st = check_id(s[1], "id"); !st) return send_error(x, st.error());
      if (s[2] != "*" && s[2] != "Patient" && fhir::patient_compartment_params(s[2]).empty())
        return send_error(x, bad_request(s[2] + " is not in the patient compartment"));
      std::vector<std::string> types;
      if (s[2] != "*") types.push_back(s[2]);
      return search(x, std::move(types), s[1], false);
    }
    if (s[0].starts_with("$") || (s.size() > 1 && s[1].starts_with("$")))
      return send_error(x, Error(501, "not-supported", "Operation '" + x.req.path + "' is not implemented"));
    if (auto st = check_type(s[0]); !st) return send_error(x, st.error());
    const std::string& type = s[0];
    if (s.size() == 1) {
      if (m == "POST") return create(x, type);
      if (get) return search(x, {type}, "", false);
      // Conditional update and delete (R4 §3.1.0.4.3, §3.1.0.7.1).
      if (m == "PUT" && !x.req.query.empty()) return conditional_update(x, type);
      if (m == "DELETE" && !x.req.query.empty()) return conditional_delete(x, type);
      return not_allowed();
    }
    if (s.size() == 2 && s[1] == "_history") {
      if (!get) return not_allowed();
      return history(x, type, "");
    }
    if (s.size() == 2 && s[1] == "_search") {
      if (m != "POST" && !get) return not_allowed();
      return search(x, {type}, "", m == "POST");
    }
    const std::string& id = s[1];
    if (auto st = check_id(id, "id"); !st) return send_error(x, st.error());
    if (s.size() == 2) {
      if (get) return read(x, type, id);
      if (m == "PUT") return update(x, type, id);
      if (m == "PATCH") return patch(x, type, id);
      if (m == "DELETE") return remove(x, type, id);
      return not_allowed();
    }
    if (s.size() == 3 && s[2] == "_history") {
      if (!get) return not_allowed();
      return history(x, type, id);
    }
    if (s.size() == 4 && s[2] == "_history") {
      if (!get) return not_allowed();
      return vread(x, type, id, s[3]);
    }
    send_error(x, not_found("No route for " + x.req.path));
  }

  void read(Exchange& x, const std::string& type, const std::string& id) {
    auto reader = store.reader();
    auto r = api::read(x.ctx, *reader, type, id);
    if (!r) return send_error(x, r.error());
    const auto& v = *r->version;
    // Conditional read (R4 §3.1.0.1): If-None-Match / If-Modified-Since.
    if (auto inm = x.req.header("If-None-Match"); !inm.empty()) {
      auto m = parse_if_match(inm);
      if (m && *m && **m == v.version) return not_modified(x, v);
    } else if (auto ims = x.req.header("If-Modified-Since"); !ims.empty()) {
      // HTTP dates have second precision (RFC 9110 §13.1.3).
      if (auto since = parse_http_date(ims); since && v.last_updated / 1000000 <= *since)
        return not_modified(x, v);
    }
    send_version(x, 200, v);
  }

  void send_result(Exchange& x, const Result<Json>& r) {
    if (!r) return send_error(x, r.error());
    send_json(x, 200, *r);
  }

  void not_modified(Exchange& x, const store::ResourceVersion& v) {
    set_version_headers(x, v);
    x.res.status = 304;
    x.res.body.clear();
  }

  void vread(Exchange& x, const std::string& type, const std::string& id, const std::string& vid) {
    auto reader = store.reader();
    auto r = api::vread(x.ctx, *reader, type, id, vid);
    if (!r) return send_error(x, r.error());
    send_version(x, 200, *r->version);
  }

  void history(Exchange& x, const std::string& type, const std::string& id) {
    auto reader = store.reader();
    HistoryRequest hr{type, id, x.params, x.base_url, {}};
    if (!id.empty()) {
      const std::string missing = "Resource " + type + "/" + id + " is not known";
      auto cur = reader->read(type, id);
      if (!cur) return send_error(x, cur.error());
      if (!*cur) return send_error(x, not_found(missing));
      // A resource's versions are shown to whoever may read the resource.
      auto access = security::check_stored(x.ctx, *reader, security::Interaction::Read, type, id);
      if (!access) return send_error(x, access.error());
      if (!access->decision.allowed) {
        security::audit_access(x.ctx, "history-instance", "R", access->label.patient, type + "/" + id,
                               access->decision);
        return send_error(x, security::refusal(access->decision, missing));
      }
    } else {
      // Lists: the policy goes inside the query, so pages and totals obey it.
      if (!security::scope_permits(x.ctx, security::Interaction::Search, type))
        return send_error(
            x, Error(403, "forbidden", "The token's scopes do not permit listing these resources"));
      auto filter = security::row_filter(x.ctx, *reader, security::Interaction::Search);
      if (!filter) return send_error(x, filter.error());
      hr.filter = std::move(*filter);
    }
    auto b = history_bundle(x.ctx, *reader, hr);
    if (!b) return send_error(x, b.error());
    send_json(x, 200, *b);
  }

  // Runs one interaction in its own atomic unit and sends the result.
  template <typename F>
  void write_one(Exchange& x, F&& interaction) {
    Result<InteractionResult> result = Error();
    Status st = store.write([&](store::Writer& w) -> Status {
      result = interaction(w);
      return result ? Status() : Status(result.error());
    });
    if (!st) return send_error(x, st.error());
    send_write(x, *result);
  }

  void create(Exchange& x, const std::string& type) {
    if (auto st = check_body_type(x, false); !st) return send_error(x, st.error());
    auto body = parse_resource_body(x.req.body, type, options.max_json_depth);
    if (!body) return send_error(x, body.error());
    std::string id = store.new_id();
    std::string_view condition = x.req.header("If-None-Exist");
    if (condition.empty()) {
      write_one(x, [&](store::Writer& w) { return api::create(x.ctx, w, type, id, std::move(*body)); });
      return;
    }
    // Conditional create (R4 §3.1.0.8): no match creates, one match answers
    // 200 with it, several are 412. The match runs inside the write unit.
    if (condition.starts_with("?")) condition.remove_prefix(1);
    write_one(x, [&](store::Writer& w) -> Result<InteractionResult> {
      auto ids = matching_ids(x.ctx, w, type, condition, 2, x.base_url);
      if (!ids) return std::move(ids).error();
      if (ids->size() > 1)
        return Error(412, "multiple-matches", "If-None-Exist matches several " + type + " resources");
      if (ids->size() == 1) {
        auto r = api::read(x.ctx, w, type, ids->front());
        if (!r) return r;
        r->status = 200;
        return r;
      }
      return api::create(x.ctx, w, type, id, std::move(*body));
    });
  }

  void conditional_update(Exchange& x, const std::string& type) {
    if (auto st = check_body_type(x, false); !st) return send_error(x, st.error());
    auto if_match = parse_if_match(x.req.header("If-Match"));
    if (!if_match) return send_error(x, if_match.error());
    auto body = parse_resource_body(x.req.body, type, options.max_json_depth);
    if (!body) return send_error(x, body.error());
    std::string new_id = store.new_id();
    write_one(x, [&](store::Writer& w) -> Result<InteractionResult> {
      auto ids = matching_ids(x.ctx, w, type, x.req.query, 2, x.base_url);
      if (!ids) return std::move(ids).error();
      if (ids->size() > 1)
        return Error(412, "multiple-matches", "The condition matches several " + type + " resources");
      std::string_view body_id = body->get_string("id");
      if (ids->empty()) {
        // No match: create, with the client's id when it gave one.
        std::string id = body_id.empty() ? new_id : std::string(body_id);
        if (body_id.empty()) body->set("id", id);
        return api::update(x.ctx, w, type, id, std::move(*body), *if_match);
      }
      if (!body_id.empty() && body_id != ids->front())
        return bad_request("The resource id '" + std::string(body_id) + "' is not the id of the match (" +
                               ids->front() + ")",
                           "id");
      body->set("id", ids->front());
      return api::update(x.ctx, w, type, ids->front(), std::move(*body), *if_match);
    });
  }

  void conditional_delete(Exchange& x, const std::string& type) {
    // Several matches delete them all (conditionalDelete: multiple), up to a bound.
    constexpr int kMaxDeleted = 100;
    std::vector<std::string> deleted;
    Status st = store.write([&](store::Writer& w) -> Status {
      auto ids = matching_ids(x.ctx, w, type, x.req.query, kMaxDeleted + 1, x.base_url);
      if (!ids) return std::move(ids).error();
      if (static_cast<int>(ids->size()) > kMaxDeleted)
        return Error(
            412, "too-costly",
            "The condition matches more than " + std::to_string(kMaxDeleted) + " resources; narrow it");
      for (const auto& id : *ids) {
        auto r = api::remove(x.ctx, w, type, id, std::nullopt);
        if (!r) return std::move(r).error();
        if (r->version) deleted.push_back(type + "/" + id);
      }
      return Status::Ok();
    });
    if (!st) return send_error(x, st.error());
    if (deleted.empty())
      return send_json(x, 200, fhir::information_outcome("Nothing matched: nothing deleted"));
    std::string list;
    for (const auto& d : deleted) list += (list.empty() ? "" : ", ") + d;
    send_json(x, 200, fhir::information_outcome("Deleted " + list));
  }

  // Search (R4 §3.1.1): GET, or POST _search with a form body.
  // `lastn`: Observation/$lastn, which takes the same parameters.
  void search(Exchange& x, std::vector<std::string> types, const std::string& compartment, bool form,
              bool lastn = false) {
    SearchCall call;
    call.types = std::move(types);
    call.compartment = compartment;
    call.params = x.params;
    if (form && !x.req.body.empty()) {
      std::string ct = media_type(x.req.header("Content-Type"));
      if (ct != "application/x-www-form-urlencoded")
        return send_error(x, Error(415, "not-supported",
                                   "POST _search takes application/x-www-form-urlencoded parameters"));
      auto more = form_params(x.req.body);
      if (!more) return send_error(x, more.error());
      for (auto& p : *more) call.params.push_back(std::move(p));
    }
    call.base_url = x.base_url;
    call.path_url = x.base_url;
    for (const auto& seg : x.segs)
      if (seg != "_search") call.path_url += "/" + seg;
    call.strict = x.prefer.strict;
    call.pretty = x.pretty;
    std::string_view ex = x.req.header("X-Parcours-Explain");
    call.explain = ex == "1" || ex == "true";
    auto reader = store.reader();
    auto r = lastn ? api::lastn(x.ctx, *reader, call) : api::search(x.ctx, *reader, call);
    if (!r) return send_error(x, r.error());
    x.res.status = 200;
    x.res.set_header("Content-Type", kFhirJson);
    x.res.body = std::move(*r);
  }

  void everything(Exchange& x, const std::string& patient) {
    SearchCall call;
    call.compartment = patient;
    call.params = x.params;
    call.base_url = x.base_url;
    call.path_url = x.base_url + "/Patient/" + patient + "/$everything";
    call.strict = x.prefer.strict;
    call.pretty = x.pretty;
    auto reader = store.reader();
    auto cur = reader->read("Patient", patient);
    if (!cur) return send_error(x, cur.error());
    if (!*cur || (*cur)->deleted)
      return send_error(x, not_found("Resource Patient/" + patient + " is not known"));
    auto access = security::check_stored(x.ctx, *reader, security::Interaction::Read, "Patient", patient);
    if (!access) return send_error(x, access.error());
    if (!access->decision.allowed)
      return send_error(x,
                        security::refusal(access->decision, "Resource Patient/" + patient + " is not known"));
    auto r = api::everything(x.ctx, *reader, call);
    if (!r) return send_error(x, r.error());
    x.res.status = 200;
    x.res.set_header("Content-Type", kFhirJson);
    x.res.body = std::move(*r);
  }

  void update(Exchange& x, const std::string& type, const std::string& id) {
    if (auto st = check_body_type(x, false); !st) return send_error(x, st.error());
    auto if_match = parse_if_match(x.req.header("If-Match"));
    if (!if_match) return send_error(x, if_match.error());
    auto body = parse_resource_body(x.req.body, type, options.max_json_depth);
    if (!body) return send_error(x, body.error());
    write_one(x,
              [&](store::Writer& w) { return api::update(x.ctx, w, type, id, std::move(*body), *if_match); });
  }

  void patch(Exchange& x, const std::string& type, const std::string& id) {
    if (auto st = check_body_type(x, true); !st) return send_error(x, st.error());
    auto if_match = parse_if_match(x.req.header("If-Match"));
    if (!if_match) return send_error(x, if_match.error());
    auto doc = parse_json(x.req.body, JsonParseOptions{options.max_json_depth});
    if (!doc) return send_error(x, doc.error());
    write_one(x, [&](store::Writer& w) { return api::patch(x.ctx, w, type, id, *doc, *if_match); });
  }

  void remove(Exchange& x, const std::string& type, const std::string& id) {
    auto if_match = parse_if_match(x.req.header("If-Match"));
    if (!if_match) return send_error(x, if_match.error());
    Result<InteractionResult> result = Error();
    Status st = store.write([&](store::Writer& w) -> Status {
      result = api::remove(x.ctx, w, type, id, *if_match);
      return result ? Status() : Status(result.error());
    });
    if (!st) return send_error(x, st.error());
    if (result->version) {
      x.res.set_header("ETag", weak_etag(result->version->version));
      return send_json(x, 200,
                       fhir::information_outcome("Deleted " + type + "/" + id + " (version " +
                                                 std::to_string(result->version->version) + ")"));
    }
    send_json(x, 200, fhir::information_outcome("Nothing to delete: " + type + "/" + id + " does not exist"));
  }

  void post_bundle(Exchange& x) {
    if (auto st = check_body_type(x, false); !st) return send_error(x, st.error());
    if (x.req.body.empty())
      return send_error(x, bad_request("The request body is empty; a Bundle is expected"));
    auto doc = parse_json(x.req.body, JsonParseOptions{options.max_json_depth});
    if (!doc) return send_error(x, doc.error());
    if (!doc->is_object() || doc->get_string("resourceType") != "Bundle")
      return send_error(
          x, bad_request("POST to the base URL takes a Bundle of type batch or transaction", "resourceType"));
    BundleOptions bo;
    bo.base_url = x.base_url;
    bo.return_resources = x.prefer.ret == Return::Representation;
    bo.return_outcome = x.prefer.ret == Return::Outcome;
    auto out = process_bundle(x.ctx, store, *doc, bo);
    if (!out) return send_error(x, out.error());
    send_json(x, 200, *out);
  }
};

FhirApi::FhirApi(store::Store& store, FhirApiOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}
FhirApi::~FhirApi() = default;

void FhirApi::handle(const HttpRequest& req, HttpResponse& res) {
  auto started = std::chrono::steady_clock::now();
  Exchange x{req, res, {}, {}, {}, {}, false, {}, {}, {}, false};
  x.ctx.remote = req.remote;
  std::string_view rid = req.header("X-Request-Id");
  bool rid_ok = !rid.empty() && rid.size() <= 64 && std::all_of(rid.begin(), rid.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
  x.ctx.request_id = rid_ok ? std::string(rid) : "r" + std::to_string(++impl_->request_counter);
  res.set_header("X-Request-Id", x.ctx.request_id);
  x.base_url = impl_->base_url_for(req);

  auto segs = split_path(req.path);
  if (req.path == "/healthz") {
    res.status = 200;
    res.set_header("Content-Type", "text/plain");
    res.body = "ok\n";
    return;
  }
  if (!segs || segs->empty() || (*segs)[0] != "fhir") {
    impl_->send_error(x, not_found("Nothing at " + req.path + "; the FHIR API is at /fhir"));
    return;
  }
  x.segs.assign(segs->begin() + 1, segs->end());
  std::string bad;
  auto params = parse_query(req.query, &bad);
  if (!params) return impl_->send_error(x, bad_request("Malformed query parameter '" + bad + "'"));
  x.params = std::move(*params);
  if (auto st = impl_->negotiate(x); !st) return impl_->send_error(x, st.error());

  // The CapabilityStatement is public so that clients can discover the server
  // before they authenticate (as SMART on FHIR expects).
  bool is_metadata = x.segs.size() == 1 && x.segs[0] == "metadata";
  if (!is_metadata) {
    if (auto st = impl_->authenticate(x); !st) return impl_->send_error(x, st.error());
  }
  impl_->route(x);
  // Paths carry only resource types and ids, never names; query strings are
  // not logged because they may hold personal data.
  if (spdlog::should_log(spdlog::level::debug)) {
    auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
    spdlog::debug("{} {} {} {} {}us {}", x.ctx.request_id, req.method, req.path, res.status, us.count(),
                  x.ctx.caller.subject);
  }
}

}  // namespace parcours::api
