// The security layer's building blocks: TOTP (RFC 6238 vectors), encodings,
// Argon2id, sealing, JWT signing and key rotation, SMART scopes, the policy
// file, resource labelling — and the agreement of the policy's two views,
// decide() on one resource and sql() inside a query, over random data in a
// real SQLite store.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>
#include <set>

#include "fhir/compartment.h"
#include "security/clock.h"
#include "security/crypto.h"
#include "security/facts.h"
#include "security/jwt.h"
#include "security/policy.h"
#include "security/reach.h"
#include "security/scopes.h"
#include "security/totp.h"
#include "store/security_store.h"
#include "store/store.h"
#include "support/server_process.h"

namespace parcours::security {
namespace {

TEST(Totp, Rfc6238Vectors) {
  // RFC 6238 Appendix B, SHA-1, secret "12345678901234567890", last 6 digits.
  const std::string secret = "12345678901234567890";
  struct V {
    std::int64_t t;
    const char* code;
  } vectors[] = {{59, "287082"},         {1111111109, "081804"}, {1111111111, "050471"},
                 {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}};
  for (const auto& v : vectors) EXPECT_EQ(totp_code(secret, totp_step(v.t * 1'000'000)), v.code) << v.t;
  Micros now = 1111111111LL * 1'000'000;
  auto step = totp_verify(secret, "050471", now, 0);
  ASSERT_TRUE(step.has_value());
  // Accepted once: the same code is a replay.
  EXPECT_FALSE(totp_verify(secret, "050471", now, *step).has_value());
  // One step of drift each way, not two.
  EXPECT_TRUE(totp_verify(secret, totp_code(secret, totp_step(now) + 1), now, 0).has_value());
  EXPECT_FALSE(totp_verify(secret, totp_code(secret, totp_step(now) + 2), now, 0).has_value());
  EXPECT_FALSE(totp_verify(secret, "12345", now, 0).has_value());
  std::string uri = totp_uri(secret, "dr.martin");
  EXPECT_EQ(uri.rfind("otpauth://totp/Parcours:dr.martin?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 0), 0u)
      << uri;
}

TEST(Crypto, EncodingsRoundTrip) {
  ASSERT_TRUE(crypto_init().ok());
  for (int n = 0; n < 40; ++n) {
    std::string b = random_bytes(static_cast<std::size_t>(n));
    EXPECT_EQ(base64url_decode(base64url_encode(b)), b);
    EXPECT_EQ(base64_decode(base64_encode(b)), b);
    EXPECT_EQ(base32_decode(base32_encode(b)), b);
    EXPECT_EQ(from_hex(hex_encode(b)), b);
  }
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64url_decode("ab=").has_value());
  EXPECT_TRUE(same_secret("abc", "abc"));
  EXPECT_FALSE(same_secret("abc", "abd"));
  EXPECT_FALSE(same_secret("abc", "abcd"));
  EXPECT_EQ(hex_encode(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, Argon2idAndSealing) {
  ASSERT_TRUE(crypto_init().ok());
  auto h = hash_password("correct horse battery staple");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_password(*h, "correct horse battery staple"));
  EXPECT_FALSE(verify_password(*h, "correct horse battery stapl"));
  EXPECT_FALSE(verify_password("", "x"));
  SecretBox box(random_bytes(32));
  std::string sealed = box.seal("totp secret", "totp:acc-1");
  EXPECT_EQ(sealed.find("totp secret"), std::string::npos);
  EXPECT_EQ(box.open(sealed, "totp:acc-1").value(), "totp secret");
  EXPECT_FALSE(box.open(sealed, "totp:acc-2").ok()) << "bound to its row";
  SecretBox other(random_bytes(32));
  EXPECT_FALSE(other.open(sealed, "totp:acc-1").ok()) << "another key does not open it";
}

TEST(Scopes, SmartV1AndV2) {
  Scopes s = Scopes::parse(
      "openid fhirUser launch/patient patient/Observation.rs user/*.cruds system/Patient.read "
      "patient/Condition.rs?category=x user/Patient.sr bogus/x.r");
  EXPECT_TRUE(s.has("openid"));
  EXPECT_TRUE(s.has("launch/patient"));
  EXPECT_TRUE(s.allows_in_patient("Observation", Interaction::Read));
  EXPECT_FALSE(s.allows_in_patient("Observation", Interaction::Create));
  EXPECT_FALSE(s.allows_in_patient("Condition", Interaction::Read))
      << "granular scopes are dropped, not widened";
  EXPECT_TRUE(s.allows_any("Encounter", Interaction::Delete));
  EXPECT_TRUE(s.allows_any("Patient", Interaction::Search));
  Scopes v1 = Scopes::parse("patient/*.read user/Observation.write");
  EXPECT_TRUE(v1.allows_in_patient("Patient", Interaction::Search));
  EXPECT_TRUE(v1.allows_any("Observation", Interaction::Update));
  EXPECT_FALSE(v1.allows_any("Observation", Interaction::Read));
  Scopes narrowed =
      Scopes::intersect(Scopes::parse("user/*.cruds openid"), Scopes::parse("user/Observation.rs"));
  EXPECT_EQ(narrowed.str(), "user/Observation.rs") << "never wider than what the client may ask";
  EXPECT_FALSE(narrowed.allows_any("Patient", Interaction::Read));
  EXPECT_EQ(Scopes::intersect(Scopes::parse("user/Observation.cruds"), Scopes::parse("user/*.rs")).str(),
            "user/Observation.rs");
}

// --- the policy file ---------------------------------------------------------------

std::shared_ptr<const Policy> shipped() {
  auto p = Policy::parse(Policy::default_text(), "config/policy.conf");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message());
  return p.ok() ? *p : nullptr;
}

TEST(Policy, ShippedFileParsesAndSaysWhatTheLawSays) {
  auto p = shipped();
  ASSERT_TRUE(p);
  auto role = [&](const char* n) { return *p->role(n); };
  auto cat = [&](const char* n) { return *p->category(n); };
  // R.1110-2: category 2 never sees diagnostic or therapeutic detail.
  EXPECT_TRUE(p->allowed(role("medecin"), cat("diagnoses"), Interaction::Read));
  EXPECT_FALSE(p->allowed(role("assistant-social"), cat("diagnoses"), Interaction::Read));
  EXPECT_FALSE(p->allowed(role("coordonnateur"), cat("medications"), Interaction::Read));
  EXPECT_TRUE(p->allowed(role("assistant-social"), cat("pps-medicosocial"), Interaction::Update));
  EXPECT_FALSE(p->allowed(role("assistant-social"), cat("pps-clinical"), Interaction::Update));
  // Sensitive data: physicians and psychologists only.
  EXPECT_TRUE(p->allowed(role("psychologue"), cat("sensitive"), Interaction::Read));
  EXPECT_FALSE(p->allowed(role("infirmier"), cat("sensitive"), Interaction::Read));
  // Analysts and administrators never read records; nobody edits the audit.
  for (const char* c : {"administrative", "diagnoses", "lab-results"}) {
    EXPECT_FALSE(p->allowed(role("analyste"), cat(c), Interaction::Read));
    EXPECT_FALSE(p->allowed(role("admin-plateforme"), cat(c), Interaction::Read));
  }
  EXPECT_FALSE(p->allowed(role("admin-plateforme"), cat("audit"), Interaction::Update));
  EXPECT_TRUE(p->allowed(role("patient"), cat("sensitive"), Interaction::Read));
  EXPECT_FALSE(p->allowed(role("aidant"), cat("sensitive"), Interaction::Read));
  EXPECT_TRUE(p->may_break_glass(role("medecin")));
  EXPECT_FALSE(p->may_break_glass(role("assistant-social")));
  EXPECT_EQ(p->roles()[static_cast<std::size_t>(*p->role_for_profession("G15-60"))].name, "infirmier");
  // Every rule names its legal basis.
  for (const auto& r : p->rules()) EXPECT_FALSE(r.basis.empty()) << "line " << r.line;
}

TEST(Policy, ErrorsNameTheLine) {
  auto bad = Policy::parse("category a patient\nrole r health\nallow r b read -- x\n", "t.conf");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("t.conf:3: unknown category 'b'"), std::string::npos)
      << bad.error().message();
  auto no_basis = Policy::parse("category a patient\nrole r health\nallow r a read\nmap * * a\n", "t.conf");
  ASSERT_FALSE(no_basis.ok());
  EXPECT_NE(no_basis.error().message().find("legal basis"), std::string::npos);
  auto no_default = Policy::parse("category a patient\nrole r health\n", "t.conf");
  EXPECT_FALSE(no_default.ok());
  auto first_wins = Policy::parse(
      "category a patient\nrole r health\ndeny r a read -- x\nallow @health a read,search -- y\nmap * * a\n",
      "t");
  ASSERT_TRUE(first_wins.ok());
  int line = 0;
  EXPECT_FALSE((*first_wins)->allowed(0, 0, Interaction::Read, &line));
  EXPECT_EQ(line, 3);
  EXPECT_TRUE((*first_wins)->allowed(0, 0, Interaction::Search, &line));
  EXPECT_EQ(line, 4);
}

Json J(const char* text) { return parse_json(text).value(); }

TEST(Policy, LabelsAndFacts) {
  auto p = shipped();
  ASSERT_TRUE(p);
  auto cat = [&](const char* type, const char* json) { return p->category_of(type, J(json)); };
  EXPECT_EQ(
      cat("Condition", R"({"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"F32.1"}]}})"),
      "sensitive");
  EXPECT_EQ(cat("Condition", R"({"code":{"coding":[{"code":"E11.9"}]}})"), "diagnoses");
  EXPECT_EQ(cat("Condition", R"({"code":{"coding":[{"code":"B22"}]}})"), "sensitive");
  EXPECT_EQ(cat("Observation", R"({"category":[{"coding":[{"code":"laboratory"}]}]})"), "lab-results");
  EXPECT_EQ(cat("Observation", R"({"category":[{"coding":[{"code":"vital-signs"}]}]})"), "observations");
  EXPECT_EQ(cat("Observation", R"({"meta":{"security":[{"code":"PSY"}]}})"), "sensitive");
  EXPECT_EQ(cat("CarePlan", R"({"category":[{"coding":[{"code":"pps-medicosocial"}]}]})"),
            "pps-medicosocial");
  EXPECT_EQ(cat("CarePlan", "{}"), "pps-clinical");
  EXPECT_EQ(cat("Practitioner", "{}"), "directory");
  EXPECT_EQ(cat("Basic", "{}"), "unclassified");

  auto team = p->derive("CareTeam", J(R"({"resourceType":"CareTeam","id":"t","status":"active",
    "subject":{"reference":"Patient/p1"},"period":{"start":"2026-01-01"},
    "participant":[{"member":{"reference":"Practitioner/a"},"period":{"end":"2026-03-31"}},
                   {"member":{"reference":"http://x/fhir/PractitionerRole/r/_history/2"}}],
    "managingOrganization":[{"reference":"Organization/dac"}]})"));
  ASSERT_EQ(team.facts.size(), 3u);
  EXPECT_EQ(team.facts[0].kind, "team");
  EXPECT_EQ(team.facts[0].principal, "Practitioner/a");
  EXPECT_EQ(team.facts[0].start, store::parse_instant("2026-01-01").value());
  EXPECT_EQ(team.facts[0].end, store::parse_instant("2026-04-01").value()) << "a period end is inclusive";
  EXPECT_EQ(team.facts[1].principal, "PractitionerRole/r");
  EXPECT_EQ(team.facts[2].principal, "Organization/dac");
  EXPECT_EQ(team.label->patient, "p1");
  EXPECT_TRUE(p->derive("CareTeam", J(R"({"resourceType":"CareTeam","status":"inactive",
    "subject":{"reference":"Patient/p1"},"participant":[{"member":{"reference":"Practitioner/a"}}]})"))
                  .facts.empty())
      << "an inactive team opens nothing";

  auto consent = p->derive("Consent", J(R"({"resourceType":"Consent","status":"active",
    "scope":{"coding":[{"code":"patient-privacy"}]},"patient":{"reference":"Patient/p1"},
    "provision":{"type":"permit","provision":[
      {"type":"deny","actor":[{"reference":{"reference":"Practitioner/x"}}]},
      {"type":"deny","data":[{"meaning":"instance","reference":{"reference":"DocumentReference/d1"}}]},
      {"type":"deny","code":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/data-category","code":"sensitive"}]}]},
      {"type":"permit","actor":[{"reference":{"reference":"Practitioner/y"}}]},
      {"type":"deny","purpose":[{"code":"ETREAT"}]}]}})"));
  std::set<std::string> kinds;
  for (const auto& f : consent.facts) kinds.insert(f.kind + ":" + f.principal + ":" + f.target);
  EXPECT_EQ(kinds, (std::set<std::string>{"deny-actor:Practitioner/x:", "mask-resource::DocumentReference/d1",
                                          "mask-category::sensitive",
                                          "permit:Practitioner/y:", "deny-break-glass::"}));
  auto held = p->derive("DocumentReference", J(R"({"resourceType":"DocumentReference","status":"current",
    "meta":{"tag":[{"system":"https://parcours.example.fr/fhir/CodeSystem/disclosure","code":"awaiting-disclosure"}]},
    "extension":[{"url":"https://parcours.example.fr/fhir/StructureDefinition/disclosure-deadline","valueDateTime":"2026-12-01"}],
    "subject":{"reference":"Patient/p1"},"author":[{"reference":"Practitioner/a"}],"content":[{"attachment":{"url":"x"}}]})"));
  EXPECT_EQ(held.label->disclose_after, store::parse_instant("2026-12-01").value());
  ASSERT_EQ(held.facts.size(), 1u);
  EXPECT_EQ(held.facts[0].kind, "author");
  EXPECT_EQ(principal_of("Patient/p1/_history/3"), "Patient/p1");
  EXPECT_EQ(principal_of("#contained"), "");
  EXPECT_EQ(principal_of("Patient?identifier=x|y"), "");
}

