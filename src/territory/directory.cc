// The territory's directory: who works where.
//
// Sizing per inhabitant follows national densities (DREES démographie des
// professionnels de santé, 2023; FINESS counts of establishments), with a
// floor so a small demo still has every kind of actor:
//   GP 1/950, nurse 1/800, physiotherapist 1/1,100, pharmacy 1/3,500 (two
//   pharmacists each), EHPAD 1/9,000, SSIAD 1/30,000, laboratory 1/25,000,
//   cardiologist 1/10,000 ... oncologist 1/50,000; the DAC team follows the
//   IGAS figure of ~12 coordinators per 2,400 active patients (seed 003).
// Hospitals are a fixed set: the CHU in Lille and the main CH of the Nord.
#include "territory/directory.h"

#include <algorithm>
#include <cstdio>

#include "territory/calendar.h"
#include "territory/fhir_build.h"
#include "territory/generator.h"
#include "territory/offer.h"
#include "territory/random.h"
#include "territory/reference_data.h"

namespace parcours::territory {
namespace {

constexpr std::uint64_t kDirectoryStream = 0xD1EC7021ULL;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

std::string padded(std::string_view prefix, std::int64_t n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, static_cast<long long>(n));
  return std::string(prefix) + buf;
}

struct KindInfo {
  std::string_view r66_code;
  std::string_view r66_display;
};

// TRE_R66-CategorieEtablissement (ANS), FINESS categories.
KindInfo kind_info(OrgKind k) {
  switch (k) {
    case OrgKind::kUniversityHospital:
      return {"101", "Centre hospitalier régional (CHR)"};
    case OrgKind::kHospital:
      return {"355", "Centre hospitalier (CH)"};
    case OrgKind::kClinic:
      return {"365", "Etablissement de soins pluridisciplinaire"};
    case OrgKind::kHealthCentre:
      return {"603", "Maison de santé (L6223-3)"};
    case OrgKind::kPharmacy:
      return {"620", "Pharmacie d'officine"};
    case OrgKind::kLaboratory:
      return {"611", "Laboratoire de biologie médicale (LBM)"};
    case OrgKind::kNursingHome:
      return {"500", "Etablissement d'hébergement pour personnes âgées dépendantes"};
    case OrgKind::kHomeNursing:
      return {"354", "Service de soins infirmiers à domicile (SSIAD)"};
    case OrgKind::kCoordination:
      return {"606", "Dispositif d'appui à la coordination (DAC)"};
    case OrgKind::kCount:
      break;
  }
  return {"", ""};
}

// Largest-remainder apportionment of k items over the communes by population.
std::vector<std::uint16_t> apportion(std::int64_t k) {
  const auto cs = communes();
  std::int64_t total = 0;
  for (const auto& c : cs) total += c.population;
  std::vector<std::int64_t> seats(cs.size());
  std::vector<std::pair<std::int64_t, std::size_t>> remainders;
  std::int64_t given = 0;
  for (std::size_t i = 0; i < cs.size(); ++i) {
    seats[i] = k * cs[i].population / total;
    given += seats[i];
    remainders.emplace_back(k * cs[i].population % total, i);
  }
  std::sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (std::size_t j = 0; given < k; ++j, ++given) ++seats[remainders[j % remainders.size()].second];
  std::vector<std::uint16_t> out;
  out.reserve(static_cast<std::size_t>(k));
  for (std::size_t i = 0; i < cs.size(); ++i)
    for (std::int64_t s = 0; s < seats[i]; ++s) out.push_back(static_cast<std::uint16_t>(i));
  return out;
}

std::size_t commune_index(std::string_view insee) {
  const auto cs = communes();
  for (std::size_t i = 0; i < cs.size(); ++i)
    if (cs[i].insee == insee) return i;
  return 0;
}

Json work_address(const Organisation& org) {
  const Commune& c = communes()[org.commune];
  Obj a;
  a.add("extension", array_of(Obj()
                                  .add("url", kFrCoreInseeExtension)
                                  .add("valueCoding", coding(kTreCommune, c.insee, c.name))
                                  .build()));
  a.add("use", "work").add("type", "physical").add("line", array_of(Json(org.address_line)));
  a.add("city", c.name).add("postalCode", c.postal_code).add("country", "FR");
  return a.build();
}

Json phone(std::string_view number) {
  return Obj().add("system", "phone").add("value", number).add("use", "work").build();
}

class Builder {
 public:
  Builder(std::int64_t patients, std::uint64_t seed, const std::function<void(Json&&)>& emit)
      : n_(std::max<std::int64_t>(patients, 1)), seed_(seed), rng_(seed, kDirectoryStream), emit_(emit) {}

