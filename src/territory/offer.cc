// The directory's offer (offer.h). Sources of the figures:
// - GPs accepting new patients as médecin traitant: 35 %; DREES, Études et
//   résultats, May 2023 (2022 survey): 65 % of GPs turn new patients away;
// - pharmacies, laboratories, GP practices: usual French opening hours;
// - on-call GP care (permanence des soins ambulatoires, CSP art. R. 6315-1):
//   20:00-24:00 on weekdays, from noon on Saturdays, 8:00-24:00 on Sundays
//   and public holidays, after a call to 116 117;
// - public holidays: Code du travail art. L. 3133-1;
// - languages: French everywhere, then English, Dutch (Flanders is next
//   door), Arabic, Spanish...: drawn, more of them at hospitals.
#include "territory/offer.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "territory/calendar.h"
#include "territory/random.h"
#include "territory/reference_data.h"

namespace parcours::territory {
namespace {

constexpr std::uint64_t kOfferStream = 0x0FFE52026ULL;

// Days of the week as a bit set, bit 0 = Monday (ISO 8601).
constexpr std::uint8_t kMon = 1, kSat = 32, kSun = 64;
constexpr std::uint8_t kWeekdays = 31, kMonSat = 63, kEveryDay = 127;

// On `days`, from `start` to `end` (FHIR times; an end at or before the
// start runs past midnight, "00:00:00" being midnight at the end of the
// day); no start: all day.
struct Slot {
  std::uint8_t days;
  std::string_view start;
  std::string_view end;
};
using Hours = std::vector<Slot>;

const Hours kAllDay = {{kEveryDay, {}, {}}};
const Hours kOffice = {{kWeekdays, "09:00:00", "17:00:00"}};

enum class Activity : std::uint8_t {
  kEmergency,
  kConsultation,
  kOnCall,
  kGeneralPractice,
  kNursing,
  kPhysiotherapy,
  kPharmacy,
  kLaboratory,
  kLongStay,
  kShortStay,
  kDayCare,
  kHomeNursing,
  kCoordination,
};

struct ActivityInfo {
  std::string_view type_code;  // CodeSystem type-service (content/coordination/)
  std::string_view type_display;
  std::string_view category_code;  // THO service-category, R4's example binding
  std::string_view category_display;
  std::string_view provision;  // THO service-provision-conditions
  bool appointment;
  bool closed_on_holidays;
  std::string_view exceptions;   // availabilityExceptions
  std::string_view eligibility;  // eligibility.comment
};

const ActivityInfo& info(Activity a) {
  static const ActivityInfo kInfo[] = {
      {"urgences", "Accueil des urgences", "14", "Emergency Department", "cost", false, false,
       "Ouvert 24 h/24 et 7 j/7. En cas d'urgence vitale, appeler le 15.", ""},
      {"consultation-specialisee", "Consultation spécialisée", "27", "Specialist Medical", "cost", true, true,
       "Sur rendez-vous, de préférence adressé par le médecin traitant (parcours de soins coordonnés).", ""},
      {"maison-medicale-garde", "Maison médicale de garde", "17", "General Practice", "cost", true, false,
       "Permanence des soins : soirs de semaine, samedi après-midi, dimanches et jours fériés de 8 h à "
       "minuit. "
       "Appeler le 116 117 avant de se déplacer ; urgence vitale : 15.",
       ""},
      {"medecine-generale", "Consultation de médecine générale", "17", "General Practice", "cost", true, true,
       "Visites à domicile pour les patients qui ne peuvent pas se déplacer. En dehors des heures "
       "d'ouverture : "
       "116 117 ; urgence vitale : 15.",
       ""},
      {"soins-infirmiers", "Soins infirmiers", "7", "Community Health Care", "cost", true, false,
       "Soins au cabinet et à domicile sur prescription, 7 jours sur 7.", ""},
      {"kinesitherapie", "Masso-kinésithérapie", "34", "Allied Health", "cost", true, true,
       "Sur prescription médicale ; rééducation à domicile possible.", ""},
      {"pharmacie", "Pharmacie d'officine", "34", "Allied Health", "cost", false, true,
       "Nuits, dimanches et jours fériés : pharmacie de garde au 3237.", ""},
      {"biologie", "Biologie médicale", "26", "Specialist Clinical Pathology", "cost", false, true,
       "Prélèvements sans rendez-vous ; prélèvements à domicile sur prescription.", ""},
      {"hebergement-permanent", "Hébergement permanent en EHPAD", "2", "Aged Care", "cost", true, false,
       "Admission sur dossier de demande d'admission en EHPAD, après une visite de pré-admission.",
       "Personnes âgées de 60 ans et plus en perte d'autonomie."},
      {"hebergement-temporaire", "Hébergement temporaire", "25", "Respite/Carer Support", "cost", true, false,
       "Séjours de quelques semaines : répit de l'aidant, sortie d'hospitalisation.",
       "Personnes âgées de 60 ans et plus en perte d'autonomie."},
      {"accueil-de-jour", "Accueil de jour", "25", "Respite/Carer Support", "cost", true, true,
       "Une ou plusieurs journées par semaine ; transport organisé.",
       "Personnes âgées vivant à domicile, notamment atteintes de la maladie d'Alzheimer ou d'une maladie "
       "apparentée."},
      {"ssiad", "Soins infirmiers à domicile (SSIAD)", "2", "Aged Care", "free", true, false,
       "Sur prescription médicale, dans les communes de la zone d'intervention.",
       "Personnes de 60 ans et plus malades ou dépendantes ; adultes handicapés ou atteints d'une maladie "
       "chronique (CASF, art. D. 312-1)."},
      {"appui-coordination", "Appui à la coordination", "7", "Community Health Care", "free", false, true,
       "Saisine par tout professionnel, par la personne ou son aidant, par téléphone ou messagerie sécurisée "
       "de santé.",
       "Professionnels confrontés à une situation complexe ; personnes et aidants (CSP, art. L. 6327-1)."},
  };
  return kInfo[static_cast<std::size_t>(a)];
}

// The medical field of a hospital consultation, for its name.
std::string_view field_of(Profession p) {
  switch (p) {
    case Profession::kCardiologist:
      return "cardiologie";
    case Profession::kNephrologist:
      return "néphrologie";
    case Profession::kPulmonologist:
      return "pneumologie";
    case Profession::kNeurologist:
      return "neurologie";
    case Profession::kGeriatrician:
      return "gériatrie";
    case Profession::kEndocrinologist:
      return "endocrinologie";
    case Profession::kOncologist:
      return "oncologie médicale";
    default:
      return "";
  }
}

bool hospital_specialist(Profession p) { return !field_of(p).empty(); }

struct Language {
  std::string_view code;  // BCP-47
  std::string_view text;
  std::int64_t small_site;  // chance per million at a practice, pharmacy...
  std::int64_t hospital;    // ... and at a hospital or clinic
};
constexpr Language kLanguages[] = {
    {"en", "anglais", 300'000, 1'000'000}, {"nl", "néerlandais", 80'000, 500'000},
    {"ar", "arabe", 100'000, 400'000},     {"es", "espagnol", 50'000, 300'000},
    {"de", "allemand", 40'000, 300'000},   {"pt", "portugais", 40'000, 200'000},
    {"it", "italien", 30'000, 200'000},    {"pl", "polonais", 20'000, 100'000},
    {"tr", "turc", 20'000, 100'000},
};

struct Accessibility {
  std::int64_t wheelchair, parking, hearing_loop, sign_language;  // per million
};
// Shares by kind of site, rounded guesses: establishments (ERP) have had to
// be accessible since the law of 11 February 2005, older practices lag.
Accessibility accessibility_of(OrgKind k) {
  switch (k) {
    case OrgKind::kUniversityHospital:  // the CHU runs a unit for deaf patients
      return {1'000'000, 1'000'000, 1'000'000, 1'000'000};
    case OrgKind::kHospital:
      return {1'000'000, 1'000'000, 600'000, 0};
    case OrgKind::kClinic:
      return {1'000'000, 1'000'000, 400'000, 0};
    case OrgKind::kHealthCentre:
      return {850'000, 600'000, 150'000, 20'000};
    case OrgKind::kPharmacy:
      return {800'000, 300'000, 200'000, 0};
    case OrgKind::kLaboratory:
      return {850'000, 400'000, 100'000, 0};
    case OrgKind::kNursingHome:
      return {1'000'000, 1'000'000, 300'000, 0};
    case OrgKind::kHomeNursing:
      return {700'000, 300'000, 50'000, 0};
    case OrgKind::kCoordination:
      return {900'000, 500'000, 300'000, 100'000};
    case OrgKind::kCount:
      break;
  }
  return {0, 0, 0, 0};
}

bool is_hospital(OrgKind k) {
  return k == OrgKind::kUniversityHospital || k == OrgKind::kHospital || k == OrgKind::kClinic;
}

Json days_json(std::uint8_t days) {
  static constexpr std::string_view kCodes[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  Json::Array a;
  for (int i = 0; i < 7; ++i)
    if (days & (1u << i)) a.emplace_back(kCodes[i]);
  return Json(std::move(a));
}

// availableTime (HealthcareService, PractitionerRole) or hoursOfOperation
// (Location): the same shape, other names for the times.
Json hours_json(const Hours& hours, bool location) {
  Json::Array out;
  for (const Slot& s : hours) {
    Obj o;
    o.add("daysOfWeek", days_json(s.days));
    if (s.start.empty()) {
      o.add("allDay", true);
    } else {
      o.add(location ? "openingTime" : "availableStartTime", s.start);
      o.add(location ? "closingTime" : "availableEndTime", s.end);
    }
    out.push_back(o.build());
  }
  return Json(std::move(out));
}

Json closure(std::string_view description, std::int64_t first, std::int64_t last) {
  return Obj()
      .add("description", description)
      .add("during", Obj().add("start", fhir_date(first)).add("end", fhir_date(last)).build())
      .build();
}

Json accepting_extension(bool accepting) {
  return Obj().add("url", kAcceptingNewPatients).add("valueBoolean", accepting).build();
}

std::string commune_area_id(std::size_t commune) {
  return "loc-commune-" + std::string(communes()[commune].insee);
}

}  // namespace

struct Offer::Site {
  std::vector<const Language*> languages;  // besides French
  bool wheelchair = false, parking = false, hearing_loop = false, sign_language = false;
  Hours hours;                                // Location.hoursOfOperation
  Hours activity_hours;                       // the pharmacy's or laboratory's own
  bool saturday = false;                      // a health centre open on Saturday mornings
  bool short_stay = false, day_care = false;  // a nursing home's other services
};

struct Offer::Service {
  std::string id;
  std::uint32_t org = 0;
  Activity activity = Activity::kConsultation;
  Profession profession = Profession::kCount;  // the one it is for, if any
  std::optional<bool> accepting;
  Hours hours;
  bool summer_closure = false;
  std::vector<std::uint16_t> coverage;  // communes
};

struct Offer::Role {
  Hours hours;
  std::optional<bool> accepting;
  int service = -1;
  std::int64_t vacation_first = 0, vacation_last = 0;  // 0: none
};

Offer::~Offer() = default;

Offer::Offer(const Directory& d, std::uint64_t seed) : d_(d) {
  today_ = days_from_civil(2026, 11, 1);  // kReferenceDate
  Rng rng(seed, kOfferStream);

  // Sites: languages, accessibility, hours.
  sites_.resize(d.orgs.size());
  for (std::size_t o = 0; o < d.orgs.size(); ++o) {
    Site& s = sites_[o];
    const OrgKind kind = d.orgs[o].kind;
    for (const Language& l : kLanguages)
      if (rng.chance(is_hospital(kind) ? l.hospital : l.small_site)) s.languages.push_back(&l);
    const Accessibility a = accessibility_of(kind);
    s.wheelchair = rng.chance(a.wheelchair);
    s.parking = rng.chance(a.parking);
    s.hearing_loop = rng.chance(a.hearing_loop);
    s.sign_language = rng.chance(a.sign_language);
    switch (kind) {
      case OrgKind::kUniversityHospital:
      case OrgKind::kHospital:
      case OrgKind::kClinic:
        s.hours = kAllDay;
        break;
      case OrgKind::kHealthCentre:
        s.saturday = rng.chance(600'000);
        s.hours = {{kWeekdays, "08:00:00", "20:00:00"}};
        if (s.saturday) s.hours.push_back({kSat, "08:00:00", "12:30:00"});
        break;
      case OrgKind::kPharmacy:
        // Most stay open at lunchtime; smaller ones close 12:30-14:00.
        if (rng.chance(600'000))
          s.activity_hours = {{kMonSat, "09:00:00", "19:30:00"}};
        else
          s.activity_hours = {{kMonSat, "09:00:00", "12:30:00"}, {kMonSat, "14:00:00", "19:30:00"}};
        s.hours = s.activity_hours;
        break;
      case OrgKind::kLaboratory:
        s.activity_hours = {{kWeekdays, "07:30:00", "18:30:00"}, {kSat, "08:00:00", "12:00:00"}};
        s.hours = s.activity_hours;
        break;
      case OrgKind::kNursingHome:
        s.short_stay = rng.chance(500'000);
        s.day_care = rng.chance(400'000);
        s.hours = kAllDay;
        break;
      case OrgKind::kHomeNursing:
      case OrgKind::kCoordination:
      case OrgKind::kCount:
        s.hours = kOffice;
        break;
    }
  }

  // Professionals: consultation hours, new patients, summer holidays.
  roles_.resize(d.pros.size());
  const std::int64_t summer = days_from_civil(2027, 7, 5);  // a Monday
  for (std::size_t i = 0; i < d.pros.size(); ++i) {
    const Professional& p = d.pros[i];
    Role& r = roles_[i];
    bool liberal = false;
    switch (p.profession) {
      case Profession::kGeneralPractitioner: {
        liberal = true;
        r.accepting = rng.chance(350'000);
        // One afternoon off, most often Wednesday.
        static constexpr std::uint32_t kOffDay[] = {15, 30, 70, 85, 100};  // cumulative, Mon..Fri
        const auto off = static_cast<std::uint8_t>(kMon << pick_weighted(rng, kOffDay));
        r.hours = {{kWeekdays, "08:30:00", "12:30:00"},
                   {static_cast<std::uint8_t>(kWeekdays & ~off), "14:00:00", "19:00:00"}};
        if (sites_[p.org].saturday && rng.chance(500'000)) r.hours.push_back({kSat, "09:00:00", "12:00:00"});
        break;
      }
      case Profession::kNurse:
        liberal = true;
        r.accepting = rng.chance(900'000);
        r.hours = {{kWeekdays, "07:00:00", "12:30:00"}, {kWeekdays, "16:30:00", "20:00:00"}};
        if (rng.chance(500'000))
          r.hours.push_back({static_cast<std::uint8_t>(kSat | kSun), "07:00:00", "12:30:00"});
        break;
      case Profession::kPhysiotherapist:
        liberal = true;
        r.accepting = rng.chance(700'000);
        r.hours = {{kWeekdays, "08:00:00", "12:00:00"}, {kWeekdays, "14:00:00", "19:00:00"}};
        break;
      case Profession::kPharmacist:
      case Profession::kBiologist:
        r.hours = sites_[p.org].activity_hours;
        break;
      case Profession::kCoordinator:
      case Profession::kCaseManager:
      case Profession::kSocialWorker:
      case Profession::kPsychologist:
        r.hours = kOffice;
        break;
      default: {
        // Hospital specialists: two half-days of consultation a week.
        r.accepting = rng.chance(800'000);
        const std::uint64_t first = rng.below(10);
        std::uint64_t second = rng.below(9);
        if (second >= first) ++second;
        for (std::uint64_t h : {std::min(first, second), std::max(first, second)}) {
          const auto day = static_cast<std::uint8_t>(kMon << (h / 2));
          r.hours.push_back(h % 2 == 0 ? Slot{day, "09:00:00", "12:30:00"}
                                       : Slot{day, "13:30:00", "17:00:00"});
        }
        break;
      }
    }
    if (liberal && rng.chance(250'000)) {
      r.vacation_first = summer + 7 * rng.range(0, 6);
      r.vacation_last = r.vacation_first + (rng.chance(500'000) ? 13 : 20);
    }
  }

  // Services, organisation by organisation.
  std::vector<std::vector<std::uint32_t>> staff(d.orgs.size());
  for (std::uint32_t i = 0; i < d.pros.size(); ++i) staff[d.pros[i].org].push_back(i);
  auto add = [&](std::uint32_t org, Activity a, Profession p = Profession::kCount) -> Service& {
    Service& s = services_.emplace_back();
    char id[16];
    std::snprintf(id, sizeof id, "hcs-%05zu", services_.size());
    s.id = id;
    s.org = org;
    s.activity = a;
    s.profession = p;
    // A practice accepts new patients when one of its professionals does.
    if (p != Profession::kCount) {
      bool any = false, known = false;
      for (std::uint32_t i : staff[org])
        if (d.pros[i].profession == p && roles_[i].accepting) {
          known = true;
          any = any || *roles_[i].accepting;
        }
      if (known) s.accepting = any;
    }
    return s;
  };
  // Each commune is served by its nearest SSIAD.
  std::vector<std::uint32_t> ssiad_of(communes().size(), UINT32_MAX);
  for (std::size_t c = 0; c < communes().size(); ++c)
    for (std::uint32_t o = 0; o < d.orgs.size(); ++o)
      if (d.orgs[o].kind == OrgKind::kHomeNursing &&
          (ssiad_of[c] == UINT32_MAX ||
           commune_distance2(c, d.orgs[o].commune) < commune_distance2(c, d.orgs[ssiad_of[c]].commune)))
        ssiad_of[c] = o;
  for (std::uint32_t o = 0; o < d.orgs.size(); ++o) {
    const Organisation& org = d.orgs[o];
    const Site& site = sites_[o];
    auto has = [&](Profession p) {
      return std::any_of(staff[o].begin(), staff[o].end(),
                         [&](std::uint32_t i) { return d.pros[i].profession == p; });
    };
    switch (org.kind) {
      case OrgKind::kUniversityHospital:
      case OrgKind::kHospital:
      case OrgKind::kClinic:
        if (org.kind != OrgKind::kClinic) add(o, Activity::kEmergency).hours = kAllDay;
        for (std::size_t p = 0; p < kProfessionCount; ++p)
          if (hospital_specialist(static_cast<Profession>(p)) && has(static_cast<Profession>(p)))
            add(o, Activity::kConsultation, static_cast<Profession>(p)).hours = {
                {kWeekdays, "08:30:00", "17:30:00"}};
        if (org.kind != OrgKind::kClinic)
          add(o, Activity::kOnCall).hours = {{kWeekdays, "20:00:00", "00:00:00"},
                                             {kSat, "12:00:00", "00:00:00"},
                                             {kSun, "08:00:00", "00:00:00"}};
        break;
      case OrgKind::kHealthCentre:
        if (has(Profession::kGeneralPractitioner)) {
          Service& s = add(o, Activity::kGeneralPractice, Profession::kGeneralPractitioner);
          s.hours = {{kWeekdays, "08:30:00", "12:30:00"}, {kWeekdays, "14:00:00", "19:00:00"}};
          if (site.saturday) s.hours.push_back({kSat, "09:00:00", "12:00:00"});
        }
        if (has(Profession::kNurse)) {
          Service& s = add(o, Activity::kNursing, Profession::kNurse);
          s.hours = {{kEveryDay, "07:00:00", "20:00:00"}};
          s.coverage = {org.commune};  // home visits in the commune
        }
        if (has(Profession::kPhysiotherapist))
          add(o, Activity::kPhysiotherapy, Profession::kPhysiotherapist).hours = {
              {kWeekdays, "08:00:00", "20:00:00"}};
        break;
      case OrgKind::kPharmacy: {
        Service& s = add(o, Activity::kPharmacy, Profession::kPharmacist);
        s.accepting.reset();  // no patient list at a pharmacy
        s.hours = site.activity_hours;
        s.summer_closure = rng.chance(200'000);
        break;
      }
      case OrgKind::kLaboratory: {
        Service& s = add(o, Activity::kLaboratory, Profession::kBiologist);
        s.accepting.reset();
        s.hours = site.activity_hours;
        break;
      }
      case OrgKind::kNursingHome: {
        // Waiting lists: few nursing homes have a free room.
        Service& stay = add(o, Activity::kLongStay);
        stay.hours = kAllDay;
        stay.accepting = rng.chance(250'000);
        if (site.short_stay) {
          Service& s = add(o, Activity::kShortStay);
          s.hours = kAllDay;
          s.accepting = rng.chance(600'000);
        }
        if (site.day_care) {
          Service& s = add(o, Activity::kDayCare);
          s.hours = {{kWeekdays, "09:30:00", "17:00:00"}};
          s.accepting = rng.chance(700'000);
        }
        break;
      }
      case OrgKind::kHomeNursing: {
        Service& s = add(o, Activity::kHomeNursing);
        s.hours = {{kEveryDay, "07:00:00", "20:00:00"}};
        s.accepting = rng.chance(500'000);
        for (std::size_t c = 0; c < communes().size(); ++c)
          if (ssiad_of[c] == o) s.coverage.push_back(static_cast<std::uint16_t>(c));
        break;
      }
      case OrgKind::kCoordination: {
        Service& s = add(o, Activity::kCoordination);
        s.hours = kOffice;
        s.accepting = true;
        for (std::size_t c = 0; c < communes().size(); ++c)
          s.coverage.push_back(static_cast<std::uint16_t>(c));
        break;
      }
      case OrgKind::kCount:
        break;
    }
  }

  // Each professional's role belongs to the service of their activity.
  std::vector<std::vector<std::size_t>> by_org(d.orgs.size());
  for (std::size_t s = 0; s < services_.size(); ++s) by_org[services_[s].org].push_back(s);
  for (std::size_t i = 0; i < d.pros.size(); ++i) {
    const Professional& p = d.pros[i];
    const bool dac_staff = d.orgs[p.org].kind == OrgKind::kCoordination;
    for (std::size_t s : by_org[p.org]) {
      const Service& svc = services_[s];
      if (svc.profession == p.profession || (dac_staff && svc.activity == Activity::kCoordination)) {
        roles_[i].service = static_cast<int>(s);
        break;
      }
    }
  }
}

Json Offer::location_type(std::size_t org) const {
  // v3 RoleCode (ServiceDeliveryLocationRoleType), R4's binding of Location.type.
  switch (d_.orgs[org].kind) {
    case OrgKind::kUniversityHospital:
    case OrgKind::kHospital:
    case OrgKind::kClinic:
      return array_of(concept_of(kRoleCode, "HOSP", "Hospital"));
    case OrgKind::kHealthCentre:
      return array_of(concept_of(kRoleCode, "PC", "Primary care clinic"));
    case OrgKind::kPharmacy:
      return array_of(concept_of(kRoleCode, "PHARM", "Pharmacy"));
    case OrgKind::kLaboratory:
      return array_of(concept_of(kRoleCode, "MBL", "medical laboratory"));
    case OrgKind::kNursingHome:
      return array_of(concept_of(kRoleCode, "NCCF", "Nursing or custodial care facility"));
    case OrgKind::kHomeNursing:
    case OrgKind::kCoordination:
    case OrgKind::kCount:
      break;
  }
  return array_of(concept_of(kRoleCode, "PROFF", "Provider's Office"));
}

Json Offer::location_hours(std::size_t org) const { return hours_json(sites_[org].hours, true); }

namespace {

Json accessibility_concepts(bool wheelchair, bool parking, bool loop, bool lsf, bool as_extensions) {
  Json::Array out;
  auto add = [&](bool on, std::string_view code, std::string_view display) {
    if (!on) return;
    Json c = concept_of(kAccessibility, code, display);
    out.push_back(
        as_extensions
            ? Obj().add("url", kAccessibilityExtension).add("valueCodeableConcept", std::move(c)).build()
            : std::move(c));
  };
  add(wheelchair, "acces-fauteuil-roulant", "Accès en fauteuil roulant");
  add(parking, "stationnement-pmr", "Stationnement réservé");
  add(loop, "boucle-magnetique", "Boucle à induction magnétique");
  add(lsf, "accueil-lsf", "Accueil en langue des signes");
  return Json(std::move(out));
}

}  // namespace

std::optional<Json> Offer::location_accessibility(std::size_t org) const {
  const Site& s = sites_[org];
  Json ext = accessibility_concepts(s.wheelchair, s.parking, s.hearing_loop, s.sign_language, true);
  if (ext.as_array().empty()) return std::nullopt;
  return ext;
}

std::vector<Json> Offer::commune_areas() const {
  std::vector<bool> covered(communes().size(), false);
  for (const Service& s : services_)
    for (std::uint16_t c : s.coverage) covered[c] = true;
  std::vector<Json> out;
  for (std::size_t c = 0; c < covered.size(); ++c) {
    if (!covered[c]) continue;
    const Commune& com = communes()[c];
    Obj address;
    address.add("extension", array_of(Obj()
                                          .add("url", kFrCoreInseeExtension)
                                          .add("valueCoding", coding(kTreCommune, com.insee, com.name))
                                          .build()));
    address.add("city", com.name).add("postalCode", com.postal_code).add("country", "FR");
    Obj r;
    r.add("resourceType", "Location").add("id", commune_area_id(c));
    r.add("status", "active").add("name", "Commune de " + std::string(com.name)).add("mode", "instance");
    r.add("address", address.build());
    r.add("physicalType", concept_of(kLocationPhysicalType, "jdn", "Jurisdiction"));
    // The commune centroid: the distance to a covered commune is measured
    // from there (directory/find.h).
    r.add("position",
          Obj().add("longitude", decimal(com.lon_e4, 4)).add("latitude", decimal(com.lat_e4, 4)).build());
    out.push_back(r.build());
  }
  return out;
}

std::vector<Json> Offer::services() const {
  // Public holidays of the coming year, for services closed on those days.
  std::vector<Holiday> holidays;
  for (int year : {2026, 2027})
    for (const Holiday& h : french_public_holidays(year))
      if (h.day >= today_ && h.day < today_ + 365) holidays.push_back(h);
  std::vector<Json> out;
  out.reserve(services_.size());
  for (const Service& s : services_) {
    const Organisation& org = d_.orgs[s.org];
    const Site& site = sites_[s.org];
    const ActivityInfo& a = info(s.activity);
    std::string name;
    switch (s.activity) {
      case Activity::kEmergency:
        name = "Urgences — " + org.name;
        break;
      case Activity::kConsultation:
        name = "Consultations de " + std::string(field_of(s.profession)) + " — " + org.name;
        break;
      case Activity::kOnCall:
        name = "Maison médicale de garde de " + std::string(communes()[org.commune].name);
        break;
      case Activity::kPharmacy:
      case Activity::kLaboratory:
      case Activity::kHomeNursing:
        name = org.name;
        break;
      default:
        name = std::string(a.type_display) + " — " + org.name;
        break;
    }
    Obj r;
    r.add("resourceType", "HealthcareService").add("id", s.id);
    if (s.accepting) r.add("extension", array_of(accepting_extension(*s.accepting)));
    r.add("active", true);
    r.add("providedBy", reference("Organization", org.id, org.name));
    r.add("category", array_of(concept_of(kServiceCategory, a.category_code, a.category_display)));
    r.add("type", array_of(concept_of(kServiceType, a.type_code, a.type_display)));
    Profession specialty = s.profession;
    if (s.activity == Activity::kOnCall) specialty = Profession::kGeneralPractitioner;
    if (specialty != Profession::kCount && !profession_codes(specialty).specialty.empty()) {
      const ProfessionCodes& codes = profession_codes(specialty);
      r.add("specialty", array_of(concept_of(kTreSpecialite, codes.specialty, codes.specialty_display)));
    }
    r.add("location", array_of(reference("Location", org.location_id, org.name)));
    r.add("name", std::move(name));
    r.add("telecom", array_of(Obj()
                                  .add("system", "phone")
                                  .add("value", s.activity == Activity::kOnCall ? "116117" : org.phone)
                                  .add("use", "work")
                                  .build()));
    if (!s.coverage.empty()) {
      Json::Array areas;
      for (std::uint16_t c : s.coverage)
        areas.push_back(
            reference("Location", commune_area_id(c), "Commune de " + std::string(communes()[c].name)));
      r.add("coverageArea", Json(std::move(areas)));
    }
    r.add("serviceProvisionCode", array_of(concept_of(kServiceProvision, a.provision,
                                                      a.provision == "free" ? "Free" : "Fees apply")));
    if (!a.eligibility.empty())
      r.add("eligibility",
            array_of(
                Obj().add("code", text_concept("Conditions d'accès")).add("comment", a.eligibility).build()));
    Json characteristic =
        accessibility_concepts(site.wheelchair, site.parking, site.hearing_loop, site.sign_language, false);
    if (!characteristic.as_array().empty()) r.add("characteristic", std::move(characteristic));
    Json::Array languages;
    languages.push_back(concept_of(coding(kBcp47, "fr"), "français"));
    for (const Language* l : site.languages)
      languages.push_back(concept_of(coding(kBcp47, l->code), l->text));
    r.add("communication", Json(std::move(languages)));
    if (s.activity == Activity::kCoordination)
      r.add("referralMethod", array_of(concept_of(kReferralMethod, "phone", "Phone"),
                                       concept_of(kReferralMethod, "elec", "Secure Messaging")));
    r.add("appointmentRequired", a.appointment);
    r.add("availableTime", hours_json(s.hours, false));
    Json::Array closed;
    if (a.closed_on_holidays)
      for (const Holiday& h : holidays)
        closed.push_back(closure("Jour férié : " + std::string(h.name), h.day, h.day));
    if (s.summer_closure)
      closed.push_back(
          closure("Fermeture pour congés d'été", days_from_civil(2027, 8, 9), days_from_civil(2027, 8, 22)));
    if (!closed.empty()) r.add("notAvailable", Json(std::move(closed)));
    r.add("availabilityExceptions", a.exceptions);
    out.push_back(r.build());
  }
  return out;
}

std::optional<Json> Offer::role_service(std::size_t pro) const {
  const int s = roles_[pro].service;
  if (s < 0) return std::nullopt;
  return array_of(reference("HealthcareService", services_[static_cast<std::size_t>(s)].id));
}

void Offer::complete_role(std::size_t pro, Obj& role) const {
  const Role& r = roles_[pro];
  if (!r.hours.empty()) role.add("availableTime", hours_json(r.hours, false));
  if (r.vacation_first)
    role.add("notAvailable", array_of(closure("Congés d'été", r.vacation_first, r.vacation_last)));
  if (r.accepting && !*r.accepting && d_.pros[pro].profession == Profession::kGeneralPractitioner)
    role.add("availabilityExceptions", "N'accepte pas de nouveaux patients comme médecin traitant.");
  if (r.accepting) role.add("extension", array_of(accepting_extension(*r.accepting)));
}

}  // namespace parcours::territory
