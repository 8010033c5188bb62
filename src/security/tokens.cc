#include "security/tokens.h"

#include <algorithm>

#include "security/clock.h"
#include "security/crypto.h"

namespace parcours::security {

namespace {

OAuthError oauth(int status, std::string error, std::string description) {
  return OAuthError{status, std::move(error), std::move(description)};
}

std::int64_t seconds(Micros t) { return t / 1'000'000; }

bool valid_verifier(std::string_view v) {
  // RFC 7636 §4.1: 43-128 unreserved characters.
  return v.size() >= 43 && v.size() <= 128 && std::all_of(v.begin(), v.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == '~';
         });
}

bool has_word(std::string_view list, std::string_view word) {
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(' ', start);
    if (end == std::string_view::npos) end = list.size();
    if (list.substr(start, end - start) == word) return true;
    start = end + 1;
  }
  return false;
}

std::string purpose_of(std::string_view kind) {
  if (kind == "patient") return "PATRQT";
  if (kind == "carer") return "FAMRQT";
  if (kind == "coordinator") return "COC";
  if (kind == "admin" || kind == "admin-staff") return "HOPERAT";
  if (kind == "analyst") return "HOPERAT";
  return "TREAT";
}

// Whom an account is, as the access policy sees it: `principals` open
// records through care relationships; `identities` (principals, the
// organisation, the account) are what objections and authorship name.
void people_of(const store::Account& a, std::vector<std::string>& principals,
               std::vector<std::string>& identities) {
  auto add = [](std::vector<std::string>& v, const std::string& s) {
    if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  };
  add(principals, a.practitioner);
  add(principals, a.practitioner_role);
  // Organisations reach records only for coordination and administrative
  // staff (a DAC, a service named in the team); a professional is a person.
  if (a.kind == "coordinator" || a.kind == "admin-staff") add(principals, a.organization);
  identities = principals;
  add(identities, a.organization);
  add(identities, a.related_person);
  add(identities, "Account/" + a.id);
}

// INS (identifiant national de santé): the NIR or NIA qualified by INSi, and
// their test OIDs (ANS, référentiel INS).
bool is_ins_system(std::string_view system) {
  return system == "urn:oid:1.2.250.1.213.1.4.8" || system == "urn:oid:1.2.250.1.213.1.4.9" ||
         system == "urn:oid:1.2.250.1.213.1.4.10" || system == "urn:oid:1.2.250.1.213.1.4.11";
}

PickablePatient pickable_of(const store::SecurityStore::PatientRow& row) {
  PickablePatient p;
  p.id = row.id;
  auto r = parse_json(row.body);
  if (!r || !r->is_object()) return p;
  if (const Json* names = r->find("name"); names && names->is_array() && !names->as_array().empty()) {
    const Json* best = &names->as_array()[0];
    for (const Json& n : names->as_array())
      if (n.get_string("use") == "official") best = &n;
    std::string family(best->get_string("family"));
    std::string given;
    if (const Json* g = best->find("given"); g && g->is_array())
      for (const Json& x : g->as_array())
        if (x.is_string()) given += (given.empty() ? "" : " ") + x.as_string();
    p.name = family + (family.empty() || given.empty() ? "" : " ") + given;
    if (p.name.empty()) p.name = best->get_string("text");
  }
  p.birth_date = r->get_string("birthDate");
  if (const Json* ids = r->find("identifier"); ids && ids->is_array())
    for (const Json& i : ids->as_array())
      if (i.is_object() && is_ins_system(i.get_string("system")) && p.ins.empty())
        p.ins = i.get_string("value");
  return p;
}

}  // namespace

std::string client_id_of(const ClientAuth& auth) {
  if (!auth.id.empty() || auth.assertion.empty()) return auth.id;
  auto claims = peek_jwt_claims(auth.assertion);
  return claims ? std::string(claims->get_string("iss")).substr(0, 128) : std::string();
}

std::string fhir_user_of(const store::Account& a) {
  if (!a.practitioner.empty()) return a.practitioner;
  if (a.kind == "patient") return "Patient/" + a.patient;
  if (a.kind == "carer") return a.related_person;
  return {};
}

TokenService::TokenService(store::SecurityStore& store, KeyRing& keys, AccountService& accounts,
                           std::shared_ptr<const Policy> policy, TokenOptions options, ReachSource reach)
    : store_(store),
      keys_(keys),
      accounts_(accounts),
      policy_(std::move(policy)),
      options_(options),
      reach_(std::move(reach)) {}