  Directory run() {
    add_hospitals();
    add_spread(OrgKind::kPharmacy, ceil_div(n_, 3500) + 1);
    add_spread(OrgKind::kLaboratory, ceil_div(n_, 25000) + 1);
    add_spread(OrgKind::kNursingHome, ceil_div(n_, 9000) + 1);
    add_spread(OrgKind::kHomeNursing, ceil_div(n_, 30000) + 1);
    d_.dac = add_org(OrgKind::kCoordination, commune_index("59350"),
                     "Dispositif d'appui à la coordination du Nord");

    add_liberal(Profession::kGeneralPractitioner, ceil_div(n_, 950) + 2);
    add_liberal(Profession::kNurse, ceil_div(n_, 800) + 2);
    add_liberal(Profession::kPhysiotherapist, ceil_div(n_, 1100) + 1);
    for (std::uint32_t o = 0; o < d_.orgs.size(); ++o) {
      if (d_.orgs[o].kind == OrgKind::kPharmacy) {
        add_pro(Profession::kPharmacist, o);
        add_pro(Profession::kPharmacist, o);
      } else if (d_.orgs[o].kind == OrgKind::kLaboratory) {
        add_pro(Profession::kBiologist, o);
      }
    }
    add_hospital_staff(Profession::kCardiologist, ceil_div(n_, 10000) + 1);
    add_hospital_staff(Profession::kNephrologist, ceil_div(n_, 40000) + 1);
    add_hospital_staff(Profession::kPulmonologist, ceil_div(n_, 22000) + 1);
    add_hospital_staff(Profession::kNeurologist, ceil_div(n_, 25000) + 1);
    add_hospital_staff(Profession::kGeriatrician, ceil_div(n_, 30000) + 1);
    add_hospital_staff(Profession::kEndocrinologist, ceil_div(n_, 30000) + 1);
    add_hospital_staff(Profession::kOncologist, ceil_div(n_, 50000) + 1);
    for (std::int64_t i = 0; i < ceil_div(n_, 10000) + 1; ++i) add_pro(Profession::kCoordinator, d_.dac);
    for (std::int64_t i = 0; i < ceil_div(n_, 15000) + 1; ++i) add_pro(Profession::kCaseManager, d_.dac);
    for (std::int64_t i = 0; i < ceil_div(n_, 25000) + 1; ++i) add_pro(Profession::kSocialWorker, d_.dac);
    for (std::int64_t i = 0; i < ceil_div(n_, 50000) + 1; ++i) add_pro(Profession::kPsychologist, d_.dac);

    emit_all();
    index_nearest();
    d_.gp_load.assign(d_.pros.size(), 0);
    const std::int64_t gps = ceil_div(n_, 950) + 2;
    d_.gp_capacity = static_cast<std::uint32_t>(std::max<std::int64_t>(2, ceil_div(n_ * 8, gps * 5)));
    return std::move(d_);
  }

 private:
  std::uint32_t add_org(OrgKind kind, std::size_t commune, std::string name) {
    const auto n = static_cast<std::uint32_t>(d_.orgs.size());
    Organisation o;
    o.id = padded("org-", n + 1, 5);
    o.location_id = padded("loc-", n + 1, 5);
    o.name = std::move(name);
    o.address_line = std::to_string(rng_.range(1, 180)) + " ";
    o.address_line += rng_.pick(street_names());
    o.phone = fiction_landline(static_cast<std::uint32_t>(rng_.below(10000)));
    o.kind = kind;
    o.commune = static_cast<std::uint16_t>(commune);
    d_.orgs.push_back(std::move(o));
    return n;
  }

