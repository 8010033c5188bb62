// String normalisation for search (FHIR R4 §3.1.1.4.9 string: "case- and
// accent-insensitive"): lower case, accents folded for Latin-1 and Latin
// Extended-A (the NFD decomposition with the marks dropped, from our own
// table: no ICU), ligatures spelled out (œ -> oe, ß -> ss), whitespace runs
// collapsed to one space and trimmed.
#pragma once

#include <string>
#include <string_view>

namespace parcours::search {

std::string fold(std::string_view text);

// Words of `text` after folding (letters and digits; everything else
// separates), for full-text queries.
std::string fold_words(std::string_view text);

}  // namespace parcours::search
