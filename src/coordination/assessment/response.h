// A QuestionnaireResponse flattened by linkId, with each answer already
// checked against the instrument's item definitions (ItemDef).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "coordination/assessment/assessment.h"
#include "fhir/json.h"

namespace parcours::coordination {

struct AnswerValue {
  enum class Kind { kBoolean, kInteger, kCoding, kOther };
  Kind kind = Kind::kOther;
  std::string key;  // JSON key, e.g. "valueCoding", for messages
  bool boolean = false;
  std::int64_t integer = 0;
  std::string system;
  std::string code;
  std::string path;  // "QuestionnaireResponse.item[2].answer[0]"
};

struct ResponseItem {
  std::string link_id;
  std::string path;  // "QuestionnaireResponse.item[2].item[0]"
  std::vector<AnswerValue> answers;
};

class ResponseItems {
 public:
  // Flattens QuestionnaireResponse.item, nested item and answer.item.
  // Items without a linkId and repeated linkIds are reported in `errors`.
  static ResponseItems read(const Json& questionnaire_response, std::vector<Issue>& errors);

  // Checks every answered item against `defs`: the linkId must be known, a
  // group takes no answer, a single answer per item, of the item's type, and
  // for a choice a code of the item's answer list in the item's CodeSystem.
  // Invalid answers are reported and dropped, so that the instruments only
  // ever read valid ones.
  void validate(const std::vector<ItemDef>& defs, std::vector<Issue>& errors);

  const ResponseItem* find(std::string_view link_id) const;
  // True when the item has (a valid) answer.
  bool answered(std::string_view link_id) const;
  // The code of a choice item's answer.
  std::optional<std::string_view> code(std::string_view link_id) const;
  std::optional<bool> boolean(std::string_view link_id) const;
  const std::vector<ResponseItem>& items() const { return items_; }

 private:
  std::vector<ResponseItem> items_;
};

// FHIRPath locating an item by linkId at any depth, for items with no answer.
std::string item_expression(std::string_view link_id);

// Helpers for instruments made of scored items.
const ItemDef* find_def(const std::vector<ItemDef>& defs, std::string_view link_id);
// Ordinal value of a choice item's answer (nullopt when unanswered).
std::optional<int> option_score(const ResponseItems& r, const ItemDef& def);
// Required, non-group items without an answer, in definition order.
std::vector<std::string> missing_required(const ResponseItems& r, const std::vector<ItemDef>& defs);

}  // namespace parcours::coordination
