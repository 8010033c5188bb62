// Structural validation of R4 JSON resources (R4 §2.6.2 "JSON Representation
// of Resources") against the generated StructureDefinition tables.
//
// One pass over the DOM. Per object, the members are first matched to the
// type's elements (slots in a scratch stack shared by the whole walk), then
// each element is checked once with its value and its "_name" companion, so
// primitive arrays and their extension arrays are checked side by side.
// Paths are kept as a stack of (key, index) views into the document and only
// turned into strings when an issue is reported.
#include "fhir/validator.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "fhir/definitions.h"
#include "fhir/primitives.h"

namespace parcours::fhir {

namespace {

constexpr std::size_t kMaxIssues = 100;

struct Seg {
  std::string_view name;
  std::int32_t index;  // -1 when not an array item
};

// What the JSON object being checked stands for.
enum class Role : std::uint8_t {
  kRoot,       // the resource given to validate_resource
  kContained,  // DomainResource.contained[i]
  kNested,     // Bundle.entry.resource, Parameters.parameter.resource...
};

struct Slot {
  const Json* value = nullptr;  // "name"
  const Json* ext = nullptr;    // "_name"
  std::string_view key;         // JSON key of value
  std::string_view ext_key;     // JSON key of ext
  const TypeDef* type = nullptr;
};

struct Known {
  const TypeDef* extension;
  const TypeDef* reference;
};

const Known& known() {
  static const Known k{find_type("Extension"), find_type("Reference")};
  return k;
}

std::string quoted(std::string_view s) {
  constexpr std::size_t kMax = 80;
  std::string out = "'";
  out.append(s.substr(0, kMax));
  if (s.size() > kMax) out += "...";
  out += "'";
  return out;
}

std::string cardinality(const ElementDef& e) {
  return std::to_string(e.min) + ".." + (e.max < 0 ? std::string("*") : std::to_string(e.max));
}

std::string_view json_kind_name(const Json& v) {
  switch (v.kind()) {
    case Json::Kind::Null:
      return "null";
    case Json::Kind::Bool:
      return "a boolean";
    case Json::Kind::Number:
      return "a number";
    case Json::Kind::String:
      return "a string";
    case Json::Kind::Array:
      return "an array";
    case Json::Kind::Object:
      return "an object";
  }
  return "a value";
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// The reference forms R4 allows in Reference.reference (§2.3.0 "Literal
// references" and §2.36.4 of Bundle): "#id" (or "#" for the container),
// "Type/id", "Type/id/_history/vid", conditional "Type?query" (resolved by
// the server in transactions), urn:uuid:/urn:oid:, and absolute URLs.
// Returns an empty string when valid, else why not.
std::string check_reference(std::string_view ref, std::string_view& relative_type) {
  relative_type = {};
  if (ref.empty()) return "it is empty";
  for (char c : ref)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return "it contains whitespace";
  if (ref[0] == '#') {
    if (ref.size() == 1 || is_valid_id(ref.substr(1))) return {};
    return "'#' must be followed by the id of a contained resource";
  }
  if (starts_with(ref, "urn:uuid:")) return is_valid_uuid(ref) ? "" : "it is not a valid urn:uuid:";
  if (starts_with(ref, "urn:oid:")) return is_valid_oid(ref) ? "" : "it is not a valid urn:oid:";
  // An absolute URI starts with a scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
  // (RFC 3986 §3.1), checked before any '/' or '?'.
  for (std::size_t i = 0; i < ref.size(); ++i) {
    char c = ref[i];
    if (c == ':') {
      if (i > 0) return {};
      break;
    }
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!(alpha || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')))) break;
  }
  std::size_t q = ref.find('?');
  if (q != std::string_view::npos) {
    std::string_view type = ref.substr(0, q);
    if (!is_resource_type(type)) return "'" + std::string(type) + "' is not an R4 resource type";
    if (q + 1 == ref.size()) return "the conditional reference has no search criteria";
    relative_type = type;
    return {};
  }
  std::string_view parts[5];
  std::size_t n = 0, start = 0;
  while (n < 5) {
    std::size_t slash = ref.find('/', start);
    parts[n++] = ref.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
    if (n == 5) return "expected Type/id or Type/id/_history/version";
  }
  if (n != 2 && n != 4)
    return "expected Type/id, Type/id/_history/version, #id, urn:uuid: or an absolute URL";
  if (!is_resource_type(parts[0])) return "'" + std::string(parts[0]) + "' is not an R4 resource type";
  if (!is_valid_id(parts[1])) return "'" + std::string(parts[1]) + "' is not a valid resource id";
  if (n == 4 && (parts[2] != "_history" || !is_valid_id(parts[3])))
    return "expected Type/id/_history/version";
  relative_type = parts[0];
  return {};
}

class Validator {
 public:
  std::vector<Issue> issues;

  Validator() {
    path_.reserve(32);
    slots_.reserve(512);
  }

  void resource(const Json& r, Role role);

 private:
  std::vector<Seg> path_;
  std::vector<Slot> slots_;

  bool full() const { return issues.size() >= kMaxIssues; }

  std::string path() const {
    std::string out;
    for (std::size_t i = 0; i < path_.size(); ++i) {
      if (i) out.push_back('.');
      out.append(path_[i].name);
      if (path_[i].index >= 0) {
        out.push_back('[');
        out += std::to_string(path_[i].index);
        out.push_back(']');
      }
    }
    return out;
  }

  void add(std::string_view code, std::string diagnostics, std::string expression) {
    if (full()) return;
    issues.push_back(Issue{"error", std::string(code), std::move(diagnostics), std::move(expression)});
  }
  // An issue located at the current path.
  void here(std::string_view code, std::string diagnostics) { add(code, std::move(diagnostics), path()); }

  struct Push {
    Push(std::vector<Seg>& p, std::string_view name, std::int32_t index) : path(p) {
      path.push_back({name, index});
    }
    ~Push() { path.pop_back(); }
    Push(const Push&) = delete;
    Push& operator=(const Push&) = delete;
    std::vector<Seg>& path;
  };

  void object(const Json& obj, const TypeDef& type, bool resource_root);
  void element(const ElementDef& e, const Slot& s);
  void single(const ElementDef& e, const TypeDef& type, const Json& v);
  void primitive(const ElementDef& e, const TypeDef& type, const Json& v);
  void primitive_extension(const Json& v, const TypeDef& type);
  void reference(const ElementDef& e, const Json& obj);
  void extension(const Json& obj);
  void contained_rules(const Json& r);
};

void Validator::resource(const Json& r, Role role) {
  if (full()) return;
  auto where = [&] { return path_.empty() ? std::string("the top level") : path(); };
  if (!r.is_object()) {
    here("structure",
         "Expected a resource (a JSON object) at " + where() + ", found " + std::string(json_kind_name(r)));
    return;
  }
  const Json* rt = r.find("resourceType");
  if (!rt) {
    here("required", "Missing 'resourceType' in the resource at " + where());
    return;
  }
  if (!rt->is_string()) {
    here("structure", "'resourceType' at " + where() + " must be a string naming an R4 resource type");
    return;
  }
  const TypeDef* type = find_type(rt->as_string());
  if (!type || !type->is_resource()) {
    here("invalid", "Unknown resource type " + quoted(rt->as_string()) + ": expected an R4 resource type");
    return;
  }
  if (type->abstract) {
    here("invalid", "Resource type '" + std::string(type->name) + "' is abstract and cannot be instantiated");
    return;
  }
  if (role == Role::kRoot) {
    Push p(path_, type->name, -1);
    object(r, *type, true);
  } else {
    object(r, *type, true);
    if (role == Role::kContained) contained_rules(r);
  }
}

// R4 §2.36 "contained": dom-2 (no nested contained), dom-4 (no
// meta.versionId/lastUpdated), dom-5 (no security labels); references to a
// contained resource need its id (§2.3.0.4).
void Validator::contained_rules(const Json& r) {
  if (!r.find("id") && !r.find("_id"))
    here("required",
         "Contained resource at " + path() + " has no 'id': contained resources need one to be referenced");
  if (r.find("contained"))
    add("invalid", "Contained resource at " + path() + " must not itself contain resources (dom-2)",
        path() + ".contained");
  if (const Json* meta = r.find("meta"); meta && meta->is_object()) {
    for (std::string_view k : {"versionId", "lastUpdated"})
      if (meta->find(k))
        add("invalid",
            "Contained resource at " + path() + " must not have meta." + std::string(k) + " (dom-4)",
            path() + ".meta." + std::string(k));
    if (meta->find("security"))
      add("invalid", "Contained resource at " + path() + " must not have security labels (dom-5)",
          path() + ".meta.security");
  }
}

void Validator::object(const Json& obj, const TypeDef& type, bool resource_root) {
  const auto& members = obj.as_object();
  // ele-1: elements have a value or children. A resource with nothing but
  // its resourceType is allowed: every Patient element is optional.
  if (members.empty() && !resource_root) {
    here("structure", "Empty object at " + path() + ": FHIR elements must have content");
    return;
  }
  const std::size_t base = slots_.size();
  const std::size_t n = type.elements.size();
  slots_.resize(base + n);
  for (const auto& [key, value] : members) {
    if (full()) break;
    if (resource_root && key == "resourceType") continue;
    const bool underscore = !key.empty() && key[0] == '_';
    std::string_view name = underscore ? std::string_view(key).substr(1) : std::string_view(key);
    ElementMatch m = find_element(type, name);
    if (!m.element) {
      add("structure", "Unknown element " + quoted(key) + " in " + path(), path() + "." + key);
      continue;
    }
    if (!m.type) {
      std::string allowed;
      for (TypeIndex ti : m.element->types) {
        std::string_view tn = type_at(ti).name;
        if (!allowed.empty()) allowed += ", ";
        allowed += std::string(m.element->name);
        allowed.push_back(static_cast<char>(tn[0] >= 'a' && tn[0] <= 'z' ? tn[0] - 'a' + 'A' : tn[0]));
        allowed.append(tn.substr(1));
      }
      add("structure",
          "Unknown element " + quoted(key) + " in " + path() + ": '" + std::string(m.element->name) +
              "[x]' takes one of " + allowed,
          path() + "." + key);
      continue;
    }
    Slot& s = slots_[base + static_cast<std::size_t>(m.element - type.elements.data())];
    if (m.element->choice() && s.type && s.type != m.type) {
      add("structure",
          "Element '" + std::string(m.element->name) + "[x]' in " + path() + " has more than one type: '" +
              std::string(s.value ? s.key : s.ext_key) + "' and '" + key + "'",
          path() + "." + key);
      continue;
    }
    if (underscore && !m.type->is_primitive()) {
      add("structure",
          "Unknown element " + quoted(key) + " in " + path() +
              ": only primitive elements have '_' properties, and '" + std::string(name) + "' is a " +
              std::string(m.type->name),
          path() + "." + key);
      continue;
    }
    s.type = m.type;
    if (underscore) {
      s.ext = &value;
      s.ext_key = key;
    } else {
      s.value = &value;
      s.key = key;
    }
  }
  for (std::size_t i = 0; i < n && !full(); ++i) {
    const Slot s = slots_[base + i];  // copy: nested objects grow slots_
    const ElementDef& e = type.elements[i];
    if (!s.value && !s.ext) {
      if (e.min > 0) {
        std::string name(e.name);
        if (e.choice()) name += "[x]";
        add("required",
            "Missing required element '" + name + "' in " + path() + " (cardinality " + cardinality(e) + ")",
            path() + "." + std::string(e.name));
      }
      continue;
    }
    element(e, s);
  }
  slots_.resize(base);
  if (&type == known().extension) extension(obj);
}

void Validator::element(const ElementDef& e, const Slot& s) {
  const TypeDef& type = *s.type;
  if (e.max == 0) {  // e.g. xhtml.extension: R4 allows no extensions on the narrative div
    Push p(path_, s.value ? s.key : s.ext_key, -1);
    here("structure", "Element " + quoted(s.value ? s.key : s.ext_key) + " is not allowed at " + path() +
                          " (cardinality 0..0)");
    return;
  }
  if (e.repeats()) {
    const Json* value = s.value;
    const Json* ext = s.ext;
    if (value && !value->is_array()) {
      Push p(path_, s.key, -1);
      here("structure", "Element '" + std::string(s.key) + "' at " + path() +
                            " must be a JSON array (cardinality " + cardinality(e) + "), found " +
                            std::string(json_kind_name(*value)));
      value = nullptr;
    }
    if (ext && !ext->is_array()) {
      Push p(path_, s.ext_key, -1);
      here("structure", "Element '" + std::string(s.ext_key) + "' at " + path() +
                            " must be a JSON array like '" + std::string(s.ext_key.substr(1)) + "', found " +
                            std::string(json_kind_name(*ext)));
      ext = nullptr;
    }
    if (!value && !ext) return;
    std::size_t nv = value ? value->size() : 0, ne = ext ? ext->size() : 0;
    if ((value && nv == 0) || (ext && ne == 0)) {
      std::string_view key = value && nv == 0 ? s.key : s.ext_key;
      Push p(path_, key, -1);
      here("structure", "Empty array at " + path() + ": FHIR elements must have content");
      return;
    }
    if (value && ext && nv != ne) {
      Push p(path_, s.ext_key, -1);
      here("structure", "'" + std::string(s.ext_key) + "' has " + std::to_string(ne) + " items but '" +
                            std::string(s.key) + "' has " + std::to_string(nv) +
                            ": the arrays must line up, with null where one side has no item");
      return;
    }
    std::size_t count = std::max(nv, ne);
    if (e.max >= 0 && count > static_cast<std::size_t>(e.max)) {
      Push p(path_, value ? s.key : s.ext_key, -1);
      here("structure", "Too many items at " + path() + ": " + std::to_string(count) +
                            " given, cardinality " + cardinality(e));
    }
    if (e.min > 0 && count < static_cast<std::size_t>(e.min)) {
      Push p(path_, value ? s.key : s.ext_key, -1);
      here("required", "Too few items at " + path() + ": " + std::to_string(count) + " given, cardinality " +
                           cardinality(e));
    }
    for (std::size_t i = 0; i < count && !full(); ++i) {
      const Json* item = value ? &value->as_array()[i] : nullptr;
      const Json* eitem = ext ? &ext->as_array()[i] : nullptr;
      const bool has_item = item && !item->is_null();
      const bool has_eitem = eitem && !eitem->is_null();
      if (!has_item && !has_eitem) {
        Push p(path_, item ? s.key : s.ext_key, static_cast<std::int32_t>(i));
        bool primitive = type.is_primitive();
        here("structure",
             primitive ? "null at " + path() + " without a matching non-null item in '" +
                             std::string(s.ext_key.empty() ? "_" + std::string(e.name) : s.ext_key) + "'"
                       : "null at " + path() + ": null is only allowed in arrays of primitives");
        continue;
      }
      if (has_item) {
        Push p(path_, s.key, static_cast<std::int32_t>(i));
        single(e, type, *item);
      }
      if (has_eitem) {
        Push p(path_, s.ext_key, static_cast<std::int32_t>(i));
        primitive_extension(*eitem, type);
      }
    }
    return;
  }
  // max 1: a single JSON value, never an array.
  if (s.value) {
    Push p(path_, s.key, -1);
    if (s.value->is_array()) {
      here("structure", "Element '" + std::string(s.key) + "' at " + path() +
                            " must not be an array (cardinality " + cardinality(e) + ")");
    } else if (s.value->is_null()) {
      here("structure", "null at " + path() + ": null is only allowed in arrays of primitives");
    } else {
      single(e, type, *s.value);
    }
  }
  if (s.ext) {
    Push p(path_, s.ext_key, -1);
    if (s.ext->is_array()) {
      here("structure", "Element '" + std::string(s.ext_key) + "' at " + path() +
                            " must not be an array (cardinality " + cardinality(e) + ")");
    } else if (s.ext->is_null()) {
      here("structure", "null at " + path() + ": null is only allowed in arrays of primitives");
    } else {
      primitive_extension(*s.ext, type);
    }
  }
}

// The "_name" object of a primitive (R4 §2.6.2.3): id and extension only.
void Validator::primitive_extension(const Json& v, const TypeDef& type) {
  if (!v.is_object()) {
    here("structure", "Expected a JSON object with 'id' and/or 'extension' at " + path() + ", found " +
                          std::string(json_kind_name(v)));
    return;
  }
  object(v, type, false);  // the primitive type's own elements: id, extension (max 0 on xhtml)
}

void Validator::single(const ElementDef& e, const TypeDef& type, const Json& v) {
  if (type.is_primitive()) {
    primitive(e, type, v);
    return;
  }
  if (type.is_resource()) {  // element of type Resource: contained, Bundle.entry.resource...
    resource(v, e.name == "contained" ? Role::kContained : Role::kNested);
    return;
  }
  if (!v.is_object()) {
    here("structure", "Expected a JSON object (" + std::string(type.name) + ") at " + path() + ", found " +
                          std::string(json_kind_name(v)));
    return;
  }
  object(v, type, false);
  if (&type == known().reference) reference(e, v);
}

void Validator::primitive(const ElementDef& e, const TypeDef& type, const Json& v) {
  if (v.is_object() || v.is_array()) {
    here("structure",
         "Expected a " + std::string(type.name) + " value at " + path() + ", found " +
             std::string(json_kind_name(v)) +
             (v.is_object() ? " (extensions on primitives go in '_" + std::string(path_.back().name) + "')"
                            : std::string()));
    return;
  }
  if (v.is_string() && v.as_string().empty()) {
    here("value",
         "Empty string at " + path() + ": FHIR does not allow empty values; omit the element instead");
    return;
  }
  switch (check_primitive(type.primitive, v)) {
    case PrimitiveCheck::kOk:
      break;
    case PrimitiveCheck::kWrongJsonType: {
      std::string_view form = json_form(type.primitive) == JsonForm::kString   ? "a JSON string"
                              : json_form(type.primitive) == JsonForm::kNumber ? "a JSON number"
                                                                               : "JSON true or false";
      here("value", "Wrong JSON type for " + std::string(type.name) + " at " + path() + ": expected " +
                        std::string(form) + ", found " + std::string(json_kind_name(v)));
      return;
    }
    case PrimitiveCheck::kInvalid: {
      std::string_view text = v.is_string() ? std::string_view(v.as_string()) : std::string_view(v.number());
      here("value", "Invalid " + std::string(type.name) + " " + quoted(text) + " at " + path() +
                        ": expected " + std::string(expected_form(type.primitive)));
      return;
    }
  }
  if (type.primitive == Primitive::kXhtml) {
    // Narrative.div: an XHTML <div> element (R4 §2.15.0.1, txt-1/txt-3).
    std::string_view s = v.as_string();
    std::size_t i = s.find_first_not_of(" \t\r\n");
    if (i == std::string_view::npos || s.substr(i, 4) != "<div") {
      here("value", "Narrative at " + path() + " must be an XHTML <div> element, starting with '<div'");
    }
    return;
  }
  if (!e.required_codes.empty() && v.is_string()) {
    const std::string& code = v.as_string();
    if (!std::binary_search(e.required_codes.begin(), e.required_codes.end(), std::string_view(code))) {
      std::string list;
      std::size_t shown = 0;
      for (std::string_view c : e.required_codes) {
        if (shown == 12) {
          list += ", ...";
          break;
        }
        if (shown++) list += ", ";
        list.append(c);
      }
      here("code-invalid", "Invalid code " + quoted(code) + " at " + path() + ": expected one of " + list +
                               " (required binding to " + std::string(e.value_set) + ")");
    }
  }
}

// Reference.reference format, and for relative references the target type
// allowed by the element's targetProfile.
void Validator::reference(const ElementDef& e, const Json& obj) {
  const Json* ref = obj.find("reference");
  if (!ref || !ref->is_string() || ref->as_string().empty()) return;  // type errors reported already
  std::string_view rtype;
  std::string why = check_reference(ref->as_string(), rtype);
  if (!why.empty()) {
    add("value", "Invalid reference " + quoted(ref->as_string()) + " at " + path() + ".reference: " + why,
        path() + ".reference");
    return;
  }
  if (rtype.empty() || e.targets.empty()) return;
  for (std::string_view t : e.targets)
    if (t == rtype || t == "Resource") return;
  std::string list;
  for (std::string_view t : e.targets) {
    if (!list.empty()) list += ", ";
    list.append(t);
  }
  add("invalid",
      "Reference " + quoted(ref->as_string()) + " at " + path() + ".reference points to a " +
          std::string(rtype) + ", but this element may only refer to " + list,
      path() + ".reference");
}

// ext-1: an extension has either a value[x] or nested extensions, not both.
void Validator::extension(const Json& obj) {
  bool has_value = false, has_nested = false;
  for (const auto& [key, v] : obj.as_object()) {
    (void)v;
    std::string_view k = key;
    if (!k.empty() && k[0] == '_') k.remove_prefix(1);
    if (k.size() > 5 && starts_with(k, "value")) has_value = true;
    if (k == "extension") has_nested = true;
  }
  if (has_value == has_nested)
    here("invalid", has_value
                        ? "Extension at " + path() + " has both a value[x] and nested extensions (ext-1)"
                        : "Extension at " + path() + " has neither a value[x] nor nested extensions (ext-1)");
}

}  // namespace

std::vector<Issue> validate_resource(const Json& resource) {
  Validator v;
  v.resource(resource, Role::kRoot);
  return std::move(v.issues);
}

}  // namespace parcours::fhir
