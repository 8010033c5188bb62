#include "api/capability.h"

#include "fhir/definitions.h"
#include "search/registry.h"

namespace parcours::api {
namespace {

Json codes(std::initializer_list<const char*> list, const char* key) {
  Json a = Json::array();
  for (const char* c : list) {
    Json o = Json::object();
    o.set(key, c);
    a.push_back(std::move(o));
  }
  return a;
}

// What search supports (FHIR R4 §3.1.1 and docs/decisions/search.md): every
// parameter of the R4 definitions (and custom SearchParameters once
// reindexed) except _query, with _include / _revinclude on their reference
// parameters.
Json search_param_json(const search::ParamDef& p) {
  static const char* kTypes[] = {"number",    "date",     "string", "token",  "reference",
                                 "composite", "quantity", "uri",    "special"};
  Json j = Json::object();
  j.set("name", p.code);
  if (!p.url.empty()) j.set("definition", p.url);
  j.set("type", kTypes[static_cast<int>(p.kind)]);
  return j;
}

Json resource_capabilities() {
  auto reg = search::Registry::current();
  Json resources = Json::array();
  for (std::string_view type : fhir::resource_types()) {
    Json r = Json::object();
    r.set("type", type);
    r.set("interaction", codes({"read", "vread", "update", "patch", "delete", "history-instance",
                                "history-type", "create", "search-type"},
                               "code"));
    r.set("versioning", "versioned-update");
    r.set("readHistory", true);
    r.set("updateCreate", true);
    r.set("conditionalCreate", true);
    r.set("conditionalUpdate", true);
    r.set("conditionalDelete", "multiple");
    Json includes = Json::array();
    includes.push_back("*");
    Json params = Json::array();
    for (const auto* p : reg->for_type(type)) {
      if (p->code == "_query") continue;
      if (p->kind == fhir::SearchParamType::kReference) includes.push_back(std::string(type) + ":" + p->code);
      params.push_back(search_param_json(*p));
    }
    // _filter (R4 search_filter.html) over the type's own parameters
    // (search/filter.h); listed once per type, with its limits.
    Json filter = Json::object();
    filter.set("name", "_filter");
    filter.set("type", "special");
    filter.set(
        "documentation",
        "and/or/not, parentheses; operators by parameter type: string eq ne co sw ew, token eq ne ss sb "
        "in ni, date eq ne gt lt ge le sa eb ap po, number and quantity eq ne gt lt ge le sa eb ap, "
        "reference eq ne re, uri eq ne sw ss sb, pr on all; chained paths (subject.name) but no [filter] "
        "paths");
    params.push_back(std::move(filter));
    r.set("searchInclude", std::move(includes));
    r.set("searchRevInclude", Json::Array{Json("*")});
    r.set("searchParam", std::move(params));
    auto operation = [&](std::string_view name, std::string_view definition) {
      Json op = Json::object();
      op.set("name", name);
      op.set("definition", definition);
      Json* ops = r.find("operation");
      if (!ops) ops = &r.set("operation", Json::array());
      ops->push_back(std::move(op));
    };
    if (type == "Patient")
      operation("everything", "http://hl7.org/fhir/OperationDefinition/Patient-everything");
    if (type == "Observation")
      operation("lastn", "http://hl7.org/fhir/OperationDefinition/Observation-lastn");
    // Not persisted: returns a transaction Bundle to POST (R5 semantics, see
    // api/coordination_ops.h).
    if (type == "PlanDefinition")
      operation("apply", "http://hl7.org/fhir/OperationDefinition/PlanDefinition-apply");
    if (type == "CarePlan") {
      operation("propose", "https://parcours.example.fr/fhir/OperationDefinition/CarePlan-propose");
      operation("render", "https://parcours.example.fr/fhir/OperationDefinition/CarePlan-render");
    }
    if (type == "Encounter")
      operation("discharge-checklist",
                "https://parcours.example.fr/fhir/OperationDefinition/Encounter-discharge-checklist");
    // A MeasureReport, or CSV with _format=text/csv (api/coordination_ops.h).
    if (type == "Organization")
      operation("activity-report",
                "https://parcours.example.fr/fhir/OperationDefinition/Organization-activity-report");
    // Services by distance, opening time, new patients, language
    // (api/directory_ops.h).
    if (type == "HealthcareService")
      operation("find", "https://parcours.example.fr/fhir/OperationDefinition/HealthcareService-find");
    // Expansion from the CodeSystems and ValueSets stored here (api/terminology_ops.h).
    if (type == "ValueSet") operation("expand", "http://hl7.org/fhir/OperationDefinition/ValueSet-expand");
    resources.push_back(std::move(r));
  }
  return resources;
}

}  // namespace

Json capability_statement(const std::string& base_url, const std::string& software_version) {
  Json cs = Json::object();
  cs.set("resourceType", "CapabilityStatement");
  cs.set("status", "active");
  cs.set("date", "2026-11-26");
  cs.set("publisher", "Parcours");
  cs.set("kind", "instance");
  Json software = Json::object();
  software.set("name", "Parcours");
  software.set("version", software_version);
  cs.set("software", std::move(software));
  Json impl = Json::object();
  impl.set("description", "Parcours territorial care-coordination FHIR server");
  impl.set("url", base_url);
  cs.set("implementation", std::move(impl));
  cs.set("fhirVersion", "4.0.1");
  cs.set("format", Json::Array{Json("application/fhir+json"), Json("json")});
  cs.set("patchFormat", Json::Array{Json("application/json-patch+json")});

  Json rest = Json::object();
  rest.set("mode", "server");
  // SMART App Launch: the OAuth endpoints of the built-in server (/auth).
  std::string auth =
      base_url.ends_with("/fhir") ? base_url.substr(0, base_url.size() - 5) + "/auth" : base_url;
  Json security = Json::object();
  Json oauth = Json::object();
  oauth.set("url", "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
  Json uris = Json::array();
  for (const char* e : {"authorize", "token", "revoke", "introspect"}) {
    Json u = Json::object();
    u.set("url", e);
    u.set("valueUri", auth + "/" + e);
    uris.push_back(std::move(u));
  }
  oauth.set("extension", std::move(uris));
  security.set("extension", Json::Array{std::move(oauth)});
  Json service = Json::object();
  Json coding = Json::object();
  coding.set("system", "http://terminology.hl7.org/CodeSystem/restful-security-service");
  coding.set("code", "SMART-on-FHIR");
  service.set("coding", Json::Array{std::move(coding)});
  security.set("service", Json::Array{std::move(service)});
  security.set(
      "description",
      "OAuth 2.0 bearer tokens from " + auth +
          " (SMART App Launch v2 scopes, authorization code + PKCE, client credentials); the care-team "
          "access policy and the audit apply to every interaction (docs/security.md).");
  rest.set("security", std::move(security));

  rest.set("resource", resource_capabilities());
  rest.set("interaction", codes({"transaction", "batch", "history-system", "search-system"}, "code"));
  // System-wide search (R4 §3.1.1.2): the parameters shared by every type.
  Json system_params = Json::array();
  for (const char* code :
       {"_id", "_lastUpdated", "_tag", "_profile", "_security", "_source", "_text", "_content"}) {
    const auto* p = search::Registry::current()->find("Patient", code);
    if (!p) continue;
    system_params.push_back(search_param_json(*p));
  }
  rest.set("searchParam", std::move(system_params));
  cs.set("rest", Json::Array{std::move(rest)});
  return cs;
}

}  // namespace parcours::api
