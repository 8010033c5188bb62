// Clinical reference data of the generator: chronic conditions with their
// age-specific prevalence, CIM-10 codes and ALD, drugs (ATC) and the LOINC
// observations the follow-up produces.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "territory/directory.h"

namespace parcours::territory {

enum class Cond : std::uint8_t {
  kHypertension,
  kDiabetes,  // type 2
  kHeartFailure,
  kKidney,  // chronic kidney disease, stages 3 to 5
  kCopd,
  kCancer,    // active cancer
  kDementia,  // Alzheimer's disease and related dementias
  kStroke,    // stroke sequelae
  kParkinson,
  kCount
};
inline constexpr std::size_t kCondCount = static_cast<std::size_t>(Cond::kCount);

// Age bands: 0-19, 20-39, 40-49, 50-59, 60-69, 70-79, 80-89, 90+.
inline constexpr std::size_t kAgeBands = 8;
std::size_t age_band(int age);

struct ConditionSpec {
  std::string_view label;  // French, for narrative text
  std::array<std::int32_t, kAgeBands> per_100k;
  int male_pct;  // sex ratio applied to per_100k
  int female_pct;
  int youngest_onset;  // youngest plausible age at diagnosis
  Profession specialist;
};
const ConditionSpec& condition_spec(Cond c);

// An ALD, affection de longue durée exonérante: the number in the list of
// article D.160-4 of the Code de la sécurité sociale, and its label.
struct Ald {
  int number;
  std::string_view label;
};
Ald ald_for(Cond c);  // number 0: not an ALD (hypertension since 2011)

struct Drug {
  std::string_view atc;
  std::string_view substance;    // French INN, the ATC display
  std::string_view text;         // product as prescribed
  std::string_view dosage;       // dosage instruction in French
  int frequency;                 // intakes per period; 0 = as needed
  std::string_view period_unit;  // UCUM time unit of the period ("d", "wk")
};

enum class DrugId : std::uint8_t {
  kMetformin,
  kGliclazide,
  kSitagliptin,
  kDulaglutide,
  kInsulinGlargine,
  kEmpagliflozin,
  kDapagliflozin,
  kFurosemide,
  kBisoprolol,
  kRamipril,
  kPerindopril,
  kSacubitrilValsartan,
  kSpironolactone,
  kApixaban,
  kAmlodipine,
  kLosartan,
  kIrbesartan,
  kHydrochlorothiazide,
  kAtorvastatin,
  kAspirin,
  kClopidogrel,
  kTiotropium,
  kBudesonideFormoterol,
  kSalbutamol,
  kDonepezil,
  kMemantine,
  kLevodopa,
  kPramipexole,
  kLetrozole,
  kTamoxifen,
  kBicalutamide,
  kCapecitabine,
  kParacetamol,
  kSevelamer,
  kCalciumVitaminD,
  kCount
};
inline constexpr std::size_t kDrugCount = static_cast<std::size_t>(DrugId::kCount);
const Drug& drug(DrugId d);

// LOINC codes used for observations, with the official display and the
// French text shown to users.
struct LabCode {
  std::string_view loinc;
  std::string_view display;
  std::string_view text;
};
namespace loinc {
inline constexpr LabCode kBloodPressure{"85354-9", "Blood pressure panel with all children optional",
                                        "Pression artérielle"};
inline constexpr LabCode kSystolic{"8480-6", "Systolic blood pressure", "Pression artérielle systolique"};
inline constexpr LabCode kDiastolic{"8462-4", "Diastolic blood pressure", "Pression artérielle diastolique"};
inline constexpr LabCode kHeartRate{"8867-4", "Heart rate", "Fréquence cardiaque"};
inline constexpr LabCode kWeight{"29463-7", "Body weight", "Poids"};
inline constexpr LabCode kHeight{"8302-2", "Body height", "Taille"};
inline constexpr LabCode kBmi{"39156-5", "Body mass index (BMI) [Ratio]", "Indice de masse corporelle"};
inline constexpr LabCode kSpo2{"59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry",
                               "Saturation en oxygène (oxymètre de pouls)"};
inline constexpr LabCode kCapillaryGlucose{
    "41653-7", "Glucose [Mass/volume] in Capillary blood by Glucometer", "Glycémie capillaire"};
inline constexpr LabCode kFastingGlucose{"1558-6", "Fasting glucose [Mass/volume] in Serum or Plasma",
                                         "Glycémie à jeun"};
inline constexpr LabCode kHba1c{"4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood",
                                "Hémoglobine glyquée (HbA1c)"};
// µmol/L is a molar concentration, hence 14682-9 rather than the mass-based
// 2160-0 (mg/dL) used in the US.
inline constexpr LabCode kCreatinine{"14682-9", "Creatinine [Moles/volume] in Serum or Plasma",
                                     "Créatininémie"};
inline constexpr LabCode kEgfr{
    "62238-1",
    "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma "
    "or Blood by Creatinine-based formula (CKD-EPI)",
    "Débit de filtration glomérulaire estimé (CKD-EPI)"};
inline constexpr LabCode kPotassium{"2823-3", "Potassium [Moles/volume] in Serum or Plasma", "Kaliémie"};
inline constexpr LabCode kNtProBnp{
    "33762-6", "Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma", "NT-proBNP"};
inline constexpr LabCode kLdl{"13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation",
                              "LDL-cholestérol"};
}  // namespace loinc

// Document types (LOINC), as used by the ANS CI-SIS volumes.
namespace doc {
inline constexpr LabCode kConsultNote{"11488-4", "Consult note", "Compte rendu de consultation"};
inline constexpr LabCode kDischargeLetter{"34133-9", "Summary of episode note",
                                          "Lettre de liaison à la sortie"};
inline constexpr LabCode kPatientSummary{"60591-5", "Patient summary Document", "Volet de synthèse médicale"};
}  // namespace doc

}  // namespace parcours::territory
