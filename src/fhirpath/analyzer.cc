// The static pass: infers the possible types along each path from the input
// type (or from a leading type name, as in every search parameter:
// "Patient.name"), prepares the element lookups of member nodes for those
// types, and in strict mode reports what the official suite calls semantic
// errors.
#include <algorithm>

#include "fhirpath/expression.h"
#include "fhirpath/functions.h"
#include "fhirpath/lexer.h"

namespace parcours::fhirpath {

namespace {

// The possible types of a collection's items.
struct SType {
  bool any = true;                         // unknown
  std::vector<const fhir::TypeDef*> fhir;  // FHIR types
  std::uint16_t system = 0;                // System kinds (bit per VKind)
  bool unordered = false;                  // from children()/descendants()

  static SType unknown() { return SType{}; }
  static SType none() {
    SType t;
    t.any = false;
    return t;
  }
  static SType of(VKind k) {
    SType t = none();
    t.system = static_cast<std::uint16_t>(1u << static_cast<unsigned>(k));
    return t;
  }
  static SType of(const fhir::TypeDef* td) {
    // An abstract resource (contained, Bundle.entry.resource) may be any.
    if (!td || (td->is_resource() && td->abstract)) return unknown();
    SType t = none();
    t.fhir.push_back(td);
    return t;
  }
  void add(const SType& o) {
    unordered = unordered || o.unordered;
    if (any || o.any) {
      any = true;
      return;
    }
    for (const auto* t : o.fhir)
      if (std::find(fhir.begin(), fhir.end(), t) == fhir.end()) fhir.push_back(t);
    system |= o.system;
  }
  bool may_be_boolean() const {
    if (any) return true;
    if (system & (1u << static_cast<unsigned>(VKind::kBoolean))) return true;
    for (const auto* t : fhir)
      if (t->primitive == fhir::Primitive::kBoolean) return true;
    return fhir.empty() && system == 0;  // empty: nothing to object to
  }
};

class Analyzer {
 public:
  Analyzer(Expression& e, const fhir::TypeDef* root)
      : e_(e), root_(root), strict_(e.options.strict && root) {}

  Status run() {
    SType focus = root_ ? SType::of(root_) : SType::unknown();
    infer(*e_.root, focus);
    if (failed_) return error_;
    return Status::Ok();
  }

 private:
  void fail(const Node& n, const std::string& msg) {
    if (failed_) return;
    failed_ = true;
    error_ = bad_request("FHIRPath error at " + describe_position(e_.text, n.pos) + ": " + msg);
  }

  SType root_type() const { return root_ ? SType::of(root_) : SType::unknown(); }

  SType member(Node& n, const SType& input) {
    SType out = SType::none();
    out.unordered = input.unordered;
    if (input.any) {
      // A leading type name tells the type even when the input is unknown.
      if (n.type_name && !n.target) {
        SType t = SType::of(n.type_name);
        t.unordered = input.unordered;
        return t;
      }
      SType t = SType::unknown();
      t.unordered = input.unordered;
      return t;
    }
    bool found = false;
    for (const fhir::TypeDef* t : input.fhir) {
      if (n.type_name && !n.target && (t == n.type_name || fhir::derives_from(*t, n.type_name->name))) {
        out.add(SType::of(t));
        found = true;
        continue;
      }
      fhir::ElementMatch m = fhir::find_element(*t, n.name);
      bool cached = false;
      for (const auto& c : n.cache) cached = cached || c.type == t;
      if (!cached) n.cache.push_back({t, m});
      if (!m.element) continue;
      found = true;
      if (m.element->choice()) {
        if (n.name.size() != m.element->name.size()) {
          // FHIR R4 §2.3: choice elements are named without their type
          // suffix in FHIRPath (Observation.value, not .valueQuantity).
          if (strict_)
            fail(n, "'" + n.name + "' names a choice element by its type: use '" +
                        std::string(m.element->name) + "' (with ofType() or as() for the type)");
          if (m.type) out.add(SType::of(m.type));
        } else {
          for (fhir::TypeIndex ti : m.element->types) out.add(SType::of(&fhir::type_at(ti)));
        }
      } else if (m.type) {
        out.add(SType::of(m.type));
      }
    }
    if (!found && strict_ && (!input.fhir.empty() || input.system != 0)) {
      std::string on;
      for (const auto* t : input.fhir) on += (on.empty() ? "" : ", ") + std::string(t->name);
      if (on.empty()) on = "a System value";
      if (n.type_name && !n.target)
        fail(n, "'" + n.name + "' is neither the type of the input (" + on + ") nor one of its elements");
      else
        fail(n, "unknown element '" + n.name + "' on " + on);
    }
    return out;
  }

