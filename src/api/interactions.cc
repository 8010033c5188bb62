#include "api/interactions.h"

#include <charconv>

#include "coordination/workflow/rules.h"
#include "fhir/definitions.h"
#include "fhir/json_patch.h"
#include "fhir/primitives.h"
#include "fhir/validator.h"
#include "security/clock.h"
#include "security/guard.h"
#include "security/policy.h"

namespace parcours::api {

Status check_type(std::string_view type) {
  if (!fhir::is_resource_type(type))
    return Error(404, "not-supported", "Unknown resource type '" + std::string(type) + "'");
  return {};
}

Status check_id(std::string_view id, std::string_view where) {
  if (!fhir::is_valid_id(id))
    return bad_request("Invalid id '" + std::string(id) + "': expected 1 to 64 characters from [A-Za-z0-9-.]",
                       std::string(where));
  return {};
}

Status check_resource(const Json& resource, std::string_view expected_type) {
  if (!resource.is_object()) return bad_request("The body must be a JSON object holding a FHIR resource");
  const Json* rt = resource.find("resourceType");
  if (!rt || !rt->is_string()) return bad_request("Missing resourceType", "resourceType");
  if (!expected_type.empty() && rt->as_string() != expected_type)
    return bad_request("resourceType '" + rt->as_string() + "' does not match the URL type '" +
                           std::string(expected_type) + "'",
                       "resourceType");
  auto issues = fhir::validate_resource(resource);
  if (!issues.empty()) return Error(400, std::move(issues));
  return {};
}

Result<Json> parse_resource_body(std::string_view body, std::string_view expected_type,
                                 std::size_t max_depth) {
  if (body.empty()) return bad_request("The request body is empty; a FHIR resource in JSON is expected");
  auto json = parse_json(body, JsonParseOptions{max_depth});
  if (!json) return std::move(json).error();
  if (auto s = check_resource(*json, expected_type); !s) return std::move(s).error();
  return std::move(json).value();
}

Result<std::optional<std::int64_t>> parse_if_match(std::string_view h) {
  if (h.empty()) return std::optional<std::int64_t>{};
  std::string_view v = h;
  if (v.starts_with("W/")) v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::int64_t n = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size() || n < 1)
    return bad_request("Malformed If-Match header '" + std::string(h) + "': expected W/\"<versionId>\"");
  return std::optional<std::int64_t>{n};
}

namespace {

InteractionResult stored(store::WriteOutcome&& o, int status) {
  InteractionResult r;
  r.status = status;
  r.created = o.created;
  r.version = std::move(o.stored);
  return r;
}

std::string ref(std::string_view type, std::string_view id) {
  return std::string(type) + "/" + std::string(id);
}

using security::Interaction;

Error audit_unavailable() {
  return Error(503, "transient", "The audit trail cannot record this access right now; try again shortly");
}

// Medical secrecy on writes (L.1110-4): a refused write answers 403, whatever
// the reason, so it does not tell an absent patient from a forbidden one; the
// refusal is audited outside the (rolled back) unit.
Status refuse_write(const security::RequestContext& ctx, std::string_view subtype, std::string_view action,
                    const security::Access& a, const std::string& entity) {
  security::audit_access(ctx, subtype, action, a.label.patient, entity, a.decision);
  security::Decision d = a.decision;
  d.status = 403;
  return security::refusal(d, "");
}

// The policy's checks of a write of `resource` to type/id: the stored
// version (if any) must be writable by the caller, and so must the new one.
Result<security::Access> check_write(const security::RequestContext& ctx, store::Writer& w,
                                     std::string_view type, std::string_view id, const Json& resource,
                                     std::string_view subtype, std::string_view action) {
  auto cur = w.read(type, id);
  if (!cur) return std::move(cur).error();
  const bool existed = cur->has_value(), live = existed && !(*cur)->deleted;
  if (existed) {
    auto before = security::check_stored(ctx, w, Interaction::Update, type, id);
    if (!before) return std::move(before).error();
    if (!before->decision.allowed) return refuse_write(ctx, subtype, action, *before, ref(type, id)).error();
  }
  auto after = security::check_incoming(ctx, w, live ? Interaction::Update : Interaction::Create, type, id,
                                        resource, !existed);
  if (!after) return std::move(after).error();
  if (!after->decision.allowed) return refuse_write(ctx, subtype, action, *after, ref(type, id)).error();
  return after;
}

std::string version_ref(const store::ResourceVersion& v) {
  return v.type + "/" + v.id + "/_history/" + std::to_string(v.version);
}

// The coordination workflow's rules on this write (coordination/workflow/
// rules.h): they may refuse it, complete `resource`, or ask for effects.
Result<std::vector<coordination::Effect>> workflow_rules(const security::RequestContext& ctx,
                                                         store::Writer& w, std::string_view type,
                                                         std::string_view id, Json& resource) {
  if (!coordination::has_write_rules(type)) return std::vector<coordination::Effect>{};
  auto cur = w.read(type, id);
  if (!cur) return std::move(cur).error();
  std::optional<Json> previous;
  if (*cur && !(*cur)->deleted) {
    auto doc = parse_json((*cur)->body);
    if (!doc) return internal_error("Stored resource " + ref(type, id) + " is unreadable");
    previous = std::move(*doc);
  }
  // The request's time, as the access policy saw it.
  store::Micros now = ctx.access && ctx.access->now ? ctx.access->now : security::Clock::now();
  coordination::WriteEvent event{ctx, w, type, id, previous ? &*previous : nullptr, resource, now};
  return coordination::apply_write_rules(event);
}

}  // namespace

