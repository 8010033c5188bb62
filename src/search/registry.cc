#include "search/registry.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include "fhirpath/fhirpath.h"

namespace parcours::search {

// Bump whenever extraction (search/extract.cc) would produce other rows for
// the same data: stores built before then are reindexed (docs/decisions/search.md).
// 2: contained resources; 3: unions (union_of); 4: _content without the stamps;
// 5: token texts implied by codes; 6: composites reading plain rows (same_rows),
// narrowed references (narrows); 7: plain rows grouped by a composite's
// element (grouped_by); 8: the full text folded as queries are (extract_text);
// 9: token rows with their resource's latest date (latest_by, kLatestPairs)
constexpr std::string_view kExtractionVersion = "extract-9";

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls f(i, depth) for each character of FHIRPath text `e` outside its
// quoted strings and names, `depth` being the bracket nesting after it;
// stops early when f returns false.
template <class F>
void scan_unquoted(std::string_view e, F f) {
  int depth = 0;
  char quote = 0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    char c = e[i];
    if (quote) {
      if (c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '\'' || c == '`' || c == '"')
      quote = c;
    else if (c == '(' || c == '[')
      ++depth;
    else if (c == ')' || c == ']')
      --depth;
    if (!f(i, depth)) return;
  }
}

std::vector<std::string_view> split_union(std::string_view e) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  scan_unquoted(e, [&](std::size_t i, int depth) {
    if (e[i] == '|' && depth == 0) {
      out.push_back(trim(e.substr(start, i - start)));
      start = i + 1;
    }
    return true;
  });
  out.push_back(trim(e.substr(start)));
  return out;
}

std::string_view root_of(std::string_view branch) {
  while (!branch.empty() && (branch.front() == '(' || branch.front() == ' ')) branch.remove_prefix(1);
  std::size_t n = 0;
  while (n < branch.size() && (std::isalnum(static_cast<unsigned char>(branch[n])) || branch[n] == '_')) ++n;
  return branch.substr(0, n);
}

std::uint64_t fnv(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= 0xff;
  h *= 0x100000001b3ULL;
  return h;
}

const fhir::SearchParamDef* by_url(std::string_view url) {
  auto all = fhir::search_params();
  auto it = std::lower_bound(all.begin(), all.end(), url,
                             [](const fhir::SearchParamDef& d, std::string_view u) { return d.url < u; });
  return it != all.end() && it->url == url ? &*it : nullptr;
}

std::optional<fhir::SearchParamType> kind_of(std::string_view t) {
  static const std::pair<std::string_view, fhir::SearchParamType> kKinds[] = {
      {"number", fhir::SearchParamType::kNumber},       {"date", fhir::SearchParamType::kDate},
      {"string", fhir::SearchParamType::kString},       {"token", fhir::SearchParamType::kToken},
      {"reference", fhir::SearchParamType::kReference}, {"composite", fhir::SearchParamType::kComposite},
      {"quantity", fhir::SearchParamType::kQuantity},   {"uri", fhir::SearchParamType::kUri},
      {"special", fhir::SearchParamType::kSpecial}};
  for (const auto& [n, k] : kKinds)
    if (n == t) return k;
  return std::nullopt;
}

void set_names(ParamDef& d) {
  // Parameters of Resource and DomainResource share one row name across
  // types, so system-wide searches (_tag, _profile...) need one predicate.
  d.name = (d.shared_base.empty() ? d.type : d.shared_base) + "." + d.code;
  d.text_name = d.name + ":text";
  d.identifier_name = d.name + ":identifier";
  d.of_type_name = d.name + ":of-type";
  for (std::size_t i = 0; i < d.components.size(); ++i)
    d.components[i].name = d.name + "$" + std::to_string(i);
}

