// SMART App Launch v2 end to end, on the real `parcours serve` over loopback
// HTTP with a real SQLite file:
//  - private_key_jwt client authentication (SMART Backend Services, RFC 7523
//    §3): a client registered with `parcours user client --jwks`, assertions
//    signed here with OpenSSL, each rule of the validation broken once;
//  - the patient picker of a professional's standalone launch: the page
//    driven as a browser does, the list, the search, the choice re-checked,
//    and what the token then reaches.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <chrono>
#include <fstream>
#include <set>

#include "fhir/json.h"
#include "support/http_client.h"
#include "support/server_process.h"
#include "support/world.h"

namespace parcours {
namespace {

using namespace testing;  // the world (support/world.h)

// --- keys and assertions, written independently of the server's code ---------------

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string b64url(const std::string& s) {
  return testing::b64url(reinterpret_cast<const unsigned char*>(s.data()), s.size());
}

std::string bn_param(EVP_PKEY* k, const char* name, int pad) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(k, name, &bn), 1);
  int n = pad > 0 ? pad : BN_num_bytes(bn);
  std::string out(static_cast<std::size_t>(n), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), n);
  BN_free(bn);
  return out;
}

Pkey ec_key() { return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }
Pkey rsa_key() { return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))); }

// The public JWK of a key (RFC 7518 §6.2.1, §6.3.1).
Json jwk(EVP_PKEY* k, const std::string& kid) {
  Json j = Json::object();
  j.set("kid", kid);
  if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC) {
    j.set("kty", "EC");
    j.set("crv", "P-256");
    j.set("alg", "ES256");
    j.set("x", b64url(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, 32)));
    j.set("y", b64url(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32)));
  } else {
    j.set("kty", "RSA");
    j.set("alg", "RS384");
    j.set("n", b64url(bn_param(k, OSSL_PKEY_PARAM_RSA_N, 0)));
    j.set("e", b64url(bn_param(k, OSSL_PKEY_PARAM_RSA_E, 0)));
  }
  j.set("use", "sig");
  return j;
}

// A compact JWS of `claims` with `header`, signed by `k` (ES256: R || S,
// RFC 7518 §3.4; RS384: PKCS #1 v1.5 with SHA-384).
std::string sign(const Json& header, const Json& claims, EVP_PKEY* k) {
  std::string input = b64url(header.dump()) + "." + b64url(claims.dump());
  bool ec = EVP_PKEY_get_base_id(k) == EVP_PKEY_EC;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, ec ? EVP_sha256() : EVP_sha384(), nullptr, k), 1);
  std::size_t len = 0;
  auto in = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSign(ctx, nullptr, &len, in, input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size());
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (ec) {
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    const BIGNUM *r = nullptr, *s = nullptr;
    ECDSA_SIG_get0(es, &r, &s);
    std::string raw(64, '\0');
    BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(es);
    sig = raw;
  }
  return input + "." + b64url(sig);
}

Json header_of(const std::string& alg, const std::string& kid) {
  Json h = Json::object();
  h.set("alg", alg);
  h.set("typ", "JWT");
  if (!kid.empty()) h.set("kid", kid);
  return h;
}

