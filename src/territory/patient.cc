// One synthetic patient and their care record, over the two years before the
// reference date.
//
// Conventions (documented once here, relied upon by the rest of Parcours):
// - ids: "pat-<7 digits>" and, per patient, "cnd-", "ctm-", "enc-", "obs-",
//   "med-", "doc-" + the same 7 digits + a counter;
// - the INSEE code of a commune is in the FR Core extension
//   fr-core-address-insee-code (valueCoding, TRE_R13-Commune) on Address;
//   the birthplace in the standard patient-birthPlace extension;
// - ALD status is a second Condition.category coding in the Parcours ALD code
//   system (code = ALD number, e.g. "8" for diabetes), absent when the
//   condition is not an exonerating ALD;
// - people are referenced as Practitioner (their PractitionerRole is the
//   directory entry); CareTeam members carry onBehalfOf = their organisation;
// - a heart-failure patient under telemonitoring has a daily home weight
//   series (performer = the Patient, note "télésurveillance"); some series
//   contain a gain of 2 kg or more in 3 days, some stop several days before
//   the reference date (the "no data received" case).
#include "territory/patient.h"

#include <algorithm>
#include <cstdio>

#include "fhir/base64.h"
#include "territory/calendar.h"
#include "territory/generator.h"
#include "territory/reference_data.h"

namespace parcours::territory {
namespace {

// Population of France on 1 January 2024 by five-year age group, thousands
// (INSEE, estimations de population; last group: 100 and over).
constexpr std::uint32_t kPyramid[21] = {3500, 3900, 4150, 4200, 3900, 3750, 4100, 4300, 4250, 4300, 4500,
                                        4450, 4250, 3950, 3750, 3000, 2000, 1400, 700,  220,  30};

// Women per thousand by five-year age group (INSEE 2024, rounded).
int female_per_mille(std::size_t group) {
  if (group < 4) return 488;
  if (group < 12) return 507;
  if (group < 15) return 530;
  if (group < 17) return 575;
  if (group < 19) return 660;
  return 780;
}

constexpr int kFirstBirthYear = 1915;
constexpr int kBirthYears = 2027 - kFirstBirthYear;

std::string pad(std::int64_t n, int width) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(n));
  return buf;
}

// Median heights (cm) of children by completed year of age, boys then girls
// (WHO / AFPA growth curves, rounded).
constexpr int kChildHeight[2][18] = {
    {75, 87, 96, 103, 110, 116, 122, 128, 133, 139, 144, 150, 156, 162, 168, 172, 174, 175},
    {74, 86, 95, 102, 109, 115, 121, 127, 133, 138, 144, 150, 155, 159, 161, 162, 163, 163}};

std::int64_t clamp64(std::int64_t v, std::int64_t lo, std::int64_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

// Weekdays only for consultations: a Sunday moves to Monday.
std::int64_t working_day(std::int64_t day) { return iso_weekday(day) == 6 ? day + 1 : day; }

std::string fr_decimal(int scaled, int decimals) {
  std::string s = decimal(scaled, decimals).number();
  std::replace(s.begin(), s.end(), '.', ',');
  return s;
}

Json blood_pressure_components(int systolic, int diastolic) {
  return array_of(Obj()
                      .add("code", concept_of(kLoinc, loinc::kSystolic.loinc, loinc::kSystolic.display,
                                              loinc::kSystolic.text))
                      .add("valueQuantity", quantity(systolic, 0, "mmHg", "mm[Hg]"))
                      .build(),
                  Obj()
                      .add("code", concept_of(kLoinc, loinc::kDiastolic.loinc, loinc::kDiastolic.display,
                                              loinc::kDiastolic.text))
                      .add("valueQuantity", quantity(diastolic, 0, "mmHg", "mm[Hg]"))
                      .build());
}

// Usual reason of an unplanned stay, per condition.
constexpr std::string_view kStayReason[kCondCount] = {
    "poussée hypertensive",
    "déséquilibre glycémique",
    "décompensation cardiaque",
    "insuffisance rénale aiguë sur maladie rénale chronique",
    "exacerbation de BPCO",
    "traitement du cancer",
    "chute avec syndrome confusionnel",
    "accident ischémique transitoire",
    "chute, adaptation du traitement"};

Json interpretation(std::string_view code, std::string_view display) {
  return array_of(
      concept_of("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", code, display));
}

}  // namespace

PatientGenerator::PatientGenerator(Directory& directory, std::uint64_t seed,
                                   const std::function<void(Json&&)>& emit)
    : dir_(directory), seed_(seed), emit_(emit) {
  ref_day_ = days_from_civil(2026, 11, 1);
  window_start_ = ref_day_ - 730;
  std::uint32_t total = 0;
  for (const Commune& c : communes())
    commune_cumulative_.push_back(total += static_cast<std::uint32_t>(c.population));
  total = 0;
  for (const Birthplace& b : external_birthplaces()) birthplace_cumulative_.push_back(total += b.weight);
  total = 0;
  for (std::uint32_t w : kPyramid) pyramid_cumulative_.push_back(total += w);
  for (std::uint32_t i = 0; i < dir_.pros.size(); ++i)
    by_profession_[static_cast<std::size_t>(dir_.pros[i].profession)].push_back(i);
  const std::size_t places = communes().size() + external_birthplaces().size();
  nir_counters_.assign(2 * 12 * static_cast<std::size_t>(kBirthYears) * places, 0);
}

void PatientGenerator::generate(std::int64_t index) {
  index_ = index;
  Rng rng(seed_, static_cast<std::uint64_t>(index) + 1);
  key_ = pad(index + 1, 7);
  id_ = "pat-" + key_;
  demographics(rng);
  conditions(rng);
  care_team(rng);
  schedule(rng);
  prescriptions(rng);
  emit_patient(rng);
  emit_conditions();
  emit_care_team();
  emit_encounters();
  emit_observations(rng);
  emit_medications();
  emit_documents(rng);
}

// --- Demography ---------------------------------------------------------------

void PatientGenerator::demographics(Rng& rng) {
  const std::size_t group = pick_weighted(rng, pyramid_cumulative_);
  const int years = static_cast<int>(group) * 5 + rng.range(0, 4);
  female_ = rng.below(1000) < static_cast<std::uint64_t>(female_per_mille(group));
  birth_ = days_from_civil(2026 - years, 11, 1) - 1 - static_cast<std::int64_t>(rng.below(365));
  age_ = age_at(birth_, ref_day_);
  commune_ = pick_weighted(rng, commune_cumulative_);
  assign_birthplace_and_nir(rng);

  const int birth_year = civil_from_days(birth_).year;
  family_ = family_name(rng);
  given1_ = given_name(rng, female_, birth_year);
  given2_.clear();
  if (rng.range(1, 100) <= (birth_year < 1975 ? 45 : 25)) {
    std::string_view second = given_name(rng, female_, birth_year);
    if (second != given1_) given2_ = second;
  }
  // Married women often use their spouse's name; the INS keeps the birth name.
  usual_family_.clear();
  if (female_ && age_ >= 25 && rng.range(1, 100) <= 55) {
    std::string_view spouse = family_name(rng);
    if (spouse != family_) usual_family_ = spouse;
  }
}

void PatientGenerator::assign_birthplace_and_nir(Rng& rng) {
  const auto cs = communes();
  const auto ext = external_birthplaces();
  const CivilDate bd = civil_from_days(birth_);
  // Born in the commune of residence, elsewhere in the Nord, or elsewhere.
  const int r = rng.range(1, 100);
  if (r <= 48) {
    birthplace_ = commune_;
  } else if (r <= 78) {
    birthplace_ = pick_weighted(rng, commune_cumulative_);
  } else {
    const std::size_t e = pick_weighted(rng, birthplace_cumulative_);
    birthplace_ = bd.year >= ext[e].min_birth_year ? cs.size() + e : commune_;
  }
  const std::size_t places = cs.size() + ext.size();
  const std::size_t sex = female_ ? 1 : 0;
  std::size_t cell = 0;
  for (std::size_t tries = 0; tries < places; ++tries) {
    cell = ((sex * 12 + static_cast<std::size_t>(bd.month - 1)) * kBirthYears +
            static_cast<std::size_t>(bd.year - kFirstBirthYear)) *
               places +
           birthplace_;
    if (nir_counters_[cell] < 999) break;
    birthplace_ = (birthplace_ + 1) % places;  // this birth register is full: next place
  }
  const std::uint16_t rank = nir_counters_[cell]++;
  // Distinct order numbers within a register: a seeded start, then steps of
  // 11 modulo 999 (11 is coprime with 999 = 27 × 37).
  const std::uint64_t start = mix64(seed_ ^ (cell * 0x9E3779B97F4A7C15ULL)) % 999;
  const std::uint64_t order = 1 + (start + rank * 11ULL) % 999;

  std::string place(birthplace_ < cs.size() ? cs[birthplace_].insee : ext[birthplace_ - cs.size()].insee);
  // Corsica was département 20 until 1976: older NIR keep "20".
  if (place[0] == '2' && (place[1] == 'A' || place[1] == 'B') && bd.year < 1976) place[1] = '0';
  nir_ = std::string(female_ ? "2" : "1") + pad(bd.year % 100, 2) + pad(bd.month, 2) + place +
         pad(static_cast<std::int64_t>(order), 3);
  nir_ += nir_key(nir_);
}