// --- JWT -------------------------------------------------------------------------

struct StoreFixture {
  testing::TempDir dir;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<store::SecurityStore> sec;
  static store::IndexRows compartments(std::string_view type, const Json& r) {
    store::IndexRows rows;
    rows.patients = fhir::patient_compartments(type, r);
    return rows;
  }
  explicit StoreFixture(store::Indexer indexer = compartments) {
    store::SqliteOptions o;
    o.directory = dir.path();
    o.indexer = std::move(indexer);
    store = std::move(store::open_sqlite(o).value());
    sec = std::move(store::open_sqlite_security(dir.path()).value());
  }
};

TEST(Jwt, SignVerifyRotate) {
  ASSERT_TRUE(crypto_init().ok());
  SecretBox box(random_bytes(32));
  for (const char* alg : {"ES256", "RS256"}) {
    StoreFixture f;
    KeyRingOptions o;
    o.alg = alg;
    KeyRing keys(*f.sec, box, o);
    ASSERT_TRUE(keys.load().ok());
    Json claims = Json::object();
    claims.set("sub", "acc-1");
    auto t = keys.sign(claims, "at+jwt");
    ASSERT_TRUE(t.ok());
    auto v = keys.verify(*t);
    ASSERT_TRUE(v.ok()) << alg;
    EXPECT_EQ(v->claims.get_string("sub"), "acc-1");
    EXPECT_EQ(v->header.get_string("alg"), std::string(alg));
    // Any change breaks the signature.
    std::string forged = *t;
    auto dot = forged.find('.');
    forged[dot + 3] = forged[dot + 3] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(keys.verify(forged).ok());
    // "alg":"none" is never accepted.
    Json h = Json::object();
    h.set("alg", "none");
    h.set("kid", v->header.get_string("kid"));
    std::string none = base64url_encode(h.dump()) + "." + t->substr(dot + 1, t->rfind('.') - dot - 1) + ".";
    EXPECT_FALSE(keys.verify(none).ok());
    // After a rotation, new tokens use the new key and old ones still verify.
    std::string old_kid(v->header.get_string("kid"));
    ASSERT_TRUE(keys.rotate().ok());
    auto t2 = keys.sign(claims, "at+jwt");
    auto v2 = keys.verify(*t2);
    ASSERT_TRUE(v2.ok());
    EXPECT_NE(v2->header.get_string("kid"), old_kid);
    EXPECT_TRUE(keys.verify(*t).ok());
    Json jwks = keys.jwks();
    std::set<std::string> kids;
    for (const auto& k : jwks.find("keys")->as_array()) kids.insert(std::string(k.get_string("kid")));
    EXPECT_TRUE(kids.count(old_kid)) << "the old key stays published while its tokens live";
    // Keys survive a restart (sealed with the same secret key).
    KeyRing again(*f.sec, box, o);
    ASSERT_TRUE(again.load().ok());
    EXPECT_TRUE(again.verify(*t2).ok());
  }
}

