#!/usr/bin/env python3
"""Writes the pathway templates (PlanDefinition), their activities
(ActivityDefinition) and local CodeSystems as FHIR R4 JSON, one file per
resource next to this script.

Data only: the engine that applies a template to a patient ($apply → CarePlan,
the PPS) comes later. Each PlanDefinition has two top-level grouping actions,
coded with https://parcours.example.fr/fhir/CodeSystem/pps-section: "clinique"
(volet clinique) and "medico-social" (volet médico-social), because the two
fall under different access categories (CSP R.1110-2). Timings are relative to
the start of the plan: the day of discharge, or of inclusion in the pathway.
Sources: PlanDefinition.relatedArtifact and docs/coordination-content.md.

    python3 content/pathways/generate.py
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import fhir_content  # noqa: E402  (content/fhir_content.py, shared by the generators)
from fhir_content import BASE, CS, DATE, PUBLISHER, VERSION, coding  # noqa: E402

AD = BASE + "/ActivityDefinition/"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"

# ANS nomenclatures (NOS), codes checked against JDV_J186-ProfessionRessource-ROR.
G15 = "https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante"
R356 = "https://mos.esante.gouv.fr/NOS/TRE_R356-ProfessionRessource/FHIR/TRE-R356-ProfessionRessource"
R94 = "https://mos.esante.gouv.fr/NOS/TRE_R94-ProfessionSocial/FHIR/TRE-R94-ProfessionSocial"
R85 = "https://mos.esante.gouv.fr/NOS/TRE_R85-RolePriseCharge/FHIR/TRE-R85-RolePriseCharge"
R95 = "https://mos.esante.gouv.fr/NOS/TRE_R95-UsagerTitre/FHIR/TRE-R95-UsagerTitre"

ROLES = {
    "mg": (R356, "90", "Médecin généraliste"),
    "cardiologue": (R356, "63", "Cardiologue"),
    "endocrinologue": (R356, "78", "Endocrinologue"),
    "geriatre": (R356, "81", "Gériatre"),
    "nephrologue": (R356, "96", "Néphrologue"),
    "neurologue": (R356, "98", "Neurologue"),
    "mpr": (R356, "94", "Médecin rééducateur"),
    "ophtalmologue": (R356, "102", "Ophtalmologue"),
    "pneumologue": (R356, "107", "Pneumologue"),
    "tabacologue": (R356, "59", "Tabacologue"),
    "biologiste": (R356, "116", "Biologiste médical"),
    "ipa": (R356, "86", "Infirmier en pratique avancée (IPA)"),
    "eapa": (R356, "38", "Enseignant en Activité Physique Adaptée (EAPA)"),
    "medecin-travail": (R356, "117", "Médecin du travail"),
    "infirmier": (G15, "60", "Infirmier"),
    "dentiste": (G15, "40", "Chirurgien-Dentiste"),
    "pharmacien": (G15, "21", "Pharmacien"),
    "kine": (G15, "70", "Masseur-Kinésithérapeute"),
    "podologue": (G15, "80", "Pédicure-Podologue"),
    "orthophoniste": (G15, "91", "Orthophoniste"),
    "ergotherapeute": (G15, "94", "Ergothérapeute"),
    "dieteticien": (G15, "95", "Diététicien"),
    "psychologue": (R95, "93", "Psychologue"),
    "assistant-social": (R94, "41", "Assistant de service social"),
    "auxiliaire-vie": (R94, "42", "Auxiliaire de vie sociale"),
    "coordonnateur": (R85, "330", "Coordonnateur de parcours"),
    "aide-domicile": (R85, "350", "Aide à domicile"),
}
# Roles with no national code: text only.
TEXT_ROLES = {
    "equipe-apa": "Équipe médico-sociale APA du conseil départemental",
    "mdph": "Équipe pluridisciplinaire de la MDPH",
    "repit": "Plateforme d'accompagnement et de répit des aidants",
    "prestataire": "Prestataire de santé à domicile",
}

CODE_SYSTEMS = {}


def concept(system, code, display, text=None):
    return {"coding": [coding(system, code, display)], "text": text or display}


def qty(value, unit_code, unit=None):
    return {"value": value, "unit": unit or unit_code, "system": UCUM, "code": unit_code}


UNIT_FR = {"d": "jours", "wk": "semaines", "mo": "mois", "a": "ans"}


def duration(value, unit):
    return qty(value, unit, UNIT_FR.get(unit, unit))


def participant(key):
    if key == "patient":
        return {"type": "patient"}
    if key == "aidant":
        return {"type": "related-person", "role": {"text": "Aidant"}}
    if key in TEXT_ROLES:
        return {"type": "practitioner", "role": {"text": TEXT_ROLES[key]}}
    system, code, display = ROLES[key]
    return {"type": "practitioner", "role": concept(system, code, display)}


def code_system(id_, name, title, description, concepts):
    CODE_SYSTEMS[id_] = fhir_content.code_system(id_, name, title, description,
                                                 fhir_content.plain_concepts(concepts))
    return CS + id_


SECTION = code_system(
    "pps-section", "PpsSection", "Volets du plan personnalisé de santé",
    "Volets d'un plan personnalisé de santé (PPS) : le volet clinique relève des professionnels de santé, le "
    "volet médico-social est partagé avec les professionnels du social et du médico-social (CSP, art. "
    "R. 1110-2). Code des actions de regroupement de premier niveau des PlanDefinition.",
    [("clinique", "Volet clinique", "Soins, surveillance, examens et traitements"),
     ("medico-social", "Volet médico-social", "Aides, accompagnement social, soutien de l'aidant, "
                                              "adaptation du cadre de vie")])

# --- Indicators used as goal measures when LOINC has no code -------------------------

INDICATORS = [
    ("delai-consultation-medecin-traitant", "Délai de la première consultation du médecin traitant",
     "Jours entre le début du plan (sortie d'hospitalisation) et la consultation"),
    ("delai-consultation-specialiste", "Délai de la première consultation du spécialiste", None),
    ("delai-consultation-post-avc", "Délai de la consultation pluriprofessionnelle post-AVC", None),
    ("delai-mise-en-place-aides", "Délai de mise en place des aides à domicile", None),
    ("delai-rehabilitation-respiratoire", "Délai de début de la réhabilitation respiratoire",
     "Jours entre l'exacerbation et la première séance"),
    ("delai-validation-pps", "Délai de validation du PPS par le médecin traitant",
     "Jours entre l'évaluation et la validation du plan personnalisé de santé"),
    ("delai-reevaluation-pps", "Délai entre deux réévaluations du PPS", None),
    ("intervalle-examen-ophtalmologique", "Intervalle entre deux examens du fond d'œil", None),
    ("intervalle-examen-pieds", "Intervalle entre deux examens des pieds", None),
    ("intervalle-depistage-nephropathie", "Intervalle entre deux dépistages de la néphropathie", None),
    ("variation-poids-3-jours", "Variation du poids sur 3 jours", "Prise de poids en kg sur 3 jours consécutifs"),
    ("rehospitalisations-non-programmees", "Réhospitalisations non programmées",
     "Nombre d'hospitalisations non programmées pendant la période"),
    ("chutes-avec-hospitalisation", "Chutes suivies d'une hospitalisation", None),
    ("declin-annuel-dfg", "Déclin annuel du débit de filtration glomérulaire",
     "Perte de DFG estimé en mL/min/1,73 m² par an"),
    ("statut-tabagique-sevre", "Sevrage tabagique", "Arrêt complet du tabac confirmé"),
    ("vaccination-grippe-a-jour", "Vaccination antigrippale de la saison faite", None),
]
INDICATOR = code_system(
    "parcours-indicateur", "ParcoursIndicateur", "Indicateurs de suivi des parcours",
    "Mesures des objectifs des modèles de parcours quand LOINC n'a pas de code.", INDICATORS)
INDICATOR_DISPLAY = {c: d for c, d, _ in INDICATORS}


def indicator(code):
    return concept(INDICATOR, code, INDICATOR_DISPLAY[code])


def loinc(code, display, text):
    return concept(LOINC, code, display, text)


HBA1C = loinc("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "Hémoglobine glyquée (HbA1c)")
SYSTOLIC = loinc("8480-6", "Systolic blood pressure", "Pression artérielle systolique")
DIASTOLIC = loinc("8462-4", "Diastolic blood pressure", "Pression artérielle diastolique")
EGFR = loinc("62238-1", "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or "
                        "Blood by Creatinine-based formula (CKD-EPI)",
             "Débit de filtration glomérulaire estimé (CKD-EPI)")
ACR = loinc("9318-7", "Albumin/Creatinine [Mass Ratio] in Urine", "Rapport albuminurie/créatininurie (RAC)")
LDL = loinc("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", "LDL-cholestérol")
WEIGHT = loinc("29463-7", "Body weight", "Poids")
MNA_SF_TOTAL = loinc("107114-1", "Total score [MNA-SF]", "Score de dépistage MNA-SF")
ZARIT_TOTAL = concept(CS + "evaluation-score", "zarit-score-total", "Score total de Zarit (22 items)")

# --- Activities ------------------------------------------------------------------------

ACTIVITIES = {}  # id -> (title, description, kind, code CodeableConcept, default participants, related)
ACTIVITY_CODES = []


def activity(id_, title, description, kind, participants, code=None, questionnaires=()):
    if code is None:
        ACTIVITY_CODES.append((id_, title, description))
        code = concept(CS + "parcours-activite", id_, title)
    ACTIVITIES[id_] = (title, description, kind, code, participants, questionnaires)
    return AD + id_


Q = BASE + "/Questionnaire/"

activity("consultation-medecin-traitant", "Consultation du médecin traitant",
         "Consultation de suivi par le médecin traitant : examen clinique, adaptation des traitements, "
         "coordination des intervenants et validation du plan.", "Appointment", ["mg"])
activity("consultation-cardiologue", "Consultation de cardiologie",
         "Consultation du cardiologue : évaluation de la fonction cardiaque, titration des traitements.",
         "Appointment", ["cardiologue"])
activity("consultation-pneumologue", "Consultation de pneumologie", "Consultation du pneumologue.",
         "Appointment", ["pneumologue"])
activity("consultation-nephrologue", "Avis néphrologique",
         "Consultation ou avis du néphrologue (télé-expertise possible).", "Appointment", ["nephrologue"])
activity("consultation-post-avc", "Consultation d'évaluation pluriprofessionnelle post-AVC",
         "Bilan de la maladie vasculaire et de la prévention secondaire, pronostic fonctionnel et cognitif, "
         "repérage de la dépression, orientation vers la rééducation, les aides et la réinsertion ; besoins "
         "de l'aidant.", "Appointment", ["neurologue", "mpr"], questionnaires=(Q + "phq-9",))
activity("visite-infirmiere-surveillance", "Visite infirmière de surveillance et d'éducation",
         "Visite à domicile : poids, œdèmes, pression artérielle, fréquence cardiaque, observance, signes "
         "d'alerte, renforcement éducatif ; transmission au médecin traitant.", "ServiceRequest", ["infirmier"])
activity("autosurveillance-poids", "Pesée quotidienne (autosurveillance)",
         "Pesée chaque matin, à jeun, après avoir uriné, sur la même balance ; report dans le carnet de suivi "
         "ou saisie dans Parcours ; appeler le médecin ou l'infirmier si la prise de poids dépasse 2 kg en "
         "3 jours.", "Task", ["patient"], code=WEIGHT)
activity("bilan-biologique", "Bilan biologique prescrit",
         "Prélèvement et analyses prescrits (ionogramme, créatininémie et DFG, autres selon le parcours).",
         "ServiceRequest", ["biologiste", "infirmier"])
activity("dosage-hba1c", "Dosage de l'HbA1c", "Hémoglobine glyquée au laboratoire.", "ServiceRequest",
         ["biologiste"], code=HBA1C)
activity("dfg-estime", "Créatininémie et DFG estimé (CKD-EPI)", "Créatininémie avec DFG estimé par CKD-EPI.",
         "ServiceRequest", ["biologiste"], code=EGFR)
activity("rapport-albuminurie-creatininurie", "Rapport albuminurie/créatininurie (RAC)",
         "Dosage sur échantillon d'urine.", "ServiceRequest", ["biologiste"], code=ACR)
activity("bilan-lipidique", "Bilan lipidique (LDL-cholestérol)", "Exploration d'une anomalie lipidique.",
         "ServiceRequest", ["biologiste"], code=LDL)
activity("mesure-pression-arterielle", "Mesure de la pression artérielle",
         "Au cabinet et en automesure (règle des 3 : 3 mesures le matin, 3 le soir, 3 jours de suite).",
         "Task", ["mg", "patient"], code=SYSTOLIC)
activity("education-therapeutique", "Éducation thérapeutique du patient (ETP)",
         "Programme ou séances d'ETP : connaissance de la maladie et du traitement, autosurveillance, "
         "signes d'alerte, conduite à tenir ; l'aidant peut y être associé.", "ServiceRequest",
         ["infirmier", "pharmacien", "aidant"])
activity("bilan-partage-medication", "Bilan partagé de médication",
         "Revue de l'ensemble des traitements par le pharmacien d'officine (conciliation après une "
         "hospitalisation), repérage des interactions et des médicaments à risque, lien avec le médecin.",
         "ServiceRequest", ["pharmacien"])
activity("vaccination", "Vaccinations recommandées",
         "Grippe chaque saison, pneumocoque et Covid-19 selon le calendrier vaccinal en vigueur.",
         "ServiceRequest", ["mg", "infirmier", "pharmacien"])
activity("examen-fond-oeil", "Dépistage de la rétinopathie diabétique",
         "Fond d'œil ou rétinographie avec lecture différée.", "ServiceRequest", ["ophtalmologue"])
activity("examen-pieds", "Examen des pieds et gradation du risque podologique",
         "Examen clinique (monofilament, pouls, déformations, lésions), gradation du risque de 0 à 3 ; soins "
         "de pédicurie-podologie à partir du grade 2.", "ServiceRequest", ["mg", "podologue"])
activity("ecg-repos", "Électrocardiogramme de repos", "ECG de repos.", "ServiceRequest", ["mg", "cardiologue"])
activity("examen-bucco-dentaire", "Examen bucco-dentaire", "Examen par le chirurgien-dentiste.",
         "ServiceRequest", ["dentiste"])
activity("consultation-dieteticien", "Consultation diététique",
         "Bilan et conseils alimentaires personnalisés (apports en sel, en protéines, en énergie).",
         "ServiceRequest", ["dieteticien"])
activity("activite-physique-adaptee", "Activité physique adaptée",
         "Prescription et accompagnement d'une activité physique adaptée, en structure sport-santé si besoin.",
         "ServiceRequest", ["eapa", "kine"])
activity("spirometrie", "Exploration fonctionnelle respiratoire (spirométrie)", "Spirométrie de suivi.",
         "ServiceRequest", ["pneumologue"])
activity("rehabilitation-respiratoire", "Réhabilitation respiratoire",
         "Programme de réentraînement à l'effort, kinésithérapie respiratoire et éducation, en centre ou "
         "à domicile.", "ServiceRequest", ["kine", "pneumologue"])
activity("sevrage-tabagique", "Aide au sevrage tabagique",
         "Conseil d'arrêt, substituts nicotiniques, suivi par un tabacologue si besoin.", "ServiceRequest",
         ["mg", "tabacologue", "pharmacien"])
activity("technique-inhalation", "Vérification de la technique d'inhalation",
         "Vérifier et corriger l'utilisation des dispositifs d'inhalation à chaque renouvellement.",
         "ServiceRequest", ["pharmacien", "infirmier"])
activity("evaluation-geriatrique", "Évaluation gériatrique",
         "Évaluation multidimensionnelle (autonomie, cognition, humeur, nutrition, chutes, traitements, "
         "environnement), le plus souvent à domicile, avec des outils validés.", "ServiceRequest",
         ["mg", "geriatre", "infirmier"],
         questionnaires=(Q + "katz-adl", Q + "lawton-iadl", Q + "mna-sf", Q + "phq-9", Q + "fried"))
activity("prevention-chutes", "Prévention des chutes",
         "Évaluation du risque de chute, exercices d'équilibre et de renforcement, révision des médicaments "
         "à risque, sécurisation du domicile.", "ServiceRequest", ["kine", "mg"])
activity("reeducation-kinesitherapie", "Rééducation par le masseur-kinésithérapeute",
         "Rééducation motrice, de l'équilibre et de la marche, selon des objectifs fonctionnels réévalués.",
         "ServiceRequest", ["kine"])
activity("reeducation-orthophonie", "Rééducation orthophonique",
         "Rééducation du langage (aphasie) et de la déglutition.", "ServiceRequest", ["orthophoniste"])
activity("evaluation-ergotherapie", "Évaluation en ergothérapie au domicile",
         "Évaluation des activités de la vie quotidienne au domicile, préconisation d'aides techniques et "
         "d'aménagements.", "ServiceRequest", ["ergotherapeute"])
activity("depistage-depression", "Repérage de la dépression",
         "Repérage par le PHQ-9, puis prise en charge adaptée.", "ServiceRequest", ["mg", "psychologue"],
         questionnaires=(Q + "phq-9",))
# Medico-social activities.
activity("evaluation-besoins-aide", "Évaluation des besoins d'aide au domicile",
         "Évaluation de la situation sociale et des besoins d'aide (aide-ménagère, portage de repas, "
         "téléassistance) et organisation de leur mise en place.", "Task",
         ["coordonnateur", "assistant-social"])
activity("aide-a-domicile", "Aide à domicile",
         "Aide aux actes de la vie quotidienne et aux tâches domestiques (aide-ménagère, courses, repas).",
         "ServiceRequest", ["aide-domicile", "auxiliaire-vie"])
activity("portage-repas", "Portage de repas", "Livraison de repas adaptés à domicile.", "ServiceRequest",
         ["aide-domicile"])
activity("evaluation-aggir-apa", "Évaluation AGGIR et demande d'APA",
         "Évaluation de la perte d'autonomie par la grille AGGIR (GIR 1 à 4 : droit à l'APA) et élaboration "
         "du plan d'aide par l'équipe médico-sociale du département.", "Task", ["equipe-apa", "coordonnateur"],
         questionnaires=(Q + "aggir",))
activity("teleassistance", "Téléassistance", "Dispositif d'alerte à domicile.", "ServiceRequest",
         ["coordonnateur"])
activity("adaptation-logement", "Adaptation du logement et aides techniques",
         "Préconisations de l'ergothérapeute, aides techniques, aides au financement des travaux.",
         "ServiceRequest", ["ergotherapeute", "assistant-social"])
activity("soutien-aidant", "Évaluation et soutien de l'aidant",
         "Mesurer la charge de l'aidant (échelle de Zarit), l'informer, l'orienter vers un soutien "
         "psychologique, une formation ou du répit.", "Task", ["coordonnateur", "repit", "aidant"],
         questionnaires=(Q + "zarit",))
activity("acces-aux-droits", "Accès aux droits et accompagnement social",
         "Ouverture ou mise à jour des droits (affection de longue durée, complémentaire santé solidaire, "
         "aides financières), accompagnement administratif.", "Task", ["assistant-social"])
activity("demande-mdph", "Demande à la MDPH",
         "Dossier de compensation du handicap (PCH, orientation, reconnaissance de la qualité de travailleur "
         "handicapé) avant 60 ans.", "Task", ["assistant-social", "mdph"])
activity("reinsertion-professionnelle", "Maintien ou retour dans l'emploi",
         "Visite de pré-reprise avec le médecin du travail, aménagement du poste, accompagnement.", "Task",
         ["assistant-social", "medecin-travail"])
activity("evaluation-conduite", "Évaluation de l'aptitude à la conduite automobile",
         "Avis médical sur la reprise de la conduite (arrêté du 28 mars 2022 fixant la liste des affections "
         "médicales incompatibles) et, si besoin, évaluation en auto-école spécialisée.", "Task",
         ["mpr", "ergotherapeute"])
activity("oxygenotherapie-domicile", "Oxygénothérapie ou ventilation à domicile",
         "Installation et suivi par le prestataire de santé à domicile, sur prescription.", "ServiceRequest",
         ["prestataire", "pneumologue"])
activity("lien-social", "Lutte contre l'isolement",
         "Repérage de l'isolement, orientation vers les activités sociales, l'accueil de jour ou les visites "
         "de bénévoles.", "Task", ["coordonnateur", "assistant-social"])

code_system("parcours-activite", "ParcoursActivite", "Activités des modèles de parcours",
            "Activités des modèles de parcours (ActivityDefinition.code) sans code national.",
            ACTIVITY_CODES)


def activity_definition(id_):
    title, description, kind, code, participants, questionnaires = ACTIVITIES[id_]
    r = {
        "resourceType": "ActivityDefinition",
        "id": id_,
        "language": "fr-FR",
        "url": AD + id_,
        "version": VERSION,
        "name": "".join(w.capitalize() for w in id_.split("-")),
        "title": title,
        "status": "active",
        "experimental": False,
        "date": DATE,
        "publisher": PUBLISHER,
        "description": description,
    }
    if questionnaires:
        r["relatedArtifact"] = [{"type": "depends-on", "display": "Instrument d'évaluation", "resource": q}
                                for q in questionnaires]
    r.update({"kind": kind, "code": code, "intent": "plan",
              "participant": [participant(p) for p in participants]})
    return r


# --- Timing helpers ------------------------------------------------------------------------

def within(value, unit):
    """Due within `value` `unit` of the start of the plan."""
    return {"timingRange": {"high": duration(value, unit)}}


def between(low, high, unit):
    return {"timingRange": {"low": duration(low, unit), "high": duration(high, unit)}}


def every(period, unit, period_max=None, bounds=None, frequency=1, when=None):
    repeat = {}
    if bounds:
        repeat["boundsDuration"] = duration(*bounds)
    repeat["frequency"] = frequency
    repeat["period"] = period
    if period_max:
        repeat["periodMax"] = period_max
    repeat["periodUnit"] = unit
    if when:
        repeat["when"] = when
    return {"timingTiming": {"repeat": repeat}}


# --- Goals -----------------------------------------------------------------------------------

GOAL_CATEGORY = "http://terminology.hl7.org/CodeSystem/goal-category"
GOAL_PRIORITY = "http://terminology.hl7.org/CodeSystem/goal-priority"


def goal(id_, text, priority="high-priority", category=None, measure=None, low=None, high=None, value=None,
         due=None):
    g = {"id": id_}
    if category:
        g["category"] = concept(GOAL_CATEGORY, category, category.capitalize())
    g["description"] = {"text": text}
    g["priority"] = concept(GOAL_PRIORITY, priority,
                            {"high-priority": "High Priority", "medium-priority": "Medium Priority",
                             "low-priority": "Low Priority"}[priority])
    if measure:
        target = {"measure": measure}
        if value is not None:
            target["detailQuantity"] = qty(*value)
        elif low is not None or high is not None:
            rng = {}
            if low is not None:
                rng["low"] = qty(*low)
            if high is not None:
                rng["high"] = qty(*high)
            target["detailRange"] = rng
        if due:
            target["due"] = duration(*due)
        g["target"] = [target]
    return g


# --- Plans -----------------------------------------------------------------------------------

def action(id_, activity_id, description=None, participants=None, goals=(), timing=None, condition=None,
           after=None, title=None):
    a_title, a_description, _, code, default_participants, _ = ACTIVITIES[activity_id]
    a = {"id": id_, "title": title or a_title, "description": description or a_description, "code": [code]}
    if goals:
        a["goalId"] = list(goals)
    if condition:
        a["condition"] = [{"kind": "applicability",
                           "expression": {"description": condition, "language": "text/plain"}}]
    if after:
        a["relatedAction"] = [{"actionId": after, "relationship": "after-end"}]
    if timing:
        a.update(timing)
    a["participant"] = [participant(p) for p in (participants or default_participants)]
    a["definitionCanonical"] = AD + activity_id
    return a


def section(code, actions):
    display = {"clinique": "Volet clinique", "medico-social": "Volet médico-social"}[code]
    return {"id": f"volet-{code}", "title": display, "code": [concept(SECTION, code, display)],
            "groupingBehavior": "logical-group", "selectionBehavior": "all", "action": actions}


def plan(id_, name, title, description, purpose, usage, sources, focus, goals, clinical, medico_social):
    use_context = []
    for f in focus:
        use_context.append({"code": coding("http://terminology.hl7.org/CodeSystem/usage-context-type", f[0],
                                           {"focus": "Clinical Focus", "age": "Age Range"}[f[0]]),
                            **f[1]})
    return {
        "resourceType": "PlanDefinition",
        "id": id_,
        "language": "fr-FR",
        "url": BASE + "/PlanDefinition/" + id_,
        "version": VERSION,
        "name": name,
        "title": title,
        "type": concept("http://terminology.hl7.org/CodeSystem/plan-definition-type", "clinical-protocol",
                        "Clinical Protocol"),
        "status": "active",
        "experimental": False,
        "date": DATE,
        "publisher": PUBLISHER,
        "description": description,
        "useContext": use_context,
        "jurisdiction": [concept("urn:iso:std:iso:3166", "FR", "France")],
        "purpose": purpose,
        "usage": usage,
        "relatedArtifact": [{"type": "citation", "display": s[0], "citation": s[1]} for s in sources],
        "goal": goals,
        "action": [section("clinique", clinical), section("medico-social", medico_social)],
    }


def icd10(code, display):
    return ("focus", {"valueCodeableConcept": concept(ICD10, code, display)})


USAGE = ("Modèle à personnaliser avec la personne et son médecin traitant : les délais sont comptés à partir "
         "du début du plan (sortie d'hospitalisation ou inclusion dans le parcours). Le plan n'est actif "
         "qu'après validation par le médecin traitant.")


def heart_failure():
    return plan(
        "insuffisance-cardiaque-sortie-hospitalisation", "InsuffisanceCardiaqueSortieHospitalisation",
        "Insuffisance cardiaque : retour à domicile après hospitalisation",
        "Suivi à domicile après une hospitalisation pour décompensation cardiaque, dans l'esprit du service "
        "PRADO insuffisance cardiaque de l'Assurance Maladie : consultation du médecin traitant dans les 7 "
        "jours, du cardiologue dans les 2 mois, visites infirmières hebdomadaires pendant 2 mois puis tous "
        "les 15 jours pendant 4 mois pour les stades NYHA III et IV, pesée quotidienne, éducation "
        "thérapeutique, aides au retour à domicile.",
        "Éviter la réhospitalisation précoce (un quart des patients sont réhospitalisés dans les trois mois) "
        "et sécuriser la transition hôpital-domicile.",
        USAGE,
        [("HAS 2014", "Haute Autorité de santé. Guide du parcours de soins : insuffisance cardiaque. Février "
                      "2012, actualisé en juin 2014."),
         ("Assurance Maladie, PRADO IC", "Assurance Maladie. Service de retour à domicile PRADO insuffisance "
                                         "cardiaque (depuis 2013) : médecin traitant sous 7 jours, cardiologue "
                                         "sous 2 mois, séance infirmière hebdomadaire pendant 2 mois puis "
                                         "bimensuelle pendant 4 mois (stades III et IV).")],
        [icd10("I50", "Insuffisance cardiaque")],
        [goal("consultation-mt-7-jours", "Consultation du médecin traitant dans les 7 jours suivant la sortie",
              measure=indicator("delai-consultation-medecin-traitant"), high=(7, "d", "jours")),
         goal("consultation-cardiologue-2-mois", "Consultation du cardiologue dans les 2 mois suivant la sortie",
              measure=indicator("delai-consultation-specialiste"), high=(2, "mo", "mois")),
         goal("poids-stable", "Poids stable : pas de prise de plus de 2 kg en 3 jours sans appel au médecin ou "
                              "à l'infirmier", category="nursing",
              measure=indicator("variation-poids-3-jours"), high=(2, "kg", "kg")),
         goal("autosoins", "Le patient et son aidant reconnaissent les signes d'alerte (essoufflement, prise de "
                           "poids, œdèmes, fatigue) et savent qui appeler", category="behavioral"),
         goal("pas-de-rehospitalisation", "Pas de réhospitalisation non programmée pour insuffisance "
                                          "cardiaque dans les 6 mois",
              measure=indicator("rehospitalisations-non-programmees"),
              value=(0, "{hospitalisation}", "hospitalisation"), due=(6, "mo")),
         goal("aides-en-place", "Aides au domicile en place dès le retour", priority="medium-priority",
              measure=indicator("delai-mise-en-place-aides"), high=(1, "d", "jour")),
         goal("aidant-soutenu", "Charge de l'aidant évaluée ; soutien proposé au-delà d'un score de Zarit "
                                "de 40", priority="medium-priority", measure=ZARIT_TOTAL,
              high=(40, "{score}", "score"))],
        [action("consultation-mt", "consultation-medecin-traitant",
                description="Consultation du médecin traitant dans les 7 jours : examen, tolérance et "
                            "adaptation des traitements, lecture du courrier de sortie.",
                goals=["consultation-mt-7-jours", "pas-de-rehospitalisation"], timing=within(7, "d")),
         action("visites-ide-hebdomadaires", "visite-infirmiere-surveillance",
                goals=["poids-stable", "autosoins", "pas-de-rehospitalisation"],
                timing=every(1, "wk", bounds=(2, "mo"))),
         action("visites-ide-bimensuelles", "visite-infirmiere-surveillance",
                title="Visite infirmière tous les 15 jours (stades NYHA III et IV)",
                goals=["poids-stable"], timing=every(2, "wk", bounds=(4, "mo")),
                condition="Insuffisance cardiaque de stade NYHA III ou IV", after="visites-ide-hebdomadaires"),
         action("pesee-quotidienne", "autosurveillance-poids", goals=["poids-stable"],
                timing=every(1, "d", when=["MORN"])),
         action("bilan-biologique", "bilan-biologique",
                description="Ionogramme sanguin, créatininémie et DFG dans la semaine suivant la sortie puis à "
                            "chaque adaptation des diurétiques ou des bloqueurs du système rénine-angiotensine.",
                timing=within(7, "d")),
         action("consultation-cardiologue", "consultation-cardiologue", goals=["consultation-cardiologue-2-mois"],
                timing=within(2, "mo")),
         action("education-therapeutique", "education-therapeutique",
                description="ETP : signes d'alerte, régime peu salé (6 g de sel par jour au plus), activité "
                            "physique adaptée, traitements, pesée ; l'aidant est associé.",
                goals=["autosoins", "pas-de-rehospitalisation"], timing=within(2, "mo")),
         action("bilan-medication", "bilan-partage-medication",
                description="Conciliation des traitements de sortie et bilan partagé de médication par le "
                            "pharmacien d'officine.", timing=within(1, "mo")),
         action("vaccination", "vaccination", timing=every(1, "a"))],
        [action("evaluation-besoins", "evaluation-besoins-aide", goals=["aides-en-place"], timing=within(1, "d")),
         action("aide-domicile", "aide-a-domicile", goals=["aides-en-place"],
                condition="Besoin d'aide identifié à l'évaluation", after="evaluation-besoins"),
         action("portage-repas", "portage-repas", condition="Besoin d'aide pour les repas",
                after="evaluation-besoins"),
         action("soutien-aidant", "soutien-aidant", goals=["aidant-soutenu"], timing=within(1, "mo"),
                condition="Présence d'un aidant")])


def diabetes():
    return plan(
        "diabete-type-2", "DiabeteType2", "Diabète de type 2 de l'adulte : suivi",
        "Suivi au long cours du diabète de type 2 de l'adulte : HbA1c tous les 3 à 6 mois, dépistage annuel "
        "des complications (rétinopathie, pied, néphropathie, bilan lipidique, ECG, examen bucco-dentaire), "
        "pression artérielle, éducation thérapeutique, activité physique et diététique ; accès aux droits.",
        "Prévenir les complications micro- et macrovasculaires par un suivi programmé et partagé.",
        USAGE,
        [("HAS 2014", "Haute Autorité de santé. Guide parcours de soins : diabète de type 2 de l'adulte. Mars "
                      "2014."),
         ("HAS 2013", "Haute Autorité de santé. Stratégie médicamenteuse du contrôle glycémique du diabète de "
                      "type 2. Recommandation de bonne pratique, janvier 2013 (cible HbA1c ≤ 7 % dans la "
                      "plupart des cas, ≤ 8 % chez la personne âgée fragile).")],
        [icd10("E11", "Diabète sucré de type 2")],
        [goal("hba1c-cible", "HbA1c à la cible individuelle (≤ 7 % dans la plupart des cas, ≤ 8 % chez la "
                             "personne âgée fragile)", measure=HBA1C, high=(7, "%", "%"), due=(6, "mo")),
         goal("pression-arterielle", "Pression artérielle inférieure à 140/90 mmHg", measure=SYSTOLIC,
              high=(140, "mm[Hg]", "mmHg")),
         goal("retinopathie-depistee", "Dépistage de la rétinopathie au moins tous les 2 ans (chaque année si "
                                       "rétinopathie ou diabète déséquilibré)", priority="medium-priority",
              measure=indicator("intervalle-examen-ophtalmologique"), high=(2, "a", "ans")),
         goal("pieds-examines", "Examen des pieds avec gradation du risque chaque année",
              priority="medium-priority", measure=indicator("intervalle-examen-pieds"), high=(1, "a", "an")),
         goal("nephropathie-depistee", "RAC et DFG mesurés chaque année", priority="medium-priority",
              measure=indicator("intervalle-depistage-nephropathie"), high=(1, "a", "an")),
         goal("activite-physique", "Activité physique d'au moins 150 minutes par semaine, adaptée aux "
                                   "capacités", priority="medium-priority", category="behavioral"),
         goal("droits-ouverts", "Droits ouverts (ALD, complémentaire santé) et freins sociaux levés",
              priority="medium-priority")],
        [action("consultation-trimestrielle", "consultation-medecin-traitant",
                description="Consultation de suivi tous les 3 mois : poids, pression artérielle, tolérance "
                            "et adaptation du traitement, observance.",
                goals=["hba1c-cible", "pression-arterielle"], timing=every(3, "mo")),
         action("hba1c", "dosage-hba1c", goals=["hba1c-cible"], timing=every(3, "mo", period_max=6)),
         action("pression-arterielle", "mesure-pression-arterielle", goals=["pression-arterielle"],
                timing=every(3, "mo")),
         action("fond-oeil", "examen-fond-oeil", goals=["retinopathie-depistee"], timing=every(1, "a", period_max=2)),
         action("examen-pieds", "examen-pieds", goals=["pieds-examines"], timing=every(1, "a")),
         action("rac", "rapport-albuminurie-creatininurie", goals=["nephropathie-depistee"], timing=every(1, "a")),
         action("dfg", "dfg-estime", goals=["nephropathie-depistee"], timing=every(1, "a")),
         action("bilan-lipidique", "bilan-lipidique", timing=every(1, "a")),
         action("ecg", "ecg-repos", timing=every(1, "a")),
         action("dentiste", "examen-bucco-dentaire", timing=every(1, "a")),
         action("education-therapeutique", "education-therapeutique", timing=within(6, "mo")),
         action("dieteticien", "consultation-dieteticien", timing=within(3, "mo")),
         action("activite-physique", "activite-physique-adaptee", goals=["activite-physique"],
                timing=within(3, "mo")),
         action("vaccination", "vaccination", timing=every(1, "a"))],
        [action("acces-droits", "acces-aux-droits", goals=["droits-ouverts"], timing=within(1, "mo"),
                condition="Difficultés d'accès aux soins ou droits non ouverts"),
         action("aide-domicile", "aide-a-domicile", condition="Perte d'autonomie pour les repas ou le "
                                                              "traitement")])


def ckd():
    return plan(
        "maladie-renale-chronique", "MaladieRenaleChronique", "Maladie rénale chronique de l'adulte : suivi",
        "Suivi de la maladie rénale chronique de l'adulte par le médecin traitant avec le néphrologue : DFG "
        "et RAC à une fréquence croissante avec le stade, néphroprotection (pression artérielle, bloqueurs "
        "du système rénine-angiotensine, éviction des néphrotoxiques), diététique, avis néphrologique selon "
        "les critères, préparation au traitement de suppléance à partir du stade 4.",
        "Ralentir la progression et prévenir les complications, préparer à temps le traitement de suppléance.",
        USAGE,
        [("HAS 2021", "Haute Autorité de santé. Guide du parcours de soins : maladie rénale chronique de "
                      "l'adulte (MRC). Validé par le Collège le 1er juillet 2021, mis à jour en septembre "
                      "2023.")],
        [icd10("N18", "Insuffisance rénale chronique")],
        [goal("pression-arterielle", "Pression artérielle inférieure à 140/90 mmHg (130/80 mmHg si albuminurie)",
              measure=SYSTOLIC, high=(140, "mm[Hg]", "mmHg")),
         goal("progression-ralentie", "Déclin du DFG inférieur à 5 mL/min/1,73 m² par an",
              measure=indicator("declin-annuel-dfg"), high=(5, "mL/min/{1.73_m2}/a", "mL/min/1,73 m²/an"),
              due=(1, "a")),
         goal("albuminurie", "Albuminurie réduite sous traitement (RAC)", priority="medium-priority",
              measure=ACR, high=(3, "mg/mmol", "mg/mmol")),
         goal("pas-de-nephrotoxique", "Pas d'exposition évitable aux néphrotoxiques (AINS, produits de "
                                      "contraste sans précaution), posologies adaptées au DFG",
              category="safety"),
         goal("suppleance-preparee", "Choix éclairé du traitement de suppléance ou du traitement conservateur "
                                     "préparé avant le stade 5", priority="medium-priority"),
         goal("droits-ouverts", "Droits ouverts et difficultés sociales prises en compte",
              priority="low-priority")],
        [action("consultation-suivi", "consultation-medecin-traitant", goals=["pression-arterielle"],
                timing=every(3, "mo", period_max=6)),
         action("dfg-stade-1-3a", "dfg-estime", goals=["progression-ralentie"], timing=every(6, "mo", period_max=12),
                condition="Stades 1, 2 et 3A (DFG ≥ 45 mL/min/1,73 m²)"),
         action("dfg-stade-3b-4", "dfg-estime", goals=["progression-ralentie"], timing=every(1, "mo", period_max=3),
                condition="Stades 3B et 4 (DFG de 15 à 44 mL/min/1,73 m²)"),
         action("rac", "rapport-albuminurie-creatininurie", goals=["albuminurie"], timing=every(6, "mo", period_max=12)),
         action("bilan-biologique", "bilan-biologique",
                description="Kaliémie, bicarbonates, hémoglobine, calcium, phosphore, selon le stade.",
                timing=every(3, "mo", period_max=12)),
         action("pression-arterielle", "mesure-pression-arterielle", goals=["pression-arterielle"],
                timing=every(3, "mo")),
         action("avis-nephrologue", "consultation-nephrologue", goals=["progression-ralentie", "suppleance-preparee"],
                condition="DFG < 30 mL/min/1,73 m², déclin rapide, RAC élevé ou complication (critères du "
                          "guide HAS)", timing=within(3, "mo")),
         action("bilan-medication", "bilan-partage-medication", goals=["pas-de-nephrotoxique"],
                timing=every(1, "a")),
         action("dieteticien", "consultation-dieteticien",
                description="Apports en sel (moins de 6 g par jour) et en protéines adaptés au stade.",
                timing=within(6, "mo")),
         action("education-therapeutique", "education-therapeutique", goals=["suppleance-preparee"],
                timing=within(6, "mo")),
         action("vaccination", "vaccination",
                description="Grippe chaque saison, pneumocoque, hépatite B dès le stade 3B si un traitement de "
                            "suppléance est envisagé.", timing=every(1, "a"))],
        [action("acces-droits", "acces-aux-droits", goals=["droits-ouverts"], timing=within(3, "mo"),
                condition="Stade 4 ou 5, ou difficultés sociales"),
         action("aide-domicile", "aide-a-domicile", condition="Perte d'autonomie")])


def copd():
    return plan(
        "bpco", "Bpco", "Bronchopneumopathie chronique obstructive (BPCO) : suivi",
        "Suivi de la BPCO : arrêt du tabac, vaccinations, activité physique et réhabilitation respiratoire, "
        "spirométrie de suivi, technique d'inhalation ; après une exacerbation hospitalisée, médecin traitant "
        "dans les 7 jours et pneumologue dans les 2 mois (service PRADO BPCO) ; aides et oxygénothérapie à "
        "domicile si besoin.",
        "Ralentir le déclin respiratoire, réduire les exacerbations et maintenir l'autonomie.",
        USAGE,
        [("HAS 2014", "Haute Autorité de santé. Guide du parcours de soins : bronchopneumopathie chronique "
                      "obstructive. Février 2012, actualisé en juin 2014."),
         ("Assurance Maladie, PRADO BPCO", "Assurance Maladie. Service de retour à domicile PRADO après "
                                           "hospitalisation pour exacerbation de BPCO.")],
        [icd10("J44", "Autres maladies pulmonaires obstructives chroniques")],
        [goal("sevrage-tabagique", "Arrêt complet du tabac", measure=indicator("statut-tabagique-sevre"),
              category="behavioral"),
         goal("vaccins-a-jour", "Vaccinations antigrippale et antipneumococcique à jour",
              measure=indicator("vaccination-grippe-a-jour")),
         goal("rehabilitation-apres-exacerbation", "Réhabilitation respiratoire commencée dans les 3 mois "
                                                   "suivant une exacerbation sévère",
              measure=indicator("delai-rehabilitation-respiratoire"), high=(90, "d", "jours"),
              category="physiotherapy"),
         goal("inhalation-maitrisee", "Technique d'inhalation maîtrisée", priority="medium-priority",
              category="behavioral"),
         goal("consultation-mt-7-jours", "Après une exacerbation hospitalisée : médecin traitant dans les 7 "
                                         "jours", measure=indicator("delai-consultation-medecin-traitant"),
              high=(7, "d", "jours")),
         goal("autonomie-domicile", "Maintien à domicile avec les aides adaptées", priority="medium-priority")],
        [action("consultation-suivi", "consultation-medecin-traitant", timing=every(3, "mo", period_max=6)),
         action("consultation-apres-exacerbation", "consultation-medecin-traitant",
                title="Consultation du médecin traitant après une exacerbation hospitalisée",
                goals=["consultation-mt-7-jours"], timing=within(7, "d"),
                condition="Sortie d'hospitalisation pour exacerbation"),
         action("pneumologue-apres-exacerbation", "consultation-pneumologue", timing=within(2, "mo"),
                condition="Sortie d'hospitalisation pour exacerbation"),
         action("spirometrie", "spirometrie", timing=every(1, "a")),
         action("sevrage-tabagique", "sevrage-tabagique", goals=["sevrage-tabagique"], timing=within(1, "mo"),
                condition="Patient fumeur"),
         action("rehabilitation", "rehabilitation-respiratoire", goals=["rehabilitation-apres-exacerbation"],
                timing=within(90, "d"), condition="Dyspnée ou exacerbation récente"),
         action("inhalation", "technique-inhalation", goals=["inhalation-maitrisee"], timing=every(3, "mo")),
         action("education-therapeutique", "education-therapeutique", timing=within(6, "mo")),
         action("vaccination", "vaccination", goals=["vaccins-a-jour"], timing=every(1, "a")),
         action("activite-physique", "activite-physique-adaptee", timing=within(3, "mo"))],
        [action("oxygene", "oxygenotherapie-domicile", condition="Insuffisance respiratoire chronique "
                                                                 "appareillée", goals=["autonomie-domicile"]),
         action("evaluation-besoins", "evaluation-besoins-aide", goals=["autonomie-domicile"],
                timing=within(1, "mo"), condition="Dyspnée limitant les activités quotidiennes"),
         action("aide-domicile", "aide-a-domicile", goals=["autonomie-domicile"],
                after="evaluation-besoins")])


def older_person():
    return plan(
        "personne-agee-risque-perte-autonomie", "PersonneAgeeRisquePerteAutonomie",
        "Personne âgée en risque de perte d'autonomie (type PAERPA)",
        "Plan personnalisé de santé d'une personne de 75 ans et plus en risque de perte d'autonomie : "
        "évaluation multidimensionnelle à domicile (AGGIR, autonomie, nutrition, humeur, fragilité), plan "
        "de soins et plan d'aides sous la responsabilité du médecin traitant, référent désigné, révision "
        "des traitements, prévention des chutes, soutien de l'aidant, réévaluation au moins annuelle.",
        "Retarder la perte d'autonomie, éviter les hospitalisations évitables et soutenir le maintien à "
        "domicile souhaité par la personne.",
        USAGE,
        [("HAS 2014 PPS", "Haute Autorité de santé. Mode d'emploi du plan personnalisé de santé (PPS) pour les "
                          "personnes à risque de perte d'autonomie (PAERPA). Mars 2014."),
         ("HAS 2013 fragilité", "Haute Autorité de santé. Comment repérer la fragilité en soins ambulatoires ? "
                                "Fiche points clés et solutions, juin 2013."),
         ("CASF annexes 2-1 et 2-2", "Code de l'action sociale et des familles, annexes 2-1 (grille nationale "
                                     "AGGIR et son guide de remplissage) et 2-2 (algorithme)."),
         ("IGAS 2014", "Inspection générale des affaires sociales. Évaluation de la coordination d'appui aux "
                       "soins, rapport n° 2014-010R, décembre 2014.")],
        [("age", {"valueRange": {"low": qty(75, "a", "ans")}})],
        [goal("pps-valide", "PPS élaboré avec la personne et validé par le médecin traitant dans le mois suivant "
                            "l'évaluation", measure=indicator("delai-validation-pps"), high=(30, "d", "jours")),
         goal("pps-reevalue", "PPS réévalué au moins une fois par an et après tout événement intercurrent",
              measure=indicator("delai-reevaluation-pps"), high=(1, "a", "an")),
         goal("pas-de-chute-grave", "Pas de chute suivie d'une hospitalisation dans l'année", category="safety",
              measure=indicator("chutes-avec-hospitalisation"), value=(0, "{chute}", "chute"), due=(1, "a")),
         goal("nutrition", "État nutritionnel préservé (MNA-SF ≥ 12)", category="dietary",
              priority="medium-priority", measure=MNA_SF_TOTAL, low=(12, "{score}", "score")),
         goal("maintien-domicile", "Maintien à domicile conforme au souhait de la personne, avec les aides "
                                   "nécessaires"),
         goal("aidant-soutenu", "Charge de l'aidant contenue (score de Zarit ≤ 40)", priority="medium-priority",
              measure=ZARIT_TOTAL, high=(40, "{score}", "score"))],
        [action("evaluation-geriatrique", "evaluation-geriatrique", goals=["pps-valide", "nutrition"],
                timing=within(1, "mo")),
         action("consultation-validation", "consultation-medecin-traitant",
                title="Validation du PPS par le médecin traitant",
                description="Le médecin traitant, référent du PPS ou appuyé par le coordonnateur, valide les "
                            "problèmes retenus, les objectifs et les interventions.",
                goals=["pps-valide"], timing=within(30, "d"), after="evaluation-geriatrique"),
         action("revision-traitements", "bilan-partage-medication", timing=every(1, "a")),
         action("prevention-chutes", "prevention-chutes", goals=["pas-de-chute-grave"], timing=within(3, "mo"),
                condition="Chute dans l'année ou troubles de la marche"),
         action("nutrition", "consultation-dieteticien", goals=["nutrition"], timing=within(1, "mo"),
                condition="MNA-SF inférieur à 12"),
         action("humeur", "depistage-depression", timing=every(1, "a")),
         action("suivi-infirmier", "visite-infirmiere-surveillance", timing=every(1, "mo"),
                condition="Polypathologie ou traitement à risque"),
         action("vaccination", "vaccination", timing=every(1, "a")),
         action("reevaluation", "evaluation-geriatrique", title="Réévaluation du PPS", goals=["pps-reevalue"],
                timing=every(1, "a"))],
        [action("aggir-apa", "evaluation-aggir-apa", goals=["maintien-domicile"], timing=within(2, "mo"),
                condition="Difficultés dans les actes de la vie quotidienne"),
         action("aide-domicile", "aide-a-domicile", goals=["maintien-domicile"], after="aggir-apa"),
         action("portage-repas", "portage-repas", goals=["nutrition"], condition="Difficultés pour les repas"),
         action("teleassistance", "teleassistance", goals=["pas-de-chute-grave"],
                condition="Personne vivant seule ou chutes"),
         action("adaptation-logement", "adaptation-logement", goals=["pas-de-chute-grave", "maintien-domicile"],
                timing=within(3, "mo")),
         action("soutien-aidant", "soutien-aidant", goals=["aidant-soutenu"], timing=every(6, "mo"),
                condition="Présence d'un aidant"),
         action("lien-social", "lien-social", condition="Isolement social"),
         action("coordination", "evaluation-besoins-aide", title="Suivi de la mise en œuvre du plan d'aides",
                participants=["coordonnateur"], timing=every(3, "mo"))])


def stroke():
    return plan(
        "post-avc", "PostAvc", "Après un accident vasculaire cérébral : retour à domicile et suivi",
        "Suivi après un AVC ou un AIT : consultation d'évaluation pluriprofessionnelle entre 2 et 6 mois, "
        "rééducation (kinésithérapie, orthophonie, ergothérapie) guidée par des objectifs, prévention "
        "vasculaire secondaire, repérage de la dépression, reprise de la conduite et de l'activité "
        "professionnelle, compensation du handicap (MDPH avant 60 ans, APA après) et soutien de l'aidant.",
        "Prévenir la récidive, réduire le handicap et permettre la vie à domicile et la réinsertion.",
        USAGE,
        [("DGOS 2015", "Instruction DGOS/R4 n° 2015-262 du 3 août 2015 relative à l'organisation régionale des "
                       "consultations d'évaluation pluriprofessionnelle post-AVC (2 à 6 mois après l'accident, "
                       "jusqu'à 12 mois)."),
         ("HAS 2019", "Haute Autorité de santé. Accident vasculaire cérébral : pertinence des parcours de "
                      "rééducation/réadaptation après la phase initiale de l'AVC. Note de problématique, mai "
                      "2019."),
         ("HAS 2022", "Haute Autorité de santé. Rééducation à la phase chronique de l'AVC de l'adulte : "
                      "pertinence, indications et modalités. Recommandation de bonne pratique, juillet 2022.")],
        [icd10("I63", "Infarctus cérébral"), icd10("I61", "Hémorragie intracérébrale")],
        [goal("consultation-post-avc", "Consultation pluriprofessionnelle post-AVC entre 2 et 6 mois",
              measure=indicator("delai-consultation-post-avc"), low=(2, "mo", "mois"), high=(6, "mo", "mois")),
         goal("pression-arterielle", "Pression artérielle inférieure à 140/90 mmHg", measure=SYSTOLIC,
              high=(140, "mm[Hg]", "mmHg")),
         goal("ldl-cible", "LDL-cholestérol à la cible fixée par le médecin sous statine", measure=LDL,
              priority="medium-priority"),
         goal("autonomie-fonctionnelle", "Objectifs fonctionnels de rééducation définis avec la personne et "
                                         "réévalués", category="physiotherapy"),
         goal("depression-reperee", "Dépression repérée et prise en charge", priority="medium-priority"),
         goal("retour-domicile", "Retour et maintien à domicile avec les compensations nécessaires"),
         goal("reinsertion", "Reprise d'activité professionnelle et de la conduite évaluées",
              priority="medium-priority"),
         goal("aidant-soutenu", "Charge de l'aidant contenue (score de Zarit ≤ 40)", priority="medium-priority",
              measure=ZARIT_TOTAL, high=(40, "{score}", "score"))],
        [action("consultation-mt", "consultation-medecin-traitant", goals=["pression-arterielle"],
                timing=within(1, "mo")),
         action("consultation-post-avc", "consultation-post-avc",
                goals=["consultation-post-avc", "depression-reperee", "autonomie-fonctionnelle"],
                timing=between(2, 6, "mo")),
         action("kinesitherapie", "reeducation-kinesitherapie", goals=["autonomie-fonctionnelle"],
                timing=every(1, "wk", frequency=3), condition="Déficit moteur ou trouble de l'équilibre"),
         action("orthophonie", "reeducation-orthophonie", goals=["autonomie-fonctionnelle"],
                timing=every(1, "wk", frequency=2), condition="Aphasie, dysarthrie ou trouble de la déglutition"),
         action("ergotherapie", "evaluation-ergotherapie", goals=["retour-domicile"], timing=within(1, "mo")),
         action("pression-arterielle", "mesure-pression-arterielle", goals=["pression-arterielle"],
                timing=every(3, "mo")),
         action("bilan-lipidique", "bilan-lipidique", goals=["ldl-cible"], timing=within(3, "mo"),
                condition="Infarctus cérébral ou AIT d'origine athéromateuse sous statine"),
         action("depression", "depistage-depression", goals=["depression-reperee"], timing=within(3, "mo")),
         action("observance", "bilan-partage-medication",
                description="Observance des antithrombotiques et des traitements de prévention vasculaire.",
                timing=within(1, "mo")),
         action("education-therapeutique", "education-therapeutique",
                description="Signes d'alerte d'un nouvel AVC (appel du 15), facteurs de risque, traitements.",
                timing=within(3, "mo"))],
        [action("compensation-moins-60", "demande-mdph", goals=["retour-domicile", "reinsertion"],
                timing=within(3, "mo"), condition="Personne de moins de 60 ans avec un handicap persistant"),
         action("compensation-60-et-plus", "evaluation-aggir-apa", goals=["retour-domicile"],
                timing=within(2, "mo"), condition="Personne de 60 ans et plus en perte d'autonomie"),
         action("adaptation-logement", "adaptation-logement", goals=["retour-domicile"], after="ergotherapie",
                timing=within(3, "mo")),
         action("aide-domicile", "aide-a-domicile", goals=["retour-domicile"], condition="Besoin d'aide humaine"),
         action("conduite", "evaluation-conduite", goals=["reinsertion"], timing=between(2, 6, "mo"),
                condition="Conducteur avant l'AVC"),
         action("emploi", "reinsertion-professionnelle", goals=["reinsertion"], timing=within(6, "mo"),
                condition="Activité professionnelle avant l'AVC"),
         action("soutien-aidant", "soutien-aidant", goals=["aidant-soutenu"], timing=within(3, "mo"),
                condition="Présence d'un aidant")])


def write(resource):
    fhir_content.write(HERE, resource)


def main():
    plans = [heart_failure(), diabetes(), ckd(), copd(), older_person(), stroke()]
    used = set()
    for p in plans:
        write(p)
        for s in p["action"]:
            for a in s["action"]:
                used.add(a["definitionCanonical"].rsplit("/", 1)[1])
    unused = set(ACTIVITIES) - used
    if unused:
        raise SystemExit(f"activities defined but not used: {sorted(unused)}")
    for id_ in ACTIVITIES:
        write(activity_definition(id_))
    for cs in CODE_SYSTEMS.values():
        write(cs)


if __name__ == "__main__":
    main()
