#include "fhirpath/model.h"

#include <unordered_map>

namespace parcours::fhirpath {

namespace {

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

bool integer_text(std::string_view t) {
  for (char c : t)
    if (c == '.' || c == 'e' || c == 'E') return false;
  return true;
}

Value json_value(const Json& j, const Json* resource) {
  Value x;
  x.node = &j;
  x.resource = resource;
  return x;
}

// A FHIR primitive (its JSON value may be absent: extensions only).
Value primitive_value(const Json* v, const Json* ext, const fhir::TypeDef* type, const Json* resource) {
  Value x;
  x.type = type;
  x.node = v;
  x.ext = ext && ext->is_object() ? ext : nullptr;
  x.resource = resource;
  x.has_value = v != nullptr;
  using P = fhir::Primitive;
  switch (type->primitive) {
    case P::kBoolean:
      x.kind = VKind::kBoolean;
      if (v && v->is_bool()) x.b = v->as_bool();
      break;
    case P::kInteger:
    case P::kPositiveInt:
    case P::kUnsignedInt:
      x.kind = VKind::kInteger;
      if (v && v->is_number()) {
        auto i = v->to_int64();
        if (i) {
          x.i = *i;
        } else if (auto d = Decimal::parse(v->number())) {
          x.kind = VKind::kDecimal;
          x.d = *d;
        }
      }
      break;
    case P::kDecimal:
      x.kind = VKind::kDecimal;
      if (v && v->is_number()) {
        if (auto d = Decimal::parse(v->number())) x.d = *d;
      }
      break;
    case P::kDate:
      x.kind = VKind::kDate;
      break;
    case P::kDateTime:
    case P::kInstant:
      x.kind = VKind::kDateTime;
      break;
    case P::kTime:
      x.kind = VKind::kTime;
      break;
    default:
      x.kind = VKind::kString;
      break;
  }
  if (v && x.kind >= VKind::kString && x.kind <= VKind::kTime) {
    if (v->is_string()) {
      x.s = v->as_string();
    } else {
      // Not the JSON form the type needs: read it as what it is.
      Coll tmp;
      json_values(*v, resource, tmp);
      if (!tmp.empty()) {
        const Json* ext_of_x = x.ext;
        x = tmp[0];  // one returned object: NRVO builds x in the caller's slot
        x.type = type;
        x.ext = ext_of_x;
      }
    }
  }
  return x;
}

// Appends the values of one element: `val` (a value or an array) and its
// "_name" sibling `ext`, aligned by index for arrays (R4 §2.6.2.7).
void emit(const Json* val, const Json* ext, const fhir::TypeDef* type, const Json* resource, Coll& out) {
  bool primitive = type->is_primitive();
  if (!primitive) ext = nullptr;
  if (val && val->is_array()) {
    const auto& arr = val->as_array();
    const Json::Array* earr = ext && ext->is_array() ? &ext->as_array() : nullptr;
    std::size_t n = arr.size();
    if (earr && earr->size() > n) n = earr->size();
    for (std::size_t i = 0; i < n; ++i) {
      const Json* v = i < arr.size() && !arr[i].is_null() ? &arr[i] : nullptr;
      const Json* e = earr && i < earr->size() && !(*earr)[i].is_null() ? &(*earr)[i] : nullptr;
      if (!v && !e) continue;
      if (!primitive && (!v || !v->is_object())) {
        if (v) json_values(*v, resource, out);
        continue;
      }
      out.emplace_with([&] { return typed_value(v, e, type, resource); });
    }
    return;
  }
  if (val && !val->is_null()) {
    if (!primitive && !val->is_object()) {
      json_values(*val, resource, out);
      return;
    }
    out.emplace_with(
        [&] { return typed_value(val, ext && ext->is_object() ? ext : nullptr, type, resource); });
    return;
  }
  if (ext) {
    if (ext->is_array()) {
      for (const Json& e : ext->as_array())
        if (e.is_object()) out.push_back(typed_value(nullptr, &e, type, resource));
    } else if (ext->is_object()) {
      out.push_back(typed_value(nullptr, ext, type, resource));
    }
  }
}

// The object holding an item's children: the node itself, or a
// primitive's "_name" object (id and extension).
const Json* container(const Value& item) {
  if (item.kind == VKind::kNode || item.kind == VKind::kObject) return item.node;
  if (item.is_fhir()) return item.ext;
  return nullptr;
}

void member(const Json& obj, std::string_view key, const fhir::TypeDef* type, const Json* resource,
            Coll& out) {
  const Json* val = nullptr;
  const Json* ext = nullptr;
  for (const auto& [k, v] : obj.as_object()) {
    if (k.size() == key.size()) {
      if (k == key) val = &v;
    } else if (k.size() == key.size() + 1 && k[0] == '_' && std::string_view(k).substr(1) == key) {
      ext = &v;
    }
  }
  if (val || ext) emit(val, ext, type, resource, out);
}

// The type a choice suffix names among the element's types ("Quantity" in
// valueQuantity; "DateTime" names dateTime: R4 §2.24.0.1 choice naming).
const fhir::TypeDef* choice_type(const fhir::ElementDef& element, std::string_view suffix) {
  for (fhir::TypeIndex ti : element.types) {
    const fhir::TypeDef& t = fhir::type_at(ti);
    if (t.name.size() != suffix.size() || suffix.empty()) continue;
    char first = t.name[0];
    if (first >= 'a' && first <= 'z') first = static_cast<char>(first - 'a' + 'A');
    if (suffix[0] == first && suffix.substr(1) == t.name.substr(1)) return &t;
  }
  return nullptr;
}

// A choice element read from its base name: every "stem" + TypeName member.
void choice(const Json& obj, const fhir::ElementDef& element, const Json* resource, Coll& out) {
  std::string_view stem = element.name;
  for (const auto& [k, v] : obj.as_object()) {
    if (k.size() <= stem.size() || !is_upper(k[stem.size()]) || k.compare(0, stem.size(), stem) != 0)
      continue;
    const fhir::TypeDef* type = choice_type(element, std::string_view(k).substr(stem.size()));
    if (!type) continue;
    const Json* ext = nullptr;
    if (type->is_primitive()) {
      for (const auto& [k2, v2] : obj.as_object())
        if (k2.size() == k.size() + 1 && k2[0] == '_' && std::string_view(k2).substr(1) == k) ext = &v2;
    }
    emit(&v, ext, type, resource, out);
  }
}

fhir::ElementMatch lookup(const Node& n, const fhir::TypeDef& t) {
  for (const MemberCache& c : n.cache)
    if (c.type == &t) return c.match;
  return fhir::find_element(t, n.name);
}

void navigate_with(const Value& item, std::string_view name, const fhir::ElementMatch* known,
                   const Node* node, Coll& out) {
  const Json* obj = container(item);
  if (!obj || !obj->is_object()) return;
  if (item.type) {
    fhir::ElementMatch m = known  ? *known
                           : node ? lookup(*node, *item.type)
                                  : fhir::find_element(*item.type, name);
    if (m.element) {
      if (m.element->choice() && name.size() == m.element->name.size()) {
        choice(*obj, *m.element, item.resource, out);
      } else if (m.type) {
        member(*obj, name, m.type, item.resource, out);
      }
      return;
    }
  }
  if (const Json* j = obj->find(name)) json_values(*j, item.resource, out);
}

}  // namespace

Value typed_value(const Json* v, const Json* ext, const fhir::TypeDef* type, const Json* resource) {
  if (type->is_primitive()) return primitive_value(v, ext, type, resource);
  if (type->is_resource()) return resource_value(v);
  Value x;
  x.kind = VKind::kNode;
  x.type = type;
  x.node = v;
  x.resource = resource;
  return x;
}

// resourceType → definition through a hash map built once: every
// evaluation starts with this lookup.
const fhir::TypeDef* resource_type(std::string_view name) {
  // Indexing evaluates many expressions over one resource type in a row.
  thread_local const fhir::TypeDef* last = nullptr;
  if (last && last->name == name) return last;
  static const std::unordered_map<std::string_view, const fhir::TypeDef*> by_name = [] {
    std::unordered_map<std::string_view, const fhir::TypeDef*> m;
    for (const fhir::TypeDef& t : fhir::all_types())
      if (t.is_resource()) m.emplace(t.name, &t);
    return m;
  }();
  auto it = by_name.find(name);
  if (it == by_name.end()) return nullptr;
  last = it->second;
  return last;
}

Value resource_value(const Json* node) {
  Value x;
  x.node = node;
  x.resource = node;
  x.kind = VKind::kObject;
  if (!node || !node->is_object()) return x;
  std::string_view rt = node->get_string("resourceType");
  if (!rt.empty()) {
    const fhir::TypeDef* t = resource_type(rt);
    if (t) {
      x.type = t;
      x.kind = VKind::kNode;
    }
  }
  return x;
}

void json_values(const Json& j, const Json* resource, Coll& out) {
  Value x = json_value(j, resource);
  switch (j.kind()) {
    case Json::Kind::Null:
      return;
    case Json::Kind::Array:
      for (const Json& e : j.as_array()) json_values(e, resource, out);
      return;
    case Json::Kind::Object:
      if (!j.get_string("resourceType").empty()) {
        Value r = resource_value(&j);
        out.push_back(r);
        return;
      }
      x.kind = VKind::kObject;
      break;
    case Json::Kind::Bool:
      x.kind = VKind::kBoolean;
      x.b = j.as_bool();
      break;
    case Json::Kind::String:
      x.kind = VKind::kString;
      x.s = j.as_string();
      break;
    case Json::Kind::Number: {
      const std::string& t = j.number();
      auto i = integer_text(t) ? j.to_int64() : std::nullopt;
      if (i) {
        x.kind = VKind::kInteger;
        x.i = *i;
      } else if (auto d = Decimal::parse(t)) {
        x.kind = VKind::kDecimal;
        x.d = *d;
      } else {
        return;
      }
      break;
    }
  }
  out.push_back(x);
}

void navigate(const Value& item, const Node& n, Coll& out) { navigate_with(item, n.name, nullptr, &n, out); }

void navigate(const Value& item, std::string_view name, Coll& out) {
  navigate_with(item, name, nullptr, nullptr, out);
}

void children(const Value& item, Coll& out) {
  const Json* obj = container(item);
  if (!obj || !obj->is_object()) return;
  for (const auto& [k, v] : obj->as_object()) {
    if (k == "resourceType") continue;
    std::string_view key = k;
    const Json* val = &v;
    const Json* ext = nullptr;
    if (!key.empty() && key[0] == '_') {
      // Merged with its value unless the value is absent.
      key.remove_prefix(1);
      if (obj->find(key)) continue;
      ext = val;
      val = nullptr;
    }
    if (item.type) {
      fhir::ElementMatch m = fhir::find_element(*item.type, key);
      if (m) {
        if (val && m.type->is_primitive()) {
          for (const auto& [k2, v2] : obj->as_object())
            if (k2.size() == key.size() + 1 && k2[0] == '_' && std::string_view(k2).substr(1) == key)
              ext = &v2;
        }
        emit(val, ext, m.type, item.resource, out);
        continue;
      }
    }
    if (val) json_values(*val, item.resource, out);
  }
}

}  // namespace parcours::fhirpath
