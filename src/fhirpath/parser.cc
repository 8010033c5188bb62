// Recursive-descent (precedence climbing) parser for the FHIRPath grammar
// (N1 Appendix A). Operator precedence, loosest first (N1 §"Operator
// precedence"): implies; or xor; and; in contains; = ~ != !~; < > <= >=; |;
// is as; + - &; * / div mod; unary + -; then . and [] (invocation, indexer).
#include <set>
#include <string>

#include "fhirpath/datetime.h"
#include "fhirpath/decimal.h"
#include "fhirpath/expression.h"
#include "fhirpath/functions.h"
#include "fhirpath/lexer.h"
#include "fhirpath/regex.h"
#include "fhirpath/types.h"

namespace parcours::fhirpath {

namespace {

// Bounds on nesting: parser recursion, and the height of the tree (a long
// left-leaning chain such as 1+1+1+... or a.b.c... is built by a loop, but
// evaluating or destroying it recurses once per level).
constexpr int kMaxDepth = 200;
constexpr std::uint32_t kMaxHeight = 256;

constexpr int kPostfix = 12;
constexpr int kUnary = 11;

struct InfixOp {
  int bp;
  BinOp op;
};

std::optional<InfixOp> infix(const Token& t) {
  if (t.kind == Tok::kSymbol) {
    const std::string& v = t.value;
    if (v == "*") return InfixOp{10, BinOp::kMul};
    if (v == "/") return InfixOp{10, BinOp::kDiv};
    if (v == "+") return InfixOp{9, BinOp::kAdd};
    if (v == "-") return InfixOp{9, BinOp::kSub};
    if (v == "&") return InfixOp{9, BinOp::kConcat};
    if (v == "|") return InfixOp{7, BinOp::kUnion};
    if (v == "<") return InfixOp{6, BinOp::kLt};
    if (v == ">") return InfixOp{6, BinOp::kGt};
    if (v == "<=") return InfixOp{6, BinOp::kLe};
    if (v == ">=") return InfixOp{6, BinOp::kGe};
    if (v == "=") return InfixOp{5, BinOp::kEq};
    if (v == "!=") return InfixOp{5, BinOp::kNe};
    if (v == "~") return InfixOp{5, BinOp::kEquiv};
    if (v == "!~") return InfixOp{5, BinOp::kNotEquiv};
    return std::nullopt;
  }
  if (t.kind != Tok::kIdentifier) return std::nullopt;
  const std::string& v = t.value;
  if (v == "div") return InfixOp{10, BinOp::kIntDiv};
  if (v == "mod") return InfixOp{10, BinOp::kMod};
  if (v == "is") return InfixOp{8, BinOp::kIs};
  if (v == "as") return InfixOp{8, BinOp::kAs};
  if (v == "in") return InfixOp{4, BinOp::kIn};
  if (v == "contains") return InfixOp{4, BinOp::kContains};
  if (v == "and") return InfixOp{3, BinOp::kAnd};
  if (v == "or") return InfixOp{2, BinOp::kOr};
  if (v == "xor") return InfixOp{2, BinOp::kXor};
  if (v == "implies") return InfixOp{1, BinOp::kImplies};
  return std::nullopt;
}

bool is_calendar_word(const std::string& w) { return calendar_keyword(w) != TimeUnit::kNone; }

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens) : text_(text), toks_(std::move(tokens)) {}