Result<std::string> TokenService::register_client(store::Client c) {
  if (c.id.empty()) c.id = "cli-" + random_token(9);
  std::string secret;
  if (!c.jwks.empty()) {
    // private_key_jwt: the client proves itself with its keys, never a secret.
    if (auto n = check_client_jwks(c.jwks); !n) return std::move(n).error();
    c.confidential = true;
    c.secret_hash.clear();
  } else if (c.confidential) {
    secret = random_token(32);
    c.secret_hash = sha256_hex(secret);  // 256 random bits: a fast hash is enough
  }
  c.created = Clock::now();
  if (auto existing = store_.client(c.id); existing && *existing)
    return conflict("client '" + c.id + "' exists");
  if (auto s = store_.put_client(c); !s) return std::move(s).error();
  return !c.jwks.empty() ? std::string() : c.confidential ? secret : c.id;
}

OAuthResult<store::Client> TokenService::browser_client(std::string_view client_id,
                                                        std::string_view redirect_uri) {
  auto c = store_.client(client_id);
  if (!c || !*c || !(*c)->active) return oauth(400, "invalid_client", "unknown client");
  if (redirect_uri.empty() || !has_word((*c)->redirect_uris, redirect_uri))
    return oauth(400, "invalid_request", "redirect_uri is not registered for this client");
  return std::move(**c);
}

OAuthResult<store::Client> TokenService::authenticate_client(std::string_view client_id,
                                                             std::string_view secret) {
  auto c = store_.client(client_id);
  bool known = c && *c && (*c)->active && (*c)->confidential;
  // Compare even for unknown clients, so timing does not tell them apart.
  bool ok = same_secret(sha256_hex(secret), known ? (*c)->secret_hash : std::string(64, '0')) && known;
  if (!ok) return oauth(401, "invalid_client", "client authentication failed");
  return std::move(**c);
}

OAuthResult<store::Client> TokenService::authenticate_client(const ClientAuth& auth) {
  if (!auth.assertion.empty()) {
    if (!auth.secret.empty())
      return oauth(400, "invalid_request",
                   "use one client authentication method: a secret or an assertion (RFC 6749 §2.3)");
    return authenticate_assertion(auth);
  }
  return authenticate_client(auth.id, auth.secret);
}

// private_key_jwt, as SMART App Launch v2 Backend Services and RFC 7523 §3
// define it. Every failure is invalid_client (RFC 7523 §3.2); the assertion
// itself is never logged nor echoed.
OAuthResult<store::Client> TokenService::authenticate_assertion(const ClientAuth& auth) {
  constexpr std::int64_t kSkew = 60;         // seconds of clock difference tolerated
  constexpr std::int64_t kLongest = 5 * 60;  // SMART: exp no more than five minutes ahead
  auto fail = [](const std::string& why) { return oauth(401, "invalid_client", "client assertion: " + why); };
  auto header = peek_jwt_header(auth.assertion);
  auto peeked = peek_jwt_claims(auth.assertion);
  if (!header || !peeked) return fail("not a signed JWT (compact JWS)");
  std::string alg(header->get_string("alg"));
  if (alg != "ES256" && alg != "RS384") return fail("alg must be ES256 or RS384");
  std::string iss(peeked->get_string("iss"));
  if (iss.empty()) return fail("iss must be the client_id");
  if (!auth.id.empty() && auth.id != iss) return fail("client_id differs from the assertion's iss");
  auto c = store_.client(iss);
  if (!c) return oauth(500, "server_error", "storage error");
  if (!*c || !(*c)->active || !(*c)->confidential) return fail("unknown client");
  if ((*c)->jwks.empty()) return fail("this client has no registered public keys (JWKS)");
  auto jwks = parse_json((*c)->jwks);
  if (!jwks) return fail("this client's registered JWKS is unreadable");
  auto v = verify_with_jwks(auth.assertion, *jwks);
  if (!v) return fail(v.error().message());
  const Json& claims = v->claims;
  // RFC 7523 §3 items 1-2: iss and sub are both the client_id.
  if (claims.get_string("iss") != iss || claims.get_string("sub") != iss)
    return fail("iss and sub must both be the client_id");
  // Item 3: aud names this token endpoint.
  bool aud_ok = false;
  if (const Json* aud = claims.find("aud")) {
    if (aud->is_string()) aud_ok = aud->as_string() == auth.audience;
    if (aud->is_array())
      for (const Json& x : aud->as_array())
        aud_ok = aud_ok || (x.is_string() && x.as_string() == auth.audience);
  }
  if (!aud_ok) return fail("aud must be the token endpoint, " + auth.audience);
  // Item 4: exp, bounded by SMART to five minutes.
  const Json* exp = claims.find("exp");
  if (!exp || !exp->to_int64()) return fail("exp is required");
  std::int64_t now = seconds(Clock::now()), until = *exp->to_int64();
  if (until + kSkew <= now) return fail("expired");
  if (until > now + kLongest + kSkew) return fail("exp is more than five minutes ahead");
  if (const Json* nbf = claims.find("nbf"); nbf && (!nbf->to_int64() || *nbf->to_int64() > now + kSkew))
    return fail("not valid yet (nbf)");
  // Item 7: a jti used once, remembered until the assertion expires.
  std::string jti(claims.get_string("jti"));
  if (jti.empty() || jti.size() > 255) return fail("jti is required (at most 255 characters)");
  auto first =
      store_.use_once("client-assertion\n" + iss + "\n" + jti, (until + kSkew) * 1'000'000, Clock::now());
  if (!first) return oauth(500, "server_error", "storage error");
  if (!*first) return fail("this assertion was already used (jti)");
  return std::move(**c);
}