  void add_hospitals() {
    struct H {
      std::string_view insee;
      OrgKind kind;
      std::string_view name;
    };
    static constexpr H kHospitals[] = {
        {"59350", OrgKind::kUniversityHospital, "Centre hospitalier universitaire de Lille"},
        {"59512", OrgKind::kHospital, "Centre hospitalier de Roubaix"},
        {"59599", OrgKind::kHospital, "Centre hospitalier de Tourcoing"},
        {"59183", OrgKind::kHospital, "Centre hospitalier de Dunkerque"},
        {"59606", OrgKind::kHospital, "Centre hospitalier de Valenciennes"},
        {"59178", OrgKind::kHospital, "Centre hospitalier de Douai"},
        {"59122", OrgKind::kHospital, "Centre hospitalier de Cambrai"},
        {"59392", OrgKind::kHospital, "Centre hospitalier de Maubeuge"},
        {"59009", OrgKind::kClinic, "Clinique de la Marque"},
        {"59155", OrgKind::kClinic, "Polyclinique des Flandres"},
    };
    for (const H& h : kHospitals)
      hospitals_.push_back(add_org(h.kind, commune_index(h.insee), std::string(h.name)));
  }

  void add_spread(OrgKind kind, std::int64_t count) {
    static constexpr std::string_view kPharmacies[] = {
        "Pharmacie du Centre",    "Pharmacie de la Gare",   "Pharmacie de la Mairie", "Pharmacie du Marché",
        "Pharmacie des Flandres", "Pharmacie Saint-Martin", "Grande Pharmacie",       "Pharmacie de l'Église",
        "Pharmacie du Beffroi",   "Pharmacie de la Place"};
    static constexpr std::string_view kEhpad[] = {"EHPAD Les Tilleuls",           "EHPAD Résidence du Parc",
                                                  "EHPAD Les Charmilles",         "EHPAD La Roseraie",
                                                  "EHPAD Les Hortensias",         "EHPAD Le Bois Fleuri",
                                                  "EHPAD Résidence Saint-Joseph", "EHPAD Les Orchidées"};
    for (std::uint16_t c : apportion(count)) {
      const std::string commune_name(communes()[c].name);
      std::string name;
      switch (kind) {
        case OrgKind::kPharmacy:
          name = std::string(rng_.pick(std::span<const std::string_view>(kPharmacies)));
          break;
        case OrgKind::kNursingHome:
          name = std::string(rng_.pick(std::span<const std::string_view>(kEhpad)));
          break;
        case OrgKind::kLaboratory:
          name = "Laboratoire de biologie médicale de " + commune_name;
          break;
        case OrgKind::kHomeNursing:
          name = "Service de soins infirmiers à domicile de " + commune_name;
          break;
        default:
          name = commune_name;
          break;
      }
      add_org(kind, c, std::move(name));
    }
  }

  // Liberal professionals work in the MSP of their commune.
  void add_liberal(Profession p, std::int64_t count) {
    for (std::uint16_t c : apportion(count)) {
      std::uint32_t msp = 0;
      bool found = false;
      for (std::uint32_t o = 0; o < d_.orgs.size(); ++o) {
        if (d_.orgs[o].kind == OrgKind::kHealthCentre && d_.orgs[o].commune == c) {
          msp = o;
          found = true;
          break;
        }
      }
      if (!found)
        msp = add_org(OrgKind::kHealthCentre, c,
                      "Maison de santé pluriprofessionnelle de " + std::string(communes()[c].name));
      add_pro(p, msp);
    }
  }

  // Specialists practise in hospitals: the CHU weighs four CH.
  void add_hospital_staff(Profession p, std::int64_t count) {
    std::vector<std::uint32_t> weighted;
    for (std::uint32_t h : hospitals_) {
      const int w = d_.orgs[h].kind == OrgKind::kUniversityHospital ? 4 : 1;
      for (int i = 0; i < w; ++i) weighted.push_back(h);
    }
    for (std::int64_t i = 0; i < count; ++i) {
      // The first ones go round the hospitals so each has every specialty
      // before any doubles up; the rest are drawn by weight.
      const std::uint32_t h = i < static_cast<std::int64_t>(hospitals_.size())
                                  ? hospitals_[static_cast<std::size_t>(i)]
                                  : weighted[rng_.below(weighted.size())];
      add_pro(p, h);
    }
  }

