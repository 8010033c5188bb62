// Hand-written matchers for the regexes of the R4 primitive StructureDefinitions
// (profiles-types.json, extension ".../StructureDefinition/regex" on each
// primitive's value element). Each function states the regex it implements.
#include "fhir/primitives.h"

#include <cstddef>

namespace parcours::fhir {

namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
// \s as the spec's (Java) regexes use it: [ \t\n\x0B\f\r].
constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
constexpr bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

// Reads exactly `n` digits at s[pos] into `out`; advances pos.
bool digits(std::string_view s, std::size_t& pos, int n, int& out) {
  if (pos + static_cast<std::size_t>(n) > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[pos + static_cast<std::size_t>(i)];
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(n);
  out = v;
  return true;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// The date part shared by date, dateTime and instant:
// ([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?
// i.e. a four-digit year other than 0000, then optional month and day. R4
// additionally says dates SHALL be valid, so 2019-02-29 is rejected.
bool parse_date_part(std::string_view s, std::size_t& pos, DateTimeParts& p) {
  if (!digits(s, pos, 4, p.year) || p.year == 0) return false;
  p.precision = DateTimeParts::Precision::kYear;
  if (pos == s.size() || s[pos] != '-') return true;
  ++pos;
  if (!digits(s, pos, 2, p.month) || p.month < 1 || p.month > 12) return false;
  p.precision = DateTimeParts::Precision::kMonth;
  if (pos == s.size() || s[pos] != '-') return true;
  ++pos;
  if (!digits(s, pos, 2, p.day) || p.day < 1 || p.day > days_in_month(p.year, p.month)) return false;
  p.precision = DateTimeParts::Precision::kDay;
  return true;
}

// ([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?
bool parse_time_part(std::string_view s, std::size_t& pos, int& h, int& m, int& sec, std::uint32_t& nanos,
                     int& fraction_digits) {
  if (!digits(s, pos, 2, h) || h > 23) return false;
  if (pos >= s.size() || s[pos++] != ':') return false;
  if (!digits(s, pos, 2, m) || m > 59) return false;
  if (pos >= s.size() || s[pos++] != ':') return false;
  if (!digits(s, pos, 2, sec) || sec > 60) return false;
  nanos = 0;
  fraction_digits = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) {
      if (pos - start < 9) nanos = nanos * 10 + static_cast<std::uint32_t>(s[pos] - '0');
      ++pos;
    }
    if (pos == start) return false;
    fraction_digits = static_cast<int>(pos - start);
    for (int i = fraction_digits; i < 9; ++i) nanos *= 10;
  }
  return true;
}

// (Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))
bool parse_zone(std::string_view s, std::size_t& pos, int& minutes) {
  if (pos >= s.size()) return false;
  char c = s[pos++];
  if (c == 'Z') {
    minutes = 0;
    return true;
  }
  if (c != '+' && c != '-') return false;
  int h = 0, m = 0;
  if (!digits(s, pos, 2, h)) return false;
  if (pos >= s.size() || s[pos++] != ':') return false;
  if (!digits(s, pos, 2, m) || m > 59) return false;
  if (h > 14 || (h == 14 && m != 0)) return false;
  minutes = (h * 60 + m) * (c == '-' ? -1 : 1);
  return true;
}

std::optional<DateTimeParts> parse_date_or_date_time(std::string_view s, bool allow_time, bool require_time) {
  DateTimeParts p;
  std::size_t pos = 0;
  if (!parse_date_part(s, pos, p)) return std::nullopt;
  if (pos == s.size()) {
    if (require_time) return std::nullopt;
    return p;
  }
  // A time needs a full date, and then seconds and a zone (R4 dateTime: "If
  // hours and minutes are specified, a time zone SHALL be populated").
  if (!allow_time || p.precision != DateTimeParts::Precision::kDay || s[pos] != 'T') return std::nullopt;
  ++pos;
  if (!parse_time_part(s, pos, p.hour, p.minute, p.second, p.nanos, p.fraction_digits)) return std::nullopt;
  if (!parse_zone(s, pos, p.zone_minutes)) return std::nullopt;
  if (pos != s.size()) return std::nullopt;
  p.has_zone = true;
  p.precision = DateTimeParts::Precision::kSecond;
  return p;
}

// Optional '-', then an integer without leading zeros: -?([0]|([1-9][0-9]*)).
// Returns false when the text is not of that form; `value` saturates beyond
// 64 bits, which is out of every R4 integer range anyway.
bool parse_integer(std::string_view t, bool allow_minus, long long& value) {
  std::size_t pos = 0;
  bool neg = false;
  if (allow_minus && !t.empty() && t[0] == '-') {
    neg = true;
    pos = 1;
  }
  if (pos >= t.size()) return false;
  if (t[pos] == '0' && t.size() != pos + 1) return false;
  long long v = 0;
  for (; pos < t.size(); ++pos) {
    if (!is_digit(t[pos])) return false;
    if (v < 10'000'000'000LL) v = v * 10 + (t[pos] - '0');
  }
  value = neg ? -v : v;
  return true;
}

}  // namespace

bool is_valid_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '.'))
      return false;
  return true;
}

