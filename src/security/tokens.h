// The OAuth 2.0 / OpenID Connect token side of the built-in authorization
// server: authorization codes with PKCE (RFC 7636, S256 only), refresh tokens
// with rotation and reuse detection (RFC 9700 §4.14.2: a reused token revokes
// its whole family, i.e. the login session), client credentials, JWT access
// tokens (RFC 9068), revocation (RFC 7009), introspection (RFC 7662), and the
// validation of access tokens presented to the FHIR API.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"
#include "fhir/json.h"
#include "security/accounts.h"
#include "security/caller.h"
#include "security/jwt.h"
#include "security/policy.h"
#include "security/scopes.h"
#include "store/security_store.h"

namespace parcours::security {

struct TokenOptions {
  Micros access_ttl = 10 * kMinute;
  Micros refresh_ttl = 12 * kHour;  // each refresh token; bounded by the session
  Micros session_ttl = 12 * kHour;  // a login, however often refreshed
  Micros code_ttl = 60 * kSecond;
};

// An OAuth error (RFC 6749 §5.2): `error` code and a description.
struct OAuthError {
  int status = 400;
  std::string error;  // invalid_request, invalid_grant, invalid_client, ...
  std::string description;
};

template <typename T>
using OAuthResult = std::variant<T, OAuthError>;

struct IssuedTokens {
  std::string access_token;
  std::int64_t expires_in = 0;  // seconds
  std::string refresh_token;    // '' when not granted
  std::string id_token;         // '' unless openid
  std::string scope;
  std::string patient;  // SMART launch context
  std::string session;  // for the audit
  std::string account;
};

// How a client authenticates at the token endpoint (RFC 6749 §2.3): a secret
// (client_secret_basic/post), a signed assertion (private_key_jwt: RFC 7523
// §2.2, SMART Backend Services), or nothing for public clients.
struct ClientAuth {
  std::string id;         // client_id as sent ('' when only the assertion names it)
  std::string secret;     // '' unless a secret was sent
  std::string assertion;  // client_assertion ('' none)
  std::string audience;   // the token endpoint's URL: the assertion's aud must name it
};

// A patient the patient picker offers (SMART standalone launch).
struct PickablePatient {
  std::string id;
  std::string name;        // "FAMILY Given"
  std::string birth_date;  // '' unknown
  std::string ins;         // INS (NIR) when the record carries one
};

// Who a valid access token speaks for.
struct Authenticated {
  std::optional<store::Account> account;  // people
  std::optional<store::Client> client;    // machine clients (client credentials)
  Scopes scopes;
  std::string patient;  // launch context
  std::string session;
  std::string jti;
  std::string client_id;
};

class TokenService {
 public:
  // The patients a person reaches now (security/reach.h), for the picker.
  using ReachSource = std::function<Result<std::shared_ptr<const store::PatientReach>>(const AccessContext&)>;

  TokenService(store::SecurityStore& store, KeyRing& keys, AccountService& accounts,
               std::shared_ptr<const Policy> policy, TokenOptions options = {}, ReachSource reach = {});

  // /auth/authorize: the client and its exact redirect URI.
  OAuthResult<store::Client> browser_client(std::string_view client_id, std::string_view redirect_uri);
  // What a person may be granted of `requested` through `client`. patient/
  // scopes need a launch context: the person's own record (patients,
  // carers) or `picked`, a patient chosen in the picker ('' none).
  Scopes grant(const store::Account& a, const store::Client& c, std::string_view requested,
               std::string_view picked = {}) const;
  // After a successful login: a session and a one-time code. `picked` is the
  // launch patient a professional chose ('' none).
  Result<std::string> issue_code(const store::Account& a, const store::Client& c,
                                 std::string_view redirect_uri, std::string_view challenge,
                                 const Scopes& scopes, std::string_view nonce, std::string_view remote,
                                 std::string_view user_agent, std::string_view picked = {});

  // The patient picker (SMART App Launch v2, standalone launch with
  // launch/patient): whether the account is one that picks (people who reach
  // records through care relationships), and the patients it may open now,
  // in name order, filtered by a name prefix (case and accents ignored) and
  // paged. `limit` + 1 rows are asked, so the caller knows there are more.
  static bool picks_patient(const store::Account& a);
  Result<std::vector<PickablePatient>> pickable_patients(const store::Account& a, std::string_view prefix,
                                                         int limit, int offset);
  // Whether `patient` is one of them (re-checked when the choice comes back).
  Result<bool> may_pick(const store::Account& a, std::string_view patient);

  // /auth/token grants.
  OAuthResult<IssuedTokens> exchange_code(std::string_view code, const ClientAuth& client,
                                          std::string_view redirect_uri, std::string_view verifier,
                                          std::string_view issuer);
  OAuthResult<IssuedTokens> refresh(std::string_view refresh_token, const ClientAuth& client,
                                    std::string_view scope, std::string_view issuer);
  OAuthResult<IssuedTokens> client_credentials(const ClientAuth& client, std::string_view scope,
                                               std::string_view issuer);

  // RFC 7009: always succeeds for the caller; only the client's own tokens go.
  Status revoke(std::string_view token, std::string_view client_id);
  // RFC 7662.
  Json introspect(std::string_view token);
  OAuthResult<store::Client> authenticate_client(std::string_view client_id, std::string_view secret);
  // A confidential client by its secret or its signed assertion.
  OAuthResult<store::Client> authenticate_client(const ClientAuth& client);

  // The FHIR API's side: a valid, unrevoked access token of an active
  // account (or client). 401 otherwise.
  Result<Authenticated> authenticate(std::string_view access_token);
  // Fills the request context (caller, policy view) from a valid token.
  Status bind(RequestContext& ctx, const Authenticated& who) const;

  // Registers clients (CLI). Returns the secret of a confidential one, once
  // ('' for a client that authenticates with its keys, `c.jwks`).
  Result<std::string> register_client(store::Client c);

  const TokenOptions& options() const { return options_; }

 private:
  OAuthResult<IssuedTokens> issue(const store::Session& s, const store::Account& a, const store::Client& c,
                                  std::string_view issuer, bool with_refresh, std::string_view nonce);
  OAuthResult<store::Client> authenticate_assertion(const ClientAuth& client);
  OAuthResult<store::Client> grant_client(const ClientAuth& client);
  // The patients `a` may pick: those of their reach (none without a source).
  Result<std::vector<std::string>> reached_patients(const store::Account& a) const;
  Result<std::string> access_token(std::string_view subject, std::string_view client_id, const Scopes& scopes,
                                   std::string_view session, std::string_view patient,
                                   std::string_view fhir_user, std::string_view issuer);

  store::SecurityStore& store_;
  KeyRing& keys_;
  AccountService& accounts_;
  std::shared_ptr<const Policy> policy_;
  TokenOptions options_;
  ReachSource reach_;

  // Tokens whose signature was verified, by SHA-256 of the token: a
  // signature is checked once per token, not once per request (ES256
  // verification costs ~60 µs). Revocation, session and account are still
  // checked on every request.
  struct Verified {
    std::string sub, jti, sid, client_id, patient;
    Scopes scopes;
    std::int64_t exp = 0, iat = 0;
  };
  std::mutex cache_mu_;
  std::unordered_map<std::string, Verified> verified_;
};

// The client a token request names: its client_id, or else the iss of its
// assertion (RFC 7523 §3), not yet verified.
std::string client_id_of(const ClientAuth& auth);

// The FHIR reference of who an account is ("Practitioner/x", "Patient/p"...).
std::string fhir_user_of(const store::Account& a);

}  // namespace parcours::security
