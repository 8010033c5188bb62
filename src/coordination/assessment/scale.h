// Helpers shared by the instruments whose result is a sum of item scores
// read against published interpretation bands.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coordination/assessment/assessment.h"
#include "coordination/assessment/codes.h"
#include "coordination/assessment/response.h"

namespace parcours::coordination {

struct Band {
  int min;                // inclusive
  int max;                // inclusive
  std::string_view code;  // in codes::kInterpretation
  std::string_view display;
};

inline std::optional<Coding> band_of(const std::vector<Band>& bands, int score) {
  for (const Band& b : bands)
    if (score >= b.min && score <= b.max)
      return Coding{std::string(codes::kInterpretation), std::string(b.code), std::string(b.display)};
  return std::nullopt;
}

inline Coding local_score(std::string_view code, std::string_view display) {
  return Coding{std::string(codes::kScore), std::string(code), std::string(display)};
}

// Empty assessment of `instrument`, to be filled by its evaluate().
inline Assessment start(const Instrument& instrument) {
  Assessment a;
  a.instrument = std::string(instrument.id());
  a.questionnaire = std::string(instrument.url());
  return a;
}

// Sum of the ordinal values of the answered choice items.
inline int sum_of_choices(const ResponseItems& r, const std::vector<ItemDef>& defs) {
  int total = 0;
  for (const ItemDef& d : defs)
    if (d.type == ItemType::kChoice)
      if (auto s = option_score(r, d)) total += *s;
  return total;
}

// A choice item of a scale: answer codes with their ordinal values.
inline ItemDef choice(std::string link_id, std::string_view system, std::vector<OptionDef> options,
                      bool required = true) {
  return ItemDef{std::move(link_id), ItemType::kChoice, required, system, std::move(options)};
}

inline ItemDef yes_no(std::string link_id, bool required = true) {
  return ItemDef{std::move(link_id), ItemType::kBoolean, required, {}, {}};
}

}  // namespace parcours::coordination
