#include "fhir/json.h"

#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>
#include <cstring>

namespace parcours {

Json::Json(std::int64_t i) : v_(Num{std::to_string(i)}) {}
Json::Json(std::uint64_t i) : v_(Num{std::to_string(i)}) {}
Json::Json(double d) {
  if (!std::isfinite(d)) {  // JSON has no NaN/Inf
    v_ = std::monostate{};
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  v_ = Num{std::string(buf, r.ptr)};
}

Json Json::number_text(std::string text) {
  Json j;
  j.v_ = Num{std::move(text)};
  return j;
}

std::optional<std::int64_t> Json::to_int64() const {
  if (!is_number()) return std::nullopt;
  const auto& t = number();
  std::int64_t out = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), out);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return std::nullopt;
  return out;
}

std::optional<double> Json::to_double() const {
  if (!is_number()) return std::nullopt;
  const auto& t = number();
  double out = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size(), out);
  if (r.ec != std::errc()) return std::nullopt;
  return out;
}

const Json* Json::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : as_object())
    if (k == key) return &v;
  return nullptr;
}

Json* Json::find(std::string_view key) {
  return const_cast<Json*>(static_cast<const Json*>(this)->find(key));
}

std::string_view Json::get_string(std::string_view key) const {
  const Json* v = find(key);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view();
}

Json& Json::set(std::string_view key, Json value) {
  if (!is_object()) v_ = Object{};
  auto& o = as_object();
  for (auto& [k, v] : o)
    if (k == key) return v = std::move(value);
  o.emplace_back(std::string(key), std::move(value));
  return o.back().second;
}

bool Json::erase(std::string_view key) {
  if (!is_object()) return false;
  auto& o = as_object();
  for (auto it = o.begin(); it != o.end(); ++it)
    if (it->first == key) {
      o.erase(it);
      return true;
    }
  return false;
}

Json& Json::push_back(Json value) {
  if (!is_array()) v_ = Array{};
  auto& a = as_array();
  a.push_back(std::move(value));
  return a.back();
}

std::size_t Json::size() const {
  if (is_array()) return as_array().size();
  if (is_object()) return as_object().size();
  return 0;
}

bool Json::equals(const Json& other, bool ordered) const {
  if (kind() != other.kind()) return false;
  switch (kind()) {
    case Kind::Null:
      return true;
    case Kind::Bool:
      return as_bool() == other.as_bool();
    case Kind::Number:
      return number() == other.number();
    case Kind::String:
      return as_string() == other.as_string();
    case Kind::Array: {
      const auto &a = as_array(), &b = other.as_array();
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!a[i].equals(b[i], ordered)) return false;
      return true;
    }
    case Kind::Object: {
      const auto &a = as_object(), &b = other.as_object();
      if (a.size() != b.size()) return false;
      if (ordered) {
        for (std::size_t i = 0; i < a.size(); ++i)
          if (a[i].first != b[i].first || !a[i].second.equals(b[i].second, ordered)) return false;
        return true;
      }
      for (const auto& [k, v] : a) {
        const Json* w = other.find(k);
        if (!w || !v.equals(*w, ordered)) return false;
      }
      return true;
    }
  }
  return false;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t run = 0;  // start of the current run of bytes that need no escape
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

namespace {

void newline(std::string& out, int depth) {
  out.push_back('\n');
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
}

void dump_value(const Json& j, std::string& out, bool pretty, int depth) {
  switch (j.kind()) {
    case Json::Kind::Null:
      out += "null";
      break;
    case Json::Kind::Bool:
      out += j.as_bool() ? "true" : "false";
      break;
    case Json::Kind::Number:
      out += j.number();
      break;
    case Json::Kind::String:
      append_json_string(out, j.as_string());
      break;
    case Json::Kind::Array: {
      const auto& a = j.as_array();
      out.push_back('[');
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out.push_back(',');
        if (pretty) newline(out, depth + 1);
        dump_value(a[i], out, pretty, depth + 1);
      }
      if (pretty && !a.empty()) newline(out, depth);
      out.push_back(']');
      break;
    }
    case Json::Kind::Object: {
      const auto& o = j.as_object();
      out.push_back('{');
      for (std::size_t i = 0; i < o.size(); ++i) {
        if (i) out.push_back(',');
        if (pretty) newline(out, depth + 1);
        append_json_string(out, o[i].first);
        out += pretty ? ": " : ":";
        dump_value(o[i].second, out, pretty, depth + 1);
      }
      if (pretty && !o.empty()) newline(out, depth);
      out.push_back('}');
      break;
    }
  }
}

