// The public entry points (fhirpath.h): compile, the compile cache,
// evaluate, and the conversion of internal values to Items and JSON.
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "fhirpath/evaluator.h"
#include "fhirpath/expression.h"
#include "fhirpath/fhirpath.h"
#include "fhirpath/model.h"
#include "fhirpath/types.h"

namespace parcours::fhirpath {

namespace {

constexpr std::size_t kMaxExpression = 64 * 1024;
constexpr std::size_t kMaxCached = 16384;

Kind public_kind(VKind k) {
  switch (k) {
    case VKind::kBoolean:
      return Kind::Boolean;
    case VKind::kInteger:
      return Kind::Integer;
    case VKind::kDecimal:
      return Kind::Decimal;
    case VKind::kString:
      return Kind::String;
    case VKind::kDate:
      return Kind::Date;
    case VKind::kDateTime:
      return Kind::DateTime;
    case VKind::kTime:
      return Kind::Time;
    case VKind::kQuantity:
      return Kind::Quantity;
    case VKind::kNode:
    case VKind::kObject:
      break;
  }
  return Kind::Element;
}

// Fills `it` (built in place in the result vector: Items are large).
void fill_item(Item& it, const Value& v, const Evaluator* ev) {
  it.type.assign(type_name(v));
  bool in_arena = ev && v.node && ev->owns(v.node);
  if (v.is_fhir() && !in_arena) {
    it.kind = Kind::Element;
    it.node = v.node;
    it.extension = v.ext;
    it.definition = v.type;
    return;
  }
  it.kind = public_kind(v.kind);
  switch (v.kind) {
    case VKind::kBoolean:
      it.value = Json(v.b);
      break;
    case VKind::kInteger:
      it.value = Json(v.i);
      break;
    case VKind::kDecimal:
      it.value = Json::number_text(v.d.to_string());
      break;
    case VKind::kString:
    case VKind::kDate:
    case VKind::kDateTime:
    case VKind::kTime:
      it.value = Json(v.s);
      break;
    case VKind::kQuantity:
      it.value = Json::number_text(v.d.to_string());
      it.unit = std::string(v.s);
      break;
    case VKind::kNode:
    case VKind::kObject:
      if (v.node) it.value = *v.node;
      break;
  }
}

}  // namespace

bool Evaluator::owns(const Json* node) const {
  for (const Json& j : jsons_)
    if (&j == node) return true;
  return false;
}

Item to_item(const Value& v) {
  Item it;
  fill_item(it, v, nullptr);
  return it;
}

Collection to_items(Span c) {
  Collection out(c.size());
  for (std::size_t i = 0; i < c.size(); ++i) fill_item(out[i], c[i], nullptr);
  return out;
}

Result<std::shared_ptr<const Expression>> compile(std::string_view text, const CompileOptions& options) {
  if (text.size() > kMaxExpression) return bad_request("FHIRPath expression longer than 64 KiB");
  auto root = parse(text);
  if (!root) return std::move(root).error();
  auto e = std::make_shared<Expression>();
  e->text = std::string(text);
  e->root = std::move(*root);
  e->input_type = std::string(options.input_type);
  e->options = options;
  e->options.input_type = e->input_type;
  Status s = analyze(*e);
  if (!s) return std::move(s).error();
  return std::shared_ptr<const Expression>(std::move(e));
}

Result<std::shared_ptr<const Expression>> compile(std::string_view text) {
  return compile(text, CompileOptions{});
}

Result<std::shared_ptr<const Expression>> compile_cached(std::string_view text) {
  static std::shared_mutex mu;
  static std::unordered_map<std::string, std::shared_ptr<const Expression>> cache;
  std::string key(text);
  {
    std::shared_lock lock(mu);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  auto compiled = compile(text);
  if (!compiled) return compiled;
  std::unique_lock lock(mu);
  if (cache.size() >= kMaxCached) cache.clear();
  auto [it, inserted] = cache.emplace(std::move(key), *compiled);
  return it->second;
}

namespace {

Result<Collection> run(Evaluator& ev, const Expression& expression) {
  try {
    Scope scope{ev.input(), -1, nullptr};
    Coll out = ev.eval(*expression.root, scope);
    Collection items(out.size());
    for (std::size_t i = 0; i < out.size(); ++i) fill_item(items[i], out[i], &ev);
    return items;
  } catch (const EvalError& e) {
    return unprocessable("FHIRPath evaluation error: " + e.message);
  } catch (const std::bad_alloc&) {
    return unprocessable("FHIRPath evaluation error: out of memory");
  }
}

// The internal value of a public Item (the Item's storage backs its views).
std::optional<Value> value_of(const Item& it, const Json* resource) {
  if (it.definition && (it.node || it.extension))
    return typed_value(it.node, it.extension, it.definition, resource);
  if (it.node) {
    Coll c;
    json_values(*it.node, resource, c);
    if (c.empty()) return std::nullopt;
    return c[0];
  }
  const Json& v = it.value;
  switch (it.kind) {
    case Kind::Boolean:
      if (!v.is_bool()) return std::nullopt;
      return Value::boolean(v.as_bool());
    case Kind::Integer: {
      auto i = v.to_int64();
      if (!i) return std::nullopt;
      return Value::integer(*i);
    }
    case Kind::Decimal:
    case Kind::Quantity: {
      auto d = v.is_number() ? Decimal::parse(v.number()) : std::nullopt;
      if (!d) return std::nullopt;
      return it.kind == Kind::Decimal ? Value::decimal(*d) : Value::quantity(*d, it.unit);
    }
    case Kind::String:
      if (!v.is_string()) return std::nullopt;
      return Value::string(v.as_string());
    case Kind::Date:
    case Kind::DateTime:
    case Kind::Time: {
      if (!v.is_string()) return std::nullopt;
      VKind k = it.kind == Kind::Date   ? VKind::kDate
                : it.kind == Kind::Time ? VKind::kTime
                                        : VKind::kDateTime;
      return Value::temporal(k, v.as_string());
    }
    case Kind::Element: {
      if (v.is_null()) return std::nullopt;
      Coll c;
      json_values(v, resource, c);
      if (c.empty()) return std::nullopt;
      return c[0];
    }
  }
  return std::nullopt;
}

}  // namespace

Result<Collection> evaluate(const Expression& expression, const Json* input, const Environment& env) {
  try {
    Evaluator ev(expression, env, input);
    return run(ev, expression);
  } catch (const std::bad_alloc&) {
    return unprocessable("FHIRPath evaluation error: out of memory");
  }
}

Result<Collection> evaluate(const Expression& expression, const Item& input, const Environment& env) {
  auto v = value_of(input, env.resource);
  if (!v) return evaluate(expression, static_cast<const Json*>(nullptr), env);
  try {
    Evaluator ev(expression, env, *v);
    return run(ev, expression);
  } catch (const std::bad_alloc&) {
    return unprocessable("FHIRPath evaluation error: out of memory");
  }
}

Json to_json(const Item& item, bool with_types) {
  Json v;
  switch (item.kind) {
    case Kind::Element:
      if (item.node)
        v = *item.node;
      else if (!item.value.is_null())
        v = item.value;
      else if (item.extension)
        v = *item.extension;
      break;
    case Kind::Quantity:
      v = Json::object();
      v.set("value", item.value);
      v.set("unit", Json(item.unit));
      break;
    default:
      v = item.value;
      break;
  }
  if (!with_types) return v;
  Json out = Json::object();
  out.set("type", Json(item.type));
  out.set("value", std::move(v));
  return out;
}

}  // namespace parcours::fhirpath
