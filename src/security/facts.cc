// What the store keeps with each version for the access policy (Policy::derive):
// the resource's label (patient compartment key, data category, disclosure
// deadline) and the access facts its content states — care-team membership
// (L.1110-12), the médecin traitant (L.162-5-3 CSS), open referrals, the
// patient's consents and objections (L.1110-4 III), authorship.
#include <algorithm>
#include <cctype>

#include "fhir/compartment.h"
#include "security/facts.h"
#include "security/policy.h"
#include "store/store.h"

namespace parcours::security {
namespace {

using store::AccessFact;
using store::kBeginningOfTime;
using store::kEndOfTime;

// Collects the nodes at a dotted element path (arrays flattened).
void collect(const Json& node, const std::vector<std::string>& path, std::size_t i,
             std::vector<const Json*>& out) {
  if (node.is_array()) {
    for (const Json& item : node.as_array()) collect(item, path, i, out);
    return;
  }
  if (i == path.size()) {
    out.push_back(&node);
    return;
  }
  if (!node.is_object()) return;
  if (const Json* next = node.find(path[i])) collect(*next, path, i + 1, out);
}

std::vector<const Json*> at_path(const Json& r, std::string_view dotted) {
  std::vector<std::string> path;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    auto dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    path.emplace_back(dotted.substr(start, dot - start));
    start = dot + 1;
  }
  std::vector<const Json*> out;
  collect(r, path, 0, out);
  return out;
}

struct Code {
  std::string_view system, code;
};

// Codings under a node: a CodeableConcept's codings, a Coding, or a code.
void codings(const Json& n, std::vector<Code>& out) {
  if (n.is_string()) {
    out.push_back({{}, n.as_string()});
    return;
  }
  if (!n.is_object()) return;
  if (const Json* cs = n.find("coding"); cs && cs->is_array()) {
    for (const Json& c : cs->as_array()) out.push_back({c.get_string("system"), c.get_string("code")});
  } else if (n.find("code")) {
    out.push_back({n.get_string("system"), n.get_string("code")});
  }
}

bool code_matches(const Policy::Matcher& m, const Code& c) {
  if (!m.system.empty() && c.system != m.system) return false;
  if (!m.range) return c.code == m.lo;
  std::string up(c.code);
  for (auto& ch : up) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return up.substr(0, m.lo.size()) >= m.lo && up.substr(0, m.hi.size()) <= m.hi;
}

Micros start_of(std::string_view text) {
  if (text.empty()) return kBeginningOfTime;
  auto t = store::parse_instant(text);
  return t ? *t : kBeginningOfTime;
}

// Period.end is inclusive at its precision: "2026-03-31" ends at the end of
// that day. Returns the exclusive bound.
Micros end_of(std::string_view text) {
  if (text.empty()) return kEndOfTime;
  auto t = store::parse_instant(text);
  if (!t) return kEndOfTime;
  int y = std::atoi(std::string(text.substr(0, 4)).c_str());
  char buf[32];
  if (text.size() == 4) {
    std::snprintf(buf, sizeof buf, "%04d", y + 1);
    return store::parse_instant(buf).value_or(kEndOfTime);
  }
  if (text.size() == 7) {
    int m = std::atoi(std::string(text.substr(5, 2)).c_str());
    if (m == 12) {
      ++y;
      m = 0;
    }
    std::snprintf(buf, sizeof buf, "%04d-%02d", y, m + 1);
    return store::parse_instant(buf).value_or(kEndOfTime);
  }
  if (text.size() == 10) return *t + 24LL * 3600 * 1'000'000;
  return *t + 1;
}

struct Span {
  Micros start = kBeginningOfTime, end = kEndOfTime;
};

Span period_of(const Json* period, Span outer = {}) {
  if (!period || !period->is_object()) return outer;
  Span s{start_of(period->get_string("start")), end_of(period->get_string("end"))};
  return {std::max(s.start, outer.start), std::min(s.end, outer.end)};
}

std::string ref_of(const Json* node) {
  if (!node || !node->is_object()) return {};
  return principal_of(node->get_string("reference"));
}

std::string patient_id(const Json* ref) {
  std::string p = ref_of(ref);
  return p.starts_with("Patient/") ? p.substr(8) : std::string();
}

void add(std::vector<AccessFact>& out, std::string kind, const std::string& patient, std::string principal,
         std::string target, Span span) {
  if (patient.empty() || span.start >= span.end) return;
  AccessFact f;
  f.kind = std::move(kind);
  f.patient = patient;
  f.principal = std::move(principal);
  f.target = std::move(target);
  f.start = span.start;
  f.end = span.end;
  out.push_back(std::move(f));
}

bool has_code(const Json* concepts, std::initializer_list<std::string_view> codes) {
  if (!concepts) return false;
  std::vector<Code> cs;
  if (concepts->is_array())
    for (const Json& c : concepts->as_array()) codings(c, cs);
  else
    codings(*concepts, cs);
  return std::any_of(cs.begin(), cs.end(), [&](const Code& c) {
    return std::find(codes.begin(), codes.end(), c.code) != codes.end();
  });
}

// Consent.provision, recursively (R4 §2.38 Consent): see docs/security.md.
void consent_provision(const Json& node, const std::string& patient, Span outer,
                       std::vector<AccessFact>& out) {
  if (!node.is_object()) return;
  Span span = period_of(node.find("period"), outer);
  std::string_view type = node.get_string("type");
  std::vector<std::string> actors, data, categories;
  for (const Json* a : at_path(node, "actor.reference"))
    if (auto p = ref_of(a); !p.empty()) actors.push_back(p);
  for (const Json* d : at_path(node, "data.reference"))
    if (auto p = ref_of(d); !p.empty()) data.push_back(p);
  for (const Json* c : at_path(node, "code")) {
    std::vector<Code> cs;
    codings(*c, cs);
    for (const auto& code : cs)
      if (code.system == kCategorySystem) categories.emplace_back(code.code);
  }
  bool emergency = has_code(node.find("purpose"), {"ETREAT", "BTG"});
  if (type == "deny") {
    if (emergency) {
      add(out, "deny-break-glass", patient, "", "", span);
    } else if (!data.empty()) {
      for (auto& d : data) add(out, "mask-resource", patient, "", d, span);
    } else if (!categories.empty()) {
      for (auto& c : categories) add(out, "mask-category", patient, "", c, span);
    } else if (!actors.empty()) {
      for (auto& a : actors) add(out, "deny-actor", patient, a, "", span);
    } else {
      add(out, "gp-only", patient, "", "", span);
    }
  } else if (type == "permit") {
    if (data.empty() && categories.empty() && !emergency)
      for (auto& a : actors) add(out, "permit", patient, a, "", span);
  }
  if (const Json* nested = node.find("provision"); nested && nested->is_array())
    for (const Json& n : nested->as_array()) consent_provision(n, patient, span, out);
}

}  // namespace

