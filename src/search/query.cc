#include "search/query.h"

#include <algorithm>
#include <charconv>

#include "fhir/compartment.h"
#include "search/filter.h"
#include "search/values.h"

namespace parcours::search {
namespace {

using Kind = fhir::SearchParamType;

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::kNumber:
      return "number";
    case Kind::kDate:
      return "date";
    case Kind::kString:
      return "string";
    case Kind::kToken:
      return "token";
    case Kind::kReference:
      return "reference";
    case Kind::kComposite:
      return "composite";
    case Kind::kQuantity:
      return "quantity";
    case Kind::kUri:
      return "uri";
    case Kind::kSpecial:
      return "special";
  }
  return "?";
}

// Modifiers each parameter type accepts (R4 §3.1.1.5.3, table of modifiers).
bool modifier_allowed(Kind k, std::string_view m) {
  if (m.empty() || m == "missing") return true;
  switch (k) {
    case Kind::kString:
      return m == "exact" || m == "contains";
    case Kind::kToken:
      return m == "text" || m == "not" || m == "in" || m == "not-in" || m == "of-type" || m == "above" ||
             m == "below";
    case Kind::kReference:  // :above/:below: canonical versions and hierarchies (planner.cc)
      return m == "identifier" || m == "above" || m == "below" || fhir::is_resource_type(m);
    case Kind::kUri:
      return m == "above" || m == "below";
    default:
      return false;
  }
}

