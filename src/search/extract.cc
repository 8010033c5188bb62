#include "search/extract.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "search/text.h"
#include "search/values.h"

namespace parcours::search {
namespace {

using Kind = fhir::SearchParamType;
constexpr std::size_t kMaxIndexedText = 1024;  // longer strings are indexed by their start

std::string_view str(const Json* j) { return j && j->is_string() ? std::string_view(j->as_string()) : ""; }

std::string clip(std::string_view s) {
  if (s.size() <= kMaxIndexedText) return std::string(s);
  std::size_t n = kMaxIndexedText;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // a whole UTF-8 character
  return std::string(s.substr(0, n));
}

// The text of an item that is a string-like value (FHIR primitive node or a
// computed System value).
std::optional<std::string_view> primitive_text(const fhirpath::Item& it) {
  if (it.node) {
    if (it.node->is_string()) return std::string_view(it.node->as_string());
    return std::nullopt;
  }
  if (it.value.is_string()) return std::string_view(it.value.as_string());
  return std::nullopt;
}

std::optional<std::string> number_text(const fhirpath::Item& it) {
  const Json* n = it.node ? it.node : &it.value;
  if (n->is_number()) return n->number();
  return std::nullopt;
}

// The local references of a resource ("#id", R4 references.html, contained
// resources): the contained resources' types by id, and the prefix of the
// id their rows take ("Type/id#").
struct LocalTargets {
  std::string prefix;
  std::vector<std::pair<std::string_view, std::string_view>> types;  // id -> resourceType

  std::optional<ReferenceParts> resolve(std::string_view ref) const {
    if (ref.size() < 2 || ref.front() != '#') return std::nullopt;
    for (const auto& [id, type] : types)
      if (id == ref.substr(1))
        return ReferenceParts{store::contained_type(type), prefix + std::string(id), ""};
    return std::nullopt;
  }
};

struct Out {
  store::SearchRows& rows;
  const ParamDef& param;
  std::string_view name;
  std::int32_t grp;
  const LocalTargets* local = nullptr;