// The claims of a JWT (its middle part), unverified: what the test reads.
Json claims_of(const std::string& jwt) {
  auto d1 = jwt.find('.');
  auto d2 = jwt.find('.', d1 + 1);
  std::string part = jwt.substr(d1 + 1, d2 - d1 - 1);
  static const std::string a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : part) {
    acc = acc << 6 | static_cast<std::uint32_t>(a.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  auto j = parse_json(out);
  return j.ok() ? *j : Json();
}

const std::string kForm = "application/x-www-form-urlencoded";
const std::string kAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

struct Backend {
  World& w;
  Pkey ec = ec_key(), rsa = rsa_key(), stranger = ec_key();
  int jti = 0;

  explicit Backend(World& world) : w(world) {}

  std::string token_url() { return "http://127.0.0.1:" + std::to_string(w.server().port()) + "/auth/token"; }

  Json claims(const std::string& client, std::int64_t exp_in = 240) {
    Json c = Json::object();
    c.set("iss", client);
    c.set("sub", client);
    c.set("aud", token_url());
    c.set("exp", Json(w.now() + exp_in));
    c.set("jti", "jti-" + std::to_string(++jti) + "-" + random_verifier().substr(0, 8));
    return c;
  }

  Response token(const std::string& assertion, const std::string& scope,
                 std::vector<std::pair<std::string, std::string>> more = {}) {
    std::vector<std::pair<std::string, std::string>> f{{"grant_type", "client_credentials"},
                                                       {"client_assertion_type", kAssertionType},
                                                       {"client_assertion", assertion}};
    if (!scope.empty()) f.emplace_back("scope", scope);
    f.insert(f.end(), more.begin(), more.end());
    w.secrets().push_back(assertion);
    return w.http().request("POST", "/auth/token", form(f), {{"Content-Type", kForm}});
  }

  // Registers `id` with the EC key "k-ec" and the RSA key "k-rsa".
  RunResult register_client(const std::string& id, const std::string& scopes,
                            std::vector<std::string> more = {}) {
    Json keys = Json::array();
    keys.push_back(jwk(ec.get(), "k-ec"));
    keys.push_back(jwk(rsa.get(), "k-rsa"));
    Json set = Json::object();
    set.set("keys", keys);
    std::string file = w.dir() + "/" + id + ".jwks.json";
    std::ofstream(file) << set.dump();
    std::vector<std::string> args{"user",     "client", "--id",   id,  "--name", "Passerelle " + id,
                                  "--scopes", scopes,   "--jwks", file};
    args.insert(args.end(), more.begin(), more.end());
    return w.cli(args);
  }
};

void put_patients_and_observations(World& w) {
  w.put_text(R"({"resourceType":"Patient","id":"p1","name":[{"family":"Durand","given":["Éléonore"]}],
    "birthDate":"1950-01-02","identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"250010212345678"}],
    "generalPractitioner":[{"reference":"Practitioner/pr-gp"}]})");
  w.put_text(R"({"resourceType":"Observation","id":"obs-1","status":"final","code":{"text":"poids"},
    "category":[{"coding":[{"code":"vital-signs"}]}],"subject":{"reference":"Patient/p1"}})");
}

// --- private_key_jwt ---------------------------------------------------------------------