// --- Conditions ---------------------------------------------------------------

void PatientGenerator::conditions(Rng& rng) {
  has_.fill(false);
  ald_.fill(0);
  specialist_.fill(kNone);
  const std::size_t band = age_band(age_);
  auto draw = [&](Cond c, int boost_pct) {
    const ConditionSpec& s = condition_spec(c);
    const std::int64_t p = static_cast<std::int64_t>(s.per_100k[band]) *
                           (female_ ? s.female_pct : s.male_pct) / 100 * boost_pct / 100;
    has_[static_cast<std::size_t>(c)] =
        age_ >= s.youngest_onset - 10 && static_cast<std::int64_t>(rng.below(100000)) < p;
  };
  draw(Cond::kHypertension, 100);
  draw(Cond::kDiabetes, 100);
  // Comorbidity: diabetes and hypertension raise cardiac, renal and
  // cerebrovascular risk (the prevalence table is adjusted for this).
  const int dm = has(Cond::kDiabetes) ? 1 : 0;
  const int hta = has(Cond::kHypertension) ? 1 : 0;
  draw(Cond::kHeartFailure, 100 + 40 * dm + 25 * hta);
  draw(Cond::kKidney, 100 + 100 * dm + 30 * hta);
  draw(Cond::kStroke, 100 + 40 * dm + 30 * hta);
  draw(Cond::kCopd, 100);
  draw(Cond::kCancer, 100);
  draw(Cond::kDementia, 100);
  draw(Cond::kParkinson, 100);

  // Years since diagnosis, bounded by age.
  static constexpr int kMaxYears[kCondCount] = {30, 25, 12, 15, 20, 5, 8, 10, 15};
  for (std::size_t c = 0; c < kCondCount; ++c) {
    if (!has_[c]) continue;
    const int span = std::max(0, age_ - condition_spec(static_cast<Cond>(c)).youngest_onset);
    const int years = rng.range(0, std::min(span, kMaxYears[c]));
    onset_[c] =
        std::max(birth_ + 365, ref_day_ - 30 - years * 365 - static_cast<std::int64_t>(rng.below(330)));
  }
  ckd_stage_ = 0;
  if (has(Cond::kKidney)) {
    const int r = rng.range(1, 100);
    ckd_stage_ = r <= 65 ? 3 : (r <= 90 ? 4 : 5);
  }
  cancer_site_ = rng.range(1, 100);
  alzheimer_ = rng.range(1, 100) <= 65;
  ischemic_stroke_ = rng.range(1, 100) <= 40;
  insulin_ = has(Cond::kDiabetes) && rng.range(1, 100) <= 20;

  // ALD recognition: share of patients with the condition exonerated.
  static constexpr int kAldPct[kCondCount] = {0, 88, 80, 0, 30, 100, 80, 55, 90};
  for (std::size_t c = 0; c < kCondCount; ++c) {
    if (!has_[c]) continue;
    int pct = kAldPct[c];
    if (static_cast<Cond>(c) == Cond::kKidney) pct = ckd_stage_ >= 4 ? 100 : 20;
    if (rng.range(1, 100) <= pct) ald_[c] = ald_for(static_cast<Cond>(c)).number;
  }

  // Anthropometry and baseline values.
  if (age_ < 18) {
    height_cm_ = kChildHeight[female_ ? 1 : 0][age_] + static_cast<int>(rng.normal(0, 5, -12, 12));
    const int bmi_x10 = static_cast<int>(rng.normal(age_ < 2 ? 168 : 175, 20, 130, 280));
    weight_x10_ = bmi_x10 * height_cm_ * height_cm_ / 10000;
  } else {
    const int shrink = age_ > 60 ? (age_ - 60) / 8 : 0;
    height_cm_ = static_cast<int>(rng.normal(female_ ? 163 : 176, female_ ? 6 : 7, 145, 200)) - shrink;
    std::int64_t bmi_x10 = rng.normal(age_ > 50 ? 265 : 250, 42, 170, 420);
    if (has(Cond::kDiabetes)) bmi_x10 += 40;
    if (has(Cond::kHeartFailure)) bmi_x10 += 15;
    if (has(Cond::kDementia) || has(Cond::kCopd)) bmi_x10 -= 15;
    weight_x10_ = static_cast<int>(clamp64(bmi_x10, 160, 480)) * height_cm_ * height_cm_ / 10000;
  }
  systolic_ = static_cast<int>(rng.normal(118 + std::max(0, age_ - 20) * 35 / 100 + 8 * hta, 9, 95, 185));
  diastolic_ = static_cast<int>(
      rng.normal(age_ < 60 ? 72 + std::max(0, age_ - 20) / 5 : 80 - (age_ - 60) / 5, 6, 50, 105));
  heart_rate_ =
      static_cast<int>(has(Cond::kHeartFailure) ? rng.normal(67, 6, 52, 95) : rng.normal(72, 8, 52, 100));
  spo2_ = static_cast<int>(rng.normal(has(Cond::kCopd) ? 93 : 97, 2, 86, 100));
  hba1c_x10_ = static_cast<int>(rng.normal(insulin_ ? 80 : 71, 9, 55, 115));
  if (ckd_stage_ == 3) egfr_ = rng.range(30, 59);
  if (ckd_stage_ == 4) egfr_ = rng.range(15, 29);
  if (ckd_stage_ == 5) egfr_ = rng.range(6, 14);
  if (ckd_stage_ == 0)
    egfr_ =
        static_cast<int>(clamp64(rng.normal(115 - std::max(0, age_ - 25) * 7 / 10, 10, 62, 130), 62, 130));
  ntprobnp_ = rng.range(1, 100) <= 30 ? rng.range(1800, 6000) : rng.range(300, 1800);
  ldl_x100_ =
      static_cast<int>(rng.normal(has(Cond::kDiabetes) || has(Cond::kStroke) ? 105 : 135, 28, 55, 220));
}

std::uint32_t PatientGenerator::pick_near(Rng& rng, Profession p, std::size_t span) {
  const auto& list = dir_.nearest(commune_, p);
  if (list.empty()) return kNone;
  return list[rng.below(std::min(span, list.size()))];
}

std::uint32_t PatientGenerator::pick_any(Rng& rng, Profession p) {
  const auto& list = by_profession_[static_cast<std::size_t>(p)];
  return list.empty() ? kNone : list[rng.below(list.size())];
}

// --- Care team --------------------------------------------------------------

