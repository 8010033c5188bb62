// The one JSON value model of Parcours.
//
// Why our own DOM and not boost::json::value: FHIR decimals must keep their
// precision ("1.50" is not "1.5", FHIR R4 §2.1.0.1 decimal), and Boost.JSON
// stores numbers as binary doubles. Here a number keeps its exact source text.
// Objects keep member order, which FHIR JSON output should preserve. Parsing
// uses Boost.JSON's validating SAX parser (UTF-8 checks, depth limit), so the
// grammar itself is not hand-written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "base/result.h"

namespace parcours {

class Json {
 public:
  enum class Kind : std::uint8_t { Null, Bool, Number, String, Array, Object };
  using Array = std::vector<Json>;
  using Member = std::pair<std::string, Json>;
  using Object = std::vector<Member>;

  Json() = default;
  Json(std::nullptr_t) {}                              // NOLINT
  Json(bool b) : v_(b) {}                              // NOLINT
  Json(const char* s) : v_(std::string(s)) {}          // NOLINT
  Json(std::string s) : v_(std::move(s)) {}            // NOLINT
  Json(std::string_view s) : v_(std::string(s)) {}     // NOLINT
  Json(int i) : Json(static_cast<std::int64_t>(i)) {}  // NOLINT
  Json(std::int64_t i);                                // NOLINT
  Json(std::uint64_t i);                               // NOLINT
  Json(double d);                                      // NOLINT
  Json(Array a) : v_(std::move(a)) {}                  // NOLINT
  Json(Object o) : v_(std::move(o)) {}                 // NOLINT

  static Json object() { return Json(Object{}); }
  static Json array() { return Json(Array{}); }
  // A number given by its exact decimal text; the caller guarantees it is a
  // valid JSON number.
  static Json number_text(std::string text);

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::Null; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_number() const { return kind() == Kind::Number; }
  bool is_string() const { return kind() == Kind::String; }
  bool is_array() const { return kind() == Kind::Array; }
  bool is_object() const { return kind() == Kind::Object; }

  bool as_bool() const { return std::get<bool>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  std::string& as_string() { return std::get<std::string>(v_); }
  // Exact source text of a number.
  const std::string& number() const { return std::get<Num>(v_).text; }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }

  // Number conversions; nullopt when not a number or not representable.
  std::optional<std::int64_t> to_int64() const;
  std::optional<double> to_double() const;

  // Object helpers. find() returns nullptr when absent or not an object.
  const Json* find(std::string_view key) const;
  Json* find(std::string_view key);
  // String member or empty view (absent / not a string).
  std::string_view get_string(std::string_view key) const;
  // Inserts or replaces; keeps the position of an existing key.
  Json& set(std::string_view key, Json value);
  bool erase(std::string_view key);
  Json& push_back(Json value);
  std::size_t size() const;

  // Deep equality. Numbers compare by text; object member order matters
  // unless `ordered` is false.
  bool equals(const Json& other, bool ordered = true) const;
  bool operator==(const Json& other) const { return equals(other, true); }

  // Serialisation. `pretty` indents by two spaces.
  std::string dump(bool pretty = false) const;
  void dump_to(std::string& out, bool pretty = false) const;

 private:
  struct Num {
    std::string text;
  };
  std::variant<std::monostate, bool, Num, std::string, Array, Object> v_;
};

struct JsonParseOptions {
  std::size_t max_depth = 64;  // FHIR resources nest well below this.
};

// Parses one JSON text. Errors carry the line and column of the problem and
// reject duplicate object keys (RFC 8259 says names SHOULD be unique; FHIR
// JSON forbids repeats).
Result<Json> parse_json(std::string_view text, const JsonParseOptions& options = {});

// Escapes and quotes a string as JSON into `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace parcours