  void add_pro(Profession p, std::uint32_t org) {
    // Share of women per profession (DREES 2023, rounded).
    int female_pct = 50;
    switch (p) {
      case Profession::kNurse:
        female_pct = 87;
        break;
      case Profession::kPharmacist:
        female_pct = 68;
        break;
      case Profession::kSocialWorker:
        female_pct = 90;
        break;
      case Profession::kCoordinator:
      case Profession::kCaseManager:
        female_pct = 85;
        break;
      case Profession::kPsychologist:
        female_pct = 88;
        break;
      case Profession::kGeriatrician:
        female_pct = 60;
        break;
      case Profession::kCardiologist:
        female_pct = 30;
        break;
      default:
        break;
    }
    const auto n = static_cast<std::uint32_t>(d_.pros.size());
    Professional pro;
    pro.id = padded("pra-", n + 1, 6);
    pro.role_id = padded("prr-", n + 1, 6);
    pro.female = rng_.range(1, 100) <= female_pct;
    const int birth_year = 2026 - rng_.range(28, 64);
    pro.family = std::string(family_name(rng_));
    pro.given = std::string(given_name(rng_, pro.female, birth_year));
    const bool doctor = p != Profession::kNurse && p != Profession::kPhysiotherapist &&
                        p != Profession::kCoordinator && p != Profession::kCaseManager &&
                        p != Profession::kSocialWorker && p != Profession::kPsychologist;
    pro.display = (doctor ? "Dr " : (pro.female ? "Mme " : "M. ")) + pro.given + " " + pro.family;
    pro.profession = p;
    pro.org = org;
    pro.commune = d_.orgs[org].commune;
    d_.pros.push_back(std::move(pro));
  }

  bool has_rpps(Profession p) const {
    return p != Profession::kCoordinator && p != Profession::kCaseManager && p != Profession::kSocialWorker &&
           p != Profession::kPsychologist;
  }

  void emit_all() {
    // What each organisation offers and when (offer.h): its own random
    // stream, drawn before anything is emitted.
    const Offer offer(d_, seed_);
    for (const Organisation& o : d_.orgs) emit_organisation(o);
    for (const Organisation& o : d_.orgs) emit_location(o, offer);
    for (Json& area : offer.commune_areas()) emit_(std::move(area));
    for (Json& service : offer.services()) emit_(std::move(service));
    for (std::size_t i = 0; i < d_.pros.size(); ++i) emit_practitioner(d_.pros[i], i);
    for (const Professional& p : d_.pros) emit_role(p, offer);
  }

  void emit_organisation(const Organisation& o) {
    const auto index = static_cast<std::int64_t>(&o - d_.orgs.data());
    // FINESS: "59" + 6 digits + Luhn key; 6 digits unique per organisation
    // (multiplier coprime with 10^6, offset from the seed).
    const std::int64_t body = (index * 7919 + static_cast<std::int64_t>(mix64(seed_) % 1000000)) % 1000000;
    const std::string finess = finess_with_key(padded("59", body, 6));
    const KindInfo k = kind_info(o.kind);
    Obj r;
    r.add("resourceType", "Organization").add("id", o.id);
    r.add(
        "identifier",
        array_of(Obj()
                     .add("use", "official")
                     .add("type", concept_of(kFrCoreIdentifierType, "FINEG", "FINESS d'entité géographique"))
                     .add("system", kFiness)
                     .add("value", finess)
                     .build()));
    r.add("active", true);
    Json types = array_of(concept_of(kTreCategorieEtablissement, k.r66_code, k.r66_display));
    // The DAC carries dossiers: the coordination workflow recognises it by
    // this type (docs/coordination.md).
    if (o.kind == OrgKind::kCoordination)
      types.push_back(
          concept_of(kStructureCoordination, "dac", "Dispositif d'appui à la coordination (DAC)"));
    r.add("type", std::move(types));
    r.add("name", o.name);
    r.add("telecom", array_of(phone(o.phone)));
    r.add("address", array_of(work_address(o)));
    emit_(r.build());
  }