void PatientGenerator::care_team(Rng& rng) {
  members_.clear();
  nurse_ = kNone;
  // Médecin traitant: a GP of the nearest group of GPs with room in their
  // panel (panels are capped at ~1.6 × the average).
  {
    const auto& list = dir_.nearest(commune_, Profession::kGeneralPractitioner);
    std::size_t block = 1;
    while (block < list.size() && dir_.pros[list[block]].commune == dir_.pros[list[0]].commune) ++block;
    const std::size_t start = rng.below(block);
    gp_ = kNone;
    for (std::size_t j = 0; j < list.size() && gp_ == kNone; ++j) {
      const std::uint32_t candidate = j < block ? list[(start + j) % block] : list[j];
      if (dir_.gp_load[candidate] < dir_.gp_capacity) gp_ = candidate;
    }
    if (gp_ == kNone) gp_ = list[start];  // every panel full: cannot happen with the sizing, stay total
    ++dir_.gp_load[gp_];
  }

  int chronic = 0;
  for (std::size_t c = 1; c < kCondCount; ++c) chronic += has_[c] ? 1 : 0;
  complex_ = chronic >= 2 && age_ >= 75;
  telemonitored_ = has(Cond::kHeartFailure) && rng.range(1, 100) <= 60;

  // Nursing-home residents (EHPAD): advanced dementia or great age.
  ehpad_ = kNone;
  if ((age_ >= 80 && has(Cond::kDementia) && rng.range(1, 100) <= 40) ||
      (age_ >= 90 && rng.range(1, 100) <= 20)) {
    const auto& homes = dir_.nearest(commune_, OrgKind::kNursingHome);
    if (!homes.empty()) ehpad_ = homes[rng.below(std::min<std::size_t>(3, homes.size()))];
  }

  // Specialists by condition (share of patients followed by one).
  static constexpr int kSpecialistPct[kCondCount] = {8, 30, 100, 35, 70, 100, 70, 60, 100};
  for (std::size_t c = 0; c < kCondCount; ++c) {
    if (!has_[c]) continue;
    int pct = kSpecialistPct[c];
    if (static_cast<Cond>(c) == Cond::kDiabetes && insulin_) pct = 100;
    if (static_cast<Cond>(c) == Cond::kKidney && ckd_stage_ >= 4) pct = 100;
    if (rng.range(1, 100) <= pct) {
      // Reuse a specialist already seen for another condition.
      const Profession sp = condition_spec(static_cast<Cond>(c)).specialist;
      for (std::size_t o = 0; o < c; ++o)
        if (specialist_[o] != kNone && dir_.pros[specialist_[o]].profession == sp)
          specialist_[c] = specialist_[o];
      if (specialist_[c] == kNone) specialist_[c] = pick_near(rng, sp, 3);
    }
  }
  if (chronic == 0) return;  // hypertension alone: follow-up by the GP, no CareTeam

  std::int64_t since = ref_day_;
  for (std::size_t c = 1; c < kCondCount; ++c)
    if (has_[c]) since = std::min(since, onset_[c]);
  auto add = [&](std::uint32_t pro, std::uint32_t org, std::string_view text, std::int64_t from) {
    for (const Member& m : members_)
      if ((pro != kNone && m.pro == pro) || (pro == kNone && m.pro == kNone && m.org == org)) return;
    members_.push_back({pro, org, text, std::max(from, birth_)});
  };
  add(gp_, dir_.pros[gp_].org, "Médecin traitant", since);
  static constexpr std::string_view kSpecialistText[kCondCount] = {
      "Cardiologue", "Endocrinologue", "Cardiologue", "Néphrologue", "Pneumologue",
      "Oncologue",   "Gériatre",       "Neurologue",  "Neurologue"};
  for (std::size_t c = 0; c < kCondCount; ++c)
    if (specialist_[c] != kNone)
      add(specialist_[c], dir_.pros[specialist_[c]].org, kSpecialistText[c], onset_[c]);
  const bool needs_nurse = age_ >= 80 || insulin_ || has(Cond::kDementia) || has(Cond::kStroke) ||
                           has(Cond::kParkinson) || has(Cond::kHeartFailure) || has(Cond::kCancer);
  nurse_ = kNone;
  if (needs_nurse) {
    nurse_ = pick_near(rng, Profession::kNurse, 4);
    if (nurse_ != kNone)
      add(nurse_, dir_.pros[nurse_].org,
          telemonitored_ ? "Infirmier(ère) de télésurveillance" : "Infirmier(ère)",
          ref_day_ - rng.range(400, 700));
  }
  const std::uint32_t pharmacist = pick_near(rng, Profession::kPharmacist, 4);
  if (pharmacist != kNone) add(pharmacist, dir_.pros[pharmacist].org, "Pharmacien(ne) d'officine", since);
  if (has(Cond::kStroke) || has(Cond::kParkinson) || (has(Cond::kCopd) && rng.range(1, 100) <= 40)) {
    const std::uint32_t physio = pick_near(rng, Profession::kPhysiotherapist, 4);
    if (physio != kNone)
      add(physio, dir_.pros[physio].org, "Masseur-kinésithérapeute", ref_day_ - rng.range(30, 700));
  }
  if (complex_) {
    // DAC: complex situations (several chronic conditions after 75) get a
    // coordinator, or a case manager when dementia is involved (ex-MAIA).
    const std::int64_t from = ref_day_ - rng.range(20, 600);
    const std::uint32_t coordinator =
        pick_any(rng, has(Cond::kDementia) ? Profession::kCaseManager : Profession::kCoordinator);
    if (coordinator != kNone)
      add(coordinator, dir_.dac,
          has(Cond::kDementia) ? "Gestionnaire de cas (DAC)" : "Coordonnateur(trice) de parcours (DAC)",
          from);
    if (rng.range(1, 100) <= 40) {
      const std::uint32_t social = pick_any(rng, Profession::kSocialWorker);
      if (social != kNone) add(social, dir_.dac, "Assistant(e) de service social", from + rng.range(0, 15));
    }
    if (has(Cond::kDementia) && rng.range(1, 100) <= 15) {
      const std::uint32_t psy = pick_any(rng, Profession::kPsychologist);
      if (psy != kNone) add(psy, dir_.dac, "Psychologue (soutien de l'aidant)", from + rng.range(0, 30));
    }
  }
  if (age_ >= 80 && ehpad_ == kNone &&
      (has(Cond::kDementia) || has(Cond::kStroke) || has(Cond::kParkinson)) && rng.range(1, 100) <= 35) {
    const auto& services = dir_.nearest(commune_, OrgKind::kHomeNursing);
    if (!services.empty()) {
      const std::uint32_t ssiad = services[rng.below(std::min<std::size_t>(2, services.size()))];
      add(kNone, ssiad, "Service de soins infirmiers à domicile (SSIAD)", ref_day_ - rng.range(30, 500));
    }
  }
}

// --- Schedule of contacts -------------------------------------------------------