// A client's keys (private_key_jwt): the JWK Set of a key ring verifies what
// it signs through the JWK path alone; other algorithms are refused.
TEST(Jwt, ClientJwksVerification) {
  ASSERT_TRUE(crypto_init().ok());
  SecretBox box(random_bytes(32));
  StoreFixture f;
  KeyRing keys(*f.sec, box, KeyRingOptions{});
  ASSERT_TRUE(keys.load().ok());
  Json claims = Json::object();
  claims.set("iss", "gw");
  auto t = keys.sign(claims, "JWT");
  ASSERT_TRUE(t.ok());
  Json jwks = keys.jwks();
  auto usable = check_client_jwks(jwks.dump());
  ASSERT_TRUE(usable.ok()) << usable.error().message();
  EXPECT_EQ(*usable, 1);
  auto v = verify_with_jwks(*t, jwks);
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(v->claims.get_string("iss"), "gw");
  // Another kid, a changed payload, alg none: refused.
  Json other = parse_json(jwks.dump()).value();
  other.find("keys")->as_array()[0].set("kid", "another");
  EXPECT_FALSE(verify_with_jwks(*t, other).ok());
  std::string forged = *t;
  forged[forged.find('.') + 2] ^= 1;
  EXPECT_FALSE(verify_with_jwks(forged, jwks).ok());
  EXPECT_FALSE(
      verify_with_jwks(base64url_encode(R"({"alg":"none"})") + "." + base64url_encode("{}") + ".", jwks)
          .ok());
  // RS256 (the server's other algorithm) is not one SMART clients use.
  KeyRingOptions rs;
  rs.alg = "RS256";
  StoreFixture g;
  KeyRing rsa(*g.sec, box, rs);
  ASSERT_TRUE(rsa.load().ok());
  EXPECT_FALSE(check_client_jwks(rsa.jwks().dump()).ok());
  EXPECT_FALSE(check_client_jwks(R"({"keys":[{"kty":"oct","k":"AAAA"}]})").ok());
  EXPECT_FALSE(check_client_jwks("[]").ok());
}

