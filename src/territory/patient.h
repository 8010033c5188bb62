// Generation of one patient and their care record.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fhir/json.h"
#include "territory/clinical.h"
#include "territory/directory.h"
#include "territory/fhir_build.h"
#include "territory/random.h"

namespace parcours::territory {

class PatientGenerator {
 public:
  // `directory` is updated (GP panel sizes) as patients are attached.
  PatientGenerator(Directory& directory, std::uint64_t seed, const std::function<void(Json&&)>& emit);
  PatientGenerator(const PatientGenerator&) = delete;
  PatientGenerator& operator=(const PatientGenerator&) = delete;

  // Emits patient number `index` (0-based) and their resources.
  void generate(std::int64_t index);

 private:
  enum class VisitKind : std::uint8_t { kGp, kGpHome, kSpecialist, kStay, kNurseHome };
  struct Visit {
    std::int64_t day;
    int minute;
    int minutes;  // duration (consultations)
    int stay_days;
    VisitKind kind;
    std::uint32_t pro;  // kNone when no practitioner
    std::uint32_t org;
    Cond reason;
    bool has_reason;
    std::string id;
  };
  struct Member {
    std::uint32_t pro;  // kNone for an organisation member
    std::uint32_t org;
    std::string_view role_text;
    std::int64_t since;
  };
  struct Prescription {
    DrugId drug;
    Cond reason;
    std::uint32_t prescriber;
  };
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  void demographics(Rng& rng);
  void assign_birthplace_and_nir(Rng& rng);
  void conditions(Rng& rng);
  void care_team(Rng& rng);
  void schedule(Rng& rng);
  void prescriptions(Rng& rng);

  void emit_patient(Rng& rng);
  void emit_conditions();
  void emit_care_team();
  void emit_encounters();
  void emit_observations(Rng& rng);
  void emit_medications();
  void emit_documents(Rng& rng);

  // Observation skeleton: id, status, category, code, subject, encounter,
  // effective time and performer (a Practitioner, Organization or Patient).
  Obj observation(std::string_view category, const LabCode& code, std::int64_t day, int minute,
                  const Visit* visit, Json performer);
  std::string next_id(std::string_view prefix, int& counter, int width);
  std::uint32_t pick_near(Rng& rng, Profession p, std::size_t span);
  std::uint32_t pick_any(Rng& rng, Profession p);
  bool has(Cond c) const { return has_[static_cast<std::size_t>(c)]; }
  Json patient_ref() const;
  Json pro_ref(std::uint32_t pro) const;

  Directory& dir_;
  std::uint64_t seed_;
  const std::function<void(Json&&)>& emit_;
  std::int64_t ref_day_;
  std::int64_t window_start_;
  std::vector<std::uint32_t> commune_cumulative_;
  std::vector<std::uint32_t> birthplace_cumulative_;
  std::vector<std::uint32_t> pyramid_cumulative_;
  std::array<std::vector<std::uint32_t>, kProfessionCount> by_profession_;
  // NIR order numbers already used, per (sex, month, year, birthplace): a
  // fixed-size table (~600 kB), independent of the number of patients.
  std::vector<std::uint16_t> nir_counters_;

  // Current patient (buffers are reused from one patient to the next).
  std::int64_t index_ = 0;
  std::string key_;  // zero-padded index shared by the patient's ids
  std::string id_;
  bool female_ = false;
  int age_ = 0;
  std::int64_t birth_ = 0;
  std::size_t commune_ = 0;
  std::size_t birthplace_ = 0;
  std::string nir_;
  std::string family_, usual_family_, given1_, given2_;
  std::uint32_t ehpad_ = kNone;
  std::uint32_t gp_ = kNone;
  std::array<bool, kCondCount> has_{};
  std::array<int, kCondCount> ald_{};
  std::array<std::int64_t, kCondCount> onset_{};
  std::array<std::uint32_t, kCondCount> specialist_{};
  std::array<std::string, kCondCount> condition_ids_;
  std::uint32_t nurse_ = kNone;
  int ckd_stage_ = 0;
  int cancer_site_ = 0;
  bool alzheimer_ = false;
  bool ischemic_stroke_ = false;
  bool insulin_ = false;
  bool complex_ = false;
  bool telemonitored_ = false;
  int height_cm_ = 0;
  int weight_x10_ = 0;
  int systolic_ = 0, diastolic_ = 0, heart_rate_ = 0, spo2_ = 0;
  int hba1c_x10_ = 0, egfr_ = 0, ntprobnp_ = 0, ldl_x100_ = 0;
  std::vector<Member> members_;
  std::vector<Visit> visits_;
  std::vector<std::int64_t> lab_days_;
  std::vector<Prescription> prescriptions_;
  int obs_counter_ = 0;
};

}  // namespace parcours::territory