// The branches of `expression`'s top-level union, each without parentheses
// around it, sorted and distinct.
std::vector<std::string> branch_set(std::string_view expression) {
  // "(...)" whose first parenthesis closes at its end.
  auto enclosed = [](std::string_view b) {
    bool whole = false;
    scan_unquoted(b, [&](std::size_t i, int depth) {
      if (depth > 0) return true;
      whole = i + 1 == b.size();
      return false;
    });
    return whole;
  };
  std::vector<std::string> out;
  for (std::string_view b : split_union(expression)) {
    while (b.size() >= 2 && b.front() == '(' && enclosed(b)) b = trim(b.substr(1, b.size() - 2));
    if (!b.empty()) out.emplace_back(b);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool same_components(const ParamDef& a, const ParamDef& b) {
  if (a.components.size() != b.components.size()) return false;
  for (std::size_t i = 0; i < a.components.size(); ++i)
    if (a.components[i].kind != b.components[i].kind ||
        trim(a.components[i].expression) != trim(b.components[i].expression))
      return false;
  return true;
}

// The branch sets of the built-in parameters of `params` (one type's) that
// have an expression of their own: what the derive_* functions compare,
// computed once per type.
using BranchSets = std::map<const ParamDef*, std::vector<std::string>>;

BranchSets branch_sets(const std::vector<ParamDef*>& params) {
  BranchSets out;
  for (ParamDef* p : params)
    if (!p->custom && p->shared_base.empty() && !p->expression.empty()) out[p] = branch_set(p->expression);
  return out;
}

// Finds the built-in parameters of `params` (one type's) whose expression is
// the union of others' (ParamDef::union_of). Their rows would repeat the
// others' rows: Observation's combo-* parameters alone were 28% of a
// territory's index rows. Extraction depends only on the expression, the
// kind and the components, so the union of the sources' rows is exactly the
// rows the parameter would have. A source is never itself a union.
void derive_unions(const std::vector<ParamDef*>& params, const BranchSets& branches) {
  std::set<const ParamDef*> sources;
  // Of two parameters with one expression, the later name reads the
  // earlier's rows (Patient.phonetic those of Patient.name).
  std::vector<ParamDef*> order(params);
  std::sort(order.begin(), order.end(),
            [](const ParamDef* x, const ParamDef* y) { return x->name > y->name; });
  for (ParamDef* d : order) {
    auto mine = branches.find(d);
    if (mine == branches.end() || sources.count(d)) continue;
    std::vector<const ParamDef*> candidates;
    for (const auto& [c, b] : branches)
      if (c != d && c->kind == d->kind && c->union_of.empty() && same_components(*c, *d))
        candidates.push_back(c);
    // The largest first, ties by name: one cover, the same at every start.
    std::sort(candidates.begin(), candidates.end(), [&](const ParamDef* x, const ParamDef* y) {
      auto nx = branches.at(x).size(), ny = branches.at(y).size();
      return nx != ny ? nx > ny : x->name < y->name;
    });
    std::vector<std::string> left = mine->second;
    std::vector<const ParamDef*> cover;
    for (const ParamDef* c : candidates) {
      const auto& b = branches.at(c);
      if (!std::includes(left.begin(), left.end(), b.begin(), b.end())) continue;
      std::vector<std::string> rest;
      std::set_difference(left.begin(), left.end(), b.begin(), b.end(), std::back_inserter(rest));
      left = std::move(rest);
      cover.push_back(c);
      if (left.empty()) break;
    }
    if (!left.empty() || cover.empty()) continue;
    std::sort(cover.begin(), cover.end(),
              [](const ParamDef* x, const ParamDef* y) { return x->name < y->name; });
    d->union_of = cover;
    sources.insert(cover.begin(), cover.end());
  }
}

// A branch that never gives a row of `kind`: R4 lists SampledData in
// Observation.value-quantity, but a SampledData has no value of its own
// (extract.cc skips it).
bool yields_no_rows(std::string_view branch, fhir::SearchParamType kind) {
  return kind == fhir::SearchParamType::kQuantity && branch.ends_with(".ofType(SampledData)");
}

// Finds the composites of `params` (one type's) whose element is the
// resource itself or one path of it, and whose every component has the
// values of a plain parameter of the type (ParamComponent::same_rows):
// Observation's code-value-quantity is code (Observation.code) and
// value.ofType(Quantity) (Observation.value-quantity); its
// component-code-value-quantity is code and value on each
// Observation.component (component-code, component-value-quantity). The
// plain rows then pair exactly as the composite's own rows would: in one
// group (0) when the element is the resource, else in the group of their
// element (ParamDef::grouped_by). On the 10k territory, 377 000 rows and
// then 177 000 that repeated others (docs/performance.md).
void derive_component_rows(std::string_view type, const std::vector<ParamDef*>& params,
                           const BranchSets& branches) {
  auto values = [](std::vector<std::string> set, fhir::SearchParamType kind) {
    std::erase_if(set, [&](const std::string& b) { return yields_no_rows(b, kind); });
    return set;
  };
  // The element each plain parameter's rows are grouped by, once chosen:
  // a parameter's rows have one grouping.
  std::map<const ParamDef*, std::string> grouping;
  for (ParamDef* d : params) {
    auto own = branches.find(d);
    if (own == branches.end() || d->kind != fhir::SearchParamType::kComposite || d->components.empty() ||
        !d->union_of.empty() || own->second.size() != 1)
      continue;
    const std::string& element = own->second.front();
    if (element != type && !element.starts_with(std::string(type) + ".")) continue;
    std::vector<const ParamDef*> found;
    for (const auto& c : d->components) {
      std::vector<std::string> want;
      for (const auto& b : branch_set(c.expression)) want.push_back(element + "." + b);
      std::sort(want.begin(), want.end());
      want = values(std::move(want), c.kind);
      auto same = std::find_if(params.begin(), params.end(), [&](const ParamDef* p) {
        auto b = branches.find(p);
        auto g = grouping.find(p);
        return b != branches.end() && p->kind == c.kind && p->union_of.empty() && !want.empty() &&
               (g == grouping.end() || g->second == element) && values(b->second, p->kind) == want;
      });
      if (same == params.end()) break;
      found.push_back(*same);
    }
    if (found.size() != d->components.size()) continue;
    for (std::size_t i = 0; i < found.size(); ++i) {
      d->components[i].same_rows = found[i];
      if (!grouping.emplace(found[i], element).second || element == type) continue;
      auto* plain = const_cast<ParamDef*>(found[i]);  // one of `params`
      plain->grouped_by = d;
      plain->grouped_as = &d->components[i];
    }
  }
}

// Finds the reference parameters of `params` (one type's) whose every
// branch is a branch of another's followed by ".where(resolve() is X)",
// one X for all (ParamDef::narrows): Observation.patient and subject,
// Encounter.practitioner and participant. A row of the other parameter
// that targets X ("X/id", the type read from the reference) comes from a
// reference that resolve() turns into an X, so it is one of the narrowed
// parameter's rows too, and the other way round. A parameter read through
// unions or composites keeps all its rows.
void derive_narrowing(const std::vector<ParamDef*>& params, const BranchSets& branches) {
  std::set<const ParamDef*> read_by_others;
  for (const ParamDef* p : params) {
    read_by_others.insert(p->union_of.begin(), p->union_of.end());
    for (const auto& c : p->components)
      if (c.same_rows) read_by_others.insert(c.same_rows);
  }
  auto plain_reference = [&](const ParamDef* p) {
    return branches.count(p) && p->kind == fhir::SearchParamType::kReference && p->union_of.empty() &&
           !read_by_others.count(p);
  };
  constexpr std::string_view kOpen = ".where(resolve() is ";
  for (ParamDef* d : params) {
    if (!plain_reference(d)) continue;
    const std::vector<std::string>& own = branches.at(d);
    std::vector<std::string> inner;
    std::string type;
    for (const auto& b : own) {
      auto at = b.rfind(kOpen);
      if (at == std::string::npos || b.back() != ')') break;
      std::string x = b.substr(at + kOpen.size(), b.size() - 1 - at - kOpen.size());
      if (!fhir::is_resource_type(x) || (!type.empty() && x != type)) break;
      type = x;
      inner.push_back(b.substr(0, at));
    }
    if (type.empty() || inner.size() != own.size()) continue;
    std::sort(inner.begin(), inner.end());
    auto wide = std::find_if(params.begin(), params.end(), [&](const ParamDef* p) {
      return p != d && plain_reference(p) && !p->narrows && branches.at(p) == inner;
    });
    if (wide == params.end()) continue;
    d->narrows = *wide;
    d->narrow_type = type;
  }
}

// The token parameters kept with their resource's latest date
// (ParamDef::latest_by): the "last results of a code" of the coordination
// screens (last HbA1c, eGFR or weight; last report, procedure or
// vaccination of a kind). Each costs one index entry per token row of the
// parameter; a change here changes extraction (kExtractionVersion).
struct LatestPair {
  std::string_view type, token, date;
};
constexpr LatestPair kLatestPairs[] = {
    {"Observation", "code", "date"},
    {"DiagnosticReport", "code", "date"},
    {"Procedure", "code", "date"},
    {"Immunization", "vaccine-code", "date"},
};

void derive_latest(std::string_view type, const std::vector<ParamDef*>& params) {
  auto own = [&](std::string_view code, fhir::SearchParamType kind) -> ParamDef* {
    for (ParamDef* p : params)
      if (p->type == type && p->code == code && p->kind == kind && p->union_of.empty() &&
          p->components.empty() && !p->expression.empty())
        return p;
    return nullptr;
  };
  for (const auto& pair : kLatestPairs) {
    if (pair.type != type) continue;
    ParamDef* token = own(pair.token, fhir::SearchParamType::kToken);
    const ParamDef* date = own(pair.date, fhir::SearchParamType::kDate);
    if (token && date) token->latest_by = date;
  }
}

}  // namespace

std::string branches_for(std::string_view expression, std::string_view type) {
  std::string out;
  for (std::string_view b : split_union(expression)) {
    std::string_view root = root_of(b);
    bool keep =
        root == type || root == "Resource" || root == "DomainResource" || !fhir::is_resource_type(root);
    if (!keep || b.empty()) continue;
    if (!out.empty()) out += " | ";
    out += b;
  }
  return out;
}

struct Registry::Impl {
  struct TypeParams {
    std::vector<const ParamDef*> params;
    std::once_flag compiled;
  };
  std::deque<ParamDef> defs;  // stable addresses
  std::map<std::string, TypeParams, std::less<>> by_type;
  std::map<std::string, const ParamDef*, std::less<>> by_code;  // by name "Type.code"
  std::string fingerprint;

  void add(ParamDef d) {
    set_names(d);
    defs.push_back(std::move(d));
    const ParamDef* p = &defs.back();
    by_type[p->type].params.push_back(p);
    by_code[p->type + "." + p->code] = p;
  }

  void compile_type(TypeParams& tp, std::string_view type) {
    std::call_once(tp.compiled, [&] {
      for (const ParamDef* cp : tp.params) {
        auto* p = const_cast<ParamDef*>(cp);  // filled once, before any reader sees it
        if (!p->expression.empty()) {
          fhirpath::CompileOptions o;
          o.input_type = type;
          auto e = fhirpath::compile(p->expression, o);
          if (!e) e = fhirpath::compile(p->expression);
          if (e) p->compiled = *e;
        }
        for (auto& c : p->components) {
          auto e = fhirpath::compile_cached(c.expression);
          if (e) c.compiled = *e;
        }
      }
    });
  }
};

namespace {

std::unique_ptr<Registry::Impl> builtins() {
  auto impl = std::make_unique<Registry::Impl>();
  std::uint64_t h = fnv(0xcbf29ce484222325ULL, kExtractionVersion);
  for (std::string_view type : fhir::resource_types()) {
    impl->by_type[std::string(type)];  // every type has an entry, even without parameters
    for (const fhir::SearchParamDef* def : fhir::search_params_for(type)) {
      ParamDef d;
      d.type = type;
      d.code = def->code;
      d.url = def->url;
      d.kind = def->type;
      d.expression = branches_for(def->expression, type);
      if (def->bases.size() == 1 && (def->bases[0] == "Resource" || def->bases[0] == "DomainResource"))
        d.shared_base = def->bases[0];
      for (auto t : def->targets) d.targets.emplace_back(t);
      for (const auto& c : def->components) {
        ParamComponent pc;
        const fhir::SearchParamDef* cd = by_url(c.definition);
        pc.kind = cd ? cd->type : fhir::SearchParamType::kToken;
        pc.expression = c.expression;
        d.components.push_back(std::move(pc));
      }
      h = fnv(h, d.type);
      h = fnv(h, d.code);
      h = fnv(h, d.expression);
      impl->add(std::move(d));
    }
  }
  for (auto& [type, tp] : impl->by_type) {
    std::vector<ParamDef*> mine;
    for (const ParamDef* p : tp.params) mine.push_back(const_cast<ParamDef*>(p));  // still being built
    const BranchSets branches = branch_sets(mine);
    derive_unions(mine, branches);
    derive_component_rows(type, mine, branches);
    derive_narrowing(mine, branches);
    derive_latest(type, mine);
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  impl->fingerprint = buf;
  return impl;
}

// Every registry ever installed stays alive: index rows view the names of
// the one they were extracted with.
std::mutex g_install_mu;
std::vector<std::shared_ptr<const Registry>>& all_registries() {
  static std::vector<std::shared_ptr<const Registry>> v;
  return v;
}
std::atomic<std::shared_ptr<const Registry>>& current_slot() {
  static std::atomic<std::shared_ptr<const Registry>> slot{std::make_shared<const Registry>(builtins())};
  return slot;
}

}  // namespace

Registry::Registry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  // Components point at their composite.
  for (auto& d : impl_->defs)
    for (std::size_t i = 0; i < d.components.size(); ++i) d.components[i].def = &d;
}
Registry::~Registry() = default;

std::shared_ptr<const Registry> Registry::current() { return current_slot().load(); }

const ParamDef* Registry::find(std::string_view type, std::string_view code) const {
  std::string name;
  name.reserve(type.size() + code.size() + 1);
  name.append(type).append(".").append(code);
  auto it = impl_->by_code.find(name);
  if (it == impl_->by_code.end()) return nullptr;
  auto t = impl_->by_type.find(type);
  if (t != impl_->by_type.end()) impl_->compile_type(t->second, type);
  return it->second;
}

const std::vector<const ParamDef*>& Registry::for_type(std::string_view type) const {
  static const std::vector<const ParamDef*> kNone;
  auto t = impl_->by_type.find(type);
  if (t == impl_->by_type.end()) return kNone;
  impl_->compile_type(t->second, type);
  return t->second.params;
}

std::vector<std::string> Registry::row_names() const {
  std::set<std::string> out;
  for (const auto& d : impl_->defs) {
    if (!d.union_of.empty()) continue;  // row_aliases()
    out.insert(d.name);
    if (d.kind == fhir::SearchParamType::kToken) {
      out.insert(d.text_name);
      out.insert(d.of_type_name);
    }
    if (d.kind == fhir::SearchParamType::kReference) out.insert(d.identifier_name);
    for (const auto& c : d.components)
      if (!c.same_rows) out.insert(c.name);
  }
  return {out.begin(), out.end()};
}

std::vector<store::RowAlias> Registry::row_aliases() const {
  std::vector<store::RowAlias> out;
  auto add = [&](const ParamDef& d, auto name_of) {
    store::RowAlias a{name_of(d), {}, ""};
    for (const ParamDef* s : d.union_of) a.sources.push_back(name_of(*s));
    out.push_back(std::move(a));
  };
  for (const auto& d : impl_->defs) {
    if (d.union_of.empty()) continue;
    add(d, [](const ParamDef& p) { return p.name; });
    if (d.kind == fhir::SearchParamType::kToken) {
      add(d, [](const ParamDef& p) { return p.text_name; });
      add(d, [](const ParamDef& p) { return p.of_type_name; });
    }
    if (d.kind == fhir::SearchParamType::kReference)
      add(d, [](const ParamDef& p) { return p.identifier_name; });
    // A source component that reads a plain parameter's rows stands for them.
    for (std::size_t i = 0; i < d.components.size(); ++i)
      add(d, [i](const ParamDef& p) {
        const ParamComponent& c = p.components[i];
        return c.same_rows ? c.same_rows->name : c.name;
      });
  }
  for (const auto& d : impl_->defs) {
    for (const auto& c : d.components)
      if (c.same_rows) out.push_back({c.name, {c.same_rows->name}, ""});
    if (d.narrows) out.push_back({d.name, {d.narrows->name}, d.narrow_type});
  }
  return out;
}

std::string Registry::fingerprint() const { return impl_->fingerprint; }

Result<std::vector<std::string>> Registry::install_custom(const std::vector<Json>& search_parameters) {
  std::lock_guard lock(g_install_mu);
  auto impl = builtins();
  std::vector<std::string> problems;
  std::uint64_t h = 0;
  for (char c : impl->fingerprint) h = h * 31 + static_cast<unsigned char>(c);
  for (const Json& sp : search_parameters) {
    std::string url(sp.get_string("url"));
    std::string code(sp.get_string("code"));
    std::string expression(sp.get_string("expression"));
    auto kind = kind_of(sp.get_string("type"));
    if (code.empty() || !kind || (expression.empty() && *kind != fhir::SearchParamType::kComposite)) {
      problems.push_back("SearchParameter " + url + ": needs a code, a type and an expression");
      continue;
    }
    if (sp.get_string("status") == "retired") continue;
    const Json* bases = sp.find("base");
    if (!bases || !bases->is_array()) {
      problems.push_back("SearchParameter " + url + ": needs a base");
      continue;
    }
    for (const Json& b : bases->as_array()) {
      if (!b.is_string() || !fhir::is_resource_type(b.as_string())) continue;
      const std::string& type = b.as_string();
      if (impl->by_code.count(type + "." + code)) {
        problems.push_back("SearchParameter " + url + ": " + type + "." + code + " is already defined");
        continue;
      }
      ParamDef d;
      d.type = type;
      d.code = code;
      d.url = url;
      d.kind = *kind;
      d.custom = true;
      d.expression = branches_for(expression, type);
      if (const Json* t = sp.find("target"); t && t->is_array())
        for (const Json& x : t->as_array())
          if (x.is_string()) d.targets.push_back(x.as_string());
      if (const Json* comps = sp.find("component"); comps && comps->is_array()) {
        for (const Json& c : comps->as_array()) {
          ParamComponent pc;
          const fhir::SearchParamDef* cd = by_url(c.get_string("definition"));
          pc.kind = cd ? cd->type : fhir::SearchParamType::kToken;
          pc.expression = c.get_string("expression");
          d.components.push_back(std::move(pc));
        }
      }
      if (auto e = fhirpath::compile(d.expression); !e && !d.expression.empty()) {
        problems.push_back("SearchParameter " + url + ": " + e.error().message());
        continue;
      }
      h = fnv(h, d.url);
      h = fnv(h, d.type);
      h = fnv(h, d.code);
      h = fnv(h, sp.get_string("type"));
      h = fnv(h, d.expression);
      impl->add(std::move(d));
    }
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  if (!search_parameters.empty()) impl->fingerprint = buf;
  auto reg = std::make_shared<const Registry>(std::move(impl));
  all_registries().push_back(current_slot().load());
  all_registries().push_back(reg);
  current_slot().store(reg);
  return problems;
}

}  // namespace parcours::search