TEST(SecurityStore, UseOnceUntilExpiry) {
  StoreFixture f;
  EXPECT_TRUE(f.sec->use_once("a", 100, 0).value());
  EXPECT_FALSE(f.sec->use_once("a", 100, 50).value()) << "replayed before its expiry";
  EXPECT_TRUE(f.sec->use_once("b", 100, 50).value());
  EXPECT_TRUE(f.sec->use_once("a", 300, 100).value()) << "purged once expired";
}

// --- (a) and (b) agree --------------------------------------------------------------

struct Resource {
  std::string type, id;
};

// The indexer of a store whose versions carry their access-policy label and
// facts, as `parcours serve` writes them.
auto labelling(std::shared_ptr<const Policy> policy) {
  return [policy](std::string_view type, const Json& r) {
    store::IndexRows rows = StoreFixture::compartments(type, r);
    rows.security = policy->derive(type, r, rows.patients);
    return rows;
  };
}

TEST(Policy, DecisionAndSqlAgreeOnRandomData) {
  ASSERT_TRUE(crypto_init().ok());
  auto policy = shipped();
  ASSERT_TRUE(policy);
  StoreFixture f(labelling(policy));
  std::mt19937 rng(20261126);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const Micros now = store::parse_instant("2026-11-26T12:00:00Z").value();
  auto day = [&](int d) { return store::format_instant(now + d * kDay).substr(0, 10); };
  auto period = [&]() -> std::string {
    switch (pick(4)) {
      case 0:
        return R"("period":{"start":")" + day(-30) + R"("},)";
      case 1:
        return R"("period":{"start":")" + day(-30) + R"(","end":")" + day(-2) + R"("},)";
      case 2:
        return R"("period":{"start":")" + day(3) + R"("},)";
      default:
        return "";
    }
  };
  const std::vector<std::string> pros = {"Practitioner/pr0", "Practitioner/pr1",     "Practitioner/pr2",
                                         "Practitioner/pr3", "PractitionerRole/ro0", "Organization/o0"};
  std::vector<Resource> all;
  Status st = f.store->write([&](store::Writer& w) -> Status {
    auto put = [&](const std::string& text) -> Status {
      auto j = parse_json(text);
      if (!j) return j.error();
      std::string type(j->get_string("resourceType")), id(j->get_string("id"));
      all.push_back({type, id});
      auto out = w.put(type, id, std::move(*j));
      return out ? Status() : Status(out.error());
    };
    for (int p = 0; p < 6; ++p) {
      std::string P = "p" + std::to_string(p);
      std::string subject = R"("subject":{"reference":"Patient/)" + P + R"("})";
      if (auto s =
              put(R"({"resourceType":"Patient","id":")" + P + R"(","generalPractitioner":[{"reference":")" +
                  pros[static_cast<std::size_t>(pick(3))] + R"("}]})");
          !s)
        return s;
      std::string parts;
      for (const auto& pr : pros)
        if (pick(2))
          parts += std::string(parts.empty() ? "" : ",") + "{" + period() + R"("member":{"reference":")" +
                   pr + R"("}})";
      if (auto s = put(R"({"resourceType":"CareTeam","id":"ct-)" + P + R"(","status":")" +
                       (pick(5) ? "active" : "inactive") + R"(",)" + subject + R"(,"participant":[)" + parts +
                       "]}");
          !s)
        return s;
      if (auto s = put(R"({"resourceType":"Task","id":"task-)" + P + R"(","status":")" +
                       (pick(2) ? "requested" : "completed") +
                       R"(","intent":"order","for":{"reference":"Patient/)" + P +
                       R"("},"owner":{"reference":")" + pros[static_cast<std::size_t>(pick(6))] + R"("}})");
          !s)
        return s;
      std::string provisions;
      auto add = [&](const std::string& pv) { provisions += (provisions.empty() ? "" : ",") + pv; };
      if (pick(3) == 0)
        add("{" + period() + R"("type":"deny","actor":[{"reference":{"reference":")" +
            pros[static_cast<std::size_t>(pick(6))] + R"("}}]})");
      if (pick(3) == 0)
        add(R"({"type":"deny","code":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/data-category","code":")" +
            std::string(pick(2) ? "lab-results" : "documents") + R"("}]}]})");
      if (pick(3) == 0)
        add(R"({"type":"deny","data":[{"meaning":"instance","reference":{"reference":"Observation/o-)" + P +
            R"(-1"}}]})");
      if (pick(4) == 0) add("{" + period() + R"("type":"deny"})");
      if (pick(3) == 0)
        add(R"({"type":"permit","actor":[{"reference":{"reference":")" +
            pros[static_cast<std::size_t>(pick(6))] + R"("}}]})");
      if (pick(4) == 0) add(R"({"type":"deny","purpose":[{"code":"ETREAT"}]})");
      if (auto s = put(
              R"({"resourceType":"Consent","id":"cs-)" + P +
              R"(","status":"active","scope":{"coding":[{"code":"patient-privacy"}]},"category":[{"text":"x"}],"patient":{"reference":"Patient/)" +
              P + R"("},"provision":{"type":"permit","provision":[)" + provisions + "]}}");
          !s)
        return s;
      for (int i = 0; i < 6; ++i) {
        std::string id = "o-" + P + "-" + std::to_string(i);
        const char* cats[] = {"laboratory", "vital-signs", "social-history"};
        std::string held =
            pick(4) == 0
                ? R"("meta":{"tag":[{"system":"https://parcours.example.fr/fhir/CodeSystem/disclosure","code":"awaiting-disclosure"}]},"extension":[{"url":"https://parcours.example.fr/fhir/StructureDefinition/disclosure-deadline","valueDateTime":")" +
                      day(pick(2) ? -1 : 1) + R"("}],)"
                : "";
        if (auto s = put(R"({"resourceType":"Observation","id":")" + id + R"(",)" + held +
                         R"("status":"final","code":{"text":"x"},"category":[{"coding":[{"code":")" +
                         cats[pick(3)] + R"("}]}],"performer":[{"reference":")" +
                         pros[static_cast<std::size_t>(pick(6))] + R"("}],)" + subject + "}");
            !s)
          return s;
      }
      if (auto s = put(R"({"resourceType":"Condition","id":"c-)" + P + R"(","code":{"coding":[{"code":")" +
                       (pick(2) ? "F20" : "E11") + R"("}]},)" + subject + "}");
          !s)
        return s;
      if (auto s =
              put(R"({"resourceType":"DocumentReference","id":"d-)" + P +
                  R"(","status":"current","content":[{"attachment":{"url":"x"}}],"author":[{"reference":")" +
                  pros[static_cast<std::size_t>(pick(6))] + R"("}],)" + subject + "}");
          !s)
        return s;
    }
    for (
        auto s :
        {R"({"resourceType":"Practitioner","id":"pr0"})",
         R"({"resourceType":"Observation","id":"orphan","status":"final","code":{"text":"x"},"performer":[{"reference":"Practitioner/pr1"}]})"})
      if (auto r = put(s); !r) return r;
    // Break-glass grants are audit records.
    for (int i = 0; i < 4; ++i) {
      store::AuditRecord r;
      r.recorded = now - kHour;
      r.category = "break-glass";
      r.subtype = "break-glass";
      r.agent = "acc-" + std::to_string(pick(3));
      r.patient = "p" + std::to_string(pick(6));
      r.until = now + (pick(2) ? kHour : -kMinute);
      if (auto s = w.append_audit(r); !s) return s;
    }
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
  ASSERT_TRUE(f.store
                  ->write([&](store::Writer& w) -> Status {
                    auto r = w.remove("Observation", "o-p0-2");
                    return r ? Status() : Status(r.error());
                  })
                  .ok());

  // Callers: one per role class, with various principals and scopes.
  std::vector<AccessContext> callers;
  auto role_ctx = [&](const char* role, std::vector<std::string> principals, std::vector<std::string> ids) {
    AccessContext c;
    c.role = *policy->role(role);
    c.role_class = policy->roles()[static_cast<std::size_t>(c.role)].role_class;
    c.principals = principals;
    c.identities = principals;
    c.identities.insert(c.identities.end(), ids.begin(), ids.end());
    c.account = "acc-" + std::to_string(callers.size() % 3);
    c.identities.push_back("Account/" + c.account);
    c.scopes = Scopes::parse("user/*.cruds");
    c.now = now;
    return c;
  };
  callers.push_back(role_ctx("medecin", {"Practitioner/pr0"}, {"Organization/o0"}));
  callers.push_back(role_ctx("medecin", {"Practitioner/pr1", "PractitionerRole/ro0"}, {}));
  callers.push_back(role_ctx("infirmier", {"Practitioner/pr2"}, {}));
  callers.push_back(role_ctx("psychologue", {"Practitioner/pr3"}, {}));
  callers.push_back(role_ctx("assistant-social", {"Practitioner/pr3"}, {}));
  callers.push_back(role_ctx("personnel-administratif", {"Organization/o0"}, {}));
  callers.push_back(role_ctx("analyste", {}, {}));
  callers.push_back(role_ctx("admin-plateforme", {}, {}));
  auto pat = role_ctx("patient", {}, {"Patient/p0"});
  pat.patient = "p0";
  callers.push_back(pat);
  auto carer = role_ctx("aidant", {}, {});
  carer.patient = "p1";
  carer.delegated = {"administrative", "coordination", "social"};
  callers.push_back(carer);
  auto narrow = role_ctx("medecin", {"Practitioner/pr0", "Practitioner/pr2"}, {});
  narrow.scopes = Scopes::parse("user/Observation.rs patient/*.rs");
  narrow.scope_patient = "p2";
  callers.push_back(narrow);
  AccessContext system;
  system.system = true;
  system.scopes = Scopes::parse("system/Observation.rs");
  system.now = now;
  callers.push_back(system);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2((f.dir.path() + "/parcours.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  auto reader = f.store->reader();
  int compared = 0, allowed_count = 0, reached = 0;
  for (std::size_t ci = 0; ci < callers.size(); ++ci) {
    const AccessContext& ctx = callers[ci];
    // A professional's reach (security/reach.h): its facts must decide as
    // the stored ones do, and the SQL asking it must select the same rows.
    ReachCache cache;
    auto reach = cache.get(ctx, *reader);
    ASSERT_TRUE(reach.ok()) << reach.error().message();
    const bool professional = ctx.role_class == RoleClass::Health || ctx.role_class == RoleClass::Social ||
                              ctx.role_class == RoleClass::Staff;
    EXPECT_EQ(professional && !ctx.system, *reach != nullptr) << "caller " << ci;
    for (Interaction in : kInteractions) {
      std::set<std::string> by_decision, by_sql;
      for (const auto& r : all) {
        auto label = reader->label(r.type, r.id);
        ASSERT_TRUE(label.ok() && label->has_value()) << r.type << "/" << r.id;
        auto facts = reader->access_facts((*label)->patient, r.type, r.id);
        ASSERT_TRUE(facts.ok());
        Decision d = policy->decide(ctx, in, r.type, r.id, **label, *facts);
        if (d.allowed) by_decision.insert(r.type + "/" + r.id);
        if (*reach && !(*label)->patient.empty()) {
          const auto* e = (*reach)->find((*label)->patient);
          if (e && e->flag == store::PatientReach::kOpen) {
            ++reached;
            Decision from_reach = policy->decide(ctx, in, r.type, r.id, **label, e->facts);
            EXPECT_EQ(d.allowed, from_reach.allowed) << "caller " << ci << " " << r.type << "/" << r.id;
            EXPECT_EQ(d.status, from_reach.status) << "caller " << ci << " " << r.type << "/" << r.id;
            EXPECT_EQ(d.via_break_glass, from_reach.via_break_glass);
          }
          // Not reached: nothing of the patient's is visible.
          if (!e || e->flag == store::PatientReach::kNone) {
            EXPECT_FALSE(d.allowed) << "caller " << ci << " " << r.type << "/" << r.id;
          }
        }
      }
      store::SqlFragment frag = policy->sql(ctx, in, store::SqlColumns{"R.type", "R.id"}, 1);
      std::string sql = "SELECT R.type, R.id FROM resource_label R WHERE " + frag.sql;
      sqlite3_stmt* stmt = nullptr;
      ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
          << sqlite3_errmsg(db) << "\n"
          << sql;
      int i = 1;
      for (const auto& v : frag.params) {
        if (const auto* n = std::get_if<std::int64_t>(&v))
          sqlite3_bind_int64(stmt, i++, *n);
        else
          sqlite3_bind_text(stmt, i++, std::get<std::string>(v).c_str(), -1, SQLITE_TRANSIENT);
      }
      while (sqlite3_step(stmt) == SQLITE_ROW)
        by_sql.insert(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) + "/" +
                      reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
      sqlite3_finalize(stmt);
      EXPECT_EQ(by_decision, by_sql) << "caller " << ci << " interaction " << interaction_name(in);
      // The other forms of the same predicate: on a label the query joined
      // itself, and with the caller's patients computed once (bulk).
      for (int form = 1; form < 8; ++form) {
        bool joined_label = form & 1, bulk = form & 2, with_reach = form & 4;
        if (with_reach && !*reach) continue;
        store::SqlFragment g =
            policy->sql(ctx, in, store::SqlColumns{"R.type", "R.id", joined_label ? "lab" : "", bulk}, 1,
                        with_reach ? reach->get() : nullptr);
        std::string sql2 =
            "SELECT R.type, R.id FROM resource_label R" +
            std::string(joined_label ? " JOIN resource_label lab ON lab.type = R.type AND lab.id = R.id"
                                     : "") +
            " WHERE " + g.sql;
        ASSERT_EQ(sqlite3_prepare_v2(db, sql2.c_str(), -1, &stmt, nullptr), SQLITE_OK)
            << sqlite3_errmsg(db) << "\n"
            << sql2;
        i = 1;
        for (const auto& v : g.params) {
          if (const auto* n = std::get_if<std::int64_t>(&v))
            sqlite3_bind_int64(stmt, i++, *n);
          else
            sqlite3_bind_text(stmt, i++, std::get<std::string>(v).c_str(), -1, SQLITE_TRANSIENT);
        }
        std::set<std::string> by_form;
        while (sqlite3_step(stmt) == SQLITE_ROW)
          by_form.insert(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) + "/" +
                         reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
        sqlite3_finalize(stmt);
        EXPECT_EQ(by_decision, by_form)
            << "form " << form << ", caller " << ci << " interaction " << interaction_name(in);
      }
      ++compared;
      allowed_count += static_cast<int>(by_decision.size());
    }
  }
  sqlite3_close(db);
  EXPECT_EQ(compared, static_cast<int>(callers.size() * std::size(kInteractions)));
  EXPECT_GT(allowed_count, 50) << "the data must exercise both directions";
  EXPECT_GT(reached, 50) << "the reach must be exercised";
}

// A resource's authors follow its live version: an update replaces them, a
// delete removes them (resource_author); they are not among the patient-wide
// facts.
TEST(Policy, AuthorshipFollowsTheLiveVersion) {
  auto policy = shipped();
  ASSERT_TRUE(policy);
  StoreFixture f(labelling(policy));
  auto authors = [&] {
    auto facts = f.store->reader()->access_facts("", "Observation", "o1");
    EXPECT_TRUE(facts.ok());
    std::vector<std::string> out;
    if (facts.ok())
      for (const auto& fact : *facts) out.push_back(fact.kind + " " + fact.principal + " " + fact.source);
    std::sort(out.begin(), out.end());
    return out;
  };
  auto put = [&](const std::string& performers) {
    Status st = f.store->write([&](store::Writer& w) -> Status {
      auto j = parse_json(R"({"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},)"
                          R"("subject":{"reference":"Patient/p0"},"performer":[)" +
                          performers + "]}");
      if (!j) return j.error();
      auto out = w.put("Observation", "o1", std::move(*j));
      return out ? Status() : Status(out.error());
    });
    ASSERT_TRUE(st.ok()) << st.error().message();
  };
  put(R"({"reference":"Practitioner/a"},{"reference":"Practitioner/b"})");
  EXPECT_EQ(authors(), (std::vector<std::string>{"author Practitioner/a Observation/o1",
                                                 "author Practitioner/b Observation/o1"}));
  put(R"({"reference":"Practitioner/b"},{"reference":"PractitionerRole/c"})");
  EXPECT_EQ(authors(), (std::vector<std::string>{"author Practitioner/b Observation/o1",
                                                 "author PractitionerRole/c Observation/o1"}));
  // The patient-wide facts (what opens or closes the record) hold none.
  auto patient_wide = f.store->reader()->access_facts("p0", "", "");
  ASSERT_TRUE(patient_wide.ok());
  EXPECT_TRUE(patient_wide->empty());
  Status del = f.store->write([&](store::Writer& w) -> Status {
    auto out = w.remove("Observation", "o1");
    return out ? Status() : Status(out.error());
  });
  ASSERT_TRUE(del.ok()) << del.error().message();
  EXPECT_TRUE(authors().empty());
}

