// N1 §5.6 "String manipulation" and the 2.1 additions (trim, split, join,
// encode, decode, escape, unescape, lastIndexOf, matchesFull). Positions and
// lengths count Unicode characters.
#include "base/text.h"
#include "fhir/base64.h"
#include "fhirpath/evaluator.h"
#include "fhirpath/functions.h"
#include "fhirpath/operators.h"
#include "fhirpath/regex.h"
#include "fhirpath/text.h"
#include "fhirpath/types.h"

namespace parcours::fhirpath {

namespace {

// The input string; empty input gives nullopt; other types are errors
// (`Appointment.identifier.startsWith('x')`).
std::optional<std::string_view> input_string(Span input, const Node& call) {
  const Value* v = single(input, call.name + "()");
  if (!v || !v->has_value) return std::nullopt;
  if (v->kind != VKind::kString)
    fail(call.name + "() expects a String input, not " + std::string(type_name(*v)));
  return v->s;
}

std::optional<std::string_view> string_arg(Evaluator& ev, const Node& call, std::size_t i, const Scope& scope,
                                           Coll& holder) {
  holder = ev.arg(call, i, scope);
  return string_of(holder, call.name + "() argument");
}

Coll str(Evaluator& ev, std::string s) { return {Value::string(ev.keep(std::move(s)))}; }
Coll integer(std::int64_t i) { return {Value::integer(i)}; }
Coll boolean(bool b) { return {Value::boolean(b)}; }

// Code-point index of byte offset `b` (offsets from code_point_offsets).
std::int64_t char_index(const std::vector<std::size_t>& offsets, std::size_t b) {
  auto it = std::lower_bound(offsets.begin(), offsets.end(), b);
  return static_cast<std::int64_t>(it - offsets.begin());
}

Coll fn_index_of(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  Coll h;
  auto sub = string_arg(ev, call, 0, scope, h);
  if (!s || !sub) return {};
  std::size_t pos = call.name == "lastIndexOf" ? s->rfind(*sub) : s->find(*sub);
  if (pos == std::string_view::npos) return integer(-1);
  return integer(char_index(text::code_point_offsets(*s), pos));
}

Coll fn_substring(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  Coll a = ev.arg(call, 0, scope);
  auto start = integer_of(a, "substring() start");
  if (!s || !start) return {};
  auto offsets = text::code_point_offsets(*s);
  std::int64_t n = static_cast<std::int64_t>(offsets.size()) - 1;
  if (*start < 0 || *start >= n) return {};
  std::int64_t end = n;
  if (call.args.size() > 1) {
    Coll b = ev.arg(call, 1, scope);
    auto len = integer_of(b, "substring() length");
    if (!len) return {};
    if (*len <= 0) return str(ev, "");
    end = std::min(n, *start + *len);
  }
  std::size_t from = offsets[static_cast<std::size_t>(*start)];
  std::size_t to = offsets[static_cast<std::size_t>(end)];
  return {Value::string(s->substr(from, to - from))};
}

Coll fn_starts_with(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  Coll h;
  auto p = string_arg(ev, call, 0, scope, h);
  if (!s || !p) return {};
  return boolean(s->substr(0, p->size()) == *p);
}

Coll fn_ends_with(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  Coll h;
  auto p = string_arg(ev, call, 0, scope, h);
  if (!s || !p) return {};
  return boolean(s->size() >= p->size() && s->substr(s->size() - p->size()) == *p);
}

Coll fn_contains(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  Coll h;
  auto p = string_arg(ev, call, 0, scope, h);
  if (!s || !p) return {};
  return boolean(s->find(*p) != std::string_view::npos);
}

Coll fn_upper(Evaluator& ev, const Node& call, Span input, const Scope&) {
  auto s = input_string(input, call);
  if (!s) return {};
  return str(ev, text::upper(*s));
}

Coll fn_lower(Evaluator& ev, const Node& call, Span input, const Scope&) {
  auto s = input_string(input, call);
  if (!s) return {};
  return str(ev, text::lower(*s));
}

Coll fn_replace(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  Coll h1, h2;
  auto pattern = string_arg(ev, call, 0, scope, h1);
  auto subst = string_arg(ev, call, 1, scope, h2);
  if (!s || !pattern || !subst) return {};
  std::string out;
  if (pattern->empty()) {
    // '' matches between every character (N1 §5.6.8).
    auto offsets = text::code_point_offsets(*s);
    out.append(*subst);
    for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
      out.append(s->substr(offsets[i], offsets[i + 1] - offsets[i]));
      out.append(*subst);
      if (out.size() > Evaluator::kMaxString) fail("replace(): result too long");
    }
    return str(ev, std::move(out));
  }
  std::size_t pos = 0;
  while (true) {
    std::size_t hit = s->find(*pattern, pos);
    if (hit == std::string_view::npos) break;
    out.append(s->substr(pos, hit - pos));
    out.append(*subst);
    if (out.size() > Evaluator::kMaxString) fail("replace(): result too long");
    pos = hit + pattern->size();
  }
  out.append(s->substr(pos));
  return str(ev, std::move(out));
}

// The pattern: compiled at compile time when constant, else now.
std::shared_ptr<const Regex> pattern_of(Evaluator& ev, const Node& call, const Scope& scope, bool& empty) {
  empty = false;
  if (call.regex) return call.regex;
  Coll h = ev.arg(call, 0, scope);
  auto p = string_of(h, call.name + "() pattern");
  if (!p) {
    empty = true;
    return nullptr;
  }
  auto re = Regex::compile(*p);
  if (!re) fail(re.error().message());
  return *re;
}

Coll fn_matches(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  bool no_pattern = false;
  auto re = pattern_of(ev, call, scope, no_pattern);
  if (!s || no_pattern) return {};
  auto r = call.name == "matchesFull" ? re->full(*s) : re->search(*s);
  if (!r) fail(r.error().message());
  return boolean(*r);
}

Coll fn_replace_matches(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  bool no_pattern = false;
  auto re = pattern_of(ev, call, scope, no_pattern);
  Coll h;
  auto subst = string_arg(ev, call, 1, scope, h);
  if (!s || no_pattern || !subst) return {};
  auto r = re->replace(*s, *subst);
  if (!r) fail(r.error().message());
  return str(ev, std::move(*r));
}

Coll fn_length(Evaluator&, const Node& call, Span input, const Scope&) {
  auto s = input_string(input, call);
  if (!s) return {};
  return integer(static_cast<std::int64_t>(text::length(*s)));
}

Coll fn_to_chars(Evaluator&, const Node& call, Span input, const Scope&) {
  auto s = input_string(input, call);
  if (!s) return {};
  auto offsets = text::code_point_offsets(*s);
  Coll out;
  for (std::size_t i = 0; i + 1 < offsets.size(); ++i)
    out.push_back(Value::string(s->substr(offsets[i], offsets[i + 1] - offsets[i])));
  return out;
}

Coll fn_trim(Evaluator&, const Node& call, Span input, const Scope&) {
  auto s = input_string(input, call);
  if (!s) return {};
  std::string_view t = *s;
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!t.empty() && space(t.front())) t.remove_prefix(1);
  while (!t.empty() && space(t.back())) t.remove_suffix(1);
  return {Value::string(t)};
}