void PatientGenerator::schedule(Rng& rng) {
  visits_.clear();
  lab_days_.clear();
  const bool chronic = !members_.empty();
  const bool home = age_ >= 85 || has(Cond::kDementia) || ehpad_ != kNone;
  // The reason of a follow-up contact: the first chronic condition already
  // diagnosed that day (hypertension last), none before any diagnosis.
  auto reason_on = [&](Visit& v) {
    v.has_reason = false;
    for (std::size_t c : {1, 2, 3, 4, 5, 6, 7, 8, 0}) {
      if (has_[c] && onset_[c] <= v.day) {
        v.reason = static_cast<Cond>(c);
        v.has_reason = true;
        return;
      }
    }
  };
  const bool any_condition = chronic || has(Cond::kHypertension);
  auto gp_visit = [&](std::int64_t day) {
    Visit v{};
    v.day = working_day(day);
    const bool at_home = home && rng.range(1, 100) <= 60;
    v.kind = at_home ? VisitKind::kGpHome : VisitKind::kGp;
    v.minute = 510 + 15 * rng.range(0, 40);
    if (iso_weekday(v.day) == 5 && v.minute > 720) v.minute -= 240;  // Saturday: mornings only
    v.minutes = at_home ? 30 : 20;
    v.pro = gp_;
    v.org = dir_.pros[gp_].org;
    reason_on(v);
    visits_.push_back(v);
  };
  if (any_condition) {
    // Regular follow-up: every 2 to 3 months for chronic conditions (HAS
    // guides parcours de soins), every 3 to 5 months for hypertension alone.
    const int lo = chronic ? 60 : 90, hi = chronic ? 100 : 150;
    for (std::int64_t d = window_start_ + rng.range(0, lo); d < ref_day_ - 1; d += rng.range(lo, hi))
      gp_visit(d);
  } else {
    // Occasional care, about 1.5 GP consultations a year for adults without
    // chronic disease, more for infants (compulsory check-ups) and after 65
    // (DREES, recours aux soins de ville).
    int n = 0;
    if (age_ < 2)
      n = 8;
    else if (age_ < 6)
      n = 5;
    else if (age_ < 18)
      n = rng.range(1, 4);
    else if (age_ < 65)
      n = rng.range(1, 5);
    else
      n = rng.range(3, 8);
    for (int i = 0; i < n; ++i) gp_visit(window_start_ + rng.range(0, 728));
  }

  // Home nursing by the liberal nurse of the care team over the last year
  // (every 3 to 5 weeks: monitoring, injections, pill organisers).
  if (nurse_ != kNone) {
    for (std::int64_t d = ref_day_ - 365 + rng.range(0, 30); d < ref_day_ - 1; d += rng.range(21, 35)) {
      Visit v{};
      v.day = working_day(d);
      v.kind = VisitKind::kNurseHome;
      v.minute = 450 + 15 * rng.range(0, 12);
      v.minutes = 20;
      v.pro = nurse_;
      v.org = dir_.pros[nurse_].org;
      reason_on(v);
      visits_.push_back(v);
    }
  }

  // Specialist consultations, at the specialist's hospital.
  for (std::size_t c = 0; c < kCondCount; ++c) {
    if (specialist_[c] == kNone) continue;
    bool seen = false;
    for (std::size_t o = 0; o < c; ++o) seen = seen || specialist_[o] == specialist_[c];
    if (seen) continue;
    const int n = rng.range(1, 3);
    const std::int64_t from = std::max(window_start_, onset_[c]);
    for (int i = 0; i < n; ++i) {
      Visit v{};
      v.day = working_day(
          from + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(ref_day_ - 10 - from))));
      if (iso_weekday(v.day) == 5) v.day += 2;
      v.kind = VisitKind::kSpecialist;
      v.minute = 540 + 20 * rng.range(0, 24);
      v.minutes = 30;
      v.pro = specialist_[c];
      v.org = dir_.pros[specialist_[c]].org;
      v.reason = static_cast<Cond>(c);
      v.has_reason = true;
      visits_.push_back(v);
    }
  }

  // Hospital stays (probability over two years, by condition).
  static constexpr int kStayPct[kCondCount] = {2, 6, 30, 8, 15, 40, 10, 8, 8};
  for (std::size_t c = 0; c < kCondCount; ++c) {
    if (!has_[c] || rng.range(1, 100) > kStayPct[c]) continue;
    if (static_cast<Cond>(c) == Cond::kKidney && ckd_stage_ < 5 && rng.range(1, 100) <= 50) continue;
    Visit v{};
    v.kind = VisitKind::kStay;
    v.stay_days = static_cast<Cond>(c) == Cond::kHeartFailure ? rng.range(4, 12) : rng.range(2, 9);
    // Not before the diagnosis (a stay may be where it was made).
    const std::int64_t from = std::max(window_start_, onset_[c]);
    const std::int64_t until = ref_day_ - 3 - v.stay_days;
    if (from > until) continue;
    v.day = from + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(until - from + 1)));
    v.minute = 600 + 15 * rng.range(0, 36);
    v.minutes = 0;
    v.pro = specialist_[c];
    std::uint32_t org = v.pro != kNone ? dir_.pros[v.pro].org : kNone;
    if (org == kNone ||
        (dir_.orgs[org].kind != OrgKind::kHospital && dir_.orgs[org].kind != OrgKind::kUniversityHospital &&
         dir_.orgs[org].kind != OrgKind::kClinic)) {
      // One of the two nearest hospitals (CHU or CH).
      std::uint32_t near[4];
      std::size_t n = 0;
      for (OrgKind k : {OrgKind::kUniversityHospital, OrgKind::kHospital})
        for (std::size_t j = 0; j < 2 && j < dir_.nearest(commune_, k).size(); ++j)
          near[n++] = dir_.nearest(commune_, k)[j];
      std::stable_sort(near, near + n, [&](std::uint32_t a, std::uint32_t b) {
        return commune_distance2(commune_, dir_.orgs[a].commune) <
               commune_distance2(commune_, dir_.orgs[b].commune);
      });
      org = near[rng.below(std::min<std::size_t>(2, n))];
      v.pro = kNone;
    }
    v.org = org;
    v.reason = static_cast<Cond>(c);
    v.has_reason = true;
    visits_.push_back(v);
  }

  std::stable_sort(visits_.begin(), visits_.end(), [](const Visit& a, const Visit& b) {
    return a.day != b.day ? a.day < b.day : a.minute < b.minute;
  });
  int counter = 0;
  for (Visit& v : visits_) v.id = next_id("enc-", counter, 3);

  // Blood tests a few days before GP follow-up visits.
  const bool bio = has(Cond::kDiabetes) || has(Cond::kHeartFailure) || has(Cond::kKidney);
  int gp_seen = 0;
  int last_year = 0;
  for (const Visit& v : visits_) {
    if (v.kind != VisitKind::kGp && v.kind != VisitKind::kGpHome) continue;
    const int year = civil_from_days(v.day).year;
    // Every other follow-up visit (3 to 6 months: HbA1c per HAS for type 2
    // diabetes), every visit in CKD stages 4-5, yearly for hypertension.
    const bool due =
        bio ? (ckd_stage_ >= 4 || gp_seen % 2 == 0) : (has(Cond::kHypertension) && year != last_year);
    ++gp_seen;
    if (!due) continue;
    last_year = year;
    std::int64_t d = v.day - rng.range(2, 6);
    if (iso_weekday(d) == 6) --d;
    if (d >= window_start_) lab_days_.push_back(d);
  }
  // A check-up blood test for most adults (glycaemia, lipids, kidney).
  if (!bio && !has(Cond::kHypertension) && age_ >= 18 && rng.range(1, 100) <= (age_ >= 40 ? 80 : 45))
    lab_days_.push_back(working_day(window_start_ + rng.range(0, 700)));
}

// --- Treatments -------------------------------------------------------------

void PatientGenerator::prescriptions(Rng& rng) {
  prescriptions_.clear();
  std::array<bool, kDrugCount> taken{};
  auto give = [&](DrugId d, Cond reason, int pct, std::uint32_t prescriber = kNone) {
    if (taken[static_cast<std::size_t>(d)] || rng.range(1, 100) > pct) return false;
    taken[static_cast<std::size_t>(d)] = true;
    prescriptions_.push_back({d, reason, prescriber == kNone ? gp_ : prescriber});
    return true;
  };
  auto ras_blocker = [&] {
    return taken[static_cast<std::size_t>(DrugId::kRamipril)] ||
           taken[static_cast<std::size_t>(DrugId::kPerindopril)] ||
           taken[static_cast<std::size_t>(DrugId::kLosartan)] ||
           taken[static_cast<std::size_t>(DrugId::kIrbesartan)] ||
           taken[static_cast<std::size_t>(DrugId::kSacubitrilValsartan)];
  };
  const auto spec = [&](Cond c) { return specialist_[static_cast<std::size_t>(c)]; };

  if (has(Cond::kHeartFailure)) {
    const Cond c = Cond::kHeartFailure;
    give(DrugId::kFurosemide, c, 85);
    give(DrugId::kBisoprolol, c, 85);
    if (!give(DrugId::kSacubitrilValsartan, c, 35, spec(c))) give(DrugId::kRamipril, c, 60);
    give(DrugId::kSpironolactone, c, 35);
    give(DrugId::kDapagliflozin, c, 40, spec(c));
    give(DrugId::kApixaban, c, 35);
  }
  if (has(Cond::kDiabetes)) {
    const Cond c = Cond::kDiabetes;
    if (ckd_stage_ < 4) give(DrugId::kMetformin, c, 90);
    give(DrugId::kGliclazide, c, 25);
    if (!give(DrugId::kDulaglutide, c, 15)) give(DrugId::kSitagliptin, c, 15);
    if (insulin_) give(DrugId::kInsulinGlargine, c, 100, spec(c));
    if (!taken[static_cast<std::size_t>(DrugId::kDapagliflozin)]) give(DrugId::kEmpagliflozin, c, 15);
    give(DrugId::kAtorvastatin, c, 60);
  }
  if (has(Cond::kHypertension) && !has(Cond::kHeartFailure)) {
    const Cond c = Cond::kHypertension;
    give(DrugId::kAmlodipine, c, 40);
    if (!ras_blocker()) {
      const int r = rng.range(1, 100);
      give(r <= 45   ? DrugId::kRamipril
           : r <= 65 ? DrugId::kPerindopril
           : r <= 85 ? DrugId::kLosartan
                     : DrugId::kIrbesartan,
           c, 75);
    }
    give(DrugId::kHydrochlorothiazide, c, 25);
  }
  if (has(Cond::kKidney)) {
    const Cond c = Cond::kKidney;
    if (!ras_blocker()) give(DrugId::kRamipril, c, 50);
    if (ckd_stage_ >= 4) give(DrugId::kCalciumVitaminD, c, 40);
    if (ckd_stage_ >= 4) give(DrugId::kSevelamer, c, ckd_stage_ == 5 ? 60 : 25, spec(c));
  }
  if (has(Cond::kCopd)) {
    const Cond c = Cond::kCopd;
    give(DrugId::kTiotropium, c, 70);
    give(DrugId::kBudesonideFormoterol, c, 40);
    give(DrugId::kSalbutamol, c, 90);
  }
  if (has(Cond::kCancer)) {
    const Cond c = Cond::kCancer;
    const std::uint32_t onco = spec(c);
    if (female_ && cancer_site_ <= 55) {
      if (!give(DrugId::kLetrozole, c, 50, onco)) give(DrugId::kTamoxifen, c, 60, onco);
    } else if (!female_ && cancer_site_ <= 45) {
      give(DrugId::kBicalutamide, c, 40, onco);
    } else if (cancer_site_ <= 75) {
      give(DrugId::kCapecitabine, c, 35, onco);
    }
    give(DrugId::kParacetamol, c, 40);
  }
  if (has(Cond::kDementia)) {
    const Cond c = Cond::kDementia;
    if (!give(DrugId::kDonepezil, c, 25, spec(c))) give(DrugId::kMemantine, c, 15, spec(c));
  }
  if (has(Cond::kStroke)) {
    const Cond c = Cond::kStroke;
    if (!taken[static_cast<std::size_t>(DrugId::kApixaban)] && !give(DrugId::kClopidogrel, c, 50))
      give(DrugId::kAspirin, c, 100);
    give(DrugId::kAtorvastatin, c, 80);
  }
  if (has(Cond::kParkinson)) {
    const Cond c = Cond::kParkinson;
    give(DrugId::kLevodopa, c, 90, spec(c));
    give(DrugId::kPramipexole, c, 35, spec(c));
  }
}