  Result<std::unique_ptr<Node>> run() {
    auto root = expression(0);
    if (!root) return std::move(error_);
    if (peek().kind != Tok::kEnd) {
      fail(peek().pos, "unexpected " + describe(peek()));
      return std::move(error_);
    }
    // %names that are neither environment constants nor defined by
    // defineVariable() are static errors.
    for (const auto& [name, pos] : user_vars_) {
      if (!defined_.count(name)) {
        semantic(pos, "unknown variable %" + name);
        return std::move(error_);
      }
    }
    return root;
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    std::size_t i = std::min(i_ + ahead, toks_.size() - 1);
    return toks_[i];
  }
  const Token& take() {
    const Token& t = toks_[i_];
    if (i_ + 1 < toks_.size()) ++i_;
    return t;
  }
  bool is_symbol(const Token& t, std::string_view s) const { return t.kind == Tok::kSymbol && t.value == s; }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::kEnd:
        return "end of expression";
      case Tok::kString:
        return "string '" + t.value + "'";
      default:
        return "'" + t.value + "'";
    }
  }

  std::unique_ptr<Node> fail(std::uint32_t pos, const std::string& msg) {
    if (!failed_)
      error_ = bad_request("FHIRPath syntax error at " + describe_position(text_, pos) + ": " + msg);
    failed_ = true;
    return nullptr;
  }
  std::unique_ptr<Node> semantic(std::uint32_t pos, const std::string& msg) {
    if (!failed_) error_ = bad_request("FHIRPath error at " + describe_position(text_, pos) + ": " + msg);
    failed_ = true;
    return nullptr;
  }

  bool expect(std::string_view sym) {
    if (!is_symbol(peek(), sym)) {
      fail(peek().pos, "expected '" + std::string(sym) + "' but found " + describe(peek()));
      return false;
    }
    take();
    return true;
  }

  static std::unique_ptr<Node> make(NodeKind k, std::uint32_t pos) {
    auto n = std::make_unique<Node>();
    n->kind = k;
    n->pos = pos;
    return n;
  }

  // Records the height of a node built from its children; false when the
  // tree gets too tall.
  bool grown(Node& n) {
    std::uint32_t h = 0;
    if (n.target) h = std::max(h, n.target->height);
    if (n.right) h = std::max(h, n.right->height);
    for (const auto& a : n.args) h = std::max(h, a->height);
    n.height = h + 1;
    if (n.height > kMaxHeight) {
      fail(n.pos, "expression nested too deeply");
      return false;
    }
    return true;
  }

  std::unique_ptr<Node> expression(int min_bp) {
    if (++depth_ > kMaxDepth) return fail(peek().pos, "expression nested too deeply");
    auto lhs = prefix();
    if (!lhs) return nullptr;
    while (true) {
      const Token& t = peek();
      if (is_symbol(t, ".")) {
        take();
        lhs = invocation(std::move(lhs));
        if (!lhs || !grown(*lhs)) return nullptr;
        continue;
      }
      if (is_symbol(t, "[")) {
        std::uint32_t pos = take().pos;
        auto n = make(NodeKind::kIndexer, pos);
        n->target = std::move(lhs);
        n->right = expression(0);
        if (!n->right || !expect("]") || !grown(*n)) return nullptr;
        lhs = std::move(n);
        continue;
      }
      auto op = infix(t);
      if (!op || op->bp <= min_bp) break;
      std::uint32_t pos = take().pos;
      if (op->op == BinOp::kIs || op->op == BinOp::kAs) {
        auto n = make(NodeKind::kTypeOp, pos);
        n->op = op->op;
        n->target = std::move(lhs);
        if (!type_specifier(n->type) || !grown(*n)) return nullptr;
        lhs = std::move(n);
        continue;
      }
      auto n = make(NodeKind::kBinary, pos);
      n->op = op->op;
      n->target = std::move(lhs);
      n->right = expression(op->bp);
      if (!n->right || !grown(*n)) return nullptr;
      lhs = std::move(n);
    }
    --depth_;
    return lhs;
  }

  // qualifiedIdentifier after is/as: Name, FHIR.Name, System.Name.
  bool type_specifier(TypeSpec& spec) {
    const Token& t = peek();
    if (t.kind != Tok::kIdentifier && t.kind != Tok::kDelimited) {
      fail(t.pos, "expected a type name but found " + describe(t));
      return false;
    }
    std::uint32_t pos = t.pos;
    std::string text = take().value;
    if ((text == "FHIR" || text == "System") && is_symbol(peek(), ".") &&
        (peek(1).kind == Tok::kIdentifier || peek(1).kind == Tok::kDelimited)) {
      take();
      text += "." + take().value;
    }
    return resolve(text, pos, spec);
  }

  bool resolve(const std::string& text, std::uint32_t pos, TypeSpec& spec) {
    auto r = resolve_type_spec(text);
    if (!r) {
      semantic(pos, "unknown type '" + text + "'");
      return false;
    }
    spec = std::move(*r);
    return true;
  }

  std::unique_ptr<Node> invocation(std::unique_ptr<Node> target) {
    const Token& t = peek();
    if (t.kind != Tok::kIdentifier && t.kind != Tok::kDelimited)
      return fail(t.pos, "expected a name after '.' but found " + describe(t));
    std::uint32_t pos = t.pos;
    bool delimited = t.kind == Tok::kDelimited;
    std::string name = take().value;
    if (!delimited && is_symbol(peek(), "(")) return function(std::move(name), pos, std::move(target));
    auto n = make(NodeKind::kMember, pos);
    n->name = std::move(name);
    n->target = std::move(target);
    return n;
  }

  std::unique_ptr<Node> function(std::string name, std::uint32_t pos, std::unique_ptr<Node> target) {
    take();  // '('
    auto n = make(NodeKind::kFunction, pos);
    n->name = std::move(name);
    n->target = std::move(target);
    if (!is_symbol(peek(), ")")) {
      while (true) {
        auto a = expression(0);
        if (!a) return nullptr;
        n->args.push_back(std::move(a));
        if (is_symbol(peek(), ",")) {
          take();
          continue;
        }
        break;
      }
    }
    if (!expect(")") || !grown(*n)) return nullptr;
    const FunctionDef* fn = find_function(n->name);
    if (!fn) return semantic(pos, "unknown function '" + n->name + "'");
    int argc = static_cast<int>(n->args.size());
    if (argc < fn->min_args || argc > fn->max_args) {
      std::string want = fn->min_args == fn->max_args
                             ? std::to_string(fn->min_args)
                             : std::to_string(fn->min_args) + " to " + std::to_string(fn->max_args);
      return semantic(pos, n->name + "() takes " + want + " argument(s), not " + std::to_string(argc));
    }
    n->fn = fn;
    for (std::size_t i = 0; i < n->args.size() && i < 3; ++i) {
      Node& a = *n->args[i];
      if (fn->args[i] == Arg::kType) {
        std::string text;
        if (!type_name_of(a, text)) return semantic(a.pos, n->name + "() needs a type name");
        if (!resolve(text, a.pos, n->type)) return nullptr;
      } else if (fn->args[i] == Arg::kName) {
        if (a.kind != NodeKind::kLiteral || a.literal_empty || a.literal.kind != VKind::kString)
          return semantic(a.pos, n->name + "() needs a string literal name");
        defined_.insert(a.name);
      }
    }
    // Constant patterns are compiled once, here.
    if ((n->name == "matches" || n->name == "matchesFull" || n->name == "replaceMatches") &&
        !n->args.empty()) {
      const Node& a = *n->args[0];
      if (a.kind == NodeKind::kLiteral && !a.literal_empty && a.literal.kind == VKind::kString) {
        auto re = Regex::compile(a.name);
        if (!re) return semantic(a.pos, re.error().message());
        n->regex = std::move(*re);
      }
    }
    return n;
  }

  // A type argument written as an expression: Name, FHIR.Name, `Name`.
  static bool type_name_of(const Node& a, std::string& out) {
    if (a.kind != NodeKind::kMember) return false;
    if (!a.target) {
      out = a.name;
      return true;
    }
    if (a.target->kind == NodeKind::kMember && !a.target->target &&
        (a.target->name == "FHIR" || a.target->name == "System")) {
      out = a.target->name + "." + a.name;
      return true;
    }
    return false;
  }

  std::unique_ptr<Node> literal(Value v, std::string text, std::uint32_t pos) {
    auto n = make(NodeKind::kLiteral, pos);
    n->name = std::move(text);
    n->literal = v;
    if (v.kind == VKind::kString || v.kind == VKind::kDate || v.kind == VKind::kDateTime ||
        v.kind == VKind::kTime || v.kind == VKind::kQuantity)
      n->literal.s = n->name;  // the node owns the text
    return n;
  }

  std::unique_ptr<Node> number(const Token& t) {
    bool is_decimal = t.value.find('.') != std::string::npos;
    Value v;
    if (is_decimal) {
      auto d = Decimal::parse(t.value);
      if (!d) return fail(t.pos, "number out of range: " + t.value);
      v = Value::decimal(*d);
    } else {
      auto d = Decimal::parse(t.value);
      auto i = d ? d->to_int64() : std::nullopt;
      if (!i) return fail(t.pos, "integer out of range: " + t.value);
      v = Value::integer(*i);
    }
    // A quantity: the number followed by a unit string or a calendar keyword.
    const Token& u = peek();
    if (u.kind == Tok::kString || (u.kind == Tok::kIdentifier && is_calendar_word(u.value))) {
      std::string unit = take().value;
      Decimal amount = v.kind == VKind::kDecimal ? v.d : Decimal::from_int(v.i);
      return literal(Value::quantity(amount, {}), std::move(unit), t.pos);
    }
    return literal(v, t.value, t.pos);
  }

  std::unique_ptr<Node> prefix() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::kEnd:
        return fail(t.pos, "unexpected end of expression");
      case Tok::kNumber: {
        const Token& n = take();
        return number(n);
      }
      case Tok::kString: {
        const Token& s = take();
        return literal(Value::string({}), s.value, s.pos);
      }
      case Tok::kDate: {
        const Token& s = take();
        if (!parse_date(s.value)) return fail(s.pos, "invalid date @" + s.value);
        return literal(Value::temporal(VKind::kDate, {}), s.value, s.pos);
      }
      case Tok::kDateTime: {
        const Token& s = take();
        if (!parse_date_time(s.value)) return fail(s.pos, "invalid dateTime @" + s.value);
        return literal(Value::temporal(VKind::kDateTime, {}), s.value, s.pos);
      }
      case Tok::kTime: {
        const Token& s = take();
        if (!parse_time(s.value)) return fail(s.pos, "invalid time @T" + s.value);
        return literal(Value::temporal(VKind::kTime, {}), s.value, s.pos);
      }
      case Tok::kConstant: {
        const Token& c = take();
        return variable(c);
      }
      case Tok::kDollar: {
        const Token& d = take();
        NodeKind k = d.value == "this"    ? NodeKind::kThis
                     : d.value == "index" ? NodeKind::kIndex
                                          : NodeKind::kTotal;
        return make(k, d.pos);
      }
      case Tok::kSymbol: {
        if (t.value == "(") {
          take();
          auto e = expression(0);
          if (!e || !expect(")")) return nullptr;
          return e;
        }
        if (t.value == "{") {
          std::uint32_t pos = take().pos;
          if (!expect("}")) return nullptr;
          auto n = make(NodeKind::kLiteral, pos);
          n->literal_empty = true;
          return n;
        }
        if (t.value == "-" || t.value == "+") {
          std::uint32_t pos = t.pos;
          bool neg = take().value == "-";
          auto operand = expression(kUnary);
          if (!operand) return nullptr;
          auto n = make(NodeKind::kUnary, pos);
          n->negate = neg;
          n->target = std::move(operand);
          if (!grown(*n)) return nullptr;
          return n;
        }
        return fail(t.pos, "unexpected " + describe(t));
      }
      case Tok::kIdentifier:
      case Tok::kDelimited: {
        bool delimited = t.kind == Tok::kDelimited;
        std::uint32_t pos = t.pos;
        std::string name = take().value;
        if (!delimited && (name == "true" || name == "false"))
          return literal(Value::boolean(name == "true"), name, pos);
        if (!delimited && is_symbol(peek(), "(")) return function(std::move(name), pos, nullptr);
        auto n = make(NodeKind::kMember, pos);
        n->name = std::move(name);
        if (!n->name.empty() && n->name[0] >= 'A' && n->name[0] <= 'Z') {
          const fhir::TypeDef* td = fhir::find_type(n->name);
          if (td && !td->is_primitive()) n->type_name = td;
        }
        return n;
      }
    }
    return fail(t.pos, "unexpected " + describe(t));
  }

  std::unique_ptr<Node> variable(const Token& c) {
    auto n = make(NodeKind::kVariable, c.pos);
    const std::string& v = c.value;
    n->name = v;
    if (v == "context") {
      n->var = VarKind::kContext;
    } else if (v == "resource") {
      n->var = VarKind::kResource;
    } else if (v == "rootResource") {
      n->var = VarKind::kRootResource;
    } else {
      // FHIR R4 §2.3 "FHIRPath": the terminology constants.
      std::string constant;
      if (v == "ucum")
        constant = "http://unitsofmeasure.org";
      else if (v == "sct")
        constant = "http://snomed.info/sct";
      else if (v == "loinc")
        constant = "http://loinc.org";
      else if (v.rfind("vs-", 0) == 0)
        constant = "http://hl7.org/fhir/ValueSet/" + v.substr(3);
      else if (v.rfind("ext-", 0) == 0)
        constant = "http://hl7.org/fhir/StructureDefinition/" + v.substr(4);
      if (!constant.empty()) {
        auto lit = literal(Value::string({}), std::move(constant), c.pos);
        return lit;
      }
      n->var = VarKind::kUser;
      user_vars_.emplace_back(v, c.pos);
    }
    return n;
  }

  std::string_view text_;
  std::vector<Token> toks_;
  std::size_t i_ = 0;
  int depth_ = 0;
  bool failed_ = false;
  Error error_;
  std::vector<std::pair<std::string, std::uint32_t>> user_vars_;
  std::set<std::string> defined_;
};

}  // namespace

Result<std::unique_ptr<Node>> parse(std::string_view text) {
  auto toks = tokenize(text);
  if (!toks) return std::move(toks).error();
  return Parser(text, std::move(*toks)).run();
}

}  // namespace parcours::fhirpath