bool is_valid_date(std::string_view s) { return parse_date(s).has_value(); }
bool is_valid_date_time(std::string_view s) { return parse_date_time(s).has_value(); }
bool is_valid_instant(std::string_view s) { return parse_instant(s).has_value(); }
bool is_valid_time(std::string_view s) { return parse_time(s).has_value(); }

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? — the JSON number grammar.
bool is_valid_decimal(std::string_view t) {
  std::size_t pos = 0;
  if (pos < t.size() && t[pos] == '-') ++pos;
  if (pos >= t.size()) return false;
  if (t[pos] == '0') {
    ++pos;
  } else if (is_digit(t[pos])) {
    while (pos < t.size() && is_digit(t[pos])) ++pos;
  } else {
    return false;
  }
  if (pos < t.size() && t[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < t.size() && is_digit(t[pos])) ++pos;
    if (pos == start) return false;
  }
  if (pos < t.size() && (t[pos] == 'e' || t[pos] == 'E')) {
    ++pos;
    if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) ++pos;
    std::size_t start = pos;
    while (pos < t.size() && is_digit(t[pos])) ++pos;
    if (pos == start) return false;
  }
  return pos == t.size();
}

bool is_valid_integer(std::string_view t) {
  long long v = 0;
  return parse_integer(t, true, v) && v >= -2147483648LL && v <= 2147483647LL;
}

bool is_valid_positive_int(std::string_view t) {
  long long v = 0;
  return parse_integer(t, false, v) && v >= 1 && v <= 2147483647LL;
}

bool is_valid_unsigned_int(std::string_view t) {
  long long v = 0;
  return parse_integer(t, false, v) && v <= 2147483647LL;
}

// \S* in the definitions; FHIR JSON forbids the empty string.
bool is_valid_uri(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (is_space(c)) return false;
  return true;
}

// [^\s]+(\s[^\s]+)*: no leading, trailing or doubled whitespace.
bool is_valid_code(std::string_view s) {
  if (s.empty() || is_space(s.front()) || is_space(s.back())) return false;
  for (std::size_t i = 1; i < s.size(); ++i)
    if (is_space(s[i]) && is_space(s[i - 1])) return false;
  return true;
}

// [ \r\n\t\S]+ with maxLength 1048576 on string.value (R4 §2.24.0.1: at
// most 1024*1024 characters). R4 says strings SHOULD NOT contain characters
// below U+0020 other than tab, CR and LF; Parcours rejects them, since they
// cannot be carried by the XML representation and are never meaningful.
bool is_valid_string(std::string_view s) {
  constexpr std::size_t kMaxChars = 1024 * 1024;
  if (s.empty()) return false;
  std::size_t chars = 0;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') return false;
    chars += (c & 0xC0) != 0x80;  // count UTF-8 lead bytes, not continuation bytes
  }
  return chars <= kMaxChars;
}