// --- Resources --------------------------------------------------------------

std::string PatientGenerator::next_id(std::string_view prefix, int& counter, int width) {
  ++counter;
  std::string id;
  id.reserve(prefix.size() + key_.size() + 1 + static_cast<std::size_t>(width));
  id.append(prefix).append(key_).push_back('-');
  id += pad(counter, width);
  return id;
}

Json PatientGenerator::patient_ref() const {
  return reference("Patient", id_, (given1_ + " " + (usual_family_.empty() ? family_ : usual_family_)));
}

Json PatientGenerator::pro_ref(std::uint32_t pro) const {
  return reference("Practitioner", dir_.pros[pro].id, dir_.pros[pro].display);
}

void PatientGenerator::emit_patient(Rng& rng) {
  const auto cs = communes();
  Obj r;
  r.add("resourceType", "Patient").add("id", id_);

  // Birthplace (an INS trait): the FR Core INSEE-code extension for births
  // in France, the country for births abroad.
  Obj place;
  if (birthplace_ < cs.size()) {
    const Commune& c = cs[birthplace_];
    place.add("extension", array_of(Obj()
                                        .add("url", kFrCoreInseeExtension)
                                        .add("valueCoding", coding(kTreCommune, c.insee, c.name))
                                        .build()));
    place.add("city", c.name).add("country", "FR");
  } else {
    const Birthplace& b = external_birthplaces()[birthplace_ - cs.size()];
    if (b.insee.substr(0, 2) != "99") {
      place.add("extension", array_of(Obj()
                                          .add("url", kFrCoreInseeExtension)
                                          .add("valueCoding", coding(kTreCommune, b.insee, b.name))
                                          .build()));
      place.add("city", b.name);
    } else {
      place.add("text", b.name);
    }
    place.add("country", b.country);
  }
  r.add("extension",
        array_of(Obj().add("url", kBirthPlaceExtension).add("valueAddress", place.build()).build()));

  r.add("identifier",
        array_of(Obj()
                     .add("use", "official")
                     .add("type", concept_of(kFrCoreIdentifierType, "INS-NIR", "NIR définitif"))
                     .add("system", kInsNir)
                     .add("value", nir_)
                     .build(),
                 Obj()
                     .add("use", "usual")
                     .add("type", concept_of(kV2IdentifierType, "PI", "Patient internal identifier"))
                     .add("system", kIppSystem)
                     .add("value", "1" + pad(index_ + 1, 9))
                     .build()));
  r.add("active", true);

  Json given = array_of(Json(given1_));
  if (!given2_.empty()) given.push_back(Json(given2_));
  Json names =
      array_of(Obj().add("use", "official").add("family", family_).add("given", std::move(given)).build());
  if (!usual_family_.empty())
    names.push_back(
        Obj().add("use", "usual").add("family", usual_family_).add("given", array_of(Json(given1_))).build());
  r.add("name", std::move(names));

  if (age_ >= 12) {
    Json telecom = array_of(Obj()
                                .add("system", "phone")
                                .add("value", fiction_mobile(static_cast<std::uint32_t>(rng.below(10000))))
                                .add("use", "mobile")
                                .build());
    if (age_ >= 18 && age_ < 80 && rng.range(1, 100) <= 55) {
      const std::string email = ascii_slug(given1_) + "." +
                                ascii_slug(usual_family_.empty() ? family_ : usual_family_) +
                                std::to_string(rng.range(1, 99)) + "@example.com";
      telecom.push_back(Obj().add("system", "email").add("value", email).add("use", "home").build());
    }
    r.add("telecom", std::move(telecom));
  }
  r.add("gender", female_ ? "female" : "male");
  r.add("birthDate", fhir_date(birth_));

  // Home address, or the nursing home for EHPAD residents.
  const bool in_home = ehpad_ != kNone;
  const Commune& c = cs[in_home ? dir_.orgs[ehpad_].commune : commune_];
  Json lines;
  if (in_home) {
    lines = array_of(Json(dir_.orgs[ehpad_].name), Json(dir_.orgs[ehpad_].address_line));
  } else {
    std::string line = std::to_string(rng.range(1, 240)) + " ";
    line += rng.pick(street_names());
    lines = array_of(Json(std::move(line)));
  }
  r.add("address",
        array_of(Obj()
                     .add("extension", array_of(Obj()
                                                    .add("url", kFrCoreInseeExtension)
                                                    .add("valueCoding", coding(kTreCommune, c.insee, c.name))
                                                    .build()))
                     .add("use", "home")
                     .add("type", "physical")
                     .add("line", std::move(lines))
                     .add("city", c.name)
                     .add("postalCode", c.postal_code)
                     .add("country", "FR")
                     .build()));

  // A family carer (aidant) for the oldest and for people with dementia.
  if ((age_ >= 80 && rng.range(1, 100) <= 60) || has(Cond::kDementia)) {
    const bool child = age_ >= 70 && rng.range(1, 100) <= 70;
    const std::string& household = female_ && !usual_family_.empty() ? usual_family_ : family_;
    const bool carer_female = rng.range(1, 100) <= 65;
    const int carer_birth_year =
        civil_from_days(birth_).year + (child ? rng.range(22, 35) : rng.range(-4, 4));
    std::string_view relation =
        child ? (carer_female ? "Fille, aidante principale" : "Fils, aidant principal")
              : (female_ ? "Conjoint, aidant principal" : "Conjointe, aidante principale");
    r.add(
        "contact",
        array_of(
            Obj()
                .add("relationship", array_of(concept_of(kV2Relationship, "N", "Next-of-Kin", relation)))
                .add("name",
                     Obj()
                         .add("use", "official")
                         .add("family", child && carer_female ? std::string(family_name(rng)) : household)
                         .add("given", array_of(Json(given_name(rng, carer_female, carer_birth_year))))
                         .build())
                .add("telecom",
                     array_of(Obj()
                                  .add("system", "phone")
                                  .add("value", fiction_mobile(static_cast<std::uint32_t>(rng.below(10000))))
                                  .add("use", "mobile")
                                  .build()))
                .build()));
  }
  r.add("generalPractitioner", array_of(pro_ref(gp_)));
  emit_(r.build());
}

