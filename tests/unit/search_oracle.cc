#include "unit/search_oracle.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <regex>
#include <sstream>

#include "search/extract.h"
#include "search/terminology.h"
#include "search/text.h"
#include "search/values.h"

namespace parcours::testing {
namespace {

using Kind = fhir::SearchParamType;

std::string_view text_of(const fhirpath::Item& it) {
  if (it.node && it.node->is_string()) return it.node->as_string();
  if (!it.node && it.value.is_string()) return it.value.as_string();
  return {};
}

// Reference strings, read the way FHIR R4 §2.3.0 describes them.
Oracle::Ref read_reference(std::string_view s) {
  Oracle::Ref r;
  if (s.find(':') != std::string_view::npos) {
    auto bar = s.rfind('|');
    auto hist = s.find("/_history/");
    if (bar != std::string_view::npos) {
      r.version = s.substr(bar + 1);
      s = s.substr(0, bar);
    } else if (hist != std::string_view::npos) {
      r.version = s.substr(hist + 10);
      s = s.substr(0, hist);
    }
    r.id = s;
    return r;
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto slash = s.find('/', start);
    parts.emplace_back(
        s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if ((parts.size() == 2 || (parts.size() == 4 && parts[2] == "_history")) &&
      fhir::is_resource_type(parts[0]) && !parts[1].empty()) {
    r.type = parts[0];
    r.id = parts[1];
    if (parts.size() == 4) r.version = parts[3];
    return r;
  }
  r.id = s;
  return r;
}

void read_values(Kind kind, const fhirpath::Collection& items, Oracle::Values& v) {
  for (const auto& it : items) {
    const Json* n = it.node;
    const bool object = n && n->is_object();
    switch (kind) {
      case Kind::kToken: {
        auto coding = [&](const Json& c) {
          std::string sys(c.get_string("system")), code(c.get_string("code"));
          if (!sys.empty() || !code.empty()) v.tokens.push_back({sys, code});
          if (!c.get_string("display").empty()) v.texts.emplace_back(c.get_string("display"));
        };
        if (object && it.type == "Coding") {
          coding(*n);
        } else if (object && it.type == "CodeableConcept") {
          if (const Json* cs = n->find("coding"))
            for (const Json& c : cs->as_array()) coding(c);
          if (!n->get_string("text").empty()) v.texts.emplace_back(n->get_string("text"));
        } else if (object && it.type == "Identifier") {
          std::string sys(n->get_string("system")), value(n->get_string("value"));
          if (!sys.empty() || !value.empty()) v.tokens.push_back({sys, value});
          if (const Json* t = n->find("type")) {
            if (!t->get_string("text").empty()) v.texts.emplace_back(t->get_string("text"));
            if (const Json* cs = t->find("coding"))
              for (const Json& c : cs->as_array())
                if (!value.empty())
                  v.of_type.push_back(
                      {std::string(c.get_string("system")) + "|" + std::string(c.get_string("code")), value});
          }
        } else if (object && it.type == "ContactPoint") {
          std::string sys(n->get_string("system")), value(n->get_string("value"));
          if (!sys.empty() || !value.empty()) v.tokens.push_back({sys, value});
        } else if (object) {
        } else if ((n && n->is_bool()) || it.kind == fhirpath::Kind::Boolean) {
          bool b = n ? n->as_bool() : it.value.as_bool();
          v.tokens.push_back({"", b ? "true" : "false"});
        } else if (!text_of(it).empty()) {
          v.tokens.push_back({"", std::string(text_of(it))});
        } else if ((n && n->is_number()) || it.value.is_number()) {
          v.tokens.push_back({"", n ? n->number() : it.value.number()});
        }
        break;
      }
      case Kind::kString: {
        auto add = [&](const Json* x) {
          if (!x) return;
          if (x->is_string() && !x->as_string().empty()) v.strings.push_back(x->as_string());
          if (x->is_array())
            for (const Json& e : x->as_array())
              if (e.is_string() && !e.as_string().empty()) v.strings.push_back(e.as_string());
        };
        if (object && it.type == "HumanName") {
          for (auto k : {"family", "given", "prefix", "suffix", "text"}) add(n->find(k));
        } else if (object && it.type == "Address") {
          for (auto k : {"line", "city", "district", "state", "postalCode", "country", "text"})
            add(n->find(k));
        } else if (!object && !text_of(it).empty()) {
          v.strings.emplace_back(text_of(it));
        }
        break;
      }
      case Kind::kDate: {
        auto range = [&](std::string_view s) { return search::date_range(s); };
        auto period = [&](const Json& p) {
          auto a = range(p.get_string("start")), b = range(p.get_string("end"));
          if (a || b) v.dates.push_back({a ? a->low : search::kMinMicros, b ? b->high : search::kMaxMicros});
        };
        if (object && it.type == "Period") {
          period(*n);
        } else if (object && it.type == "Timing") {
          if (const Json* ev = n->find("event"))
            for (const Json& e : ev->as_array())
              if (e.is_string())
                if (auto r = range(e.as_string())) v.dates.push_back({r->low, r->high});
          if (const Json* rep = n->find("repeat"))
            if (const Json* b = rep->find("boundsPeriod")) period(*b);
        } else if (!object) {
          if (auto r = range(text_of(it))) v.dates.push_back({r->low, r->high});
        }
        break;
      }
      case Kind::kNumber: {
        const Json* x = n ? n : &it.value;
        if (x->is_number())
          if (auto d = search::parse_decimal(x->number())) v.numbers.push_back(*d);
        break;
      }
      case Kind::kQuantity: {
        if (object) {
          const Json* value = n->find("value");
          if (!value || !value->is_number()) break;
          auto d = search::parse_decimal(value->number());
          if (!d) break;
          if (it.type == "Money") {
            v.quantities.push_back({*d, "urn:iso:std:iso:4217", std::string(n->get_string("currency"))});
          } else {
            std::string code(n->get_string("code"));
            if (code.empty()) code = n->get_string("unit");
            v.quantities.push_back({*d, std::string(n->get_string("system")), code});
          }
        } else if (it.kind == fhirpath::Kind::Quantity && it.value.is_number()) {
          if (auto d = search::parse_decimal(it.value.number()))
            v.quantities.push_back({*d, it.unit.empty() ? "" : std::string(search::kUcum), it.unit});
        }
        break;
      }
      case Kind::kReference: {
        if (object && n->find("resourceType")) {
          if (!n->get_string("id").empty())
            v.refs.push_back(
                {std::string(n->get_string("resourceType")), std::string(n->get_string("id")), ""});
        } else if (object) {
          std::string_view ref = n->get_string("reference");
          if (ref.size() > 1 && ref.front() == '#')
            v.refs.push_back({"#", std::string(ref.substr(1)), ""});  // resolved by Oracle::resolve_local
          else if (!ref.empty() && ref.front() != '#')
            v.refs.push_back(read_reference(ref));
          if (const Json* id = n->find("identifier"); id && id->is_object()) {
            std::string sys(id->get_string("system")), value(id->get_string("value"));
            if (!sys.empty() || !value.empty()) v.ref_identifiers.push_back({sys, value});
          }
        } else if (text_of(it).size() > 1 && text_of(it).front() == '#') {
          v.refs.push_back({"#", std::string(text_of(it).substr(1)), ""});
        } else if (!text_of(it).empty() && text_of(it).front() != '#') {
          v.refs.push_back(read_reference(text_of(it)));
        }
        break;
      }
      case Kind::kUri:
        if (!text_of(it).empty()) v.uris.emplace_back(text_of(it));
        break;
      case Kind::kSpecial:
        if (object && n->find("latitude") && n->find("longitude"))
          v.positions.emplace_back(*n->find("latitude")->to_double(), *n->find("longitude")->to_double());
        break;
      case Kind::kComposite:
        break;
    }
  }
}

bool date_matches(search::Prefix p, const search::DateRange& s, const Oracle::Range& t, std::int64_t now) {
  bool eq = t.low >= s.low && t.high <= s.high;
  switch (p) {
    case search::Prefix::Eq:
      return eq;
    case search::Prefix::Ne:
      return !eq;
    case search::Prefix::Gt:
      return t.high > s.high;
    case search::Prefix::Lt:
      return t.low < s.low;
    case search::Prefix::Ge:
      return t.high > s.high || eq;
    case search::Prefix::Le:
      return t.low < s.low || eq;
    case search::Prefix::Sa:
      return t.low > s.high;
    case search::Prefix::Eb:
      return t.high < s.low;
    case search::Prefix::Ap: {
      std::int64_t gap = s.low > now ? s.low - now : now - s.low;
      return t.low <= s.high + gap / 10 && t.high >= s.low - gap / 10;
    }
  }
  return false;
}

bool number_matches(search::Prefix p, const search::DecimalRange& r, double t, double factor = 1) {
  double v = r.value * factor, lo = r.low * factor, hi = r.high * factor;
  if (lo > hi) std::swap(lo, hi);
  switch (p) {
    case search::Prefix::Eq:
      return t >= lo && t < hi;
    case search::Prefix::Ne:
      return t < lo || t >= hi;
    case search::Prefix::Gt:
      return t > v;
    case search::Prefix::Lt:
      return t < v;
    case search::Prefix::Ge:
      return t >= v;
    case search::Prefix::Le:
      return t <= v;
    case search::Prefix::Sa:
      return t >= hi;
    case search::Prefix::Eb:
      return t < lo;
    case search::Prefix::Ap: {
      double d = std::max(std::fabs(v) * 0.1, (hi - lo) / 2);
      return t >= v - d && t <= v + d;
    }
  }
  return false;
}

bool token_matches(const std::string& value, const std::vector<Oracle::Token>& toks) {
  auto parts = search::split_unescaped(value, '|');
  if (parts.size() == 1) {
    std::string code = search::unescape(parts[0]);
    return std::any_of(toks.begin(), toks.end(), [&](const auto& t) { return t.code == code; });
  }
  std::string sys = search::unescape(parts[0]), code = search::unescape(parts[1]);
  return std::any_of(toks.begin(), toks.end(),
                     [&](const auto& t) { return t.system == sys && (code.empty() || t.code == code); });
}

}  // namespace

bool Oracle::Values::empty() const {
  return tokens.empty() && strings.empty() && dates.empty() && numbers.empty() && quantities.empty() &&
         refs.empty() && uris.empty() && positions.empty();
}

void Oracle::add(Resource r) {
  const std::size_t at = all_.size();
  by_key_[{r.type, r.id}] = at;
  all_.push_back(std::move(r));
  const Json* contained = all_[at].json.find("contained");
  if (!contained || !contained->is_array()) return;
  std::set<std::string> ids;
  for (const Json& c : contained->as_array()) {
    std::string type(c.get_string("resourceType")), local(c.get_string("id"));
    if (type.empty() || local.empty() || !ids.insert(local).second) continue;  // the first of an id
    Resource one{type, all_[at].type + "/" + all_[at].id + "#" + local, c, all_[at].last_updated, at};
    by_key_[{one.type, one.id}] = all_.size();
    all_.push_back(std::move(one));
  }
}

// "#local" references of resource i (or of its siblings, when it is
// contained) become references to the contained resource's entry, typed
// "#Type" as a reference search sees them: never equal to "Type/id".
void Oracle::resolve_local(std::size_t i, Values& v) const {
  const std::size_t c = all_[i].container == kTopLevel ? i : all_[i].container;
  std::vector<Ref> refs;
  for (auto& ref : v.refs) {
    if (ref.type != "#") {
      refs.push_back(std::move(ref));
      continue;
    }
    for (std::size_t j = c + 1; j < all_.size() && all_[j].container == c; ++j)
      if (all_[j].json.get_string("id") == ref.id) {
        refs.push_back({"#" + all_[j].type, all_[j].id, ""});
        break;
      }
  }
  v.refs = std::move(refs);
}

const Oracle::Resource* Oracle::find(const std::string& type, const std::string& id) const {
  auto it = by_key_.find({type, id});
  return it == by_key_.end() ? nullptr : &all_[it->second];
}

const Oracle::Values& Oracle::values(std::size_t i, const search::ParamDef& p) {
  auto key = std::make_pair(i, &p);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  Values v;
  if (p.compiled) {
    fhirpath::Environment env;
    env.resource = &all_[i].json;
    env.resolve_placeholders = true;
    auto items = fhirpath::evaluate(*p.compiled, &all_[i].json, env);
    if (items) read_values(p.kind, *items, v);
    resolve_local(i, v);
  }
  return cache_[key] = std::move(v);
}

const std::vector<std::vector<Oracle::Values>>& Oracle::composite_values(std::size_t i,
                                                                         const search::ParamDef& p) {
  auto key = std::make_pair(i, &p);
  auto it = composite_cache_.find(key);
  if (it != composite_cache_.end()) return it->second;
  std::vector<std::vector<Values>> out;
  fhirpath::Environment env;
  env.resource = &all_[i].json;
  env.resolve_placeholders = true;
  if (p.compiled) {
    auto elements = fhirpath::evaluate(*p.compiled, &all_[i].json, env);
    if (elements) {
      for (const auto& e : *elements) {
        std::vector<Values> comps;
        bool complete = true;
        for (const auto& c : p.components) {
          Values v;
          if (c.compiled)
            if (auto items = fhirpath::evaluate(*c.compiled, e, env)) read_values(c.kind, *items, v);
          resolve_local(i, v);
          if (v.empty()) complete = false;
          comps.push_back(std::move(v));
        }
        if (complete) out.push_back(std::move(comps));
      }
    }
  }
  return composite_cache_[key] = std::move(out);
}

bool Oracle::value_matches(Kind kind, const std::string& m, const std::string& value, const Values& v,
                           const search::ParamDef& def) {
  switch (kind) {
    case Kind::kToken: {
      if (m == "text") {
        std::string want = search::fold(search::unescape(value));
        return std::any_of(v.texts.begin(), v.texts.end(),
                           [&](const std::string& t) { return search::fold(t).starts_with(want); });
      }
      if (m == "of-type") {
        auto p = search::split_unescaped(value, '|');
        std::string sys = search::unescape(p[0]) + "|" + search::unescape(p[1]),
                    code = search::unescape(p[2]);
        return std::any_of(v.of_type.begin(), v.of_type.end(),
                           [&](const Token& t) { return t.system == sys && t.code == code; });
      }
      if (m == "below" || m == "above" || m == "in") {
        std::string sys, code;
        auto parts = search::split_unescaped(value, '|');
        if (m != "in") {
          sys = search::unescape(parts[0]);
          code = search::unescape(parts[1]);
        }
        return std::any_of(v.tokens.begin(), v.tokens.end(), [&](const Token& t) {
          if (m == "in") return in_value_set(search::unescape(value), t.system, t.code);
          if (t.system != sys) return false;
          return m == "below" ? subsumes(sys, code, t.code) : subsumes(sys, t.code, code);
        });
      }
      return token_matches(value, v.tokens);
    }
    case Kind::kString: {
      std::string raw = search::unescape(value), want = search::fold(raw);
      return std::any_of(v.strings.begin(), v.strings.end(), [&](const std::string& s) {
        if (m == "exact") return s == raw;
        if (m == "contains") return search::fold(s).find(want) != std::string::npos;
        return search::fold(s).starts_with(want);
      });
    }
    case Kind::kDate: {
      auto [p, text] = search::split_prefix(value);
      auto s = search::date_range(text);
      return s && std::any_of(v.dates.begin(), v.dates.end(),
                              [&](const Range& t) { return date_matches(p, *s, t, now_); });
    }
    case Kind::kNumber: {
      auto [p, text] = search::split_prefix(value);
      auto r = search::decimal_range(text);
      return r && std::any_of(v.numbers.begin(), v.numbers.end(),
                              [&](double t) { return number_matches(p, *r, t); });
    }
    case Kind::kQuantity: {
      auto [p, text] = search::split_prefix(value);
      auto parts = search::split_unescaped(text, '|');
      auto r = search::decimal_range(search::unescape(parts[0]));
      if (!r) return false;
      std::string sys = parts.size() == 3 ? search::unescape(parts[1]) : "";
      std::string code = parts.size() == 3 ? search::unescape(parts[2]) : "";
      return std::any_of(v.quantities.begin(), v.quantities.end(), [&](const Quantity& q) {
        if (code.empty()) return (sys.empty() || q.system == sys) && number_matches(p, *r, q.value);
        auto want = search::canonical_unit(sys, code);
        if (!want.ucum && sys.empty()) return q.code == code && number_matches(p, *r, q.value);
        auto have = search::canonical_unit(q.system, q.code);
        double canon = q.value * have.factor;
        if (!std::isfinite(canon)) canon = q.value;
        return have.code == want.code && number_matches(p, *r, canon, want.factor);
      });
    }
    case Kind::kReference: {
      if (m == "identifier") return token_matches(value, v.ref_identifiers);
      if (m == "above" || m == "below") return reference_in_hierarchy(m, value, v, def);
      std::string raw = search::unescape(value);
      if (fhir::is_resource_type(m))
        return std::any_of(v.refs.begin(), v.refs.end(),
                           [&](const Ref& r) { return r.type == m && r.id == raw; });
      const std::string base = "http://test/fhir/";
      if (raw.starts_with(base)) raw = raw.substr(base.size());
      Ref want = read_reference(raw);
      if (want.type.empty() && raw.find(':') == std::string::npos)
        return std::any_of(v.refs.begin(), v.refs.end(), [&](const Ref& r) { return r.id == want.id; });
      return std::any_of(v.refs.begin(), v.refs.end(), [&](const Ref& r) {
        return r.id == want.id && r.type == want.type && (want.version.empty() || r.version == want.version);
      });
    }
    case Kind::kUri: {
      std::string raw = search::unescape(value);
      return std::any_of(v.uris.begin(), v.uris.end(),
                         [&](const std::string& u) { return m == "below" ? u.starts_with(raw) : u == raw; });
    }
    default:
      (void)def;
      return false;
  }
}

bool Oracle::reference_in_hierarchy(const std::string& m, const std::string& value, const Values& v,
                                    const search::ParamDef& def) {
  std::string raw = search::unescape(value);
  const std::string base = "http://test/fhir/";
  if (raw.starts_with(base)) raw = raw.substr(base.size());
  Ref want = read_reference(raw);
  if (want.type.empty() && raw.find(':') != std::string::npos)  // a canonical: its versions
    return std::any_of(v.refs.begin(), v.refs.end(), [&](const Ref& r) {
      return r.type.empty() && r.id == want.id &&
             (want.version.empty() || r.version == want.version || r.version.starts_with(want.version + "."));
    });
  std::vector<std::string> types = want.type.empty() ? def.targets : std::vector<std::string>{want.type};
  for (const auto& type : types) {
    // The members of the hierarchy: every resource of the type whose
    // partOf reaches the root (below) or that the root's partOf reaches
    // (above), found again and again until nothing is added.
    const search::ParamDef* part_of = nullptr;
    for (const auto* p : search::Registry::current()->for_type(type))
      if ((p->code == "partof" || p->code == "part-of") && p->targets == std::vector<std::string>{type})
        part_of = p;
    if (!part_of) continue;
    std::set<std::string> members{want.id};
    for (bool grew = true; grew;) {
      grew = false;
      for (std::size_t j = 0; j < all_.size(); ++j) {
        if (all_[j].type != type || all_[j].container != kTopLevel) continue;
        for (const Ref& up : values(j, *part_of).refs) {
          if (up.type != type) continue;
          const std::string& add = m == "below" ? all_[j].id : up.id;
          const std::string& from = m == "below" ? up.id : all_[j].id;
          if (members.count(from) && members.insert(add).second) grew = true;
        }
      }
    }
    if (std::any_of(v.refs.begin(), v.refs.end(),
                    [&](const Ref& r) { return r.type == type && members.count(r.id); }))
      return true;
  }
  return false;
}

bool Oracle::param_matches(const search::Clause& c, std::size_t i) {
  const search::ParamDef& def = *c.param;
  if (def.kind == Kind::kComposite) {
    const auto& elements = composite_values(i, def);
    if (c.modifier == "missing") return (c.values.front() == "true") == elements.empty();
    for (const auto& value : c.values) {
      auto parts = search::split_unescaped(value, '$');
      for (const auto& e : elements) {
        bool all = true;
        for (std::size_t k = 0; k < def.components.size() && all; ++k)
          all = value_matches(def.components[k].kind, "", parts[k], e[k], def);
        if (all) return true;
      }
    }
    return false;
  }
  const Values& v = values(i, def);
  if (c.modifier == "missing") {
    return (c.values.front() == "true") == v.empty();
  }
  const bool negated = c.modifier == "not" || c.modifier == "not-in";
  const std::string m = c.modifier == "not" ? "" : c.modifier == "not-in" ? "in" : c.modifier;
  bool any = false;
  for (const auto& value : c.values)
    if (value_matches(def.kind, m, value, v, def)) any = true;
  return negated ? !any : any;
}

bool Oracle::matches(const search::Clause& c, std::size_t i) {
  const Resource& r = all_[i];
  switch (c.kind) {
    case search::Clause::Kind::Param:
      return param_matches(c, i);
    case search::Clause::Kind::Id:
      return std::any_of(c.values.begin(), c.values.end(),
                         [&](const std::string& v) { return search::unescape(v) == r.id; });
    case search::Clause::Kind::LastUpdated:
      return std::any_of(c.values.begin(), c.values.end(), [&](const std::string& v) {
        auto [p, text] = search::split_prefix(v);
        auto s = search::date_range(text);
        return s && date_matches(p, *s, Range{r.last_updated, r.last_updated}, now_);
      });
    case search::Clause::Kind::Chain: {
      if (!c.alternatives.empty())
        return std::any_of(c.alternatives.begin(), c.alternatives.end(),
                           [&](const auto& a) { return matches(*a, i); });
      const Values& v = values(i, *c.param);
      for (const auto& ref : v.refs) {
        // A contained target ("#Type") is searched inside (R4 §3.1.1.5.9).
        std::string type = ref.type.starts_with('#') ? ref.type.substr(1) : ref.type;
        if (type != c.target_types.front()) continue;
        auto t = by_key_.find({type, ref.id});
        if (t != by_key_.end() && matches(*c.next, t->second)) return true;
      }
      return false;
    }
    case search::Clause::Kind::Has: {
      for (std::size_t j = 0; j < all_.size(); ++j) {
        if (all_[j].type != c.has_type || all_[j].container != kTopLevel) continue;
        const Values& v = values(j, *c.param);
        bool refers = std::any_of(v.refs.begin(), v.refs.end(),
                                  [&](const Ref& ref) { return ref.type == r.type && ref.id == r.id; });
        if (refers && matches(*c.next, j)) return true;
      }
      return false;
    }
    case search::Clause::Kind::Filter:
      return filter_matches(*c.filter, i);
    case search::Clause::Kind::Text:
    case search::Clause::Kind::Content:
      return text_matches(c, i);
    default:
      return false;  // _list: not generated by the differential test
  }
}

// --- full text ---------------------------------------------------------------------

namespace {

// One code point of UTF-8 text at `i` (advanced past it); U+FFFD when
// malformed.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  auto b = static_cast<unsigned char>(s[i++]);
  if (b < 0x80) return b;
  int extra = b >= 0xF0 ? 3 : b >= 0xE0 ? 2 : b >= 0xC0 ? 1 : -1;
  if (extra < 0) return 0xFFFD;
  std::uint32_t cp = b & (0x3F >> extra);
  for (int k = 0; k < extra; ++k) {
    if (i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  }
  return cp;
}

// Unicode letters and numbers (FTS5 unicode61's token characters), for the
// ranges generated data uses; everything else separates.
bool token_char(std::uint32_t cp) {
  if (cp < 0x80) return std::isalnum(static_cast<int>(cp)) != 0;
  if (cp < 0xC0)  // Latin-1 punctuation and symbols, but ª ² ³ µ ¹ º ¼ ½ ¾
    return cp == 0xAA || cp == 0xB2 || cp == 0xB3 || cp == 0xB5 || cp == 0xB9 || cp == 0xBA ||
           (cp >= 0xBC && cp <= 0xBE);
  if (cp == 0xD7 || cp == 0xF7) return false;              // × ÷
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;          // punctuation, arrows, mathematical symbols
  if (cp >= 0x3000 && cp <= 0x303F) return false;          // CJK punctuation
  return cp != 0xFFFD && !(cp >= 0xFE00 && cp <= 0xFE0F);  // not a replacement or variation selector
}

}  // namespace

std::vector<std::string> full_text_words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t start = i;
    if (token_char(next_code_point(text, i))) {
      word.append(text, start, i - start);
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

// _text and _content (FHIR R4 search): each comma-separated value is a set of
// words, all of which must be in the text (a word ending with '*' is a
// prefix); the narrative for _text, the narrative and the other text values
// for _content. A contained resource has no text of its own.
bool Oracle::text_matches(const search::Clause& c, std::size_t i) {
  const Resource& r = all_[i];
  if (r.container != kTopLevel) return false;
  store::FullText t = search::extract_text(r.json);
  std::vector<std::string> have = full_text_words(
      search::fold(c.kind == search::Clause::Kind::Text ? t.narrative : t.narrative + " " + t.content));
  std::sort(have.begin(), have.end());
  auto has = [&](const std::string& w, bool prefix) {
    auto it = std::lower_bound(have.begin(), have.end(), w);
    return it != have.end() && (prefix ? it->starts_with(w) : *it == w);
  };
  for (const auto& raw : c.values) {
    std::string v = search::unescape(raw);
    bool any = false, all = true;
    std::istringstream pieces(v);
    for (std::string piece; pieces >> piece;) {
      std::vector<std::string> words = full_text_words(search::fold(piece));
      for (std::size_t k = 0; k < words.size(); ++k) {
        any = true;
        if (!has(words[k], k + 1 == words.size() && piece.back() == '*')) all = false;
      }
    }
    if (any && all) return true;
  }
  return false;
}

// --- terminology -------------------------------------------------------------

const Json* Oracle::resource_by_url(const std::string& type, const std::string& url) const {
  for (auto it = all_.rbegin(); it != all_.rend(); ++it)
    if (it->type == type && it->json.get_string("url") == url) return &it->json;
  return nullptr;
}

const Oracle::Hierarchy& Oracle::hierarchy(const std::string& system) {
  auto it = hierarchies_.find(system);
  if (it != hierarchies_.end()) return it->second;
  Hierarchy h;
  if (const Json* cs = resource_by_url("CodeSystem", system)) {
    h.found = true;
    h.grouped = cs->get_string("hierarchyMeaning") == "grouped-by";
    std::set<std::string> parent_props{"parent"}, child_props{"child"};
    if (const Json* ps = cs->find("property"))
      for (const Json& p : ps->as_array()) {
        if (p.get_string("uri") == "http://hl7.org/fhir/concept-properties#parent")
          parent_props.emplace(p.get_string("code"));
        if (p.get_string("uri") == "http://hl7.org/fhir/concept-properties#child")
          child_props.emplace(p.get_string("code"));
      }
    std::vector<std::pair<const Json*, std::string>> todo;  // (concept, nesting parent)
    if (const Json* cs_concepts = cs->find("concept"))
      for (const Json& c : cs_concepts->as_array()) todo.emplace_back(&c, "");
    while (!todo.empty()) {
      auto [c, parent] = todo.back();
      todo.pop_back();
      std::string code(c->get_string("code"));
      h.parents[code];
      h.display[code] = c->get_string("display");
      if (!parent.empty()) h.parents[code].insert(parent);
      if (const Json* ps = c->find("property"))
        for (const Json& p : ps->as_array()) {
          std::string pc(p.get_string("code")), value;
          if (const Json* x = p.find("valueCode")) value = x->as_string();
          if (const Json* x = p.find("valueString")) value = x->as_string();
          if (const Json* x = p.find("valueBoolean")) value = x->as_bool() ? "true" : "false";
          h.properties[code].emplace(pc, value);
          if (parent_props.count(pc)) h.parents[code].insert(value);
          if (child_props.count(pc)) h.parents[value].insert(code);
        }
      if (const Json* kids = c->find("concept"))
        for (const Json& k : kids->as_array()) todo.emplace_back(&k, code);
    }
  }
  return hierarchies_[system] = std::move(h);
}

bool Oracle::subsumes(const std::string& system, const std::string& ancestor, const std::string& code) {
  const Hierarchy& h = hierarchy(system);
  // Without a stored CodeSystem, ATC and ICD-10 codes nest by prefix.
  if (!h.found && search::nests_by_prefix(system)) return !ancestor.empty() && code.starts_with(ancestor);
  if (!h.parents.count(code) || !h.parents.count(ancestor)) return false;
  if (code == ancestor) return true;
  if (h.grouped) return false;
  // Walk up from the code.
  std::set<std::string> seen;
  std::vector<std::string> todo{code};
  while (!todo.empty()) {
    std::string c = todo.back();
    todo.pop_back();
    if (!seen.insert(c).second) continue;
    if (c == ancestor) return true;
    auto it = h.parents.find(c);
    if (it != h.parents.end()) todo.insert(todo.end(), it->second.begin(), it->second.end());
  }
  return false;
}

std::vector<std::string> Oracle::ancestors(const std::string& system, const std::string& code) {
  std::vector<std::string> out;
  for (const auto& [c, ps] : hierarchy(system).parents)
    if (subsumes(system, c, code)) out.push_back(c);
  return out;
}

// One R4 ValueSet compose filter, tested on one code of the system.
bool Oracle::code_filter(const std::string& url, const Json& f, const std::string& code) {
  const Hierarchy& h = hierarchy(url);
  if (!h.parents.count(code)) return false;
  std::string prop(f.get_string("property")), op(f.get_string("op")), value(f.get_string("value"));
  std::vector<std::string> values;
  if (prop == "concept" || prop == "code") values.push_back(code);
  if (prop == "display") values.push_back(h.display.at(code));
  if (auto it = h.properties.find(code); it != h.properties.end()) {
    auto [a, b] = it->second.equal_range(prop);
    for (auto p = a; p != b; ++p) values.push_back(p->second);
  }
  auto has = [&](const std::string& x) { return std::find(values.begin(), values.end(), x) != values.end(); };
  if (op == "=") return has(value);
  if (op == "is-a") return subsumes(url, value, code);
  if (op == "descendent-of") return code != value && subsumes(url, value, code);
  if (op == "is-not-a") return !subsumes(url, value, code);
  if (op == "generalizes") return subsumes(url, code, value);
  if (op == "regex") {
    std::regex re(value);
    return std::any_of(values.begin(), values.end(),
                       [&](const std::string& x) { return std::regex_match(x, re); });
  }
  if (op == "in" || op == "not-in") {
    bool any = false;
    std::string item;
    std::istringstream list(value);
    while (std::getline(list, item, ',')) {
      item.erase(0, item.find_first_not_of(' '));
      item.erase(item.find_last_not_of(' ') + 1);
      if (has(item)) any = true;
    }
    return op == "in" ? any : !any;
  }
  if (op == "exists") return values.empty() == (value == "false");
  return false;
}

bool Oracle::in_value_set(const std::string& ref, const std::string& system, const std::string& code,
                          int depth) {
  if (depth > 4) return false;
  const Json* vs = nullptr;
  if (ref.starts_with("ValueSet/")) {
    const Resource* r = find("ValueSet", ref.substr(9));
    vs = r ? &r->json : nullptr;
  } else {
    vs = resource_by_url("ValueSet", ref);
  }
  if (!vs) return false;
  const Json* compose = vs->find("compose");
  if (!compose) return false;
  auto entry = [&](const Json& e) {
    std::string sys(e.get_string("system"));
    if (sys.empty()) {
      const Json* nested = e.find("valueSet");
      if (!nested) return false;
      for (const Json& n : nested->as_array())
        if (in_value_set(n.as_string(), system, code, depth + 1)) return true;
      return false;
    }
    if (sys != system) return false;
    if (const Json* concepts = e.find("concept")) {
      for (const Json& c : concepts->as_array())
        if (c.get_string("code") == code) return true;
      return false;
    }
    if (const Json* filters = e.find("filter")) {
      for (const Json& f : filters->as_array())
        if (!code_filter(sys, f, code)) return false;
      return true;
    }
    return true;  // the whole system
  };
  bool in = false;
  if (const Json* inc = compose->find("include"))
    for (const Json& e : inc->as_array()) in = in || entry(e);
  if (const Json* exc = compose->find("exclude"))
    for (const Json& e : exc->as_array()) in = in && !entry(e);
  return in;
}

// --- _filter ------------------------------------------------------------------

bool Oracle::filter_matches(const search::FilterExpr& f, std::size_t i) {
  using FK = search::FilterExpr::Kind;
  switch (f.kind) {
    case FK::And:
      return std::all_of(f.kids.begin(), f.kids.end(), [&](const auto& k) { return filter_matches(k, i); });
    case FK::Or:
      return std::any_of(f.kids.begin(), f.kids.end(), [&](const auto& k) { return filter_matches(k, i); });
    case FK::Not:
      return !filter_matches(f.kids.front(), i);
    case FK::Chain:
      for (const auto& ref : values(i, *f.param).refs) {
        std::string type = ref.type.starts_with('#') ? ref.type.substr(1) : ref.type;  // contained
        if (type != f.code) continue;
        auto t = by_key_.find({type, ref.id});
        if (t != by_key_.end() && filter_matches(f.kids.front(), t->second)) return true;
      }
      return false;
    case FK::Test:
      break;
  }
  const std::string& op = f.op;
  const Resource& r = all_[i];
  auto prefixed = [&] { return op + f.value; };  // the search syntax of eq/ne/gt... values
  if (f.code == "_id") return (r.id == f.value) == (op == "eq");
  if (f.code == "_lastUpdated") {
    auto s = search::date_range(f.value);
    if (op == "po") return r.last_updated <= s->high && r.last_updated >= s->low;
    return date_matches(search::split_prefix(prefixed()).first, *s, Range{r.last_updated, r.last_updated},
                        now_);
  }
  const search::ParamDef& def = *f.param;
  const Values& v = values(i, def);
  if (op == "pr") return v.empty() == (f.value == "false");
  switch (def.kind) {
    case Kind::kString: {
      std::string want = search::fold(f.value);
      auto any = [&](auto test) {
        return std::any_of(v.strings.begin(), v.strings.end(),
                           [&](const std::string& s) { return test(search::fold(s)); });
      };
      if (op == "eq") return any([&](const std::string& s) { return s == want; });
      if (op == "ne") return !any([&](const std::string& s) { return s == want; });
      if (op == "co") return any([&](const std::string& s) { return s.find(want) != std::string::npos; });
      if (op == "sw") return any([&](const std::string& s) { return s.starts_with(want); });
      if (op == "ew") return any([&](const std::string& s) { return s.ends_with(want); });
      return false;
    }
    case Kind::kToken: {
      auto bar = f.value.find('|');
      auto eq = [&](const Token& t) {
        if (bar == std::string::npos) return t.code == f.value;
        std::string sys = f.value.substr(0, bar), code = f.value.substr(bar + 1);
        return t.system == sys && (code.empty() || t.code == code);
      };
      bool any_eq = std::any_of(v.tokens.begin(), v.tokens.end(), eq);
      if (op == "eq") return any_eq;
      if (op == "ne") return !any_eq;
      if (op == "in" || op == "ni") {
        bool in = std::any_of(v.tokens.begin(), v.tokens.end(),
                              [&](const Token& t) { return in_value_set(f.value, t.system, t.code); });
        return op == "in" ? in : !in;
      }
      std::string sys = f.value.substr(0, bar), code = f.value.substr(bar + 1);
      return std::any_of(v.tokens.begin(), v.tokens.end(), [&](const Token& t) {
        return t.system == sys && (op == "sb" ? subsumes(sys, code, t.code) : subsumes(sys, t.code, code));
      });
    }
    case Kind::kDate: {
      auto s = search::date_range(f.value);
      if (op == "po")
        return std::any_of(v.dates.begin(), v.dates.end(),
                           [&](const Range& t) { return t.low <= s->high && t.high >= s->low; });
      return value_matches(def.kind, "", prefixed(), v, def);
    }
    case Kind::kNumber:
    case Kind::kQuantity:
      return value_matches(def.kind, "", prefixed(), v, def);
    case Kind::kReference: {
      bool eq = value_matches(def.kind, "", f.value, v, def);
      return op == "ne" ? !eq : eq;
    }
    case Kind::kUri: {
      if (op == "eq") return std::find(v.uris.begin(), v.uris.end(), f.value) != v.uris.end();
      if (op == "ne") return std::find(v.uris.begin(), v.uris.end(), f.value) == v.uris.end();
      if (op == "sw" || op == "sb")
        return std::any_of(v.uris.begin(), v.uris.end(),
                           [&](const std::string& u) { return u.starts_with(f.value); });
      // ss (uri :above): the stored uri is the value or one of its prefixes
      // ending at a path boundary, after the scheme's "://".
      auto scheme = f.value.find("://");
      std::size_t start = scheme == std::string::npos ? 0 : scheme + 3;
      return std::any_of(v.uris.begin(), v.uris.end(), [&](const std::string& u) {
        if (u == f.value) return true;
        if (u.size() >= f.value.size() || u.size() < start || !f.value.starts_with(u)) return false;
        return f.value[u.size()] == '/' || (u.back() == '/' && u.size() > start);
      });
    }
    default:
      return false;
  }
}

std::vector<std::string> Oracle::run(const search::Query& q, std::int64_t now) {
  now_ = now;
  std::vector<std::size_t> hits;
  for (std::size_t i = 0; i < all_.size(); ++i) {
    // A contained resource is a result only with _contained (R4 §3.1.1.5.9).
    const bool contained = all_[i].container != kTopLevel;
    if (contained ? q.contained == search::ContainedMode::No : q.contained == search::ContainedMode::Only)
      continue;
    if (!q.types.empty() && std::find(q.types.begin(), q.types.end(), all_[i].type) == q.types.end())
      continue;
    bool ok = true;
    for (const auto& c : q.clauses)
      if (!matches(c, i)) {
        ok = false;
        break;
      }
    if (ok) hits.push_back(i);
  }
  if (!q.sort.empty()) {
    // One key per sort spec: a number, an integer or a string; missing last.
    struct Key {
      bool missing = true;
      double num = 0;
      std::int64_t integer = 0;
      std::string text;
      int kind = 0;  // 0 text, 1 integer, 2 double
    };
    auto key_of = [&](std::size_t i, const search::SortSpec& s) {
      Key k;
      if (s.code == "_id") {
        k.missing = false;
        k.text = all_[i].id;
        return k;
      }
      if (s.code == "_lastUpdated") {
        k.missing = false;
        k.kind = 1;
        k.integer = all_[i].last_updated;
        return k;
      }
      const Values& v = values(i, *s.param);
      auto pick_text = [&](std::vector<std::string> xs) {
        if (xs.empty()) return;
        k.missing = false;
        k.text =
            s.descending ? *std::max_element(xs.begin(), xs.end()) : *std::min_element(xs.begin(), xs.end());
      };
      auto pick_num = [&](const std::vector<double>& xs) {
        if (xs.empty()) return;
        k.missing = false;
        k.kind = 2;
        k.num =
            s.descending ? *std::max_element(xs.begin(), xs.end()) : *std::min_element(xs.begin(), xs.end());
      };
      switch (s.param->kind) {
        case Kind::kString: {
          std::vector<std::string> xs;
          for (const auto& x : v.strings) xs.push_back(search::fold(x));
          pick_text(xs);
          break;
        }
        case Kind::kToken: {
          std::vector<std::string> xs;
          for (const auto& t : v.tokens) xs.push_back(t.code);
          pick_text(xs);
          break;
        }
        case Kind::kDate:
          if (!v.dates.empty()) {
            k.missing = false;
            k.kind = 1;
            k.integer = s.descending ? std::max_element(v.dates.begin(), v.dates.end(),
                                                        [](auto& a, auto& b) { return a.high < b.high; })
                                           ->high
                                     : std::min_element(v.dates.begin(), v.dates.end(), [](auto& a, auto& b) {
                                         return a.low < b.low;
                                       })->low;
          }
          break;
        case Kind::kNumber:
          pick_num(v.numbers);
          break;
        case Kind::kQuantity: {
          std::vector<double> xs;
          for (const auto& x : v.quantities) xs.push_back(x.value);
          pick_num(xs);
          break;
        }
        case Kind::kUri:
          pick_text(v.uris);
          break;
        case Kind::kReference: {
          std::vector<std::string> xs;
          for (const auto& x : v.refs) xs.push_back(x.id);
          pick_text(xs);
          break;
        }
        default:
          break;
      }
      return k;
    };
    std::map<std::size_t, std::vector<Key>> keys;
    for (auto i : hits)
      for (const auto& s : q.sort) keys[i].push_back(key_of(i, s));
    const bool rid_desc = q.sort.back().descending;
    std::stable_sort(hits.begin(), hits.end(), [&](std::size_t a, std::size_t b) {
      for (std::size_t k = 0; k < q.sort.size(); ++k) {
        const Key &x = keys[a][k], &y = keys[b][k];
        if (x.missing != y.missing) return y.missing;  // missing last
        if (x.missing) continue;
        int c = 0;
        if (x.kind == 0) c = x.text.compare(y.text) < 0 ? -1 : x.text == y.text ? 0 : 1;
        if (x.kind == 1) c = x.integer < y.integer ? -1 : x.integer == y.integer ? 0 : 1;
        if (x.kind == 2) c = x.num < y.num ? -1 : x.num == y.num ? 0 : 1;
        if (c != 0) return q.sort[k].descending ? c > 0 : c < 0;
      }
      return rid_desc ? a > b : a < b;
    });
  }
  // A contained hit is its container (once), or with _containedType=contained
  // itself, named "containerId#local".
  std::vector<std::string> out;
  std::set<std::size_t> containers;
  for (auto i : hits) {
    if (all_[i].container == kTopLevel) {
      if (containers.insert(i).second) out.push_back(all_[i].id);
    } else if (q.return_contained) {
      out.push_back(all_[i].id.substr(all_[i].id.find('/') + 1));
    } else if (containers.insert(all_[i].container).second) {
      out.push_back(all_[all_[i].container].id);
    }
  }
  return out;
}

}  // namespace parcours::testing
