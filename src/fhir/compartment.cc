// Patient compartment membership from the generated CompartmentDefinition and
// SearchParameter tables (R4 §3.1.3.1 "Compartments").
//
// The compartment's parameters are all reference parameters whose FHIRPath,
// once cut down to the branch for one resource type, is a dotted path,
// possibly ending in ".where(resolve() is Patient)". Rather than a FHIRPath
// engine, each resource type gets a small trie of those paths, built once;
// one depth-first walk over the resource follows the trie, which yields the
// references in document order.
#include "fhir/compartment.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "fhir/definitions.h"
#include "fhir/primitives.h"

namespace parcours::fhir {

namespace {

struct TrieNode {
  std::vector<std::pair<std::string_view, std::size_t>> children;  // element name -> node
  bool terminal = false;                                           // a Reference (or Reference[]) to inspect
};

struct TypePaths {
  std::string_view type;
  std::vector<TrieNode> nodes;  // nodes[0] is the root
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// The dotted path of one union branch for `type`, without the leading type
// name; empty when the branch is about another type or not a plain path.
std::vector<std::string_view> branch_path(std::string_view branch, std::string_view type) {
  branch = trim(branch);
  if (branch.size() <= type.size() || branch.substr(0, type.size()) != type || branch[type.size()] != '.')
    return {};
  branch.remove_prefix(type.size() + 1);
  constexpr std::string_view kWhere = ".where(resolve() is ";
  if (auto w = branch.find(kWhere); w != std::string_view::npos) {
    std::string_view target = branch.substr(w + kWhere.size());
    if (target != "Patient)") return {};  // a filter to another type: no Patient there
    branch = branch.substr(0, w);
  }
  std::vector<std::string_view> out;
  while (!branch.empty()) {
    std::size_t dot = branch.find('.');
    std::string_view seg = branch.substr(0, dot);
    for (char c : seg)
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return {};
    if (seg.empty()) return {};
    out.push_back(seg);
    if (dot == std::string_view::npos) break;
    branch.remove_prefix(dot + 1);
  }
  return out;
}

void insert(std::vector<TrieNode>& nodes, const std::vector<std::string_view>& path) {
  std::size_t at = 0;
  for (std::string_view seg : path) {
    std::size_t next = 0;
    for (const auto& [name, child] : nodes[at].children)
      if (name == seg) next = child;
    if (next == 0) {
      next = nodes.size();
      nodes[at].children.emplace_back(seg, next);
      nodes.emplace_back();
    }
    at = next;
  }
  nodes[at].terminal = true;
}

std::vector<TypePaths> build() {
  std::vector<TypePaths> out;
  for (std::string_view type : resource_types()) {
    auto params = patient_compartment_params(type);
    if (params.empty()) continue;
    TypePaths tp{type, {TrieNode{}}};
    for (std::string_view code : params) {
      const SearchParamDef* sp = find_search_param(type, code);
      if (!sp) continue;
      std::string_view expr = sp->expression;
      while (!expr.empty()) {
        std::size_t bar = expr.find('|');
        auto path = branch_path(expr.substr(0, bar), type);
        if (!path.empty()) insert(tp.nodes, path);
        if (bar == std::string_view::npos) break;
        expr.remove_prefix(bar + 1);
      }
    }
    out.push_back(std::move(tp));
  }
  return out;  // resource_types() is sorted, so is this
}

const TypePaths* paths_for(std::string_view type) {
  static const std::vector<TypePaths> all = build();
  auto it = std::lower_bound(all.begin(), all.end(), type,
                             [](const TypePaths& t, std::string_view n) { return t.type < n; });
  return it != all.end() && it->type == type ? &*it : nullptr;
}

// The Patient id a literal reference names: "Patient/<id>",
// "Patient/<id>/_history/<v>", or an absolute URL ending that way. Contained
// ("#"), urn:, logical and conditional references name no stored Patient.
std::string_view patient_id(std::string_view ref) {
  if (ref.find('?') != std::string_view::npos || ref.find('#') != std::string_view::npos) return {};
  if (auto h = ref.find("/_history/"); h != std::string_view::npos) ref = ref.substr(0, h);
  constexpr std::string_view kPatient = "Patient/";
  std::size_t at;
  if (ref.substr(0, kPatient.size()) == kPatient) {
    at = 0;
  } else {
    at = ref.rfind("/Patient/");
    if (at == std::string_view::npos || ref.find("://") == std::string_view::npos) return {};
    ++at;
  }
  std::string_view id = ref.substr(at + kPatient.size());
  return is_valid_id(id) ? id : std::string_view();
}

void add_unique(std::vector<std::string>& out, std::string_view id) {
  if (id.empty()) return;
  for (const auto& have : out)
    if (have == id) return;
  out.emplace_back(id);
}

void walk(const Json& node, const std::vector<TrieNode>& nodes, std::size_t at,
          std::vector<std::string>& out);

void visit(const Json& value, const std::vector<TrieNode>& nodes, std::size_t at,
           std::vector<std::string>& out) {
  if (value.is_array()) {
    for (const Json& item : value.as_array()) visit(item, nodes, at, out);
    return;
  }
  if (!value.is_object()) return;
  if (nodes[at].terminal) add_unique(out, patient_id(value.get_string("reference")));
  if (!nodes[at].children.empty()) walk(value, nodes, at, out);
}

void walk(const Json& node, const std::vector<TrieNode>& nodes, std::size_t at,
          std::vector<std::string>& out) {
  for (const auto& [key, value] : node.as_object()) {
    for (const auto& [name, child] : nodes[at].children) {
      // A choice element ("subject[x]") appears as name + "Reference".
      std::string_view k = key;
      if (k == name || (k.size() == name.size() + 9 && k.substr(0, name.size()) == name &&
                        k.substr(name.size()) == "Reference")) {
        visit(value, nodes, child, out);
      }
    }
  }
}

}  // namespace

std::vector<std::string> patient_compartments(std::string_view type, const Json& resource) {
  std::vector<std::string> out;
  if (!resource.is_object()) return out;
  // A Patient is in its own compartment (CompartmentDefinition patient: the
  // compartment's identity is the Patient's id).
  if (type == "Patient") {
    std::string_view id = resource.get_string("id");
    if (is_valid_id(id)) out.emplace_back(id);
  }
  if (const TypePaths* tp = paths_for(type)) walk(resource, tp->nodes, 0, out);
  return out;
}

}  // namespace parcours::fhir