void PatientGenerator::emit_conditions() {
  int counter = 0;
  for (std::size_t i = 0; i < kCondCount; ++i) {
    if (!has_[i]) continue;
    const Cond c = static_cast<Cond>(i);
    std::string_view code, display;
    switch (c) {
      case Cond::kHypertension:
        code = "I10";
        display = "Hypertension essentielle (primitive)";
        break;
      case Cond::kDiabetes:
        if (has(Cond::kKidney)) {
          code = "E11.2";
          display = "Diabète sucré de type 2, avec complications rénales";
        } else {
          code = "E11.9";
          display = "Diabète sucré de type 2, sans complication";
        }
        break;
      case Cond::kHeartFailure:
        code = "I50.9";
        display = "Insuffisance cardiaque, sans précision";
        break;
      case Cond::kKidney:
        code = ckd_stage_ == 3 ? "N18.3" : ckd_stage_ == 4 ? "N18.4" : "N18.5";
        display = ckd_stage_ == 3   ? "Maladie rénale chronique, stade 3"
                  : ckd_stage_ == 4 ? "Maladie rénale chronique, stade 4"
                                    : "Maladie rénale chronique, stade 5";
        break;
      case Cond::kCopd:
        code = "J44.9";
        display = "Maladie pulmonaire obstructive chronique, sans précision";
        break;
      case Cond::kCancer:
        if (female_ && cancer_site_ <= 55) {
          code = "C50.9";
          display = "Tumeur maligne du sein, sans précision";
        } else if (!female_ && cancer_site_ <= 45) {
          code = "C61";
          display = "Tumeur maligne de la prostate";
        } else if (cancer_site_ <= 75) {
          code = "C18.9";
          display = "Tumeur maligne du côlon, sans précision";
        } else if (cancer_site_ <= 92) {
          code = "C34.9";
          display = "Tumeur maligne des bronches ou du poumon, sans précision";
        } else {
          code = "C67.9";
          display = "Tumeur maligne de la vessie, sans précision";
        }
        break;
      case Cond::kDementia:
        if (alzheimer_) {
          code = "G30.9";
          display = "Maladie d'Alzheimer, sans précision";
        } else {
          code = "F03";
          display = "Démence, sans précision";
        }
        break;
      case Cond::kStroke:
        if (ischemic_stroke_) {
          code = "I69.3";
          display = "Séquelles d'infarctus cérébral";
        } else {
          code = "I69.4";
          display =
              "Séquelles d'accident vasculaire cérébral, non précisé comme étant hémorragique ou par "
              "infarctus";
        }
        break;
      case Cond::kParkinson:
        code = "G20";
        display = "Maladie de Parkinson";
        break;
      case Cond::kCount:
        break;
    }
    condition_ids_[i] = next_id("cnd-", counter, 1);
    Obj r;
    r.add("resourceType", "Condition").add("id", condition_ids_[i]);
    r.add("clinicalStatus", concept_of(kConditionClinical, "active", "Active"));
    r.add("verificationStatus", concept_of(kConditionVerification, "confirmed", "Confirmed"));
    Json category = array_of(concept_of(kConditionCategory, "problem-list-item", "Problem List Item"));
    if (ald_[i] != 0) {
      const Ald a = ald_for(c);
      category.push_back(
          concept_of(kAldSystem, std::to_string(a.number), a.label, "ALD " + std::to_string(a.number)));
    }
    r.add("category", std::move(category));
    r.add("code", concept_of(kIcd10, code, display, condition_spec(c).label));
    r.add("subject", patient_ref());
    r.add("onsetDateTime", fhir_date(onset_[i]));
    r.add("recordedDate", fhir_date(std::max(onset_[i], window_start_)));
    r.add("recorder", pro_ref(specialist_[i] != kNone ? specialist_[i] : gp_));
    emit_(r.build());
  }
}

void PatientGenerator::emit_care_team() {
  if (members_.empty()) return;
  const std::string name = given1_ + " " + (usual_family_.empty() ? family_ : usual_family_);
  Obj r;
  r.add("resourceType", "CareTeam").add("id", "ctm-" + key_);
  r.add("status", "active");
  r.add("category",
        array_of(concept_of(kLoinc, "LA28865-6", "Longitudinal care-coordination focused care team",
                            "Équipe de soins (coordination du parcours)")));
  r.add("name", "Équipe de soins de " + name);
  r.add("subject", patient_ref());
  std::int64_t since = ref_day_;
  for (const Member& m : members_) since = std::min(since, m.since);
  r.add("period", Obj().add("start", fhir_date(since)).build());
  Json participants = Json::array();
  for (const Member& m : members_) {
    Obj p;
    if (m.pro != kNone) {
      const ProfessionCodes& codes = profession_codes(dir_.pros[m.pro].profession);
      p.add("role", array_of(concept_of(codes.system, codes.code, codes.display, m.role_text)));
      p.add("member", pro_ref(m.pro));
    } else {
      p.add("role", array_of(text_concept(m.role_text)));
      p.add("member", reference("Organization", dir_.orgs[m.org].id, dir_.orgs[m.org].name));
    }
    p.add("onBehalfOf", reference("Organization", dir_.orgs[m.org].id, dir_.orgs[m.org].name));
    p.add("period", Obj().add("start", fhir_date(m.since)).build());
    participants.push_back(p.build());
  }
  r.add("participant", std::move(participants));
  Json reasons = Json::array();
  for (std::size_t c = 0; c < kCondCount; ++c)
    if (has_[c]) reasons.push_back(reference("Condition", condition_ids_[c]));
  r.add("reasonReference", std::move(reasons));
  const std::uint32_t manager = complex_ ? dir_.dac : dir_.pros[gp_].org;
  r.add("managingOrganization",
        array_of(reference("Organization", dir_.orgs[manager].id, dir_.orgs[manager].name)));
  emit_(r.build());
}

void PatientGenerator::emit_encounters() {
  for (const Visit& v : visits_) {
    const Organisation& org = dir_.orgs[v.org];
    Obj r;
    r.add("resourceType", "Encounter").add("id", v.id);
    r.add("status", "finished");
    std::string_view type_text;
    switch (v.kind) {
      case VisitKind::kGp:
        r.add("class", coding(kActCode, "AMB", "ambulatory"));
        type_text = "Consultation de médecine générale";
        break;
      case VisitKind::kGpHome:
        r.add("class", coding(kActCode, "HH", "home health"));
        type_text = "Visite à domicile du médecin traitant";
        break;
      case VisitKind::kSpecialist:
        r.add("class", coding(kActCode, "AMB", "ambulatory"));
        type_text = "Consultation spécialisée";
        break;
      case VisitKind::kStay:
        r.add("class", coding(kActCode, "IMP", "inpatient encounter"));
        type_text = "Hospitalisation complète";
        break;
      case VisitKind::kNurseHome:
        r.add("class", coding(kActCode, "HH", "home health"));
        type_text = "Soins infirmiers à domicile";
        break;
    }
    r.add("type", array_of(text_concept(type_text)));
    if (v.pro != kNone) {
      const ProfessionCodes& codes = profession_codes(dir_.pros[v.pro].profession);
      if (!codes.specialty.empty())
        r.add("serviceType", concept_of(kTreSpecialite, codes.specialty, codes.specialty_display));
    }
    r.add("subject", patient_ref());
    if (v.pro != kNone)
      r.add("participant",
            array_of(Obj()
                         .add("type", array_of(concept_of(kParticipationType, "PPRF", "primary performer")))
                         .add("individual", pro_ref(v.pro))
                         .build()));
    if (v.kind == VisitKind::kStay) {
      const int discharge_minute = 660 + 15 * static_cast<int>((v.day * 7 + v.minute) % 20);
      r.add("period", Obj()
                          .add("start", fhir_datetime(v.day, v.minute))
                          .add("end", fhir_datetime(v.day + v.stay_days, discharge_minute))
                          .build());
      r.add("length", quantity(v.stay_days, 0, "jours", "d"));
    } else {
      r.add("period", Obj()
                          .add("start", fhir_datetime(v.day, v.minute))
                          .add("end", fhir_datetime(v.day, v.minute + v.minutes))
                          .build());
    }
    if (v.has_reason)
      r.add("reasonReference",
            array_of(reference("Condition", condition_ids_[static_cast<std::size_t>(v.reason)])));
    if (v.kind == VisitKind::kStay)
      r.add("hospitalization", Obj()
                                   .add("dischargeDisposition", concept_of(kDischargeDisposition, "home",
                                                                           "Home", "Retour à domicile"))
                                   .build());
    if (v.kind != VisitKind::kGpHome && v.kind != VisitKind::kNurseHome)
      r.add("location",
            array_of(Obj().add("location", reference("Location", org.location_id, org.name)).build()));
    r.add("serviceProvider", reference("Organization", org.id, org.name));
    emit_(r.build());
  }
}

