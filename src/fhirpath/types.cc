#include "fhirpath/types.h"

#include <string>

namespace parcours::fhirpath {

namespace {

int system_kind(std::string_view name) {
  if (name == "Boolean") return static_cast<int>(VKind::kBoolean);
  if (name == "Integer") return static_cast<int>(VKind::kInteger);
  if (name == "Decimal") return static_cast<int>(VKind::kDecimal);
  if (name == "String") return static_cast<int>(VKind::kString);
  if (name == "Date") return static_cast<int>(VKind::kDate);
  if (name == "DateTime") return static_cast<int>(VKind::kDateTime);
  if (name == "Time") return static_cast<int>(VKind::kTime);
  if (name == "Quantity") return static_cast<int>(VKind::kQuantity);
  return -1;
}

}  // namespace

std::string_view system_type_name(VKind k) {
  switch (k) {
    case VKind::kBoolean:
      return "Boolean";
    case VKind::kInteger:
      return "Integer";
    case VKind::kDecimal:
      return "Decimal";
    case VKind::kString:
      return "String";
    case VKind::kDate:
      return "Date";
    case VKind::kDateTime:
      return "DateTime";
    case VKind::kTime:
      return "Time";
    case VKind::kQuantity:
      return "Quantity";
    case VKind::kNode:
    case VKind::kObject:
      break;
  }
  return "Any";
}

std::optional<TypeSpec> resolve_type_spec(std::string_view text) {
  TypeSpec t;
  t.text = std::string(text);
  if (text.rfind("System.", 0) == 0) {
    t.space = TypeSpec::Space::kSystem;
    t.name = std::string(text.substr(7));
    t.system = system_kind(t.name);
    return t;
  }
  if (text.rfind("FHIR.", 0) == 0) {
    t.space = TypeSpec::Space::kFhir;
    t.name = std::string(text.substr(5));
    t.fhir = fhir::find_type(t.name);
    if (!t.fhir) return std::nullopt;
    return t;
  }
  t.name = std::string(text);
  t.fhir = fhir::find_type(t.name);
  t.system = system_kind(t.name);
  if (!t.fhir && t.system < 0) return std::nullopt;
  return t;
}

bool is_of_type(const Value& v, const TypeSpec& t, bool exact) {
  if (v.is_fhir()) {
    if (!t.fhir || t.space == TypeSpec::Space::kSystem) return false;
    if (v.type == t.fhir) return true;
    if (exact && v.type->is_primitive()) return false;
    return fhir::derives_from(*v.type, t.fhir->name);
  }
  if (t.space == TypeSpec::Space::kFhir || t.system < 0) return false;
  return static_cast<int>(v.kind) == t.system;
}

std::string_view type_name(const Value& v) {
  if (v.is_fhir()) {
    if (v.type->kind == fhir::TypeKind::kBackbone) return v.type->base.empty() ? "Element" : v.type->base;
    return v.type->name;
  }
  switch (v.kind) {
    case VKind::kBoolean:
      return "boolean";
    case VKind::kInteger:
      return "integer";
    case VKind::kDecimal:
      return "decimal";
    case VKind::kString:
      return "string";
    case VKind::kDate:
      return "date";
    case VKind::kDateTime:
      return "dateTime";
    case VKind::kTime:
      return "time";
    case VKind::kQuantity:
      return "Quantity";
    case VKind::kNode:
    case VKind::kObject:
      break;
  }
  return "Object";
}

TypeInfo type_info(const Value& v) {
  if (v.is_fhir()) return {"FHIR", type_name(v)};
  if (v.kind == VKind::kNode || v.kind == VKind::kObject) return {"System", "Any"};
  return {"System", system_type_name(v.kind)};
}

}  // namespace parcours::fhirpath