  // Returns whether a row was written (a value has a system or a code); it
  // carries the texts from `texts_from` (texts_start()) on, none by default.
  bool token(std::string_view system, std::string_view code, std::size_t texts_from = SIZE_MAX) {
    if (system.empty() && code.empty()) return false;
    std::size_t n = rows.token_texts.size();
    rows.tokens.push_back({name, grp, clip(system), clip(code),
                           static_cast<std::uint32_t>(std::min(texts_from, n)), static_cast<std::uint32_t>(n),
                           std::nullopt});
    return true;
  }
  void token_as(std::string_view row_name, std::string_view system, std::string_view code) {
    if (system.empty() && code.empty()) return;
    rows.tokens.push_back({row_name, grp, clip(system), clip(code), 0, 0, std::nullopt});
  }
  // A string row in `to`: the value as written (clipped), and folded.
  static void string_to(std::vector<store::StringRow>& to, std::string_view row_name, std::int32_t g,
                        std::string_view exact) {
    if (exact.empty()) return;
    std::string e = clip(exact);
    to.push_back({row_name, g, fold(e), e});
  }
  void string(std::string_view exact) { string_to(rows.strings, name, grp, exact); }
  // A text for :text (R4 §3.1.1.4.10), carried by the tokens written after
  // it (texts_start() .. token()); composite components have no modifiers.
  std::size_t texts_start() const { return rows.token_texts.size(); }
  void text(std::string_view display) {
    if (name == param.name) string_to(rows.token_texts, param.text_name, 0, display);
  }
  // Texts from `from` that no token carries (a CodeableConcept with a text
  // and no coding) become string rows of their own.
  void texts_without_token(std::size_t from) {
    for (std::size_t i = from; i < rows.token_texts.size(); ++i)
      rows.strings.push_back(std::move(rows.token_texts[i]));
    rows.token_texts.resize(from);
  }
  void date(const DateRange& r) { rows.dates.push_back({name, grp, r.low, r.high}); }
  void reference(const ReferenceParts& p) { rows.references.push_back({name, grp, p.type, p.id, p.version}); }
};

void coding(Out& o, const Json& c) {
  std::size_t from = o.texts_start();
  o.text(c.get_string("display"));
  if (!o.token(c.get_string("system"), c.get_string("code"), from)) o.texts_without_token(from);
}

// Every coding of a concept carries all its texts: `code:text=x` finds the
// concept by any of its displays or its text.
void concept_codings(Out& o, const Json& cc) {
  std::size_t from = o.texts_start();
  const Json* cs = cc.find("coding");
  if (cs && !cs->is_array()) cs = nullptr;
  if (cs)
    for (const Json& c : cs->as_array()) o.text(c.get_string("display"));
  o.text(cc.get_string("text"));
  bool carried = false;
  if (cs)
    for (const Json& c : cs->as_array())
      carried |= o.token(c.get_string("system"), c.get_string("code"), from);
  if (!carried) o.texts_without_token(from);
}

void add_token(Out& o, const fhirpath::Item& it) {
  const Json* n = it.node;
  const std::string& t = it.type;
  if (n && n->is_object()) {
    if (t == "Coding") {
      coding(o, *n);
    } else if (t == "CodeableConcept") {
      concept_codings(o, *n);
    } else if (t == "Identifier") {
      std::size_t from = o.texts_start();
      const Json* type = n->find("type");
      if (type && type->is_object()) o.text(type->get_string("text"));
      if (!o.token(n->get_string("system"), n->get_string("value"), from)) o.texts_without_token(from);
      if (type && type->is_object()) {
        // :of-type (R4 §3.1.1.4.10): type-system|type-code|value.
        if (const Json* cs = type->find("coding"); cs && cs->is_array())
          for (const Json& c : cs->as_array())
            if (!n->get_string("value").empty())
              o.token_as(o.param.of_type_name,
                         std::string(c.get_string("system")) + "|" + std::string(c.get_string("code")),
                         n->get_string("value"));
      }
    } else if (t == "ContactPoint") {
      o.token(n->get_string("system"), n->get_string("value"));
    }
    return;
  }
  if (it.kind == fhirpath::Kind::Boolean || (n && n->is_bool())) {
    bool b = n && n->is_bool() ? n->as_bool() : it.value.is_bool() && it.value.as_bool();
    o.token("", b ? "true" : "false");
    return;
  }
  if (auto s = primitive_text(it))
    o.token("", *s);
  else if (auto num = number_text(it))
    o.token("", *num);
}

void add_string(Out& o, const fhirpath::Item& it) {
  const Json* n = it.node;
  if (n && n->is_object()) {
    auto each = [&](std::string_view key) {
      const Json* v = n->find(key);
      if (!v) return;
      if (v->is_string())
        o.string(v->as_string());
      else if (v->is_array())
        for (const Json& x : v->as_array()) o.string(str(&x));
    };
    if (it.type == "HumanName") {
      for (auto k : {"family", "given", "prefix", "suffix", "text"}) each(k);
    } else if (it.type == "Address") {
      for (auto k : {"line", "city", "district", "state", "postalCode", "country", "text"}) each(k);
    }
    return;
  }
  if (auto s = primitive_text(it)) o.string(*s);
}

void add_date(Out& o, const fhirpath::Item& it) {
  const Json* n = it.node;
  if (n && n->is_object()) {
    auto period = [&](const Json& p) {
      auto start = date_range(p.get_string("start"));
      auto end = date_range(p.get_string("end"));
      if (!start && !end) return;
      o.date(DateRange{start ? start->low : kMinMicros, end ? end->high : kMaxMicros});
    };
    if (it.type == "Period") {
      period(*n);
    } else if (it.type == "Timing") {
      if (const Json* ev = n->find("event"); ev && ev->is_array())
        for (const Json& e : ev->as_array())
          if (auto r = date_range(str(&e))) o.date(*r);
      if (const Json* rep = n->find("repeat"); rep && rep->is_object())
        if (const Json* b = rep->find("boundsPeriod"); b && b->is_object()) period(*b);
    }
    return;
  }
  if (auto s = primitive_text(it))
    if (auto r = date_range(*s)) o.date(*r);
}

void add_quantity(Out& o, std::string_view value_text, std::string_view system, std::string_view code) {
  auto v = parse_decimal(value_text);
  if (!v) return;
  CanonicalUnit cu = canonical_unit(system, code);
  double canon = *v * cu.factor;
  if (!std::isfinite(canon)) canon = *v;
  o.rows.quantities.push_back({o.name, o.grp, *v, std::string(system), std::string(code), canon, cu.code});
}

void add_quantity_item(Out& o, const fhirpath::Item& it) {
  const Json* n = it.node;
  if (n && n->is_object()) {
    const Json* value = n->find("value");
    if (!value || !value->is_number()) return;
    if (it.type == "SampledData") return;  // no value of its own (registry.cc: yields_no_rows)
    if (it.type == "Money") {
      add_quantity(o, value->number(), "urn:iso:std:iso:4217", n->get_string("currency"));
      return;
    }
    std::string_view code = n->get_string("code");
    if (code.empty()) code = n->get_string("unit");
    add_quantity(o, value->number(), n->get_string("system"), code);
    return;
  }
  if (it.kind == fhirpath::Kind::Quantity && it.value.is_number())
    add_quantity(o, it.value.number(), it.unit.empty() ? "" : kUcum, it.unit);
  else if (auto num = number_text(it))
    add_quantity(o, *num, "", "");
}

void add_reference(Out& o, const fhirpath::Item& it) {
  const Json* n = it.node;
  if (n && n->is_object()) {
    if (const Json* rt = n->find("resourceType");
        rt && rt->is_string()) {  // a resource (Bundle.entry.resource)
      if (!n->get_string("id").empty()) o.reference({rt->as_string(), std::string(n->get_string("id")), ""});
      return;
    }
    std::string_view ref = n->get_string("reference");
    if (auto p = parse_reference(ref))
      o.reference(*p);
    else if (auto l = o.local ? o.local->resolve(ref) : std::nullopt)
      o.reference(*l);
    if (const Json* id = n->find("identifier"); id && id->is_object())
      o.token_as(o.param.identifier_name, id->get_string("system"), id->get_string("value"));
    return;
  }
  if (auto s = primitive_text(it)) {
    if (auto p = parse_reference(*s))
      o.reference(*p);
    else if (auto l = o.local ? o.local->resolve(*s) : std::nullopt)
      o.reference(*l);  // a canonical to a contained resource ("#vs")
  }
}

void add_uri(Out& o, const fhirpath::Item& it) {
  if (auto s = primitive_text(it); s && !s->empty()) o.rows.uris.push_back({o.name, o.grp, clip(*s)});
}

void add_number(Out& o, const fhirpath::Item& it) {
  if (auto num = number_text(it))
    if (auto v = parse_decimal(*num)) o.rows.numbers.push_back({o.name, o.grp, *v});
}

void add_position(Out& o, const fhirpath::Item& it) {
  const Json* n = it.node;
  if (!n || !n->is_object()) return;
  const Json* lat = n->find("latitude");
  const Json* lon = n->find("longitude");
  if (!lat || !lon) return;
  auto la = lat->to_double(), lo = lon->to_double();
  if (la && lo) o.rows.positions.push_back({o.name, *la, *lo});
}

// Strings for _content: every text value except identifiers of things
// (references, systems, urls, ids, binary data), the narrative (its text
// is added once, without tags) and the store's stamps (Meta.versionId and
// Meta.lastUpdated: set by the store, and present or not when the rows are
// computed depending on the write path, so they would make the result depend
// on how a resource arrived).
void collect_content(const Json& j, std::string_view key, std::string& out) {
  if (j.is_string()) {
    if (key == "reference" || key == "system" || key == "url" || key == "id" || key == "data" ||
        key == "fullUrl" || key == "div" || key == "resourceType" || key == "versionId" ||
        key == "lastUpdated")
      return;
    if (!out.empty()) out.push_back(' ');
    out += j.as_string();
  } else if (j.is_array()) {
    for (const auto& x : j.as_array()) collect_content(x, key, out);
  } else if (j.is_object()) {
    for (const auto& [k, v] : j.as_object()) collect_content(v, k, out);
  }
}

std::size_t row_count(const store::SearchRows& r) {
  return r.tokens.size() + r.strings.size() + r.dates.size() + r.numbers.size() + r.quantities.size() +
         r.references.size() + r.uris.size() + r.positions.size();
}

template <class T>
void move_all(std::vector<T>& from, std::vector<T>& to) {
  for (auto& x : from) to.push_back(std::move(x));
}

void append_rows(store::SearchRows& from, store::SearchRows& to) {
  move_all(from.tokens, to.tokens);
  move_all(from.strings, to.strings);
  move_all(from.dates, to.dates);
  move_all(from.numbers, to.numbers);
  move_all(from.quantities, to.quantities);
  move_all(from.references, to.references);
  move_all(from.uris, to.uris);
  move_all(from.positions, to.positions);
}

}  // namespace

std::optional<ReferenceParts> parse_reference(std::string_view ref) {
  if (ref.empty() || ref.front() == '#') return std::nullopt;
  ReferenceParts p;
  if (ref.find(':') != std::string_view::npos) {  // absolute URL, urn, canonical
    if (auto bar = ref.rfind('|'); bar != std::string_view::npos) {
      p.version = ref.substr(bar + 1);
      ref = ref.substr(0, bar);
    } else if (auto h = ref.find("/_history/"); h != std::string_view::npos) {
      p.version = ref.substr(h + 10);
      ref = ref.substr(0, h);
    }
    p.id = ref;
    return p;
  }
  auto slash = ref.find('/');
  if (slash == std::string_view::npos) {
    p.id = ref;
    return p;
  }
  std::string_view type = ref.substr(0, slash), rest = ref.substr(slash + 1);
  if (auto h = rest.find("/_history/"); h != std::string_view::npos) {
    p.version = rest.substr(h + 10);
    rest = rest.substr(0, h);
  }
  if (!fhir::is_resource_type(type) || rest.empty() || rest.find('/') != std::string_view::npos) {
    p = ReferenceParts{};
    p.id = ref;
    return p;
  }
  p.type = type;
  p.id = rest;
  return p;
}

std::string narrative_text(std::string_view x) {
  std::string out;
  bool tag = false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    char c = x[i];
    if (tag) {
      if (c == '>') {
        tag = false;
        out.push_back(' ');
      }
      continue;
    }
    if (c == '<') {
      tag = true;
      continue;
    }
    if (c == '&') {
      static const std::pair<std::string_view, char> kEntities[] = {
          {"&amp;", '&'},   {"&lt;", '<'},   {"&gt;", '>'},  {"&quot;", '"'},
          {"&apos;", '\''}, {"&#39;", '\''}, {"&nbsp;", ' '}};
      bool found = false;
      for (const auto& [e, ch] : kEntities)
        if (x.substr(i, e.size()) == e) {
          out.push_back(ch);
          i += e.size() - 1;
          found = true;
          break;
        }
      if (found) continue;
    }
    out.push_back(c);
  }
  return fold(out) == "" ? std::string() : out;
}

