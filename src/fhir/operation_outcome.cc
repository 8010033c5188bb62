#include "fhir/operation_outcome.h"

namespace parcours::fhir {

Json operation_outcome(const std::vector<Issue>& issues) {
  Json oo = Json::object();
  oo.set("resourceType", "OperationOutcome");
  Json list = Json::array();
  for (const auto& i : issues) {
    Json issue = Json::object();
    issue.set("severity", i.severity.empty() ? "error" : i.severity);
    issue.set("code", i.code.empty() ? "invalid" : i.code);
    if (!i.diagnostics.empty()) issue.set("diagnostics", i.diagnostics);
    // `expression` is the R4 replacement of the deprecated `location`.
    if (!i.expression.empty()) issue.set("expression", Json::Array{Json(i.expression)});
    list.push_back(std::move(issue));
  }
  if (list.size() == 0) {
    Json issue = Json::object();
    issue.set("severity", "error");
    issue.set("code", "unknown");
    list.push_back(std::move(issue));
  }
  oo.set("issue", std::move(list));
  return oo;
}

Json operation_outcome(const Error& error) { return operation_outcome(error.issues()); }

Json information_outcome(std::string_view diagnostics) {
  return operation_outcome({Issue{"information", "informational", std::string(diagnostics), {}}});
}

}  // namespace parcours::fhir