Coll fn_split(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  Coll h;
  auto sep = string_arg(ev, call, 0, scope, h);
  if (!s || !sep) return {};
  Coll out;
  if (sep->empty()) return fn_to_chars(ev, call, input, scope);
  std::size_t pos = 0;
  while (true) {
    std::size_t hit = s->find(*sep, pos);
    if (hit == std::string_view::npos) break;
    out.push_back(Value::string(s->substr(pos, hit - pos)));
    pos = hit + sep->size();
  }
  out.push_back(Value::string(s->substr(pos)));
  return out;
}

Coll fn_join(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  std::string_view sep;
  Coll h;
  if (!call.args.empty()) {
    auto s = string_arg(ev, call, 0, scope, h);
    if (s) sep = *s;
  }
  std::string out;
  bool first = true;
  for (const Value& v : input) {
    if (v.kind != VKind::kString) fail("join() expects Strings");
    if (!first) out.append(sep);
    first = false;
    out.append(v.s);
    if (out.size() > Evaluator::kMaxString) fail("join(): result too long");
  }
  return str(ev, std::move(out));
}

std::optional<std::string> hex_decode(std::string_view s) {
  if (s.size() % 2) return std::nullopt;
  auto val = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    int h = val(s[i]), l = val(s[i + 1]);
    if (h < 0 || l < 0) return std::nullopt;
    out.push_back(static_cast<char>(h * 16 + l));
  }
  return out;
}

std::string to_url_alphabet(std::string s, bool to_url) {
  for (char& c : s) {
    if (to_url) {
      if (c == '+') c = '-';
      if (c == '/') c = '_';
    } else {
      if (c == '-') c = '+';
      if (c == '_') c = '/';
    }
  }
  return s;
}

Coll fn_encode(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  Coll h;
  auto format = string_arg(ev, call, 0, scope, h);
  if (!s || !format) return {};
  if (*format == "hex") return str(ev, hex_encode(*s));
  if (*format == "base64") return str(ev, fhir::base64_encode(*s));
  if (*format == "urlbase64") return str(ev, to_url_alphabet(fhir::base64_encode(*s), true));
  fail("encode(): unknown format '" + std::string(*format) + "'");
}

Coll fn_decode(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  Coll h;
  auto format = string_arg(ev, call, 0, scope, h);
  if (!s || !format) return {};
  std::optional<std::string> r;
  if (*format == "hex") {
    r = hex_decode(*s);
  } else if (*format == "base64") {
    r = fhir::base64_decode(*s);
  } else if (*format == "urlbase64") {
    r = fhir::base64_decode(to_url_alphabet(std::string(*s), false));
  } else {
    fail("decode(): unknown format '" + std::string(*format) + "'");
  }
  if (!r) return {};
  return str(ev, std::move(*r));
}