  SType function(Node& n, const SType& focus) {
    SType input = n.target ? infer(*n.target, focus) : focus;
    const FunctionDef& fn = *n.fn;
    if (strict_ && fn.needs_order && input.unordered)
      fail(n,
           n.name +
               "() depends on order, but its input comes from children()/descendants(), which is unordered");
    SType item = input;
    item.unordered = false;
    std::vector<SType> args;
    for (std::size_t i = 0; i < n.args.size(); ++i) {
      Arg mode = i < 3 ? fn.args[i] : Arg::kValue;
      if (mode == Arg::kType || mode == Arg::kName) {
        args.push_back(SType::unknown());
        continue;
      }
      args.push_back(infer(*n.args[i], mode == Arg::kLambda ? item : focus));
    }
    if (n.name == "iif" && strict_ && !args.empty() && !args[0].may_be_boolean())
      fail(*n.args[0], "iif() criterion must be a Boolean");
    SType out;
    switch (fn.returns) {
      case Returns::kSame:
      case Returns::kNumber:
        out = input;
        break;
      case Returns::kBoolean:
        out = SType::of(VKind::kBoolean);
        break;
      case Returns::kInteger:
        out = SType::of(VKind::kInteger);
        break;
      case Returns::kDecimal:
        out = SType::of(VKind::kDecimal);
        break;
      case Returns::kString:
        out = SType::of(VKind::kString);
        break;
      case Returns::kDate:
        out = SType::of(VKind::kDate);
        break;
      case Returns::kDateTime:
        out = SType::of(VKind::kDateTime);
        break;
      case Returns::kTime:
        out = SType::of(VKind::kTime);
        break;
      case Returns::kQuantity:
        out = SType::of(VKind::kQuantity);
        break;
      case Returns::kAny:
        out = SType::unknown();
        break;
      case Returns::kLambda:
        out = args.empty() ? SType::unknown() : args[0];
        out.unordered = input.unordered;
        break;
      case Returns::kTypeArg:
        out = type_of(n.type);
        out.unordered = input.unordered;
        break;
      case Returns::kUnion:
        out = input;
        if (!args.empty()) out.add(args[0]);
        break;
      case Returns::kIif:
        out = args.size() > 1 ? args[1] : SType::unknown();
        if (args.size() > 2) out.add(args[2]);
        break;
      case Returns::kChildren:
        out = SType::unknown();
        out.unordered = true;
        break;
      case Returns::kExtension:
        out = SType::of(fhir::find_type("Extension"));
        break;
    }
    return out;
  }

  static SType type_of(const TypeSpec& t) {
    SType out = SType::none();
    if (t.fhir && t.space != TypeSpec::Space::kSystem) out.add(SType::of(t.fhir));
    if (t.system >= 0 && t.space != TypeSpec::Space::kFhir) out.add(SType::of(static_cast<VKind>(t.system)));
    return out;
  }

  SType infer(Node& n, const SType& focus) {
    if (failed_) return SType::unknown();
    switch (n.kind) {
      case NodeKind::kLiteral:
        return n.literal_empty ? SType::none() : SType::of(n.literal.kind);
      case NodeKind::kThis:
        return focus;
      case NodeKind::kIndex:
        return SType::of(VKind::kInteger);
      case NodeKind::kTotal:
        return SType::unknown();
      case NodeKind::kVariable:
        switch (n.var) {
          case VarKind::kContext:
          case VarKind::kResource:
          case VarKind::kRootResource:
            return root_type();
          case VarKind::kConstant:
            return SType::of(VKind::kString);
          case VarKind::kUser:
            return SType::unknown();
        }
        return SType::unknown();
      case NodeKind::kMember: {
        SType input = n.target ? infer(*n.target, focus) : focus;
        return member(n, input);
      }
      case NodeKind::kFunction:
        return function(n, focus);
      case NodeKind::kIndexer: {
        SType input = infer(*n.target, focus);
        infer(*n.right, focus);
        if (strict_ && input.unordered)
          fail(n, "indexer [] on an unordered collection (from children()/descendants())");
        return input;
      }
      case NodeKind::kUnary:
        return infer(*n.target, focus);
      case NodeKind::kTypeOp: {
        SType input = infer(*n.target, focus);
        if (n.op == BinOp::kIs) return SType::of(VKind::kBoolean);
        SType out = type_of(n.type);
        out.unordered = input.unordered;
        return out;
      }
      case NodeKind::kBinary: {
        SType l = infer(*n.target, focus);
        SType r = infer(*n.right, focus);
        switch (n.op) {
          case BinOp::kUnion:
            l.add(r);
            return l;
          case BinOp::kConcat:
            return SType::of(VKind::kString);
          case BinOp::kAdd:
          case BinOp::kSub:
          case BinOp::kMul:
          case BinOp::kDiv:
          case BinOp::kIntDiv:
          case BinOp::kMod:
            return SType::unknown();
          default:
            return SType::of(VKind::kBoolean);
        }
      }
    }
    return SType::unknown();
  }

  Expression& e_;
  const fhir::TypeDef* root_;
  bool strict_;
  bool failed_ = false;
  Error error_;
};

}  // namespace

Status analyze(Expression& expression) {
  const fhir::TypeDef* root = nullptr;
  if (!expression.input_type.empty()) {
    root = fhir::find_type(expression.input_type);
    if (root && root->is_primitive()) root = nullptr;
  }
  return Analyzer(expression, root).run();
}

}  // namespace parcours::fhirpath