// (\s*([0-9a-zA-Z\+/=]){4}\s*)+: quads of base64 characters, whitespace only
// between quads.
bool is_valid_base64(std::string_view s) {
  std::size_t pos = 0, quads = 0;
  auto b64 = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' || c == '/' ||
           c == '=';
  };
  while (true) {
    while (pos < s.size() && is_space(s[pos])) ++pos;
    if (pos == s.size()) break;
    for (int i = 0; i < 4; ++i, ++pos)
      if (pos >= s.size() || !b64(s[pos])) return false;
    ++quads;
  }
  return quads > 0;
}

// urn:oid:[0-2](\.(0|[1-9][0-9]*))+
bool is_valid_oid(std::string_view s) {
  constexpr std::string_view kPrefix = "urn:oid:";
  if (s.substr(0, kPrefix.size()) != kPrefix) return false;
  std::size_t pos = kPrefix.size();
  if (pos >= s.size() || s[pos] < '0' || s[pos] > '2') return false;
  ++pos;
  int arcs = 0;
  while (pos < s.size()) {
    if (s[pos++] != '.') return false;
    if (pos >= s.size() || !is_digit(s[pos])) return false;
    if (s[pos] == '0') {
      ++pos;
    } else {
      while (pos < s.size() && is_digit(s[pos])) ++pos;
    }
    ++arcs;
  }
  return arcs > 0;
}

// urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}
bool is_valid_uuid(std::string_view s) {
  constexpr std::string_view kPrefix = "urn:uuid:";
  if (s.size() != kPrefix.size() + 36 || s.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view u = s.substr(kPrefix.size());
  for (std::size_t i = 0; i < u.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? u[i] != '-' : !is_lower_hex(u[i])) return false;
  }
  return true;
}

std::optional<DateTimeParts> parse_date(std::string_view s) {
  return parse_date_or_date_time(s, false, false);
}
std::optional<DateTimeParts> parse_date_time(std::string_view s) {
  return parse_date_or_date_time(s, true, false);
}
std::optional<DateTimeParts> parse_instant(std::string_view s) {
  return parse_date_or_date_time(s, true, true);
}

std::optional<TimeParts> parse_time(std::string_view s) {
  TimeParts t;
  std::size_t pos = 0;
  if (!parse_time_part(s, pos, t.hour, t.minute, t.second, t.nanos, t.fraction_digits) || pos != s.size())
    return std::nullopt;
  return t;
}

JsonForm json_form(Primitive type) {
  switch (type) {
    case Primitive::kBoolean:
      return JsonForm::kBoolean;
    case Primitive::kDecimal:
    case Primitive::kInteger:
    case Primitive::kPositiveInt:
    case Primitive::kUnsignedInt:
      return JsonForm::kNumber;
    default:
      return JsonForm::kString;
  }
}

bool is_valid_lexical(Primitive type, std::string_view s) {
  switch (type) {
    case Primitive::kNone:
      return false;
    case Primitive::kBase64Binary:
      return is_valid_base64(s);
    case Primitive::kBoolean:
      return s == "true" || s == "false";
    case Primitive::kCanonical:
    case Primitive::kUri:
    case Primitive::kUrl:
      return is_valid_uri(s);
    case Primitive::kCode:
      return is_valid_code(s);
    case Primitive::kDate:
      return is_valid_date(s);
    case Primitive::kDateTime:
      return is_valid_date_time(s);
    case Primitive::kDecimal:
      return is_valid_decimal(s);
    case Primitive::kId:
      return is_valid_id(s);
    case Primitive::kInstant:
      return is_valid_instant(s);
    case Primitive::kInteger:
      return is_valid_integer(s);
    case Primitive::kMarkdown:
    case Primitive::kString:
      return is_valid_string(s);
    case Primitive::kOid:
      return is_valid_oid(s);
    case Primitive::kPositiveInt:
      return is_valid_positive_int(s);
    case Primitive::kTime:
      return is_valid_time(s);
    case Primitive::kUnsignedInt:
      return is_valid_unsigned_int(s);
    case Primitive::kUuid:
      return is_valid_uuid(s);
    case Primitive::kXhtml:
      return !s.empty();  // well-formedness is not checked here
  }
  return false;
}

