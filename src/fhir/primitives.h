// Lexical checks for the FHIR R4 primitive types (R4 §2.24.0.1, "Primitive
// Types"), hand-written from the regexes in the official StructureDefinitions
// (std::regex is far too slow for the importer's rate), plus parsers for the
// date/time types.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "fhir/definitions.h"
#include "fhir/json.h"

namespace parcours::fhir {

// Each takes the JSON string content (or, for numbers, the exact number text)
// and returns true when it matches the type's lexical space. None accepts the
// empty string: FHIR JSON has no empty values (R4 §2.6.2).
bool is_valid_id(std::string_view s);               // [A-Za-z0-9\-\.]{1,64}
bool is_valid_date(std::string_view s);             // YYYY, YYYY-MM, YYYY-MM-DD; real calendar dates
bool is_valid_date_time(std::string_view s);        // date, or date + Thh:mm:ss[.f]+zone
bool is_valid_instant(std::string_view s);          // YYYY-MM-DDThh:mm:ss[.f]+zone
bool is_valid_time(std::string_view s);             // hh:mm:ss[.f]
bool is_valid_decimal(std::string_view text);       // JSON number, any precision
bool is_valid_integer(std::string_view text);       // 32-bit signed
bool is_valid_positive_int(std::string_view text);  // 1..2147483647
bool is_valid_unsigned_int(std::string_view text);  // 0..2147483647
bool is_valid_uri(std::string_view s);              // also url, canonical: \S+
bool is_valid_code(std::string_view s);             // [^\s]+(\s[^\s]+)*
bool is_valid_string(std::string_view s);  // also markdown; <= 1024*1024 chars, no control chars but \t\r\n
bool is_valid_base64(std::string_view s);  // (\s*[0-9a-zA-Z+/=]{4}\s*)+
bool is_valid_oid(std::string_view s);     // urn:oid:[0-2](\.(0|[1-9][0-9]*))+
bool is_valid_uuid(std::string_view s);    // urn:uuid: + lower-case 8-4-4-4-12 hex

// How a primitive is written in JSON (R4 §2.6.2.1): booleans as true/false,
// integer/decimal types as numbers, everything else as strings.
enum class JsonForm : std::uint8_t { kString, kNumber, kBoolean };
JsonForm json_form(Primitive type);

enum class PrimitiveCheck : std::uint8_t {
  kOk,
  kWrongJsonType,  // e.g. a string for a boolean, a number for a date
  kInvalid,        // right JSON type, value outside the lexical space
};
// Checks a JSON value against a primitive type. Null is kWrongJsonType.
PrimitiveCheck check_primitive(Primitive type, const Json& value);
// Checks the lexical form alone (string content or number text).
bool is_valid_lexical(Primitive type, std::string_view s);

// The type's FHIR name ("dateTime") and a short description of the accepted
// form, for diagnostics ("YYYY, YYYY-MM or YYYY-MM-DD").
std::string_view primitive_name(Primitive type);
std::string_view expected_form(Primitive type);

// --- Date and time parsing -------------------------------------------------

struct DateTimeParts {
  enum class Precision : std::uint8_t { kYear, kMonth, kDay, kSecond };
  Precision precision = Precision::kYear;
  int year = 0;
  int month = 0;  // 1-12 when precision >= kMonth
  int day = 0;    // 1-31 when precision >= kDay
  int hour = 0;
  int minute = 0;
  int second = 0;           // 0-60 (leap second allowed by R4)
  std::uint32_t nanos = 0;  // fraction of a second, truncated to nanoseconds
  int fraction_digits = 0;  // digits written after the '.', 0 when none
  bool has_zone = false;    // always true at kSecond precision
  int zone_minutes = 0;     // offset east of UTC ("Z" is 0)
};

// Parse the R4 lexical forms; nullopt when invalid.
std::optional<DateTimeParts> parse_date(std::string_view s);
std::optional<DateTimeParts> parse_date_time(std::string_view s);
std::optional<DateTimeParts> parse_instant(std::string_view s);

struct TimeParts {
  int hour = 0;
  int minute = 0;
  int second = 0;
  std::uint32_t nanos = 0;
  int fraction_digits = 0;
};
std::optional<TimeParts> parse_time(std::string_view s);

}  // namespace parcours::fhir
