// Assessment instruments: validation and scoring of QuestionnaireResponses
// (AGGIR, Zarit, PHQ-9, MNA-SF, ISAR, Katz ADL, Lawton IADL, Fried).
//
// Pure computation: no I/O, no store. A caller (the API or a coordination
// workflow) hands over the QuestionnaireResponse JSON; it gets back either the
// list of everything wrong with the answers (an Error, 422) or an Assessment:
// the items still missing for a partial save, and, once every required item
// is answered, the scores that become Observations (observations.h).
//
// Each instrument is one file (aggir.cc, phq9.cc, ...); registry.cc lists
// them. The Questionnaire resources shipped in content/questionnaires/ use the
// same linkIds and answer codes, and a test keeps both in step.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"

namespace parcours::coordination {

class ResponseItems;

struct Coding {
  std::string system;
  std::string code;
  std::string display;
};

// One computed result, destined to become one Observation.
struct Finding {
  Coding code;                  // what was measured (LOINC or local)
  std::string text;             // French label → code.text (defaults to code.display)
  std::optional<int> score;     // numeric result → valueQuantity {score}
  std::optional<Coding> value;  // coded result (e.g. the GIR) → valueCodeableConcept
  std::optional<Coding> interpretation;
  struct Component {
    Coding code;
    std::optional<Coding> value;
    std::optional<int> score;
  };
  std::vector<Component> components;  // e.g. the ten AGGIR variables
  std::string note;                   // plain-French remark for the reader
};

struct Assessment {
  std::string instrument;     // short id, e.g. "phq-9"
  std::string questionnaire;  // canonical Questionnaire.url
  bool complete = false;      // every required item is answered
  // linkIds of required items without an answer, in questionnaire order.
  std::vector<std::string> missing;
  std::vector<Finding> findings;  // empty unless complete
  std::vector<Issue> warnings;    // accepted oddities (severity "warning")
};

// Declarative description of a Questionnaire item, shared by the validator
// and by the test that compares the engine with the shipped Questionnaires.
enum class ItemType { kGroup, kChoice, kBoolean };

struct OptionDef {
  std::string_view code;
  int score;  // ordinal value carried by the answer
};

struct ItemDef {
  std::string link_id;
  ItemType type;
  bool required;
  std::string_view system;         // answer CodeSystem (choice items)
  std::vector<OptionDef> options;  // allowed answers (choice items)
};

class Instrument {
 public:
  virtual ~Instrument() = default;
  virtual std::string_view id() const = 0;
  virtual std::string_view url() const = 0;  // canonical Questionnaire.url
  virtual std::string_view title() const = 0;
  // Every item of the Questionnaire, groups included, in document order.
  virtual const std::vector<ItemDef>& items() const = 0;
  // Reads the answers; records invalid answers in `errors` and missing items
  // in the result; scores only when nothing required is missing.
  virtual Assessment evaluate(const ResponseItems& response, std::vector<Issue>& errors) const = 0;
};

// Questionnaire.version of every shipped instrument.
inline constexpr std::string_view kInstrumentVersion = "1.0.0";

std::span<const Instrument* const> instruments();
// By canonical URL (an optional "|version" suffix is accepted) or short id.
const Instrument* find_instrument(std::string_view url_or_id);

// Validates and scores one QuestionnaireResponse.
//  - Every invalid answer (unknown linkId, wrong type, code outside the
//    answer list, value out of range, several answers to a single item) is an
//    error, whatever the status: the result is an Error (422) listing them all,
//    each with an `expression` such as "QuestionnaireResponse.item[3].answer[0]".
//  - Missing required answers are allowed while status is "in-progress" or
//    "stopped": the Assessment says which (complete = false, no findings).
//    For "completed" and "amended" they are errors ("required").
Result<Assessment> assess(const Json& questionnaire_response);

}  // namespace parcours::coordination