// SAX handler building the DOM on a value stack, as boost::json::value_stack
// does, but keeping number text.
struct Builder {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::vector<Json> values;
  std::vector<std::string> keys;
  std::string part;       // accumulates split strings/keys/numbers
  std::string duplicate;  // first duplicate key found, if any

  using ec_t = boost::json::error_code;
  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_object_begin(ec_t&) { return true; }
  bool on_object_end(std::size_t n, ec_t& ec) {
    Json::Object o;
    o.reserve(n);
    auto vbase = values.end() - static_cast<std::ptrdiff_t>(n);
    auto kbase = keys.end() - static_cast<std::ptrdiff_t>(n);
    for (std::size_t i = 0; i < n; ++i) o.emplace_back(std::move(kbase[i]), std::move(vbase[i]));
    values.erase(vbase, values.end());
    keys.erase(kbase, keys.end());
    if (has_duplicate(o)) {
      ec = boost::json::error::syntax;
      return false;
    }
    values.emplace_back(std::move(o));
    return true;
  }
  bool has_duplicate(const Json::Object& o) {
    if (o.size() < 2) return false;
    if (o.size() <= 16) {
      for (std::size_t i = 1; i < o.size(); ++i)
        for (std::size_t k = 0; k < i; ++k)
          if (o[i].first == o[k].first) return duplicate = o[i].first, true;
      return false;
    }
    std::vector<std::string_view> names;
    names.reserve(o.size());
    for (const auto& m : o) names.push_back(m.first);
    std::sort(names.begin(), names.end());
    for (std::size_t i = 1; i < names.size(); ++i)
      if (names[i] == names[i - 1]) return duplicate = std::string(names[i]), true;
    return false;
  }
  bool on_array_begin(ec_t&) { return true; }
  bool on_array_end(std::size_t n, ec_t&) {
    Json::Array a;
    a.reserve(n);
    auto base = values.end() - static_cast<std::ptrdiff_t>(n);
    for (auto it = base; it != values.end(); ++it) a.push_back(std::move(*it));
    values.erase(base, values.end());
    values.emplace_back(std::move(a));
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, ec_t&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, ec_t&) {
    part.append(s.data(), s.size());
    keys.push_back(std::move(part));
    part.clear();
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, ec_t&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, ec_t&) {
    part.append(s.data(), s.size());
    values.emplace_back(std::move(part));
    part.clear();
    return true;
  }
  bool on_number_part(boost::json::string_view s, ec_t&) {
    part.append(s.data(), s.size());
    return true;
  }
  bool number(boost::json::string_view s) {
    part.append(s.data(), s.size());
    values.push_back(Json::number_text(std::move(part)));
    part.clear();
    return true;
  }
  bool on_int64(std::int64_t, boost::json::string_view s, ec_t&) { return number(s); }
  bool on_uint64(std::uint64_t, boost::json::string_view s, ec_t&) { return number(s); }
  bool on_double(double, boost::json::string_view s, ec_t&) { return number(s); }
  bool on_bool(bool b, ec_t&) {
    values.emplace_back(b);
    return true;
  }
  bool on_null(ec_t&) {
    values.emplace_back();
    return true;
  }
  bool on_comment_part(boost::json::string_view, ec_t&) { return true; }
  bool on_comment(boost::json::string_view, ec_t&) { return true; }
};

std::string position(std::string_view text, std::size_t offset) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

}  // namespace

std::string Json::dump(bool pretty) const {
  std::string out;
  dump_to(out, pretty);
  return out;
}

void Json::dump_to(std::string& out, bool pretty) const { dump_value(*this, out, pretty, 0); }

Result<Json> parse_json(std::string_view text, const JsonParseOptions& options) {
  boost::json::parse_options opt;
  opt.max_depth = options.max_depth;
  boost::json::basic_parser<Builder> parser(opt);
  boost::json::error_code ec;
  std::size_t n = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = boost::json::error::extra_data;
  if (ec) {
    auto& h = parser.handler();
    std::string why;
    if (!h.duplicate.empty())
      why = "duplicate property \"" + h.duplicate + "\"";
    else if (ec == boost::json::error::too_deep)
      why = "nesting deeper than " + std::to_string(options.max_depth) + " levels";
    else
      why = ec.message();
    return bad_request("Malformed JSON: " + why + " at " + position(text, n));
  }
  auto& values = parser.handler().values;
  if (values.size() != 1) return bad_request("Malformed JSON: empty document");
  return std::move(values.front());
}

}  // namespace parcours
