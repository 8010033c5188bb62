// JSON Web Tokens signed by the server (RFC 7519 / RFC 7515 compact form),
// with ES256 (ECDSA P-256, default) or RS256 (RSASSA-PKCS1-v1_5 2048) keys
// through OpenSSL 3's EVP API. Keys rotate: a new key signs after
// `rotate_after`; an old one stays in the JWKS until every token it signed
// has expired, then leaves it. Private keys are sealed at rest.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"
#include "security/clock.h"
#include "security/crypto.h"
#include "store/security_store.h"

namespace parcours::security {

struct KeyRingOptions {
  std::string alg = "ES256";          // for new keys: ES256 or RS256
  Micros rotate_after = 30 * kDay;    // a key signs for this long
  Micros longest_token = 12 * kHour;  // longest lifetime of a signed token (JWKS overlap)
};

struct VerifiedJwt {
  Json header;
  Json claims;
};

class KeyRing {
 public:
  KeyRing(store::SecurityStore& store, const SecretBox& box, KeyRingOptions options);
  ~KeyRing();
  KeyRing(const KeyRing&) = delete;
  KeyRing& operator=(const KeyRing&) = delete;

  // Loads the keys; creates the first one, or rotates when due.
  Status load();
  // Signs `claims` with the current key; `typ` goes in the header ("at+jwt"
  // for access tokens, RFC 9068; "JWT" for ID tokens).
  Result<std::string> sign(const Json& claims, std::string_view typ);
  // Checks the signature with the key named by "kid" and its algorithm (the
  // header's "alg" must match it: no "none", no algorithm confusion).
  // Lifetimes are the caller's to check.
  Result<VerifiedJwt> verify(std::string_view token);
  // The public keys still in use, as a JWK Set (RFC 7517).
  Json jwks();
  // Forces a rotation now (CLI, tests).
  Status rotate();

 private:
  struct Key;
  Status rotate_locked(Micros now);
  Status ensure_current_locked(Micros now);
  Key* find_locked(std::string_view kid);

  store::SecurityStore& store_;
  const SecretBox& box_;
  KeyRingOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Key>> keys_;
};

// --- clients' keys (private_key_jwt: RFC 7523, SMART Backend Services) ------

// Checks a client's JWK Set at registration: every key must be usable, an EC
// P-256 key (ES256) or an RSA key of at least 2048 bits (RS384), the two
// algorithms SMART App Launch v2 asks servers to support. Returns how many.
Result<int> check_client_jwks(std::string_view jwks_text);

// Verifies the signature of a compact JWS with the keys of `jwks`: alg ES256
// or RS384 only (no "none", no HMAC: a client's public key is no shared
// secret); the key named by the header's "kid", or without a kid each key
// of the algorithm's type in turn. The claims are the caller's to check.
// Errors say what failed, without echoing the token.
Result<VerifiedJwt> verify_with_jwks(std::string_view token, const Json& jwks);

// Splits a compact JWS and decodes its header WITHOUT verifying it.
std::optional<Json> peek_jwt_header(std::string_view token);

// Splits a compact JWS and decodes its claims WITHOUT verifying it: only for
// telling which kind of token a client presented (revocation hints).
std::optional<Json> peek_jwt_claims(std::string_view token);

}  // namespace parcours::security
