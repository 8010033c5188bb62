// AGGIR (Autonomie Gérontologique Groupes Iso-Ressources): the national grid
// of loss of autonomy of older people, used for the APA allowance.
//
//  - The grid and its filling guide: annexe 2-1 of the Code de l'action
//    sociale et des familles (CASF), guide of décret n° 2008-821 du
//    21 août 2008. Each variable is observed through four adverbs
//    (spontanément, totalement, correctement, habituellement): all four met
//    → A, none → C, otherwise B. Six variables are coded from
//    sub-variables with combination rules.
//  - The algorithm: annexe 2-2 CASF ("algorithme de la grille AGGIR",
//    unchanged since décret n° 97-427 du 28 avril 1997): eight of the ten
//    discriminant variables are weighted in groups A to H; the first group
//    whose sum reaches its threshold gives a rank 1–13; ranks map to GIR 1–6.
#pragma once

#include <array>
#include <string_view>

namespace parcours::coordination::aggir {

enum class Modalite : char { A = 'A', B = 'B', C = 'C' };

// The person does the activity alone: spontanément (without being prompted),
// totalement (all of it), correctement (properly, safely), habituellement
// (each time it is needed). True means "yes".
struct Adverbes {
  bool spontanement;
  bool totalement;
  bool correctement;
  bool habituellement;
};

// Guide de remplissage: four "yes" → A, four "no" → C, otherwise B.
Modalite from_adverbes(const Adverbes& a);

// Combination of sub-variables (guide de remplissage, 2008).
Modalite coherence(Modalite communication, Modalite comportement);  // AA→A, any C→C, else B
Modalite orientation(Modalite temps, Modalite espace);              // AA→A, any C→C, else B
Modalite toilette(Modalite haut, Modalite bas);                     // AA→A, CC→C, else B
Modalite habillage(Modalite haut, Modalite moyen, Modalite bas);    // AAA→A, CCC→C, else B
Modalite alimentation(Modalite se_servir, Modalite manger);         // AA→A, CC/BC/CB→C, else B
Modalite elimination(Modalite urinaire, Modalite fecale);           // AA→A, any C→C, else B

// The ten discriminant variables, in the order of the annex.
enum Variable : int {
  kCoherence,
  kOrientation,
  kToilette,
  kHabillage,
  kAlimentation,
  kElimination,
  kTransferts,
  kDeplacementsInterieur,
  kDeplacementsExterieur,  // coded, but weighted 0 in every group
  kCommunication,          // communication à distance ("alerter"); weighted 0
  kVariableCount
};

using Profil = std::array<Modalite, kVariableCount>;

struct Gir {
  int gir = 0;      // 1..6
  int rang = 0;     // 1..13
  char groupe = 0;  // 'A'..'H': the group whose test gave the rank
  int valeur = 0;   // that group's sum
};

// Annexe 2-2 CASF, exactly: groups tested in order A..H.
Gir compute_gir(const Profil& profil);

// Rank → GIR (annexe 2-2, §2 "passage des rangs aux groupes").
int gir_of_rang(int rang);

}  // namespace parcours::coordination::aggir
