// Lookups over the generated R4 tables: binary searches over sorted constant
// arrays, so no state, no locks and nothing built at start-up.
#include "fhir/definitions.h"

#include <algorithm>
#include <cassert>

namespace parcours::fhir {

namespace {

const detail::R4Tables& tables() { return detail::r4_tables(); }

// "Quantity" names the suffix "valueQuantity" uses for type "Quantity"; a
// primitive "dateTime" gives "DateTime" (R4 §2.24.0.1 choice naming: the
// type name with its first letter upper-cased).
bool suffix_names_type(std::string_view suffix, std::string_view type) {
  if (suffix.size() != type.size() || suffix.empty()) return false;
  char first = type[0];
  if (first >= 'a' && first <= 'z') first = static_cast<char>(first - 'a' + 'A');
  return suffix[0] == first && suffix.substr(1) == type.substr(1);
}

struct IndexRange {
  const detail::SearchParamIndexEntry* begin;
  const detail::SearchParamIndexEntry* end;
};

IndexRange index_range(std::string_view resource_type) {
  auto idx = tables().search_index;
  auto lo = std::lower_bound(idx.begin(), idx.end(), resource_type,
                             [](const auto& e, std::string_view t) { return e.resource_type < t; });
  auto hi = std::upper_bound(lo, idx.end(), resource_type,
                             [](std::string_view t, const auto& e) { return t < e.resource_type; });
  return {std::to_address(lo), std::to_address(hi)};
}

const SearchParamDef* find_in(std::string_view resource_type, std::string_view code) {
  auto r = index_range(resource_type);
  auto it =
      std::lower_bound(r.begin, r.end, code, [](const auto& e, std::string_view c) { return e.code < c; });
  if (it == r.end || it->code != code) return nullptr;
  return &tables().search_params[it->param];
}

}  // namespace

bool is_resource_type(std::string_view name) {
  const TypeDef* t = find_type(name);
  return t && t->is_resource() && !t->abstract;
}

std::span<const std::string_view> resource_types() { return tables().resource_types; }

std::span<const TypeDef> all_types() { return tables().types; }

const TypeDef* find_type(std::string_view name) {
  auto types = tables().types;
  auto it = std::lower_bound(types.begin(), types.end(), name,
                             [](const TypeDef& t, std::string_view n) { return t.name < n; });
  if (it == types.end() || it->name != name) return nullptr;
  return std::to_address(it);
}

const TypeDef& type_at(TypeIndex index) {
  assert(index < tables().types.size());
  return tables().types[index];
}

TypeIndex index_of(const TypeDef& type) { return static_cast<TypeIndex>(&type - tables().types.data()); }

ElementMatch find_element(const TypeDef& type, std::string_view json_name) {
  ElementMatch stem_only;  // a choice stem matched but with a suffix it does not allow
  for (const ElementDef& e : type.elements) {
    if (json_name.size() < e.name.size() || json_name.compare(0, e.name.size(), e.name) != 0) continue;
    if (!e.choice()) {
      if (json_name.size() != e.name.size()) continue;
      if (e.backbone >= 0) return {&e, &type_at(static_cast<TypeIndex>(e.backbone))};
      return {&e, &type_at(e.types[0])};
    }
    std::string_view suffix = json_name.substr(e.name.size());
    for (TypeIndex ti : e.types) {
      const TypeDef& t = type_at(ti);
      if (suffix_names_type(suffix, t.name)) return {&e, &t};
    }
    if (!stem_only.element) stem_only.element = &e;
  }
  return stem_only;
}

bool derives_from(const TypeDef& type, std::string_view ancestor) {
  const TypeDef* t = &type;
  for (int guard = 0; t && guard < 16; ++guard) {
    if (t->name == ancestor) return true;
    if (t->base.empty()) return false;
    t = find_type(t->base);
  }
  return false;
}

std::span<const SearchParamDef> search_params() { return tables().search_params; }

const SearchParamDef* find_search_param(std::string_view resource_type, std::string_view code) {
  if (const SearchParamDef* p = find_in(resource_type, code)) return p;
  // Parameters defined on the abstract bases apply to every resource (R4
  // §3.1.1.4.1): DomainResource's only to those deriving from it.
  const TypeDef* t = find_type(resource_type);
  if (!t || !t->is_resource()) return nullptr;
  if (t->base == "DomainResource" || t->name == "DomainResource")
    if (const SearchParamDef* p = find_in("DomainResource", code)) return p;
  return find_in("Resource", code);
}

std::vector<const SearchParamDef*> search_params_for(std::string_view resource_type) {
  std::vector<const SearchParamDef*> out;
  const TypeDef* t = find_type(resource_type);
  if (!t || !t->is_resource()) return out;
  auto add = [&out](std::string_view type) {
    auto r = index_range(type);
    for (auto* e = r.begin; e != r.end; ++e) out.push_back(&tables().search_params[e->param]);
  };
  if (resource_type != "Resource" && resource_type != "DomainResource") add(resource_type);
  if (t->base == "DomainResource" || t->name == "DomainResource") add("DomainResource");
  add("Resource");
  return out;
}

std::span<const std::string_view> patient_compartment_params(std::string_view resource_type) {
  auto c = tables().patient_compartment;
  auto it = std::lower_bound(c.begin(), c.end(), resource_type,
                             [](const auto& e, std::string_view t) { return e.resource_type < t; });
  if (it == c.end() || it->resource_type != resource_type) return {};
  return it->params;
}

}  // namespace parcours::fhir