TEST(SecrecyPrivateKeyJwt, BackendServicesClientCredentials) {
  World w;
  put_patients_and_observations(w);
  Backend b(w);
  auto reg = b.register_client("gw-jwt", "system/Observation.rs system/Observation.c");
  EXPECT_NE(reg.output.find("private_key_jwt"), std::string::npos) << reg.output;
  EXPECT_EQ(reg.output.find("client_secret"), std::string::npos) << "no secret for a client with keys";
  auto sec = w.cli({"user", "client", "--id", "gw-secret", "--name", "Secret", "--confidential", "--scopes",
                    "system/Observation.rs"});

  // Discovery says how (SMART App Launch v2 §Backend Services).
  Json smart = J(w.http().request("GET", "/fhir/.well-known/smart-configuration"));
  EXPECT_NE(smart.find("token_endpoint_auth_methods_supported")->dump().find("private_key_jwt"),
            std::string::npos);
  EXPECT_EQ(smart.find("token_endpoint_auth_signing_alg_values_supported")->dump(), R"(["ES256","RS384"])");
  EXPECT_NE(smart.find("capabilities")->dump().find("client-confidential-asymmetric"), std::string::npos);
  Json oidc = J(w.http().request("GET", "/.well-known/openid-configuration"));
  EXPECT_NE(oidc.find("token_endpoint_auth_methods_supported")->dump().find("private_key_jwt"),
            std::string::npos);

  // ES256: a token within the client's scopes, which works on the API.
  auto ok =
      b.token(sign(header_of("ES256", "k-ec"), b.claims("gw-jwt"), b.ec.get()), "system/Observation.rs");
  ASSERT_EQ(ok.status, 200) << ok.body;
  Json t = J(ok);
  std::string access(t.get_string("access_token"));
  w.secrets().push_back(access);
  EXPECT_EQ(t.get_string("scope"), "system/Observation.rs");
  EXPECT_EQ(w.as(access, "GET", "/fhir/Observation/obs-1").status, 200);
  EXPECT_EQ(w.as(access, "GET", "/fhir/Patient/p1").status, 403) << "outside its scopes";
  EXPECT_EQ(
      w.as(access, "POST", "/fhir/Observation",
           R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}})")
          .status,
      403)
      << "asked for .rs only";
  // The same authentication at the introspection and revocation endpoints.
  auto at_endpoint = [&](const std::string& path, const std::string& token) {
    std::string assertion = sign(header_of("ES256", "k-ec"), b.claims("gw-jwt"), b.ec.get());
    w.secrets().push_back(assertion);
    return w.http().request(
        "POST", path,
        form({{"token", token}, {"client_assertion_type", kAssertionType}, {"client_assertion", assertion}}),
        {{"Content-Type", kForm}});
  };
  auto intro = at_endpoint("/auth/introspect", access);
  ASSERT_EQ(intro.status, 200) << intro.body;
  EXPECT_TRUE(J(intro).find("active")->as_bool());
  EXPECT_EQ(at_endpoint("/auth/revoke", access).status, 200);
  EXPECT_EQ(w.as(access, "GET", "/fhir/Observation/obs-1").status, 401) << "revoked by its client";
  EXPECT_EQ(w.http()
                .request("POST", "/auth/introspect",
                         form({{"token", access}, {"client_id", "gw-jwt"}, {"client_secret", "guess"}}),
                         {{"Content-Type", kForm}})
                .status,
            401);
  // RS384, and no kid: each key of the algorithm is tried.
  auto rs = b.token(sign(header_of("RS384", ""), b.claims("gw-jwt"), b.rsa.get()), "");
  ASSERT_EQ(rs.status, 200) << rs.body;
  EXPECT_EQ(J(rs).get_string("scope"), "system/Observation.rs system/Observation.c");
  // client_id may be sent too; it must be the assertion's.
  EXPECT_EQ(
      b.token(sign(header_of("ES256", "k-ec"), b.claims("gw-jwt"), b.ec.get()), "", {{"client_id", "gw-jwt"}})
          .status,
      200);

  // Each rule broken once: 401 invalid_client with its reason, never a 500.
  auto refused = [&](const Response& r, const std::string& why, int status = 401,
                     const std::string& error = "invalid_client") {
    EXPECT_EQ(r.status, status) << why << ": " << r.body;
    Json e = J(r);
    EXPECT_EQ(e.get_string("error"), error) << why;
    EXPECT_NE(e.get_string("error_description").find(why), std::string::npos)
        << "expected '" << why << "' in " << r.body;
  };
  {
    // Wrong signature: the signature of other claims.
    std::string good = sign(header_of("ES256", "k-ec"), b.claims("gw-jwt"), b.ec.get());
    std::string other = sign(header_of("ES256", "k-ec"), b.claims("gw-jwt"), b.ec.get());
    std::string forged = good.substr(0, good.rfind('.')) + other.substr(other.rfind('.'));
    refused(b.token(forged, ""), "bad signature");
  }
  refused(b.token(sign(header_of("ES256", "k-ec"), b.claims("gw-jwt"), b.stranger.get()), ""),
          "bad signature");
  refused(b.token(sign(header_of("ES256", "k-other"), b.claims("gw-jwt"), b.ec.get()), ""), "kid");
  {
    Json c = b.claims("gw-jwt");
    c.set("aud", "http://127.0.0.1:1/auth/token");
    refused(b.token(sign(header_of("ES256", "k-ec"), c, b.ec.get()), ""), "aud");
  }
  {
    Json c = b.claims("gw-jwt");
    c.set("sub", "someone-else");
    refused(b.token(sign(header_of("ES256", "k-ec"), c, b.ec.get()), ""), "iss and sub");
  }
  refused(b.token(sign(header_of("ES256", "k-ec"), b.claims("gw-jwt", -300), b.ec.get()), ""), "expired");
  refused(b.token(sign(header_of("ES256", "k-ec"), b.claims("gw-jwt", 3600), b.ec.get()), ""),
          "five minutes");
  {
    Json c = b.claims("gw-jwt");
    c.erase("exp");
    refused(b.token(sign(header_of("ES256", "k-ec"), c, b.ec.get()), ""), "exp is required");
  }
  {
    Json c = b.claims("gw-jwt");
    c.erase("jti");
    refused(b.token(sign(header_of("ES256", "k-ec"), c, b.ec.get()), ""), "jti");
  }
  {
    // Replay: the same assertion twice.
    std::string once = sign(header_of("ES256", "k-ec"), b.claims("gw-jwt"), b.ec.get());
    EXPECT_EQ(b.token(once, "").status, 200);
    refused(b.token(once, ""), "already used");
  }
  {
    // alg none, and HMAC keyed with public material (algorithm confusion).
    Json c = b.claims("gw-jwt");
    refused(b.token(b64url(header_of("none", "").dump()) + "." + b64url(c.dump()) + ".", ""), "alg");
    std::string hs = sign(header_of("ES256", "k-ec"), c, b.ec.get());
    std::string swapped = b64url(header_of("HS256", "k-ec").dump()) + hs.substr(hs.find('.'));
    refused(b.token(swapped, ""), "alg");
    // The RSA key cannot sign for ES256 (the key's alg decides).
    refused(b.token(sign(header_of("RS384", "k-ec"), c, b.rsa.get()), ""), "kid");
  }
  refused(b.token(sign(header_of("ES256", "k-ec"), b.claims("nobody"), b.ec.get()), ""), "unknown client");
  refused(b.token(sign(header_of("ES256", "k-ec"), b.claims("gw-secret"), b.ec.get()), ""),
          "no registered public keys");
  refused(
      b.token(sign(header_of("ES256", "k-ec"), b.claims("gw-jwt"), b.ec.get()), "", {{"client_id", "web"}}),
      "client_id differs");
  refused(b.token("not-a-jwt", ""), "not a signed JWT");
  refused(
      b.token(sign(header_of("ES256", "k-ec"), b.claims("gw-jwt"), b.ec.get()), "", {{"client_secret", "x"}}),
      "one client authentication method", 400, "invalid_request");
  {
    auto r = w.http().request("POST", "/auth/token",
                              form({{"grant_type", "client_credentials"},
                                    {"client_assertion_type", "urn:example:other"},
                                    {"client_assertion", "x.y.z"}}),
                              {{"Content-Type", kForm}});
    refused(r, "client_assertion_type", 400, "invalid_request");
  }
  // A client with keys has no secret to try.
  auto secret_try = w.http().request(
      "POST", "/auth/token",
      form({{"grant_type", "client_credentials"}, {"client_id", "gw-jwt"}, {"client_secret", ""}}),
      {{"Content-Type", kForm}});
  EXPECT_EQ(secret_try.status, 401);

  // Audited like secret-based clients: successes and failures, by client.
  auto audit = w.admin_when("/fhir/$audit?agent=client:gw-jwt&_count=100", [](const std::string& body) {
    return body.find("already used") != std::string::npos;
  });
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("already used"), std::string::npos);
  auto entries = [](const std::string& body) {
    auto parsed = parse_json(body);
    const Json* e = parsed ? parsed->find("entry") : nullptr;
    return e ? e->as_array().size() : 0;
  };
  auto granted = w.admin_when("/fhir/$audit?agent=gw-jwt&subtype=token&_count=100",
                              [&](const std::string& body) { return entries(body) >= 4; });
  EXPECT_GE(entries(granted.body), 4u) << "one record per token issued";

  // Never in the logs.
  std::string out = w.output();
  for (const auto& s : w.secrets())
    if (s.size() >= 16) {
      EXPECT_EQ(out.find(s), std::string::npos) << "an assertion or token leaked to the logs";
    }
}

