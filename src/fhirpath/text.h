// UTF-8 helpers for the string functions: FHIRPath strings are sequences of
// Unicode characters (N1 §"String"), so length(), substring(), indexOf()
// and toChars() count code points, not bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/text.h"

namespace parcours::fhirpath::text {

// Byte offsets of each code point start, plus s.size() at the end.
std::vector<std::size_t> code_point_offsets(std::string_view s);
std::size_t length(std::string_view s);

// Case mapping for ASCII, Latin-1 and Latin Extended-A (French and most
// European names); other characters are left as they are.
std::string upper(std::string_view s);
std::string lower(std::string_view s);

// Equivalence form of a string (N1 §6.1 "~"): lower case, whitespace runs
// collapsed to one space, trimmed.
std::string normalize_for_equivalence(std::string_view s);

using parcours::append_utf8;  // base/text.h

// Offset of the first byte that is not well-formed UTF-8 (RFC 3629), or
// std::string_view::npos.
std::size_t invalid_utf8(std::string_view s);

}  // namespace parcours::fhirpath::text
