// FHIR-specific functions (FHIR R4 §2.3.1 "Additional functions"):
// extension(url), resolve(), hasValue(), getValue(), conformsTo(),
// htmlChecks(); memberOf()/subsumes() need a terminology server and are
// errors.
#include "fhir/reference.h"
#include "fhirpath/evaluator.h"
#include "fhirpath/functions.h"
#include "fhirpath/model.h"
#include "fhirpath/operators.h"
#include "fhirpath/types.h"

namespace parcours::fhirpath {

namespace {

Coll fn_extension(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll a = ev.arg(call, 0, scope);
  auto url = string_of(a, "extension() url");
  if (!url) return {};
  Coll out;
  for (const Value& v : input) {
    Coll exts;
    navigate(v, "extension", exts);
    for (const Value& e : exts)
      if (e.node && e.node->is_object() && e.node->get_string("url") == *url) out.push_back(e);
  }
  return out;
}

Coll fn_has_value(Evaluator&, const Node&, Span input, const Scope&) {
  if (input.size() != 1) return {Value::boolean(false)};
  const Value& v = input[0];
  return {Value::boolean(v.is_primitive() && v.has_value)};
}

Coll fn_get_value(Evaluator&, const Node&, Span input, const Scope&) {
  if (input.size() != 1) return {};
  Value v = input[0];
  if (!v.is_primitive() || !v.has_value) return {};
  if (v.node && v.kind == VKind::kDecimal && v.node->is_number()) {
    if (auto d = Decimal::parse(v.node->number())) v.d = *d;
  }
  v.type = nullptr;
  v.node = nullptr;
  v.ext = nullptr;
  return {v};
}

// "Type/id", "Type/id/_history/v" or an absolute URL ending so: the type
// and id, when Type is an R4 resource type.
bool split_reference(std::string_view ref, std::string_view& type, std::string_view& id) {
  std::size_t hist = ref.find("/_history/");
  if (hist != std::string_view::npos) ref = ref.substr(0, hist);
  std::size_t slash = ref.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= ref.size()) return false;
  id = ref.substr(slash + 1);
  std::string_view head = ref.substr(0, slash);
  std::size_t prev = head.rfind('/');
  type = prev == std::string_view::npos ? head : head.substr(prev + 1);
  return fhir::is_resource_type(type);
}

const Json* in_bundle(const Json* bundle, std::string_view ref) {
  if (!bundle || !bundle->is_object() || bundle->get_string("resourceType") != "Bundle") return nullptr;
  const Json* entries = bundle->find("entry");
  if (!entries || !entries->is_array()) return nullptr;
  std::string_view type, id;
  bool relative = split_reference(ref, type, id);
  for (const Json& e : entries->as_array()) {
    const Json* r = e.find("resource");
    if (!r || !r->is_object()) continue;
    std::string_view full = e.get_string("fullUrl");
    if (!full.empty() && full == ref) return r;
    if (relative && r->get_string("resourceType") == type && r->get_string("id") == id) {
      // A relative reference matches an entry on the same server, or one
      // with no fullUrl (R4 §3.3.1.4.1 "Resolving references in Bundles").
      if (full.empty() || full.size() >= ref.size()) return r;
    }
  }
  return nullptr;
}

Coll fn_resolve(Evaluator& ev, const Node&, Span input, const Scope&) {
  Coll out;
  for (const Value& v : input) {
    std::string_view ref;
    if (v.kind == VKind::kNode && v.node && v.node->is_object())
      ref = v.node->get_string("reference");
    else if (v.kind == VKind::kString && v.has_value)
      ref = v.s;
    if (ref.empty()) continue;
    const Json* target = nullptr;
    if (ref[0] == '#') {
      std::string_view id = ref.substr(1);
      if (id.empty()) {
        target = v.resource;
      } else {
        target = fhir::find_contained(v.resource, id);
        if (!target && ev.resource()) target = fhir::find_contained(ev.resource()->node, id);
      }
    } else {
      if (ev.resource()) target = in_bundle(ev.resource()->node, ref);
      if (!target && ev.env().resolver) target = ev.env().resolver(ref);
      std::string_view type, id;
      if (!target && ev.env().resolve_placeholders && split_reference(ref, type, id)) {
        Json stub = Json::object();
        stub.set("resourceType", Json(type));
        stub.set("id", Json(id));
        target = ev.keep_json(std::move(stub));
      }
    }
    if (target && target->is_object()) out.push_back(resource_value(target));
  }
  return out;
}

constexpr std::string_view kProfileBase = "http://hl7.org/fhir/StructureDefinition/";

// conformsTo(): the core profiles of R4 types are known; any other profile
// needs a validator and is an error.
Coll fn_conforms_to(Evaluator& ev, const Node& call, Span input, const Scope& scope) {
  Coll a = ev.arg(call, 0, scope);
  auto url = string_of(a, "conformsTo() url");
  const Value* v = single(input, "conformsTo()");
  if (!url || !v) return {};
  if (url->substr(0, kProfileBase.size()) != kProfileBase)
    fail("conformsTo(): unknown profile " + std::string(*url));
  std::string_view name = url->substr(kProfileBase.size());
  const fhir::TypeDef* t = fhir::find_type(name);
  if (!t) fail("conformsTo(): unknown profile " + std::string(*url));
  return {Value::boolean(v->is_fhir() && fhir::derives_from(*v->type, name))};
}

Coll fn_html_checks(Evaluator&, const Node&, Span input, const Scope&) {
  if (input.empty()) return {};
  return {Value::boolean(true)};
}

Coll fn_terminology(Evaluator&, const Node& call, Span, const Scope&) {
  fail(call.name + "() needs a terminology service, which this evaluator does not have");
}

constexpr Arg V = Arg::kValue;

const FunctionDef kFunctions[] = {
    {"extension", 1, 1, fn_extension, Returns::kExtension, {V, V, V}},
    {"hasValue", 0, 0, fn_has_value, Returns::kBoolean, {V, V, V}},
    {"getValue", 0, 0, fn_get_value, Returns::kAny, {V, V, V}},
    {"resolve", 0, 0, fn_resolve, Returns::kAny, {V, V, V}},
    {"conformsTo", 1, 1, fn_conforms_to, Returns::kBoolean, {V, V, V}},
    {"htmlChecks", 0, 0, fn_html_checks, Returns::kBoolean, {V, V, V}},
    {"memberOf", 1, 1, fn_terminology, Returns::kBoolean, {V, V, V}},
    {"subsumes", 1, 1, fn_terminology, Returns::kBoolean, {V, V, V}},
    {"subsumedBy", 1, 1, fn_terminology, Returns::kBoolean, {V, V, V}},
};

}  // namespace

std::span<const FunctionDef> fhir_functions() { return kFunctions; }

}  // namespace parcours::fhirpath
