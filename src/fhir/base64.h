// base64 (RFC 4648 §4), the encoding of FHIR base64Binary.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parcours::fhir {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not canonical padded base64 (whitespace is not
// allowed, per the R4 base64Binary regex).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace parcours::fhir
