// The shipped instruments, one file each. registry.cc lists them.
#pragma once

#include "coordination/assessment/assessment.h"

namespace parcours::coordination {

const Instrument& aggir_instrument();   // aggir.cc   — grille nationale AGGIR → GIR 1–6
const Instrument& zarit_instrument();   // zarit.cc   — Zarit Burden Interview, 22 items
const Instrument& phq9_instrument();    // phq9.cc    — Patient Health Questionnaire-9
const Instrument& mna_sf_instrument();  // mna_sf.cc  — Mini Nutritional Assessment, short form
const Instrument& isar_instrument();    // isar.cc    — Identification of Seniors At Risk
const Instrument& katz_instrument();    // katz.cc    — Katz ADL (index of independence)
const Instrument& lawton_instrument();  // lawton.cc  — Lawton & Brody IADL
const Instrument& fried_instrument();   // fried.cc   — Fried frailty phenotype

}  // namespace parcours::coordination
