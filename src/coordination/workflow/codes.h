// The codes of the coordination workflow. Local ones are defined by the
// CodeSystems shipped in content/coordination/ (a test keeps both in step);
// standard ones are cited where they are used.
#pragma once

#include <string_view>

#include "fhir/local_codes.h"

namespace parcours::coordination::codes {

inline constexpr std::string_view kBase = "https://parcours.example.fr/fhir/";

// The PPS sections (content/pathways/CodeSystem-pps-section.json): a CarePlan
// with one of them in its category is a PPS (plan personnalisé de santé).
inline constexpr std::string_view kPpsSection = "https://parcours.example.fr/fhir/CodeSystem/pps-section";

// Coordination structures (Organization.type): an EpisodeOfCare managed by
// one of them is a coordination dossier, under the workflow's rules.
inline constexpr std::string_view kStructureType = fhir::local::kStructureCoordination;

// A structure's settings, as extensions on its Organization
// (docs/coordination.md): eligibility (minimum age, postal codes served,
// repeated) and the caseload limit per case manager.
inline constexpr std::string_view kMinimumAgeExt =
    "https://parcours.example.fr/fhir/StructureDefinition/age-minimum";
inline constexpr std::string_view kPostalCodeServedExt =
    "https://parcours.example.fr/fhir/StructureDefinition/code-postal-desservi";
inline constexpr std::string_view kCaseloadLimitExt =
    "https://parcours.example.fr/fhir/StructureDefinition/plafond-file-active";
inline constexpr std::string_view kCaseloadAlert = "plafond-file-active";
// A tariff agreed by the structure for a level: complex extension with
// "niveau" (valueCoding), "montant" (valueMoney, EUR), "financeur"
// (valueReference, optional). The activity report applies it.
inline constexpr std::string_view kTariffExt = "https://parcours.example.fr/fhir/StructureDefinition/tarif";

// The CareTeam of a dossier is identified by it (identifier.value =
// "EpisodeOfCare/<id>"); its case manager takes the role 330 "coordonnateur
// de parcours" of the ANS nomenclature TRE_R85-RolePriseCharge.
inline constexpr std::string_view kDossierTeam = "https://parcours.example.fr/fhir/sid/equipe-dossier";
inline constexpr std::string_view kR85Role =
    "https://mos.esante.gouv.fr/NOS/TRE_R85-RolePriseCharge/FHIR/TRE-R85-RolePriseCharge";

// Intensity of coordination, the three levels observed by IGAS (seed 003
// [266]-[270]): EpisodeOfCare.type.
inline constexpr std::string_view kIntensity =
    "https://parcours.example.fr/fhir/CodeSystem/niveau-coordination";

// Why a dossier was closed: extension on EpisodeOfCare (R4 has no element
// for it), valueCoding from this CodeSystem.
inline constexpr std::string_view kClosureReasonExt =
    "https://parcours.example.fr/fhir/StructureDefinition/motif-cloture";
inline constexpr std::string_view kClosureReason =
    "https://parcours.example.fr/fhir/CodeSystem/motif-cloture";

// Milestones reported to the GP (seed 003 [226], [332]): Communication.topic.
inline constexpr std::string_view kMilestone =
    "https://parcours.example.fr/fhir/CodeSystem/jalon-coordination";
inline constexpr std::string_view kMilestoneAccepted = "demande-acceptee";
inline constexpr std::string_view kMilestoneDeclined = "demande-refusee";
inline constexpr std::string_view kMilestonePpsProposed = "pps-propose";
inline constexpr std::string_view kMilestonePpsValidated = "pps-valide";
inline constexpr std::string_view kMilestonePpsChanges = "pps-modifications-demandees";
inline constexpr std::string_view kMilestoneClosed = "cloture";
inline constexpr std::string_view kMilestoneReopened = "reouverture";

// Communication.category of a feedback message to the médecin traitant (the
// system the break-glass notice uses too).
inline constexpr std::string_view kMessageCategory =
    "https://parcours.example.fr/fhir/CodeSystem/communication-category";
inline constexpr std::string_view kFeedbackToGp = "retour-medecin-traitant";

// Reminder of a late Task, to the case manager (Communication.category).
inline constexpr std::string_view kLateReminder = "relance-retard";

// Tasks the follow-up creates (Task.code) and their business status.
inline constexpr std::string_view kCoordinationTask =
    "https://parcours.example.fr/fhir/CodeSystem/tache-coordination";
inline constexpr std::string_view kTaskReview = "reevaluation-pps";
inline constexpr std::string_view kTaskLate = "en-retard";

// The GP's validation of a PPS, recorded on the CarePlan it activated:
// complex extension with "validateur" (Reference), "date" (dateTime) and
// "tache" (Reference to the approval Task).
inline constexpr std::string_view kPpsValidationExt =
    "https://parcours.example.fr/fhir/StructureDefinition/validation-pps";

// The lettres de liaison (workflow/letters.h): Composition.type and
// Composition.section.code.
inline constexpr std::string_view kLetterType =
    "https://parcours.example.fr/fhir/CodeSystem/type-lettre-liaison";
inline constexpr std::string_view kLetterSection =
    "https://parcours.example.fr/fhir/CodeSystem/section-lettre-liaison";
inline constexpr std::string_view kMilestoneLetter = "lettre-de-liaison";

// The activity report of a coordination structure (report.h): the Measure
// it reports on, its indicators and breakdowns (MeasureReport.group.code and
// stratifier.code), the property of niveau-coordination giving the observed
// cost per level, and where the report says which tariff it applied.
inline constexpr std::string_view kActivityMeasure =
    "https://parcours.example.fr/fhir/Measure/activite-coordination";
inline constexpr std::string_view kActivityIndicator =
    "https://parcours.example.fr/fhir/CodeSystem/indicateur-activite";
inline constexpr std::string_view kObservedCost = "cout-observe-euros";
inline constexpr std::string_view kTariffSourceExt =
    "https://parcours.example.fr/fhir/StructureDefinition/source-tarif";

// The discharge checklist: one Task per item (Task.code), focus the stay.
inline constexpr std::string_view kDischargeChecklist =
    "https://parcours.example.fr/fhir/CodeSystem/checklist-sortie";

// FHIR Task codes (R4 ValueSet task-code).
inline constexpr std::string_view kTaskCode = "http://hl7.org/fhir/CodeSystem/task-code";
inline constexpr std::string_view kTaskApprove = "approve";

}  // namespace parcours::coordination::codes