TEST(SecrecyPrivateKeyJwt, RegistrationChecksTheKeys) {
  World w;
  Backend b(w);
  auto bad = [&](const std::string& text) {
    std::string file = w.dir() + "/bad.json";
    std::ofstream(file) << text;
    return run_parcours({"user", "client", "--data", w.data(), "--id", "gw-bad", "--name", "Bad", "--scopes",
                         "system/Observation.rs", "--jwks", file});
  };
  EXPECT_NE(bad("not json").exit_code, 0);
  EXPECT_NE(bad(R"({"keys":[]})").exit_code, 0);
  EXPECT_NE(bad(R"({"keys":[{"kty":"oct","k":"c2VjcmV0"}]})").exit_code, 0) << "no shared secrets";
  Json k = jwk(b.ec.get(), "k");
  k.set("y", k.get_string("x"));  // not on the curve
  EXPECT_NE(bad(R"({"keys":[)" + k.dump() + "]}").exit_code, 0);
  auto small = Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)));
  auto r = bad(R"({"keys":[)" + jwk(small.get(), "s").dump() + "]}");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("2048"), std::string::npos) << r.output;
}

// The authorization code and refresh grants of a confidential browser app
// that authenticates with its keys (SMART "client-confidential-asymmetric").
TEST(SecrecyPrivateKeyJwt, AuthorizationCodeAndRefreshWithAnAssertion) {
  World w;
  put_patients_and_observations(w);
  Backend b(w);
  b.register_client("app-jwt", "openid offline_access user/*.rs", {"--redirect-uri", kRedirect});
  Account gp = w.account("dr.gp", "professional",
                         {"--practitioner", "pr-gp", "--profession", "G15-10", "--rpps", "10000000001"});
  w.client_id = "app-jwt";
  auto step = w.submit_login(gp, "openid offline_access user/Observation.rs");
  ASSERT_EQ(step.response.status, 302) << step.response.body;
  std::string code = query_param(step.response.header("Location"), "code");
  w.secrets().push_back(code);
  auto exchange = [&](const std::string& assertion) {
    return w.http().request("POST", "/auth/token",
                            form({{"grant_type", "authorization_code"},
                                  {"code", code},
                                  {"redirect_uri", kRedirect},
                                  {"code_verifier", step.verifier},
                                  {"client_assertion_type", kAssertionType},
                                  {"client_assertion", assertion}}),
                            {{"Content-Type", kForm}});
  };
  // Without client authentication the confidential client gets nothing.
  auto none = w.http().request("POST", "/auth/token",
                               form({{"grant_type", "authorization_code"},
                                     {"code", code},
                                     {"client_id", "app-jwt"},
                                     {"redirect_uri", kRedirect},
                                     {"code_verifier", step.verifier}}),
                               {{"Content-Type", kForm}});
  EXPECT_EQ(none.status, 401) << none.body;
  // The client is authenticated before the code is spent: the genuine
  // client can still redeem it after someone else's failed attempt.
  std::string assertion = sign(header_of("ES256", "k-ec"), b.claims("app-jwt"), b.ec.get());
  w.secrets().push_back(assertion);
  auto tok = exchange(assertion);
  ASSERT_EQ(tok.status, 200) << tok.body;
  Json t = J(tok);
  std::string refresh(t.get_string("refresh_token"));
  w.secrets().push_back(refresh);
  EXPECT_EQ(w.as(std::string(t.get_string("access_token")), "GET", "/fhir/Observation/obs-1").status, 200);
  // Refresh: with an assertion it works; without, it does not.
  auto r_ok = w.http().request(
      "POST", "/auth/token",
      form({{"grant_type", "refresh_token"},
            {"refresh_token", refresh},
            {"client_assertion_type", kAssertionType},
            {"client_assertion", sign(header_of("RS384", "k-rsa"), b.claims("app-jwt"), b.rsa.get())}}),
      {{"Content-Type", kForm}});
  ASSERT_EQ(r_ok.status, 200) << r_ok.body;
  std::string rotated(J(r_ok).get_string("refresh_token"));
  w.secrets().push_back(rotated);
  auto r_none = w.http().request(
      "POST", "/auth/token",
      form({{"grant_type", "refresh_token"}, {"refresh_token", rotated}, {"client_id", "app-jwt"}}),
      {{"Content-Type", kForm}});
  EXPECT_EQ(r_none.status, 401);
  // ... and that failed attempt did not spend the rotated token either.
  auto r_again = w.http().request(
      "POST", "/auth/token",
      form({{"grant_type", "refresh_token"},
            {"refresh_token", rotated},
            {"client_assertion_type", kAssertionType},
            {"client_assertion", sign(header_of("ES256", "k-ec"), b.claims("app-jwt"), b.ec.get())}}),
      {{"Content-Type", kForm}});
  EXPECT_EQ(r_again.status, 200) << r_again.body;
}