std::optional<int> parse_int(std::string_view s) {
  int v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// The parameter `code` usable on every type of `types` (system searches
// need one shared by all, i.e. defined on Resource or DomainResource).
const ParamDef* find_param(const Registry& reg, const std::vector<std::string>& types,
                           std::string_view code) {
  if (types.size() == 1) return reg.find(types.front(), code);
  // Shared parameters have one row name for every type ("Resource._tag").
  const ParamDef* p = reg.find("Patient", code);
  if (!p || !(p->name.starts_with("Resource.") || p->name.starts_with("DomainResource."))) return nullptr;
  return p;
}

struct Parser {
  const ParseOptions& options;
  const Registry& reg;

  Result<Clause> clause(const std::vector<std::string>& types, std::string_view name,
                        const std::string& value, int depth) {
    if (depth > 4) return bad_request("chains and _has nest at most 4 levels");
    // Reverse chaining: _has:Type:param:rest (R4 §3.1.1.4.16).
    if (name.starts_with("_has:")) {
      std::string_view rest = name.substr(5);
      auto c1 = rest.find(':');
      if (c1 == std::string_view::npos) return bad_request("_has expects _has:Type:parameter:parameter");
      std::string has_type(rest.substr(0, c1));
      rest = rest.substr(c1 + 1);
      auto c2 = rest.find(':');
      if (c2 == std::string_view::npos) return bad_request("_has expects _has:Type:parameter:parameter");
      std::string_view ref_code = rest.substr(0, c2);
      rest = rest.substr(c2 + 1);
      if (!fhir::is_resource_type(has_type))
        return bad_request("_has: unknown resource type '" + has_type + "'");
      const ParamDef* ref = reg.find(has_type, ref_code);
      if (!ref || ref->kind != Kind::kReference)
        return bad_request("_has: '" + std::string(ref_code) + "' is not a reference parameter of " +
                           has_type);
      if (types.size() != 1) return bad_request("_has needs a resource type");
      if (!ref->targets.empty() &&
          std::find(ref->targets.begin(), ref->targets.end(), types.front()) == ref->targets.end())
        return bad_request("_has: " + has_type + "." + std::string(ref_code) + " cannot refer to " +
                           types.front());
      auto next = clause({has_type}, rest, value, depth + 1);
      if (!next) return std::move(next).error();
      Clause c;
      c.kind = Clause::Kind::Has;
      c.type = types.front();
      c.has_type = has_type;
      c.param = ref;
      c.next = std::make_shared<Clause>(std::move(*next));
      return c;
    }
    std::string_view head = name, tail;
    if (auto dot = name.find('.'); dot != std::string_view::npos) {
      head = name.substr(0, dot);
      tail = name.substr(dot + 1);
    }
    std::string_view code = head, modifier;
    if (auto colon = head.find(':'); colon != std::string_view::npos) {
      code = head.substr(0, colon);
      modifier = head.substr(colon + 1);
    }
    Clause c;
    c.type = types.size() == 1 ? types.front() : std::string();
    c.modifier = modifier;
    c.values = split_unescaped(value, ',');
    if (c.values.empty()) c.values.emplace_back();
    if (c.values.size() > kMaxValues)
      return bad_request("at most " + std::to_string(kMaxValues) + " values separated by commas (" +
                         std::to_string(c.values.size()) + " given)");

    auto plain = [&](Clause::Kind kind, Kind value_kind) -> Result<Clause> {
      if (!tail.empty()) return bad_request("'" + std::string(code) + "' cannot be chained");
      if (!modifier.empty() && !(modifier == "missing" && kind == Clause::Kind::LastUpdated))
        return bad_request("'" + std::string(code) + "' takes no modifier ':" + std::string(modifier) + "'");
      c.kind = kind;
      for (const auto& v : c.values)
        if (auto e = check_value(value_kind, c.modifier, v)) return bad_request(*e);
      return c;
    };
    if (code == "_id") return plain(Clause::Kind::Id, Kind::kToken);
    if (code == "_lastUpdated") return plain(Clause::Kind::LastUpdated, Kind::kDate);
    if (code == "_text") return plain(Clause::Kind::Text, Kind::kString);
    if (code == "_content") return plain(Clause::Kind::Content, Kind::kString);
    if (code == "_list") return plain(Clause::Kind::List, Kind::kToken);

    const ParamDef* def = find_param(reg, types, code);
    if (!def) {
      std::string where = types.size() == 1 ? types.front() : std::string("every resource type searched");
      return bad_request("Unknown search parameter '" + std::string(code) + "' for " + where);
    }
    c.param = def;
    if (!tail.empty()) {
      // Chaining (R4 §3.1.1.4.15): reference[:Type].parameter...
      if (def->kind != Kind::kReference)
        return bad_request("'" + std::string(code) + "' is not a reference: no chain");
      std::vector<std::string> targets;
      if (!modifier.empty()) {
        if (!fhir::is_resource_type(modifier))
          return bad_request("'" + std::string(modifier) + "' is not a resource type to chain through");
        targets.emplace_back(modifier);
      } else {
        targets = def->targets;
      }
      // Keep the targets where the chained parameter exists.
      std::string_view next_code = tail.substr(0, tail.find_first_of(":."));
      std::vector<std::string> usable;
      for (const auto& t : targets)
        if (next_code == "_id" || next_code == "_lastUpdated" || next_code.starts_with("_has") ||
            reg.find(t, next_code))
          usable.push_back(t);
      if (usable.empty())
        return bad_request("Chain '" + std::string(name) + "': no target of '" + std::string(code) +
                           "' has a parameter '" + std::string(next_code) + "'");
      c.kind = Clause::Kind::Chain;
      c.modifier.clear();
      c.values.clear();
      c.target_types = usable;
      if (usable.size() == 1) {
        auto next = clause({usable.front()}, tail, value, depth + 1);
        if (!next) return std::move(next).error();
        c.next = std::make_shared<Clause>(std::move(*next));
        return c;
      }
      // Several possible targets: one chain per target type, ORed. Each is
      // a copy of the clause as it is before any alternative (a copy taken
      // later would carry the previous alternatives: exponential in the
      // number of targets, and only the first target searched).
      const Clause single = c;
      for (const auto& t : usable) {
        auto next = clause({t}, tail, value, depth + 1);
        if (!next) return std::move(next).error();
        auto one = std::make_shared<Clause>(single);
        one->target_types = {t};
        one->next = std::make_shared<Clause>(std::move(*next));
        c.alternatives.push_back(std::move(one));
      }
      return c;
    }
    if (!modifier_allowed(def->kind, modifier))
      return bad_request("Modifier ':" + std::string(modifier) + "' is not supported on " +
                         std::string(kind_name(def->kind)) + " parameter '" + std::string(code) + "'");
    for (const auto& v : c.values) {
      if (def->kind == Kind::kComposite && modifier != "missing") {
        auto parts = split_unescaped(v, '$');
        if (parts.size() != def->components.size())
          return bad_request("'" + std::string(code) + "' expects " + std::to_string(def->components.size()) +
                             " values separated by '$'");
        for (std::size_t i = 0; i < parts.size(); ++i)
          if (auto e = check_value(def->components[i].kind, "", parts[i])) return bad_request(*e);
        continue;
      }
      if (auto e = check_value(def->kind, modifier, v)) return bad_request(*e);
    }
    return c;
  }
};

}  // namespace

