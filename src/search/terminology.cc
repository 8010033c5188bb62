#include "search/terminology.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <iterator>
#include <regex>

#include "search/registry.h"
#include "search/values.h"

namespace parcours::search {
namespace {

constexpr std::string_view kParentUri = "http://hl7.org/fhir/concept-properties#parent";
constexpr std::string_view kChildUri = "http://hl7.org/fhir/concept-properties#child";

// The value of a concept property as text (R4 CodeSystem.concept.property.value[x]).
std::string property_text(const Json& p) {
  for (const auto& [k, v] : p.as_object()) {
    if (!k.starts_with("value")) continue;
    if (v.is_string()) return v.as_string();
    if (v.is_number()) return v.number();
    if (v.is_bool()) return v.as_bool() ? "true" : "false";
    if (v.is_object()) return std::string(v.get_string("code"));
  }
  return {};
}

std::string without_version(const std::string& url) {
  auto bar = url.find('|');
  return bar == std::string::npos ? url : url.substr(0, bar);
}

// The newest live resource of `type` whose `url` is `url`.
Result<std::optional<Json>> find_by_url(store::Reader& reader, const std::string& type,
                                        const std::string& url) {
  auto reg = Registry::current();
  const ParamDef* def = reg->find(type, "url");
  if (!def) return std::optional<Json>();
  store::SearchPlan p;
  p.types = {type};
  store::Predicate m;
  m.kind = store::Predicate::Kind::Match;
  m.param = def->name;
  m.table = store::IndexTable::Uri;
  m.cond = store::RowCond::cmp(store::Column::Uri, store::CmpOp::Eq, without_version(url));
  p.where.push_back(std::move(m));
  p.driver = 0;
  p.count = 1;
  p.sort.push_back(store::SortKey{store::SortKey::Source::LastUpdated, "", store::IndexTable::String,
                                  store::Column::Low, true});
  auto page = reader.search(p);
  if (!page) return std::move(page).error();
  if (page->hits.empty()) return std::optional<Json>();
  auto j = parse_json(page->hits.front().body);
  if (!j) return std::move(j).error();
  return std::optional<Json>(std::move(*j));
}

Error too_many(std::size_t cap) {
  return bad_request("more than " + std::to_string(cap) +
                     " codes in one subsumption closure or value set expansion: narrow the search");
}

}  // namespace

// --- CodeSystem -------------------------------------------------------------------

CodeSystem CodeSystem::from_json(const Json& cs) {
  CodeSystem out;
  out.url_ = cs.get_string("url");
  std::string_view meaning = cs.get_string("hierarchyMeaning");
  out.subsumption_ = meaning != "grouped-by";
  // Property codes declared as the standard parent/child properties.
  std::set<std::string> parent_codes{"parent"}, child_codes{"child"};
  if (const Json* props = cs.find("property"); props && props->is_array())
    for (const Json& p : props->as_array()) {
      if (p.get_string("uri") == kParentUri) parent_codes.emplace(p.get_string("code"));
      if (p.get_string("uri") == kChildUri) child_codes.emplace(p.get_string("code"));
    }
  std::function<void(const Json&, const std::string&)> walk = [&](const Json& list,
                                                                  const std::string& parent) {
    if (!list.is_array()) return;
    for (const Json& c : list.as_array()) {
      std::string code(c.get_string("code"));
      if (code.empty()) continue;
      Concept& k = out.concepts_[code];
      k.code = code;
      if (k.display.empty()) k.display = c.get_string("display");
      if (!parent.empty()) k.parents.insert(parent);
      if (const Json* props = c.find("property"); props && props->is_array())
        for (const Json& p : props->as_array()) {
          std::string pc(p.get_string("code")), value = property_text(p);
          if (pc.empty()) continue;
          k.properties.emplace(pc, value);
          if (value.empty()) continue;
          if (parent_codes.count(pc)) k.parents.insert(value);
          if (child_codes.count(pc)) out.concepts_[value].parents.insert(code);
        }
      if (const Json* sub = c.find("concept")) walk(*sub, code);
    }
  };
  if (const Json* concepts = cs.find("concept")) walk(*concepts, "");
  // Children from parents (a parent named only by a property still counts).
  for (auto& [code, k] : out.concepts_) {
    k.code = code;
    for (const auto& p : k.parents) out.concepts_[p].children.insert(code);
  }
  for (auto& [code, k] : out.concepts_) k.code = code;
  return out;
}

const CodeSystem::Concept* CodeSystem::find(const std::string& code) const {
  auto it = concepts_.find(code);
  return it == concepts_.end() ? nullptr : &it->second;
}

namespace {

// Breadth-first closure over `next` (children or parents); cycles are safe.
template <class Next>
Result<std::set<std::string>> closure(const CodeSystem& cs, const std::string& code, bool self,
                                      std::size_t cap, Next next) {
  std::set<std::string> out;
  const CodeSystem::Concept* start = cs.find(code);
  if (!start) return out;
  if (self) out.insert(code);
  if (!cs.subsumption()) return out;
  std::set<std::string> seen{code};
  std::deque<const CodeSystem::Concept*> todo{start};
  while (!todo.empty()) {
    const CodeSystem::Concept* k = todo.front();
    todo.pop_front();
    for (const auto& n : next(*k)) {
      if (!seen.insert(n).second) continue;
      if (n != code) out.insert(n);
      if (out.size() > cap) return too_many(cap);
      if (const auto* c = cs.find(n)) todo.push_back(c);
    }
  }
  return out;
}

}  // namespace

Result<std::set<std::string>> CodeSystem::descendants(const std::string& code, bool self,
                                                      std::size_t cap) const {
  return closure(*this, code, self, cap,
                 [](const Concept& k) -> const std::set<std::string>& { return k.children; });
}

Result<std::set<std::string>> CodeSystem::ancestors(const std::string& code, bool self,
                                                    std::size_t cap) const {
  return closure(*this, code, self, cap,
                 [](const Concept& k) -> const std::set<std::string>& { return k.parents; });
}

// --- Terminology ------------------------------------------------------------------

Result<const CodeSystem*> Terminology::code_system(const std::string& url) {
  std::string key = without_version(url);
  if (auto it = systems_.find(key); it != systems_.end())
    return static_cast<const CodeSystem*>(it->second.get());
  auto j = find_by_url(reader_, "CodeSystem", key);
  if (!j) return std::move(j).error();
  std::unique_ptr<CodeSystem> cs;
  if (*j) cs = std::make_unique<CodeSystem>(CodeSystem::from_json(**j));
  const CodeSystem* p = cs.get();
  systems_[key] = std::move(cs);
  return p;
}

Result<std::optional<Json>> Terminology::value_set(const std::string& ref) {
  if (ref.starts_with("ValueSet/")) {
    auto v = reader_.read("ValueSet", ref.substr(9));
    if (!v) return std::move(v).error();
    if (!*v || (*v)->deleted) return std::optional<Json>();
    auto j = parse_json((*v)->body);
    if (!j) return std::move(j).error();
    return std::optional<Json>(std::move(*j));
  }
  return find_by_url(reader_, "ValueSet", ref);
}

Status Terminology::expand(const std::string& ref, Expansion& out) { return expand_at(ref, out, 0); }

Status Terminology::expand_resource(const Json& vs, Expansion& out) {
  std::string name(vs.get_string("url"));
  if (name.empty()) name = "ValueSet/" + std::string(vs.get_string("id"));
  return expand_json(vs, name, out, 0);
}

Status Terminology::expand_at(const std::string& ref, Expansion& out, int depth) {
  if (depth > 4) return Status::Ok();
  auto vs = value_set(ref);
  if (!vs) return vs.error();
  if (!*vs) return Status::Ok();
  return expand_json(**vs, ref, out, depth);
}

Status Terminology::expand_json(const Json& v, const std::string& name, Expansion& out, int depth) {
  out.found = true;
  std::function<void(const Json&)> contains = [&](const Json& list) {
    if (!list.is_array()) return;
    for (const Json& c : list.as_array()) {
      if (!c.get_string("code").empty()) out.codes.emplace(c.get_string("system"), c.get_string("code"));
      if (const Json* sub = c.find("contains")) contains(*sub);
    }
  };
  if (const Json* exp = v.find("expansion"); exp && exp->find("contains")) {
    contains(*exp->find("contains"));
    return Status::Ok();
  }
  const Json* compose = v.find("compose");
  if (!compose) return Status::Ok();
  // One include/exclude entry: its concepts, its filters (ANDed) or its
  // whole system, intersected with its nested value sets when both are given.
  auto entry_codes = [&](const Json& e, Expansion& into) -> Status {
    std::string system(e.get_string("system"));
    const Json* concepts = e.find("concept");
    const Json* filters = e.find("filter");
    Expansion own;
    bool has_own = !system.empty();
    if (concepts && concepts->is_array()) {
      for (const Json& c : concepts->as_array()) own.codes.emplace(system, c.get_string("code"));
    } else if (filters && filters->is_array() && !filters->as_array().empty()) {
      auto codes = filtered(e, name);
      if (!codes) return codes.error();
      for (auto& c : *codes) own.codes.emplace(system, c);
    } else if (!system.empty()) {
      own.systems.insert(system);
    }
    const Json* nested = e.find("valueSet");
    if (!nested || !nested->is_array() || nested->as_array().empty()) {
      into.codes.insert(own.codes.begin(), own.codes.end());
      into.systems.insert(own.systems.begin(), own.systems.end());
      return Status::Ok();
    }
    Expansion inner;
    for (const Json& n : nested->as_array())
      if (n.is_string())
        if (auto s = expand_at(n.as_string(), inner, depth + 1); !s) return s;
    if (!has_own) {
      into.codes.insert(inner.codes.begin(), inner.codes.end());
      into.systems.insert(inner.systems.begin(), inner.systems.end());
      return Status::Ok();
    }
    // Both a system and value sets: the codes in both.
    for (const auto& c : own.codes)
      if (inner.codes.count(c) || inner.systems.count(c.first)) into.codes.insert(c);
    for (const auto& s : own.systems)
      for (const auto& c : inner.codes)
        if (c.first == s) into.codes.insert(c);
    return Status::Ok();
  };
  if (const Json* inc = compose->find("include"); inc && inc->is_array())
    for (const Json& i : inc->as_array())
      if (auto s = entry_codes(i, out); !s) return s;
  if (const Json* exc = compose->find("exclude"); exc && exc->is_array())
    for (const Json& e : exc->as_array()) {
      Expansion gone;
      if (auto s = entry_codes(e, gone); !s) return s;
      for (const auto& s : gone.systems) {
        out.systems.erase(s);
        std::erase_if(out.codes, [&](const auto& c) { return c.first == s; });
      }
      for (const auto& c : gone.codes) {
        out.codes.erase(c);
        if (!out.systems.count(c.first)) continue;
        // Codes excluded from a whole system: the system becomes the list
        // of its stored concepts.
        auto cs = code_system(c.first);
        if (!cs) return cs.error();
        if (!*cs)
          return bad_request("ValueSet '" + name + "': excluding codes from all of '" + c.first +
                             "' needs its CodeSystem, which is not stored on this server, so the value set "
                             "cannot be expanded");
        if ((*cs)->concepts().size() > cap_) return too_many(cap_);
        for (const auto& [code, k] : (*cs)->concepts()) out.codes.emplace(c.first, code);
        out.systems.erase(c.first);
      }
      for (const auto& c : gone.codes) out.codes.erase(c);
    }
  if (out.codes.size() > cap_) return too_many(cap_);
  return Status::Ok();
}

Result<std::set<std::string>> Terminology::filtered(const Json& entry, const std::string& name) {
  std::string system(entry.get_string("system"));
  auto where = "ValueSet '" + name + "', filter on system '" + system + "'";
  if (system.empty()) return bad_request(where + ": a filter needs compose.include.system");
  auto cs = code_system(system);
  if (!cs) return std::move(cs).error();
  if (!*cs)
    return bad_request(where + ": the CodeSystem '" + system +
                       "' is not stored on this server, so the value set cannot be expanded");
  const CodeSystem& s = **cs;
  std::optional<std::set<std::string>> result;  // intersection of the filters
  for (const Json& f : entry.find("filter")->as_array()) {
    std::string prop(f.get_string("property")), op(f.get_string("op")), value(f.get_string("value"));
    const bool on_code = prop == "concept" || prop == "code";
    auto bad = [&](const std::string& why) {
      return bad_request(where + ": filter '" + prop + " " + op + " " + value + "': " + why);
    };
    // The text values of `prop` on concept k.
    auto values_of = [&](const CodeSystem::Concept& k) {
      std::vector<std::string> vs;
      if (on_code) vs.push_back(k.code);
      if (prop == "display" && !k.display.empty()) vs.push_back(k.display);
      auto [a, b] = k.properties.equal_range(prop);
      for (auto it = a; it != b; ++it) vs.push_back(it->second);
      return vs;
    };
    std::set<std::string> codes;
    auto each = [&](auto keep) {
      for (const auto& [code, k] : s.concepts())
        if (keep(k)) codes.insert(code);
    };
    if (op == "=") {
      each([&](const auto& k) {
        auto vs = values_of(k);
        return std::find(vs.begin(), vs.end(), value) != vs.end();
      });
    } else if (op == "is-a" || op == "descendent-of" || op == "is-not-a" || op == "generalizes") {
      if (!on_code) return bad("'" + op + "' applies to the property 'concept'");
      auto c = op == "generalizes" ? s.ancestors(value, true, cap_)
                                   : s.descendants(value, op != "descendent-of", cap_);
      if (!c) return std::move(c).error();
      if (op == "is-not-a")
        each([&](const auto& k) { return !c->count(k.code); });
      else
        codes = std::move(*c);
    } else if (op == "regex") {
      std::regex re;
      try {
        re = std::regex(value, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        return bad("not a valid regular expression");
      }
      try {  // matching can throw too (error_complexity, error_stack)
        each([&](const auto& k) {
          auto vs = values_of(k);
          return std::any_of(vs.begin(), vs.end(),
                             [&](const std::string& x) { return std::regex_match(x, re); });
        });
      } catch (const std::regex_error&) {
        return bad("the regular expression is too costly to evaluate");
      }
    } else if (op == "in" || op == "not-in") {
      std::set<std::string> list;
      std::size_t start = 0;
      while (start <= value.size()) {
        auto comma = value.find(',', start);
        if (comma == std::string::npos) comma = value.size();
        std::string item = value.substr(start, comma - start);
        item.erase(0, item.find_first_not_of(' '));
        item.erase(item.find_last_not_of(' ') + 1);
        if (!item.empty()) list.insert(item);
        start = comma + 1;
      }
      each([&](const auto& k) {
        auto vs = values_of(k);
        bool any = std::any_of(vs.begin(), vs.end(), [&](const std::string& x) { return list.count(x) > 0; });
        return op == "in" ? any : !any;
      });
    } else if (op == "exists") {
      if (value != "true" && value != "false") return bad("'exists' takes true or false");
      each([&](const auto& k) { return values_of(k).empty() == (value == "false"); });
    } else {
      return bad(
          "unknown filter operator (R4 FilterOperator: = is-a descendent-of is-not-a regex in not-in "
          "generalizes exists)");
    }
    if (!result) {
      result = std::move(codes);
    } else {
      std::set<std::string> both;
      std::set_intersection(result->begin(), result->end(), codes.begin(), codes.end(),
                            std::inserter(both, both.end()));
      result = std::move(both);
    }
    if (result->size() > cap_) return too_many(cap_);
  }
  return result ? std::move(*result) : std::set<std::string>();
}

bool nests_by_prefix(std::string_view system) {
  return system == "http://www.whocc.no/atc" || system == "http://hl7.org/fhir/sid/icd-10";
}

}  // namespace parcours::search