namespace {

void add_values_to(const ParamDef& param, fhir::SearchParamType kind, std::string_view name, std::int32_t grp,
                   const fhirpath::Collection& items, store::SearchRows& rows, const LocalTargets& local) {
  Out o{rows, param, name, grp, &local};
  for (const auto& it : items) {
    switch (kind) {
      case Kind::kToken:
        add_token(o, it);
        break;
      case Kind::kString:
        add_string(o, it);
        break;
      case Kind::kDate:
        add_date(o, it);
        break;
      case Kind::kNumber:
        add_number(o, it);
        break;
      case Kind::kQuantity:
        add_quantity_item(o, it);
        break;
      case Kind::kReference:
        add_reference(o, it);
        break;
      case Kind::kUri:
        add_uri(o, it);
        break;
      case Kind::kSpecial:
        add_position(o, it);
        break;
      case Kind::kComposite:
        break;
    }
  }
}

}  // namespace

void add_values(const ParamDef& param, fhir::SearchParamType kind, std::string_view name, std::int32_t grp,
                const fhirpath::Collection& items, store::SearchRows& rows) {
  add_values_to(param, kind, name, grp, items, rows, LocalTargets{});
}

namespace {

// The token rows of a parameter kept with its resource's latest date
// (ParamDef::latest_by) get it: the largest end of that parameter's ranges,
// the value a descending _sort on it orders by.
void set_latest(const Registry& registry, std::string_view type, store::SearchRows& out) {
  for (const ParamDef* p : registry.for_type(type)) {
    if (!p->latest_by) continue;
    std::optional<std::int64_t> latest;
    for (const auto& d : out.dates)
      if (d.param == p->latest_by->name && (!latest || d.high > *latest)) latest = d.high;
    if (!latest) continue;
    for (auto& t : out.tokens)
      if (t.param == p->name) t.latest = latest;
  }
}

// `text`: also the full-text columns (a contained resource has none of its
// own: _text and _content search its container, which holds its text).
void extract_one(const Registry& registry, std::string_view type, const Json& resource,
                 store::SearchRows& out, const LocalTargets& local, bool text) {
  fhirpath::Environment env;
  env.resource = &resource;
  env.resolve_placeholders = true;
  for (const ParamDef* p : registry.for_type(type)) {
    if (!p->compiled || p->code == "_id" || p->code == "_lastUpdated")
      continue;                           // columns of the resource row
    if (!p->union_of.empty()) continue;   // its sources' rows stand for it
    if (p->reads_plain_rows()) continue;  // its components read plain parameters' rows
    if (p->grouped_by) {
      // Element by element, in the composite's groups (ParamDef::grouped_by).
      auto elements = fhirpath::evaluate(*p->grouped_by->compiled, &resource, env);
      if (!elements) continue;
      for (std::size_t i = 0; i < elements->size(); ++i)
        if (auto values = fhirpath::evaluate(*p->grouped_as->compiled, (*elements)[i], env))
          add_values_to(*p, p->kind, p->name, static_cast<std::int32_t>(i + 1), *values, out, local);
      continue;
    }
    auto items = fhirpath::evaluate(*p->compiled, &resource, env);
    if (!items || items->empty()) continue;
    if (p->kind != Kind::kComposite) {
      const std::size_t from = out.references.size();
      add_values_to(*p, p->kind, p->name, 0, *items, out, local);
      if (p->narrows)  // those rows are the wider parameter's (ParamDef::narrows)
        out.references.erase(
            std::remove_if(out.references.begin() + static_cast<std::ptrdiff_t>(from), out.references.end(),
                           [&](const store::ReferenceRow& r) { return r.type == p->narrow_type; }),
            out.references.end());
      continue;
    }
    // Composite: the components of each matched element share a group; a
    // component is evaluated on that element (keeping its type). Groups
    // missing a component can never match: they get no rows.
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto grp = static_cast<std::int32_t>(i + 1);
      store::SearchRows group;
      bool complete = true;
      for (const auto& c : p->components) {
        if (!c.compiled) {
          complete = false;
          break;
        }
        auto values = fhirpath::evaluate(*c.compiled, (*items)[i], env);
        std::size_t before = row_count(group);
        if (values) add_values_to(*p, c.kind, c.name, grp, *values, group, local);
        if (row_count(group) == before) {
          complete = false;
          break;
        }
      }
      if (complete) append_rows(group, out);
    }
  }
  set_latest(registry, type, out);
  if (text) out.text = extract_text(resource);
}

}  // namespace

