#include "search/filter.h"

#include <cctype>

#include "base/text.h"
#include "search/query.h"
#include "search/values.h"

namespace parcours::search {
namespace {

using Kind = fhir::SearchParamType;

bool allowed(std::string_view ops, std::string_view op) {
  std::size_t start = 0;
  while (start < ops.size()) {
    auto sp = ops.find(' ', start);
    if (sp == std::string_view::npos) sp = ops.size();
    if (ops.substr(start, sp - start) == op) return true;
    start = sp + 1;
  }
  return false;
}

std::string_view kind_name(const FilterExpr& e, Kind k) {
  if (e.code == "_id") return "the id";
  switch (k) {
    case Kind::kNumber:
      return "number parameter";
    case Kind::kDate:
      return "date parameter";
    case Kind::kString:
      return "string parameter";
    case Kind::kToken:
      return "token parameter";
    case Kind::kReference:
      return "reference parameter";
    case Kind::kQuantity:
      return "quantity parameter";
    case Kind::kUri:
      return "uri parameter";
    default:
      return "parameter";
  }
}

constexpr std::string_view kAllOps = "eq ne co sw ew gt lt ge le ap sa eb pr po ss sb in ni re";

struct Token {
  enum class Kind { Word, String, Open, Close, End } kind = Kind::End;
  std::string text;
  std::size_t position = 0;  // 1-based
};

class FilterParser {
 public:
  FilterParser(std::string_view text, const std::string& type, const Registry& reg)
      : text_(text), type_(type), reg_(reg) {}

  Result<FilterExpr> parse() {
    if (auto s = lex(); !s) return s.error();
    if (tokens_.size() == 1) return bad(1, "the expression is empty");
    auto e = or_expr(0);
    if (!e) return e;
    if (tokens_[pos_].kind != Token::Kind::End)
      return bad(tokens_[pos_].position,
                 "unexpected '" + tokens_[pos_].text + "' (expected 'and', 'or' or the end)");
    return e;
  }

 private:
  static Error bad(std::size_t position, const std::string& msg) {
    return bad_request("_filter at position " + std::to_string(position) + ": " + msg, "_filter");
  }

  Status lex() {
    std::size_t i = 0;
    while (i < text_.size()) {
      unsigned char c = static_cast<unsigned char>(text_[i]);
      if (std::isspace(c)) {
        ++i;
        continue;
      }
      Token t;
      t.position = i + 1;
      if (c == '(' || c == ')') {
        t.kind = c == '(' ? Token::Kind::Open : Token::Kind::Close;
        t.text = std::string(1, static_cast<char>(c));
        ++i;
      } else if (c == '"') {
        t.kind = Token::Kind::String;
        ++i;
        bool closed = false;
        while (i < text_.size()) {
          char d = text_[i++];
          if (d == '"') {
            closed = true;
            break;
          }
          if (d != '\\') {
            t.text.push_back(d);
            continue;
          }
          if (i >= text_.size()) break;
          char e = text_[i++];
          switch (e) {
            case '"':
            case '\\':
            case '/':
              t.text.push_back(e);
              break;
            case 'n':
              t.text.push_back('\n');
              break;
            case 't':
              t.text.push_back('\t');
              break;
            case 'r':
              t.text.push_back('\r');
              break;
            case 'b':
              t.text.push_back('\b');
              break;
            case 'f':
              t.text.push_back('\f');
              break;
            case 'u': {
              std::uint32_t cp = 0;
              for (int k = 0; k < 4; ++k, ++i) {
                int h = i < text_.size() ? hex_digit(text_[i]) : -1;
                if (h < 0) return bad(i + 1, "'\\u' expects four hexadecimal digits");
                cp = cp * 16 + static_cast<std::uint32_t>(h);
              }
              append_utf8(t.text, cp);
              break;
            }
            default:
              return bad(i, std::string("unknown escape '\\") + e + "' in a string");
          }
        }
        if (!closed) return bad(t.position, "unterminated string (missing '\"')");
      } else {
        t.kind = Token::Kind::Word;
        while (i < text_.size() && !std::isspace(static_cast<unsigned char>(text_[i])) && text_[i] != '(' &&
               text_[i] != ')')
          t.text.push_back(text_[i++]);
      }
      tokens_.push_back(std::move(t));
    }
    Token end;
    end.position = text_.size() + 1;
    end.text = "end of the expression";
    tokens_.push_back(end);
    return Status::Ok();
  }

  static bool keyword(const Token& t, std::string_view k) {
    if (t.kind != Token::Kind::Word || t.text.size() != k.size()) return false;
    for (std::size_t i = 0; i < k.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(t.text[i])) != k[i]) return false;
    return true;
  }