std::string principal_of(std::string_view ref) {
  if (ref.empty() || ref.front() == '#' || ref.find('?') != std::string_view::npos) return {};
  if (auto h = ref.find("/_history/"); h != std::string_view::npos) ref = ref.substr(0, h);
  auto last = ref.rfind('/');
  if (last == std::string_view::npos || last == 0) return {};
  auto prev = ref.rfind('/', last - 1);
  std::string_view type = ref.substr(prev == std::string_view::npos ? 0 : prev + 1,
                                     last - (prev == std::string_view::npos ? 0 : prev + 1));
  std::string_view id = ref.substr(last + 1);
  if (type.empty() || id.empty() || !std::isupper(static_cast<unsigned char>(type.front()))) return {};
  return std::string(type) + "/" + std::string(id);
}

std::string Policy::category_of(std::string_view type, const Json& r) const {
  for (const auto& m : matchers_) {
    if (m.type != "*" && m.type != type) continue;
    if (m.path.empty()) return categories_[static_cast<std::size_t>(m.category)].name;
    std::vector<Code> cs;
    for (const Json* n : at_path(r, m.path)) codings(*n, cs);
    for (const auto& c : cs)
      if (code_matches(m, c)) return categories_[static_cast<std::size_t>(m.category)].name;
  }
  return categories_[static_cast<std::size_t>(default_category_)].name;
}