std::vector<std::string> split_unescaped(std::string_view value, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\\' && i + 1 < value.size()) {
      cur.push_back(c);
      cur.push_back(value[++i]);
      continue;
    }
    if (c == sep) {
      out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur.push_back(c);
  }
  out.push_back(std::move(cur));
  return out;
}

std::string unescape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size() &&
        (value[i + 1] == ',' || value[i + 1] == '$' || value[i + 1] == '|' || value[i + 1] == '\\')) {
      out.push_back(value[++i]);
      continue;
    }
    out.push_back(value[i]);
  }
  return out;
}

std::pair<Prefix, std::string_view> split_prefix(std::string_view v) {
  static const std::pair<std::string_view, Prefix> kPrefixes[] = {
      {"eq", Prefix::Eq}, {"ne", Prefix::Ne}, {"gt", Prefix::Gt}, {"lt", Prefix::Lt}, {"ge", Prefix::Ge},
      {"le", Prefix::Le}, {"sa", Prefix::Sa}, {"eb", Prefix::Eb}, {"ap", Prefix::Ap}};
  if (v.size() >= 2)
    for (const auto& [p, k] : kPrefixes)
      if (v.substr(0, 2) == p) return {k, v.substr(2)};
  return {Prefix::Eq, v};
}

std::optional<std::string> check_value(Kind kind, std::string_view modifier, std::string_view value) {
  if (modifier == "missing") {
    if (value != "true" && value != "false")
      return "':missing' takes true or false, not '" + std::string(value) + "'";
    return std::nullopt;
  }
  switch (kind) {
    case Kind::kDate: {
      auto [p, v] = split_prefix(value);
      (void)p;
      if (!date_range(v))
        return "'" + std::string(value) + "' is not a date (YYYY[-MM[-DD[Thh:mm[:ss][Z|+hh:mm]]]])";
      return std::nullopt;
    }
    case Kind::kNumber: {
      auto [p, v] = split_prefix(value);
      (void)p;
      if (!decimal_range(v)) return "'" + std::string(value) + "' is not a number";
      return std::nullopt;
    }
    case Kind::kQuantity: {
      auto [p, v] = split_prefix(value);
      (void)p;
      auto parts = split_unescaped(v, '|');
      if (parts.size() != 1 && parts.size() != 3)
        return "'" + std::string(value) + "' is not a quantity ([prefix]number[|system|code])";
      if (!decimal_range(parts[0])) return "'" + std::string(value) + "' does not start with a number";
      return std::nullopt;
    }
    case Kind::kToken: {
      if (modifier == "of-type" && split_unescaped(value, '|').size() != 3)
        return "':of-type' expects system|code|value, not '" + std::string(value) + "'";
      if (modifier != "text" && modifier != "in" && modifier != "not-in" && modifier != "of-type" &&
          split_unescaped(value, '|').size() > 2)
        return "'" + std::string(value) + "' is not a token ([system|]code)";
      if (value.empty()) return "empty token value";
      if (modifier == "above" || modifier == "below") {
        auto parts = split_unescaped(value, '|');
        if (parts.size() != 2 || parts[0].empty() || parts[1].empty())
          return "':" + std::string(modifier) + "' needs system|code (the code system's hierarchy), not '" +
                 std::string(value) + "'";
      }
      return std::nullopt;
    }
    case Kind::kReference:
      if (value.empty()) return "empty reference value";
      return std::nullopt;
    case Kind::kString:
    case Kind::kUri:
      if (value.empty()) return "empty value";
      return std::nullopt;
    case Kind::kSpecial: {
      auto parts = split_unescaped(value, '|');
      if (parts.size() < 2 || parts.size() > 4 || !parse_decimal(parts[0]) || !parse_decimal(parts[1]))
        return "'near' expects latitude|longitude[|distance[|units]], not '" + std::string(value) + "'";
      if (parts.size() >= 3 && !parts[2].empty() && !parse_decimal(parts[2]))
        return "'near': the distance must be a number";
      if (parts.size() == 4 && parts[3] != "km" && parts[3] != "m" && parts[3] != "[mi_i]" &&
          parts[3] != "mi" && !parts[3].empty())
        return "'near': units must be km, m or [mi_i]";
      return std::nullopt;
    }
    case Kind::kComposite:
      return std::nullopt;
  }
  return std::nullopt;
}

