// SMART App Launch v2 scopes (and their v1 forms): "patient/Observation.rs",
// "user/*.cruds", "system/Patient.read", plus launch/patient, openid,
// fhirUser, offline_access, online_access. The API honours them on top of the
// access policy: a token can only narrow what its holder may do.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parcours::security {

enum class Interaction { Read, Search, Create, Update, Delete };
inline constexpr Interaction kInteractions[] = {Interaction::Read, Interaction::Search, Interaction::Create,
                                                Interaction::Update, Interaction::Delete};
std::string_view interaction_name(Interaction i);  // read search create update delete
char interaction_letter(Interaction i);            // r s c u d (SMART v2)

struct ResourceScope {
  enum class Context { Patient, User, System } context;
  std::string type;  // "*" for every type
  bool c = false, r = false, s = false, u = false, d = false;
  bool allows(std::string_view t, Interaction i) const;
  std::string str() const;  // "patient/Observation.rs"
};

class Scopes {
 public:
  // Parses a space-separated scope string. Unknown or granular
  // ("?category=...") resource scopes are dropped, never widened.
  static Scopes parse(std::string_view text);
  static Scopes all_system();  // the bootstrap admin token

  // The scopes of `requested` that `allowed` also grants (a client's ceiling),
  // resource scopes compared by what they permit.
  static Scopes intersect(const Scopes& requested, const Scopes& allowed);

  std::string str() const;  // canonical v2 text
  bool empty() const { return resources_.empty() && flags_.empty(); }
  bool has(std::string_view flag) const;  // openid, fhirUser, launch/patient, offline_access...
  const std::vector<ResourceScope>& resources() const { return resources_; }

  // user/ and system/ scopes: on any resource of `type`.
  bool allows_any(std::string_view type, Interaction i) const;
  // patient/ scopes: only inside the launch patient's compartment.
  bool allows_in_patient(std::string_view type, Interaction i) const;
  // Types (or "*") allowed by user/system scopes, and by patient scopes.
  std::vector<std::string> types_any(Interaction i) const;
  std::vector<std::string> types_in_patient(Interaction i) const;

 private:
  std::vector<ResourceScope> resources_;
  std::vector<std::string> flags_;
};

}  // namespace parcours::security
