// The PPS as a readable document for the patient and the team (an HTML page
// in French that prints well, or a PDF): who it is for, whether the GP validated it,
// the goals, and each section's interventions with their dates, rhythm and
// the professions involved. Pure: the caller reads the resources (with the
// access policy: a section the reader may not see is left out and said so).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"

namespace parcours::coordination {

struct PpsDocumentInput {
  const Json* patient = nullptr;   // may be null (not readable)
  const Json* plan = nullptr;      // the clinical CarePlan (required)
  std::vector<const Json*> parts;  // the medico-social CarePlan(s) the reader may see
  bool parts_hidden = false;       // a part exists that the reader may not see
  std::vector<const Json*> goals;  // the Goals the plans refer to, readable ones
  std::string generated_at;        // FHIR instant, for the footer
};

// The document, in words: what both renderings show.
struct PpsDocument {
  struct Row {
    std::string what, detail, when, who, status;
  };
  struct Section {
    std::string title;
    std::vector<Row> rows;
    std::string note;  // shown when there is nothing, or nothing readable
  };
  std::string title, patient, status, validation, period, description;
  std::vector<std::string> goals;
  std::vector<Section> sections;  // clinical, then medico-social
  std::string footer;
};

PpsDocument build_pps_document(const PpsDocumentInput& in);

// An HTML page (UTF-8, escaped) and a PDF (A4, Helvetica in WinAnsi, so
// French accents print; characters outside it become '?').
std::string render_pps_html(const PpsDocument& doc);
Result<std::string> render_pps_pdf(const PpsDocument& doc);

}  // namespace parcours::coordination
