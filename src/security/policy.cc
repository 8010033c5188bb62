#include "security/policy.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "security/crypto.h"

namespace parcours::security {

std::string_view role_class_name(RoleClass c) {
  switch (c) {
    case RoleClass::Health:
      return "health";
    case RoleClass::Social:
      return "social";
    case RoleClass::Staff:
      return "staff";
    case RoleClass::Patient:
      return "patient";
    case RoleClass::Carer:
      return "carer";
    case RoleClass::Analyst:
      return "analyst";
    case RoleClass::Admin:
      return "admin";
  }
  return "analyst";
}

namespace {

std::optional<RoleClass> parse_class(std::string_view s) {
  for (RoleClass c : {RoleClass::Health, RoleClass::Social, RoleClass::Staff, RoleClass::Patient,
                      RoleClass::Carer, RoleClass::Analyst, RoleClass::Admin})
    if (role_class_name(c) == s) return c;
  return std::nullopt;
}

std::optional<Interaction> parse_interaction(std::string_view s) {
  for (Interaction i : kInteractions)
    if (interaction_name(i) == s) return i;
  return std::nullopt;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    auto end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    if (end > start) out.emplace_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  std::istringstream in{std::string(s)};
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

// --- the file ---------------------------------------------------------------------

Status Policy::add_line(std::string_view raw, int number) {
  std::string_view line = raw;
  std::string basis;
  if (auto dd = line.find(" --"); dd != std::string_view::npos) {
    basis = std::string(line.substr(dd + 3));
    line = line.substr(0, dd);
    while (!basis.empty() && basis.front() == ' ') basis.erase(basis.begin());
  }
  auto w = words(line);
  if (w.empty() || w[0][0] == '#') return Status::Ok();
  auto fail = [&](const std::string& why) {
    return bad_request(source_ + ":" + std::to_string(number) + ": " + why);
  };
  const std::string& kw = w[0];
  if (kw == "category") {
    if (w.size() != 3 || (w[2] != "patient" && w[2] != "shared"))
      return fail("expected 'category NAME patient|shared'");
    if (category(w[1])) return fail("category '" + w[1] + "' declared twice");
    categories_.push_back({w[1], w[2] == "patient", basis});
  } else if (kw == "role") {
    if (w.size() != 3) return fail("expected 'role NAME CLASS'");
    auto c = parse_class(w[2]);
    if (!c)
      return fail("unknown role class '" + w[2] + "' (health social staff patient carer analyst admin)");
    if (role(w[1])) return fail("role '" + w[1] + "' declared twice");
    roles_.push_back({w[1], *c, basis});
  } else if (kw == "profession") {
    if (w.size() != 3) return fail("expected 'profession CODE ROLE'");
    if (!role(w[2])) return fail("unknown role '" + w[2] + "'");
    professions_.emplace_back(w[1], w[2]);
  } else if (kw == "allow" || kw == "deny") {
    if (w.size() != 4) return fail("expected '" + kw + " SUBJECTS CATEGORIES INTERACTIONS'");
    Rule r;
    r.allow = kw == "allow";
    r.subjects = split(w[1], ',');
    r.categories = split(w[2], ',');
    r.basis = basis;
    r.line = number;
    for (const auto& s : r.subjects) {
      if (s == "*") continue;
      if (s[0] == '@') {
        if (!parse_class(s.substr(1))) return fail("unknown role class '" + s + "'");
      } else if (!role(s)) {
        return fail("unknown role '" + s + "'");
      }
    }
    for (const auto& c : r.categories)
      if (c != "*" && !category(c)) return fail("unknown category '" + c + "'");
    if (w[3] == "*") {
      r.interactions.assign(std::begin(kInteractions), std::end(kInteractions));
    } else {
      for (const auto& i : split(w[3], ',')) {
        auto in = parse_interaction(i);
        if (!in) return fail("unknown interaction '" + i + "' (read search create update delete)");
        r.interactions.push_back(*in);
      }
    }
    if (r.basis.empty()) return fail("every rule cites its legal basis after '--'");
    rules_.push_back(std::move(r));
  } else if (kw == "break-glass") {
    if (w.size() != 2) return fail("expected 'break-glass SUBJECTS'");
    for (const auto& s : split(w[1], ',')) break_glass_subjects_.push_back(s);
  } else if (kw == "map") {
    if (w.size() != 4) return fail("expected 'map TYPE MATCHER CATEGORY'");
    auto cat = category(w[3]);
    if (!cat) return fail("unknown category '" + w[3] + "'");
    Matcher m;
    m.type = w[1];
    m.category = *cat;
    m.line = number;
    const std::string& spec = w[2];
    if (spec != "*") {
      auto op = spec.find_first_of("=~");
      if (op == std::string::npos || op == 0)
        return fail("matcher: expected PATH=CODE, PATH=SYSTEM|CODE or PATH~LO-HI");
      m.path = spec.substr(0, op);
      std::string value = spec.substr(op + 1);
      if (spec[op] == '~') {
        m.range = true;
        auto dash = value.find('-');
        m.lo = value.substr(0, dash);
        m.hi = dash == std::string::npos ? m.lo : value.substr(dash + 1);
        if (m.lo.empty() || m.hi.empty() || m.lo > m.hi)
          return fail("matcher: bad code range '" + value + "'");
      } else {
        auto bar = value.rfind('|');
        if (bar != std::string::npos) {
          m.system = value.substr(0, bar);
          value = value.substr(bar + 1);
        }
        m.lo = m.hi = value;
        if (value.empty()) return fail("matcher: empty code");
      }
    }
    matchers_.push_back(std::move(m));
  } else if (kw == "author") {
    if (w.size() != 3) return fail("expected 'author TYPE PATH[,PATH...]'");
    authors_.push_back({w[1], split(w[2], ',')});
  } else {
    return fail("unknown statement '" + kw + "'");
  }
  return Status::Ok();
}

Status Policy::compile() {
  if (categories_.empty() || roles_.empty())
    return bad_request(source_ + ": no category or no role declared");
  for (const auto& m : matchers_)
    if (m.type == "*" && m.path.empty()) {
      default_category_ = m.category;
      break;
    }
  if (default_category_ < 0) return bad_request(source_ + ": needs a catch-all line 'map * * CATEGORY'");
  for (const auto& s : break_glass_subjects_)
    if (s != "*" && !(s[0] == '@' && parse_class(s.substr(1))) && !role(s))
      return bad_request(source_ + ": break-glass names unknown role '" + s + "'");
  const std::size_t nr = roles_.size(), nc = categories_.size(), ni = std::size(kInteractions);
  table_.assign(nr * nc * ni, 0);
  for (std::size_t r = 0; r < nr; ++r)
    for (std::size_t c = 0; c < nc; ++c)
      for (std::size_t i = 0; i < ni; ++i) {
        for (const auto& rule : rules_) {
          bool subj = std::any_of(rule.subjects.begin(), rule.subjects.end(), [&](const std::string& s) {
            return subject_matches(s, static_cast<int>(r));
          });
          bool cat = contains(rule.categories, "*") || contains(rule.categories, categories_[c].name);
          bool inter = std::find(rule.interactions.begin(), rule.interactions.end(), kInteractions[i]) !=
                       rule.interactions.end();
          if (subj && cat && inter) {
            table_[(r * nc + c) * ni + i] = rule.allow ? rule.line : -rule.line;
            break;
          }
        }
      }
  return Status::Ok();
}

bool Policy::subject_matches(const std::string& s, int role) const {
  if (s == "*") return true;
  const RoleDef& def = roles_[static_cast<std::size_t>(role)];
  if (s[0] == '@') return role_class_name(def.role_class) == std::string_view(s).substr(1);
  return s == def.name;
}

Result<std::shared_ptr<const Policy>> Policy::parse(std::string_view text, std::string_view origin) {
  std::shared_ptr<Policy> p(new Policy());
  p->source_ = origin;
  int number = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    if (auto s = p->add_line(text.substr(start, end - start), number); !s) return std::move(s).error();
    start = end + 1;
  }
  if (auto s = p->compile(); !s) return std::move(s).error();
  return std::shared_ptr<const Policy>(std::move(p));
}

Result<std::shared_ptr<const Policy>> Policy::load_configured() {
  const char* path = std::getenv("PARCOURS_POLICY");
  if (!path || !*path) return parse(default_text(), "config/policy.conf (built in)");
  std::ifstream in(path);
  if (!in) return bad_request(std::string("cannot read the policy file ") + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

std::optional<int> Policy::role(std::string_view name) const {
  for (std::size_t i = 0; i < roles_.size(); ++i)
    if (roles_[i].name == name) return static_cast<int>(i);
  return std::nullopt;
}

std::optional<int> Policy::category(std::string_view name) const {
  for (std::size_t i = 0; i < categories_.size(); ++i)
    if (categories_[i].name == name) return static_cast<int>(i);
  return std::nullopt;
}

std::optional<int> Policy::role_for_profession(std::string_view code) const {
  for (const auto& [c, r] : professions_)
    if (c == code) return role(r);
  return std::nullopt;
}

bool Policy::allowed(int role, int category, Interaction i, int* line) const {
  if (role < 0 || category < 0 || static_cast<std::size_t>(role) >= roles_.size() ||
      static_cast<std::size_t>(category) >= categories_.size()) {
    if (line) *line = 0;
    return false;
  }
  const std::size_t ni = std::size(kInteractions);
  int v =
      table_[(static_cast<std::size_t>(role) * categories_.size() + static_cast<std::size_t>(category)) * ni +
             static_cast<std::size_t>(i)];
  if (line) *line = v < 0 ? -v : v;
  return v > 0;
}

bool Policy::may_break_glass(int role) const {
  if (role < 0) return false;
  return std::any_of(break_glass_subjects_.begin(), break_glass_subjects_.end(),
                     [&](const std::string& s) { return subject_matches(s, role); });
}

std::string Policy::fingerprint() const {
  // What labelling depends on: categories, matchers, authorship paths, and
  // the version of the fact extraction code (bump kFactsVersion in facts.cc).
  std::string text = "facts-v1\n";
  for (const auto& c : categories_) text += "c " + c.name + "\n";
  for (const auto& m : matchers_)
    text += "m " + m.type + " " + m.path + " " + m.system + " " + m.lo + " " + m.hi + " " +
            std::to_string(m.range) + " " + categories_[static_cast<std::size_t>(m.category)].name + "\n";
  for (const auto& a : authors_) {
    text += "a " + a.type;
    for (const auto& p : a.paths) text += " " + p;
    text += "\n";
  }
  return sha256_hex(text);
}

// --- (a) the decision on one resource ---------------------------------------------

namespace {

bool active(const store::AccessFact& f, Micros now) { return f.start <= now && now < f.end; }

bool is_grant(std::string_view kind) {
  return kind == "team" || kind == "gp" || kind == "task" || kind == "permit";
}

}  // namespace

Decision Policy::decide(const AccessContext& ctx, Interaction i, std::string_view type, std::string_view id,
                        const store::ResourceLabel& label,
                        const std::vector<store::AccessFact>& facts) const {
  Decision d;
  auto deny = [&](int status, std::string reason) {
    d.allowed = false;
    d.status = status;
    d.reason = std::move(reason);
    return d;
  };
  // SMART scopes first: a token never widens its holder's rights.
  bool in_scope =
      ctx.scopes.allows_any(type, i) ||
      (ctx.scopes.allows_in_patient(type, i) && !label.patient.empty() && label.patient == ctx.scope_patient);
  if (!in_scope) return deny(403, "outside the token's scopes");
  if (ctx.system) {
    d.allowed = true;
    d.status = 200;
    return d;
  }
  auto cat = category(label.category);
  if (!cat) return deny(404, "unknown category '" + label.category + "'");
  const CategoryDef& cdef = categories_[static_cast<std::size_t>(*cat)];
  int line = 0;
  bool rule = allowed(ctx.role, *cat, i, &line);
  auto by_rule = [&]() {
    if (!rule)
      return deny(403, "policy line " + std::to_string(line) + " denies " + std::string(interaction_name(i)) +
                           " of " + cdef.name);
    d.allowed = true;
    d.status = 200;
    return d;
  };
  if (!cdef.patient_data) return by_rule();

  switch (ctx.role_class) {
    case RoleClass::Analyst:
    case RoleClass::Admin:
      // Never a direct read of a record, whoever's it is (same answer for all).
      return deny(403, "role without access to individual records");
    case RoleClass::Patient:
    case RoleClass::Carer: {
      if (label.patient.empty() || label.patient != ctx.patient) return deny(404, "another person's record");
      if (ctx.role_class == RoleClass::Carer && !contains(ctx.delegated, "*") &&
          !contains(ctx.delegated, cdef.name))
        return deny(403, "category not delegated to the carer");
      if (label.disclose_after > ctx.now) return deny(404, "awaiting disclosure to the patient");
      return by_rule();
    }
    case RoleClass::Health:
    case RoleClass::Social:
    case RoleClass::Staff:
      break;
  }
  bool author = false;
  for (const auto& f : facts)
    if (f.kind == "author" && contains(ctx.identities, f.principal)) author = true;
  if (label.patient.empty()) {
    if (!author) return deny(404, "data outside any patient compartment: author only");
    return by_rule();
  }
  switch (relationship(ctx, facts)) {
    case Relationship::Objected:
      return deny(404, "the patient objected to this professional");
    case Relationship::GpOnly:
      return deny(404, "the patient shares only with the GP");
    case Relationship::None:
      return deny(404, "not in the care team");
    case Relationship::BreakGlass:
      d.via_break_glass = true;
      break;
    case Relationship::Granted:
      break;
  }
  const std::string self = std::string(type) + "/" + std::string(id);
  bool masked = false;
  for (const auto& f : facts) {
    if (!active(f, ctx.now)) continue;
    if ((f.kind == "mask-resource" && f.target == self) ||
        (f.kind == "mask-category" && f.target == cdef.name))
      masked = true;
  }
  if (masked && !author) return deny(404, "masked by the patient");
  return by_rule();
}

bool Policy::any_mask(const std::vector<store::AccessFact>& facts, Micros now) {
  return std::any_of(facts.begin(), facts.end(), [&](const store::AccessFact& f) {
    return active(f, now) && (f.kind == "mask-resource" || f.kind == "mask-category");
  });
}

Policy::Relationship Policy::relationship(const AccessContext& ctx,
                                          const std::vector<store::AccessFact>& facts) {
  // L.1110-4 III and L.1110-12: the care team (or an open referral, or the
  // patient's consent) opens the record; the patient's objection closes it.
  bool objection = false, gp_only = false, bg_refused = false;
  for (const auto& f : facts) {
    if (!active(f, ctx.now)) continue;
    if (f.kind == "deny-actor" && contains(ctx.identities, f.principal)) objection = true;
    if (f.kind == "gp-only") gp_only = true;
    if (f.kind == "deny-break-glass") bg_refused = true;
  }
  if (objection) return Relationship::Objected;
  bool granted = false, glass = false;
  const std::string me = "Account/" + ctx.account;
  for (const auto& f : facts) {
    if (!active(f, ctx.now)) continue;
    if (is_grant(f.kind) && contains(ctx.principals, f.principal) && (!gp_only || f.kind == "gp"))
      granted = true;
    if (f.kind == "break-glass" && f.principal == me && !bg_refused) glass = true;
  }
  if (granted) return Relationship::Granted;
  if (glass) return Relationship::BreakGlass;
  return gp_only ? Relationship::GpOnly : Relationship::None;
}

// --- (b) the same rules inside SQL ---------------------------------------------------

namespace {

class SqlBuilder {
 public:
  explicit SqlBuilder(int first) : next_(first) {}
  std::string param(store::SqlValue v) {
    out.params.push_back(std::move(v));
    return "?" + std::to_string(next_++);
  }
  // "col IN (?a, ?b)" or "0" for an empty list.
  std::string in(const std::string& column, const std::vector<std::string>& values) {
    if (values.empty()) return "0";
    if (values.size() == 1) return column + " = " + param(values.front());
    // One text parameter "a\nb" for the store's parcours_one_of() rather
    // than `IN (?, ?, ...)`: SQLite builds an ephemeral index for a list of
    // parameters at every run of the statement, which cost the cheapest
    // searches more than the rest of the policy. Names (categories,
    // resource types, principals) are single tokens: no newline.
    std::string joined;
    for (const auto& v : values) (joined += joined.empty() ? "" : "\n") += v;
    return "parcours_one_of(" + param(joined) + ", " + column + ")";
  }
  store::SqlFragment out;

 private:
  int next_;
};

// Renames the label alias "L" of generated SQL (column references "L.x").
std::string replace_alias(const std::string& sql, const std::string& alias) {
  std::string out;
  out.reserve(sql.size());
  for (std::size_t k = 0; k < sql.size(); ++k) {
    bool boundary = k == 0 || !(std::isalnum(static_cast<unsigned char>(sql[k - 1])) || sql[k - 1] == '_');
    if (boundary && sql.compare(k, 2, "L.") == 0) {
      out += alias + ".";
      ++k;
    } else {
      out += sql[k];
    }
  }
  return out;
}

}  // namespace

store::SqlFragment Policy::sql(const AccessContext& ctx, Interaction i, const store::SqlColumns& cols,
                               int first_param, const store::PatientReach* reach) const {
  SqlBuilder b(first_param);
  std::string s =
      "EXISTS (SELECT 1 FROM resource_label L WHERE L.type = " + cols.type + " AND L.id = " + cols.id;
  // Scopes.
  auto any = ctx.scopes.types_any(i), in_patient = ctx.scopes.types_in_patient(i);
  std::string scope;
  if (contains(any, "*")) {
    scope = "1";
  } else {
    scope = "(" + b.in("L.type", any);
    if (!in_patient.empty() && !ctx.scope_patient.empty()) {
      scope += " OR ((" + (contains(in_patient, "*") ? std::string("1") : b.in("L.type", in_patient)) +
               ") AND L.patient = " + b.param(ctx.scope_patient) + ")";
    }
    scope += ")";
  }
  s += " AND " + scope;
  if (ctx.system) {
    b.out.sql = cols.label.empty() ? s + ")" : replace_alias("(" + scope + ")", cols.label);
    return b.out;
  }
  std::vector<std::string> shared, patient_cats;
  for (std::size_t c = 0; c < categories_.size(); ++c) {
    if (!allowed(ctx.role, static_cast<int>(c), i)) continue;
    (categories_[c].patient_data ? patient_cats : shared).push_back(categories_[c].name);
  }
  std::string body = "(" + b.in("L.category", shared);
  // One parameter, reused: the SQL text stays the same from one request to
  // the next for the same caller, so prepared statements can be cached.
  std::string now_param;
  auto now = [&]() -> const std::string& {
    if (now_param.empty()) now_param = b.param(ctx.now);  // allocated at its first use
    return now_param;
  };
  auto active_sql = [&](const char* a) {
    return std::string(" AND ") + a + ".start_at <= " + now() + " AND " + a + ".end_at > " + now();
  };
  switch (ctx.role_class) {
    case RoleClass::Analyst:
    case RoleClass::Admin:
      break;
    case RoleClass::Patient:
    case RoleClass::Carer: {
      std::vector<std::string> cats;
      for (const auto& c : patient_cats)
        if (ctx.role_class == RoleClass::Patient || contains(ctx.delegated, "*") ||
            contains(ctx.delegated, c))
          cats.push_back(c);
      if (!ctx.patient.empty() && !cats.empty())
        body += " OR (L.patient = " + b.param(ctx.patient) + " AND " + b.in("L.category", cats) +
                " AND L.disclose_after <= " + now() + ")";
      break;
    }
    case RoleClass::Health:
    case RoleClass::Social:
    case RoleClass::Staff: {
      if (patient_cats.empty()) break;
      std::string author =
          "EXISTS (SELECT 1 FROM resource_author W WHERE W.type = L.type AND W.id = L.id AND " +
          b.in("W.principal", ctx.identities) + ")";
      std::string cats = b.in("L.category", patient_cats);
      body += " OR (L.patient IS NULL AND " + cats + " AND " + author + ")";
      // The author check is written a second time: its parameters must be bound twice.
      std::string author2 =
          "EXISTS (SELECT 1 FROM resource_author W2 WHERE W2.type = L.type AND W2.id = L.id AND " +
          b.in("W2.principal", ctx.identities) + ")";
      std::string related;
      if (reach) {
        // The caller's relationships, computed once for all their requests
        // (security/reach.h): one probe per row; the masks, rare, are still
        // looked up, only for the patients who set some.
        std::string masked =
            "EXISTS (SELECT 1 FROM access_fact M WHERE M.patient = L.patient AND M.kind IN ('mask-resource', "
            "'mask-category') AND ((M.kind = 'mask-resource' AND M.target = L.type || '/' || L.id) OR "
            "(M.kind = 'mask-category' AND M.target = L.category))" +
            active_sql("M") + ")";
        related = "CASE parcours_reach(" + b.param(reach->handle()) + ", L.patient) WHEN " +
                  std::to_string(store::PatientReach::kOpen) + " THEN 1 WHEN " +
                  std::to_string(store::PatientReach::kMasked) + " THEN (NOT " + masked + " OR " + author2 +
                  ") ELSE 0 END";
      } else if (cols.bulk) {
        // Non-correlated subqueries: SQLite computes each set of patients once
        // per statement (~1 ms for a GP's 600 patients), then probes it per row.
        std::string objected = "SELECT O.patient FROM access_fact O WHERE O.kind = 'deny-actor' AND " +
                               b.in("O.principal", ctx.identities) + active_sql("O");
        std::string gp_only =
            "SELECT X.patient FROM access_fact X WHERE X.kind = 'gp-only'" + active_sql("X");
        std::string granted = "SELECT G.patient FROM access_fact G WHERE " +
                              b.in("G.principal", ctx.principals) + active_sql("G") +
                              " AND (G.kind = 'gp' OR (G.kind IN ('team', 'task', 'permit') AND " +
                              "G.patient NOT IN (" + gp_only + ")))";
        std::string glass =
            "SELECT B.patient FROM audit_event B WHERE B.subtype = 'break-glass' AND B.agent = " +
            b.param(ctx.account) + " AND B.recorded <= " + now() + " AND B.until > " + now();
        std::string glass_refused =
            "SELECT D.patient FROM access_fact D WHERE D.kind = 'deny-break-glass'" + active_sql("D");
        std::string masked_resources =
            "SELECT M.patient, M.target FROM access_fact M WHERE M.kind = 'mask-resource'" + active_sql("M");
        std::string masked_categories =
            "SELECT N.patient, N.target FROM access_fact N WHERE N.kind = 'mask-category'" + active_sql("N");
        related = "L.patient NOT IN (" + objected + ") AND (L.patient IN (" + granted +
                  ") OR (L.patient IN (" + glass + ") AND L.patient NOT IN (" + glass_refused +
                  "))) AND (NOT ((L.patient, L.type || '/' || L.id) IN (" + masked_resources +
                  ") OR (L.patient, L.category) IN (" + masked_categories + ")) OR " + author2 + ")";
      } else {
        // Correlated subqueries: a few index seeks per row (access_fact by
        // patient, kind, principal), nothing computed for rows not visited.
        std::string objection =
            "EXISTS (SELECT 1 FROM access_fact O WHERE O.patient = L.patient AND O.kind = 'deny-actor' AND " +
            b.in("O.principal", ctx.identities) + active_sql("O") + ")";
        std::string gp_only =
            "EXISTS (SELECT 1 FROM access_fact X WHERE X.patient = L.patient AND X.kind = "
            "'gp-only'" +
            active_sql("X") + ")";
        std::string granted =
            "EXISTS (SELECT 1 FROM access_fact G WHERE G.patient = L.patient AND G.kind IN ('team', 'gp', "
            "'task', "
            "'permit') AND " +
            b.in("G.principal", ctx.principals) + active_sql("G") + " AND (G.kind = 'gp' OR NOT " + gp_only +
            "))";
        std::string glass =
            "(EXISTS (SELECT 1 FROM audit_event B WHERE B.subtype = 'break-glass' AND B.patient = L.patient "
            "AND "
            "B.agent = " +
            b.param(ctx.account) + " AND B.recorded <= " + now() + " AND B.until > " + now() +
            ") AND NOT EXISTS (SELECT 1 FROM access_fact D WHERE D.patient = L.patient AND D.kind = "
            "'deny-break-glass'" +
            active_sql("D") + "))";
        std::string masked =
            "EXISTS (SELECT 1 FROM access_fact M WHERE M.patient = L.patient AND M.kind IN ('mask-resource', "
            "'mask-category') AND ((M.kind = 'mask-resource' AND M.target = L.type || '/' || L.id) OR "
            "(M.kind = 'mask-category' AND M.target = L.category))" +
            active_sql("M") + ")";
        related = "NOT " + objection + " AND (" + granted + " OR " + glass + ") AND (NOT " + masked + " OR " +
                  author2 + ")";
      }
      body += " OR (L.patient IS NOT NULL AND " + b.in("L.category", patient_cats) + " AND " + related + ")";
      break;
    }
  }
  body += ")";
  if (cols.label.empty()) {
    b.out.sql = s + " AND " + body + ")";
    return b.out;
  }
  // The caller joined resource_label itself: the same conditions on its alias.
  b.out.sql = replace_alias("(" + scope + " AND " + body + ")", cols.label);
  return b.out;
}

}  // namespace parcours::security
