#include "api/rendering.h"

#include <ctime>

#include "fhir/definitions.h"

namespace parcours::api {

std::string status_line(int status) {
  const char* reason = "";
  switch (status) {
    case 200:
      reason = "OK";
      break;
    case 201:
      reason = "Created";
      break;
    case 204:
      reason = "No Content";
      break;
    case 304:
      reason = "Not Modified";
      break;
    case 400:
      reason = "Bad Request";
      break;
    case 401:
      reason = "Unauthorized";
      break;
    case 403:
      reason = "Forbidden";
      break;
    case 404:
      reason = "Not Found";
      break;
    case 405:
      reason = "Method Not Allowed";
      break;
    case 406:
      reason = "Not Acceptable";
      break;
    case 409:
      reason = "Conflict";
      break;
    case 410:
      reason = "Gone";
      break;
    case 412:
      reason = "Precondition Failed";
      break;
    case 413:
      reason = "Payload Too Large";
      break;
    case 415:
      reason = "Unsupported Media Type";
      break;
    case 422:
      reason = "Unprocessable Entity";
      break;
    case 500:
      reason = "Internal Server Error";
      break;
    case 501:
      reason = "Not Implemented";
      break;
    case 503:
      reason = "Service Unavailable";
      break;
    default:
      break;
  }
  return *reason ? std::to_string(status) + " " + reason : std::to_string(status);
}

std::string http_date(store::Micros t) {
  std::time_t secs = static_cast<std::time_t>(t / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::optional<std::int64_t> parse_http_date(std::string_view text) {
  std::string s(text);
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string weak_etag(std::int64_t version) { return "W/\"" + std::to_string(version) + "\""; }

Result<Summary> parse_summary(std::string_view v) {
  if (v == "false") return Summary::False;
  if (v == "true") return Summary::True;
  if (v == "text") return Summary::Text;
  if (v == "data") return Summary::Data;
  if (v == "count") return Summary::Count;
  return bad_request("Invalid _summary '" + std::string(v) + "': expected true, text, data, count or false",
                     "_summary");
}

namespace {

void mark_subsetted(Json& resource) {
  Json* meta = resource.find("meta");
  if (!meta) meta = &resource.set("meta", Json::object());
  Json* tags = meta->find("tag");
  if (!tags) tags = &meta->set("tag", Json::array());
  Json tag = Json::object();
  tag.set("system", "http://terminology.hl7.org/CodeSystem/v3-ObservationValue");
  tag.set("code", "SUBSETTED");
  tag.set("display", "Resource encoded in summary mode");
  tags->push_back(std::move(tag));
}

template <typename Keep>
void keep_only(Json& resource, const Keep& keep) {
  auto& members = resource.as_object();
  std::erase_if(members, [&](const Json::Member& m) {
    if (m.first == "resourceType" || m.first == "id" || m.first == "meta") return false;
    return !keep(m.first);
  });
}

// The definition of a top-level JSON member: "valueQuantity" resolves to the
// choice element "value"; "_birthDate" (a primitive's extensions) follows
// "birthDate".
const fhir::ElementDef* element_of(const fhir::TypeDef* type, std::string_view key) {
  if (!type) return nullptr;
  if (!key.empty() && key.front() == '_') key.remove_prefix(1);
  return fhir::find_element(*type, key).element;
}

bool is_mandatory(const fhir::TypeDef* type, std::string_view key) {
  const auto* e = element_of(type, key);
  return e && e->min > 0;
}

}  // namespace

void apply_summary(Json& resource, Summary mode) {
  if (mode == Summary::False || !resource.is_object()) return;
  const fhir::TypeDef* type = fhir::find_type(resource.get_string("resourceType"));
  switch (mode) {
    case Summary::Text:
      // text, id, meta and the mandatory top-level elements (R4 §3.1.1.5.7).
      keep_only(resource, [&](const std::string& k) { return k == "text" || is_mandatory(type, k); });
      break;
    case Summary::Data:
      resource.erase("text");
      break;
    case Summary::True:
    case Summary::Count:
      // Elements marked isSummary in the definitions (R4 §3.1.1.5.7).
      keep_only(resource, [&](const std::string& k) {
        const auto* e = element_of(type, k);
        return e && (e->summary() || e->min > 0);
      });
      break;
    case Summary::False:
      break;
  }
  mark_subsetted(resource);
}

void apply_elements(Json& resource, const std::vector<std::string>& elements) {
  if (!resource.is_object()) return;
  const fhir::TypeDef* type = fhir::find_type(resource.get_string("resourceType"));
  keep_only(resource, [&](const std::string& k) {
    const auto* def = element_of(type, k);
    for (const auto& e : elements)
      if (e == k || (def && e == def->name)) return true;
    return is_mandatory(type, k);
  });
  mark_subsetted(resource);
}

}  // namespace parcours::api