  void emit_location(const Organisation& o, const Offer& offer) {
    const auto index = static_cast<std::size_t>(&o - d_.orgs.data());
    const Commune& c = communes()[o.commune];
    // Jitter around the commune centroid (≤ ~1.5 km) so sites do not stack.
    const std::int64_t lat = c.lat_e4 * 100 + rng_.range(-1200, 1200);
    const std::int64_t lon = c.lon_e4 * 100 + rng_.range(-1800, 1800);
    Obj r;
    r.add("resourceType", "Location").add("id", o.location_id);
    if (auto access = offer.location_accessibility(index)) r.add("extension", std::move(*access));
    r.add("status", "active").add("name", o.name).add("mode", "instance");
    r.add("type", offer.location_type(index));
    r.add("telecom", array_of(phone(o.phone)));
    r.add("address", work_address(o));
    r.add("physicalType", concept_of(kLocationPhysicalType, "bu", "Building"));
    r.add("position", Obj().add("longitude", decimal(lon, 6)).add("latitude", decimal(lat, 6)).build());
    r.add("managingOrganization", reference("Organization", o.id, o.name));
    r.add("hoursOfOperation", offer.location_hours(index));
    emit_(r.build());
  }

  void emit_practitioner(const Professional& p, std::size_t index) {
    Obj r;
    r.add("resourceType", "Practitioner").add("id", p.id);
    if (has_rpps(p.profession)) {
      // RPPS numbers start with 10; 8 more digits unique per practitioner.
      const std::int64_t body = (static_cast<std::int64_t>(index) * 48271 +
                                 static_cast<std::int64_t>(mix64(seed_ + 1) % 100000000)) %
                                100000000;
      r.add("identifier", array_of(Obj()
                                       .add("use", "official")
                                       .add("type", concept_of(kFrCoreIdentifierType, "RPPS", "N° RPPS"))
                                       .add("system", kRpps)
                                       .add("value", rpps_with_key(padded("10", body, 8)))
                                       .build()));
    } else {
      r.add("identifier", array_of(Obj()
                                       .add("use", "official")
                                       .add("system", kLocalProfessionalSystem)
                                       .add("value", padded("DAC-", static_cast<std::int64_t>(index) + 1, 6))
                                       .build()));
    }
    r.add("active", true);
    Obj name;
    name.add("use", "official").add("family", p.family).add("given", array_of(Json(p.given)));
    if (p.display.rfind("Dr ", 0) == 0) name.add("prefix", array_of(Json("Dr")));
    r.add("name", array_of(name.build()));
    const std::string email = ascii_slug(p.given) + "." + ascii_slug(p.family) + "@mssante.example.org";
    r.add("telecom", array_of(phone(d_.orgs[p.org].phone),
                              Obj().add("system", "email").add("value", email).add("use", "work").build()));
    r.add("gender", p.female ? "female" : "male");
    emit_(r.build());
  }

  void emit_role(const Professional& p, const Offer& offer) {
    const auto index = static_cast<std::size_t>(&p - d_.pros.data());
    const ProfessionCodes& codes = profession_codes(p.profession);
    const Organisation& o = d_.orgs[p.org];
    Obj r;
    r.add("resourceType", "PractitionerRole").add("id", p.role_id);
    r.add("active", true);
    r.add("practitioner", reference("Practitioner", p.id, p.display));
    r.add("organization", reference("Organization", o.id, o.name));
    r.add("code", array_of(concept_of(codes.system, codes.code, codes.display)));
    if (!codes.specialty.empty())
      r.add("specialty", array_of(concept_of(kTreSpecialite, codes.specialty, codes.specialty_display)));
    r.add("location", array_of(reference("Location", o.location_id, o.name)));
    if (auto service = offer.role_service(index)) r.add("healthcareService", std::move(*service));
    r.add("telecom", array_of(phone(o.phone)));
    offer.complete_role(index, r);
    emit_(r.build());
  }

  void index_nearest() {
    const std::size_t nc = communes().size();
    d_.nearest_pros.assign(nc * kProfessionCount, {});
    d_.nearest_orgs.assign(nc * kOrgKindCount, {});
    for (std::size_t c = 0; c < nc; ++c) {
      for (std::uint32_t i = 0; i < d_.pros.size(); ++i)
        d_.nearest_pros[c * kProfessionCount + static_cast<std::size_t>(d_.pros[i].profession)].push_back(i);
      for (std::uint32_t i = 0; i < d_.orgs.size(); ++i)
        d_.nearest_orgs[c * kOrgKindCount + static_cast<std::size_t>(d_.orgs[i].kind)].push_back(i);
      for (std::size_t p = 0; p < kProfessionCount; ++p) {
        auto& v = d_.nearest_pros[c * kProfessionCount + p];
        sort_by_distance(v, c, [&](std::uint32_t i) { return d_.pros[i].commune; });
        if (p != static_cast<std::size_t>(Profession::kGeneralPractitioner) && v.size() > 24) v.resize(24);
      }
      for (std::size_t k = 0; k < kOrgKindCount; ++k) {
        auto& v = d_.nearest_orgs[c * kOrgKindCount + k];
        sort_by_distance(v, c, [&](std::uint32_t i) { return d_.orgs[i].commune; });
        if (v.size() > 12) v.resize(12);
      }
    }
  }