bool TokenService::picks_patient(const store::Account& a) {
  return a.kind == "professional" || a.kind == "coordinator" || a.kind == "admin-staff";
}

// The same relationships as the access policy's (Policy::relationship, via
// the reach): whoever the picker lists, the policy lets in, and no other.
Result<std::vector<std::string>> TokenService::reached_patients(const store::Account& a) const {
  std::vector<std::string> out;
  auto role = policy_->role(accounts_.role_of(a));
  if (!reach_ || !role) return out;
  AccessContext ac;
  ac.role = *role;
  ac.role_class = policy_->roles()[static_cast<std::size_t>(*role)].role_class;
  ac.account = a.id;
  ac.now = Clock::now();
  people_of(a, ac.principals, ac.identities);
  auto reach = reach_(ac);
  if (!reach) return std::move(reach).error();
  if (!*reach) return out;
  for (const auto& [patient, entry] : (*reach)->entries)
    if (entry.flag != store::PatientReach::kNone) out.push_back(patient);
  return out;
}

Result<std::vector<PickablePatient>> TokenService::pickable_patients(const store::Account& a,
                                                                     std::string_view prefix, int limit,
                                                                     int offset) {
  store::SecurityStore::PatientQuery q;
  auto reached = reached_patients(a);
  if (!reached) return std::move(reached).error();
  q.patients = std::move(*reached);
  q.name_prefix = prefix;
  q.limit = limit + 1;
  q.offset = offset;
  auto rows = store_.accessible_patients(q);
  if (!rows) return std::move(rows).error();
  std::vector<PickablePatient> out;
  for (const auto& r : *rows) out.push_back(pickable_of(r));
  return out;
}

Result<bool> TokenService::may_pick(const store::Account& a, std::string_view patient) {
  if (patient.empty() || !picks_patient(a)) return false;
  store::SecurityStore::PatientQuery q;
  auto reached = reached_patients(a);
  if (!reached) return std::move(reached).error();
  if (std::find(reached->begin(), reached->end(), patient) == reached->end()) return false;
  q.patients = {std::string(patient)};
  q.id = patient;
  q.limit = 1;
  auto rows = store_.accessible_patients(q);
  if (!rows) return std::move(rows).error();
  return !rows->empty();
}

Scopes TokenService::grant(const store::Account& a, const store::Client& c, std::string_view requested,
                           std::string_view picked) const {
  Scopes want = Scopes::parse(requested.empty() ? std::string_view(c.scopes) : requested);
  Scopes allowed = Scopes::intersect(want, Scopes::parse(c.scopes));
  // patient/ scopes need a launch context: patients and carers have their
  // record; a professional has the patient chosen in the picker, if any.
  bool context = a.kind == "patient" || a.kind == "carer" || !picked.empty();
  std::string text;
  for (const auto& f : {"openid", "fhirUser", "profile", "offline_access", "online_access", "launch/patient"})
    if (allowed.has(f) && (std::string_view(f) != "launch/patient" || context)) text += std::string(f) + " ";
  for (const auto& r : allowed.resources()) {
    if (r.context == ResourceScope::Context::System) continue;  // people never get system/ scopes
    if (r.context == ResourceScope::Context::Patient && !context) continue;
    text += r.str() + " ";
  }
  return Scopes::parse(text);
}