  Result<FilterExpr> or_expr(int depth) {
    if (depth > 32) return bad(tokens_[pos_].position, "nested too deeply");
    return joined(depth, "or", FilterExpr::Kind::Or, &FilterParser::and_expr);
  }

  Result<FilterExpr> and_expr(int depth) {
    return joined(depth, "and", FilterExpr::Kind::And, &FilterParser::unary);
  }

  // Operands read by `operand`, joined by the keyword `op`: one node of
  // `kind` when there are several, else the operand itself.
  Result<FilterExpr> joined(int depth, std::string_view op, FilterExpr::Kind kind,
                            Result<FilterExpr> (FilterParser::*operand)(int)) {
    auto first = (this->*operand)(depth);
    if (!first) return first;
    if (!keyword(tokens_[pos_], op)) return first;
    FilterExpr e;
    e.kind = kind;
    e.kids.push_back(std::move(*first));
    while (keyword(tokens_[pos_], op)) {
      ++pos_;
      auto next = (this->*operand)(depth);
      if (!next) return next;
      e.kids.push_back(std::move(*next));
    }
    return e;
  }

  Result<FilterExpr> group(int depth) {
    const Token& open = tokens_[pos_];
    if (open.kind != Token::Kind::Open)
      return bad(open.position, "expected '(' but found '" + open.text + "'");
    ++pos_;
    auto inner = or_expr(depth + 1);
    if (!inner) return inner;
    const Token& close = tokens_[pos_];
    if (close.kind != Token::Kind::Close)
      return bad(close.position, "expected ')' to close the '(' at position " +
                                     std::to_string(open.position) + " but found '" + close.text + "'");
    ++pos_;
    return inner;
  }

  Result<FilterExpr> unary(int depth) {
    const Token& t = tokens_[pos_];
    if (keyword(t, "not")) {
      ++pos_;
      if (tokens_[pos_].kind != Token::Kind::Open)
        return bad(tokens_[pos_].position, "'not' must be followed by a parenthesised expression: not (...)");
      auto inner = group(depth);
      if (!inner) return inner;
      FilterExpr e;
      e.kind = FilterExpr::Kind::Not;
      e.kids.push_back(std::move(*inner));
      return e;
    }
    if (t.kind == Token::Kind::Open) return group(depth);
    return test();
  }

