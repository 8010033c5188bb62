#!/usr/bin/env python3
"""Writes the assessment Questionnaires and their local CodeSystems as FHIR R4
JSON (one file per resource, next to this script).

The linkIds and answer codes must match the scoring engine
(src/coordination/assessment/); tests/unit/coordination_content_test.cc checks
that they do, and that every file passes parcours::fhir::validate_resource.
Sources of each instrument: docs/coordination-content.md.

    python3 content/questionnaires/generate.py
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import fhir_content  # noqa: E402  (content/fhir_content.py, shared by the generators)
from fhir_content import BASE, CS, DATE, PUBLISHER, VERSION, coding  # noqa: E402

LOINC = "http://loinc.org"
GENDER = "http://hl7.org/fhir/administrative-gender"
ORDINAL = "http://hl7.org/fhir/StructureDefinition/ordinalValue"


def options(system, answers):
    """answers: [(code, display, ordinal)]"""
    return [
        {
            "extension": [{"url": ORDINAL, "valueDecimal": score}],
            "valueCoding": coding(system, code, display),
        }
        for code, display, score in answers
    ]


def choice(link_id, text, system, answers, required=True, prefix=None, code=None):
    item = {"linkId": link_id}
    if code:
        item["code"] = [code]
    if prefix:
        item["prefix"] = prefix
    item["text"] = text
    item["type"] = "choice"
    item["required"] = required
    item["answerOption"] = options(system, answers)
    return item


def boolean(link_id, text, required=True, prefix=None):
    item = {"linkId": link_id}
    if prefix:
        item["prefix"] = prefix
    item.update({"text": text, "type": "boolean", "required": required})
    return item


def group(link_id, text, items, required=True):
    return {"linkId": link_id, "text": text, "type": "group", "required": required, "item": items}


def display(link_id, text):
    return {"linkId": link_id, "text": text, "type": "display"}


def questionnaire(id_, name, title, description, items, purpose=None, copyright_=None, code=None,
                  subject=("Patient",)):
    q = {
        "resourceType": "Questionnaire",
        "id": id_,
        "language": "fr-FR",
        "url": BASE + "/Questionnaire/" + id_,
        "version": VERSION,
        "name": name,
        "title": title,
        "status": "active",
        "experimental": False,
        "subjectType": list(subject),
        "date": DATE,
        "publisher": PUBLISHER,
        "description": description,
    }
    if purpose:
        q["purpose"] = purpose
    if copyright_:
        q["copyright"] = copyright_
    if code:
        q["code"] = code
    q["item"] = items
    return q


CODE_SYSTEMS = {}


def code_system(id_, name, title, description, concepts):
    """concepts: [(code, display, definition-or-None)]"""
    CODE_SYSTEMS[id_] = fhir_content.code_system(id_, name, title, description,
                                                 fhir_content.plain_concepts(concepts))
    return CS + id_


# --- AGGIR ----------------------------------------------------------------------

MODALITES = [
    ("A", "A — fait seul, totalement, habituellement et correctement", 0),
    ("B", "B — fait partiellement, ou non habituellement, ou non correctement", 1),
    ("C", "C — ne fait pas", 2),
]
AGGIR_MODALITE = code_system(
    "aggir-modalite", "AggirModalite", "Modalités de la grille AGGIR",
    "Codage A, B, C d'une variable de la grille nationale AGGIR (annexe 2-1 du code de l'action sociale "
    "et des familles).",
    [(c, d, None) for c, d, _ in MODALITES])

ADVERBES = [
    ("S", "Spontanément : la personne le fait-elle seule, sans incitation ni stimulation ?"),
    ("T", "Totalement : fait-elle l'ensemble de l'activité ?"),
    ("C", "Correctement : le fait-elle comme il faut (qualité, usages, sécurité pour elle et les autres) ?"),
    ("H", "Habituellement : le fait-elle chaque fois que c'est nécessaire ?"),
]

DISCRIMINANTES = [
    ("coherence", "Cohérence", "Converser et/ou se comporter de façon sensée", [
        ("communication", "Communication", "Converser de façon logique et sensée avec son entourage"),
        ("comportement", "Comportement", "Se comporter de façon logique et sensée"),
    ]),
    ("orientation", "Orientation", "Se repérer dans le temps, les moments de la journée et dans les lieux", [
        ("temps", "Temps", "Se repérer dans le temps : moments de la journée, jours, saisons"),
        ("espace", "Espace", "Se repérer dans les lieux habituels et au-delà"),
    ]),
    ("toilette", "Toilette", "Assurer son hygiène corporelle", [
        ("haut", "Haut", "Visage, tronc, membres supérieurs et mains"),
        ("bas", "Bas", "Régions intimes, membres inférieurs et pieds"),
    ]),
    ("habillage", "Habillage", "S'habiller, se déshabiller, se présenter", [
        ("haut", "Haut", "Vêtements passés par les bras et/ou la tête"),
        ("moyen", "Moyen", "Fermeture des vêtements : boutons, fermeture éclair, ceinture, bretelles"),
        ("bas", "Bas", "Vêtements passés par le bas du corps, chaussettes et chaussures comprises"),
    ]),
    ("alimentation", "Alimentation", "Manger les aliments préparés", [
        ("se-servir", "Se servir", "Couper la viande, ouvrir un pot, peler un fruit, remplir son verre"),
        ("manger", "Manger", "Porter les aliments à la bouche et les avaler"),
    ]),
    ("elimination", "Élimination", "Assumer l'hygiène de l'élimination urinaire et fécale", [
        ("urinaire", "Urinaire", "Élimination urinaire"),
        ("fecale", "Fécale", "Élimination fécale"),
    ]),
    ("transferts", "Transferts", "Se lever, se coucher, s'asseoir", []),
    ("deplacements-interieur", "Déplacements à l'intérieur",
     "Avec ou sans canne, déambulateur, fauteuil roulant…", []),
    ("deplacements-exterieur", "Déplacements à l'extérieur",
     "À partir de la porte d'entrée, sans moyen de transport", []),
    ("communication", "Alerter (communication à distance)",
     "Utiliser les moyens de communication : téléphone, sonnette, alarme…", []),
]

ILLUSTRATIVES = [
    ("gestion", "Gestion", "Gérer ses propres affaires, son budget, ses biens"),
    ("cuisine", "Cuisine", "Préparer ses repas et les conditionner pour être servis"),
    ("menage", "Ménage", "Effectuer l'ensemble des travaux ménagers"),
    ("transports", "Transports", "Prendre et/ou commander un moyen de transport"),
    ("achats", "Achats", "Acquisition directe ou par correspondance"),
    ("suivi-traitement", "Suivi du traitement", "Se conformer à l'ordonnance du médecin"),
    ("temps-libre", "Activités du temps libre",
     "Activités sportives, culturelles, sociales, de loisir ou de passe-temps"),
]


def aggir_leaf(link_id, text, required):
    items = [boolean(f"{link_id}.{a}", t, required=False, prefix=a) for a, t in ADVERBES]
    items.append(choice(f"{link_id}.modalite", "Modalité, si elle est codée directement sans les adverbes",
                        AGGIR_MODALITE, MODALITES, required=False))
    return group(link_id, text, items, required)


def aggir():
    variables = []
    for vid, label, definition, subs in DISCRIMINANTES:
        text = f"{label} : {definition}"
        if not subs:
            variables.append(aggir_leaf(vid, text, True))
        else:
            variables.append(group(vid, text, [
                aggir_leaf(f"{vid}.{sid}", f"{label} — {slabel} : {sdef}", True) for sid, slabel, sdef in subs]))
    illustratives = [aggir_leaf(vid, f"{label} : {definition}", False) for vid, label, definition in ILLUSTRATIVES]
    code_system(
        "aggir-variable", "AggirVariable", "Variables de la grille AGGIR",
        "Les dix variables discriminantes et les sept variables illustratives de la grille nationale AGGIR "
        "(annexe 2-1 CASF).",
        [(vid, label, definition) for vid, label, definition, _ in DISCRIMINANTES]
        + [(vid, label, definition) for vid, label, definition in ILLUSTRATIVES])
    code_system(
        "aggir-gir", "AggirGir", "Groupes iso-ressources (GIR)",
        "Groupe iso-ressources calculé par l'algorithme de l'annexe 2-2 du code de l'action sociale et des "
        "familles ; les GIR 1 à 4 ouvrent droit à l'allocation personnalisée d'autonomie (art. R. 232-4 CASF).",
        [("1", "GIR 1", "Confiné au lit ou au fauteuil, fonctions mentales gravement altérées, présence "
                        "indispensable et continue d'intervenants"),
         ("2", "GIR 2", "Confiné au lit ou au fauteuil avec fonctions mentales partiellement altérées, ou "
                        "fonctions mentales altérées avec capacités de déplacement conservées"),
         ("3", "GIR 3", "Autonomie mentale conservée, autonomie locomotrice partielle, aide quotidienne et "
                        "plusieurs fois par jour pour les soins corporels"),
         ("4", "GIR 4", "N'assume pas seul ses transferts mais se déplace à l'intérieur une fois levé, ou aide "
                        "pour les activités corporelles et les repas"),
         ("5", "GIR 5", "Aide ponctuelle pour la toilette, la préparation des repas et le ménage"),
         ("6", "GIR 6", "Autonome pour les actes essentiels de la vie courante")])
    return questionnaire(
        "aggir", "GrilleAggir", "Grille nationale AGGIR",
        "Grille nationale AGGIR (autonomie gérontologique groupes iso-ressources), annexe 2-1 du code de "
        "l'action sociale et des familles et son guide de remplissage (décret n° 2008-821 du 21 août 2008). "
        "Chaque variable ou sous-variable est cotée par les quatre adverbes S, T, C, H (oui aux quatre : A ; "
        "non aux quatre : C ; sinon B) ou directement par sa modalité. Le GIR (1 à 6) est calculé par "
        "l'algorithme de l'annexe 2-2 à partir des huit premières variables discriminantes. Seules les "
        "activités effectuées par la personne seule sont observées, aides techniques comprises.",
        [
            display("consigne",
                    "Observer ce que la personne fait seule, sans l'aide des aidants ni des soignants, aides "
                    "techniques comprises. Pour chaque variable : répondre aux quatre adverbes, ou coder "
                    "directement la modalité A, B ou C."),
            group("variables-discriminantes", "Variables discriminantes (perte d'autonomie physique et psychique)",
                  variables),
            group("variables-illustratives", "Variables illustratives (perte d'autonomie domestique et sociale)",
                  illustratives, required=False),
        ],
        purpose="Évaluation de la perte d'autonomie de la personne âgée (APA, plan d'aide, PPS).",
        copyright_="Texte réglementaire (annexes 2-1 et 2-2 du code de l'action sociale et des familles).")


# --- Zarit ----------------------------------------------------------------------------

ZARIT_ITEMS = [
    "Votre proche vous demande-t-il plus d'aide qu'il n'en a besoin ?",
    "Manquez-vous de temps pour vous-même à cause du temps passé avec votre proche ?",
    "Êtes-vous tiraillé(e) entre l'aide à votre proche et vos autres responsabilités (famille, travail) ?",
    "Vous sentez-vous gêné(e) par les comportements de votre proche ?",
    "Vous sentez-vous irrité(e) en présence de votre proche ?",
    "La situation nuit-elle à vos relations avec votre famille ou vos amis ?",
    "Avez-vous peur de ce que l'avenir réserve à votre proche ?",
    "Sentez-vous que votre proche dépend de vous ?",
    "Vous sentez-vous tendu(e) en présence de votre proche ?",
    "Votre santé a-t-elle souffert de votre engagement auprès de votre proche ?",
    "Manquez-vous d'intimité à cause de votre proche ?",
    "Votre vie sociale a-t-elle souffert de l'aide apportée ?",
    "Êtes-vous mal à l'aise pour recevoir des amis à cause de votre proche ?",
    "Votre proche semble-t-il attendre que vous soyez la seule personne à vous occuper de lui ?",
    "Manquez-vous d'argent pour aider votre proche en plus de vos autres dépenses ?",
    "Sentez-vous que vous ne pourrez plus aider votre proche encore très longtemps ?",
    "Avez-vous perdu la maîtrise de votre vie depuis la maladie de votre proche ?",
    "Souhaiteriez-vous pouvoir confier l'aide de votre proche à quelqu'un d'autre ?",
    "Êtes-vous incertain(e) de ce qu'il faut faire pour votre proche ?",
    "Sentez-vous que vous devriez en faire plus pour votre proche ?",
    "Pensez-vous que vous pourriez mieux aider votre proche ?",
    "Au total, quelle charge ressentez-vous à aider votre proche ?",
]
ZARIT_FREQ = [("jamais", "Jamais", 0), ("rarement", "Rarement", 1), ("quelquefois", "Quelquefois", 2),
              ("assez-souvent", "Assez souvent", 3), ("presque-tout-le-temps", "Presque tout le temps", 4)]
ZARIT_INT = [("pas-du-tout", "Pas du tout", 0), ("un-peu", "Un peu", 1), ("moyennement", "Moyennement", 2),
             ("beaucoup", "Beaucoup", 3), ("enormement", "Énormément", 4)]


def zarit():
    freq = code_system("zarit-frequence", "ZaritFrequence", "Échelle de Zarit : fréquence",
                       "Réponses des items 1 à 21 de l'échelle de Zarit, de 0 (jamais) à 4 (presque tout le temps).",
                       [(c, d, None) for c, d, _ in ZARIT_FREQ])
    intensite = code_system("zarit-intensite", "ZaritIntensite", "Échelle de Zarit : intensité",
                            "Réponses de l'item 22 de l'échelle de Zarit, de 0 (pas du tout) à 4 (énormément).",
                            [(c, d, None) for c, d, _ in ZARIT_INT])
    items = [display("consigne",
                     "Les questions portent sur ce que vous ressentez en aidant votre proche. Pour chacune, "
                     "indiquez la fréquence qui vous correspond le mieux ; il n'y a pas de bonne ou de "
                     "mauvaise réponse.")]
    for i, text in enumerate(ZARIT_ITEMS, 1):
        system, answers = (freq, ZARIT_FREQ) if i < 22 else (intensite, ZARIT_INT)
        items.append(choice(f"zarit-{i}", text, system, answers, prefix=f"{i}."))
    return questionnaire(
        "zarit", "EchelleZarit", "Échelle de pénibilité de Zarit (22 items)",
        "Mesure de la charge ressentie par l'aidant (Zarit Burden Interview, 22 items ; version française "
        "de Hébert, Bravo et Préville, 2000). Score total de 0 à 88 : 0 à 20 charge absente ou légère, 21 à 40 "
        "légère à modérée, 41 à 60 modérée à sévère, plus de 60 sévère. Questionnaire rempli par l'aidant ou "
        "avec lui.",
        items,
        purpose="Repérer l'épuisement de l'aidant et orienter vers le répit ou un soutien (PPS, volet "
                "médico-social).",
        copyright_="Zarit Burden Interview © 1980, 1983, 1990 Steven H. Zarit et Judy M. Zarit ; licence "
                   "Mapi Research Trust. Les libellés de ce questionnaire sont des paraphrases courtes rédigées "
                   "pour Parcours, pas le texte de l'instrument : utiliser la version sous licence pour la "
                   "passation.",
        subject=("Patient", "RelatedPerson"))


# --- PHQ-9 ---------------------------------------------------------------------------

PHQ9_ANSWERS = [("LA6568-5", "Jamais", 0), ("LA6569-3", "Plusieurs jours", 1),
                ("LA6570-1", "Plus de la moitié du temps", 2), ("LA6571-9", "Presque tous les jours", 3)]
PHQ9_ITEMS = [
    ("44250-9", "Little interest or pleasure in doing things",
     "Peu d'intérêt ou de plaisir à faire les choses"),
    ("44255-8", "Feeling down, depressed, or hopeless", "Être triste, déprimé(e) ou désespéré(e)"),
    ("44259-0", "Trouble falling or staying asleep, or sleeping too much",
     "Difficultés à s'endormir ou à rester endormi(e), ou dormir trop"),
    ("44254-1", "Feeling tired or having little energy", "Se sentir fatigué(e) ou manquer d'énergie"),
    ("44251-7", "Poor appetite or overeating", "Avoir peu d'appétit ou manger trop"),
    ("44258-2", "Feeling bad about yourself - or that you are a failure or have let yourself or your family down",
     "Avoir une mauvaise opinion de soi-même, ou le sentiment d'être nul(le), ou d'avoir déçu sa famille "
     "ou s'être déçu(e) soi-même"),
    ("44252-5", "Trouble concentrating on things, such as reading the newspaper or watching television",
     "Avoir du mal à se concentrer, par exemple pour lire le journal ou regarder la télévision"),
    ("44253-3", "Moving or speaking so slowly that other people could have noticed - or the opposite, being so "
                "fidgety or restless that you have been moving around a lot more than usual",
     "Bouger ou parler si lentement que les autres auraient pu le remarquer, ou au contraire être si "
     "agité(e) que vous avez eu du mal à tenir en place"),
    ("44260-8", "Thoughts that you would be better off dead, or of hurting yourself in some way",
     "Penser qu'il vaudrait mieux mourir, ou envisager de vous faire du mal d'une manière ou d'une autre"),
]


def phq9():
    items = [display("consigne",
                     "Au cours des deux dernières semaines, selon quelle fréquence avez-vous été gêné(e) par "
                     "les problèmes suivants ?")]
    for i, (code, english, french) in enumerate(PHQ9_ITEMS, 1):
        items.append(choice(f"phq9-{i}", french, LOINC, PHQ9_ANSWERS, prefix=f"{i}.",
                            code=coding(LOINC, code, english)))
    return questionnaire(
        "phq-9", "Phq9", "Questionnaire sur la santé du patient (PHQ-9)",
        "Repérage et sévérité de la dépression (Kroenke, Spitzer et Williams, 2001). Neuf items cotés de 0 à 3 ; "
        "score total de 0 à 27 : 0 à 4 minime, 5 à 9 léger, 10 à 14 modéré, 15 à 19 modérément sévère, 20 à 27 "
        "sévère. Toute réponse autre que « jamais » à l'item 9 impose d'évaluer sans délai le risque "
        "suicidaire. Peut être rempli par le patient (PROM).",
        items,
        purpose="Repérage de la dépression du patient ou de l'aidant ; suivi de l'évolution.",
        copyright_="PHQ-9 : Drs Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke et collègues, avec une "
                   "bourse d'enseignement de Pfizer Inc. Reproduction, traduction, affichage et diffusion sans "
                   "autorisation préalable. Codes LOINC © Regenstrief Institute.",
        code=[coding(LOINC, "44249-1", "PHQ-9 quick depression assessment panel [Reported.PHQ]")])


# --- MNA-SF --------------------------------------------------------------------------

MNA = [
    ("mna-a", "A", "Le patient mange-t-il moins depuis 3 mois (perte d'appétit, problèmes digestifs, "
                   "difficultés de mastication ou de déglutition) ?",
     [("A0", "Diminution sévère des prises alimentaires", 0),
      ("A1", "Diminution modérée des prises alimentaires", 1),
      ("A2", "Pas de diminution des prises alimentaires", 2)]),
    ("mna-b", "B", "Perte de poids récente (depuis moins de 3 mois)",
     [("B0", "Perte de poids de plus de 3 kg", 0), ("B1", "Ne sait pas", 1),
      ("B2", "Perte de poids entre 1 et 3 kg", 2), ("B3", "Pas de perte de poids", 3)]),
    ("mna-c", "C", "Motricité",
     [("C0", "Du lit au fauteuil", 0), ("C1", "Autonome à l'intérieur", 1), ("C2", "Sort du domicile", 2)]),
    ("mna-d", "D", "Maladie aiguë ou stress psychologique au cours des 3 derniers mois",
     [("D0", "Oui", 0), ("D2", "Non", 2)]),
    ("mna-e", "E", "Problèmes neuropsychologiques",
     [("E0", "Démence ou dépression sévère", 0), ("E1", "Démence légère", 1),
      ("E2", "Pas de problème psychologique", 2)]),
    ("mna-f1", "F1", "Indice de masse corporelle (IMC = poids / taille², en kg/m²)",
     [("F1-0", "IMC inférieur à 19", 0), ("F1-1", "IMC de 19 à moins de 21", 1),
      ("F1-2", "IMC de 21 à moins de 23", 2), ("F1-3", "IMC de 23 et plus", 3)]),
    ("mna-f2", "F2", "Si l'IMC n'est pas disponible : circonférence du mollet (CM, en cm)",
     [("F2-0", "CM inférieure à 31", 0), ("F2-3", "CM de 31 et plus", 3)]),
]


def mna_sf():
    system = code_system("mna-sf-reponse", "MnaSfReponse", "MNA-SF : réponses",
                         "Réponses des items A à F du Mini Nutritional Assessment, forme courte (libellés "
                         "paraphrasés) ; le code porte la lettre de l'item et le nombre de points.",
                         [(c, d, None) for _, _, _, answers in MNA for c, d, _ in answers])
    items = [choice(lid, text, system, answers, required=lid not in ("mna-f1", "mna-f2"), prefix=p + ".")
             for lid, p, text, answers in MNA]
    items.insert(5, display("consigne-f", "Répondre à F1 ; ne répondre à F2 que si l'IMC ne peut pas être "
                                          "calculé (F1 est retenu si les deux sont remplis)."))
    return questionnaire(
        "mna-sf", "MnaSf", "Mini Nutritional Assessment, forme courte (MNA-SF)",
        "Dépistage de la dénutrition de la personne âgée (Rubenstein et al., 2001 ; Kaiser et al., 2009). Six "
        "items, score de 0 à 14 : 12 à 14 état nutritionnel normal, 8 à 11 risque de dénutrition, 0 à 7 "
        "dénutrition. L'item F2 (circonférence du mollet) remplace F1 (IMC) quand le poids ou la taille ne "
        "sont pas connus.",
        items,
        purpose="Repérage de la dénutrition dans l'évaluation gériatrique et le suivi du PPS.",
        copyright_="MNA® : marque de Société des Produits Nestlé S.A. Les libellés sont des paraphrases "
                   "courtes rédigées pour Parcours ; le formulaire original est disponible sur mna-elderly.com. "
                   "Codes LOINC © Regenstrief Institute.",
        code=[coding(LOINC, "107107-5", "Mini Nutritional Assessment - Short Form (MNA-SF)")])


# --- ISAR ------------------------------------------------------------------------------

ISAR_ITEMS = [
    "Avant la maladie ou la blessure qui vous amène aux urgences, aviez-vous besoin d'aide de façon régulière ?",
    "Depuis cette maladie ou cette blessure, avez-vous besoin de plus d'aide que d'habitude ?",
    "Avez-vous été hospitalisé(e) une nuit ou plus au cours des 6 derniers mois (hors passage aux urgences) ?",
    "En général, voyez-vous bien ?",
    "En général, avez-vous de sérieux problèmes de mémoire ?",
    "Prenez-vous plus de trois médicaments différents par jour ?",
]


def isar():
    items = [boolean(f"isar-{i}", t, prefix=f"{i}.") for i, t in enumerate(ISAR_ITEMS, 1)]
    return questionnaire(
        "isar", "Isar", "Identification of Seniors At Risk (ISAR)",
        "Repérage, chez la personne de 65 ans et plus vue aux urgences ou à la sortie d'hospitalisation, du "
        "risque d'évolution défavorable (déclin fonctionnel, réhospitalisation, institutionnalisation) "
        "(McCusker et al., 1999). Six questions oui/non, un point par « oui » sauf la question 4 où « non » "
        "compte ; score de 0 à 6, à risque à partir de 2.",
        items,
        purpose="Déclencher une évaluation gériatrique et une coordination de sortie.")


# --- Katz ------------------------------------------------------------------------------

KATZ = [
    ("toilette", "Toilette (bain ou douche)",
     "Autonome : se lave seul(e) entièrement, ou n'a besoin d'aide que pour une partie du corps (dos, région "
     "génitale, membre handicapé). Dépendant : a besoin d'aide pour plus d'une partie du corps, pour entrer "
     "dans la baignoire ou la douche ou en sortir, ou est lavé(e) entièrement."),
    ("habillage", "Habillage",
     "Autonome : prend ses vêtements et s'habille entièrement ; une aide pour lacer les chaussures est "
     "admise. Dépendant : a besoin d'aide pour s'habiller, ou doit être habillé(e) entièrement."),
    ("aller-aux-toilettes", "Aller aux toilettes",
     "Autonome : va aux toilettes, s'y installe, se rhabille et s'essuie seul(e). Dépendant : a besoin "
     "d'aide pour aller aux toilettes ou pour s'essuyer, ou utilise un bassin ou une chaise percée."),
    ("transferts", "Transferts",
     "Autonome : se couche et se lève du lit ou du fauteuil seul(e) ; des aides techniques sont admises. "
     "Dépendant : a besoin d'aide pour passer du lit au fauteuil, ou doit être transféré(e) entièrement."),
    ("continence", "Continence",
     "Autonome : contrôle entièrement la miction et la défécation. Dépendant : incontinence urinaire ou "
     "fécale partielle ou totale."),
    ("alimentation", "Alimentation",
     "Autonome : porte les aliments de l'assiette à la bouche sans aide ; la préparation du repas peut être "
     "faite par un tiers. Dépendant : a besoin d'aide partielle ou totale pour manger, ou alimentation "
     "parentérale."),
]


def katz():
    system = code_system("katz-adl-niveau", "KatzAdlNiveau", "Échelle ADL de Katz : niveaux",
                         "Cotation de chaque activité de l'échelle de Katz (Hartford Institute, Try This n° 2) : "
                         "autonome (1 point) ou dépendant (0 point).",
                         [("autonome", "Autonome", "Réalise l'activité sans supervision, direction ni aide "
                                                   "personnelle (1 point)"),
                          ("dependant", "Dépendant", "A besoin de supervision, de direction, d'aide "
                                                     "personnelle ou de soins complets (0 point)")])
    answers = [("autonome", "Autonome", 1), ("dependant", "Dépendant", 0)]
    items = [choice(f"katz-{fid}", f"{label}. {criteria}", system, answers, prefix=f"{i}.")
             for i, (fid, label, criteria) in enumerate(KATZ, 1)]
    return questionnaire(
        "katz-adl", "KatzAdl", "Échelle ADL de Katz (activités de base de la vie quotidienne)",
        "Indice d'indépendance de Katz (Katz et al., 1963), cotation du Hartford Institute for Geriatric "
        "Nursing (Try This n° 2) : six activités, 1 point si la personne est autonome, 0 sinon. Score de 0 à 6 : "
        "6 autonomie complète, 3 à 5 dépendance modérée, 0 à 2 dépendance sévère.",
        items,
        purpose="Évaluation des activités de base de la vie quotidienne (évaluation gériatrique standardisée).")


# --- Lawton ----------------------------------------------------------------------------

LAWTON = [
    ("telephone", "Utilisation du téléphone", [
        ("telephone-1", "Se sert du téléphone de sa propre initiative, cherche et compose les numéros", 1),
        ("telephone-2", "Compose quelques numéros bien connus", 1),
        ("telephone-3", "Répond au téléphone mais n'appelle pas", 1),
        ("telephone-4", "N'utilise pas du tout le téléphone", 0)], True),
    ("courses", "Courses", [
        ("courses-1", "Fait toutes ses courses de façon indépendante", 1),
        ("courses-2", "Fait seul(e) les petits achats", 0),
        ("courses-3", "A besoin d'être accompagné(e) pour faire ses courses", 0),
        ("courses-4", "Est totalement incapable de faire ses courses", 0)], True),
    ("repas", "Préparation des repas (non cotée chez l'homme selon la convention de 1969)", [
        ("repas-1", "Prévoit, prépare et sert des repas suffisants de façon indépendante", 1),
        ("repas-2", "Prépare des repas suffisants si on lui fournit les ingrédients", 0),
        ("repas-3", "Réchauffe et sert des plats préparés, ou prépare des repas sans assurer une "
                    "alimentation suffisante", 0),
        ("repas-4", "A besoin qu'on lui prépare et serve les repas", 0)], False),
    ("menage", "Entretien ménager (non coté chez l'homme selon la convention de 1969)", [
        ("menage-1", "Entretient sa maison seul(e) ou avec une aide occasionnelle pour les gros travaux", 1),
        ("menage-2", "Effectue des tâches quotidiennes légères (vaisselle, lit)", 1),
        ("menage-3", "Effectue des tâches quotidiennes légères sans maintenir un niveau de propreté "
                     "suffisant", 1),
        ("menage-4", "A besoin d'aide pour tous les travaux d'entretien", 1),
        ("menage-5", "Ne participe à aucune tâche ménagère", 0)], False),
    ("linge", "Blanchisserie (non cotée chez l'homme selon la convention de 1969)", [
        ("linge-1", "Lave tout son linge personnel", 1),
        ("linge-2", "Lave les petites pièces de linge (chaussettes, bas)", 1),
        ("linge-3", "Tout le linge doit être lavé par un tiers", 0)], False),
    ("transports", "Moyens de transport", [
        ("transports-1", "Utilise seul(e) les transports en commun ou conduit sa voiture", 1),
        ("transports-2", "Commande et utilise seul(e) un taxi mais pas les transports en commun", 1),
        ("transports-3", "Utilise les transports en commun s'il (elle) est accompagné(e)", 1),
        ("transports-4", "Se déplace seulement en taxi ou en voiture, avec une aide", 0),
        ("transports-5", "Ne se déplace pas du tout", 0)], True),
    ("medicaments", "Responsabilité de la prise des médicaments", [
        ("medicaments-1", "Prend ses médicaments seul(e), à la bonne dose et au bon moment", 1),
        ("medicaments-2", "Prend ses médicaments s'ils sont préparés à l'avance en doses séparées", 0),
        ("medicaments-3", "Est incapable de prendre seul(e) ses médicaments", 0)], True),
    ("budget", "Gestion du budget", [
        ("budget-1", "Gère ses finances de façon autonome (budget, chèques, loyer, factures, banque)", 1),
        ("budget-2", "Gère les dépenses du quotidien mais a besoin d'aide pour la banque et les grosses "
                     "dépenses", 1),
        ("budget-3", "Est incapable de gérer son argent", 0)], True),
]


def lawton():
    system = code_system("lawton-iadl-reponse", "LawtonIadlReponse", "Échelle IADL de Lawton : réponses",
                         "Niveaux de réalisation des huit activités instrumentales de l'échelle de Lawton et "
                         "Brody (1969) ; la définition donne le point attribué.",
                         [(c, d, f"{s} point") for _, _, answers, _ in LAWTON for c, d, s in answers])
    convention = code_system(
        "lawton-iadl-convention", "LawtonIadlConvention", "Échelle IADL de Lawton : convention de cotation",
        "Convention de cotation de l'échelle IADL de Lawton.",
        [("lawton-brody-1969", "Convention de Lawton et Brody (1969)",
          "Femmes cotées sur 8 domaines ; hommes sur 5 (préparation des repas, ménage et linge exclus)"),
         ("huit-domaines", "Huit domaines pour tous", "Les huit domaines sont cotés quel que soit le sexe")])
    items = [
        choice("lawton-sexe", "Sexe de la personne évaluée (pour la convention de cotation)", GENDER,
               [("female", "Femme", 0), ("male", "Homme", 0)]),
        choice("lawton-convention", "Convention de cotation (par défaut : Lawton et Brody 1969)", convention,
               [("lawton-brody-1969", "Convention de Lawton et Brody (1969)", 0),
                ("huit-domaines", "Huit domaines pour tous", 0)], required=False),
    ]
    for i, (did, label, answers, required) in enumerate(LAWTON, 1):
        items.append(choice(f"lawton-{did}", label, system, answers, required=required, prefix=f"{i}."))
    return questionnaire(
        "lawton-iadl", "LawtonIadl", "Échelle IADL de Lawton (activités instrumentales de la vie quotidienne)",
        "Activités instrumentales de la vie quotidienne (Lawton et Brody, 1969) : huit domaines cotés 1 ou 0. "
        "Selon la publication originale, les femmes sont cotées sur 8 et les hommes sur 5 (préparation des "
        "repas, ménage et linge exclus) ; la convention « huit domaines pour tous » peut être choisie. Pas de "
        "seuil publié : un score inférieur au maximum signale une dépendance pour au moins une activité.",
        items,
        purpose="Évaluation de l'autonomie domestique et sociale (évaluation gériatrique, plan d'aide).")


# --- Fried ---------------------------------------------------------------------------

FRIED = [
    ("perte-de-poids", "Perte de poids involontaire de 4,5 kg ou plus (ou d'au moins 5 % du poids) au cours "
                       "de la dernière année"),
    ("epuisement", "Épuisement ressenti : réponse « souvent » ou « la plupart du temps » à l'un des deux "
                   "items de la CES-D (« tout me demandait un effort », « je ne pouvais pas me mettre en "
                   "route ») au cours de la semaine écoulée"),
    ("force-prehension", "Force de préhension diminuée (20 % les plus faibles, seuils selon le sexe et l'IMC)"),
    ("vitesse-marche", "Vitesse de marche lente : temps pour parcourir 4,57 m dans les 20 % les plus lents "
                       "(seuils selon le sexe et la taille)"),
    ("activite-physique", "Activité physique faible (dépense hebdomadaire dans les 20 % les plus faibles : "
                          "moins de 383 kcal chez l'homme, 270 kcal chez la femme)"),
]


def fried():
    items = [display("consigne", "Pour chaque critère, répondre « oui » s'il est présent, mesuré selon les "
                                 "seuils publiés (Fried et al., 2001).")]
    items += [boolean(f"fried-{cid}", text, prefix=f"{i}.") for i, (cid, text) in enumerate(FRIED, 1)]
    return questionnaire(
        "fried", "FragiliteFried", "Phénotype de fragilité de Fried",
        "Phénotype de fragilité (Fried et al., 2001) : cinq critères présents ou absents. 0 critère : "
        "robuste ; 1 ou 2 : pré-fragile ; 3 ou plus : fragile.",
        items,
        purpose="Repérage de la fragilité de la personne âgée (parcours personne âgée en risque de perte "
                "d'autonomie).")


# --- Codes of the results ----------------------------------------------------------------

def result_code_systems():
    code_system(
        "evaluation-score", "EvaluationScore", "Scores des instruments d'évaluation",
        "Ce que mesurent les Observations issues des instruments d'évaluation quand LOINC n'a pas de code "
        "(les scores du PHQ-9 et du MNA-SF sont codés en LOINC).",
        [("aggir-gir", "Groupe iso-ressources (GIR), grille AGGIR", None),
         ("aggir-rang", "Rang AGGIR (annexe 2-2 CASF)", "Rang 1 à 13 donné par l'algorithme AGGIR"),
         ("zarit-score-total", "Score total de Zarit (22 items)", "0 à 88"),
         ("isar-score-total", "Score ISAR", "0 à 6"),
         ("katz-adl-score-total", "Score ADL de Katz", "0 à 6"),
         ("lawton-iadl-score-total", "Score IADL de Lawton", "0 à 8 (femmes) ou 0 à 5 (hommes, convention 1969)"),
         ("lawton-iadl-score-maximum", "Score maximal selon la convention", "5 ou 8"),
         ("fried-nombre-criteres", "Nombre de critères de fragilité de Fried", "0 à 5")])
    code_system(
        "evaluation-interpretation", "EvaluationInterpretation", "Interprétation des scores d'évaluation",
        "Classes d'interprétation publiées de chaque instrument (Observation.interpretation).",
        [("zarit-absente-legere", "Charge absente ou légère", "Zarit 0 à 20"),
         ("zarit-legere-moderee", "Charge légère à modérée", "Zarit 21 à 40"),
         ("zarit-moderee-severe", "Charge modérée à sévère", "Zarit 41 à 60"),
         ("zarit-severe", "Charge sévère", "Zarit 61 à 88"),
         ("phq9-minimale", "Symptômes dépressifs minimes ou absents", "PHQ-9 0 à 4"),
         ("phq9-legere", "Symptômes dépressifs légers", "PHQ-9 5 à 9"),
         ("phq9-moderee", "Symptômes dépressifs modérés", "PHQ-9 10 à 14"),
         ("phq9-moderement-severe", "Symptômes dépressifs modérément sévères", "PHQ-9 15 à 19"),
         ("phq9-severe", "Symptômes dépressifs sévères", "PHQ-9 20 à 27"),
         ("mna-normal", "État nutritionnel normal", "MNA-SF 12 à 14"),
         ("mna-risque", "Risque de dénutrition", "MNA-SF 8 à 11"),
         ("mna-denutrition", "Dénutrition", "MNA-SF 0 à 7"),
         ("isar-risque-faible", "Risque faible", "ISAR 0 ou 1"),
         ("isar-risque-eleve", "Personne âgée à risque d'évolution défavorable", "ISAR 2 à 6"),
         ("katz-autonome", "Autonomie complète pour les activités de base de la vie quotidienne", "Katz 6"),
         ("katz-dependance-moderee", "Dépendance modérée", "Katz 3 à 5"),
         ("katz-dependance-severe", "Dépendance sévère", "Katz 0 à 2"),
         ("lawton-autonome", "Autonome pour les activités instrumentales", "Lawton : score maximal"),
         ("lawton-dependance", "Dépendance pour au moins une activité instrumentale",
          "Lawton : score inférieur au maximal"),
         ("fried-robuste", "Robuste", "Fried : 0 critère"),
         ("fried-pre-fragile", "Pré-fragile", "Fried : 1 ou 2 critères"),
         ("fried-fragile", "Fragile", "Fried : 3 critères ou plus")])


def write(resource):
    fhir_content.write(HERE, resource)


def main():
    for build in (aggir, zarit, phq9, mna_sf, isar, katz, lawton, fried):
        write(build())
    result_code_systems()
    for cs in CODE_SYSTEMS.values():
        write(cs)


if __name__ == "__main__":
    main()
