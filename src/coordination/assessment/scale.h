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

// The finding of a total read against published bands.
inline Finding total_finding(Coding code, int total, const std::vector<Band>& bands, std::string note) {
  Finding f;
  f.code = std::move(code);
  f.score = total;
  f.interpretation = band_of(bands, total);
  f.note = std::move(note);
  return f;
}

// The frame the scored instruments share: id, canonical URL, title, items,
// and the order of evaluate() — every required answer first, the findings
// only once nothing is missing. An instrument adds what its own rules require
// (more_missing) and computes its findings (score).
class Scale : public Instrument {
 public:
  Scale(std::string id, std::string title, std::vector<ItemDef> items)
      : id_(std::move(id)),
        url_(codes::questionnaire(id_)),
        title_(std::move(title)),
        items_(std::move(items)) {}
  std::string_view id() const override { return id_; }
  std::string_view url() const override { return url_; }
  std::string_view title() const override { return title_; }
  const std::vector<ItemDef>& items() const override { return items_; }

  Assessment evaluate(const ResponseItems& r, std::vector<Issue>&) const override {
    Assessment a = start(*this);
    a.missing = missing_required(r, items_);
    more_missing(r, a.missing);
    a.complete = a.missing.empty();
    if (a.complete) score(r, a);
    return a;
  }

 protected:
  virtual void more_missing(const ResponseItems&, std::vector<std::string>&) const {}
  virtual void score(const ResponseItems& r, Assessment& a) const = 0;

 private:
  std::string id_, url_, title_;
  std::vector<ItemDef> items_;
};

// A scale whose result is the sum of its choice items, read against bands
// (Katz ADL, Zarit).
class SummedScale final : public Scale {
 public:
  SummedScale(std::string id, std::string title, std::vector<ItemDef> items, std::vector<Band> bands,
              Coding code, int maximum)
      : Scale(std::move(id), std::move(title), std::move(items)),
        bands_(std::move(bands)),
        code_(std::move(code)),
        maximum_(maximum) {}

 protected:
  void score(const ResponseItems& r, Assessment& a) const override {
    const int total = sum_of_choices(r, items());
    a.findings.push_back(total_finding(
        code_, total, bands_, "Score " + std::to_string(total) + "/" + std::to_string(maximum_) + "."));
  }

 private:
  std::vector<Band> bands_;
  Coding code_;
  int maximum_;
};

}  // namespace parcours::coordination