std::string unescape_html(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    std::size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out.push_back(s[i]);
      continue;
    }
    std::string_view entity = s.substr(i + 1, semi - i - 1);
    std::optional<std::uint32_t> cp;
    if (entity == "amp") cp = '&';
    if (entity == "lt") cp = '<';
    if (entity == "gt") cp = '>';
    if (entity == "quot") cp = '"';
    if (entity == "apos") cp = '\'';
    if (entity == "nbsp") cp = 0xA0;
    if (entity.size() > 1 && entity[0] == '#') {
      bool hex = entity[1] == 'x' || entity[1] == 'X';
      std::uint32_t v = 0;
      bool ok = entity.size() > (hex ? 2u : 1u);
      for (std::size_t k = hex ? 2 : 1; k < entity.size() && ok; ++k) {
        char c = entity[k];
        int d = c >= '0' && c <= '9'          ? c - '0'
                : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : -1;
        if (d < 0 || v > 0x10FFFF) ok = false;
        v = v * (hex ? 16 : 10) + static_cast<std::uint32_t>(d < 0 ? 0 : d);
      }
      if (ok && v <= 0x10FFFF && (v < 0xD800 || v > 0xDFFF)) cp = v;
    }
    if (!cp) {
      out.push_back(s[i]);
      continue;
    }
    text::append_utf8(out, *cp);
    i = semi;
  }
  return out;
}

std::string escape_json(std::string_view s) {
  std::string quoted;
  append_json_string(quoted, s);
  return quoted.substr(1, quoted.size() - 2);
}

// JSON string escapes (RFC 8259 §7) undone; other characters, a bare '"'
// included, are kept.
std::optional<std::string> unescape_json(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 >= s.size()) {
      out.push_back(s[i]);
      continue;
    }
    char e = s[++i];
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out.push_back(e);
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        if (i + 4 >= s.size()) return std::nullopt;
        std::uint32_t cp = 0;
        for (int k = 1; k <= 4; ++k) {
          char c = s[i + static_cast<std::size_t>(k)];
          int d = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
          if (d < 0) return std::nullopt;
          cp = cp * 16 + static_cast<std::uint32_t>(d);
        }
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDFFF) return std::nullopt;
        text::append_utf8(out, cp);
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return out;
}

Coll fn_escape(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  Coll h;
  auto format = string_arg(ev, call, 0, scope, h);
  if (!s || !format) return {};
  if (*format == "html") return str(ev, html_escape(*s));
  if (*format == "json") return str(ev, escape_json(*s));
  fail("escape(): unknown format '" + std::string(*format) + "'");
}

Coll fn_unescape(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  auto s = input_string(input, call);
  Coll h;
  auto format = string_arg(ev, call, 0, scope, h);
  if (!s || !format) return {};
  if (*format == "html") return str(ev, unescape_html(*s));
  if (*format == "json") {
    auto r = unescape_json(*s);
    if (!r) return {};
    return str(ev, std::move(*r));
  }
  fail("unescape(): unknown format '" + std::string(*format) + "'");
}

constexpr Arg V = Arg::kValue;

const FunctionDef kFunctions[] = {
    {"indexOf", 1, 1, fn_index_of, Returns::kInteger, {V, V, V}},
    {"lastIndexOf", 1, 1, fn_index_of, Returns::kInteger, {V, V, V}},
    {"substring", 1, 2, fn_substring, Returns::kString, {V, V, V}},
    {"startsWith", 1, 1, fn_starts_with, Returns::kBoolean, {V, V, V}},
    {"endsWith", 1, 1, fn_ends_with, Returns::kBoolean, {V, V, V}},
    {"contains", 1, 1, fn_contains, Returns::kBoolean, {V, V, V}},
    {"upper", 0, 0, fn_upper, Returns::kString, {V, V, V}},
    {"lower", 0, 0, fn_lower, Returns::kString, {V, V, V}},
    {"replace", 2, 2, fn_replace, Returns::kString, {V, V, V}},
    {"matches", 1, 1, fn_matches, Returns::kBoolean, {V, V, V}},
    {"matchesFull", 1, 1, fn_matches, Returns::kBoolean, {V, V, V}},
    {"replaceMatches", 2, 2, fn_replace_matches, Returns::kString, {V, V, V}},
    {"length", 0, 0, fn_length, Returns::kInteger, {V, V, V}},
    {"toChars", 0, 0, fn_to_chars, Returns::kString, {V, V, V}},
    {"trim", 0, 0, fn_trim, Returns::kString, {V, V, V}},
    {"split", 1, 1, fn_split, Returns::kString, {V, V, V}},
    {"join", 0, 1, fn_join, Returns::kString, {V, V, V}},
    {"encode", 1, 1, fn_encode, Returns::kString, {V, V, V}},
    {"decode", 1, 1, fn_decode, Returns::kString, {V, V, V}},
    {"escape", 1, 1, fn_escape, Returns::kString, {V, V, V}},
    {"unescape", 1, 1, fn_unescape, Returns::kString, {V, V, V}},
};

}  // namespace

std::span<const FunctionDef> string_functions() { return kFunctions; }

}  // namespace parcours::fhirpath
