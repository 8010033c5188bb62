#include "fhirpath/evaluator.h"

#include <cstdio>

#include "fhirpath/functions.h"
#include "fhirpath/model.h"
#include "fhirpath/operators.h"
#include "fhirpath/text.h"
#include "fhirpath/types.h"

namespace parcours::fhirpath {

void fail(std::string message) { throw EvalError{std::move(message)}; }

bool derives(const fhir::TypeDef* type, const fhir::TypeDef* ancestor) {
  if (type == ancestor) return true;
  // Concrete resources have no subtypes in R4.
  if (ancestor->is_resource() && !ancestor->abstract) return false;
  return fhir::derives_from(*type, ancestor->name);
}

const Value* single(Span c, std::string_view what) {
  if (c.empty()) return nullptr;
  if (c.size() > 1)
    fail(std::string(what) + " expects a single item but got " + std::to_string(c.size()) +
         " (N1 §4.5 singleton evaluation)");
  return &c[0];
}

std::optional<bool> as_boolean(Span c, std::string_view what) {
  const Value* v = single(c, what);
  if (!v) return std::nullopt;
  if (v->kind == VKind::kBoolean) {
    if (!v->has_value) return std::nullopt;
    return v->b;
  }
  // N1 §4.5: a single item where a Boolean is expected is true.
  return true;
}

std::optional<std::string_view> string_of(Span c, std::string_view what) {
  const Value* v = single(c, what);
  if (!v || !v->has_value) return std::nullopt;
  if (v->kind != VKind::kString) fail(std::string(what) + " expects a String");
  return v->s;
}

std::optional<std::int64_t> integer_of(Span c, std::string_view what) {
  const Value* v = single(c, what);
  if (!v || !v->has_value) return std::nullopt;
  if (v->kind != VKind::kInteger) fail(std::string(what) + " expects an Integer");
  return v->i;
}

Evaluator::Evaluator(const Expression& expression, const Environment& env, const Value& input)
    : expr_(expression), env_(env) {
  context_.push_back(input);
  if (env.resource) resource_.push_back(resource_value(env.resource));
  if (!resource_.empty()) resource_ptr_ = &resource_.front();
}

Evaluator::Evaluator(const Expression& expression, const Environment& env, const Json* input)
    : expr_(expression), env_(env) {
  if (input) context_.push_back(resource_value(input));
  const Json* res = env.resource ? env.resource : input;
  if (res == input) {
    if (!context_.empty()) resource_ptr_ = &context_.front();  // no copy: the common case
  } else if (res) {
    resource_.push_back(resource_value(res));
    resource_ptr_ = &resource_.front();
  }
}

std::string_view Evaluator::keep(std::string s) {
  if (s.size() > kMaxString) fail("string result longer than 16 MiB");
  // FHIRPath strings are Unicode: decode() of binary data or a regex that
  // splits a multi-byte character must not produce invalid UTF-8.
  if (text::invalid_utf8(s) != std::string_view::npos) fail("a computed string is not valid UTF-8");
  arena_bytes_ += s.size();
  if (arena_bytes_ > kMaxArena) fail("computed strings exceed 128 MiB");
  strings_.push_front(std::move(s));
  return strings_.front();
}

const Json* Evaluator::keep_json(Json j) {
  jsons_.push_front(std::move(j));
  return &jsons_.front();
}

const Temporal& Evaluator::now() {
  if (!now_) {
    if (env_.now) {
      auto t = parse_date_time(*env_.now);
      if (!t) fail("Environment::now is not a FHIRPath dateTime: " + *env_.now);
      now_ = *t;
    } else {
      now_ = now_local();
    }
  }
  return *now_;
}

void Evaluator::define(std::string_view name, Coll value) {
  if (variable(name)) fail("variable %" + std::string(name) + " is already defined");
  vars_.emplace_back(name, std::move(value));
}

const Coll* Evaluator::variable(std::string_view name) const {
  for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
    if (it->first == name) return &it->second;
  return nullptr;
}

void Evaluator::check_size(std::size_t n) const {
  if (n > kMaxItems) fail("collection larger than 2,000,000 items");
}

void Evaluator::trace(std::string_view name, Span items) {
  if (env_.trace) {
    env_.trace(name, to_items(items));
    return;
  }
  std::string line = "trace " + std::string(name) + ": [";
  bool first = true;
  for (const Value& v : items) {
    if (!first) line += ", ";
    first = false;
    to_json(to_item(v), true).dump_to(line);
  }
  line += "]\n";
  std::fputs(line.c_str(), stderr);
}

Coll Evaluator::arg(const Node& call, std::size_t i, const Scope& scope) {
  std::size_t mark = vars_.size();
  Coll r = eval(*call.args[i], scope);
  vars_.resize(mark);
  return r;
}

Coll Evaluator::lambda(const Node& expr, const Value& item, std::int64_t index, const Scope& outer,
                       const Coll* total) {
  Scope s{Span(&item, 1), index, total ? total : outer.total};
  std::size_t mark = vars_.size();
  Coll r = eval(expr, s);
  vars_.resize(mark);
  return r;
}

Coll Evaluator::lambda_on(const Node& expr, Span focus, const Scope& outer) {
  Scope s{focus, outer.index, outer.total};
  std::size_t mark = vars_.size();
  Coll r = eval(expr, s);
  vars_.resize(mark);
  return r;
}

Coll Evaluator::eval(const Node& n, const Scope& scope) {
  switch (n.kind) {
    case NodeKind::kLiteral:
      if (n.literal_empty) return {};
      return {n.literal};
    case NodeKind::kThis: {
      Coll out;
      out.append(scope.focus);
      return out;
    }
    case NodeKind::kIndex:
      if (scope.index < 0) return {};
      return {Value::integer(scope.index)};
    case NodeKind::kTotal:
      if (!scope.total) return {};
      return *scope.total;
    case NodeKind::kVariable:
      return eval_variable(n, scope);
    case NodeKind::kMember:
      return eval_member(n, scope);
    case NodeKind::kFunction:
      return eval_function(n, scope);
    case NodeKind::kIndexer: {
      Coll items = n.target ? eval(*n.target, scope) : Coll{};
      Coll idx = eval(*n.right, scope);
      auto i = integer_of(idx, "indexer []");
      if (!i || *i < 0 || static_cast<std::size_t>(*i) >= items.size()) return {};
      return {items[static_cast<std::size_t>(*i)]};
    }
    case NodeKind::kUnary: {
      Coll v = eval(*n.target, scope);
      const Value* x = single(v, n.negate ? "unary -" : "unary +");
      if (!x) return {};
      if (x->kind != VKind::kInteger && x->kind != VKind::kDecimal && !quantity(*x))
        fail("unary " + std::string(n.negate ? "-" : "+") + " needs a number or a quantity, not " +
             std::string(type_name(*x)));
      if (!n.negate) return v;
      if (x->kind == VKind::kInteger) {
        if (x->i == INT64_MIN) return {};
        return {Value::integer(-x->i)};
      }
      if (x->kind == VKind::kDecimal) return {Value::decimal(negate(x->d))};
      auto q = quantity(*x);
      return {Value::quantity(negate(q->value), q->unit)};
    }
    case NodeKind::kBinary:
      return eval_binary(n, scope);
    case NodeKind::kTypeOp: {
      Coll v = eval(*n.target, scope);
      if (n.op == BinOp::kAs && v.size() > 1 && !expr_.options.strict) {
        // R4 search parameters write `(Observation.component.value as
        // Quantity)` over many items: outside strict mode the operator
        // filters like ofType().
        Coll out;
        for (const Value& x : v)
          if (is_of_type(x, n.type, true)) out.push_back(x);
        return out;
      }
      const Value* x = single(v, n.op == BinOp::kIs ? "is" : "as");
      if (!x) return {};
      if (n.op == BinOp::kIs) return {Value::boolean(is_of_type(*x, n.type, false))};
      if (is_of_type(*x, n.type, true)) return {*x};
      return {};
    }
  }
  return {};
}

Coll Evaluator::eval_variable(const Node& n, const Scope&) {
  switch (n.var) {
    case VarKind::kContext:
      return context_;
    case VarKind::kResource:
    case VarKind::kRootResource:
      if (resource_ptr_) return {*resource_ptr_};
      return {};
    case VarKind::kConstant:
      return {n.literal};
    case VarKind::kUser:
      if (const Coll* v = variable(n.name)) return *v;
      fail("variable %" + n.name + " is not defined here");
  }
  return {};
}

Coll Evaluator::eval_member(const Node& n, const Scope& scope) {
  Coll target;
  Span input = scope.focus;
  if (n.target) {
    target = eval(*n.target, scope);
    input = target;
  }
  Coll out;
  for (const Value& item : input) {
    // A leading type name selects the focus items of that type (FHIR R4 §2.3:
    // "Patient.name" on a Patient).
    if (n.type_name && item.is_fhir()) {
      if (derives(item.type, n.type_name)) {
        out.push_back(item);
        continue;
      }
      // No element is named like a type (element names start lower-case).
      if (item.type->is_resource()) continue;
    }
    navigate(item, n, out);
  }
  check_size(out.size());
  return out;
}

Coll Evaluator::eval_function(const Node& n, const Scope& scope) {
  if (!n.target) return n.fn->impl(*this, n, scope.focus, scope);
  Coll input = eval(*n.target, scope);
  return n.fn->impl(*this, n, input, scope);
}

Coll Evaluator::eval_binary(const Node& n, const Scope& scope) {
  switch (n.op) {
    case BinOp::kAnd: {
      // N1 §6.5 three-valued logic; false wins over empty.
      Coll l = eval(*n.target, scope);
      auto a = as_boolean(l, "and");
      if (a && !*a) return {Value::boolean(false)};
      Coll r = eval(*n.right, scope);
      auto b = as_boolean(r, "and");
      if (b && !*b) return {Value::boolean(false)};
      if (a && b) return {Value::boolean(true)};
      return {};
    }
    case BinOp::kOr: {
      Coll l = eval(*n.target, scope);
      auto a = as_boolean(l, "or");
      if (a && *a) return {Value::boolean(true)};
      Coll r = eval(*n.right, scope);
      auto b = as_boolean(r, "or");
      if (b && *b) return {Value::boolean(true)};
      if (a && b) return {Value::boolean(false)};
      return {};
    }
    case BinOp::kXor: {
      Coll l = eval(*n.target, scope);
      Coll r = eval(*n.right, scope);
      auto a = as_boolean(l, "xor");
      auto b = as_boolean(r, "xor");
      if (!a || !b) return {};
      return {Value::boolean(*a != *b)};
    }
    case BinOp::kImplies: {
      Coll l = eval(*n.target, scope);
      auto a = as_boolean(l, "implies");
      if (a && !*a) return {Value::boolean(true)};
      Coll r = eval(*n.right, scope);
      auto b = as_boolean(r, "implies");
      if (b && *b) return {Value::boolean(true)};
      if (a && b) return {Value::boolean(false)};
      return {};
    }
    default:
      break;
  }
  Coll l = eval(*n.target, scope);
  Coll r = eval(*n.right, scope);
  switch (n.op) {
    case BinOp::kUnion: {
      Coll all = std::move(l);
      all.append(r);
      check_size(all.size());
      return distinct(all);
    }
    case BinOp::kEq:
    case BinOp::kNe: {
      if (l.empty() || r.empty()) return {};
      auto e = equal(Span(l), Span(r));
      if (!e) return {};
      return {Value::boolean(n.op == BinOp::kEq ? *e : !*e)};
    }
    case BinOp::kEquiv:
    case BinOp::kNotEquiv: {
      bool e = equivalent(Span(l), Span(r));
      return {Value::boolean(n.op == BinOp::kEquiv ? e : !e)};
    }
    case BinOp::kLt:
    case BinOp::kGt:
    case BinOp::kLe:
    case BinOp::kGe: {
      const Value* a = single(l, "comparison");
      const Value* b = single(r, "comparison");
      if (!a || !b) return {};
      auto c = compare(*a, *b);
      if (!c) return {};
      bool v = n.op == BinOp::kLt   ? *c < 0
               : n.op == BinOp::kGt ? *c > 0
               : n.op == BinOp::kLe ? *c <= 0
                                    : *c >= 0;
      return {Value::boolean(v)};
    }
    case BinOp::kIn:
    case BinOp::kContains: {
      // N1 §6.4: `x in C` / `C contains x`; empty x gives empty.
      Coll& item = n.op == BinOp::kIn ? l : r;
      Coll& coll = n.op == BinOp::kIn ? r : l;
      const Value* v = single(item, n.op == BinOp::kIn ? "in" : "contains");
      if (!v) return {};
      return {Value::boolean(contains(coll, *v))};
    }
    case BinOp::kConcat: {
      // N1 §6.6 "&": empty operands are empty strings.
      const Value* a = single(l, "&");
      const Value* b = single(r, "&");
      std::string s;
      for (const Value* v : {a, b}) {
        if (!v || !v->has_value) continue;
        if (v->kind != VKind::kString) fail("& expects Strings, not " + std::string(type_name(*v)));
        s.append(v->s);
      }
      return {Value::string(keep(std::move(s)))};
    }
    default: {
      const Value* a = single(l, "arithmetic");
      const Value* b = single(r, "arithmetic");
      if (!a || !b) return {};
      return arithmetic(*this, n.op, *a, *b);
    }
  }
}

}  // namespace parcours::fhirpath
