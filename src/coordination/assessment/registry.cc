// The list of shipped instruments and the entry point that validates and
// scores a QuestionnaireResponse.
#include <array>

#include "coordination/assessment/assessment.h"
#include "coordination/assessment/instruments.h"
#include "coordination/assessment/response.h"

namespace parcours::coordination {
namespace {

Issue error(std::string code, std::string diagnostics, std::string expression) {
  return Issue{"error", std::move(code), std::move(diagnostics), std::move(expression)};
}

}  // namespace

std::span<const Instrument* const> instruments() {
  static const std::array<const Instrument*, 8> all = {
      &aggir_instrument(), &zarit_instrument(), &phq9_instrument(),   &mna_sf_instrument(),
      &isar_instrument(),  &katz_instrument(),  &lawton_instrument(), &fried_instrument(),
  };
  return all;
}

const Instrument* find_instrument(std::string_view url_or_id) {
  const std::string_view url = url_or_id.substr(0, url_or_id.find('|'));
  for (const Instrument* i : instruments())
    if (i->url() == url || i->id() == url) return i;
  return nullptr;
}

Result<Assessment> assess(const Json& qr) {
  if (!qr.is_object() || qr.get_string("resourceType") != "QuestionnaireResponse")
    return Error(422, "invalid", "Expected a QuestionnaireResponse resource");
  const std::string_view canonical = qr.get_string("questionnaire");
  if (canonical.empty())
    return Error(422, "required", "The response does not say which Questionnaire it answers",
                 "QuestionnaireResponse.questionnaire");
  const Instrument* instrument = find_instrument(canonical);
  if (!instrument) {
    std::string known;
    for (const Instrument* i : instruments()) known += (known.empty() ? "" : ", ") + std::string(i->url());
    return Error(
        422, "not-supported",
        "No scoring is defined for Questionnaire '" + std::string(canonical) + "' (known: " + known + ")",
        "QuestionnaireResponse.questionnaire");
  }
  if (const auto bar = canonical.find('|');
      bar != std::string_view::npos && canonical.substr(bar + 1) != kInstrumentVersion)
    return Error(422, "not-supported",
                 "Questionnaire version '" + std::string(canonical.substr(bar + 1)) +
                     "' is not supported (expected " + std::string(kInstrumentVersion) + ")",
                 "QuestionnaireResponse.questionnaire");

  const std::string_view status = qr.get_string("status");
  const bool final = status == "completed" || status == "amended";
  if (status == "entered-in-error")
    return Error(422, "business-rule", "A response entered in error is not scored",
                 "QuestionnaireResponse.status");
  if (!final && status != "in-progress" && status != "stopped")
    return Error(422, status.empty() ? "required" : "value",
                 "QuestionnaireResponse.status must be in-progress, completed, amended or stopped",
                 "QuestionnaireResponse.status");

  std::vector<Issue> errors;
  ResponseItems items = ResponseItems::read(qr, errors);
  items.validate(instrument->items(), errors);
  Assessment a = instrument->evaluate(items, errors);
  if (final)
    for (const std::string& m : a.missing)
      errors.push_back(error("required",
                             "Item '" + m + "' has no answer, but the response is '" + std::string(status) +
                                 "'; save it as 'in-progress' until it is complete",
                             item_expression(m)));
  if (!errors.empty()) return Error(422, std::move(errors));
  return a;
}

}  // namespace parcours::coordination
