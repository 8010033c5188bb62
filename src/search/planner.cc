#include "search/planner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "base/text.h"
#include "fhir/base64.h"
#include "search/extract.h"
#include "search/filter.h"
#include "search/terminology.h"
#include "search/text.h"
#include "search/values.h"

namespace parcours::search {
namespace {

using Kind = fhir::SearchParamType;
using store::CmpOp;
using store::Column;
using store::IndexTable;
using store::PlanValue;
using store::Predicate;
using store::RowCond;

IndexTable table_of(Kind k) {
  switch (k) {
    case Kind::kToken:
      return IndexTable::Token;
    case Kind::kString:
      return IndexTable::String;
    case Kind::kDate:
      return IndexTable::Date;
    case Kind::kNumber:
      return IndexTable::Number;
    case Kind::kQuantity:
      return IndexTable::Quantity;
    case Kind::kReference:
      return IndexTable::Reference;
    case Kind::kUri:
      return IndexTable::Uri;
    case Kind::kSpecial:
      return IndexTable::Position;
    case Kind::kComposite:
      return IndexTable::Token;
  }
  return IndexTable::Token;
}

RowCond cmp(Column c, CmpOp op, PlanValue v) { return RowCond::cmp(c, op, std::move(v)); }

// Date prefixes over a target range [Low, High] (R4 §3.1.1.4.1 table of
// prefixes, "range" semantics): S is the search value's range.
//
// Each is written with one indexable range first (low <= high always holds),
// so a value index can seek: ge = gt or eq = high >= S.low and (high > S.high
// or low >= S.low); le = lt or eq = low <= S.high and (low < S.low or high <=
// S.high); eq also bounds low above (low <= high <= S.high).
RowCond date_cond(Prefix p, const DateRange& s, std::int64_t now, Column low, Column high) {
  auto contains = [&] {
    return RowCond::all(
        {cmp(low, CmpOp::Ge, s.low), cmp(low, CmpOp::Le, s.high), cmp(high, CmpOp::Le, s.high)});
  };
  switch (p) {
    case Prefix::Eq:
      return contains();
    case Prefix::Ne:
      return RowCond::negate(RowCond::all({cmp(low, CmpOp::Ge, s.low), cmp(high, CmpOp::Le, s.high)}));
    case Prefix::Gt:  // the range above S overlaps the target
      return cmp(high, CmpOp::Gt, s.high);
    case Prefix::Lt:
      return cmp(low, CmpOp::Lt, s.low);
    case Prefix::Ge:
      return RowCond::all({cmp(high, CmpOp::Ge, s.low),
                           RowCond::any({cmp(high, CmpOp::Gt, s.high), cmp(low, CmpOp::Ge, s.low)})});
    case Prefix::Le:
      return RowCond::all({cmp(low, CmpOp::Le, s.high),
                           RowCond::any({cmp(low, CmpOp::Lt, s.low), cmp(high, CmpOp::Le, s.high)})});
    case Prefix::Sa:  // starts after S ends
      return cmp(low, CmpOp::Gt, s.high);
    case Prefix::Eb:
      return cmp(high, CmpOp::Lt, s.low);
    case Prefix::Ap: {
      // Approximately: S widened by 10% of the gap between now and S,
      // overlapping the target.
      std::int64_t gap = s.low > now ? s.low - now : now - s.low;
      std::int64_t d = gap / 10;
      std::int64_t lo = s.low - d, hi = s.high + d;
      return RowCond::all({cmp(low, CmpOp::Le, hi), cmp(high, CmpOp::Ge, lo)});
    }
  }
  return RowCond::never();
}

// Number prefixes over a target value (a point), with the search value's
// implicit precision range R for eq/ne/sa/eb and 10% for ap (R4 §3.1.1.4.1).
RowCond number_cond(Prefix p, const DecimalRange& r, Column c, double factor = 1) {
  double v = r.value * factor, lo = r.low * factor, hi = r.high * factor;
  if (lo > hi) std::swap(lo, hi);
  switch (p) {
    case Prefix::Eq:
      return RowCond::all({cmp(c, CmpOp::Ge, lo), cmp(c, CmpOp::Lt, hi)});
    case Prefix::Ne:
      return RowCond::any({cmp(c, CmpOp::Lt, lo), cmp(c, CmpOp::Ge, hi)});
    case Prefix::Gt:
      return cmp(c, CmpOp::Gt, v);
    case Prefix::Lt:
      return cmp(c, CmpOp::Lt, v);
    case Prefix::Ge:
      return cmp(c, CmpOp::Ge, v);
    case Prefix::Le:
      return cmp(c, CmpOp::Le, v);
    case Prefix::Sa:
      return cmp(c, CmpOp::Ge, hi);
    case Prefix::Eb:
      return cmp(c, CmpOp::Lt, lo);
    case Prefix::Ap: {
      double d = std::max(std::fabs(v) * 0.1, (hi - lo) / 2);
      return RowCond::all({cmp(c, CmpOp::Ge, v - d), cmp(c, CmpOp::Le, v + d)});
    }
  }
  return RowCond::never();
}

struct Ctx {
  store::Reader& reader;
  const PlanOptions& options;
  std::vector<Issue>* notes;  // informational issues for the caller (may be null)
  Terminology terminology{reader};
};

// token value "[system|]code" (R4 §3.1.1.4.10).
RowCond token_cond(std::string_view value) {
  auto parts = split_unescaped(value, '|');
  if (parts.size() == 1) return cmp(Column::Code, CmpOp::Eq, unescape(parts[0]));
  std::string system = unescape(parts[0]), code = unescape(parts[1]);
  if (code.empty()) return cmp(Column::System, CmpOp::Eq, system);
  return RowCond::all({cmp(Column::Code, CmpOp::Eq, code), cmp(Column::System, CmpOp::Eq, system)});
}

// Quantity "[prefix]number[|system|code]" (R4 §3.1.1.4.7).
RowCond quantity_cond(std::string_view value) {
  auto [prefix, rest] = split_prefix(value);
  auto parts = split_unescaped(rest, '|');
  auto r = decimal_range(unescape(parts[0]));
  if (!r) return RowCond::never();
  std::string system = parts.size() == 3 ? unescape(parts[1]) : "";
  std::string code = parts.size() == 3 ? unescape(parts[2]) : "";
  if (code.empty()) {
    RowCond c = number_cond(prefix, *r, Column::Value);
    if (!system.empty()) c = RowCond::all({std::move(c), cmp(Column::UnitSystem, CmpOp::Eq, system)});
    return c;
  }
  CanonicalUnit cu = canonical_unit(system, code);
  if (!cu.ucum && system.empty())  // no system and not UCUM: match the code whatever the system
    return RowCond::all({cmp(Column::Unit, CmpOp::Eq, code), number_cond(prefix, *r, Column::Value)});
  return RowCond::all(
      {cmp(Column::CanonUnit, CmpOp::Eq, cu.code), number_cond(prefix, *r, Column::CanonValue, cu.factor)});
}

// A reference value without this server's base URL: an absolute URL to
// this server is the relative reference (R4 §3.1.1.4.12).
std::string local_reference(std::string value, const std::string& base_url) {
  if (!base_url.empty() && value.size() > base_url.size() + 1 && value.starts_with(base_url) &&
      value[base_url.size()] == '/')
    value.erase(0, base_url.size() + 1);
  return value;
}

// Reference value: "Type/id", "Type/id/_history/v", "id", an absolute URL
// (to this server: made relative), a canonical "url|version".
RowCond reference_cond(std::string_view raw, std::string_view type_modifier, const ParamDef& def,
                       const std::string& base_url) {
  std::string value = unescape(raw);
  if (!type_modifier.empty())
    return RowCond::all(
        {cmp(Column::RefId, CmpOp::Eq, value), cmp(Column::RefType, CmpOp::Eq, std::string(type_modifier))});
  value = local_reference(std::move(value), base_url);
  auto parts = parse_reference(value);
  if (!parts) return RowCond::never();
  if (parts->type.empty() && value.find(':') == std::string::npos) {
    // A bare id: any target type (the parameter's own targets).
    (void)def;
    return cmp(Column::RefId, CmpOp::Eq, parts->id);
  }
  std::vector<RowCond> all{cmp(Column::RefId, CmpOp::Eq, parts->id),
                           cmp(Column::RefType, CmpOp::Eq, parts->type)};
  if (!parts->version.empty()) all.push_back(cmp(Column::RefVersion, CmpOp::Eq, parts->version));
  return RowCond::all(std::move(all));
}

RowCond uri_cond(std::string_view raw, std::string_view modifier) {
  std::string v = unescape(raw);
  if (modifier == "below") return cmp(Column::Uri, CmpOp::StartsWith, v);
  if (modifier == "above") {
    // Stored uris the value starts with, cut at path boundaries (R4 §3.1.1.4.11).
    std::vector<PlanValue> prefixes{v};
    for (std::size_t i = v.find("://") == std::string::npos ? 0 : v.find("://") + 3; i < v.size(); ++i)
      if (v[i] == '/') {
        prefixes.emplace_back(v.substr(0, i));
        prefixes.emplace_back(v.substr(0, i + 1));
      }
    return RowCond::in(Column::Uri, std::move(prefixes));
  }
  return cmp(Column::Uri, CmpOp::Eq, v);
}

// The cond of one value of a non-composite parameter, for its own table.
RowCond value_cond(Kind kind, std::string_view modifier, std::string_view value, const ParamDef& def,
                   const Ctx& ctx) {
  switch (kind) {
    case Kind::kToken:
      return token_cond(value);
    case Kind::kString: {
      std::string v = unescape(value);
      if (modifier == "exact")
        return RowCond::all({cmp(Column::Norm, CmpOp::Eq, fold(v)), cmp(Column::Exact, CmpOp::Eq, v)});
      if (modifier == "contains") return cmp(Column::Norm, CmpOp::Contains, fold(v));
      return cmp(Column::Norm, CmpOp::StartsWith, fold(v));
    }
    case Kind::kDate: {
      auto [p, v] = split_prefix(value);
      auto r = date_range(v);
      return r ? date_cond(p, *r, ctx.options.now, Column::Low, Column::High) : RowCond::never();
    }
    case Kind::kNumber: {
      auto [p, v] = split_prefix(value);
      auto r = decimal_range(v);
      return r ? number_cond(p, *r, Column::Value) : RowCond::never();
    }
    case Kind::kQuantity:
      return quantity_cond(value);
    case Kind::kReference:
      return reference_cond(value, fhir::is_resource_type(modifier) ? modifier : "", def,
                            ctx.options.base_url);
    case Kind::kUri:
      return uri_cond(value, modifier);
    case Kind::kSpecial: {
      auto parts = split_unescaped(value, '|');
      double lat = *parse_decimal(parts[0]), lon = *parse_decimal(parts[1]);
      double km = parts.size() >= 3 && !parts[2].empty() ? *parse_decimal(parts[2]) : 1.0;
      std::string units = parts.size() == 4 ? parts[3] : "km";
      if (units == "m") km /= 1000;
      if (units == "[mi_i]" || units == "mi") km *= 1.609344;
      RowCond c;
      c.kind = RowCond::Kind::Near;
      c.values = {lat, lon, km};
      return c;
    }
    case Kind::kComposite:
      break;
  }
  return RowCond::never();
}

Predicate match(const std::string& param, IndexTable t, RowCond c) {
  Predicate p;
  p.kind = c.kind == RowCond::Kind::False ? Predicate::Kind::Nothing : Predicate::Kind::Match;
  p.param = param;
  p.table = t;
  p.cond = std::move(c);
  return p;
}

Predicate no_match(const std::string& param, IndexTable t, RowCond c) {
  Predicate p;
  p.kind = Predicate::Kind::NoMatch;
  p.param = param;
  p.table = t;
  p.cond = std::move(c);
  return p;
}

Predicate any_of(std::vector<Predicate> v) {
  if (v.size() == 1) return std::move(v.front());
  Predicate p;
  p.kind = Predicate::Kind::Any;
  p.sub = std::move(v);
  return p;
}

// Token :below / :above (R4 §3.1.1.5.5): the code and its descendants (or
// ancestors) in the hierarchy of the CodeSystem stored here with that url,
// as one IN over the codes of that system.
Result<RowCond> subsumption_cond(std::string_view value, bool below, Ctx& ctx) {
  auto parts = split_unescaped(value, '|');
  std::string system = parts.size() == 2 ? unescape(parts[0]) : "";
  std::string code = unescape(parts.back());
  auto cs = ctx.terminology.code_system(system);
  if (!cs) return std::move(cs).error();
  auto note = [&](std::string msg) {
    if (ctx.notes) ctx.notes->push_back(Issue{"information", "informational", std::move(msg), ""});
    return RowCond::never();
  };
  if (!*cs && nests_by_prefix(system) && !code.empty()) {
    // Codes nest by prefix (terminology.h): X and the codes under it, or X
    // and the codes it starts with.
    note("No CodeSystem '" + system +
         "' on this server: its codes nest by prefix, ':" + (below ? "below" : "above") +
         "' takes the codes " + (below ? "starting with '" : "that start '") + code + "'");
    RowCond codes;
    if (below) {
      codes = cmp(Column::Code, CmpOp::StartsWith, code);
    } else {
      std::vector<PlanValue> prefixes;
      for (std::size_t n = 1; n <= code.size(); ++n) prefixes.emplace_back(code.substr(0, n));
      codes = RowCond::in(Column::Code, std::move(prefixes));
    }
    return RowCond::all({std::move(codes), cmp(Column::System, CmpOp::Eq, system)});
  }
  if (!*cs)
    return note("No CodeSystem '" + system + "' on this server: ':" + (below ? "below" : "above") +
                "' matches nothing");
  if (!(*cs)->find(code))
    return note("CodeSystem '" + system + "' has no code '" + code + "': ':" + (below ? "below" : "above") +
                "' matches nothing");
  auto codes = below ? (*cs)->descendants(code, true) : (*cs)->ancestors(code, true);
  if (!codes) return std::move(codes).error();
  std::vector<PlanValue> in(codes->begin(), codes->end());
  return RowCond::all({RowCond::in(Column::Code, std::move(in)), cmp(Column::System, CmpOp::Eq, system)});
}

// The parameter of `type` through which its resources form a strict
// hierarchy (R4 §3.1.1.4.14, references.html#circular "part-of"): a
// reference `Type.partOf` whose only target is the type itself
// (Location.partof, Organization.partof, Encounter.part-of, Task.part-of).
const ParamDef* hierarchy_param(std::string_view type) {
  for (const ParamDef* p : Registry::current()->for_type(type))
    if (p->kind == Kind::kReference && p->targets == std::vector<std::string>{std::string(type)} &&
        p->expression == std::string(type) + ".partOf")
      return p;
  return nullptr;
}

// Above this many members, a hierarchy is refused rather than listed.
constexpr std::size_t kMaxHierarchy = 1000;

// `root` and the resources of `type` below it (or above it) through
// `hierarchy`, one level per search, for the caller (PlanOptions::find: a
// resource the caller may not see is not crossed). A cycle ends the walk.
Result<std::vector<PlanValue>> hierarchy_members(Ctx& ctx, const ParamDef& hierarchy, const std::string& type,
                                                 const std::string& root, bool below, const Clause& c) {
  if (!ctx.options.find)
    return bad_request("':" + c.modifier + "' on references is not available here", c.source.name);
  std::vector<PlanValue> members{root};
  std::set<std::string> seen{root};
  std::vector<std::string> frontier{root};
  while (!frontier.empty()) {
    // Children name a frontier member as their parent; parents are named by
    // a frontier member (reverse chaining).
    std::string query = below ? hierarchy.code + "=" : "_has:" + type + ":" + hierarchy.code + ":_id=";
    for (std::size_t i = 0; i < frontier.size(); ++i)
      query += (i ? "," : "") + (below ? type + "/" : std::string()) + percent_encode(frontier[i]);
    auto found = ctx.options.find(type, query, static_cast<int>(kMaxHierarchy));
    if (!found) return std::move(found).error();
    frontier.clear();
    for (auto& id : *found)
      if (seen.insert(id).second) frontier.push_back(id);
    members.insert(members.end(), frontier.begin(), frontier.end());
    // A level of kMaxHierarchy ids may have been cut at find's limit (a
    // search page is at most 1 000): refused, never walked on truncated.
    if (found->size() >= kMaxHierarchy || members.size() > kMaxHierarchy)
      return bad_request("'" + c.source.name + "=" + c.source.value + "': the hierarchy " +
                             (below ? "below " : "above ") + type + "/" + root + " has more than " +
                             std::to_string(kMaxHierarchy) + " members; search a smaller part of it",
                         c.source.name);
  }
  return members;
}

// Reference :above / :below. On a canonical "url[|version]", :below
// matches every version that starts with the one given (R4 §3.1.1.4.13:
// `|1` matches 1.0 and 1.1). On a resource with a hierarchy, the resource
// and those below it (or above it) in the hierarchy (R4 §3.1.1.4.14:
// Procedure?location:below=42 also finds the procedures at the locations
// that are part of 42).
Result<Predicate> reference_hierarchy(const Clause& c, Ctx& ctx) {
  const ParamDef& def = *c.param;
  const bool below = c.modifier == "below";
  std::vector<RowCond> conds;
  for (const auto& raw : c.values) {
    std::string value = local_reference(unescape(raw), ctx.options.base_url);
    auto parts = parse_reference(value);
    if (!parts) {
      conds.push_back(RowCond::never());
      continue;
    }
    if (parts->type.empty() && value.find(':') != std::string::npos) {
      if (!below)
        return bad_request("':above' is not defined on a canonical reference ('" + value +
                               "'): ':below' matches its versions",
                           c.source.name);
      std::vector<RowCond> all{cmp(Column::RefId, CmpOp::Eq, parts->id), cmp(Column::RefType, CmpOp::Eq, "")};
      if (!parts->version.empty())
        all.push_back(RowCond::any({cmp(Column::RefVersion, CmpOp::Eq, parts->version),
                                    cmp(Column::RefVersion, CmpOp::StartsWith, parts->version + ".")}));
      conds.push_back(RowCond::all(std::move(all)));
      continue;
    }
    std::vector<std::string> types =
        parts->type.empty() ? def.targets : std::vector<std::string>{parts->type};
    bool walked = false;
    for (const auto& type : types) {
      const ParamDef* h = hierarchy_param(type);
      if (!h) continue;
      walked = true;
      auto members = hierarchy_members(ctx, *h, type, parts->id, below, c);
      if (!members) return std::move(members).error();
      conds.push_back(RowCond::all(
          {cmp(Column::RefType, CmpOp::Eq, type), RowCond::in(Column::RefId, std::move(*members))}));
    }
    if (!walked)
      return bad_request("':" + c.modifier + "' on '" + def.code +
                             "' needs a canonical URL or a resource whose type forms a hierarchy through "
                             "partOf (Location, Organization, Encounter, Task), not '" +
                             value + "'",
                         c.source.name);
  }
  return match(def.name, IndexTable::Reference, RowCond::any(std::move(conds)));
}

Result<Predicate> param_predicate(const Clause& c, Ctx& ctx) {
  const ParamDef& def = *c.param;
  const std::string& m = c.modifier;
  // :missing (R4 §3.1.1.5.1): presence of any row of the parameter.
  if (m == "missing") {
    bool missing = c.values.front() == "true";
    if (def.kind == Kind::kComposite && !def.components.empty()) {
      // A value is a group with every component: a composite that reads
      // plain parameters' rows (ParamComponent::same_rows) has rows for
      // one part without the other.
      Predicate p;
      p.kind = Predicate::Kind::Composite;
      for (const auto& comp : def.components)
        p.components.push_back({comp.name, table_of(comp.kind), RowCond::always()});
      if (!missing) return p;
      Predicate none;
      none.kind = Predicate::Kind::Not;
      none.sub.push_back(std::move(p));
      return none;
    }
    return missing ? no_match(def.name, table_of(def.kind), RowCond::always())
                   : match(def.name, table_of(def.kind), RowCond::always());
  }
  if (def.kind == Kind::kComposite) {
    std::vector<Predicate> alts;
    for (const auto& v : c.values) {
      auto parts = split_unescaped(v, '$');
      Predicate p;
      p.kind = Predicate::Kind::Composite;
      for (std::size_t i = 0; i < def.components.size() && i < parts.size(); ++i) {
        const auto& comp = def.components[i];
        p.components.push_back(
            {comp.name, table_of(comp.kind), value_cond(comp.kind, "", parts[i], def, ctx)});
      }
      alts.push_back(std::move(p));
    }
    return any_of(std::move(alts));
  }
  if (def.kind == Kind::kToken) {
    if (m == "text") {
      std::vector<RowCond> conds;
      for (const auto& v : c.values) conds.push_back(cmp(Column::Norm, CmpOp::StartsWith, fold(unescape(v))));
      // The texts a resource shares with the first one seen with the same
      // code are implied by its token rows, the others are string rows
      // (store/search_index.h, TokenRow): a text is in one or the other.
      RowCond any = RowCond::any(std::move(conds));
      Predicate implied = match(def.name, IndexTable::String, any);
      if (implied.kind == Predicate::Kind::Match) implied.kind = Predicate::Kind::CodeText;
      return any_of({match(def.text_name, IndexTable::String, std::move(any)), std::move(implied)});
    }
    if (m == "of-type") {
      std::vector<RowCond> conds;
      for (const auto& v : c.values) {
        auto parts = split_unescaped(v, '|');
        conds.push_back(
            RowCond::all({cmp(Column::Code, CmpOp::Eq, unescape(parts[2])),
                          cmp(Column::System, CmpOp::Eq, unescape(parts[0]) + "|" + unescape(parts[1]))}));
      }
      return match(def.of_type_name, IndexTable::Token, RowCond::any(std::move(conds)));
    }
    if (m == "in" || m == "not-in") {
      Expansion e;
      for (const auto& v : c.values)
        if (auto s = ctx.terminology.expand(unescape(v), e); !s) return s.error();
      std::vector<RowCond> conds;
      for (const auto& s : e.systems) conds.push_back(cmp(Column::System, CmpOp::Eq, s));
      // One IN over the codes of each system (codes are sorted by system).
      for (auto it = e.codes.begin(); it != e.codes.end();) {
        const std::string& system = it->first;
        std::vector<PlanValue> codes;
        for (; it != e.codes.end() && it->first == system; ++it) codes.emplace_back(it->second);
        RowCond code = codes.size() == 1 ? cmp(Column::Code, CmpOp::Eq, std::move(codes.front()))
                                         : RowCond::in(Column::Code, std::move(codes));
        conds.push_back(RowCond::all({std::move(code), cmp(Column::System, CmpOp::Eq, system)}));
      }
      RowCond any = RowCond::any(std::move(conds));
      return m == "in" ? match(def.name, IndexTable::Token, std::move(any))
                       : no_match(def.name, IndexTable::Token, std::move(any));
    }
    if (m == "above" || m == "below") {
      std::vector<RowCond> conds;
      for (const auto& v : c.values) {
        auto r = subsumption_cond(v, m == "below", ctx);
        if (!r) return std::move(r).error();
        conds.push_back(std::move(*r));
      }
      return match(def.name, IndexTable::Token, RowCond::any(std::move(conds)));
    }
  }
  if (def.kind == Kind::kReference && (m == "above" || m == "below")) return reference_hierarchy(c, ctx);
  if (def.kind == Kind::kReference && m == "identifier") {
    std::vector<RowCond> conds;
    for (const auto& v : c.values) conds.push_back(token_cond(v));
    return match(def.identifier_name, IndexTable::Token, RowCond::any(std::move(conds)));
  }
  std::vector<RowCond> conds;
  for (const auto& v : c.values) conds.push_back(value_cond(def.kind, m, v, def, ctx));
  RowCond any = RowCond::any(std::move(conds));
  if (m == "not") return no_match(def.name, table_of(def.kind), std::move(any));
  return match(def.name, table_of(def.kind), std::move(any));
}

// FTS5 query of _text/_content values: each value's words must all be there
// (quoted one by one: never a phrase, whose word positions the index does
// not keep), a word ending with '*' is a prefix, and values are ORed.
std::string fts_query(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& raw : values) {
    std::string v = unescape(raw);
    std::string q;
    for (std::size_t at = 0; at < v.size();) {
      auto end = v.find_first_of(" \t\n", at);
      if (end == std::string::npos) end = v.size();
      std::string_view piece(v.data() + at, end - at);
      at = end + 1;
      // One typed word may fold into several ("l'hôpital": "l", "hopital").
      std::string words = fold_words(piece);
      if (words.empty()) continue;
      for (std::size_t start = 0; start < words.size();) {
        auto sp = words.find(' ', start);
        if (sp == std::string::npos) sp = words.size();
        if (!q.empty()) q += " ";
        q += "\"" + words.substr(start, sp - start) + "\"";
        start = sp + 1;
      }
      if (piece.back() == '*') q += "*";
    }
    if (q.empty()) continue;
    out += (out.empty() ? "" : " OR ") + std::string("(") + q + ")";
  }
  return out;
}

}  // namespace