Obj PatientGenerator::observation(std::string_view category, const LabCode& code, std::int64_t day,
                                  int minute, const Visit* visit, Json performer) {
  Obj r;
  r.add("resourceType", "Observation").add("id", next_id("obs-", obs_counter_, 4));
  r.add("status", "final");
  const bool vital = category == "vital-signs";
  r.add("category",
        array_of(concept_of(kObservationCategory, category, vital ? "Vital Signs" : "Laboratory")));
  r.add("code", concept_of(kLoinc, code.loinc, code.display, code.text));
  r.add("subject", patient_ref());
  if (visit != nullptr) r.add("encounter", reference("Encounter", visit->id));
  r.add("effectiveDateTime", fhir_datetime(day, minute));
  r.add("performer", array_of(std::move(performer)));
  return r;
}

void PatientGenerator::emit_observations(Rng& rng) {
  obs_counter_ = 0;
  const std::int64_t h2 = static_cast<std::int64_t>(height_cm_) * height_cm_;
  bool height_done = false;
  for (const Visit& v : visits_) {
    if (v.kind == VisitKind::kStay) continue;
    const int minute = v.minute + 5;
    if (v.kind == VisitKind::kNurseHome) {
      if (age_ >= 75 || has(Cond::kHeartFailure)) {
        const int s = static_cast<int>(rng.normal(systolic_, 7, 85, 220));
        const int d = static_cast<int>(clamp64(rng.normal(diastolic_, 5, 45, 125), 45, s - 20));
        Obj o = observation("vital-signs", loinc::kBloodPressure, v.day, minute, &v, pro_ref(v.pro));
        o.add("component", blood_pressure_components(s, d));
        emit_(o.build());
      }
      if (insulin_) {
        // Capillary glucose before the injection, in g/L as French meters show.
        const int g = static_cast<int>(rng.normal(hba1c_x10_ * 2 - 20, 25, 60, 330));
        Obj o = observation("laboratory", loinc::kCapillaryGlucose, v.day, minute, &v, pro_ref(v.pro));
        o.add("valueQuantity", quantity(g, 2, "g/L", "g/L"));
        emit_(o.build());
      }
      continue;
    }
    const bool gp = v.kind != VisitKind::kSpecialist;
    const Profession sp = dir_.pros[v.pro].profession;
    const bool bp = (gp && age_ >= 18) || sp == Profession::kCardiologist || sp == Profession::kNephrologist;
    const bool weight = gp || sp == Profession::kCardiologist || sp == Profession::kNephrologist ||
                        sp == Profession::kEndocrinologist || sp == Profession::kOncologist;
    if (bp) {
      const int s = static_cast<int>(rng.normal(systolic_, 7, 85, 220));
      const int d = static_cast<int>(clamp64(rng.normal(diastolic_, 5, 45, 125), 45, s - 20));
      Obj o = observation("vital-signs", loinc::kBloodPressure, v.day, minute, &v, pro_ref(v.pro));
      o.add("component", blood_pressure_components(s, d));
      emit_(o.build());
      Obj hr = observation("vital-signs", loinc::kHeartRate, v.day, minute, &v, pro_ref(v.pro));
      hr.add("valueQuantity", quantity(rng.normal(heart_rate_, 4, 40, 140), 0, "battements/min", "/min"));
      emit_(hr.build());
    }
    if (gp && (age_ < 18 || !height_done)) {
      Obj o = observation("vital-signs", loinc::kHeight, v.day, minute, &v, pro_ref(v.pro));
      o.add("valueQuantity", quantity(height_cm_, 0, "cm", "cm"));
      emit_(o.build());
      height_done = true;
    }
    if (weight) {
      const int w = static_cast<int>(rng.normal(weight_x10_, age_ < 18 ? 3 : 8, 20, 3000));
      Obj o = observation("vital-signs", loinc::kWeight, v.day, minute, &v, pro_ref(v.pro));
      o.add("valueQuantity", quantity(w, 1, "kg", "kg"));
      emit_(o.build());
      if (gp && age_ >= 2) {
        Obj b = observation("vital-signs", loinc::kBmi, v.day, minute, &v, pro_ref(v.pro));
        b.add("valueQuantity", quantity(static_cast<std::int64_t>(w) * 10000 / h2, 1, "kg/m²", "kg/m2"));
        emit_(b.build());
      }
    }
    if (has(Cond::kCopd) && (gp || sp == Profession::kPulmonologist)) {
      Obj o = observation("vital-signs", loinc::kSpo2, v.day, minute, &v, pro_ref(v.pro));
      o.add("valueQuantity", quantity(rng.normal(spo2_, 1, 84, 100), 0, "%", "%"));
      emit_(o.build());
    }
  }

  // Laboratory results (performer: the medical biology laboratory).
  const auto& labs = dir_.nearest(commune_, OrgKind::kLaboratory);
  const Organisation& lab = dir_.orgs[labs[rng.below(std::min<std::size_t>(2, labs.size()))]];
  int hba1c = hba1c_x10_;
  int event = 0;
  int last_ldl_year = 0;
  for (std::int64_t day : lab_days_) {
    const int minute = 450 + 10 * rng.range(0, 15);
    auto lab_obs = [&](const LabCode& code) {
      return observation("laboratory", code, day, minute, nullptr,
                         reference("Organization", lab.id, lab.name));
    };
    if (has(Cond::kDiabetes)) {
      hba1c = static_cast<int>(clamp64(hba1c + rng.range(-4, 3), 52, 130));
      Obj o = lab_obs(loinc::kHba1c);
      o.add("valueQuantity", quantity(hba1c, 1, "%", "%"));
      if (hba1c > 70) o.add("interpretation", interpretation("H", "High"));
      emit_(o.build());
    }
    if (!has(Cond::kDiabetes) && event % 2 == 0) {
      const int g = static_cast<int>(rng.normal(age_ > 50 ? 95 : 88, 9, 65, 126));
      Obj o = lab_obs(loinc::kFastingGlucose);
      o.add("valueQuantity", quantity(g, 2, "g/L", "g/L"));
      if (g > 110) o.add("interpretation", interpretation("H", "High"));
      emit_(o.build());
    }
    const bool renal = has(Cond::kKidney) || has(Cond::kHeartFailure) || event % 2 == 0;
    if (renal) {
      // Slow decline in CKD; creatinine from eGFR with a simple inverse
      // (about 6500/eGFR µmol/L for a man, less for a woman): consistent
      // orders of magnitude, not a clinical formula.
      const int egfr = static_cast<int>(
          clamp64(egfr_ - (ckd_stage_ > 0 ? event / 2 : 0) + rng.range(-3, 3), ckd_stage_ == 5 ? 4 : 8, 140));
      const int creat = (6500 / std::max(egfr, 4) + 15) * (female_ ? 80 : 100) / 100;
      Obj cr = lab_obs(loinc::kCreatinine);
      cr.add("valueQuantity", quantity(creat, 0, "µmol/L", "umol/L"));
      if (creat > (female_ ? 90 : 110)) cr.add("interpretation", interpretation("H", "High"));
      emit_(cr.build());
      Obj gfr = lab_obs(loinc::kEgfr);
      gfr.add("valueQuantity", quantity(egfr, 0, "mL/min/1,73 m²", "mL/min/{1.73_m2}"));
      if (egfr < 60) gfr.add("interpretation", interpretation("L", "Low"));
      emit_(gfr.build());
      if (has(Cond::kKidney) || has(Cond::kHeartFailure)) {
        const int k = rng.range(36, ckd_stage_ >= 4 ? 56 : 50);
        Obj o = lab_obs(loinc::kPotassium);
        o.add("valueQuantity", quantity(k, 1, "mmol/L", "mmol/L"));
        if (k > 50) o.add("interpretation", interpretation("H", "High"));
        emit_(o.build());
      }
    }
    if (has(Cond::kHeartFailure) && event % 2 == 1) {
      const int bnp = ntprobnp_ * rng.range(75, 130) / 100;
      Obj o = lab_obs(loinc::kNtProBnp);
      o.add("valueQuantity", quantity(bnp, 0, "pg/mL", "pg/mL"));
      o.add("interpretation", interpretation("H", "High"));
      emit_(o.build());
    }
    const int year = civil_from_days(day).year;
    if (year != last_ldl_year) {
      last_ldl_year = year;
      const int ldl = static_cast<int>(rng.normal(ldl_x100_, 10, 40, 260));
      Obj o = lab_obs(loinc::kLdl);
      o.add("valueQuantity", quantity(ldl, 2, "g/L", "g/L"));
      if (ldl > 160) o.add("interpretation", interpretation("H", "High"));
      emit_(o.build());
    }
    ++event;
  }

  // Heart-failure telemonitoring: one home weighing a morning (connected
  // scale). Alert scenarios of BRIEF §5: +2 kg in 3 days, and no data.
  if (telemonitored_) {
    const int scenario = rng.range(1, 100);
    const bool gain = scenario <= 25;
    const bool silent = scenario > 25 && scenario <= 35;
    const std::int64_t last = ref_day_ - 1 - (silent ? rng.range(4, 7) : 0);
    const int days = rng.range(35, 42);
    const std::int64_t gain_start = last - rng.range(3, 9);
    int baseline = weight_x10_;
    int excess = 0;
    for (std::int64_t day = last - days + 1; day <= last; ++day) {
      baseline += rng.range(-1, 1);
      if (gain && day > gain_start && day <= gain_start + 3) excess += rng.range(7, 10);
      const int w = baseline + excess + rng.range(-3, 3);
      Obj o = observation("vital-signs", loinc::kWeight, day, 420 + rng.range(0, 90), nullptr, patient_ref());
      o.add("valueQuantity", quantity(w, 1, "kg", "kg"));
      o.add("note",
            array_of(Obj().add("text", "Pesée à domicile, balance connectée (télésurveillance)").build()));
      emit_(o.build());
    }
  }
}

