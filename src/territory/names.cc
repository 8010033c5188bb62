// French first and family names for synthetic people.
//
// First names follow the fashion of each birth cohort (the INSEE Fichier des
// prénoms shows how strongly they change by decade); family names mix the
// most frequent surnames of France with names typical of the Nord (Flemish
// and Picard), of the Polish mining immigration and of later immigration.
// Within a list, rank r is drawn with weight ~ 1/(r + 6), a Zipf-like shape.
#include <array>
#include <vector>

#include "territory/reference_data.h"

namespace parcours::territory {
namespace {

using Names = std::span<const std::string_view>;

constexpr std::array<std::string_view, 20> kF1939{"Jeanne", "Marie",     "Marguerite", "Germaine", "Louise",
                                                  "Yvonne", "Madeleine", "Suzanne",    "Marcelle", "Denise",
                                                  "Simone", "Paulette",  "Odette",     "Lucienne", "Andrée",
                                                  "Renée",  "Raymonde",  "Georgette",  "Gisèle",   "Yvette"};
constexpr std::array<std::string_view, 20> kF1959{
    "Monique",       "Jacqueline", "Françoise", "Danielle", "Michèle",  "Nicole",   "Annie",
    "Colette",       "Christiane", "Josiane",   "Martine",  "Chantal",  "Brigitte", "Bernadette",
    "Marie-Thérèse", "Évelyne",    "Josette",   "Ginette",  "Claudine", "Liliane"};
constexpr std::array<std::string_view, 20> kF1974{
    "Nathalie", "Isabelle", "Sylvie",   "Catherine", "Christine",       "Véronique", "Valérie",
    "Sandrine", "Corinne",  "Pascale",  "Patricia",  "Laurence",        "Brigitte",  "Fatima",
    "Martine",  "Muriel",   "Florence", "Carole",    "Marie-Christine", "Hélène"};
constexpr std::array<std::string_view, 20> kF1989{
    "Stéphanie", "Céline",   "Aurélie", "Julie",    "Émilie",   "Sandrine", "Virginie",
    "Élodie",    "Laetitia", "Sophie",  "Audrey",   "Caroline", "Karine",   "Mélanie",
    "Amandine",  "Delphine", "Marion",  "Jennifer", "Vanessa",  "Séverine"};
constexpr std::array<std::string_view, 20> kF2004{
    "Camille", "Marine", "Manon",    "Pauline", "Laura",   "Léa",   "Julie", "Sarah", "Chloé",   "Marie",
    "Océane",  "Anaïs",  "Mathilde", "Justine", "Morgane", "Clara", "Lucie", "Inès",  "Yasmine", "Charlotte"};
constexpr std::array<std::string_view, 20> kF2014{
    "Emma", "Léa",   "Chloé", "Manon", "Inès",   "Lola", "Jade",     "Camille", "Sarah", "Louise",
    "Zoé",  "Lilou", "Lina",  "Clara", "Maëlys", "Léna", "Juliette", "Lucie",   "Eva",   "Romane"};
constexpr std::array<std::string_view, 20> kF2026{
    "Jade", "Louise", "Emma",  "Alice", "Ambre", "Lina", "Rose", "Chloé",  "Mia", "Léa",
    "Anna", "Mila",   "Julia", "Léna",  "Inès",  "Romy", "Iris", "Agathe", "Lou", "Zoé"};

constexpr std::array<std::string_view, 20> kM1939{
    "Jean",    "André",   "Pierre", "René",   "Marcel",  "Roger",  "Louis",  "Robert", "Georges", "Henri",
    "Maurice", "Raymond", "Paul",   "Lucien", "Fernand", "Joseph", "Albert", "Gaston", "Émile",   "Léon"};
constexpr std::array<std::string_view, 20> kM1959{
    "Michel", "Jean-Pierre", "Alain",       "Bernard",   "Gérard",     "Jacques", "Daniel",
    "Claude", "Patrick",     "Jean-Claude", "Christian", "Gilbert",    "Guy",     "Jean-Paul",
    "Serge",  "Francis",     "Yves",        "Roland",    "Jean-Marie", "André"};
constexpr std::array<std::string_view, 20> kM1974{
    "Philippe", "Thierry", "Pascal",     "Éric",     "Laurent", "Frédéric",  "Patrick",
    "Didier",   "Olivier", "Christophe", "Stéphane", "Bruno",   "Dominique", "Jean-Luc",
    "Franck",   "Hervé",   "Lionel",     "Fabrice",  "Denis",   "Mohamed"};
constexpr std::array<std::string_view, 20> kM1989{"Nicolas",  "Sébastien", "Julien",  "Jérôme",  "Guillaume",
                                                  "Mickaël",  "Cédric",    "David",   "Anthony", "Jonathan",
                                                  "Mathieu",  "Romain",    "Damien",  "Vincent", "Arnaud",
                                                  "Benjamin", "Fabien",    "Grégory", "Karim",   "Ludovic"};
constexpr std::array<std::string_view, 20> kM2004{"Thomas",   "Kévin",    "Alexandre", "Quentin", "Maxime",
                                                  "Hugo",     "Lucas",    "Antoine",   "Clément", "Théo",
                                                  "Florian",  "Valentin", "Romain",    "Dylan",   "Nicolas",
                                                  "Baptiste", "Corentin", "Mehdi",     "Adrien",  "Anthony"};
constexpr std::array<std::string_view, 20> kM2014{
    "Lucas",   "Nathan", "Enzo",  "Hugo",    "Théo",    "Mathis", "Louis",  "Tom",  "Noah",   "Ethan",
    "Gabriel", "Jules",  "Nolan", "Clément", "Raphaël", "Maxime", "Mathéo", "Evan", "Arthur", "Timéo"};
constexpr std::array<std::string_view, 20> kM2026{
    "Gabriel", "Léo",  "Raphaël", "Louis", "Arthur", "Jules", "Adam",    "Maël", "Lucas", "Hugo",
    "Noah",    "Liam", "Sacha",   "Paul",  "Nathan", "Aaron", "Mohamed", "Éden", "Tiago", "Gabin"};

struct Cohort {
  int last_birth_year;
  Names female;
  Names male;
};
constexpr std::array<Cohort, 7> kCohorts{{
    {1939, kF1939, kM1939},
    {1959, kF1959, kM1959},
    {1974, kF1974, kM1974},
    {1989, kF1989, kM1989},
    {2004, kF2004, kM2004},
    {2014, kF2014, kM2014},
    {9999, kF2026, kM2026},
}};

constexpr std::array<std::string_view, 160> kFamilies{
    "Martin",      "Lefebvre",  "Bernard",     "Dubois",    "Petit",      "Durand",      "Leroy",
    "Lemaire",     "Thomas",    "Robert",      "Richard",   "Moreau",     "Laurent",     "Simon",
    "Michel",      "Dupont",    "Leclercq",    "Lefèvre",   "David",      "Bertrand",    "Roux",
    "Morel",       "Fournier",  "Girard",      "Lambert",   "Fontaine",   "Rousseau",    "Vincent",
    "Caron",       "Mercier",   "Carpentier",  "Vasseur",   "Descamps",   "Delattre",    "Duhamel",
    "Delannoy",    "Dewaele",   "Lecocq",      "Lemahieu",  "Declercq",   "Delplanque",  "Destombes",
    "Verhaeghe",   "Vandamme",  "Desmet",      "Dhalluin",  "Wattiez",    "Delbarre",    "Vandenbussche",
    "Deleplanque", "Hennebert", "Lecomte",     "Bonnet",    "François",   "Legrand",     "Gauthier",
    "Garcia",      "Perrin",    "Robin",       "Clément",   "Morin",      "Nicolas",     "Henry",
    "Roussel",     "Mathieu",   "Masson",      "Marchand",  "Duval",      "Denis",       "Dumont",
    "Marie",       "Noël",      "Meyer",       "Dufour",    "Meunier",    "Brun",        "Blanchard",
    "Giraud",      "Joly",      "Lucas",       "Brunet",    "Gaillard",   "Barbier",     "Arnaud",
    "Martinez",    "Gérard",    "Roche",       "Renard",    "Roy",        "Leroux",      "Colin",
    "Picard",      "Roger",     "Aubert",      "Lemoine",   "Renaud",     "Dumas",       "Lacroix",
    "Olivier",     "Philippe",  "Bourgeois",   "Pierre",    "Benoît",     "Leclerc",     "Guillaume",
    "Lopez",       "Hubert",    "Dupuis",      "Deschamps", "Huet",       "Boucher",     "Fleury",
    "Lebrun",      "Leblanc",   "Poulain",     "Lemaître",  "Bénard",     "Maréchal",    "Cordier",
    "Lejeune",     "Carlier",   "Delaunay",    "Pruvost",   "Dufresne",   "Hochart",     "Lenoir",
    "Flament",     "Beauvois",  "Kaczmarek",   "Nowak",     "Kowalski",   "Lewandowski", "Wozniak",
    "Kowalczyk",   "Da Silva",  "Ferreira",    "Pereira",   "Dos Santos", "Rodrigues",   "Rossi",
    "Russo",       "Benali",    "Haddad",      "Mansouri",  "Bouzid",     "Belkacem",    "Amrani",
    "Cherif",      "Ait Ali",   "Benabdallah", "Yilmaz",    "Nguyen",     "Traoré",      "Diallo",
    "Sanchez",     "Fernandez", "Martins",     "Janssens",  "Peeters",    "Maes",
};

// Cumulative Zipf-like weights for a list of n names, computed once.
std::vector<std::uint32_t> zipf_cumulative(std::size_t n) {
  std::vector<std::uint32_t> c(n);
  std::uint32_t total = 0;
  for (std::size_t r = 0; r < n; ++r) {
    total += 1'000'000u / static_cast<std::uint32_t>(r + 6);
    c[r] = total;
  }
  return c;
}

}  // namespace

std::string_view family_name(Rng& rng) {
  static const std::vector<std::uint32_t> cumulative = zipf_cumulative(kFamilies.size());
  return kFamilies[pick_weighted(rng, cumulative)];
}

std::string_view given_name(Rng& rng, bool female, int birth_year) {
  static const std::vector<std::uint32_t> cumulative = zipf_cumulative(20);
  for (const Cohort& c : kCohorts) {
    if (birth_year <= c.last_birth_year) return (female ? c.female : c.male)[pick_weighted(rng, cumulative)];
  }
  return kCohorts.back().female[0];  // unreachable: the last cohort is open-ended
}

std::string ascii_slug(std::string_view utf8) {
  // Two-byte UTF-8 Latin-1 letters (U+00C0..U+00FF) folded to ASCII; the
  // ligatures œ/Œ (U+0153/U+0152) to "oe". Other characters are dropped,
  // spaces and apostrophes become nothing, hyphens stay.
  static constexpr std::string_view kFold =  // U+00C0 .. U+00FF
      "aaaaaaaceeeeiiiidnooooo_ouuuuyts"
      "aaaaaaaceeeeiiiidnooooo_ouuuuyty";
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size(); ++i) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') out.push_back(static_cast<char>(c));
      if (c >= 'A' && c <= 'Z') out.push_back(static_cast<char>(c - 'A' + 'a'));
      continue;
    }
    if (i + 1 >= utf8.size()) break;
    const auto c2 = static_cast<unsigned char>(utf8[i + 1]);
    const unsigned cp = ((c & 0x1Fu) << 6) | (c2 & 0x3Fu);
    if (c == 0xC3 && cp >= 0xC0 && kFold[cp - 0xC0] != '_') out.push_back(kFold[cp - 0xC0]);
    if (c == 0xC5 && (cp == 0x152 || cp == 0x153)) out += "oe";
    ++i;
  }
  return out;
}

}  // namespace parcours::territory
