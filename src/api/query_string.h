// application/x-www-form-urlencoded query strings and percent-decoding
// (RFC 3986 §2.1), as FHIR search and control parameters use them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parcours::api {

// Decodes %XX escapes (and '+' as space when `plus_is_space`). nullopt on a
// malformed escape or when the result is not valid UTF-8 text without NUL.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);
std::string percent_encode(std::string_view in);

struct QueryParam {
  std::string name;
  std::string value;
};

// Splits "a=1&b=2" into decoded pairs, in order. nullopt on malformed
// escapes; `bad` receives the offending raw parameter.
std::optional<std::vector<QueryParam>> parse_query(std::string_view query, std::string* bad = nullptr);

// Splits a path into decoded segments ("/fhir/Patient/1" -> fhir, Patient, 1).
std::optional<std::vector<std::string>> split_path(std::string_view path);

}  // namespace parcours::api