void PatientGenerator::emit_medications() {
  // Current prescriptions, renewed at the latest consultation of the
  // prescriber (the GP, or the specialist for specialist-initiated drugs).
  int counter = 0;
  for (const Prescription& p : prescriptions_) {
    const Visit* at = nullptr;
    for (const Visit& v : visits_)
      if (v.pro == p.prescriber && v.kind != VisitKind::kStay) at = &v;
    std::uint32_t prescriber = p.prescriber;
    if (at == nullptr) {  // specialist never seen in the window: the GP renews
      prescriber = gp_;
      for (const Visit& v : visits_)
        if (v.pro == gp_) at = &v;
    }
    const Drug& d = drug(p.drug);
    Obj r;
    r.add("resourceType", "MedicationRequest").add("id", next_id("med-", counter, 2));
    r.add("status", "active").add("intent", "order");
    r.add("medicationCodeableConcept", concept_of(kAtc, d.atc, d.substance, d.text));
    r.add("subject", patient_ref());
    if (at != nullptr) r.add("encounter", reference("Encounter", at->id));
    r.add("authoredOn", at != nullptr ? fhir_datetime(at->day, at->minute + 10) : fhir_date(ref_day_ - 30));
    r.add("requester", pro_ref(prescriber));
    r.add("reasonReference",
          array_of(reference("Condition", condition_ids_[static_cast<std::size_t>(p.reason)])));
    Obj dosage;
    dosage.add("text", d.dosage);
    if (d.frequency > 0) {
      dosage.add("timing", Obj()
                               .add("repeat", Obj()
                                                  .add("frequency", d.frequency)
                                                  .add("period", 1)
                                                  .add("periodUnit", d.period_unit)
                                                  .build())
                               .build());
    } else {
      dosage.add("asNeededBoolean", true);
    }
    r.add("dosageInstruction", array_of(dosage.build()));
    emit_(r.build());
  }
}

void PatientGenerator::emit_documents(Rng& rng) {
  if (members_.empty()) return;
  int counter = 0;
  const std::string patient_line = "Patient(e) : " + given1_ + " " +
                                   (usual_family_.empty() ? family_ : usual_family_) + ", né(e) le " +
                                   french_date(birth_) + "\n";
  auto emit_doc = [&](const LabCode& type, const Visit& v, std::int64_t day, int minute,
                      const std::string& body, Json author, const Organisation& custodian) {
    const std::string text = std::string(type.text) + "\n" + patient_line + body;
    Obj r;
    r.add("resourceType", "DocumentReference").add("id", next_id("doc-", counter, 2));
    r.add("status", "current");
    r.add("type", concept_of(kLoinc, type.loinc, type.display, type.text));
    r.add("subject", patient_ref());
    r.add("date", fhir_datetime(day, minute));
    r.add("author", array_of(std::move(author)));
    r.add("custodian", reference("Organization", custodian.id, custodian.name));
    r.add("description", std::string(type.text) + " du " + french_date(day));
    r.add("content", array_of(Obj()
                                  .add("attachment",
                                       Obj()
                                           .add("contentType", "text/plain; charset=utf-8")
                                           .add("language", "fr-FR")
                                           .add("data", fhir::base64_encode(text))
                                           .add("title", std::string(type.text) + " du " + french_date(day))
                                           .add("creation", fhir_datetime(day, minute))
                                           .build())
                                  .build()));
    r.add("context", Obj().add("encounter", array_of(reference("Encounter", v.id))).build());
    emit_(r.build());
  };

  std::string treatment;
  for (const Prescription& p : prescriptions_) {
    if (!treatment.empty()) treatment += ", ";
    treatment += drug(p.drug).text.substr(0, drug(p.drug).text.find(", "));
  }
  if (treatment.empty()) treatment = "aucun traitement au long cours";

  for (const Visit& v : visits_) {
    const Organisation& org = dir_.orgs[v.org];
    const std::string_view condition = condition_spec(v.reason).label;
    if (v.kind == VisitKind::kSpecialist && rng.range(1, 100) <= 60) {
      const Professional& sp = dir_.pros[v.pro];
      const std::string body = "Motif de consultation : " + std::string(condition) +
                               " (suivi).\nExamen : PA " + std::to_string(systolic_) + "/" +
                               std::to_string(diastolic_) + " mmHg, poids " + fr_decimal(weight_x10_, 1) +
                               " kg.\nConclusion : situation stable, traitement poursuivi (" + treatment +
                               "). Prochain contrôle dans 6 mois.\n" + sp.display + ", " +
                               std::string(profession_codes(sp.profession).label) + ", " + org.name + "\n";
      emit_doc(doc::kConsultNote, v, v.day, v.minute + v.minutes + 30, body, pro_ref(v.pro), org);
    } else if (v.kind == VisitKind::kStay) {
      // Contents required by art. R.1112-1-2 CSP (lettre de liaison).
      const std::int64_t out = v.day + v.stay_days;
      std::string body =
          "Séjour du " + french_date(v.day) + " au " + french_date(out) + ", " + org.name +
          ".\nMotif d'hospitalisation : " + std::string(kStayReason[static_cast<std::size_t>(v.reason)]) +
          ".\nÉvénements significatifs : aucun.\nÉtat à la sortie : stable, retour à domicile.\n"
          "Traitements à la sortie : " +
          treatment + ".\nSuivi recommandé : consultation du médecin traitant sous 7 jours" +
          (v.reason == Cond::kHeartFailure ? ", pesée quotidienne" : "") + ".\nSignataire : " +
          (v.pro != kNone ? dir_.pros[v.pro].display : std::string("service hospitalier")) + ", " + org.name +
          ", " + org.phone + "\n";
      Json author = v.pro != kNone ? pro_ref(v.pro) : reference("Organization", org.id, org.name);
      emit_doc(doc::kDischargeLetter, v, out, 660 + 15 * rng.range(0, 12), body, std::move(author), org);
    }
  }
  // Volet de synthèse médicale by the GP at the latest consultation.
  const Visit* last = nullptr;
  for (const Visit& v : visits_)
    if (v.pro == gp_) last = &v;
  if (last != nullptr) {
    std::string problems;
    for (std::size_t c = 0; c < kCondCount; ++c) {
      if (!has_[c]) continue;
      problems += "- " + std::string(condition_spec(static_cast<Cond>(c)).label);
      if (ald_[c] != 0) problems += " (ALD " + std::to_string(ald_[c]) + ")";
      problems += "\n";
    }
    const std::string body =
        "Médecin traitant : " + dir_.pros[gp_].display + "\nProblèmes actifs :\n" + problems +
        "Traitements au long cours : " + treatment + ".\nTaille " + std::to_string(height_cm_) +
        " cm, poids " + fr_decimal(weight_x10_, 1) + " kg, PA " + std::to_string(systolic_) + "/" +
        std::to_string(diastolic_) + " mmHg" +
        (has(Cond::kDiabetes) ? ", HbA1c " + fr_decimal(hba1c_x10_, 1) + " %" : std::string()) + ".\n";
    emit_doc(doc::kPatientSummary, *last, last->day, last->minute + last->minutes + 15, body, pro_ref(gp_),
             dir_.orgs[dir_.pros[gp_].org]);
  }
}

}  // namespace parcours::territory
