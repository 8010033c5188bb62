#include "api/secrecy_ops.h"

#include <charconv>

#include "security/audit.h"
#include "security/clock.h"
#include "security/facts.h"
#include "security/guard.h"

namespace parcours::api {
namespace {

using security::RoleClass;

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

Result<std::int64_t> int_param(const QueryParam& p, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  auto r = std::from_chars(p.value.data(), p.value.data() + p.value.size(), v);
  if (r.ec != std::errc() || r.ptr != p.value.data() + p.value.size() || v < lo || v > hi)
    return bad_request("Invalid " + p.name + " '" + p.value + "'", p.name);
  return v;
}

Json parameter(std::string_view name, std::string_view value_key, Json value) {
  Json p = Json::object();
  p.set("name", name);
  p.set(value_key, std::move(value));
  return p;
}

Json audit_bundle(const store::AuditPage& page, bool for_patient, const std::string& self,
                  const std::string& next_base) {
  Json b = Json::object();
  b.set("resourceType", "Bundle");
  b.set("type", "searchset");
  Json links = Json::array();
  Json l = Json::object();
  l.set("relation", "self");
  l.set("url", self);
  links.push_back(std::move(l));
  if (page.next_seq) {
    Json n = Json::object();
    n.set("relation", "next");
    n.set("url", next_base + "_page=" + std::to_string(page.next_seq));
    links.push_back(std::move(n));
  }
  b.set("link", std::move(links));
  Json entries = Json::array();
  for (const auto& r : page.records) {
    Json e = Json::object();
    e.set("fullUrl", "urn:parcours:audit:" + std::to_string(r.seq));
    e.set("resource", security::to_audit_event(r, for_patient));
    Json search = Json::object();
    search.set("mode", "match");
    e.set("search", std::move(search));
    entries.push_back(std::move(e));
  }
  if (entries.size()) b.set("entry", std::move(entries));
  return b;
}

}  // namespace

Result<Json> break_glass(const security::RequestContext& ctx, security::Services& sec, store::Store& store,
                         const std::string& patient, std::string_view body, std::size_t max_depth) {
  const auto& ac = ctx.access;
  if (!ac || ac->system || ctx.caller.kind != security::CallerKind::User)
    return Error(403, "forbidden", "An emergency access is opened by a professional with their own account");
  if (!ctx.policy->may_break_glass(ac->role))
    return Error(403, "forbidden", "Your role cannot open an emergency access (break-glass)");
  // The reason is mandatory (Parameters.parameter "reason").
  auto json = parse_json(body, JsonParseOptions{max_depth});
  if (!json) return std::move(json).error();
  if (json->get_string("resourceType") != "Parameters")
    return bad_request("$break-glass takes a Parameters resource with a 'reason'", "resourceType");
  std::string reason;
  if (const Json* ps = json->find("parameter"); ps && ps->is_array())
    for (const Json& p : ps->as_array())
      if (p.get_string("name") == "reason") reason = trim(p.get_string("valueString"));
  if (reason.size() < 10)
    return bad_request("A reason of at least 10 characters is mandatory for an emergency access",
                       "Parameters.parameter[reason]");
  if (reason.size() > 1000) return bad_request("The reason is limited to 1000 characters");

  auto reader = store.reader();
  auto cur = reader->read("Patient", patient);
  if (!cur) return std::move(cur).error();
  if (!*cur || (*cur)->deleted) return not_found("Resource Patient/" + patient + " is not known");
  auto facts = reader->access_facts(patient, "", "");
  if (!facts) return std::move(facts).error();
  const security::Micros now = security::Clock::now();
  for (const auto& f : *facts) {
    if (!(f.start <= now && now < f.end)) continue;
    bool objection = f.kind == "deny-actor" && std::find(ac->identities.begin(), ac->identities.end(),
                                                         f.principal) != ac->identities.end();
    if (f.kind == "deny-break-glass" || objection) {
      security::Decision d;
      d.reason = "break-glass refused by the patient's consent";
      security::audit_access(ctx, "break-glass", "E", patient, "Patient/" + patient, d);
      return Error(403, "forbidden", "The patient has refused emergency access for you (Consent)");
    }
  }
  auto body_json = parse_json((*cur)->body);
  if (!body_json) return internal_error("Stored Patient/" + patient + " is unreadable");
  std::vector<std::string> gps;
  if (const Json* g = body_json->find("generalPractitioner"); g && g->is_array())
    for (const Json& r : g->as_array())
      if (auto p = security::principal_of(r.get_string("reference")); !p.empty()) gps.push_back(p);
  reader.reset();

  const security::Micros until = now + sec.options.break_glass_duration;
  std::string comm_id = gps.empty() ? std::string() : store.new_id();
  Status st = store.write([&](store::Writer& w) -> Status {
    auto rec = security::audit_record(ctx, "break-glass", "E", "break-glass");
    rec.patient = patient;
    rec.purpose = "ETREAT";
    rec.reason = reason;
    rec.until = until;
    rec.entities = "Patient/" + patient;
    if (!comm_id.empty()) {
      // The médecin traitant is told at once (a Communication in the record,
      // which the patient sees too).
      Json c = Json::object();
      c.set("resourceType", "Communication");
      c.set("id", comm_id);
      c.set("status", "completed");
      Json cat = Json::object();
      Json coding = Json::object();
      coding.set("system", "https://parcours.example.fr/fhir/CodeSystem/communication-category");
      coding.set("code", "break-glass-notice");
      coding.set("display", "Accès en urgence au dossier");
      cat.set("coding", Json::Array{std::move(coding)});
      c.set("category", Json::Array{std::move(cat)});
      c.set("priority", "urgent");
      Json subject = Json::object();
      subject.set("reference", "Patient/" + patient);
      c.set("subject", std::move(subject));
      c.set("sent", store::format_instant(now));
      Json recipients = Json::array();
      for (const auto& gp : gps) {
        Json r = Json::object();
        r.set("reference", gp);
        recipients.push_back(std::move(r));
      }
      c.set("recipient", std::move(recipients));
      if (!ac->principals.empty()) {
        Json sender = Json::object();
        sender.set("reference", ac->principals.front());
        sender.set("display", ctx.caller.display);
        c.set("sender", std::move(sender));
      }
      Json payload = Json::object();
      payload.set("contentString", "Accès en urgence (bris de glace) au dossier par " + ctx.caller.display +
                                       " (" + ctx.caller.role + ") le " + store::format_instant(now) +
                                       ", jusqu'au " + store::format_instant(until) + ". Motif : " + reason +
                                       " / Emergency access to the record by " + ctx.caller.display +
                                       " until " + store::format_instant(until) + ". Reason: " + reason);
      c.set("payload", Json::Array{std::move(payload)});
      store::PutOptions opt;
      opt.method = "POST";
      opt.must_not_exist = true;
      auto out = w.put("Communication", comm_id, std::move(c), opt);
      if (!out) return std::move(out).error();
      rec.entities += " Communication/" + comm_id + "/_history/1";
    }
    return w.append_audit(rec);
  });
  if (!st) return std::move(st).error();

  Json out = Json::object();
  out.set("resourceType", "Parameters");
  Json ps = Json::array();
  ps.push_back(parameter("expires", "valueInstant", Json(store::format_instant(until))));
  Json patient_ref = Json::object();
  patient_ref.set("reference", "Patient/" + patient);
  ps.push_back(parameter("patient", "valueReference", std::move(patient_ref)));
  for (const auto& gp : gps) {
    Json r = Json::object();
    r.set("reference", gp);
    ps.push_back(parameter("notified", "valueReference", std::move(r)));
  }
  out.set("parameter", std::move(ps));
  return out;
}

Result<Json> access_log(const security::RequestContext& ctx, security::Services& sec, store::Store& store,
                        const std::string& patient, const std::vector<QueryParam>& params,
                        const std::string& base_url) {
  const auto& ac = ctx.access;
  if (!ac) return Error(403, "forbidden", "Access denied");
  const std::string missing = "Resource Patient/" + patient + " is not known";
  bool admin = ctx.caller.full_access || (!ac->system && ac->role_class == RoleClass::Admin);
  bool own = !ac->system && (ac->role_class == RoleClass::Patient || ac->role_class == RoleClass::Carer);
  if (own && ac->patient != patient) return not_found(missing);
  if (!admin && !own)
    return Error(403, "forbidden", "The access log is shown to the patient, their carer and administrators");
  {
    auto cur = store.reader()->read("Patient", patient);
    if (!cur) return std::move(cur).error();
    if (!*cur) return not_found(missing);
  }
  store::AuditQuery q;
  q.patient = patient;
  q.count = 50;
  for (const auto& p : params) {
    if (p.name == "_count") {
      auto n = int_param(p, 1, 500);
      if (!n) return std::move(n).error();
      q.count = static_cast<int>(*n);
    } else if (p.name == "_page") {
      auto n = int_param(p, 1, INT64_MAX);
      if (!n) return std::move(n).error();
      q.before_seq = *n;
    } else if (p.name != "_format" && p.name != "_pretty") {
      return bad_request("Unknown parameter '" + p.name + "' for $access-log", p.name);
    }
  }
  auto page = sec.store->audit(q);
  if (!page) return std::move(page).error();
  security::Decision ok;
  ok.allowed = true;
  if (!security::audit_access(ctx, "access-log", "R", patient, "Patient/" + patient, ok))
    return Error(503, "transient", "The audit trail cannot record this access right now; try again shortly");
  std::string base = base_url + "/Patient/" + patient + "/$access-log?_count=" + std::to_string(q.count);
  return audit_bundle(*page, !admin, base, base + "&");
}

Result<Json> audit_search(const security::RequestContext& ctx, security::Services& sec,
                          const std::vector<QueryParam>& params, const std::string& base_url) {
  const auto& ac = ctx.access;
  bool admin = ctx.caller.full_access || (ac && !ac->system && ac->role_class == RoleClass::Admin);
  if (!admin) return Error(403, "forbidden", "The audit search is for administrators");
  store::AuditQuery q;
  std::string self;
  for (const auto& p : params) {
    if (p.name == "_format" || p.name == "_pretty") continue;
    if (p.name == "_page") {
      auto n = int_param(p, 1, INT64_MAX);
      if (!n) return std::move(n).error();
      q.before_seq = *n;
      continue;
    }
    if (p.name == "patient") {
      q.patient = p.value;
    } else if (p.name == "agent") {
      q.agent = p.value;
    } else if (p.name == "subtype") {
      q.subtype = p.value;
    } else if (p.name == "since" || p.name == "until") {
      auto t = store::parse_instant(p.value);
      if (!t) return bad_request("Invalid " + p.name + " '" + p.value + "': expected a FHIR instant", p.name);
      (p.name == "since" ? q.since : q.until) = *t;
    } else if (p.name == "_count") {
      auto n = int_param(p, 1, 1000);
      if (!n) return std::move(n).error();
      q.count = static_cast<int>(*n);
    } else {
      return bad_request(
          "Unknown parameter '" + p.name + "' for $audit (patient, agent, subtype, since, until)", p.name);
    }
    self += (self.empty() ? "" : "&") + percent_encode(p.name) + "=" + percent_encode(p.value);
  }
  auto page = sec.store->audit(q);
  if (!page) return std::move(page).error();
  security::Decision ok;
  ok.allowed = true;
  if (!security::audit_access(ctx, "audit-search", "E", q.patient, "", ok))
    return Error(503, "transient", "The audit trail cannot record this access right now; try again shortly");
  std::string base = base_url + "/$audit?" + self;
  return audit_bundle(*page, false, base, base + (self.empty() ? "" : "&"));
}

}  // namespace parcours::api
