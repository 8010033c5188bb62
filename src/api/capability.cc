#include "api/capability.h"

#include "fhir/definitions.h"

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
  Json security = Json::object();
  security.set("description",
               "Bearer token in the Authorization header (bootstrap administration token; user accounts and "
               "SMART on FHIR arrive with the medical-secrecy work).");
  rest.set("security", std::move(security));

  Json resources = Json::array();
  for (std::string_view type : fhir::resource_types()) {
    Json r = Json::object();
    r.set("type", type);
    r.set("interaction",
          codes({"read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create"},
                "code"));
    r.set("versioning", "versioned-update");
    r.set("readHistory", true);
    r.set("updateCreate", true);
    r.set("conditionalCreate", false);
    r.set("conditionalUpdate", false);
    r.set("conditionalDelete", "not-supported");
    resources.push_back(std::move(r));
  }
  rest.set("resource", std::move(resources));
  rest.set("interaction", codes({"transaction", "batch", "history-system"}, "code"));
  cs.set("rest", Json::Array{std::move(rest)});
  return cs;
}

}  // namespace parcours::api