// Effects are written like the caller's own writes: the same policy checks
// and audit, in the same unit, so the rules never widen what a caller can do.
Status write_effects(const security::RequestContext& ctx, store::Writer& w,
                     std::vector<coordination::Effect>& effects) {
  for (auto& fx : effects) {
    if (auto s = check_resource(fx.resource, fx.type); !s) {
      Error e = std::move(s).error();
      return internal_error("The workflow produced an invalid " + fx.type + ": " + e.message());
    }
    auto access = check_write(ctx, w, fx.type, fx.id, fx.resource, "update", "U");
    if (!access) return std::move(access).error();
    store::PutOptions opt;
    opt.method = "PUT";
    auto out = w.put(fx.type, fx.id, std::move(fx.resource), opt);
    if (!out) return std::move(out).error();
    if (!out->changed) continue;
    if (auto s = security::audit_write(ctx, w, out->created ? "create" : "update", out->created ? "C" : "U",
                                       access->label.patient, version_ref(out->stored),
                                       access->decision.via_break_glass);
        !s)
      return s;
  }
  return Status::Ok();
}

Result<InteractionResult> create(const security::RequestContext& ctx, store::Writer& w, std::string_view type,
                                 std::string_view new_id, Json resource) {
  // The server assigns the id; any id in the body is ignored (R4 §3.1.0.7.1).
  resource.set("id", Json(new_id));
  auto access = check_write(ctx, w, type, new_id, resource, "create", "C");
  if (!access) return std::move(access).error();
  auto effects = workflow_rules(ctx, w, type, new_id, resource);
  if (!effects) return std::move(effects).error();
  store::PutOptions opt;
  opt.method = "POST";
  opt.must_not_exist = true;
  auto out = w.put(type, new_id, std::move(resource), opt);
  if (!out) return std::move(out).error();
  // The audit record is part of the same unit: both commit or neither does.
  if (auto s = security::audit_write(ctx, w, "create", "C", access->label.patient, version_ref(out->stored),
                                     access->decision.via_break_glass);
      !s)
    return std::move(s).error();
  if (auto s = write_effects(ctx, w, *effects); !s) return std::move(s).error();
  return stored(std::move(*out), 201);
}

Result<InteractionResult> update(const security::RequestContext& ctx, store::Writer& w, std::string_view type,
                                 std::string_view id, Json resource, std::optional<std::int64_t> if_match) {
  // R4 §3.1.0.4: the body SHALL carry an id equal to the URL's id.
  std::string_view body_id = resource.get_string("id");
  if (body_id.empty()) return bad_request("The resource must have an id for an update", "id");
  if (body_id != id)
    return bad_request(
        "Resource id '" + std::string(body_id) + "' does not match the URL id '" + std::string(id) + "'",
        "id");
  auto access = check_write(ctx, w, type, id, resource, "update", "U");
  if (!access) return std::move(access).error();
  auto effects = workflow_rules(ctx, w, type, id, resource);
  if (!effects) return std::move(effects).error();
  store::PutOptions opt;
  opt.method = "PUT";
  opt.if_match = if_match;
  auto out = w.put(type, id, std::move(resource), opt);
  if (!out) return std::move(out).error();
  if (out->changed) {
    if (auto s = security::audit_write(ctx, w, out->created ? "create" : "update", out->created ? "C" : "U",
                                       access->label.patient, version_ref(out->stored),
                                       access->decision.via_break_glass);
        !s)
      return std::move(s).error();
  }
  if (auto s = write_effects(ctx, w, *effects); !s) return std::move(s).error();
  // Update-as-create answers 201 (R4 §3.1.0.4.1).
  return stored(std::move(*out), out->created ? 201 : 200);
}

