#!/usr/bin/env python3
"""Writes the local CodeSystems and SearchParameters of the coordination
workflow and of the resource directory as FHIR R4 JSON, one file per resource
next to this script. The C++ side names the same codes in
src/coordination/workflow/codes.h and src/directory/codes.h;
tests/unit/workflow_test.cc and tests/unit/territory_test.cc keep them in
step.

    python3 content/coordination/generate.py
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import fhir_content  # noqa: E402  (content/fhir_content.py, shared by the generators)
from fhir_content import BASE, DATE, VERSION, code_system  # noqa: E402



def concept(code, display, definition, props=None):
    c = {"code": code, "display": display, "definition": definition}
    if props:
        c["property"] = props
    return c


def indicator(code, display, definition):
    return concept(code, display, definition, [{"code": "nature", "valueCode": "indicateur"}])


RESOURCES = [
    code_system(
        "niveau-coordination",
        "NiveauCoordination",
        "Niveaux d'intensité de la coordination",
        "Niveaux d'intensité observés par l'IGAS dans les dispositifs de coordination (rapport "
        "2014-010R, §[266]-[270], exemple de Santélys) ; durée et coût typiques observés. Les "
        "tarifs appliqués se configurent par structure et par financeur.",
        [
            concept(
                "information-orientation",
                "Information et orientation",
                "Réponse à une demande d'information ou orientation vers le bon interlocuteur, sans évaluation.",
                [{"code": "duree-typique-minutes", "valueInteger": 30},
                 {"code": "cout-observe-euros", "valueDecimal": 22}],
            ),
            concept(
                "coordination-simple",
                "Coordination simple",
                "Évaluation formalisée et mobilisation d'un ou deux intervenants.",
                [{"code": "duree-typique-minutes", "valueInteger": 120},
                 {"code": "cout-observe-euros", "valueDecimal": 80}],
            ),
            concept(
                "coordination-complexe",
                "Coordination complexe",
                "Plus de deux intervenants, ou un dossier de financement, ou une expertise extérieure.",
                [{"code": "duree-typique-minutes", "valueInteger": 180},
                 {"code": "cout-observe-euros", "valueDecimal": 135}],
            ),
        ],
        [
            {"code": "duree-typique-minutes", "description": "Temps de coordination typique observé (minutes)",
             "type": "integer"},
            {"code": "cout-observe-euros", "description": "Coût observé par l'IGAS (euros)", "type": "decimal"},
        ],
    ),
    code_system(
        "type-structure-coordination",
        "TypeStructureCoordination",
        "Types de structures de coordination",
        "Structures qui portent des dossiers de coordination (Organization.type) : un EpisodeOfCare "
        "géré par l'une d'elles est un dossier de coordination, soumis aux règles du parcours "
        "(triage, clôture motivée, retours au médecin traitant).",
        [
            concept("dac", "Dispositif d'appui à la coordination (DAC)",
                    "Dispositif d'appui à la coordination des parcours de santé complexes (CSP, art. L. 6327-2)."),
            concept("pta", "Plateforme territoriale d'appui (PTA)",
                    "Plateforme territoriale d'appui, intégrée aux DAC depuis la loi du 24 juillet 2019."),
            concept("maia", "Dispositif MAIA",
                    "Méthode d'action pour l'intégration des services d'aide et de soin dans le champ de "
                    "l'autonomie (gestion de cas), intégrée aux DAC."),
            concept("reseau-sante", "Réseau de santé", "Réseau de santé (CSP, art. L. 6321-1)."),
            concept("equipe-sortie-hospitaliere", "Équipe de coordination de sortie",
                    "Équipe d'un établissement de santé qui organise le retour à domicile."),
            concept("equipe-ehpad", "Équipe de coordination d'EHPAD",
                    "Médecin coordonnateur et infirmier coordinateur d'un établissement pour personnes âgées."),
        ],
    ),
    code_system(
        "motif-cloture",
        "MotifCloture",
        "Motifs de clôture d'un dossier de coordination",
        "Pourquoi un dossier de coordination (EpisodeOfCare) est clos ; sert aux rapports d'activité "
        "(clôtures par motif).",
        [
            concept("objectifs-atteints", "Objectifs atteints", "Les objectifs du PPS sont atteints ; le relais "
                    "est pris par le médecin traitant et les intervenants habituels."),
            concept("demenagement", "Déménagement", "La personne quitte le territoire du dispositif."),
            concept("hospitalisation-longue", "Hospitalisation de longue durée",
                    "Hospitalisation ou séjour de soins prolongé qui suspend durablement la coordination."),
            concept("entree-etablissement", "Entrée en établissement",
                    "Entrée en établissement d'hébergement (EHPAD, USLD, établissement médico-social)."),
            concept("deces", "Décès", "Décès de la personne."),
            concept("refus-personne", "Refus de la personne",
                    "La personne (ou son représentant) ne souhaite plus être accompagnée."),
            concept("relais-autre-dispositif", "Relais par un autre dispositif",
                    "La situation relève d'un autre dispositif (HAD, SSIAD, équipe spécialisée...)."),
            concept("non-eligible", "Non éligible", "La demande ne relève pas des missions de la structure."),
            concept("autre", "Autre motif", "Motif précisé en note."),
        ],
    ),
    code_system(
        "jalon-coordination",
        "JalonCoordination",
        "Jalons d'un parcours coordonné signalés au médecin traitant",
        "Étapes d'une coordination qui donnent lieu à un retour formalisé au médecin traitant "
        "(IGAS 2014, §[226] et [332] : seuls 56 % des dispositifs faisaient un retour formalisé).",
        [
            concept("demande-acceptee", "Demande de coordination acceptée",
                    "La structure accepte la demande et ouvre le dossier."),
            concept("demande-refusee", "Demande de coordination refusée", "La demande est déclinée, avec son motif."),
            concept("pps-propose", "PPS proposé pour validation",
                    "Un plan personnalisé de santé est soumis à la validation du médecin traitant."),
            concept("pps-valide", "PPS validé", "Le médecin traitant a validé le PPS, qui devient actif."),
            concept("pps-modifications-demandees", "Modifications du PPS demandées",
                    "Le médecin traitant demande des modifications avant validation."),
            concept("evenement-significatif", "Événement significatif",
                    "Hospitalisation, chute, alerte, changement de situation."),
            concept("cloture", "Clôture du dossier", "Le dossier de coordination est clos, avec son motif."),
            concept("lettre-de-liaison", "Lettre de liaison de sortie",
                    "La lettre de liaison de sortie est transmise au médecin traitant le jour de la sortie "
                    "(CSP, art. R. 1112-1-2)."),
            concept("reouverture", "Dossier rouvert", "Un dossier clos est rouvert."),
        ],
    ),
    code_system(
        "communication-category",
        "CategorieCommunication",
        "Catégories des messages de Parcours",
        "Catégories des messages (Communication) que Parcours écrit lui-même.",
        [
            concept("retour-medecin-traitant", "Retour au médecin traitant",
                    "Retour formalisé au médecin traitant à un jalon de la coordination."),
            concept("break-glass-notice", "Accès en urgence au dossier",
                    "Information du médecin traitant d'un accès en urgence (bris de glace) au dossier."),
            concept("relance-retard", "Relance d'une échéance dépassée",
                    "Alerte du gestionnaire de cas : une tâche du parcours a dépassé son échéance."),
            concept("plafond-file-active", "Plafond de file active",
                    "Alerte du gestionnaire de cas : sa file active dépasse le plafond fixé par la structure."),
        ],
    ),
    code_system(
        "tache-coordination",
        "TacheCoordination",
        "Tâches créées par le suivi de la coordination",
        "Tâches que Parcours crée lui-même lors du suivi d'un parcours (Task.code) et leur statut "
        "métier (Task.businessStatus).",
        [
            concept("reevaluation-pps", "Réévaluation du PPS",
                    "Le PPS a atteint sa date de révision : réévaluer la situation et réviser le plan."),
            concept("en-retard", "En retard",
                    "Statut métier : l'échéance de la tâche (Task.restriction.period.end) est dépassée ; "
                    "le gestionnaire de cas a été alerté."),
        ],
    ),
    code_system(
        "type-lettre-liaison",
        "TypeLettreLiaison",
        "Lettres de liaison ville-hôpital",
        "Les deux lettres de liaison du CSP (art. L. 1112-1) : la lettre d'entrée du praticien de ville "
        "(art. R. 1112-1-1) et la lettre de liaison de sortie de l'établissement (art. R. 1112-1-2). "
        "Composition.type ; les codes LOINC 57133-1 (Referral note) et 18842-5 (Discharge summary) "
        "sont reconnus aussi.",
        [
            concept("lettre-entree", "Lettre de liaison d'entrée",
                    "Lettre par laquelle un praticien de ville adresse un patient à un établissement de santé "
                    "(CSP, art. R. 1112-1-1)."),
            concept("lettre-sortie", "Lettre de liaison de sortie",
                    "Lettre remise au patient et transmise au médecin traitant le jour de la sortie "
                    "(CSP, art. R. 1112-1-2)."),
        ],
    ),
    code_system(
        "section-lettre-liaison",
        "SectionLettreLiaison",
        "Sections des lettres de liaison",
        "Rubriques des lettres de liaison (Composition.section.code) ; celles que le CSP rend "
        "obligatoires sont vérifiées quand la lettre est finalisée (status final ou amended).",
        [
            concept("motif-hospitalisation", "Motif de l'hospitalisation",
                    "Motifs de la demande d'hospitalisation (entrée) ou de l'hospitalisation (sortie)."),
            concept("traitements-en-cours", "Traitements en cours", "Traitements en cours à l'entrée."),
            concept("allergies", "Allergies connues", "Allergies et intolérances connues."),
            concept("antecedents", "Antécédents", "Antécédents médicaux et chirurgicaux."),
            concept("contexte-de-vie", "Contexte de vie",
                    "Entourage, aidant, aides en place, personne de confiance."),
            concept("evenements-significatifs", "Synthèse du séjour et événements significatifs",
                    "Synthèse médicale du séjour : événements indésirables, micro-organismes multirésistants, "
                    "produits sanguins, dispositifs implantés."),
            concept("etat-sortie", "État à la sortie", "État clinique et autonomie à la sortie."),
            concept("traitements-sortie", "Traitements à la sortie",
                    "Traitements prescrits à la sortie, nouveaux ou poursuivis."),
            concept("traitements-arretes", "Traitements arrêtés et motifs",
                    "Traitements arrêtés pendant le séjour, avec le motif de chaque arrêt."),
            concept("resultats-sortie", "Résultats à la sortie",
                    "Valeurs cliniques et biologiques à la sortie, résultats en attente."),
            concept("suites-a-donner", "Suites à donner",
                    "Planification des soins après la sortie, aides recommandées, rendez-vous."),
            concept("ordonnance", "Ordonnance de sortie", "Prescription claire et détaillée."),
        ],
    ),
    code_system(
        "indicateur-activite",
        "IndicateurActivite",
        "Indicateurs du rapport d'activité d'une structure de coordination",
        "Indicateurs du rapport d'activité d'une structure de coordination sur une période "
        "(MeasureReport.group.code de l'opération Organization/$activity-report) et axes de "
        "ventilation (MeasureReport.group.stratifier.code). Ce que les financeurs demandent : file "
        "active, patients par gestionnaire de cas, durée de suivi, PPS produits et validés par le "
        "médecin traitant, retours au médecin traitant, délais (IGAS 2014, §[325]-[345]) ; montant dû "
        "selon deux ou trois tarifs fixés par niveau de complexité (§[262]-[264], [282]). Définitions détaillées : "
        "docs/coordination.md, section « Activity report ».",
        [
            indicator("file-active", "File active",
                      "Dossiers de coordination actifs ou suspendus à un moment de la période "
                      "(EpisodeOfCare.status, statusHistory), ventilés par niveau d'intensité."),
            indicator("nouvelles-demandes", "Nouvelles demandes",
                      "Dossiers dont la demande date de la période : date de la demande d'orientation "
                      "(ServiceRequest.authoredOn de EpisodeOfCare.referralRequest), à défaut début de "
                      "prise en charge (EpisodeOfCare.period.start), à défaut création du dossier."),
            indicator("inclusions", "Inclusions",
                      "Dossiers devenus actifs pour la première fois pendant la période (inclusion), "
                      "ventilés par niveau d'intensité."),
            indicator("file-active-par-gestionnaire", "File active par gestionnaire de cas",
                      "Dossiers de la file active par gestionnaire de cas (EpisodeOfCare.careManager) ; "
                      "score : moyenne par gestionnaire."),
            indicator("delai-inclusion-median", "Délai médian demande → inclusion",
                      "Médiane, en jours, du délai entre la demande et l'inclusion, pour les dossiers "
                      "inclus pendant la période."),
            indicator("delai-inclusion-moyen", "Délai moyen demande → inclusion",
                      "Moyenne, en jours, du délai entre la demande et l'inclusion, pour les dossiers "
                      "inclus pendant la période."),
            indicator("delai-evaluation-median", "Délai médian demande → première évaluation",
                      "Médiane, en jours, du délai entre la demande et la première évaluation "
                      "(QuestionnaireResponse.authored d'un instrument livré, complétée), pour les dossiers "
                      "dont la première évaluation date de la période."),
            indicator("delai-evaluation-moyen", "Délai moyen demande → première évaluation",
                      "Moyenne, en jours, du délai entre la demande et la première évaluation, pour les "
                      "dossiers dont la première évaluation date de la période."),
            indicator("delai-pps-valide-median", "Délai médian demande → PPS validé",
                      "Médiane, en jours, du délai entre la demande et la première validation d'un PPS par "
                      "le médecin traitant (extension validation-pps, date), pour les dossiers dont cette "
                      "validation date de la période."),
            indicator("delai-pps-valide-moyen", "Délai moyen demande → PPS validé",
                      "Moyenne, en jours, du délai entre la demande et la première validation d'un PPS par "
                      "le médecin traitant, pour les dossiers dont cette validation date de la période."),
            indicator("pps-produits", "PPS produits",
                      "Plans personnalisés de santé (volet clinique) des patients de la structure créés "
                      "pendant la période (CarePlan.created, à défaut date d'enregistrement)."),
            indicator("pps-valides", "PPS validés par le médecin traitant",
                      "Part des PPS produits pendant la période validés par le médecin traitant avant la fin "
                      "de la période (extension validation-pps)."),
            indicator("retours-envoyes", "Retours au médecin traitant envoyés",
                      "Messages de retour au médecin traitant (Communication de catégorie "
                      "retour-medecin-traitant) sur les dossiers ou les PPS de la structure, envoyés pendant "
                      "la période, ventilés par jalon."),
            indicator("retours-lus", "Retours lus par le médecin traitant",
                      "Part des retours envoyés pendant la période que le logiciel du médecin traitant a "
                      "marqués lus (Communication.received)."),
            indicator("jalons-avec-retour", "Jalons ayant donné lieu à un retour",
                      "Part des jalons de la période (inclusions, clôtures, propositions et validations de "
                      "PPS) suivis d'un retour au médecin traitant sur le même dossier ou le même PPS."),
            indicator("duree-suivi-mediane", "Durée médiane de suivi",
                      "Médiane, en jours, de la durée entre l'inclusion et la clôture des dossiers clos "
                      "pendant la période."),
            indicator("duree-suivi-moyenne", "Durée moyenne de suivi",
                      "Moyenne, en jours, de la durée entre l'inclusion et la clôture des dossiers clos "
                      "pendant la période."),
            indicator("clotures", "Clôtures",
                      "Dossiers clos pendant la période (et non rouverts depuis), ventilés par motif de "
                      "clôture."),
            indicator("taches-en-retard", "Tâches en retard",
                      "Tâches ouvertes des patients de la structure marquées en retard par le suivi "
                      "(Task.businessStatus en-retard), à la date du rapport."),
            indicator("tarif", "Tarif appliqué",
                      "Tarif par dossier inclus de chaque niveau d'intensité : coût observé du CodeSystem "
                      "niveau-coordination, sauf tarif donné en paramètre de l'opération."),
            indicator("montant-du", "Montant dû",
                      "Dossiers inclus pendant la période multipliés par le tarif de leur niveau "
                      "d'intensité."),
            concept("niveau", "Niveau d'intensité", "Ventilation par niveau d'intensité de la coordination "
                    "(EpisodeOfCare.type, CodeSystem niveau-coordination).",
                    [{"code": "nature", "valueCode": "ventilation"}]),
            concept("gestionnaire", "Gestionnaire de cas",
                    "Ventilation par gestionnaire de cas (EpisodeOfCare.careManager, par référence).",
                    [{"code": "nature", "valueCode": "ventilation"}]),
            concept("motif-cloture", "Motif de clôture",
                    "Ventilation par motif de clôture (extension motif-cloture).",
                    [{"code": "nature", "valueCode": "ventilation"}]),
            concept("jalon", "Jalon signalé", "Ventilation par jalon signalé au médecin traitant "
                    "(Communication.topic, CodeSystem jalon-coordination).",
                    [{"code": "nature", "valueCode": "ventilation"}]),
        ],
        [
            {"code": "nature", "description": "indicateur (MeasureReport.group.code) ou ventilation "
             "(MeasureReport.group.stratifier.code)", "type": "code"},
        ],
    ),
    code_system(
        "checklist-sortie",
        "ChecklistSortie",
        "Liste de vérification de la sortie d'hospitalisation",
        "Ce qui doit être fait pour un retour à domicile sûr (brief §4 ; seed 000, P3-17 : rendez-vous, "
        "ordonnances, reprise des aides à domicile, pharmacie) ; une tâche (Task.code) par élément, "
        "rattachée au séjour (Task.focus = Encounter). Le délai entre la sortie et la réalisation de "
        "chaque élément est suivi.",
        [
            concept("rendez-vous-programmes", "Rendez-vous de suivi programmés",
                    "Les rendez-vous prévus par la lettre de liaison (médecin traitant, spécialiste, "
                    "infirmier) sont pris et communiqués au patient."),
            concept("ordonnance-remise", "Ordonnance de sortie remise et expliquée",
                    "L'ordonnance de sortie est remise au patient, expliquée, et transmise au médecin "
                    "traitant."),
            concept("aides-domicile-reprises", "Aides à domicile remises en place",
                    "Les aides à domicile (aide à domicile, portage de repas, SSIAD) sont prévenues de la "
                    "date de retour et reprennent."),
            concept("pharmacie-informee", "Pharmacie d'officine informée",
                    "La pharmacie habituelle connaît le traitement de sortie (conciliation, disponibilité "
                    "des médicaments)."),
        ],
    ),
    # --- The resource directory (src/directory/codes.h names the same URLs).
    code_system(
        "type-service",
        "TypeService",
        "Types de services de l'annuaire",
        "Ce que fait un service de l'annuaire (HealthcareService.type). Codes propres à Parcours : "
        "l'équivalent national (activités opérationnelles du ROR, nomenclatures de l'ANS) n'a pas pu être "
        "vérifié code par code. La spécialité médicale se code à part (HealthcareService.specialty, "
        "TRE_R38 de l'ANS).",
        [
            concept("medecine-generale", "Consultation de médecine générale",
                    "Consultations et visites d'un cabinet de médecine générale ou d'une maison de santé ; "
                    "le médecin traitant (CSS, art. L. 162-5-3)."),
            concept("soins-infirmiers", "Soins infirmiers",
                    "Soins infirmiers au cabinet et à domicile, sur prescription."),
            concept("kinesitherapie", "Masso-kinésithérapie", "Rééducation au cabinet et à domicile."),
            concept("pharmacie", "Pharmacie d'officine",
                    "Dispensation des médicaments, conseil pharmaceutique, bilans partagés de médication."),
            concept("biologie", "Biologie médicale",
                    "Prélèvements et analyses d'un laboratoire de biologie médicale."),
            concept("consultation-specialisee", "Consultation spécialisée",
                    "Consultations externes d'une spécialité médicale (laquelle : HealthcareService.specialty)."),
            concept("urgences", "Accueil des urgences",
                    "Structure des urgences d'un établissement de santé, ouverte en permanence (CSP, art. "
                    "R. 6123-1)."),
            concept("maison-medicale-garde", "Maison médicale de garde",
                    "Permanence des soins ambulatoires : consultations de médecine générale le soir, le samedi "
                    "après-midi, le dimanche et les jours fériés (CSP, art. R. 6315-1), après appel au 116 117."),
            concept("ssiad", "Soins infirmiers à domicile (SSIAD)",
                    "Soins infirmiers et d'hygiène à domicile pour des personnes âgées ou handicapées, sur "
                    "prescription (CASF, art. D. 312-1), dans une zone d'intervention."),
            concept("hebergement-permanent", "Hébergement permanent en EHPAD",
                    "Hébergement et soins d'un établissement pour personnes âgées dépendantes."),
            concept("hebergement-temporaire", "Hébergement temporaire",
                    "Séjour de quelques semaines en EHPAD : répit de l'aidant, sortie d'hospitalisation."),
            concept("accueil-de-jour", "Accueil de jour",
                    "Accueil à la journée de personnes vivant à domicile, notamment atteintes de la maladie "
                    "d'Alzheimer ou d'une maladie apparentée."),
            concept("appui-coordination", "Appui à la coordination",
                    "Appui aux professionnels pour les parcours de santé complexes : information, orientation, "
                    "évaluation, coordination (CSP, art. L. 6327-2)."),
        ],
    ),
    code_system(
        "accessibilite",
        "Accessibilite",
        "Accessibilité des lieux et des services",
        "Ce qu'un lieu ou un service offre aux personnes handicapées (HealthcareService.characteristic, "
        "extension accessibilite sur Location). Codes propres à Parcours, d'après les obligations "
        "d'accessibilité des établissements recevant du public (loi n° 2005-102 du 11 février 2005).",
        [
            concept("acces-fauteuil-roulant", "Accès en fauteuil roulant",
                    "Entrée, circulation et lieu de consultation accessibles à une personne en fauteuil roulant."),
            concept("stationnement-pmr", "Stationnement réservé",
                    "Place de stationnement adaptée réservée aux personnes handicapées à proximité de l'entrée."),
            concept("boucle-magnetique", "Boucle à induction magnétique",
                    "Accueil équipé d'une boucle à induction magnétique pour les personnes appareillées."),
            concept("accueil-lsf", "Accueil en langue des signes",
                    "Accueil possible en langue des signes française (LSF)."),
        ],
    ),
    {
        "resourceType": "SearchParameter",
        "id": "accepte-nouveaux-patients",
        "url": f"{BASE}/SearchParameter/accepte-nouveaux-patients",
        "version": VERSION,
        "name": "accepte-nouveaux-patients",
        "status": "active",
        "experimental": False,
        "date": DATE,
        "publisher": "Parcours",
        "description": "Le service ou le professionnel accepte de nouveaux patients (extension "
        "accepte-nouveaux-patients, valueBoolean) ; pour un médecin généraliste, comme médecin traitant. "
        "R4 n'a ni élément ni paramètre pour cela.",
        "code": "accepte-nouveaux-patients",
        "base": ["HealthcareService", "PractitionerRole"],
        "type": "token",
        "expression": f"HealthcareService.extension('{BASE}/StructureDefinition/accepte-nouveaux-patients')"
        f".value | PractitionerRole.extension('{BASE}/StructureDefinition/accepte-nouveaux-patients').value",
        "xpathUsage": "normal",
    },
    {
        "resourceType": "SearchParameter",
        "id": "HealthcareService-langue",
        "url": f"{BASE}/SearchParameter/HealthcareService-langue",
        "version": VERSION,
        "name": "langue",
        "status": "active",
        "experimental": False,
        "date": DATE,
        "publisher": "Parcours",
        "description": "Langue dans laquelle le service peut accueillir (HealthcareService.communication, "
        "codes BCP-47 : fr, en, nl, ar…). R4 n'a pas ce paramètre (R5 l'a appelé communication).",
        "code": "langue",
        "base": ["HealthcareService"],
        "type": "token",
        "expression": "HealthcareService.communication",
        "xpathUsage": "normal",
    },
    {
        "resourceType": "SearchParameter",
        "id": "HealthcareService-zone-couverte",
        "url": f"{BASE}/SearchParameter/HealthcareService-zone-couverte",
        "version": VERSION,
        "name": "zone-couverte",
        "status": "active",
        "experimental": False,
        "date": DATE,
        "publisher": "Parcours",
        "description": "Lieux (communes) où le service intervient (HealthcareService.coverageArea) : zone "
        "d'intervention d'un SSIAD, territoire d'un DAC. Se chaîne avec near : "
        "zone-couverte.near=latitude|longitude|distance.",
        "code": "zone-couverte",
        "base": ["HealthcareService"],
        "type": "reference",
        "expression": "HealthcareService.coverageArea",
        "target": ["Location"],
        "xpathUsage": "normal",
    },
    {
        "resourceType": "SearchParameter",
        "id": "Task-due-date",
        "url": f"{BASE}/SearchParameter/Task-due-date",
        "version": VERSION,
        "name": "due-date",
        "status": "active",
        "experimental": False,
        "date": DATE,
        "publisher": "Parcours",
        "description": "Échéance d'une tâche : fin de la période dans laquelle elle doit être réalisée "
        "(Task.restriction.period.end). Sert aux files de travail (« à faire cette semaine », "
        "« en retard ») et à la détection des retards.",
        "code": "due-date",
        "base": ["Task"],
        "type": "date",
        "expression": "Task.restriction.period.end",
        "xpathUsage": "normal",
    },
]


def main():
    for r in RESOURCES:
        fhir_content.write(HERE, r)


if __name__ == "__main__":
    main()
