// The FHIR R4 definitions Parcours knows, generated at build time by
// scripts/gen_r4_definitions.py from the official StructureDefinition,
// SearchParameter and CompartmentDefinition resources (never hand-typed).
//
// Everything here is plain constant data (constexpr arrays in the generated
// r4_definitions.cc), so lookups are thread-safe and there is no
// static-initialisation order to worry about. Pointers and spans returned by
// these functions stay valid for the life of the program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace parcours::fhir {

// Index of a type in all_types() (sorted by name).
using TypeIndex = std::uint16_t;

enum class TypeKind : std::uint8_t {
  kPrimitive,  // boolean, string, date... (R4 §2.24.0.1)
  kComplex,    // datatypes: HumanName, Quantity, Element...
  kResource,   // Patient, Observation..., and the abstract Resource, DomainResource
  kBackbone,   // an element with children of its own, named by its path ("Patient.contact")
};

// The R4 primitive types; kNone for every other type.
enum class Primitive : std::uint8_t {
  kNone,
  kBase64Binary,
  kBoolean,
  kCanonical,
  kCode,
  kDate,
  kDateTime,
  kDecimal,
  kId,
  kInstant,
  kInteger,
  kMarkdown,
  kOid,
  kPositiveInt,
  kString,
  kTime,
  kUnsignedInt,
  kUri,
  kUrl,
  kUuid,
  kXhtml,
};

// One child element of a type, from the type's snapshot.
struct ElementDef {
  static constexpr std::uint8_t kChoice = 1;    // "value[x]": JSON name is stem + type suffix
  static constexpr std::uint8_t kSummary = 2;   // ElementDefinition.isSummary
  static constexpr std::uint8_t kModifier = 4;  // ElementDefinition.isModifier

  std::string_view name;  // JSON name; for a choice the stem without "[x]" ("value")
  std::int32_t min;
  std::int32_t max;                  // -1 when unbounded ("*")
  std::span<const TypeIndex> types;  // allowed types (one unless a choice)
  // Type of this element's own children: a backbone type ("Patient.contact"),
  // or the target of a contentReference ("#Questionnaire.item"); -1 if none.
  std::int16_t backbone;
  std::uint8_t flags;
  // Resource types allowed by Reference.targetProfile ("Resource" = any);
  // empty when the element is not a Reference.
  std::span<const std::string_view> targets;
  // Required binding of a `code` element whose value set expands from the
  // definitions alone: its canonical URL and sorted codes. Empty otherwise.
  std::string_view value_set;
  std::span<const std::string_view> required_codes;

  bool choice() const { return flags & kChoice; }
  bool summary() const { return flags & kSummary; }
  bool modifier() const { return flags & kModifier; }
  bool repeats() const { return max != 1; }  // R4 JSON: arrays when max > 1 (§2.6.2)
};

struct TypeDef {
  std::string_view name;  // "Patient", "HumanName", "string", "Patient.contact"
  std::string_view base;  // "DomainResource", "Element", "BackboneElement"; "" at the roots
  TypeKind kind;
  Primitive primitive;  // kNone unless kind == kPrimitive
  bool abstract;        // Resource, DomainResource, Element, BackboneElement
  // Child elements in snapshot order. Primitive types list id and extension
  // only: their "value" is the primitive itself.
  std::span<const ElementDef> elements;
  std::string_view regex;  // primitive types: the lexical regex of the definition

  bool is_primitive() const { return kind == TypeKind::kPrimitive; }
  bool is_resource() const { return kind == TypeKind::kResource; }
};

enum class SearchParamType : std::uint8_t {
  kNumber,
  kDate,
  kString,
  kToken,
  kReference,
  kComposite,
  kQuantity,
  kUri,
  kSpecial,
};

struct SearchParamComponent {
  std::string_view definition;  // canonical URL of the component SearchParameter
  std::string_view expression;  // FHIRPath relative to the composite's result
};

struct SearchParamDef {
  std::string_view url;
  std::string_view code;
  SearchParamType type;
  // FHIRPath over all bases ("A.x | B.y"); empty for _text, _content, _query.
  std::string_view expression;
  std::span<const std::string_view> bases;    // resource types, "Resource", "DomainResource"
  std::span<const std::string_view> targets;  // reference parameters: target resource types
  std::span<const SearchParamComponent> components;
};

// --- Types ------------------------------------------------------------------

// True for a concrete (non-abstract) R4 resource type name such as "Patient".
bool is_resource_type(std::string_view name);
// All concrete R4 resource type names, sorted.
std::span<const std::string_view> resource_types();

// Every type (primitive, complex, resource, backbone), sorted by name.
std::span<const TypeDef> all_types();
// A type by name ("Patient", "HumanName", "code", "Questionnaire.item"), or
// nullptr.
const TypeDef* find_type(std::string_view name);
const TypeDef& type_at(TypeIndex index);
TypeIndex index_of(const TypeDef& type);

// A JSON property name resolved against a type: the element, and the type of
// its value. For a choice, `name` carries the suffix ("valueQuantity" gives
// element "value" and type Quantity). For elements with their own children,
// `type` is the backbone type. A leading '_' is not stripped here.
struct ElementMatch {
  const ElementDef* element = nullptr;  // nullptr: no such element
  const TypeDef* type = nullptr;        // nullptr: choice stem matched but suffix not allowed
  explicit operator bool() const { return element && type; }
};
ElementMatch find_element(const TypeDef& type, std::string_view json_name);

// True when `type` is `ancestor` or derives from it ("Age" from "Quantity").
bool derives_from(const TypeDef& type, std::string_view ancestor);

// --- Search parameters --------------------------------------------------------

// All R4 SearchParameters, sorted by URL.
std::span<const SearchParamDef> search_params();
// The parameter `code` usable on `resource_type`, including those defined on
// Resource and DomainResource (_id, _lastUpdated, _text...); nullptr if none.
const SearchParamDef* find_search_param(std::string_view resource_type, std::string_view code);
// Every parameter usable on `resource_type` (its own, then DomainResource's,
// then Resource's), each sorted by code.
std::vector<const SearchParamDef*> search_params_for(std::string_view resource_type);

// --- Patient compartment --------------------------------------------------------

// Search parameter codes that put a resource of `resource_type` in a Patient's
// compartment (CompartmentDefinition "patient"); empty when none.
std::span<const std::string_view> patient_compartment_params(std::string_view resource_type);

// --- Generated tables (internal) ------------------------------------------------

namespace detail {

struct SearchParamIndexEntry {
  std::string_view resource_type;
  std::string_view code;
  std::uint16_t param;  // index in search_params
};

struct CompartmentEntry {
  std::string_view resource_type;
  std::span<const std::string_view> params;
};

struct R4Tables {
  std::span<const TypeDef> types;  // sorted by name
  std::span<const ElementDef> elements;
  std::span<const std::string_view> resource_types;       // concrete, sorted
  std::span<const SearchParamDef> search_params;          // sorted by url
  std::span<const SearchParamIndexEntry> search_index;    // sorted by (resource_type, code)
  std::span<const CompartmentEntry> patient_compartment;  // sorted by resource_type
};

// Defined in the generated r4_definitions.cc.
const R4Tables& r4_tables();

}  // namespace detail

}  // namespace parcours::fhir
