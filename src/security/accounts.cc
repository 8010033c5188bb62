#include "security/accounts.h"

#include <algorithm>

#include "fhir/primitives.h"
#include "security/clock.h"
#include "security/totp.h"

namespace parcours::security {

namespace {

const char* kKinds[] = {"professional", "coordinator", "admin-staff", "patient", "carer", "analyst", "admin"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<RoleClass> class_of_kind(std::string_view kind) {
  if (kind == "admin-staff") return RoleClass::Staff;
  if (kind == "patient") return RoleClass::Patient;
  if (kind == "carer") return RoleClass::Carer;
  if (kind == "analyst") return RoleClass::Analyst;
  if (kind == "admin") return RoleClass::Admin;
  return std::nullopt;
}

bool valid_username(std::string_view u) {
  return !u.empty() && u.size() <= 64 && std::all_of(u.begin(), u.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '@';
  });
}

}  // namespace

bool valid_account_kind(std::string_view kind) {
  return std::find(std::begin(kKinds), std::end(kKinds), kind) != std::end(kKinds);
}

bool totp_required(std::string_view kind) {
  return kind == "professional" || kind == "coordinator" || kind == "admin-staff" || kind == "admin";
}

std::string as_reference(std::string_view type, std::string_view value) {
  if (value.empty()) return {};
  if (value.find('/') != std::string_view::npos) return std::string(value);
  return std::string(type) + "/" + std::string(value);
}

AccountService::AccountService(store::SecurityStore& store, const SecretBox& box,
                               std::shared_ptr<const Policy> policy, LoginPolicy login)
    : store_(store), box_(box), policy_(std::move(policy)), login_(login) {}

std::string AccountService::role_of(const store::Account& a) const {
  if (a.kind == "professional" || a.kind == "coordinator") {
    auto r = policy_->role_for_profession(a.profession);
    return r ? policy_->roles()[static_cast<std::size_t>(*r)].name : std::string();
  }
  auto c = class_of_kind(a.kind);
  if (!c) return {};
  for (const auto& r : policy_->roles())
    if (r.role_class == *c) return r.name;
  return {};
}

Result<store::Account> AccountService::create(const NewAccount& in) {
  if (!valid_account_kind(in.kind))
    return bad_request("unknown account kind '" + in.kind +
                       "' (professional, coordinator, admin-staff, patient, carer, analyst, admin)");
  store::Account a;
  a.username = lower(in.username);
  if (!valid_username(a.username)) return bad_request("a username is 1-64 characters among a-z 0-9 . - _ @");
  a.id = "acc-" + random_token(12);
  a.kind = in.kind;
  a.display = in.display.empty() ? in.username : in.display;
  a.practitioner = as_reference("Practitioner", in.practitioner);
  a.practitioner_role = as_reference("PractitionerRole", in.practitioner_role);
  a.organization = as_reference("Organization", in.organization);
  a.rpps = in.rpps;
  a.profession = in.profession;
  a.patient = in.patient;
  a.related_person = as_reference("RelatedPerson", in.related_person);
  a.delegation = in.delegation;
  std::replace(a.delegation.begin(), a.delegation.end(), ',', ' ');
  a.valid_until = in.valid_until;
  a.created = Clock::now();
  if (a.kind == "professional" || a.kind == "coordinator") {
    if (a.profession.empty()) return bad_request("a " + a.kind + " account needs --profession (e.g. G15-10)");
    auto r = policy_->role_for_profession(a.profession);
    if (!r) return bad_request("profession '" + a.profession + "' is not in the access policy");
    RoleClass c = policy_->roles()[static_cast<std::size_t>(*r)].role_class;
    if (c != RoleClass::Health && c != RoleClass::Social)
      return bad_request("profession '" + a.profession + "' does not map to a professional role");
    if (a.kind == "professional" && a.practitioner.empty())
      return bad_request("a professional account is linked to a Practitioner (--practitioner)");
    if (c == RoleClass::Health && a.kind == "professional" &&
        (a.rpps.size() != 11 || !std::all_of(a.rpps.begin(), a.rpps.end(), ::isdigit)))
      return bad_request("a health professional's account carries their RPPS number (11 digits)");
  }
  if (a.kind == "coordinator" && a.practitioner.empty() && a.organization.empty())
    return bad_request("a coordinator account names its Practitioner or its DAC Organization");
  if (a.kind == "admin-staff" && a.organization.empty())
    return bad_request("an administrative account names its Organization (--organization)");
  if ((a.kind == "patient" || a.kind == "carer") && !fhir::is_valid_id(a.patient))
    return bad_request("a " + a.kind + " account names the Patient id (--patient)");
  if (a.kind == "carer" && a.related_person.empty())
    return bad_request("a carer account is linked to a RelatedPerson (--related-person)");
  if (role_of(a).empty()) return bad_request("the access policy has no role for a " + a.kind + " account");
  if (!in.password.empty()) {
    if (in.password.size() < login_.min_password)
      return bad_request("passwords have at least " + std::to_string(login_.min_password) + " characters");
    auto h = hash_password(in.password);
    if (!h) return std::move(h).error();
    a.password_hash = std::move(*h);
  }
  if (auto s = store_.create_account(a); !s) return std::move(s).error();
  return a;
}

Result<store::Account> AccountService::get(std::string_view username) {
  auto a = store_.account_by_username(lower(username));
  if (!a) return std::move(a).error();
  if (!*a) return not_found("no account named '" + std::string(username) + "'");
  return std::move(**a);
}

Status AccountService::set_password(std::string_view username, std::string_view password) {
  if (password.size() < login_.min_password)
    return bad_request("passwords have at least " + std::to_string(login_.min_password) + " characters");
  auto a = get(username);
  if (!a) return std::move(a).error();
  auto h = hash_password(password);
  if (!h) return std::move(h).error();
  a->password_hash = std::move(*h);
  if (auto s = store_.update_account(*a); !s) return s;
  // A new password ends every session opened with the old one.
  return store_.revoke_sessions_of(a->id);
}

Result<std::string> AccountService::enrol_totp(std::string_view username) {
  auto a = get(username);
  if (!a) return std::move(a).error();
  std::string secret = random_bytes(20);  // 160 bits, RFC 4226 §4 recommends
  a->totp_sealed = box_.seal(secret, "totp:" + a->id);
  a->totp_last_step = 0;
  if (auto s = store_.update_account(*a); !s) return std::move(s).error();
  std::string uri = totp_uri(secret, a->username);
  std::fill(secret.begin(), secret.end(), '\0');
  return uri;
}

Status AccountService::set_active(std::string_view username, bool active) {
  auto a = get(username);
  if (!a) return std::move(a).error();
  a->active = active;
  if (auto s = store_.update_account(*a); !s) return s;
  if (!active) return store_.revoke_sessions_of(a->id);
  return Status::Ok();
}

Status AccountService::unlock(std::string_view username) {
  return store_.clear_throttle("user:" + lower(username));
}

Status AccountService::note_failure(const std::string& key, int threshold, Micros now, Micros* locked_until) {
  auto t = store_.throttle(key);
  if (!t) return std::move(t).error();
  // Failures are forgotten after a quiet period as long as the longest lockout.
  if (t->failures > 0 && now - t->last_failure > login_.longest_lockout) t->failures = 0;
  t->failures += 1;
  t->last_failure = now;
  if (t->failures >= threshold) {
    int extra = std::min(t->failures - threshold, 20);
    Micros wait = std::min(login_.first_lockout << extra, login_.longest_lockout);
    t->locked_until = now + wait;
  }
  *locked_until = t->locked_until;
  return store_.put_throttle(*t);
}

LoginResult AccountService::login(std::string_view username_in, std::string_view password,
                                  std::string_view totp, std::string_view ip) {
  LoginResult out;
  const Micros now = Clock::now();
  const std::string username = lower(username_in);
  const std::string user_key = "user:" + username, ip_key = "ip:" + std::string(ip);
  const std::string generic =
      "Identifiant, mot de passe ou code incorrect. / Wrong username, password or code.";
  auto locked = [&](Micros until) {
    out.failure = "locked out";
    out.retry_after = until - now;
    long minutes = static_cast<long>((until - now + kMinute - 1) / kMinute);
    out.message = "Trop de tentatives : réessayez dans " + std::to_string(minutes) +
                  " minute(s). / Too many attempts: try again in " + std::to_string(minutes) + " minute(s).";
    return out;
  };
  auto tu = store_.throttle(user_key);
  auto ti = store_.throttle(ip_key);
  if (!tu || !ti) {
    out.failure = "throttle unavailable";
    out.message = "Service indisponible. / Service unavailable.";
    return out;
  }
  if (tu->locked_until > now) return locked(tu->locked_until);
  if (ti->locked_until > now) return locked(ti->locked_until);

  auto fail = [&](std::string why) {
    out.failure = std::move(why);
    out.message = generic;
    Micros lu = 0, li = 0;
    (void)note_failure(user_key, login_.user_threshold, now, &lu).ok();
    (void)note_failure(ip_key, login_.ip_threshold, now, &li).ok();
    return out;
  };
  auto found = store_.account_by_username(username);
  if (!found || !*found) {
    verify_password_dummy(password);  // same time as a real check
    return fail("unknown username");
  }
  store::Account a = std::move(**found);
  if (!verify_password(a.password_hash, password)) return fail("wrong password");
  if (totp_required(a.kind) || !a.totp_sealed.empty()) {
    if (a.totp_sealed.empty()) return fail("second factor required but not enrolled");
    auto secret = box_.open(a.totp_sealed, "totp:" + a.id);
    if (!secret) return fail("second factor unreadable");
    auto step = totp_verify(*secret, totp, now, a.totp_last_step);
    std::fill(secret->begin(), secret->end(), '\0');
    if (!step) return fail(totp.empty() ? "second factor missing" : "wrong or replayed second factor");
    a.totp_last_step = *step;
    if (auto s = store_.update_account(a); !s) return fail("cannot record the second factor");
  }
  if (!a.active) {
    out.failure = "account disabled";
    out.message = "Ce compte est désactivé. / This account is disabled.";
    return out;
  }
  if (a.valid_until && a.valid_until <= now) {
    out.failure = "delegation expired";
    out.message = "La délégation de ce compte a pris fin. / This account's delegation has ended.";
    return out;
  }
  (void)store_.clear_throttle(user_key).ok();
  out.account = std::move(a);
  return out;
}

}  // namespace parcours::security