store::SecurityRows Policy::derive(std::string_view type, const Json& r) const {
  return derive(type, r, fhir::patient_compartments(type, r));
}

store::SecurityRows Policy::derive(std::string_view type, const Json& r,
                                   const std::vector<std::string>& patients) const {
  store::SecurityRows rows;
  store::ResourceLabel label;
  for (const auto& p : patients)
    if (!p.empty()) {
      label.patient = p;
      break;
    }
  label.category = category_of(type, r);
  // A document the author holds back until it has been explained to the
  // patient (e.g. an announcement consultation): tagged, with a deadline.
  for (const Json* t : at_path(r, "meta.tag")) {
    if (t->get_string("system") == kDisclosureSystem && t->get_string("code") == "awaiting-disclosure") {
      label.disclose_after = kEndOfTime;
      if (const Json* ext = r.find("extension"); ext && ext->is_array())
        for (const Json& e : ext->as_array())
          if (e.get_string("url") == kDisclosureDeadline) {
            auto t2 = store::parse_instant(e.get_string("valueDateTime"));
            if (t2) label.disclose_after = *t2;
          }
    }
  }
  std::vector<AccessFact>& f = rows.facts;
  if (type == "Patient") {
    std::string id(r.get_string("id"));
    for (const Json* gp : at_path(r, "generalPractitioner"))
      if (auto p = ref_of(gp); !p.empty()) add(f, "gp", id, p, "", {});
  } else if (type == "CareTeam") {
    std::string_view status = r.get_string("status");
    std::string patient = patient_id(r.find("subject"));
    if (status.empty() || status == "active") {
      Span team = period_of(r.find("period"));
      if (const Json* parts = r.find("participant"); parts && parts->is_array())
        for (const Json& p : parts->as_array())
          if (auto who = ref_of(p.find("member")); !who.empty())
            add(f, "team", patient, who, "", period_of(p.find("period"), team));
      for (const Json* org : at_path(r, "managingOrganization"))
        if (auto o = ref_of(org); !o.empty()) add(f, "team", patient, o, "", team);
    }
  } else if (type == "Task") {
    static const char* kOpen[] = {"requested", "received", "accepted", "ready", "in-progress", "on-hold"};
    std::string_view status = r.get_string("status");
    if (std::find(std::begin(kOpen), std::end(kOpen), status) != std::end(kOpen)) {
      std::string patient = patient_id(r.find("for"));
      Span span;
      if (const Json* restriction = r.find("restriction")) span = period_of(restriction->find("period"));
      if (auto owner = ref_of(r.find("owner")); !owner.empty()) add(f, "task", patient, owner, "", span);
    }
  } else if (type == "Consent") {
    bool privacy = !has_code(r.find("scope"), {"research", "adr"});
    if (r.get_string("status") == "active" && privacy) {
      std::string patient = patient_id(r.find("patient"));
      if (const Json* p = r.find("provision")) consent_provision(*p, patient, {}, f);
    }
  }
  for (const auto& a : authors_) {
    if (a.type != type) continue;
    for (const auto& path : a.paths)
      for (const Json* n : at_path(r, path)) {
        std::string who = ref_of(n);
        if (who.empty()) continue;
        AccessFact fact;
        fact.kind = "author";
        fact.patient = label.patient;
        fact.principal = std::move(who);
        f.push_back(std::move(fact));
      }
  }
  rows.label = std::move(label);
  return rows;
}

}  // namespace parcours::security