PrimitiveCheck check_primitive(Primitive type, const Json& value) {
  switch (json_form(type)) {
    case JsonForm::kBoolean:
      return value.is_bool() ? PrimitiveCheck::kOk : PrimitiveCheck::kWrongJsonType;
    case JsonForm::kNumber:
      if (!value.is_number()) return PrimitiveCheck::kWrongJsonType;
      return is_valid_lexical(type, value.number()) ? PrimitiveCheck::kOk : PrimitiveCheck::kInvalid;
    case JsonForm::kString:
      if (!value.is_string()) return PrimitiveCheck::kWrongJsonType;
      return is_valid_lexical(type, value.as_string()) ? PrimitiveCheck::kOk : PrimitiveCheck::kInvalid;
  }
  return PrimitiveCheck::kInvalid;
}

std::string_view primitive_name(Primitive type) {
  switch (type) {
    case Primitive::kNone:
      return "";
    case Primitive::kBase64Binary:
      return "base64Binary";
    case Primitive::kBoolean:
      return "boolean";
    case Primitive::kCanonical:
      return "canonical";
    case Primitive::kCode:
      return "code";
    case Primitive::kDate:
      return "date";
    case Primitive::kDateTime:
      return "dateTime";
    case Primitive::kDecimal:
      return "decimal";
    case Primitive::kId:
      return "id";
    case Primitive::kInstant:
      return "instant";
    case Primitive::kInteger:
      return "integer";
    case Primitive::kMarkdown:
      return "markdown";
    case Primitive::kOid:
      return "oid";
    case Primitive::kPositiveInt:
      return "positiveInt";
    case Primitive::kString:
      return "string";
    case Primitive::kTime:
      return "time";
    case Primitive::kUnsignedInt:
      return "unsignedInt";
    case Primitive::kUri:
      return "uri";
    case Primitive::kUrl:
      return "url";
    case Primitive::kUuid:
      return "uuid";
    case Primitive::kXhtml:
      return "xhtml";
  }
  return "";
}

std::string_view expected_form(Primitive type) {
  switch (type) {
    case Primitive::kNone:
      return "";
    case Primitive::kBase64Binary:
      return "base64 characters in groups of four";
    case Primitive::kBoolean:
      return "JSON true or false";
    case Primitive::kCanonical:
    case Primitive::kUri:
    case Primitive::kUrl:
      return "a non-empty URI without whitespace";
    case Primitive::kCode:
      return "a non-empty token without leading, trailing or repeated whitespace";
    case Primitive::kDate:
      return "YYYY, YYYY-MM or YYYY-MM-DD (a real calendar date)";
    case Primitive::kDateTime:
      return "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss[.sss] with a time zone (Z or +hh:mm)";
    case Primitive::kDecimal:
      return "a JSON number";
    case Primitive::kId:
      return "1 to 64 characters among A-Z a-z 0-9 - .";
    case Primitive::kInstant:
      return "YYYY-MM-DDThh:mm:ss[.sss] with a time zone (Z or +hh:mm)";
    case Primitive::kInteger:
      return "a JSON integer between -2147483648 and 2147483647";
    case Primitive::kMarkdown:
    case Primitive::kString:
      return "a non-empty string of at most 1 MB without control characters other than tab, CR and LF";
    case Primitive::kOid:
      return "urn:oid: followed by a dotted OID";
    case Primitive::kPositiveInt:
      return "a JSON integer between 1 and 2147483647";
    case Primitive::kTime:
      return "hh:mm:ss[.sss]";
    case Primitive::kUnsignedInt:
      return "a JSON integer between 0 and 2147483647";
    case Primitive::kUuid:
      return "urn:uuid: followed by a lower-case UUID";
    case Primitive::kXhtml:
      return "a non-empty XHTML string";
  }
  return "";
}

}  // namespace parcours::fhir