Result<std::string> TokenService::issue_code(const store::Account& a, const store::Client& c,
                                             std::string_view redirect_uri, std::string_view challenge,
                                             const Scopes& scopes, std::string_view nonce,
                                             std::string_view remote, std::string_view user_agent,
                                             std::string_view picked) {
  Micros now = Clock::now();
  store::Session s;
  s.id = "ses-" + random_token(12);
  s.account = a.id;
  s.client = c.id;
  s.scope = scopes.str();
  s.patient = a.kind == "patient" || a.kind == "carer" ? a.patient : std::string(picked);
  s.auth_methods = a.totp_sealed.empty() ? "pwd" : "pwd otp";
  s.remote = remote;
  s.user_agent = std::string(user_agent.substr(0, 200));
  s.created = s.last_used = now;
  s.expires = now + options_.session_ttl;
  if (auto st = store_.create_session(s); !st) return std::move(st).error();
  std::string code = random_token(32);
  store::AuthCode ac;
  ac.hash = sha256_hex(code);
  ac.client = c.id;
  ac.account = a.id;
  ac.session = s.id;
  ac.redirect_uri = redirect_uri;
  ac.challenge = challenge;
  ac.scope = s.scope;
  ac.patient = s.patient;
  ac.nonce = nonce;
  ac.expires = now + options_.code_ttl;
  if (auto st = store_.put_auth_code(ac); !st) return std::move(st).error();
  return code;
}

Result<std::string> TokenService::access_token(std::string_view subject, std::string_view client_id,
                                               const Scopes& scopes, std::string_view session,
                                               std::string_view patient, std::string_view fhir_user,
                                               std::string_view issuer) {
  Micros now = Clock::now();
  Json c = Json::object();
  c.set("iss", issuer);
  c.set("sub", subject);
  std::string aud(issuer);
  if (aud.size() >= 5 && aud.ends_with("/auth")) aud = aud.substr(0, aud.size() - 5) + "/fhir";
  c.set("aud", aud);
  c.set("client_id", client_id);
  c.set("scope", scopes.str());
  c.set("iat", Json(seconds(now)));
  c.set("exp", Json(seconds(now + options_.access_ttl)));
  c.set("jti", random_token(16));
  if (!session.empty()) c.set("sid", session);
  if (!patient.empty()) c.set("patient", patient);
  if (!fhir_user.empty()) c.set("fhirUser", fhir_user);
  return keys_.sign(c, "at+jwt");
}

OAuthResult<IssuedTokens> TokenService::issue(const store::Session& s, const store::Account& a,
                                              const store::Client& c, std::string_view issuer,
                                              bool with_refresh, std::string_view nonce) {
  Scopes scopes = Scopes::parse(s.scope);
  IssuedTokens out;
  auto at = access_token(a.id, c.id, scopes, s.id, s.patient, fhir_user_of(a), issuer);
  if (!at) return oauth(500, "server_error", "cannot sign the token");
  out.access_token = std::move(*at);
  out.expires_in = seconds(options_.access_ttl);
  out.scope = s.scope;
  out.patient = s.patient;
  out.session = s.id;
  out.account = a.id;
  Micros now = Clock::now();
  if (with_refresh && (scopes.has("offline_access") || scopes.has("online_access"))) {
    std::string rt = random_token(32);
    store::RefreshToken r;
    r.hash = sha256_hex(rt);
    r.session = s.id;
    r.created = now;
    r.expires = std::min(now + options_.refresh_ttl, s.expires);
    if (!store_.put_refresh_token(r)) return oauth(500, "server_error", "cannot store the refresh token");
    out.refresh_token = std::move(rt);
  }
  if (scopes.has("openid")) {
    Json id = Json::object();
    id.set("iss", issuer);
    id.set("sub", a.id);
    id.set("aud", c.id);
    id.set("iat", Json(seconds(now)));
    id.set("exp", Json(seconds(now + options_.access_ttl)));
    id.set("auth_time", Json(seconds(s.created)));
    Json amr = Json::array();
    for (const char* m : {"pwd", "otp"})
      if (has_word(s.auth_methods, m)) amr.push_back(m);
    id.set("amr", std::move(amr));
    if (!nonce.empty()) id.set("nonce", nonce);
    if (scopes.has("fhirUser")) {
      std::string fu = fhir_user_of(a);
      if (!fu.empty()) id.set("fhirUser", fu);
    }
    if (scopes.has("profile")) id.set("name", a.display);
    auto signed_id = keys_.sign(id, "JWT");
    if (!signed_id) return oauth(500, "server_error", "cannot sign the ID token");
    out.id_token = std::move(*signed_id);
  }
  return out;
}