Result<Query> parse_query(std::vector<std::string> types, const std::vector<Param>& params,
                          const ParseOptions& options) {
  if (params.size() > kMaxParams)
    return Error(400, "too-costly",
                 "A search takes at most " + std::to_string(kMaxParams) + " parameters (" +
                     std::to_string(params.size()) + " given)");
  Query q;
  q.count = options.default_count;
  auto reg = Registry::current();
  Parser parser{options, *reg};
  const bool system_level = types.empty();

  // Problems: fatal in strict mode, else reported and skipped.
  auto problem = [&](const Param& p, std::string msg) -> Status {
    if (options.strict) return Error(400, "invalid", "Parameter '" + p.name + "': " + msg, p.name);
    q.ignored.push_back(
        Issue{"warning", "not-supported", "Parameter '" + p.name + "' ignored: " + msg, p.name});
    return Status::Ok();
  };

  // _type first: it decides the types of a system search.
  if (system_level) {
    for (const auto& p : params) {
      if (p.name != "_type") continue;
      for (auto& t : split_unescaped(p.value, ',')) {
        if (!fhir::is_resource_type(t)) {
          if (auto s = problem(p, "unknown resource type '" + t + "'"); !s) return s.error();
          continue;
        }
        if (std::find(types.begin(), types.end(), t) == types.end()) types.push_back(t);
      }
      q.applied.push_back(p);
    }
  }
  q.types = types;

  for (const auto& p : params) {
    const std::string& n = p.name;
    if (n == "_format" || n == "_pretty" || n == "_type") continue;
    if (n == "_cursor") {
      q.cursor = p.value;
      continue;
    }
    if (n == "_count") {
      auto v = parse_int(p.value);
      if (!v || *v < 0) {
        if (auto s = problem(p, "expected a non-negative integer"); !s) return s.error();
        continue;
      }
      q.count = std::min(*v, options.max_count);
      q.count_given = true;
      if (*v > options.max_count)
        q.ignored.push_back(Issue{"information", "informational",
                                  "_count lowered to " + std::to_string(options.max_count), "_count"});
      q.applied.push_back({n, std::to_string(q.count)});
      continue;
    }
    if (n == "_total") {
      if (p.value == "none")
        q.total = TotalMode::None;
      else if (p.value == "estimate")
        q.total = TotalMode::Estimate;
      else if (p.value == "accurate")
        q.total = TotalMode::Accurate;
      else if (auto s = problem(p, "expected none, estimate or accurate"); !s)
        return s.error();
      else
        continue;
      q.applied.push_back(p);
      continue;
    }
    if (n == "_summary") {
      if (p.value == "true")
        q.summary = SummaryMode::True;
      else if (p.value == "text")
        q.summary = SummaryMode::Text;
      else if (p.value == "data")
        q.summary = SummaryMode::Data;
      else if (p.value == "count")
        q.summary = SummaryMode::Count;
      else if (p.value == "false")
        q.summary = SummaryMode::False;
      else if (auto s = problem(p, "expected true, text, data, count or false"); !s)
        return s.error();
      else
        continue;
      q.applied.push_back(p);
      continue;
    }
    if (n == "_elements") {
      for (auto& e : split_unescaped(p.value, ','))
        if (!e.empty()) q.elements.push_back(unescape(e));
      q.applied.push_back(p);
      continue;
    }
    if (n == "_explain") {
      q.explain = p.value == "true";
      continue;
    }
    if (n == "_sort") {
      std::vector<SortSpec> sort;
      bool ok = true;
      for (auto& item : split_unescaped(p.value, ',')) {
        SortSpec s;
        std::string_view code = item;
        if (code.starts_with("-")) {
          s.descending = true;
          code.remove_prefix(1);
        }
        s.code = code;
        if (code != "_id" && code != "_lastUpdated") {
          s.param = find_param(*reg, types, code);
          if (!s.param || s.param->kind == Kind::kComposite || s.param->kind == Kind::kSpecial) {
            ok = false;
            if (auto st = problem(p, "cannot sort by '" + std::string(code) + "'"); !st) return st.error();
            break;
          }
        }
        sort.push_back(std::move(s));
      }
      if (!ok) continue;
      q.sort = std::move(sort);
      q.applied.push_back(p);
      continue;
    }
    if (n == "_include" || n == "_revinclude" || n.starts_with("_include:") ||
        n.starts_with("_revinclude:")) {
      bool reverse = n.starts_with("_revinclude");
      std::string_view mod = std::string_view(n).substr(reverse ? 11 : 8);  // not a temporary string
      if (mod.starts_with(":")) mod.remove_prefix(1);
      if (!mod.empty() && mod != "iterate" && mod != "recurse") {
        if (auto s = problem(p, "unknown modifier ':" + std::string(mod) + "'"); !s) return s.error();
        continue;
      }
      store::IncludeSpec inc;
      inc.reverse = reverse;
      inc.iterate = !mod.empty();
      auto parts = split_unescaped(p.value, ':');
      bool ok = true;
      if (p.value == "*") {
        // Every reference of the matched resources.
      } else if (parts.size() >= 2 && parts.size() <= 3 && fhir::is_resource_type(parts[0])) {
        inc.source_type = parts[0];
        if (parts[1] != "*") {
          const ParamDef* d = reg->find(parts[0], parts[1]);
          if (!d || d->kind != Kind::kReference) {
            ok = false;
            if (auto s = problem(p, "'" + parts[1] + "' is not a reference parameter of " + parts[0]); !s)
              return s.error();
          } else {
            inc.params.push_back(d->name);
          }
        }
        if (parts.size() == 3) {
          if (!fhir::is_resource_type(parts[2])) {
            ok = false;
            if (auto s = problem(p, "unknown target type '" + parts[2] + "'"); !s) return s.error();
          }
          inc.target_type = parts[2];
        }
      } else {
        ok = false;
        if (auto s = problem(p, "expected Type:parameter[:targetType]"); !s) return s.error();
      }
      if (!ok) continue;
      q.includes.push_back(std::move(inc));
      q.applied.push_back(p);
      continue;
    }
    if (n == "_filter") {
      auto f = parse_filter(p.value, types.size() == 1 ? types.front() : std::string(), *reg);
      if (!f) {
        if (auto s = problem(p, f.error().issues().empty() ? "invalid" : f.error().issues()[0].diagnostics);
            !s)
          return s.error();
        continue;
      }
      Clause c;
      c.kind = Clause::Kind::Filter;
      c.type = types.front();
      c.filter = std::make_shared<const FilterExpr>(std::move(*f));
      c.source = p;
      q.clauses.push_back(std::move(c));
      q.applied.push_back(p);
      continue;
    }
    if (n == "_contained") {
      if (p.value == "false" || p.value == "true" || p.value == "both") {
        q.contained = p.value == "true"   ? ContainedMode::Only
                      : p.value == "both" ? ContainedMode::Both
                                          : ContainedMode::No;
        q.applied.push_back(p);
      } else if (auto s = problem(p, "expected true, false or both"); !s) {
        return s.error();
      }
      continue;
    }
    if (n == "_containedType") {
      if (p.value == "container" || p.value == "contained") {
        q.return_contained = p.value == "contained";
        q.applied.push_back(p);
      } else if (auto s = problem(p, "expected container or contained"); !s) {
        return s.error();
      }
      continue;
    }
    if (n == "_query" || n == "_since" || n == "_at" || n == "_page") {
      if (auto s = problem(p, "not supported by this server"); !s) return s.error();
      continue;
    }
    auto c = parser.clause(types, n, p.value, 0);
    if (!c) {
      if (auto s = problem(p, c.error().issues().empty() ? "invalid" : c.error().issues()[0].diagnostics); !s)
        return s.error();
      continue;
    }
    if (types.empty() || types.size() > 1) c->type.clear();
    c->source = p;
    q.clauses.push_back(std::move(*c));
    q.applied.push_back(p);
  }
  if (q.summary == SummaryMode::Count) q.count = 0;
  return q;
}

}  // namespace parcours::search
