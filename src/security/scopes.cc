#include "security/scopes.h"

#include <algorithm>

#include "fhir/definitions.h"

namespace parcours::security {

std::string_view interaction_name(Interaction i) {
  switch (i) {
    case Interaction::Read:
      return "read";
    case Interaction::Search:
      return "search";
    case Interaction::Create:
      return "create";
    case Interaction::Update:
      return "update";
    case Interaction::Delete:
      return "delete";
  }
  return "read";
}

char interaction_letter(Interaction i) {
  switch (i) {
    case Interaction::Read:
      return 'r';
    case Interaction::Search:
      return 's';
    case Interaction::Create:
      return 'c';
    case Interaction::Update:
      return 'u';
    case Interaction::Delete:
      return 'd';
  }
  return 'r';
}

std::string ResourceScope::str() const {
  std::string p;
  if (c) p += 'c';
  if (r) p += 'r';
  if (u) p += 'u';
  if (d) p += 'd';
  if (s) p += 's';
  const char* ctx = context == Context::Patient ? "patient/" : context == Context::User ? "user/" : "system/";
  return ctx + type + "." + p;
}

bool ResourceScope::allows(std::string_view t, Interaction i) const {
  if (type != "*" && type != t) return false;
  switch (i) {
    case Interaction::Read:
      return r;
    case Interaction::Search:
      return s;
    case Interaction::Create:
      return c;
    case Interaction::Update:
      return u;
    case Interaction::Delete:
      return d;
  }
  return false;
}

namespace {

const char* kFlags[] = {"openid",         "fhirUser",       "profile",      "launch",
                        "launch/patient", "offline_access", "online_access"};

bool parse_resource_scope(std::string_view s, ResourceScope& out) {
  auto slash = s.find('/');
  auto dot = s.find('.', slash == std::string_view::npos ? 0 : slash);
  if (slash == std::string_view::npos || dot == std::string_view::npos) return false;
  std::string_view ctx = s.substr(0, slash), type = s.substr(slash + 1, dot - slash - 1),
                   perms = s.substr(dot + 1);
  if (ctx == "patient")
    out.context = ResourceScope::Context::Patient;
  else if (ctx == "user")
    out.context = ResourceScope::Context::User;
  else if (ctx == "system")
    out.context = ResourceScope::Context::System;
  else
    return false;
  if (type != "*" && !fhir::is_resource_type(type)) return false;
  out.type = type;
  if (perms.find('?') != std::string_view::npos) return false;  // granular scopes: not supported, dropped
  // SMART v1.
  if (perms == "read") {
    out.r = out.s = true;
    return true;
  }
  if (perms == "write") {
    out.c = out.u = out.d = true;
    return true;
  }
  if (perms == "*") {
    out.c = out.r = out.u = out.d = out.s = true;
    return true;
  }
  // SMART v2: a non-empty subsequence of "cruds", in that order.
  static constexpr std::string_view kOrder = "cruds";
  std::size_t at = 0;
  if (perms.empty()) return false;
  for (char ch : perms) {
    auto pos = kOrder.find(ch, at);
    if (pos == std::string_view::npos) return false;
    at = pos + 1;
    (ch == 'c' ? out.c : ch == 'r' ? out.r : ch == 'u' ? out.u : ch == 'd' ? out.d : out.s) = true;
  }
  return true;
}

}  // namespace

Scopes Scopes::parse(std::string_view text) {
  Scopes out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view tok = text.substr(start, end - start);
    start = end + 1;
    if (tok.empty()) continue;
    if (std::find(std::begin(kFlags), std::end(kFlags), tok) != std::end(kFlags)) {
      if (std::find(out.flags_.begin(), out.flags_.end(), tok) == out.flags_.end())
        out.flags_.emplace_back(tok);
      continue;
    }
    ResourceScope r{};
    if (parse_resource_scope(tok, r)) out.resources_.push_back(std::move(r));
  }
  return out;
}

Scopes Scopes::all_system() {
  Scopes s;
  ResourceScope r{ResourceScope::Context::System, "*", true, true, true, true, true};
  s.resources_.push_back(r);
  return s;
}

Scopes Scopes::intersect(const Scopes& requested, const Scopes& allowed) {
  Scopes out;
  for (const auto& f : requested.flags_)
    if (allowed.has(f)) out.flags_.push_back(f);
  // Each pair of the same context gives the narrower type and the common letters.
  for (const auto& r : requested.resources_) {
    for (const auto& a : allowed.resources_) {
      if (a.context != r.context) continue;
      ResourceScope kept = r;
      if (r.type == "*")
        kept.type = a.type;
      else if (a.type != "*" && a.type != r.type)
        continue;
      kept.c = r.c && a.c;
      kept.r = r.r && a.r;
      kept.u = r.u && a.u;
      kept.d = r.d && a.d;
      kept.s = r.s && a.s;
      if (!(kept.c || kept.r || kept.u || kept.d || kept.s)) continue;
      if (std::none_of(out.resources_.begin(), out.resources_.end(), [&](const ResourceScope& x) {
            return x.context == kept.context && x.type == kept.type && x.c == kept.c && x.r == kept.r &&
                   x.u == kept.u && x.d == kept.d && x.s == kept.s;
          }))
        out.resources_.push_back(std::move(kept));
    }
  }
  return out;
}

std::string Scopes::str() const {
  std::string out;
  for (const auto& f : flags_) out += (out.empty() ? "" : " ") + f;
  for (const auto& r : resources_) out += (out.empty() ? "" : " ") + r.str();
  return out;
}

bool Scopes::has(std::string_view flag) const {
  return std::find(flags_.begin(), flags_.end(), flag) != flags_.end();
}

bool Scopes::allows_any(std::string_view type, Interaction i) const {
  for (const auto& r : resources_)
    if (r.context != ResourceScope::Context::Patient && r.allows(type, i)) return true;
  return false;
}

bool Scopes::allows_in_patient(std::string_view type, Interaction i) const {
  for (const auto& r : resources_)
    if (r.context == ResourceScope::Context::Patient && r.allows(type, i)) return true;
  return false;
}

namespace {

std::vector<std::string> types_where(const std::vector<ResourceScope>& rs, Interaction i, bool patient) {
  std::vector<std::string> out;
  for (const auto& r : rs) {
    if ((r.context == ResourceScope::Context::Patient) != patient) continue;
    if (!r.allows(r.type, i)) continue;
    if (r.type == "*") return {"*"};
    if (std::find(out.begin(), out.end(), r.type) == out.end()) out.push_back(r.type);
  }
  return out;
}

}  // namespace

std::vector<std::string> Scopes::types_any(Interaction i) const { return types_where(resources_, i, false); }
std::vector<std::string> Scopes::types_in_patient(Interaction i) const {
  return types_where(resources_, i, true);
}

}  // namespace parcours::security