  Result<FilterExpr> test() {
    const Token& name = tokens_[pos_];
    if (name.kind != Token::Kind::Word)
      return bad(name.position, "expected a search parameter name but found '" + name.text + "'");
    FilterExpr e;
    e.code = name.text;
    e.position = name.position;
    if (e.code.find('[') != std::string::npos)
      return bad(name.position, "parameter paths with a [filter] ('" + e.code + "') are not supported");
    if (e.code.find(':') != std::string::npos)
      return bad(name.position, "'" + e.code + "': modifiers are not allowed in _filter, use the operators");
    ++pos_;
    const Token& op = tokens_[pos_];
    if (op.kind != Token::Kind::Word)
      return bad(op.position, "expected an operator after '" + e.code + "' but found '" + op.text + "'");
    e.op = op.text;
    if (!allowed(kAllOps, e.op))
      return bad(op.position,
                 "unknown operator '" + e.op + "' (expected one of " + std::string(kAllOps) + ")");
    ++pos_;
    const Token& value = tokens_[pos_];
    if (value.kind != Token::Kind::Word && value.kind != Token::Kind::String)
      return bad(value.position,
                 "expected a value after '" + e.code + " " + e.op + "' but found '" + value.text + "'");
    e.value = value.text;
    ++pos_;
    std::vector<std::string> path;
    std::size_t start = 0;
    while (true) {
      auto dot = e.code.find('.', start);
      path.push_back(e.code.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return chain(path, 0, type_, e, op.position, value.position);
  }

  // `path[i...]` from resources of `type`: a chain through the reference
  // parameter path[i] (one Chain node per target type that has the next
  // parameter, ORed), or the test itself on path.back().
  Result<FilterExpr> chain(const std::vector<std::string>& path, std::size_t i, const std::string& type,
                           const FilterExpr& leaf, std::size_t op_pos, std::size_t value_pos) {
    if (i + 1 == path.size()) {
      FilterExpr e = leaf;
      e.code = path[i];
      if (auto s = check(e, type, op_pos, value_pos); !s) return s.error();
      return e;
    }
    if (i >= 3) return bad(leaf.position, "'" + leaf.code + "': chains nest at most 3 levels");
    const ParamDef* ref = reg_.find(type, path[i]);
    if (!ref || ref->kind != Kind::kReference)
      return bad(leaf.position, "'" + path[i] + "' is not a reference parameter of " + type + ": no chain");
    const std::string& next = path[i + 1];
    const bool last = i + 2 == path.size();
    std::vector<std::string> usable;
    for (const auto& t : ref->targets) {
      const ParamDef* n = reg_.find(t, next);
      if ((last && (next == "_id" || next == "_lastUpdated" || n)) || (n && n->kind == Kind::kReference))
        usable.push_back(t);
    }
    if (usable.empty())
      return bad(leaf.position,
                 "chain '" + leaf.code + "': no target of '" + path[i] + "' has a parameter '" + next + "'");
    FilterExpr any;
    any.kind = FilterExpr::Kind::Or;
    for (const auto& t : usable) {
      auto sub = chain(path, i + 1, t, leaf, op_pos, value_pos);
      if (!sub) return sub;
      FilterExpr c;
      c.kind = FilterExpr::Kind::Chain;
      c.param = ref;
      c.code = t;
      c.position = leaf.position;
      c.kids.push_back(std::move(*sub));
      any.kids.push_back(std::move(c));
    }
    if (any.kids.size() == 1) return std::move(any.kids.front());
    return any;
  }

  // The operator against the parameter's type, the value against both.
  Status check(FilterExpr& e, const std::string& type, std::size_t op_pos, std::size_t value_pos) {
    Kind kind = Kind::kToken;
    std::string_view ops;
    if (e.code == "_id") {
      ops = "eq ne";
    } else if (e.code == "_lastUpdated") {
      kind = Kind::kDate;
      ops = "eq ne gt lt ge le sa eb ap po";
    } else {
      e.param = reg_.find(type, e.code);
      if (!e.param) return bad(e.position, "unknown search parameter '" + e.code + "' for " + type);
      kind = e.param->kind;
      ops = filter_operators(kind);
      if (ops.empty())
        return bad(e.position,
                   "'" + e.code + "' is a composite or special parameter: not supported in _filter");
    }
    if (!allowed(ops, e.op))
      return bad(op_pos, "operator '" + e.op + "' does not apply to " + std::string(kind_name(e, kind)) +
                             " '" + e.code + "' (allowed: " + std::string(ops) + ")");
    auto value_error = [&](const std::string& why) {
      return bad(value_pos, "'" + e.code + " " + e.op + " " + e.value + "': " + why);
    };
    if (e.op == "pr") {
      if (e.value != "true" && e.value != "false") return value_error("'pr' takes true or false");
      return Status::Ok();
    }
    if (e.value.empty()) return value_error("empty value");
    switch (kind) {
      case Kind::kDate:
        if (!date_range(e.value)) return value_error("not a date (YYYY[-MM[-DD[Thh:mm[:ss][Z|+hh:mm]]]])");
        break;
      case Kind::kNumber:
        if (!decimal_range(e.value)) return value_error("not a number");
        break;
      case Kind::kQuantity:
        if (auto m = check_value(kind, "", e.value)) return value_error(*m);
        break;
      case Kind::kToken:
        if (e.op == "ss" || e.op == "sb") {
          auto bar = e.value.find('|');
          if (bar == std::string::npos || bar == 0 || bar + 1 == e.value.size())
            return value_error("'" + e.op + "' needs system|code (the code system's hierarchy)");
        }
        break;
      default:
        break;
    }
    return Status::Ok();
  }

  std::string_view text_;
  const std::string& type_;
  const Registry& reg_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string_view filter_operators(Kind kind) {
  switch (kind) {
    case Kind::kString:
      return "eq ne co sw ew pr";
    case Kind::kToken:
      return "eq ne ss sb in ni pr";
    case Kind::kDate:
      return "eq ne gt lt ge le sa eb ap po pr";
    case Kind::kNumber:
    case Kind::kQuantity:
      return "eq ne gt lt ge le sa eb ap pr";
    case Kind::kReference:
      return "eq ne re pr";
    case Kind::kUri:
      return "eq ne sw ss sb pr";
    case Kind::kComposite:
    case Kind::kSpecial:
      return "";
  }
  return "";
}

Result<FilterExpr> parse_filter(std::string_view text, const std::string& type, const Registry& registry) {
  if (type.empty()) return bad_request("_filter needs a resource type (/[type]?_filter=...)", "_filter");
  if (text.size() > 8192)
    return bad_request("_filter: the expression is longer than 8192 characters", "_filter");
  FilterParser p(text, type, registry);
  return p.parse();
}

}  // namespace parcours::search
