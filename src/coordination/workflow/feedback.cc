#include "coordination/workflow/feedback.h"

#include "coordination/workflow/codes.h"
#include "fhir/values.h"
#include "security/policy.h"

namespace parcours::coordination {

namespace {

using fhir::coding;
using fhir::concept_of;
using fhir::reference;

}  // namespace

Result<std::optional<std::string>> general_practitioner(store::Reader& reader, std::string_view patient) {
  constexpr std::string_view kPrefix = "Patient/";
  if (!patient.starts_with(kPrefix)) return std::optional<std::string>{};
  auto v = reader.read("Patient", patient.substr(kPrefix.size()));
  if (!v) return std::move(v).error();
  if (!*v || (*v)->deleted) return std::optional<std::string>{};
  auto doc = parse_json((*v)->body);
  if (!doc) return internal_error("Stored resource " + std::string(patient) + " is unreadable");
  if (const Json* gps = doc->find("generalPractitioner"); gps && gps->is_array())
    for (const Json& g : gps->as_array()) {
      std::string_view r = g.get_string("reference");
      if (r.starts_with("Practitioner/") || r.starts_with("PractitionerRole/"))
        return std::optional<std::string>{std::string(r)};
    }
  return std::optional<std::string>{};
}

std::string sender_of(const security::RequestContext& ctx) {
  if (!ctx.access) return {};
  for (const auto& p : ctx.access->principals)
    if (p.starts_with("Practitioner/") || p.starts_with("PractitionerRole/")) return p;
  return {};
}

Json feedback_message(const Milestone& milestone, std::string_view patient,
                      const std::vector<std::string>& recipients, std::string_view sender,
                      std::string_view about, std::string_view text, store::Micros now) {
  Json c = Json::object();
  c.set("resourceType", Json("Communication"));
  c.set("status", Json("completed"));
  c.set("category",
        Json(Json::Array{concept_of(
            coding(codes::kMessageCategory, codes::kFeedbackToGp, "Retour au médecin traitant"), "")}));
  c.set("priority", Json("routine"));
  c.set("subject", reference(patient));
  if (!milestone.code.empty())
    c.set("topic",
          concept_of(coding(codes::kMilestone, milestone.code, milestone.display), milestone.display));
  if (!about.empty()) c.set("about", Json(Json::Array{reference(about)}));
  c.set("sent", Json(store::format_instant(now)));
  Json to = Json::array();
  for (const auto& r : recipients) to.push_back(reference(r));
  c.set("recipient", std::move(to));
  if (!sender.empty()) c.set("sender", reference(sender));
  Json part = Json::object();
  part.set("contentString", Json(text));
  c.set("payload", Json(Json::Array{std::move(part)}));
  return c;
}

}  // namespace parcours::coordination
