#include "fhirpath/lexer.h"

#include "base/text.h"
#include "fhirpath/text.h"

namespace parcours::fhirpath {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  Result<std::vector<Token>> run() {
    if (std::size_t bad = text::invalid_utf8(s_); bad != std::string_view::npos) {
      fail(bad, "the expression is not valid UTF-8");
      return error_;
    }
    std::vector<Token> out;
    while (true) {
      if (!skip_space()) return error_;
      if (i_ >= s_.size()) break;
      Token t;
      t.pos = static_cast<std::uint32_t>(i_);
      if (!next(t)) return error_;
      out.push_back(std::move(t));
    }
    Token end;
    end.pos = static_cast<std::uint32_t>(s_.size());
    out.push_back(std::move(end));
    return out;
  }

 private:
  bool fail(std::size_t at, const std::string& msg) {
    error_ = bad_request("FHIRPath syntax error at " + describe_position(s_, static_cast<std::uint32_t>(at)) +
                         ": " + msg);
    return false;
  }

  bool skip_space() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f') {
        ++i_;
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '/') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
        std::size_t end = s_.find("*/", i_ + 2);
        if (end == std::string_view::npos) return fail(i_, "unterminated comment");
        i_ = end + 2;
      } else {
        break;
      }
    }
    return true;
  }

  // Quoted text between `quote`s with the N1 escapes (\' \" \` \\ \/ \f \n
  // \r \t \uXXXX).
  bool quoted(char quote, std::string& out) {
    std::size_t start = i_;
    ++i_;
    while (i_ < s_.size() && s_[i_] != quote) {
      char c = s_[i_];
      if (c != '\\') {
        out.push_back(c);
        ++i_;
        continue;
      }
      if (i_ + 1 >= s_.size()) break;
      char e = s_[i_ + 1];
      i_ += 2;
      switch (e) {
        case '\'':
        case '"':
        case '`':
        case '\\':
        case '/':
          out.push_back(e);
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
          std::uint32_t cp = 0;
          for (int k = 0; k < 4; ++k) {
            int h = i_ < s_.size() ? hex_value(s_[i_]) : -1;
            if (h < 0) return fail(i_, "\\u needs four hexadecimal digits");
            cp = cp * 16 + static_cast<std::uint32_t>(h);
            ++i_;
          }
          // A surrogate pair written as two escapes.
          if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 6 <= s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
            std::uint32_t lo = 0;
            bool ok = true;
            for (int k = 0; k < 4; ++k) {
              int h = hex_value(s_[i_ + 2 + static_cast<std::size_t>(k)]);
              if (h < 0) ok = false;
              lo = lo * 16 + static_cast<std::uint32_t>(h < 0 ? 0 : h);
            }
            if (ok && lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              i_ += 6;
            }
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) return fail(i_, "lone surrogate in \\u escape");
          append_utf8(out, cp);
          break;
        }
        default:
          return fail(i_ - 2, std::string("unknown escape \\") + e);
      }
    }
    if (i_ >= s_.size())
      return fail(start, "unterminated " + std::string(quote == '`' ? "identifier" : "string"));
    ++i_;  // closing quote
    return true;
  }

  bool two_digits(std::size_t at) const {
    return at + 1 < s_.size() && is_digit(s_[at]) && is_digit(s_[at + 1]);
  }

  // TIMEFORMAT: hh(:mm(:ss(.f+)?)?)?
  void time_format() {
    i_ += 2;
    if (i_ < s_.size() && s_[i_] == ':' && two_digits(i_ + 1)) {
      i_ += 3;
      if (i_ < s_.size() && s_[i_] == ':' && two_digits(i_ + 1)) {
        i_ += 3;
        if (i_ + 1 < s_.size() && s_[i_] == '.' && is_digit(s_[i_ + 1])) {
          ++i_;
          while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
        }
      }
    }
  }

  bool date_time(Token& t) {
    std::size_t start = i_;  // at '@'
    ++i_;
    if (i_ < s_.size() && s_[i_] == 'T') {
      ++i_;
      if (!two_digits(i_)) return fail(start, "malformed time literal");
      time_format();
      t.kind = Tok::kTime;
      t.value = std::string(s_.substr(start + 2, i_ - start - 2));
      return true;
    }
    for (int k = 0; k < 4; ++k)
      if (i_ + static_cast<std::size_t>(k) >= s_.size() || !is_digit(s_[i_ + static_cast<std::size_t>(k)]))
        return fail(start, "malformed date literal");
    i_ += 4;
    if (i_ < s_.size() && s_[i_] == '-' && two_digits(i_ + 1)) {
      i_ += 3;
      if (i_ < s_.size() && s_[i_] == '-' && two_digits(i_ + 1)) i_ += 3;
    }
    if (i_ < s_.size() && s_[i_] == 'T') {
      ++i_;
      if (two_digits(i_)) {
        time_format();
        // TIMEZONEOFFSETFORMAT: Z | (+|-)hh:mm
        if (i_ < s_.size() && s_[i_] == 'Z') {
          ++i_;
        } else if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-') && two_digits(i_ + 1) &&
                   i_ + 3 < s_.size() && s_[i_ + 3] == ':' && two_digits(i_ + 4)) {
          i_ += 6;
        }
      }
      t.kind = Tok::kDateTime;
      std::string v(s_.substr(start + 1, i_ - start - 1));
      if (!v.empty() && v.back() == 'T') v.pop_back();
      t.value = std::move(v);
      return true;
    }
    t.kind = Tok::kDate;
    t.value = std::string(s_.substr(start + 1, i_ - start - 1));
    return true;
  }

  bool next(Token& t) {
    char c = s_[i_];
    if (is_ident_start(c)) {
      std::size_t start = i_;
      while (i_ < s_.size() && is_ident_char(s_[i_])) ++i_;
      t.kind = Tok::kIdentifier;
      t.value = std::string(s_.substr(start, i_ - start));
      return true;
    }
    if (is_digit(c)) {
      std::size_t start = i_;
      while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
      if (i_ + 1 < s_.size() && s_[i_] == '.' && is_digit(s_[i_ + 1])) {
        ++i_;
        while (i_ < s_.size() && is_digit(s_[i_])) ++i_;
      }
      t.kind = Tok::kNumber;
      t.value = std::string(s_.substr(start, i_ - start));
      return true;
    }
    switch (c) {
      case '\'':
        t.kind = Tok::kString;
        return quoted('\'', t.value);
      case '`':
        t.kind = Tok::kDelimited;
        return quoted('`', t.value);
      case '@':
        return date_time(t);
      case '%': {
        ++i_;
        t.kind = Tok::kConstant;
        if (i_ < s_.size() && is_ident_start(s_[i_])) {
          std::size_t start = i_;
          while (i_ < s_.size() && is_ident_char(s_[i_])) ++i_;
          t.value = std::string(s_.substr(start, i_ - start));
          return true;
        }
        if (i_ < s_.size() && (s_[i_] == '`' || s_[i_] == '\'')) return quoted(s_[i_], t.value);
        return fail(i_ - 1, "'%' must be followed by a name");
      }
      case '$': {
        std::size_t start = i_;
        ++i_;
        while (i_ < s_.size() && is_ident_char(s_[i_])) ++i_;
        t.kind = Tok::kDollar;
        t.value = std::string(s_.substr(start + 1, i_ - start - 1));
        if (t.value != "this" && t.value != "index" && t.value != "total")
          return fail(start, "unknown special variable $" + t.value);
        return true;
      }
      default:
        break;
    }
    t.kind = Tok::kSymbol;
    auto two = [&](char next) { return i_ + 1 < s_.size() && s_[i_ + 1] == next; };
    if ((c == '!' && two('=')) || (c == '!' && two('~')) || (c == '<' && two('=')) ||
        (c == '>' && two('='))) {
      t.value = std::string(s_.substr(i_, 2));
      i_ += 2;
      return true;
    }
    static constexpr std::string_view kSingles = ".[](){},+-*/&|=~<>";
    if (kSingles.find(c) != std::string_view::npos) {
      t.value = std::string(1, c);
      ++i_;
      return true;
    }
    return fail(i_, "unexpected character '" + std::string(1, c) + "'");
  }

  std::string_view s_;
  std::size_t i_ = 0;
  Error error_;
};

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view text) { return Lexer(text).run(); }

std::string describe_position(std::string_view text, std::uint32_t pos) {
  std::uint32_t line = 1, col = 1;
  for (std::uint32_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

}  // namespace parcours::fhirpath