// The cached reach is rebuilt when a fact that opens or closes a record
// changes, and when time reaches a fact's start or end; a write that only
// adds authorship keeps it.
TEST(Policy, ReachFollowsTheFactsAndTheClock) {
  auto policy = shipped();
  ASSERT_TRUE(policy);
  StoreFixture f(labelling(policy));
  const Micros now = store::parse_instant("2026-11-26T12:00:00Z").value();
  auto put = [&](const std::string& text) {
    Status st = f.store->write([&](store::Writer& w) -> Status {
      auto j = parse_json(text);
      if (!j) return j.error();
      std::string type(j->get_string("resourceType")), id(j->get_string("id"));
      auto out = w.put(type, id, std::move(*j));
      return out ? Status() : Status(out.error());
    });
    ASSERT_TRUE(st.ok()) << st.error().message();
  };
  put(R"({"resourceType":"Patient","id":"p0","generalPractitioner":[{"reference":"Practitioner/gp"}]})");
  AccessContext nurse;
  nurse.role = *policy->role("infirmier");
  nurse.role_class = RoleClass::Health;
  nurse.principals = {"Practitioner/nurse"};
  nurse.identities = {"Practitioner/nurse", "Account/acc-n"};
  nurse.account = "acc-n";
  nurse.scopes = Scopes::parse("user/*.cruds");
  nurse.now = now;
  ReachCache cache;
  auto get = [&](Micros at) {
    nurse.now = at;
    auto reader = f.store->reader();
    auto r = cache.get(nurse, *reader);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : nullptr;
  };
  auto first = get(now);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->find("p0"), nullptr);
  EXPECT_EQ(get(now + kMinute), first) << "nothing changed: the same reach";

  // Joining the care team until tomorrow opens the record at once.
  put(R"({"resourceType":"CareTeam","id":"ct","status":"active","subject":{"reference":"Patient/p0"},)"
      R"("participant":[{"period":{"start":"2026-11-01","end":"2026-11-27T12:00:00Z"},)"
      R"("member":{"reference":"Practitioner/nurse"}}]})");
  auto joined = get(now + kMinute);
  ASSERT_TRUE(joined);
  EXPECT_NE(joined, first);
  ASSERT_NE(joined->find("p0"), nullptr);
  EXPECT_EQ(joined->find("p0")->flag, store::PatientReach::kOpen);
  // Period.end is inclusive: the fact ends one microsecond after it.
  const Micros ends = store::parse_instant("2026-11-27T12:00:00Z").value() + 1;
  EXPECT_EQ(joined->valid_until, ends);

  // An observation adds only authorship: the reach stays.
  put(R"({"resourceType":"Observation","id":"o1","status":"final","code":{"text":"x"},)"
      R"("subject":{"reference":"Patient/p0"},"performer":[{"reference":"Practitioner/nurse"}]})");
  EXPECT_EQ(get(now + 2 * kMinute), joined);

  // A mask makes every row of the patient check the masks.
  put(R"({"resourceType":"Consent","id":"cs","status":"active","scope":{"coding":[{"code":"patient-privacy"}]},)"
      R"("category":[{"text":"x"}],"patient":{"reference":"Patient/p0"},"provision":{"type":"permit",)"
      R"("provision":[{"type":"deny","data":[{"meaning":"instance","reference":{"reference":"Observation/o1"}}]}]}})");
  auto masked = get(now + 3 * kMinute);
  ASSERT_TRUE(masked && masked->find("p0"));
  EXPECT_EQ(masked->find("p0")->flag, store::PatientReach::kMasked);

  // The membership ends: from that instant the reach is rebuilt without it.
  EXPECT_EQ(get(ends - 1), masked);
  auto after = get(ends);
  ASSERT_TRUE(after);
  EXPECT_NE(after, masked);
  const auto* e = after->find("p0");
  EXPECT_TRUE(!e || e->flag == store::PatientReach::kNone);

  // A break-glass access reopens it at once, until it expires.
  Status st = f.store->write([&](store::Writer& w) -> Status {
    store::AuditRecord r;
    r.recorded = ends;
    r.category = "break-glass";
    r.subtype = "break-glass";
    r.agent = "acc-n";
    r.patient = "p0";
    r.until = ends + kHour;
    return w.append_audit(r);
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
  auto glass = get(ends + kMinute);
  ASSERT_TRUE(glass && glass->find("p0"));
  EXPECT_NE(glass->find("p0")->flag, store::PatientReach::kNone);
  EXPECT_EQ(glass->valid_until, ends + kHour);
}

}  // namespace
}  // namespace parcours::security
