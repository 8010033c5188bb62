// The two lettres de liaison between primary care and hospital (CSP art.
// L.1112-1): the GP's admission letter (R.1112-1-1) and the hospital's
// discharge letter (R.1112-1-2), as Composition documents. A letter is
// checked when it is finalised (status final or amended): every section the
// code requires must be there, with text, entries or an explicit emptyReason
// ("no treatment stopped" is an answer; silence is not). A letter saved as
// preliminary is a draft and may be incomplete.
#pragma once

#include <string_view>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"

namespace parcours::coordination {

enum class LetterKind { None, Admission, Discharge };

// What kind of letter a Composition is, from its type (CodeSystem
// type-lettre-liaison, or LOINC 57133-1 Referral note / 18842-5 Discharge
// summary).
LetterKind letter_kind(const Json& composition);

// The problems of a letter about to be finalised: one Issue per missing
// required section (expression Composition.section), a discharge letter
// without its stay (Composition.encounter) or its signatory. `signatory`
// is the author's Practitioner/PractitionerRole as stored, if any: its
// telecom is the "coordonnées complètes du signataire". Empty: complete.
std::vector<Issue> letter_problems(const Json& composition, LetterKind kind, const Json* signatory);

}  // namespace parcours::coordination
