#include "security/guard.h"

#include "security/audit.h"
#include "security/clock.h"
#include "security/reach.h"

namespace parcours::security {

Result<Access> check_stored(const RequestContext& ctx, store::Reader& reader, Interaction i,
                            std::string_view type, std::string_view id) {
  Access a;
  if (!ctx.access || !ctx.policy) {
    a.decision.status = 403;
    a.decision.reason = "no access context";
    return a;
  }
  auto label = reader.label(type, id);
  if (!label) return std::move(label).error();
  if (!*label) {
    if (ctx.access->system && ctx.access->scopes.allows_any(type, i)) {
      a.decision.allowed = true;
      a.decision.status = 200;
    } else {
      a.decision.status = ctx.access->system ? 403 : 404;
      a.decision.reason = "resource without a security label";
    }
    return a;
  }
  a.label = std::move(**label);
  std::vector<store::AccessFact> facts;
  if (!ctx.access->system) {
    // The patient's facts from the caller's reach when it holds them (the
    // same rows access_facts reads); the resource's own authorship only when
    // it can matter (a masked patient). Otherwise, and for refusals (whose
    // audited reason needs every fact), from the store.
    const store::PatientReach::Entry* entry = nullptr;
    std::shared_ptr<const store::PatientReach> reach;
    if (ctx.reaches && !a.label.patient.empty()) {
      auto r = ctx.reaches->get(*ctx.access, reader);
      if (!r) return std::move(r).error();
      reach = std::move(*r);
      if (reach) entry = reach->find(a.label.patient);
    }
    if (entry && entry->flag == store::PatientReach::kOpen) {
      facts = entry->facts;
    } else {
      auto f = reader.access_facts(a.label.patient, type, id);
      if (!f) return std::move(f).error();
      facts = std::move(*f);
    }
  }
  a.decision = ctx.policy->decide(*ctx.access, i, type, id, a.label, facts);
  return a;
}

Result<Access> check_incoming(const RequestContext& ctx, store::Reader& reader, Interaction i,
                              std::string_view type, std::string_view id, const Json& resource,
                              bool new_record) {
  Access a;
  if (!ctx.access || !ctx.policy) {
    a.decision.status = 403;
    a.decision.reason = "no access context";
    return a;
  }
  store::SecurityRows rows = ctx.policy->derive(type, resource);
  a.label = rows.label ? *rows.label : store::ResourceLabel{};
  // Facts already stored for the patient, plus the new resource's own
  // authorship (which cannot grant access: it only lifts masks).
  std::vector<store::AccessFact> facts;
  if (!ctx.access->system) {
    if (!a.label.patient.empty()) {
      auto f = reader.access_facts(a.label.patient, "", "");
      if (!f) return std::move(f).error();
      facts = std::move(*f);
    }
    for (auto& f : rows.facts)
      if (f.kind == "author") facts.push_back(f);
  }
  if (new_record && type == "Patient" && !ctx.access->system) {
    // A new patient record: nothing to protect yet; the rule alone decides
    // (and the Patient's generalPractitioner becomes the first to reach it).
    AccessContext as_registrar = *ctx.access;
    auto cat = ctx.policy->category(a.label.category);
    int line = 0;
    bool in_scope = as_registrar.scopes.allows_any(type, i);
    bool person = as_registrar.role_class == RoleClass::Health ||
                  as_registrar.role_class == RoleClass::Social || as_registrar.role_class == RoleClass::Staff;
    if (in_scope && person && cat && ctx.policy->allowed(as_registrar.role, *cat, i, &line)) {
      a.decision.allowed = true;
      a.decision.status = 200;
    } else {
      a.decision.status = 403;
      a.decision.reason = "may not register patients";
    }
    return a;
  }
  a.decision = ctx.policy->decide(*ctx.access, i, type, id, a.label, facts);
  return a;
}

Result<store::RowFilter> row_filter(const RequestContext& ctx, store::Reader& reader, Interaction i) {
  if (ctx.access && ctx.access->system && ctx.access->scopes.allows_any("*", i)) return store::RowFilter();
  if (!ctx.access || !ctx.policy) {
    return store::RowFilter([](const store::SqlColumns&, int) { return store::SqlFragment{"0", {}}; });
  }
  std::shared_ptr<const store::PatientReach> reach;
  if (ctx.reaches) {
    auto r = ctx.reaches->get(*ctx.access, reader);
    if (!r) return std::move(r).error();
    reach = std::move(*r);
  }
  auto access = ctx.access;
  auto policy = ctx.policy;
  // The filter keeps the reach alive (its handle is bound into the SQL).
  return store::RowFilter([access, policy, reach, i](const store::SqlColumns& cols, int first) {
    return policy->sql(*access, i, cols, first, reach.get());
  });
}

bool scope_permits(const RequestContext& ctx, Interaction i, std::string_view type) {
  if (!ctx.access) return false;
  const Scopes& s = ctx.access->scopes;
  if (type.empty()) return !s.types_any(i).empty() || !s.types_in_patient(i).empty();
  return s.allows_any(type, i) || s.allows_in_patient(type, i);
}

store::AuditRecord audit_record(const RequestContext& ctx, std::string_view category, std::string_view action,
                                std::string_view subtype) {
  store::AuditRecord r;
  r.recorded = Clock::now();
  r.category = category;
  r.action = action;
  r.subtype = subtype;
  r.outcome = "0";
  r.agent = ctx.caller.subject;
  r.agent_kind = ctx.caller.account_kind.empty() ? "system" : ctx.caller.account_kind;
  r.agent_role = ctx.caller.role;
  r.agent_display = ctx.caller.display;
  r.on_behalf_of = ctx.caller.on_behalf_of;
  r.purpose = ctx.purpose.empty() ? "TREAT" : ctx.purpose;
  r.request_id = ctx.request_id;
  r.remote = ctx.remote;
  return r;
}

bool audit_access(const RequestContext& ctx, std::string_view subtype, std::string_view action,
                  const std::string& patient, const std::string& entities, const Decision& decision) {
  if (!ctx.audit) return true;  // tools without HTTP (import) audit themselves
  auto r = audit_record(ctx, "rest", action, decision.allowed ? subtype : std::string_view("access-denied"));
  r.patient = patient;
  r.entities = entities;
  if (!decision.allowed) {
    r.outcome = "4";
    r.reason = std::string(subtype) + " refused: " + decision.reason;
  }
  if (decision.via_break_glass) r.purpose = "ETREAT";
  return ctx.audit->record(std::move(r));
}

Status audit_write(const RequestContext& ctx, store::Writer& w, std::string_view subtype,
                   std::string_view action, const std::string& patient, const std::string& entities,
                   bool via_break_glass) {
  auto r = audit_record(ctx, "rest", action, subtype);
  r.patient = patient;
  r.entities = entities;
  if (via_break_glass) r.purpose = "ETREAT";
  return w.append_audit(r);
}

Error refusal(const Decision& d, const std::string& not_found_message) {
  if (d.status == 404) return not_found(not_found_message);
  return Error(403, "forbidden",
               "Access denied: your role or your token does not permit this interaction on this resource");
}

}  // namespace parcours::security