  template <typename CommuneOf>
  static void sort_by_distance(std::vector<std::uint32_t>& v, std::size_t c, CommuneOf commune_of) {
    std::stable_sort(v.begin(), v.end(), [&](std::uint32_t a, std::uint32_t b) {
      return commune_distance2(c, commune_of(a)) < commune_distance2(c, commune_of(b));
    });
  }

  std::int64_t n_;
  std::uint64_t seed_;
  Rng rng_;
  const std::function<void(Json&&)>& emit_;
  Directory d_;
  std::vector<std::uint32_t> hospitals_;
};

}  // namespace

const ProfessionCodes& profession_codes(Profession p) {
  // TRE_G15 (health professions), TRE_R38 (ordinal specialties), TRE_R94
  // (social professions), TRE_R95 (protected titles) and TRE_R85 (roles),
  // ANS Nomenclatures des objets de santé.
  static const ProfessionCodes kCodes[kProfessionCount] = {
      {kTreProfession, "10", "Médecin", "SM54", "Médecine générale (SM)", "médecin généraliste"},
      {kTreProfession, "60", "Infirmier", "", "", "infirmier(ère)"},
      {kTreProfession, "21", "Pharmacien", "", "", "pharmacien(ne)"},
      {kTreProfession, "70", "Masseur-Kinésithérapeute", "", "", "masseur-kinésithérapeute"},
      {kTreProfession, "10", "Médecin", "SM04", "Cardiologie et Maladies vasculaires (SM)", "cardiologue"},
      {kTreProfession, "10", "Médecin", "SM30", "Néphrologie (SM)", "néphrologue"},
      {kTreProfession, "10", "Médecin", "SM41", "Pneumologie (SM)", "pneumologue"},
      {kTreProfession, "10", "Médecin", "SM32", "Neurologie (SM)", "neurologue"},
      {kTreProfession, "10", "Médecin", "SM18", "Gériatrie (SM)", "gériatre"},
      {kTreProfession, "10", "Médecin", "SM16", "Endocrinologie et Métabolisme (SM)", "endocrinologue"},
      {kTreProfession, "10", "Médecin", "SM36", "Oncologie, option médicale (SM)", "oncologue"},
      {kTreProfession, "10", "Médecin", "SM03", "Biologie médicale (SM)", "biologiste"},
      {kTreRolePriseCharge, "330", "Coordonnateur de parcours", "", "", "coordonnateur(trice) de parcours"},
      {kTreRolePriseCharge, "309", "Gestionnaire de cas MAIA", "", "", "gestionnaire de cas"},
      {kTreProfessionSocial, "41", "Assistant de service social", "", "", "assistant(e) de service social"},
      {kTreUsagerTitre, "93", "Psychologue", "", "", "psychologue"},
  };
  return kCodes[static_cast<std::size_t>(p)];
}

std::int64_t commune_distance2(std::size_t a, std::size_t b) {
  const Commune& ca = communes()[a];
  const Commune& cb = communes()[b];
  const std::int64_t dy = ca.lat_e4 - cb.lat_e4;
  const std::int64_t dx = (ca.lon_e4 - cb.lon_e4) * 636 / 1000;
  return dx * dx + dy * dy;
}

std::string fiction_landline(std::uint32_t n) { return padded("+3335301", n % 10000, 4); }
std::string fiction_mobile(std::uint32_t n) { return padded("+3363998", n % 10000, 4); }

Directory build_directory(std::int64_t patients, std::uint64_t seed,
                          const std::function<void(Json&&)>& emit) {
  return Builder(patients, seed, emit).run();
}

}  // namespace parcours::territory
