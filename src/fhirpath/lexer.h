// FHIRPath tokens (FHIRPath N1 Appendix A, lexical rules): identifiers
// (plain and `delimited`), 'strings', numbers, @dates/@times, %constants,
// $variables, operators and punctuation. Comments (// and /* */) and
// whitespace are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace parcours::fhirpath {

enum class Tok : std::uint8_t {
  kEnd,
  kIdentifier,  // also keywords (and, or, is...): the parser decides by position
  kDelimited,   // `identifier`: never a keyword
  kString,      // 'text', value unescaped
  kNumber,      // 12 or 1.5 (text kept)
  kDate,        // @2015-02-04 (value without '@')
  kDateTime,    // @2015-02-04T14:30 (value without '@', trailing 'T' dropped)
  kTime,        // @T14:30 (value without "@T")
  kConstant,    // %name, %`name`, %'name' (value is the name)
  kDollar,      // $this, $index, $total (value without '$')
  kSymbol,      // . [ ] ( ) { } , + - * / & | = != ~ !~ < > <= >=
};

struct Token {
  Tok kind = Tok::kEnd;
  std::uint32_t pos = 0;  // byte offset in the expression
  std::string value;      // unescaped text
};

// Tokenizes `text`; a syntax error names its line and column.
Result<std::vector<Token>> tokenize(std::string_view text);

// "line L, column C" (1-based) of a byte offset, for messages.
std::string describe_position(std::string_view text, std::uint32_t pos);

}  // namespace parcours::fhirpath