// --- the patient picker ----------------------------------------------------------------

// Patient ids offered by a picker page.
std::set<std::string> offered(const std::string& page) {
  std::set<std::string> out;
  const std::string key = "name=\"patient\" id=\"";
  for (auto at = page.find(key); at != std::string::npos; at = page.find(key, at + 1)) {
    auto v = page.find("value=\"", at) + 7;
    out.insert(page.substr(v, page.find('"', v) - v));
  }
  return out;
}

struct Territory {
  World& w;
  Account gp, outsider, social;
  explicit Territory(World& world) : w(world) {
    // p1: the GP is the médecin traitant. p2: in the GP's care team (and
    // the social worker's). p3: a referral addressed to the GP. p4: a team
    // the GP left. p5: the GP is médecin traitant but the patient objected.
    // p6: someone else's patient.
    put_patients_and_observations(w);
    w.put_text(R"({"resourceType":"Patient","id":"p2","name":[{"family":"Dupont","given":["Émile"]}],
      "birthDate":"1942-07-14"})");
    w.put_text(R"({"resourceType":"Patient","id":"p3","name":[{"family":"Martin","given":["Zoé"]}]})");
    w.put_text(R"({"resourceType":"Patient","id":"p4","name":[{"family":"Durandal","given":["Paul"]}]})");
    w.put_text(R"({"resourceType":"Patient","id":"p5","name":[{"family":"Duroc","given":["Anne"]}],
      "generalPractitioner":[{"reference":"Practitioner/pr-gp"}]})");
    w.put_text(R"({"resourceType":"Patient","id":"p6","name":[{"family":"Durant","given":["Jean"]}],
      "generalPractitioner":[{"reference":"Practitioner/pr-else"}]})");
    w.put_text(
        R"({"resourceType":"CareTeam","id":"ct-2","status":"active","subject":{"reference":"Patient/p2"},
      "participant":[{"member":{"reference":"Practitioner/pr-gp"}},{"member":{"reference":"Practitioner/pr-social"}}]})");
    w.put_text(R"({"resourceType":"Task","id":"task-3","status":"requested","intent":"order",
      "for":{"reference":"Patient/p3"},"owner":{"reference":"Practitioner/pr-gp"}})");
    w.put_text(
        R"({"resourceType":"CareTeam","id":"ct-4","status":"active","subject":{"reference":"Patient/p4"},
      "participant":[{"member":{"reference":"Practitioner/pr-gp"},"period":{"start":"2019-01-01","end":"2020-01-01"}}]})");
    w.put_text(R"({"resourceType":"Consent","id":"cs-5","status":"active",
      "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
      "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],"patient":{"reference":"Patient/p5"},
      "provision":{"type":"permit","provision":[{"type":"deny","actor":[{"role":{"text":"x"},"reference":{"reference":"Practitioner/pr-gp"}}]}]}})");
    w.put_text(R"({"resourceType":"Observation","id":"obs-2","status":"final","code":{"text":"tension"},
      "category":[{"coding":[{"code":"vital-signs"}]}],"subject":{"reference":"Patient/p2"}})");
    w.put_text(R"({"resourceType":"Condition","id":"cond-2","code":{"coding":[{"code":"E11"}]},
      "subject":{"reference":"Patient/p2"}})");
    auto pro = [&](const char* user, const char* pr, const char* profession) {
      return w.account(user, "professional",
                       {"--practitioner", pr, "--profession", profession, "--rpps", "10000000001"});
    };
    gp = pro("dr.gp", "pr-gp", "G15-10");
    outsider = pro("dr.outsider", "pr-out", "G15-10");
    social =
        w.account("as.social", "professional", {"--practitioner", "pr-social", "--profession", "R94-41"});
  }
};