// The client of a code or refresh grant, authenticated first when it is
// confidential: a failed client authentication must not spend the genuine
// client's code or refresh token (nor trigger reuse detection on its session).
OAuthResult<store::Client> TokenService::grant_client(const ClientAuth& auth) {
  auto c = store_.client(client_id_of(auth));
  if (!c || !*c || !(*c)->active) return oauth(401, "invalid_client", "unknown client");
  if ((*c)->confidential) return authenticate_client(auth);
  return std::move(**c);
}

OAuthResult<IssuedTokens> TokenService::exchange_code(std::string_view code, const ClientAuth& auth,
                                                      std::string_view redirect_uri,
                                                      std::string_view verifier, std::string_view issuer) {
  std::string client_id = client_id_of(auth);
  auto client = grant_client(auth);
  if (std::holds_alternative<OAuthError>(client)) return std::get<OAuthError>(client);
  const store::Client& c = std::get<store::Client>(client);
  auto used = store_.use_auth_code(sha256_hex(code));
  if (!used) return oauth(500, "server_error", "storage error");
  if (!*used) return oauth(400, "invalid_grant", "unknown authorization code");
  store::AuthCode ac = std::move(**used);
  if (ac.used) {
    // A code presented twice was intercepted: end what it opened (RFC 6749 §4.1.2).
    (void)store_.revoke_session(ac.session).ok();
    return oauth(400, "invalid_grant", "authorization code already used; its session is revoked");
  }
  if (ac.expires <= Clock::now()) return oauth(400, "invalid_grant", "authorization code expired");
  if (ac.client != client_id) return oauth(400, "invalid_grant", "the code was issued to another client");
  if (ac.redirect_uri != redirect_uri)
    return oauth(400, "invalid_grant", "redirect_uri differs from the request");
  // PKCE, S256 only (RFC 7636 §4.6).
  if (!valid_verifier(verifier) || !same_secret(base64url_encode(sha256(verifier)), ac.challenge))
    return oauth(400, "invalid_grant", "PKCE verification failed");
  auto s = store_.session(ac.session);
  if (!s || !*s || (*s)->revoked || (*s)->expires <= Clock::now())
    return oauth(400, "invalid_grant", "the login session has ended");
  auto a = store_.account_by_id(ac.account);
  if (!a || !*a || !(*a)->active) return oauth(400, "invalid_grant", "the account is not active");
  return issue(**s, **a, c, issuer, true, ac.nonce);
}

OAuthResult<IssuedTokens> TokenService::refresh(std::string_view token, const ClientAuth& auth,
                                                std::string_view scope, std::string_view issuer) {
  std::string client_id = client_id_of(auth);
  auto client = grant_client(auth);
  if (std::holds_alternative<OAuthError>(client)) return std::get<OAuthError>(client);
  const store::Client& c = std::get<store::Client>(client);
  auto used = store_.use_refresh_token(sha256_hex(token));
  if (!used) return oauth(500, "server_error", "storage error");
  if (!*used) return oauth(400, "invalid_grant", "unknown refresh token");
  store::RefreshToken rt = std::move(**used);
  auto s = store_.session(rt.session);
  if (!s || !*s) return oauth(400, "invalid_grant", "unknown session");
  if (rt.used) {
    // Reuse of a rotated token: someone holds a copy. Revoke the family.
    (void)store_.revoke_session(rt.session).ok();
    return oauth(400, "invalid_grant", "refresh token reuse detected: the session is revoked");
  }
  Micros now = Clock::now();
  if (rt.expires <= now || (*s)->revoked || (*s)->expires <= now)
    return oauth(400, "invalid_grant", "refresh token expired or revoked");
  if ((*s)->client != client_id) return oauth(400, "invalid_grant", "the token was issued to another client");
  auto a = store_.account_by_id((*s)->account);
  if (!a || !*a || !(*a)->active || ((*a)->valid_until && (*a)->valid_until <= now))
    return oauth(400, "invalid_grant", "the account is not active");
  store::Session session = **s;
  if (!scope.empty()) {
    // Narrowing only (RFC 6749 §6).
    Scopes narrowed = Scopes::intersect(Scopes::parse(scope), Scopes::parse(session.scope));
    session.scope = narrowed.str();
  }
  (void)store_.touch_session(session.id, now).ok();
  return issue(session, **a, c, issuer, true, "");
}

