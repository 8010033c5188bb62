// Prevalence of chronic conditions by age and sex, CIM-10 / ALD mapping, and
// the drug catalogue.
//
// Prevalence figures are rounded from the Assurance Maladie "cartographie
// des pathologies" (2022), Santé publique France (diabète traité, insuffisance
// cardiaque, maladie rénale chronique), and the Fondation Vaincre Alzheimer /
// France Parkinson estimates; they reproduce the overall shares (treated
// type 2 diabetes ~5.5 %, heart failure ~2 %, Alzheimer and related dementias
// ~1.2 %, Parkinson ~0.3 %...) and their steep rise with age.
#include "territory/clinical.h"

namespace parcours::territory {

std::size_t age_band(int age) {
  if (age < 20) return 0;
  if (age < 40) return 1;
  if (age < 90) return static_cast<std::size_t>(age / 10 - 2);
  return 7;
}

const ConditionSpec& condition_spec(Cond c) {
  //                      0-19  20-39  40-49  50-59  60-69  70-79  80-89    90+
  static const ConditionSpec kSpecs[kCondCount] = {
      {"hypertension artérielle",
       {100, 2500, 9000, 20000, 33000, 45000, 55000, 58000},
       105,
       95,
       25,
       Profession::kCardiologist},
      {"diabète de type 2",
       {40, 600, 2500, 6000, 11500, 16500, 15500, 12000},
       125,
       78,
       25,
       Profession::kEndocrinologist},
      {"insuffisance cardiaque",
       {0, 25, 190, 620, 1900, 5300, 13000, 22000},
       112,
       90,
       35,
       Profession::kCardiologist},
      {"maladie rénale chronique",
       {0, 80, 300, 800, 2200, 5500, 11000, 15000},
       105,
       95,
       30,
       Profession::kNephrologist},
      {"bronchopneumopathie chronique obstructive",
       {0, 100, 800, 2000, 4000, 6000, 6000, 5000},
       130,
       70,
       40,
       Profession::kPulmonologist},
      {"cancer", {40, 150, 800, 1800, 3500, 5000, 5000, 4000}, 105, 95, 18, Profession::kOncologist},
      {"maladie d'Alzheimer ou apparentée",
       {0, 0, 20, 100, 600, 3000, 10000, 22000},
       80,
       120,
       55,
       Profession::kGeriatrician},
      {"séquelles d'accident vasculaire cérébral",
       {5, 50, 250, 500, 1000, 2000, 3300, 4000},
       115,
       85,
       18,
       Profession::kNeurologist},
      {"maladie de Parkinson", {0, 5, 30, 150, 500, 1300, 2200, 2500}, 130, 70, 40, Profession::kNeurologist},
  };
  return kSpecs[static_cast<std::size_t>(c)];
}

Ald ald_for(Cond c) {
  switch (c) {
    case Cond::kHypertension:
      return {0, ""};  // HTA sévère (ALD 12) left the list in 2011
    case Cond::kDiabetes:
      return {8, "Diabète de type 1 et diabète de type 2"};
    case Cond::kHeartFailure:
      return {5,
              "Insuffisance cardiaque grave, troubles du rythme graves, cardiopathies valvulaires graves, "
              "cardiopathies congénitales graves"};
    case Cond::kKidney:
      return {19, "Néphropathie chronique grave et syndrome néphrotique primitif"};
    case Cond::kCopd:
      return {14, "Insuffisance respiratoire chronique grave"};
    case Cond::kCancer:
      return {30, "Tumeur maligne, affection maligne du tissu lymphatique ou hématopoïétique"};
    case Cond::kDementia:
      return {15, "Maladie d'Alzheimer et autres démences"};
    case Cond::kStroke:
      return {1, "Accident vasculaire cérébral invalidant"};
    case Cond::kParkinson:
      return {16, "Maladie de Parkinson"};
    case Cond::kCount:
      break;
  }
  return {0, ""};
}

const Drug& drug(DrugId d) {
  static const Drug kDrugs[kDrugCount] = {
      {"A10BA02", "metformine", "Metformine 1000 mg, comprimé pelliculé",
       "1 comprimé matin et soir au cours des repas", 2, "d"},
      {"A10BB09", "gliclazide", "Gliclazide 60 mg, comprimé à libération modifiée",
       "1 comprimé le matin au cours du petit-déjeuner", 1, "d"},
      {"A10BH01", "sitagliptine", "Sitagliptine 100 mg, comprimé pelliculé", "1 comprimé par jour", 1, "d"},
      {"A10BJ05", "dulaglutide", "Dulaglutide 1,5 mg, solution injectable en stylo prérempli",
       "1 injection sous-cutanée par semaine, toujours le même jour", 1, "wk"},
      {"A10AE04", "insuline glargine",
       "Insuline glargine 100 unités/mL, solution injectable en stylo prérempli",
       "20 unités en injection sous-cutanée le soir, dose à adapter selon l'autosurveillance glycémique", 1,
       "d"},
      {"A10BK03", "empagliflozine", "Empagliflozine 10 mg, comprimé pelliculé", "1 comprimé le matin", 1,
       "d"},
      {"A10BK01", "dapagliflozine", "Dapagliflozine 10 mg, comprimé pelliculé", "1 comprimé le matin", 1,
       "d"},
      {"C03CA01", "furosémide", "Furosémide 40 mg, comprimé sécable",
       "1 comprimé le matin ; en cas de prise de poids de plus de 2 kg en 3 jours, prendre 2 comprimés et "
       "prévenir le médecin traitant",
       1, "d"},
      {"C07AB07", "bisoprolol", "Bisoprolol 2,5 mg, comprimé pelliculé sécable", "1 comprimé le matin", 1,
       "d"},
      {"C09AA05", "ramipril", "Ramipril 5 mg, comprimé sécable", "1 comprimé par jour", 1, "d"},
      {"C09AA04", "périndopril", "Périndopril arginine 5 mg, comprimé pelliculé",
       "1 comprimé le matin avant le repas", 1, "d"},
      {"C09DX04", "valsartan et sacubitril", "Sacubitril/valsartan 49 mg/51 mg, comprimé pelliculé",
       "1 comprimé matin et soir", 2, "d"},
      {"C03DA01", "spironolactone", "Spironolactone 25 mg, comprimé pelliculé", "1 comprimé par jour", 1,
       "d"},
      {"B01AF02", "apixaban", "Apixaban 5 mg, comprimé pelliculé", "1 comprimé matin et soir", 2, "d"},
      {"C08CA01", "amlodipine", "Amlodipine 5 mg, gélule", "1 gélule par jour", 1, "d"},
      {"C09CA01", "losartan", "Losartan 50 mg, comprimé pelliculé", "1 comprimé par jour", 1, "d"},
      {"C09CA04", "irbésartan", "Irbésartan 150 mg, comprimé", "1 comprimé par jour", 1, "d"},
      {"C03AA03", "hydrochlorothiazide", "Hydrochlorothiazide 12,5 mg, gélule", "1 gélule le matin", 1, "d"},
      {"C10AA05", "atorvastatine", "Atorvastatine 20 mg, comprimé pelliculé", "1 comprimé le soir", 1, "d"},
      {"B01AC06", "acide acétylsalicylique",
       "Acide acétylsalicylique 75 mg, poudre pour solution buvable en sachet-dose",
       "1 sachet par jour au cours du repas de midi", 1, "d"},
      {"B01AC04", "clopidogrel", "Clopidogrel 75 mg, comprimé pelliculé", "1 comprimé par jour", 1, "d"},
      {"R03BB04", "tiotropium", "Tiotropium 2,5 microgrammes/dose, solution pour inhalation",
       "2 bouffées une fois par jour, à heure fixe", 1, "d"},
      {"R03AK07", "formotérol et budésonide",
       "Budésonide/formotérol 200/6 microgrammes/dose, poudre pour inhalation",
       "1 inhalation matin et soir, se rincer la bouche après la prise", 2, "d"},
      {"R03AC02", "salbutamol",
       "Salbutamol 100 microgrammes/dose, suspension pour inhalation en flacon pressurisé",
       "1 à 2 bouffées en cas de gêne respiratoire, sans dépasser 8 bouffées par jour", 0, ""},
      {"N06DA02", "donépézil", "Donépézil 10 mg, comprimé pelliculé", "1 comprimé le soir au coucher", 1,
       "d"},
      {"N06DX01", "mémantine", "Mémantine 20 mg, comprimé pelliculé", "1 comprimé par jour", 1, "d"},
      {"N04BA02", "lévodopa et inhibiteur de la décarboxylase", "Lévodopa/bensérazide 100 mg/25 mg, gélule",
       "1 gélule 3 fois par jour, à distance des repas", 3, "d"},
      {"N04BC05", "pramipexole", "Pramipexole 0,18 mg, comprimé", "1 comprimé 3 fois par jour", 3, "d"},
      {"L02BG04", "létrozole", "Létrozole 2,5 mg, comprimé pelliculé", "1 comprimé par jour", 1, "d"},
      {"L02BA01", "tamoxifène", "Tamoxifène 20 mg, comprimé pelliculé", "1 comprimé par jour", 1, "d"},
      {"L02BB03", "bicalutamide", "Bicalutamide 50 mg, comprimé pelliculé", "1 comprimé par jour", 1, "d"},
      {"L01BC06", "capécitabine", "Capécitabine 500 mg, comprimé pelliculé",
       "selon le protocole validé en RCP : 14 jours de traitement matin et soir, puis 7 jours d'arrêt", 2,
       "d"},
      {"N02BE01", "paracétamol", "Paracétamol 1 g, comprimé",
       "1 comprimé en cas de douleur, jusqu'à 3 fois par jour, en respectant 6 heures entre deux prises", 0,
       ""},
      {"V03AE02", "sévélamer", "Sévélamer carbonate 800 mg, comprimé pelliculé",
       "1 comprimé au début de chaque repas", 3, "d"},
      {"A12AX", "calcium, associations avec la vitamine D et/ou d'autres médicaments",
       "Carbonate de calcium/cholécalciférol 1000 mg/800 UI, comprimé à croquer", "1 comprimé par jour", 1,
       "d"},
  };
  return kDrugs[static_cast<std::size_t>(d)];
}

}  // namespace parcours::territory