// Folded (search/text.h) before FTS5 sees it, as the words of a query are:
// FTS5's own folding (unicode61, remove_diacritics 2) drops accents but
// keeps ligatures and a few letters whole, so "cœur", "Œdème" or "Straße"
// would never match the "coeur", "oedeme" or "strasse" a query folds to.
store::FullText extract_text(const Json& resource) {
  store::FullText out;
  if (const Json* div = resource.find("text"); div && div->is_object())
    out.narrative = fold(narrative_text(div->get_string("div")));
  std::string content;
  collect_content(resource, "", content);  // _content also reads the narrative column
  out.content = fold(content);
  return out;
}

void extract_rows(const Registry& registry, std::string_view type, const Json& resource,
                  store::SearchRows& out) {
  LocalTargets local;
  std::vector<const Json*> targets;  // parallel to local.types
  if (const Json* contained = resource.find("contained"); contained && contained->is_array()) {
    local.prefix = std::string(type) + "/" + std::string(resource.get_string("id")) + "#";
    for (const Json& c : contained->as_array()) {
      std::string_view ct = c.get_string("resourceType"), cid = c.get_string("id");
      // The first resource of an id is the one "#id" means (dom-3 makes
      // them unique in valid resources).
      bool seen =
          std::any_of(local.types.begin(), local.types.end(), [&](const auto& t) { return t.first == cid; });
      if (ct.empty() || cid.empty() || seen || !fhir::is_resource_type(ct)) continue;
      local.types.emplace_back(cid, ct);
      targets.push_back(&c);
    }
  }
  extract_one(registry, type, resource, out, local, true);
  // Each contained resource (dom-2: none contains another), with the same
  // local targets: contained resources may refer to each other.
  for (std::size_t i = 0; i < targets.size(); ++i) {
    store::ContainedRows& rows = out.contained.emplace_back();
    rows.type = store::contained_type(local.types[i].second);
    rows.id = local.prefix + std::string(local.types[i].first);
    extract_one(registry, local.types[i].second, *targets[i], rows.rows, local, false);
  }
}

}  // namespace parcours::search