namespace {

// Backslashes escaped, so the value builders' unescape() gives `v` back
// ('|' stays a separator of tokens, quantities and canonicals).
std::string escape_backslashes(std::string_view v) {
  std::string out;
  for (char ch : v) {
    if (ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  return out;
}

Predicate not_of(Predicate p) {
  Predicate n;
  n.kind = Predicate::Kind::Not;
  n.sub.push_back(std::move(p));
  return n;
}

// One test of a _filter expression (search/filter.h), with the builders of
// ordinary parameters: `eq`/`ne`... on dates, numbers and quantities are
// the prefixes; `ne` on strings, tokens, references and uris is "no value
// equal" (as token :not); ss/sb/in/ni are :above/:below/:in/:not-in.
Result<Predicate> filter_test(const FilterExpr& f, Ctx& ctx) {
  const std::string& op = f.op;
  const std::string value = escape_backslashes(f.value);
  if (f.code == "_id") {
    Predicate p;
    p.kind = Predicate::Kind::Id;
    p.values = {f.value};
    return op == "ne" ? not_of(std::move(p)) : p;
  }
  if (f.code == "_lastUpdated") {
    auto r = date_range(f.value);
    if (!r) return match("", IndexTable::Date, RowCond::never());  // checked by parse_filter
    Predicate p;
    p.kind = Predicate::Kind::LastUpdated;
    p.cond =
        op == "po"
            ? RowCond::all({cmp(Column::Low, CmpOp::Le, r->high), cmp(Column::High, CmpOp::Ge, r->low)})
            : date_cond(split_prefix(op + f.value).first, *r, ctx.options.now, Column::Low, Column::High);
    return p;
  }
  const ParamDef& def = *f.param;
  const IndexTable table = table_of(def.kind);
  if (op == "pr")
    return f.value == "true" ? match(def.name, table, RowCond::always())
                             : no_match(def.name, table, RowCond::always());
  auto as_clause = [&](std::string modifier, std::string v) {
    Clause c;
    c.kind = Clause::Kind::Param;
    c.param = &def;
    c.modifier = std::move(modifier);
    c.values = {std::move(v)};
    return param_predicate(c, ctx);
  };
  switch (def.kind) {
    case Kind::kString: {
      std::string folded = fold(f.value);
      if (op == "eq") return match(def.name, table, cmp(Column::Norm, CmpOp::Eq, folded));
      if (op == "ne") return no_match(def.name, table, cmp(Column::Norm, CmpOp::Eq, folded));
      if (op == "co") return match(def.name, table, cmp(Column::Norm, CmpOp::Contains, folded));
      if (op == "sw") return match(def.name, table, cmp(Column::Norm, CmpOp::StartsWith, folded));
      if (op == "ew") return match(def.name, table, cmp(Column::Norm, CmpOp::EndsWith, folded));
      break;
    }
    case Kind::kToken: {
      if (op == "eq") return match(def.name, table, token_cond(value));
      if (op == "ne") return no_match(def.name, table, token_cond(value));
      if (op == "ss") return as_clause("above", value);
      if (op == "sb") return as_clause("below", value);
      if (op == "in") return as_clause("in", value);
      if (op == "ni") return as_clause("not-in", value);
      break;
    }
    case Kind::kDate: {
      if (op == "po") {  // the target's range overlaps the value's
        auto r = date_range(f.value);
        if (!r) return match("", IndexTable::Date, RowCond::never());  // checked by parse_filter
        return match(
            def.name, table,
            RowCond::all({cmp(Column::Low, CmpOp::Le, r->high), cmp(Column::High, CmpOp::Ge, r->low)}));
      }
      return match(def.name, table, value_cond(def.kind, "", op + value, def, ctx));
    }
    case Kind::kNumber:
    case Kind::kQuantity:
      return match(def.name, table, value_cond(def.kind, "", op + value, def, ctx));
    case Kind::kReference: {
      RowCond c = value_cond(def.kind, "", value, def, ctx);
      return op == "ne" ? no_match(def.name, table, std::move(c)) : match(def.name, table, std::move(c));
    }
    case Kind::kUri: {
      if (op == "eq") return match(def.name, table, uri_cond(value, ""));
      if (op == "ne") return no_match(def.name, table, uri_cond(value, ""));
      return match(def.name, table, uri_cond(value, op == "ss" ? "above" : "below"));
    }
    default:
      break;
  }
  return bad_request("_filter at position " + std::to_string(f.position) + ": operator '" + op +
                         "' is not supported on '" + f.code + "'",
                     "_filter");
}

// A chain through reference `param` to resources of `types` (the first
// names the referenced type) satisfying `sub` (R4 §3.1.1.4.15).
Predicate chain_to(const std::string& param, std::vector<std::string> types, Predicate sub) {
  Predicate p;
  p.kind = Predicate::Kind::Chain;
  p.param = param;
  p.table = IndexTable::Reference;
  // Or a contained resource of that type ("#Type", store::ContainedRows).
  p.cond = RowCond::in(Column::RefType, {types.front(), store::contained_type(types.front())});
  p.types = std::move(types);
  p.sub.push_back(std::move(sub));
  return p;
}

Result<Predicate> filter_predicate(const FilterExpr& f, Ctx& ctx) {
  if (f.kind == FilterExpr::Kind::Test) return filter_test(f, ctx);
  if (f.kind == FilterExpr::Kind::Chain) {
    auto sub = filter_predicate(f.kids.front(), ctx);
    if (!sub) return sub;
    return chain_to(f.param->name, {f.code}, std::move(*sub));
  }
  std::vector<Predicate> kids;
  for (const auto& k : f.kids) {
    auto p = filter_predicate(k, ctx);
    if (!p) return p;
    kids.push_back(std::move(*p));
  }
  if (f.kind == FilterExpr::Kind::Not) return not_of(std::move(kids.front()));
  Predicate p;
  p.kind = f.kind == FilterExpr::Kind::And ? Predicate::Kind::All : Predicate::Kind::Any;
  p.sub = std::move(kids);
  return p;
}

Result<Predicate> clause_pred(const Clause& c, Ctx& ctx) {
  const PlanOptions& options = ctx.options;
  switch (c.kind) {
    case Clause::Kind::Param:
      return param_predicate(c, ctx);
    case Clause::Kind::Id: {
      Predicate p;
      p.kind = Predicate::Kind::Id;
      for (const auto& v : c.values) p.values.push_back(unescape(v));
      return p;
    }
    case Clause::Kind::LastUpdated: {
      if (c.modifier == "missing") {
        Predicate p;
        p.kind = c.values.front() == "true" ? Predicate::Kind::Nothing : Predicate::Kind::All;
        return p;
      }
      std::vector<RowCond> conds;
      for (const auto& v : c.values) {
        auto [pre, text] = split_prefix(v);
        auto r = date_range(text);
        conds.push_back(r ? date_cond(pre, *r, options.now, Column::Low, Column::High) : RowCond::never());
      }
      Predicate p;
      p.kind = Predicate::Kind::LastUpdated;
      p.cond = RowCond::any(std::move(conds));
      return p;
    }
    case Clause::Kind::Text:
    case Clause::Kind::Content: {
      Predicate p;
      p.kind = Predicate::Kind::Text;
      p.column = c.kind == Clause::Kind::Text ? Column::Norm : Column::Exact;
      std::string q = fts_query(c.values);
      if (q.empty()) {
        p.kind = Predicate::Kind::All;  // no words: no condition
        return p;
      }
      p.values.push_back(std::move(q));
      return p;
    }
    case Clause::Kind::Filter:
      return filter_predicate(*c.filter, ctx);
    case Clause::Kind::List: {
      std::vector<Predicate> alts;
      for (const auto& v : c.values) {
        Predicate p;
        p.kind = Predicate::Kind::ReferencedBy;
        p.types = {"List"};
        std::string id = unescape(v);
        if (id.starts_with("List/")) id = id.substr(5);
        p.values = {id};
        p.param = "List.item";
        alts.push_back(std::move(p));
      }
      return any_of(std::move(alts));
    }
    case Clause::Kind::Chain: {
      if (!c.alternatives.empty()) {
        std::vector<Predicate> alts;
        for (const auto& a : c.alternatives) {
          auto p = clause_pred(*a, ctx);
          if (!p) return p;
          alts.push_back(std::move(*p));
        }
        return any_of(std::move(alts));
      }
      auto sub = clause_pred(*c.next, ctx);
      if (!sub) return sub;
      return chain_to(c.param->name, c.target_types, std::move(*sub));
    }
    case Clause::Kind::Has: {
      auto sub = clause_pred(*c.next, ctx);
      if (!sub) return sub;
      Predicate p;
      p.kind = Predicate::Kind::Has;
      p.param = c.param->name;
      p.table = IndexTable::Reference;
      p.types = {c.has_type};
      p.sub.push_back(std::move(*sub));
      return p;
    }
  }
  return internal_error("unknown clause");
}

}  // namespace

Result<Predicate> clause_predicate(const Clause& c, store::Reader& reader, const PlanOptions& options,
                                   std::vector<Issue>* notes) {
  Ctx ctx{reader, options, notes};
  return clause_pred(c, ctx);
}

namespace {

// The relative cost of testing a predicate on one resource (a seek ~ 1).
double test_weight(const Predicate& p) {
  switch (p.kind) {
    case Predicate::Kind::Chain:
    case Predicate::Kind::Has: {
      // Measured on the 10k territory: testing Encounter.subject:Patient.name
      // on one walked encounter (~15 µs: the reference, the target, its
      // strings) costs about 60 enumerated rows of the same chain (~0.25 µs).
      double w = 16;
      for (const auto& s : p.sub) w += test_weight(s);
      return w;
    }
    case Predicate::Kind::Composite:
      return 1 + static_cast<double>(p.components.size());
    case Predicate::Kind::Text:
      return 3;
    case Predicate::Kind::Any:
    case Predicate::Kind::All: {
      double w = 0;
      for (const auto& s : p.sub) w += test_weight(s);
      return w;
    }
    case Predicate::Kind::Not:
      return p.sub.empty() ? 1 : test_weight(p.sub.front());
    case Predicate::Kind::Id:
    case Predicate::Kind::LastUpdated:
      return 0.5;
    default:
      return 1;
  }
}

// Whether every row satisfying `c` has one given code.
bool pins_code(const store::RowCond& c) {
  if (c.kind == store::RowCond::Kind::Cmp) return c.column == Column::Code && c.op == store::CmpOp::Eq;
  if (c.kind == store::RowCond::Kind::And) return std::any_of(c.kids.begin(), c.kids.end(), pins_code);
  return false;
}

// A predicate of one code on a parameter whose rows carry the date the
// search is sorted on, latest first (ParamDef::latest_by): its rows walked
// by that date give the results in order (SearchPlan::latest_walk). -1: none.
int latest_candidate(const Query& q, const store::SearchPlan& plan) {
  if (q.sort.size() != 1 || !q.sort[0].descending || !q.sort[0].param) return -1;
  for (std::size_t i = 0; i < plan.where.size(); ++i) {
    const Predicate& p = plan.where[i];
    if (p.kind != Predicate::Kind::Match || p.table != store::IndexTable::Token || p.clause < 0) continue;
    const Clause& c = q.clauses.at(static_cast<std::size_t>(p.clause));
    if (c.kind != Clause::Kind::Param || !c.param || p.param != c.param->name) continue;
    if (c.param->latest_by && c.param->latest_by->name == q.sort[0].param->name && pins_code(p.cond))
      return static_cast<int>(i);
  }
  return -1;
}

store::SortKey sort_key(const SortSpec& s) {
  store::SortKey k;
  k.descending = s.descending;
  if (s.code == "_id") {
    k.source = store::SortKey::Source::Id;
    return k;
  }
  if (s.code == "_lastUpdated") {
    k.source = store::SortKey::Source::LastUpdated;
    return k;
  }
  k.param = s.param->name;
  k.table = table_of(s.param->kind);
  switch (s.param->kind) {
    case Kind::kString:
      k.column = Column::Norm;
      break;
    case Kind::kToken:
      k.column = Column::Code;
      break;
    case Kind::kDate:
      k.column = s.descending ? Column::High : Column::Low;
      break;
    case Kind::kNumber:
    case Kind::kQuantity:
      k.column = Column::Value;
      break;
    case Kind::kUri:
      k.column = Column::Uri;
      break;
    case Kind::kReference:
      k.column = Column::RefId;
      break;
    default:
      k.column = Column::Code;
  }
  return k;
}

// Orders the sub-predicates of chains and _has too (most selective first),
// with estimates where they are cheap (plain matches).
void order_nested(Predicate& p, store::Reader& reader, const store::SearchPlan& scope, std::int64_t cap) {
  for (auto& s : p.sub) order_nested(s, reader, scope, cap);
  if (p.kind != Predicate::Kind::Chain && p.kind != Predicate::Kind::Has && p.kind != Predicate::Kind::All)
    return;
  store::SearchPlan inner;
  inner.types = p.kind == Predicate::Kind::All ? scope.types : p.types;
  for (auto& s : p.sub) {
    if (s.drivable() && (s.kind == Predicate::Kind::Match || s.kind == Predicate::Kind::Id)) {
      auto e = reader.estimate(inner, s, cap);
      if (e && *e >= 0) s.estimate = *e;
    }
  }
  std::stable_sort(p.sub.begin(), p.sub.end(), [](const Predicate& a, const Predicate& b) {
    auto key = [](const Predicate& x) {
      return !x.drivable() ? INT64_MAX : x.estimate < 0 ? INT64_MAX - 1 : x.estimate;
    };
    return key(a) < key(b);
  });
}

using TypeCounts = std::vector<std::pair<std::string, std::int64_t>>;

// Live resources of `types` (every type when empty).
std::int64_t resources_of(const TypeCounts& counts, const std::vector<std::string>& types) {
  std::int64_t n = 0;
  for (const auto& [t, c] : counts)
    if (types.empty() || std::find(types.begin(), types.end(), t) != types.end()) n += c;
  return n;
}

enum class TargetStrategy { None, Enumerate, Walk };

// Unsorted, with a chain as the driver: its targets can give the order
// (store::SearchPlan::target_order), which stops after the page instead of
// collecting every match. The targets come either from walking their type
// in insertion order, testing each (about page × N_t / M of them: N_t
// resources of the target type, M matching referrers), or from enumerating
// the chain's most selective predicate (M_t rows). Chosen when cheaper than
// the plain strategy (walk: count × N / M tests; enumerate: M_t targets and
// M referrers, sorted).
Result<TargetStrategy> target_strategy(store::SearchPlan& plan, store::Reader& reader,
                                       const TypeCounts& counts, std::int64_t page, std::int64_t matches,
                                       bool enumerate, double walk_weight, double enum_weight,
                                       std::int64_t cap, std::int64_t cap2, std::vector<std::string>& notes) {
  if (!plan.sort.empty() || plan.driver < 0 || matches < 0) return TargetStrategy::None;
  Predicate& chain = plan.where[static_cast<std::size_t>(plan.driver)];
  if (chain.kind != Predicate::Kind::Chain) return TargetStrategy::None;
  const double n_r = static_cast<double>(resources_of(counts, plan.types));
  const double n_t = static_cast<double>(std::max<std::int64_t>(1, resources_of(counts, chain.types)));
  const double others = enum_weight;  // the tests of the other predicates, per referrer
  double sub_tests = 2;               // the target's row, then its referrers
  for (const auto& sub : chain.sub) sub_tests += test_weight(sub);
  const bool one_type = chain.types.size() == 1;  // a walk in rid order needs the (type, rid) index
  const Predicate* lead = nullptr;
  for (auto& sub : chain.sub)
    if (sub.drivable()) {
      lead = &sub;
      break;
    }
  // M_t, the lead's rows. With M ≈ M_t × N_r / N_t (referrers spread over
  // the targets), enumerating beats walking when M_t < N_t × √(page × s /
  // N_r), s a walked target's tests: count that far, no further.
  double m_t = !lead ? n_t : lead->estimate >= 0 ? static_cast<double>(lead->estimate) : -1;
  if (lead && lead->estimate >= cap) {
    double bound = one_type ? n_t * std::sqrt(static_cast<double>(page) * sub_tests / std::max(1.0, n_r))
                            : static_cast<double>(cap2);
    store::SearchPlan inner;
    inner.types = chain.types;
    auto e = reader.estimate(inner, *lead,
                             std::clamp<std::int64_t>(static_cast<std::int64_t>(bound) + 1, cap + 1, cap2));
    if (!e) return std::move(e).error();
    if (*e >= 0) m_t = static_cast<double>(*e);
  }
  // M: exact below the cap, else its lower bound or the spread estimate.
  double m = static_cast<double>(std::max<std::int64_t>(1, matches));
  if (matches >= cap && m_t >= 0) m = std::max(m, m_t * n_r / n_t);
  if (m_t < 0) m_t = m;  // a lead the store cannot count (a nested chain): its referrers as a proxy
  const double walk =
      one_type ? std::min(n_t, static_cast<double>(page) * n_t / m) * sub_tests + page * others : INFINITY;
  const double listed = m_t + page * others;
  const double plain =
      enumerate ? m_t + m * enum_weight : std::min(n_r, static_cast<double>(page) * n_r / m) * walk_weight;
  char buf[160];
  std::snprintf(buf, sizeof buf, "costs: walk the chain's targets ~%.0f, enumerate them ~%.0f, plain ~%.0f",
                walk, listed, plain);
  notes.push_back(buf);
  if (std::min(walk, listed) >= plain) return TargetStrategy::None;
  return walk <= listed ? TargetStrategy::Walk : TargetStrategy::Enumerate;
}

}  // namespace

Result<Planned> make_plan(const Query& q, store::Reader& reader, const PlanOptions& options) {
  Planned out;
  store::SearchPlan& plan = out.plan;
  plan.types = q.types;
  if (q.contained != ContainedMode::No) {
    // The contained resources' rows are typed "#Type" (store::ContainedRows).
    plan.contained = q.contained == ContainedMode::Only ? store::SearchPlan::Contained::Only
                                                        : store::SearchPlan::Contained::Both;
    if (q.contained == ContainedMode::Only) plan.types.clear();
    for (const auto& t : q.types) plan.types.push_back(store::contained_type(t));
  }
  plan.policy = options.policy;
  plan.count = q.count;
  plan.explain = q.explain;
  plan.includes = q.includes;
  Ctx ctx{reader, options, &out.issues};
  for (const auto& c : q.clauses) {
    auto p = clause_pred(c, ctx);
    if (!p && p.error().status() == 400 && !options.strict) {
      // Lenient mode (R4 §3.1.1.4): a value the planner cannot apply (a
      // ValueSet it cannot expand...) drops its parameter, reported.
      const auto& issues = p.error().issues();
      out.issues.push_back(Issue{"warning", "not-supported",
                                 "Parameter '" + c.source.name + "' ignored: " +
                                     (issues.empty() ? std::string("invalid") : issues.front().diagnostics),
                                 c.source.name});
      out.dropped.push_back(c.source);
      continue;
    }
    if (!p) return std::move(p).error();
    p->label = c.param ? c.param->code : "";
    p->clause = static_cast<int>(&c - q.clauses.data());
    plan.where.push_back(std::move(*p));
  }
  if (!q.compartment.empty()) {
    Predicate p;
    p.kind = Predicate::Kind::Compartment;
    p.values = {q.compartment};
    plan.where.push_back(std::move(p));
  }
  // Statistics: a bounded count of each enumerable predicate's rows, first
  // with a small bound (enough when one predicate is very selective), then
  // with the full one.
  const std::int64_t cap = options.estimate_cap;
  const std::int64_t small_cap = std::min<std::int64_t>(64, cap);
  bool any_selective = false;
  for (auto& p : plan.where) {
    order_nested(p, reader, plan, cap);
    if (!p.drivable()) continue;
    auto e = reader.estimate(plan, p, small_cap);
    if (!e) return std::move(e).error();
    p.estimate = *e;
    if (*e >= 0 && *e < small_cap) any_selective = true;
  }
  if (!any_selective)
    for (auto& p : plan.where) {
      if (!p.drivable() || p.estimate < small_cap) continue;
      auto e = reader.estimate(plan, p, cap);
      if (!e) return std::move(e).error();
      p.estimate = *e;
    }
  std::stable_sort(plan.where.begin(), plan.where.end(), [](const Predicate& a, const Predicate& b) {
    auto key = [](const Predicate& x) {
      return !x.drivable() ? INT64_MAX : x.estimate < 0 ? INT64_MAX - 1 : x.estimate;
    };
    return key(a) < key(b);
  });
  plan.driver = -1;
  for (std::size_t i = 0; i < plan.where.size(); ++i)
    if (plan.where[i].drivable()) {
      plan.driver = static_cast<int>(i);
      out.driver_estimate = plan.where[i].estimate;
      break;
    }
  for (const auto& s : q.sort) plan.sort.push_back(sort_key(s));

  // Strategy (docs/decisions/search.md). Enumerating the driver costs about
  // M (its matches) plus a sort; walking an ordered index (the sort key's,
  // or the type's own rid order) and testing costs about count × N / M,
  // N being the resources of the type. Walk when M² > count × N.
  std::int64_t matches = out.driver_estimate;
  auto counts = reader.count_by_type();
  if (!counts) return std::move(counts).error();
  // A latest walk (SearchPlan::latest_walk) reads only the rows of its
  // code: when that predicate drives, its matches are the walked set. When
  // another drives, the walk still reads N / M rows per result (with
  // independent predicates, as a walk of the type would), so N stays.
  const int latest = latest_candidate(q, plan);
  const std::int64_t population = latest >= 0 && latest == plan.driver && matches >= 0
                                      ? std::max<std::int64_t>(1, matches)
                                      : resources_of(*counts, q.types);
  const std::int64_t page = std::max(1, q.count);
  // Relative costs: a walked row runs every test (plus the extreme-value
  // check of a sort key); an enumerated one runs the others and is sorted.
  double walk_weight = plan.sort.empty() ? 1 : 2, enum_weight = plan.sort.empty() ? 1 : 3;
  for (std::size_t i = 0; i < plan.where.size(); ++i) {
    double w = test_weight(plan.where[i]);
    walk_weight += w;
    if (static_cast<int>(i) != plan.driver) enum_weight += w;
  }
  const double threshold =
      std::sqrt(static_cast<double>(page) * static_cast<double>(population) * walk_weight / enum_weight);
  // Unsorted with a chain driving, target order (below) decides with M's
  // lower bound: counting the chain's matches further costs more than the
  // page (14 000 encounters of the patients named Martin: 8 ms).
  const bool chain_drives = plan.sort.empty() && plan.driver >= 0 &&
                            plan.where[static_cast<std::size_t>(plan.driver)].kind == Predicate::Kind::Chain;
  if (plan.driver >= 0 && matches >= cap && !chain_drives) {
    // Only whether M exceeds the threshold matters: count that far.
    std::int64_t cap2 =
        std::clamp<std::int64_t>(static_cast<std::int64_t>(threshold) + 1, cap + 1, options.estimate_cap2);
    auto e = reader.estimate(plan, plan.where[static_cast<std::size_t>(plan.driver)], cap2);
    if (!e) return std::move(e).error();
    if (*e >= 0) matches = out.driver_estimate = *e;
  }
  const bool enumerate = plan.driver >= 0 && matches >= 0 && static_cast<double>(matches) <= threshold;
  const bool ordered_sort = plan.sort.size() == 1;
  out.notes.push_back("statistics: driver ~" + std::to_string(matches) + " rows, " +
                      std::to_string(population) +
                      (latest >= 0 && latest == plan.driver ? " rows of its code to walk"
                                                            : " resources of the searched types") +
                      ", page " + std::to_string(page));
  auto target = target_strategy(plan, reader, *counts, page, matches, enumerate, walk_weight, enum_weight,
                                cap, options.estimate_cap2, out.notes);
  if (!target) return std::move(target).error();
  if (*target != TargetStrategy::None) {
    plan.target_order = true;
    plan.target_walk = *target == TargetStrategy::Walk;
    const auto& chain = plan.where[static_cast<std::size_t>(plan.driver)];
    out.notes.push_back(
        "strategy: take the targets of [" + describe(chain) + "] in insertion order (" +
        (plan.target_walk ? "walk their type, test" : "enumerate their most selective predicate") +
        "), then their referrers; test the others, stop after the page");
  } else if (!enumerate && ordered_sort && plan.sort[0].source == store::SortKey::Source::Rows &&
             !q.types.empty()) {
    plan.sort_driven = true;
    if (latest >= 0) {
      plan.latest_walk = latest;
      out.notes.push_back(
          "strategy: walk the rows of [" + describe(plan.where[static_cast<std::size_t>(latest)]) +
          "] by their resource's latest " + q.sort[0].code + ", test the others, stop after the page");
    } else {
      out.notes.push_back("strategy: walk the index of _sort=" + q.sort[0].code +
                          " in order, test every predicate, stop after the page");
    }
  } else if (!enumerate && (plan.sort.empty() || ordered_sort)) {
    plan.driver = -1;  // rid order, or the (type, _lastUpdated) / (type, id) index
    out.notes.push_back("strategy: walk the resources of the searched types in " +
                        std::string(plan.sort.empty() ? "insertion" : "_sort") +
                        " order, test every predicate");
  } else if (plan.driver >= 0) {
    out.notes.push_back("strategy: enumerate [" +
                        describe(plan.where[static_cast<std::size_t>(plan.driver)]) +
                        "], test the others, sort the matches");
  } else {
    out.notes.push_back("strategy: scan the searched types, test every predicate, sort the matches");
  }
  const bool selective = plan.driver >= 0 && matches >= 0 && matches < cap;
  for (const auto& p : plan.where) out.notes.push_back("predicate: " + describe(p));

  switch (q.total) {
    case TotalMode::None:
      break;
    case TotalMode::Accurate:
      plan.count_total = true;
      break;
    case TotalMode::Estimate:
    case TotalMode::Default:
      plan.count_total = selective || plan.where.empty() || q.summary == SummaryMode::Count;
      break;
  }
  if (q.summary == SummaryMode::Count) plan.count_total = true;
  return out;
}

// --- cursors -------------------------------------------------------------------

std::string encode_cursor(const store::SearchCursor& c) {
  Json a = Json::array();
  a.push_back(std::string(c.target_order ? "t" : "") + (c.backward ? "b" : "f"));
  a.push_back(Json(c.rid));
  for (const auto& k : c.keys) {
    struct V {
      Json operator()(std::monostate) const { return Json(); }
      Json operator()(std::int64_t i) const { return Json(i); }
      Json operator()(double d) const {
        char buf[40];
        std::snprintf(buf, sizeof buf, "d:%.17g", d);
        return Json(std::string(buf));
      }
      Json operator()(const std::string& s) const { return Json("s:" + s); }
    };
    a.push_back(std::visit(V{}, k));
  }
  if (c.target_order) a.push_back(Json(c.chain));
  std::string b = fhir::base64_encode(a.dump());
  for (auto& ch : b) {
    if (ch == '+') ch = '-';
    if (ch == '/') ch = '_';
  }
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

Result<store::SearchCursor> decode_cursor(std::string_view token, std::size_t keys) {
  auto bad = [] {
    return bad_request("Invalid or outdated _cursor: restart the search from its first page", "_cursor");
  };
  if (token.size() > 8192) return bad();
  std::string b(token);
  for (auto& ch : b) {
    if (ch == '-') ch = '+';
    if (ch == '_') ch = '/';
  }
  while (b.size() % 4) b.push_back('=');
  auto raw = fhir::base64_decode(b);
  if (!raw) return bad();
  auto j = parse_json(*raw);
  if (!j || !j->is_array() || j->size() < 2) return bad();
  const auto& a = j->as_array();
  if (!a[0].is_string()) return bad();
  store::SearchCursor c;
  std::string_view dir = a[0].as_string();
  c.target_order = dir.starts_with('t');
  if (c.target_order) dir.remove_prefix(1);
  if (dir != "f" && dir != "b") return bad();
  c.backward = dir == "b";
  if (a.size() != (c.target_order ? 4 : keys + 2)) return bad();  // target order: [dir, rid, target, chain]
  if (c.target_order) {
    if (!a[3].is_string()) return bad();
    c.chain = a[3].as_string();
  }
  auto rid = a[1].to_int64();
  if (!rid) return bad();
  c.rid = *rid;
  for (std::size_t i = 2; i < (c.target_order ? 3 : a.size()); ++i) {
    const Json& k = a[i];
    if (k.is_null()) {
      c.keys.emplace_back(std::monostate{});
    } else if (k.is_number()) {
      auto v = k.to_int64();
      if (!v) return bad();
      c.keys.emplace_back(*v);
    } else if (k.is_string() && k.as_string().starts_with("s:")) {
      c.keys.emplace_back(k.as_string().substr(2));
    } else if (k.is_string() && k.as_string().starts_with("d:")) {
      auto d = parse_decimal(k.as_string().substr(2));
      if (!d) return bad();
      c.keys.emplace_back(*d);
    } else {
      return bad();
    }
  }
  return c;
}

std::string chain_tag(const Predicate& chain) { return "c" + std::to_string(chain.clause); }

Status follow_cursor(store::SearchPlan& plan, store::SearchCursor cursor, std::vector<std::string>& notes) {
  if (cursor.target_order) {
    if (!plan.sort.empty())
      return bad_request("Invalid or outdated _cursor: restart the search from its first page", "_cursor");
    // The chain the first page walked, whatever the statistics prefer now.
    bool found = false;
    for (std::size_t i = 0; i < plan.where.size() && !found; ++i) {
      if (plan.where[i].kind != Predicate::Kind::Chain || chain_tag(plan.where[i]) != cursor.chain) continue;
      found = true;
      if (!plan.target_order || plan.driver != static_cast<int>(i))
        notes.push_back("strategy: as on the first page, the targets of [" + describe(plan.where[i]) +
                        "] in insertion order");
      plan.driver = static_cast<int>(i);
    }
    if (!found)
      return bad_request("Invalid or outdated _cursor: restart the search from its first page", "_cursor");
    plan.sort_driven = false;
  } else if (plan.target_order) {
    notes.push_back("strategy: as on the first page, insertion order");
  }
  plan.target_order = cursor.target_order;
  plan.cursor = std::move(cursor);
  return Status::Ok();
}

}  // namespace parcours::search