const std::string kLaunch = "openid fhirUser offline_access launch/patient patient/*.rs";

TEST(SecrecyPatientPicker, ListsExactlyTheAccessiblePatientsAndSearchesThem) {
  World w;
  Territory t(w);
  auto step = w.submit_login(t.gp, kLaunch);
  ASSERT_EQ(step.response.status, 200) << step.response.body;
  const std::string& page = step.response.body;
  EXPECT_EQ(offered(page), (std::set<std::string>{"p1", "p2", "p3"}))
      << "GP, care team and referral; not a team left, an objection, someone else's patient";
  EXPECT_NE(page.find("<html lang=\"fr\">"), std::string::npos);
  EXPECT_NE(page.find("Durand Éléonore"), std::string::npos);
  EXPECT_NE(page.find("1950-01-02"), std::string::npos);
  EXPECT_NE(page.find("INS 250010212345678"), std::string::npos);
  EXPECT_NE(step.response.header("Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_LT(page.find("Dupont"), page.find("Durand")) << "in name order";
  // The search: a prefix of a name part, case and accents ignored, only
  // among accessible patients (Durandal, Duroc and Durant are not offered).
  auto search = [&](const std::string& q) {
    auto r = w.submit_picker(step, page, {{"action", "search"}, {"q", q}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.body;
  };
  EXPECT_EQ(offered(search("DUR")), (std::set<std::string>{"p1"}));
  EXPECT_EQ(offered(search("eleo")), (std::set<std::string>{"p1"}));
  EXPECT_EQ(offered(search("émi")), (std::set<std::string>{"p2"}));
  EXPECT_EQ(offered(search("zoe")), (std::set<std::string>{"p3"}));
  std::string none = search("<script>");
  EXPECT_TRUE(offered(none).empty());
  EXPECT_NE(none.find("Aucun patient accessible ne correspond"), std::string::npos);
  EXPECT_EQ(none.find("<script>"), std::string::npos) << "escaped";
  EXPECT_NE(none.find("&lt;script&gt;"), std::string::npos);
}

TEST(SecrecyPatientPicker, TheChosenPatientIsTheLaunchContext) {
  World w;
  Territory t(w);
  auto step = w.submit_login(t.gp, kLaunch);
  ASSERT_EQ(step.response.status, 200);
  // A forged choice: someone else's patient. The page again, and an audit record.
  auto forged = w.submit_picker(step, step.response.body, {{"action", "choose"}, {"patient", "p6"}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_NE(forged.body.find("role=\"alert\""), std::string::npos);
  EXPECT_EQ(offered(forged.body), (std::set<std::string>{"p1", "p2", "p3"}));
  auto audit = w.admin_when("/fhir/$audit?subtype=patient-pick&patient=p6", [](const std::string& body) {
    return body.find("no care relationship") != std::string::npos;
  });
  EXPECT_NE(audit.body.find("no care relationship"), std::string::npos) << audit.body;
  // A team the GP left, an objection: refused the same way.
  EXPECT_EQ(w.submit_picker(step, step.response.body, {{"action", "choose"}, {"patient", "p4"}}).status, 403);
  EXPECT_EQ(w.submit_picker(step, step.response.body, {{"action", "choose"}, {"patient", "p5"}}).status, 403);
  // A real choice.
  auto chosen = w.submit_picker(step, step.response.body, {{"action", "choose"}, {"patient", "p1"}});
  ASSERT_EQ(chosen.status, 302) << chosen.body;
  // The form is good once: one login, one code.
  EXPECT_EQ(w.submit_picker(step, step.response.body, {{"action", "choose"}, {"patient", "p1"}}).status, 400);
  Tokens tok = w.redeem(chosen, step.verifier);
  ASSERT_EQ(tok.status, 200) << tok.error;
  EXPECT_EQ(tok.patient, "p1");
  EXPECT_EQ(claims_of(tok.access).get_string("patient"), "p1");
  EXPECT_NE(tok.scope.find("launch/patient"), std::string::npos);
  EXPECT_NE(tok.scope.find("patient/*.rs"), std::string::npos) << tok.scope;
  // patient/ scopes reach that patient only, even another of the GP's.
  EXPECT_EQ(w.as(tok.access, "GET", "/fhir/Observation/obs-1").status, 200);
  EXPECT_EQ(w.as(tok.access, "GET", "/fhir/Patient/p1").status, 200);
  // By id: 403, outside the token's scopes (the GP may know it exists, §4.6).
  EXPECT_EQ(w.as(tok.access, "GET", "/fhir/Observation/obs-2").status, 403);
  auto listed = w.as(tok.access, "GET", "/fhir/Observation?_count=100");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_NE(listed.body.find("\"obs-1\""), std::string::npos);
  EXPECT_EQ(listed.body.find("\"obs-2\""), std::string::npos);
  EXPECT_EQ(total(w.as(tok.access, "GET", "/fhir/Observation?subject=Patient/p2&_total=accurate")), 0);
  EXPECT_EQ(w.as(tok.access, "GET", "/fhir/Patient/p2").status == 200, false);
  // A refreshed token keeps the context.
  Tokens again = w.refresh(tok.refresh);
  ASSERT_EQ(again.status, 200) << again.error;
  EXPECT_EQ(claims_of(again.access).get_string("patient"), "p1");
  EXPECT_EQ(w.as(again.access, "GET", "/fhir/Observation/obs-1").status, 200);
  EXPECT_NE(w.as(again.access, "GET", "/fhir/Observation/obs-2").status, 200);
  // The choice is audited.
  auto picks = w.admin_when("/fhir/$audit?subtype=patient-pick&patient=p1", [](const std::string& body) {
    return body.find("\"outcome\":\"0\"") != std::string::npos;
  });
  ASSERT_EQ(picks.status, 200);
  ASSERT_NE(J(picks).find("entry"), nullptr) << picks.body;
  EXPECT_EQ(J(picks).find("entry")->size(), 1u);
  EXPECT_NE(picks.body.find("\"outcome\":\"0\""), std::string::npos);
}

TEST(SecrecyPatientPicker, ThePolicyStillAppliesOnTop) {
  World w;
  Territory t(w);
  // The social worker picks p2 (their care team): patient/*.rs reaches no
  // diagnosis there (R.1110-3), exactly as without the picker.
  Tokens tok = w.login(t.social, kLaunch, "", kPassword, true, false, "p2");
  ASSERT_EQ(tok.status, 200) << tok.error;
  EXPECT_EQ(tok.patient, "p2");
  EXPECT_EQ(w.as(tok.access, "GET", "/fhir/Condition/cond-2").status, 403);
  // A patient they are not in the team of cannot be picked at all.
  EXPECT_NE(w.login(t.social, kLaunch, "", kPassword, true, false, "p1").status, 200);
}

TEST(SecrecyPatientPicker, NoPatientContinueOrCancel) {
  World w;
  Territory t(w);
  // Nobody for the outsider: said so, and they may go on without a patient.
  auto step = w.submit_login(t.outsider, kLaunch);
  ASSERT_EQ(step.response.status, 200);
  EXPECT_TRUE(offered(step.response.body).empty());
  EXPECT_NE(step.response.body.find("Aucun patient ne vous est accessible"), std::string::npos);
  auto go_on = w.submit_picker(step, step.response.body, {{"action", "none"}});
  Tokens tok = w.redeem(go_on, step.verifier);
  ASSERT_EQ(tok.status, 200) << tok.error;
  EXPECT_TRUE(tok.patient.empty());
  EXPECT_EQ(tok.scope.find("patient/"), std::string::npos) << "patient/ scopes dropped: " << tok.scope;
  EXPECT_EQ(tok.scope.find("launch/patient"), std::string::npos);
  // Cancelling answers the app with access_denied (RFC 6749 §4.1.2.1).
  auto again = w.submit_login(t.gp, kLaunch);
  auto cancel = w.submit_picker(again, again.response.body, {{"action", "cancel"}});
  ASSERT_EQ(cancel.status, 302);
  std::string loc = cancel.header("Location");
  EXPECT_EQ(query_param(loc, "error"), "access_denied");
  EXPECT_EQ(query_param(loc, "state"), "st-1");
  EXPECT_TRUE(query_param(loc, "code").empty());
  // A forged form (another account, a changed request, no token): refused.
  auto third = w.submit_login(t.gp, kLaunch);
  std::string page = third.response.body;
  std::string other_account = page;
  auto at = other_account.find("name=\"account\" value=\"acc-");
  ASSERT_NE(at, std::string::npos);
  char& first = other_account[at + 26];  // of the random account id: change it, whatever it is
  first = first == 'X' ? 'Y' : 'X';
  EXPECT_EQ(w.submit_picker(third, other_account, {{"action", "choose"}, {"patient", "p1"}}).status, 400);
  World::LoginStep changed = third;
  changed.base.replace(changed.base.find("state=st-1"), 10, "state=st-2");  // the request changed on the way
  EXPECT_EQ(w.submit_picker(changed, page, {{"action", "choose"}, {"patient", "p1"}}).status, 400);
  EXPECT_EQ(w.submit_picker(third, page, {{"action", "choose"}, {"patient", "p1"}}).status, 302)
      << "the genuine form still works";
  // Patients and carers have no picker: their record is their context.
  Account patient = w.account("eleonore", "patient", {"--patient", "p1"});
  Tokens own = w.login(patient, kLaunch);
  ASSERT_EQ(own.status, 200) << own.error;
  EXPECT_EQ(own.patient, "p1");
}

}  // namespace
}  // namespace parcours
