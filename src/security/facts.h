// The FHIR conventions the access policy reads (security/facts.cc, and
// docs/security.md "How resources speak to the policy").
#pragma once

#include <string>
#include <string_view>

namespace parcours::security {

// Consent.provision.code with this system masks a data category:
// {"system": kCategorySystem, "code": "sensitive"}.
inline constexpr std::string_view kCategorySystem =
    "https://parcours.example.fr/fhir/CodeSystem/data-category";
// meta.tag {system: kDisclosureSystem, code: "awaiting-disclosure"} keeps a
// resource from the patient (and carers) until the date of the extension
// kDisclosureDeadline (valueDateTime) on the resource; without it, until the
// tag is removed.
inline constexpr std::string_view kDisclosureSystem =
    "https://parcours.example.fr/fhir/CodeSystem/disclosure";
inline constexpr std::string_view kDisclosureDeadline =
    "https://parcours.example.fr/fhir/StructureDefinition/disclosure-deadline";

// "Type/id" of a literal reference (relative or absolute, version dropped);
// '' for contained, conditional or malformed references.
std::string principal_of(std::string_view reference);

}  // namespace parcours::security