Result<InteractionResult> patch(const security::RequestContext& ctx, store::Writer& w, std::string_view type,
                                std::string_view id, const Json& json_patch,
                                std::optional<std::int64_t> if_match) {
  auto current = w.read(type, id);
  if (!current) return std::move(current).error();
  if (!*current) return not_found("Resource " + ref(type, id) + " does not exist");
  {
    // Before anything about the content shows (a failing "test" op would).
    auto access = security::check_stored(ctx, w, Interaction::Update, type, id);
    if (!access) return std::move(access).error();
    if (!access->decision.allowed) return refuse_write(ctx, "patch", "U", *access, ref(type, id)).error();
  }
  if ((*current)->deleted) return gone("Resource " + ref(type, id) + " was deleted");
  if (if_match && *if_match != (*current)->version)
    return precondition_failed("Version conflict on " + ref(type, id) + ": If-Match expects version " +
                               std::to_string(*if_match) + " but the current version is " +
                               std::to_string((*current)->version));
  auto doc = parse_json((*current)->body);
  if (!doc) return internal_error("Stored resource " + ref(type, id) + " is unreadable");
  auto patched = fhir::apply_json_patch(*doc, json_patch);
  if (!patched) return std::move(patched).error();
  if (patched->get_string("resourceType") != type || patched->get_string("id") != id)
    return unprocessable("A patch may not change resourceType or id");
  // Server-managed fields are not the patch's to set.
  if (Json* meta = patched->find("meta")) {
    meta->erase("versionId");
    meta->erase("lastUpdated");
    if (meta->size() == 0) patched->erase("meta");
  }
  if (auto s = check_resource(*patched, type); !s) {
    Error e = std::move(s).error();
    e = Error(422, std::move(e.issues()));  // the patch was well-formed; its result is not
    return e;
  }
  return update(ctx, w, type, id, std::move(*patched), (*current)->version);
}

Result<InteractionResult> remove(const security::RequestContext& ctx, store::Writer& w, std::string_view type,
                                 std::string_view id, std::optional<std::int64_t> if_match) {
  std::string patient;
  bool via_break_glass = false;
  if (auto cur = w.read(type, id); cur && *cur && !(*cur)->deleted) {
    auto access = security::check_stored(ctx, w, Interaction::Delete, type, id);
    if (!access) return std::move(access).error();
    if (!access->decision.allowed) return refuse_write(ctx, "delete", "D", *access, ref(type, id)).error();
    patient = access->label.patient;
    via_break_glass = access->decision.via_break_glass;
  } else if (!cur) {
    return std::move(cur).error();
  }
  auto out = w.remove(type, id, if_match);
  if (!out) return std::move(out).error();
  if (*out) {
    if (auto s = security::audit_write(ctx, w, "delete", "D", patient, version_ref(**out), via_break_glass);
        !s)
      return std::move(s).error();
  }
  InteractionResult r;
  r.status = 200;
  if (*out) r.version = std::move(**out);  // no version: nothing was there to delete
  return r;
}

Result<InteractionResult> read(const security::RequestContext& ctx, store::Reader& r, std::string_view type,
                               std::string_view id) {
  auto cur = r.read(type, id);
  if (!cur) return std::move(cur).error();
  const std::string missing = "Resource " + ref(type, id) + " is not known";
  if (!*cur) return not_found(missing);
  // A forbidden resource answers exactly as an absent one (docs/security.md).
  auto access = security::check_stored(ctx, r, Interaction::Read, type, id);
  if (!access) return std::move(access).error();
  if (!security::audit_access(ctx, "read", "R", access->label.patient, version_ref(**cur), access->decision))
    return audit_unavailable();
  if (!access->decision.allowed) return security::refusal(access->decision, missing);
  if ((*cur)->deleted) {
    // 410 carries the tombstone's version in ETag (R4 §3.1.0.2).
    Error e =
        gone("Resource " + ref(type, id) + " was deleted (version " + std::to_string((*cur)->version) + ")");
    return e;
  }
  InteractionResult out;
  out.version = std::move(**cur);
  return out;
}

Result<InteractionResult> vread(const security::RequestContext& ctx, store::Reader& r, std::string_view type,
                                std::string_view id, std::string_view version_id) {
  std::int64_t v = 0;
  auto p = std::from_chars(version_id.data(), version_id.data() + version_id.size(), v);
  if (p.ec != std::errc() || p.ptr != version_id.data() + version_id.size() || v < 1)
    return not_found("Version '" + std::string(version_id) + "' of " + ref(type, id) + " is not known");
  auto ver = r.vread(type, id, v);
  if (!ver) return std::move(ver).error();
  const std::string missing = "Version " + std::string(version_id) + " of " + ref(type, id) + " is not known";
  if (!*ver) return not_found(missing);
  auto access = security::check_stored(ctx, r, Interaction::Read, type, id);
  if (!access) return std::move(access).error();
  if (!security::audit_access(ctx, "vread", "R", access->label.patient, version_ref(**ver), access->decision))
    return audit_unavailable();
  if (!access->decision.allowed) return security::refusal(access->decision, missing);
  if ((*ver)->deleted)
    return gone("Version " + std::string(version_id) + " of " + ref(type, id) + " is a deletion");
  InteractionResult out;
  out.version = std::move(**ver);
  return out;
}

}  // namespace parcours::api