OAuthResult<IssuedTokens> TokenService::client_credentials(const ClientAuth& auth, std::string_view scope,
                                                           std::string_view issuer) {
  auto ok = authenticate_client(auth);
  if (std::holds_alternative<OAuthError>(ok)) return std::get<OAuthError>(ok);
  const store::Client& c = std::get<store::Client>(ok);
  Scopes allowed = Scopes::parse(c.scopes);
  Scopes granted = scope.empty() ? allowed : Scopes::intersect(Scopes::parse(scope), allowed);
  // Only system/ scopes make sense without a person.
  std::string text;
  for (const auto& r : granted.resources())
    if (r.context == ResourceScope::Context::System) text += r.str() + " ";
  Scopes system_only = Scopes::parse(text);
  if (system_only.resources().empty()) return oauth(400, "invalid_scope", "no system/ scope granted");
  IssuedTokens out;
  auto at = access_token(c.id, c.id, system_only, "", "", "", issuer);
  if (!at) return oauth(500, "server_error", "cannot sign the token");
  out.access_token = std::move(*at);
  out.expires_in = seconds(options_.access_ttl);
  out.scope = system_only.str();
  out.account = c.id;
  return out;
}

Status TokenService::revoke(std::string_view token, std::string_view client_id) {
  if (std::count(token.begin(), token.end(), '.') == 2) {
    auto v = keys_.verify(token);
    if (!v) return Status::Ok();  // RFC 7009 §2.2: invalid tokens are not an error
    if (v->claims.get_string("client_id") != client_id) return Status::Ok();
    auto exp = v->claims.find("exp");
    Micros until = exp && exp->to_int64() ? *exp->to_int64() * 1'000'000 : Clock::now() + options_.access_ttl;
    return store_.revoke_token_id(v->claims.get_string("jti"), until);
  }
  auto used = store_.use_refresh_token(sha256_hex(token));
  if (!used || !*used) return Status::Ok();
  auto s = store_.session((*used)->session);
  if (!s || !*s || (*s)->client != client_id) return Status::Ok();
  // Revoking a refresh token ends its grant: the session and its access tokens.
  return store_.revoke_session((*used)->session);
}

Json TokenService::introspect(std::string_view token) {
  Json out = Json::object();
  auto who = authenticate(token);
  if (!who) {
    out.set("active", false);
    return out;
  }
  auto v = keys_.verify(token);
  out.set("active", true);
  if (v) {
    for (const char* k : {"scope", "client_id", "sub", "iss", "aud", "jti", "sid", "patient", "fhirUser"})
      if (auto s = v->claims.get_string(k); !s.empty()) out.set(k, s);
    for (const char* k : {"exp", "iat"})
      if (const Json* n = v->claims.find(k)) out.set(k, *n);
  }
  out.set("token_type", "Bearer");
  return out;
}

