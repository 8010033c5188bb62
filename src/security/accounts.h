// Accounts of people and systems, their passwords (Argon2id) and second
// factor (TOTP), and login with throttling: per username and per IP address,
// a lockout after repeated failures that doubles with each further failure.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "security/clock.h"
#include "security/crypto.h"
#include "security/policy.h"
#include "store/security_store.h"

namespace parcours::security {

// Account kinds: professional, coordinator (DAC staff), admin-staff, patient,
// carer, analyst, admin (platform administrators).
bool valid_account_kind(std::string_view kind);
// Professionals, coordination and administrative staff and administrators
// must present a TOTP code: a password alone does not open patient records.
bool totp_required(std::string_view kind);

struct NewAccount {
  std::string kind;
  std::string username;
  std::string display;
  std::string practitioner;       // "Practitioner/x" or "x"
  std::string practitioner_role;  // "PractitionerRole/y" or "y"
  std::string organization;       // "Organization/o" or "o"
  std::string rpps;
  std::string profession;  // e.g. "G15-10"
  std::string patient;     // patient id (patient, carer)
  std::string related_person;
  std::string delegation = "*";  // carer: categories, space- or comma-separated
  Micros valid_until = 0;
  std::string password;  // '' none yet
};

struct LoginPolicy {
  int user_threshold = 5;  // failures before a lockout (per username)
  int ip_threshold = 20;   // per IP address
  Micros first_lockout = kMinute;
  Micros longest_lockout = kHour;
  std::size_t min_password = 12;  // characters (ANSSI: long passphrases over complexity rules)
};

struct LoginResult {
  std::optional<store::Account> account;  // set on success
  std::string failure;                    // why, for the audit (never the password)
  std::string message;                    // for the login page (French, then English)
  Micros retry_after = 0;
};

class AccountService {
 public:
  AccountService(store::SecurityStore& store, const SecretBox& box, std::shared_ptr<const Policy> policy,
                 LoginPolicy login = {});

  Result<store::Account> create(const NewAccount& a);
  Status set_password(std::string_view username, std::string_view password);
  // A fresh TOTP secret; returns the otpauth:// URI to show once.
  Result<std::string> enrol_totp(std::string_view username);
  Status set_active(std::string_view username, bool active);  // disabling revokes the sessions
  Status unlock(std::string_view username);
  Result<store::Account> get(std::string_view username);

  LoginResult login(std::string_view username, std::string_view password, std::string_view totp,
                    std::string_view ip);

  // The policy role of an account ('' when it has none).
  std::string role_of(const store::Account& a) const;
  const LoginPolicy& login_policy() const { return login_; }

 private:
  Status note_failure(const std::string& key, int threshold, Micros now, Micros* locked_until);

  store::SecurityStore& store_;
  const SecretBox& box_;
  std::shared_ptr<const Policy> policy_;
  LoginPolicy login_;
};

// "Practitioner/x" from "x" or "Practitioner/x"; '' stays ''.
std::string as_reference(std::string_view type, std::string_view value);

}  // namespace parcours::security