Result<Authenticated> TokenService::authenticate(std::string_view token) {
  auto invalid = [] { return Error(401, "login", "Invalid or expired token"); };
  const std::string key = sha256(token);
  Verified v;
  bool cached = false;
  {
    std::lock_guard lock(cache_mu_);
    if (auto it = verified_.find(key); it != verified_.end()) {
      v = it->second;
      cached = true;
    }
  }
  if (!cached) {
    auto jwt = keys_.verify(token);
    if (!jwt) return invalid();
    // Only access tokens (RFC 9068 typ): an ID token is not a key to the API.
    if (jwt->header.get_string("typ") != "at+jwt") return invalid();
    const Json& c = jwt->claims;
    const Json* exp = c.find("exp");
    const Json* iat = c.find("iat");
    if (!exp || !exp->to_int64() || !iat || !iat->to_int64()) return invalid();
    v.exp = *exp->to_int64();
    v.iat = *iat->to_int64();
    v.sub = c.get_string("sub");
    v.jti = c.get_string("jti");
    v.sid = c.get_string("sid");
    v.client_id = c.get_string("client_id");
    v.patient = c.get_string("patient");
    v.scopes = Scopes::parse(c.get_string("scope"));
    if (v.jti.empty()) return invalid();
    std::lock_guard lock(cache_mu_);
    if (verified_.size() >= 20000) {
      // Bounded: drop the expired ones, or everything if none expired.
      std::int64_t now_s = seconds(Clock::now());
      std::erase_if(verified_, [&](const auto& e) { return e.second.exp <= now_s; });
      if (verified_.size() >= 20000) verified_.clear();
    }
    verified_.emplace(key, v);
  }
  Micros now = Clock::now();
  if (v.exp <= seconds(now) || v.iat > seconds(now) + 60) return invalid();
  Authenticated who;
  who.jti = v.jti;
  who.scopes = v.scopes;
  who.patient = v.patient;
  who.session = v.sid;
  who.client_id = v.client_id;
  const std::string& sub = v.sub;
  if (!who.session.empty()) {
    auto st = store_.token_state(who.jti, who.session, sub);
    if (!st) return std::move(st).error();
    if (st->revoked) return invalid();
    const auto& s = st->session;
    if (!s || s->revoked || s->expires <= now || s->account != sub) return invalid();
    const auto& a = st->account;
    if (!a || !a->active || (a->valid_until && a->valid_until <= now)) return invalid();
    who.account = std::move(st->account);
  } else {
    auto revoked = store_.token_id_revoked(who.jti);
    if (!revoked) return std::move(revoked).error();
    if (*revoked) return invalid();
    auto cl = store_.client(who.client_id);
    if (!cl) return std::move(cl).error();
    if (!*cl || !(*cl)->active || (*cl)->id != sub) return invalid();
    who.client = std::move(**cl);
  }
  return who;
}

Status TokenService::bind(RequestContext& ctx, const Authenticated& who) const {
  auto ac = std::make_shared<AccessContext>();
  ac->scopes = who.scopes;
  ac->now = Clock::now();
  if (who.client) {
    ctx.caller.kind = CallerKind::Client;
    ctx.caller.subject = who.client->id;
    ctx.caller.display = who.client->name;
    ctx.caller.account_kind = "system";
    ctx.caller.client_id = who.client->id;
    ctx.purpose = "HOPERAT";
    ac->system = true;  // a system integration: only its scopes limit it
  } else if (who.account) {
    const store::Account& a = *who.account;
    ctx.caller.kind = CallerKind::User;
    ctx.caller.subject = a.id;
    ctx.caller.display = a.display;
    ctx.caller.account_kind = a.kind;
    ctx.caller.role = accounts_.role_of(a);
    ctx.caller.client_id = who.client_id;
    ctx.caller.session_id = who.session;
    ctx.purpose = purpose_of(a.kind);
    auto role = policy_->role(ctx.caller.role);
    if (!role) return Error(403, "forbidden", "This account has no role in the access policy");
    ac->role = *role;
    ac->role_class = policy_->roles()[static_cast<std::size_t>(*role)].role_class;
    ac->account = a.id;
    auto add = [](std::vector<std::string>& v, const std::string& s) {
      if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
    };
    people_of(a, ac->principals, ac->identities);
    // patient/ scopes reach only the launch patient's compartment (SMART App
    // Launch v2 §scopes): the own record, or the patient picked at login. The
    // policy still applies on top of them.
    ac->scope_patient = who.patient;
    if (a.kind == "patient" || a.kind == "carer") {
      ac->patient = a.patient;
      if (a.kind == "patient") add(ac->identities, "Patient/" + a.patient);
      if (a.kind == "carer") ctx.caller.on_behalf_of = "Patient/" + a.patient;
      std::size_t start = 0;
      while (start <= a.delegation.size()) {
        auto end = a.delegation.find(' ', start);
        if (end == std::string::npos) end = a.delegation.size();
        if (end > start) ac->delegated.push_back(a.delegation.substr(start, end - start));
        start = end + 1;
      }
    }
  } else {
    return Error(401, "login", "Invalid or expired token");
  }
  ctx.caller.full_access = false;
  ctx.access = std::move(ac);
  ctx.policy = policy_;
  return Status::Ok();
}

}  // namespace parcours::security
