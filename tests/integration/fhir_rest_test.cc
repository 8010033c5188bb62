// The FHIR REST API end to end: the real `parcours serve` process, real HTTP
// on loopback, a real SQLite file.
#include <gtest/gtest.h>

#include "fhir/json.h"
#include "support/http_client.h"
#include "support/server_process.h"

namespace parcours {
namespace {

using testing::HttpClient;
using testing::Response;

constexpr const char* kToken = "test-admin-token-0123456789";

class FhirRest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    server_ = new testing::ServerProcess(dir_->path(), kToken);
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->stop(), 0) << "the server must exit cleanly on SIGTERM";
    delete server_;
    delete dir_;
  }
  void SetUp() override { client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port()); }

  Response call(const std::string& method, const std::string& target, const std::string& body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Authorization", std::string("Bearer ") + kToken);
    return client_->request(method, target, body, headers);
  }
  static Json json(const Response& r) {
    auto j = parse_json(r.body);
    EXPECT_TRUE(j.ok()) << r.body;
    return j.ok() ? *j : Json();
  }
  // The first issue's diagnostics and expression of an OperationOutcome.
  static std::string diagnostics(const Response& r) {
    Json oo = json(r);
    EXPECT_EQ(oo.get_string("resourceType"), "OperationOutcome") << r.body;
    const Json* issues = oo.find("issue");
    if (!issues || !issues->is_array() || issues->size() == 0) return "";
    return std::string(issues->as_array()[0].get_string("diagnostics"));
  }
  static std::string expression(const Response& r) {
    Json oo = json(r);
    const Json* issues = oo.find("issue");
    if (!issues || issues->size() == 0) return "";
    const Json* e = issues->as_array()[0].find("expression");
    return e && e->is_array() && e->size() ? e->as_array()[0].as_string() : "";
  }
  std::string create_patient(const std::string& family = "Martin") {
    auto r = call("POST", "/fhir/Patient",
                  R"({"resourceType":"Patient","name":[{"family":")" + family +
                      R"(","given":["Jeanne"]}],"gender":"female","birthDate":"1944-03-12"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(json(r).get_string("id"));
  }

  static testing::TempDir* dir_;
  static testing::ServerProcess* server_;
  std::unique_ptr<HttpClient> client_;
};

testing::TempDir* FhirRest::dir_ = nullptr;
testing::ServerProcess* FhirRest::server_ = nullptr;

const std::string kPatient =
    R"({"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"244037511303128"}],)"
    R"("name":[{"family":"Lefèvre","given":["Hélène"]}],"gender":"female","birthDate":"1944-03-12"})";

TEST_F(FhirRest, MetadataIsPublicAndTruthful) {
  auto r = client_->request("GET", "/fhir/metadata");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.header("Content-Type").find("application/fhir+json"), std::string::npos);
  Json cs = json(r);
  EXPECT_EQ(cs.get_string("resourceType"), "CapabilityStatement");
  EXPECT_EQ(cs.get_string("fhirVersion"), "4.0.1");
  const Json& rest = cs.find("rest")->as_array()[0];
  bool patient = false;
  for (const Json& res : rest.find("resource")->as_array()) {
    if (res.get_string("type") != "Patient") continue;
    patient = true;
    std::vector<std::string> codes;
    for (const Json& i : res.find("interaction")->as_array()) codes.emplace_back(i.get_string("code"));
    EXPECT_NE(std::find(codes.begin(), codes.end(), "vread"), codes.end());
    EXPECT_NE(std::find(codes.begin(), codes.end(), "search-type"), codes.end());
    EXPECT_TRUE(res.find("conditionalCreate")->as_bool());
    bool family = false;
    for (const Json& p : res.find("searchParam")->as_array())
      family = family || p.get_string("name") == "family";
    EXPECT_TRUE(family);
  }
  EXPECT_TRUE(patient);
}

TEST_F(FhirRest, RejectsMissingOrWrongCredentials) {
  auto none = client_->request("GET", "/fhir/Patient/x");
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.header("WWW-Authenticate").find("Bearer"), std::string::npos);
  EXPECT_NE(diagnostics(none).find("Authentication required"), std::string::npos);
  auto wrong = client_->request("GET", "/fhir/Patient/x", "", {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong.status, 401);
  auto basic = client_->request("GET", "/fhir/Patient/x", "", {{"Authorization", "Basic YTpi"}});
  EXPECT_EQ(basic.status, 401);
  // A token that is a prefix of the real one is not accepted.
  auto prefix = client_->request("GET", "/fhir/Patient/x", "", {{"Authorization", "Bearer test-admin"}});
  EXPECT_EQ(prefix.status, 401);
}

TEST_F(FhirRest, CreateReadAndHeaders) {
  auto r = call("POST", "/fhir/Patient", kPatient);
  ASSERT_EQ(r.status, 201) << r.body;
  Json created = json(r);
  std::string id(created.get_string("id"));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(created.find("meta")->get_string("versionId"), "1");
  EXPECT_EQ(r.header("ETag"), "W/\"1\"");
  EXPECT_NE(r.header("Location").find("/fhir/Patient/" + id + "/_history/1"), std::string::npos);
  EXPECT_FALSE(r.header("Last-Modified").empty());

  auto read = call("GET", "/fhir/Patient/" + id);
  ASSERT_EQ(read.status, 200);
  Json got = json(read);
  EXPECT_EQ(got.find("name")->as_array()[0].get_string("family"), "Lefèvre");
  EXPECT_EQ(got.get_string("birthDate"), "1944-03-12");
  EXPECT_EQ(read.header("ETag"), "W/\"1\"");

  // The server ignores an id in the body of a create.
  auto with_id = call("POST", "/fhir/Patient", R"({"resourceType":"Patient","id":"chosen","gender":"male"})");
  ASSERT_EQ(with_id.status, 201);
  EXPECT_NE(json(with_id).get_string("id"), "chosen");

  auto head = call("HEAD", "/fhir/Patient/" + id);
  EXPECT_EQ(head.status, 200);

  auto not_modified = call("GET", "/fhir/Patient/" + id, "", {{"If-None-Match", "W/\"1\""}});
  EXPECT_EQ(not_modified.status, 304);
  auto unchanged = call("GET", "/fhir/Patient/" + id, "", {{"If-Modified-Since", r.header("Last-Modified")}});
  EXPECT_EQ(unchanged.status, 304);
  auto changed =
      call("GET", "/fhir/Patient/" + id, "", {{"If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}});
  EXPECT_EQ(changed.status, 200);
}

TEST_F(FhirRest, UpdateVersionsAndIdenticalContent) {
  std::string id = create_patient();
  std::string body =
      R"({"resourceType":"Patient","id":")" + id + R"(","gender":"female","birthDate":"1944-03-13"})";
  auto u = call("PUT", "/fhir/Patient/" + id, body);
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(u.header("ETag"), "W/\"2\"");
  // Same content again: no new version.
  auto same = call("PUT", "/fhir/Patient/" + id, body);
  ASSERT_EQ(same.status, 200);
  EXPECT_EQ(same.header("ETag"), "W/\"2\"");
  auto hist = call("GET", "/fhir/Patient/" + id + "/_history");
  ASSERT_EQ(hist.status, 200);
  EXPECT_EQ(json(hist).find("total")->to_int64(), 2);

  // Versions are immutable: version 1 still reads as it was.
  auto v1 = call("GET", "/fhir/Patient/" + id + "/_history/1");
  ASSERT_EQ(v1.status, 200);
  EXPECT_EQ(json(v1).get_string("birthDate"), "1944-03-12");
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id + "/_history/9").status, 404);
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id + "/_history/x").status, 404);
}

TEST_F(FhirRest, UpdateAsCreateWithClientId) {
  std::string body =
      R"({"resourceType":"Practitioner","id":"rpps-10003456789","name":[{"family":"Durand"}]})";
  auto c = call("PUT", "/fhir/Practitioner/rpps-10003456789", body);
  ASSERT_EQ(c.status, 201) << c.body;
  EXPECT_EQ(c.header("ETag"), "W/\"1\"");
  auto again =
      call("PUT", "/fhir/Practitioner/rpps-10003456789",
           R"({"resourceType":"Practitioner","id":"rpps-10003456789","name":[{"family":"Durand-Petit"}]})");
  EXPECT_EQ(again.status, 200);
  auto mismatch = call("PUT", "/fhir/Practitioner/abc", body);
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_NE(diagnostics(mismatch).find("does not match"), std::string::npos);
  auto no_id = call("PUT", "/fhir/Practitioner/abc", R"({"resourceType":"Practitioner"})");
  EXPECT_EQ(no_id.status, 400);
}

TEST_F(FhirRest, OptimisticLocking) {
  std::string id = create_patient();
  std::string body = R"({"resourceType":"Patient","id":")" + id + R"(","gender":"other"})";
  auto stale = call("PUT", "/fhir/Patient/" + id, body, {{"If-Match", "W/\"7\""}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_NE(diagnostics(stale).find("version"), std::string::npos);
  auto ok = call("PUT", "/fhir/Patient/" + id, body, {{"If-Match", "W/\"1\""}});
  EXPECT_EQ(ok.status, 200);
  auto malformed = call("PUT", "/fhir/Patient/" + id, body, {{"If-Match", "garbage"}});
  EXPECT_EQ(malformed.status, 400);
  auto del = call("DELETE", "/fhir/Patient/" + id, "", {{"If-Match", "W/\"1\""}});
  EXPECT_EQ(del.status, 412);
}

TEST_F(FhirRest, DeleteIsAVersionedTombstone) {
  std::string id = create_patient();
  auto d = call("DELETE", "/fhir/Patient/" + id);
  ASSERT_EQ(d.status, 200) << d.body;
  auto gone = call("GET", "/fhir/Patient/" + id);
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(json(gone).get_string("resourceType"), "OperationOutcome");
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id + "/_history/1").status, 200);
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id + "/_history/2").status, 410);
  // Deleting again is not an error (R4 §3.1.0.7.1).
  EXPECT_EQ(call("DELETE", "/fhir/Patient/" + id).status, 200);
  auto hist = json(call("GET", "/fhir/Patient/" + id + "/_history"));
  EXPECT_EQ(hist.find("total")->to_int64(), 2);
  const Json& newest = hist.find("entry")->as_array()[0];
  EXPECT_EQ(newest.find("request")->get_string("method"), "DELETE");
  EXPECT_EQ(newest.find("resource"), nullptr);
  // Re-creating continues the version sequence.
  auto again = call("PUT", "/fhir/Patient/" + id, R"({"resourceType":"Patient","id":")" + id + R"("})");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.header("ETag"), "W/\"3\"");
}

TEST_F(FhirRest, JsonPatch) {
  std::string id = create_patient();
  const std::pair<std::string, std::string> ct{"Content-Type", "application/json-patch+json"};
  auto p = call(
      "PATCH", "/fhir/Patient/" + id,
      R"([{"op":"replace","path":"/birthDate","value":"1944-04-01"},{"op":"add","path":"/active","value":true}])",
      {ct});
  ASSERT_EQ(p.status, 200) << p.body;
  Json patched = json(p);
  EXPECT_EQ(patched.get_string("birthDate"), "1944-04-01");
  EXPECT_EQ(patched.find("meta")->get_string("versionId"), "2");
  auto bad_result = call("PATCH", "/fhir/Patient/" + id,
                         R"([{"op":"replace","path":"/birthDate","value":"1944-13-01"}])", {ct});
  EXPECT_EQ(bad_result.status, 422);
  EXPECT_EQ(expression(bad_result), "Patient.birthDate");
  auto failed_test =
      call("PATCH", "/fhir/Patient/" + id, R"([{"op":"test","path":"/gender","value":"male"}])", {ct});
  EXPECT_EQ(failed_test.status, 422);
  auto bad_path = call("PATCH", "/fhir/Patient/" + id, R"([{"op":"remove","path":"/name/9"}])", {ct});
  EXPECT_EQ(bad_path.status, 400);
  auto wrong_type = call("PATCH", "/fhir/Patient/" + id, R"([])");
  EXPECT_EQ(wrong_type.status, 415);
  EXPECT_EQ(call("PATCH", "/fhir/Patient/nobody", R"([])", {ct}).status, 404);
  // Nothing of the failed patches was stored.
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id).header("ETag"), "W/\"2\"");
}

TEST_F(FhirRest, InvalidInputIsRejectedWithLocation) {
  auto unknown = call("POST", "/fhir/Patient", R"({"resourceType":"Patient","nickname":"Jo"})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(expression(unknown).find("Patient"), std::string::npos);
  auto bad_date = call("POST", "/fhir/Patient", R"({"resourceType":"Patient","birthDate":"1944-02-30"})");
  EXPECT_EQ(bad_date.status, 400);
  EXPECT_EQ(expression(bad_date), "Patient.birthDate");
  auto not_array = call("POST", "/fhir/Patient", R"({"resourceType":"Patient","name":{"family":"X"}})");
  EXPECT_EQ(not_array.status, 400);
  auto wrong_type =
      call("POST", "/fhir/Patient", R"({"resourceType":"Observation","status":"final","code":{"text":"x"}})");
  EXPECT_EQ(wrong_type.status, 400);
  auto malformed = call("POST", "/fhir/Patient", "{\"resourceType\":\"Patient\",\n \"gender\": }");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(diagnostics(malformed).find("line 2"), std::string::npos);
  EXPECT_EQ(call("POST", "/fhir/Patient", "").status, 400);
  auto dup = call("POST", "/fhir/Patient", R"({"resourceType":"Patient","gender":"male","gender":"female"})");
  EXPECT_EQ(dup.status, 400);
  auto required = call("POST", "/fhir/Observation", R"({"resourceType":"Observation","status":"final"})");
  EXPECT_EQ(required.status, 400);
  EXPECT_EQ(expression(required), "Observation.code");
  auto xml = call("POST", "/fhir/Patient", "<Patient/>", {{"Content-Type", "application/fhir+xml"}});
  EXPECT_EQ(xml.status, 415);
  EXPECT_EQ(call("GET", "/fhir/Unicorn/1").status, 404);
  EXPECT_EQ(call("GET", "/fhir/Patient/bad$id").status, 400);
  EXPECT_EQ(call("GET", "/fhir/Patient/does-not-exist").status, 404);
  EXPECT_EQ(call("DELETE", "/fhir/metadata").status, 405);
}

TEST_F(FhirRest, LimitsAnswerCleanly) {
  std::string deep = R"({"resourceType":"Patient","extension":)";
  for (int i = 0; i < 200; ++i) deep += R"([{"url":"http://x","extension":)";
  auto r = call("POST", "/fhir/Patient", deep + "[]");
  EXPECT_EQ(r.status, 400);
  std::string big(40u << 20, ' ');
  auto huge = call("POST", "/fhir/Patient", big);
  EXPECT_EQ(huge.status, 413);
  // The server is still fine.
  HttpClient fresh("127.0.0.1", server_->port());
  EXPECT_EQ(fresh.request("GET", "/fhir/metadata").status, 200);
}

TEST_F(FhirRest, PreferAndFormatting) {
  auto minimal = call("POST", "/fhir/Patient", kPatient, {{"Prefer", "return=minimal"}});
  EXPECT_EQ(minimal.status, 201);
  EXPECT_TRUE(minimal.body.empty());
  EXPECT_FALSE(minimal.header("Location").empty());
  auto outcome = call("POST", "/fhir/Patient", kPatient, {{"Prefer", "return=OperationOutcome"}});
  EXPECT_EQ(outcome.status, 201);
  EXPECT_EQ(json(outcome).get_string("resourceType"), "OperationOutcome");

  std::string id = create_patient();
  auto pretty = call("GET", "/fhir/Patient/" + id + "?_pretty=true");
  EXPECT_NE(pretty.body.find("\n  \"resourceType\""), std::string::npos);
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id + "?_format=xml").status, 406);
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id + "?_format=json").status, 200);
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id, "", {{"Accept", "application/fhir+xml"}}).status, 406);

  auto elements = json(call("GET", "/fhir/Patient/" + id + "?_elements=gender"));
  EXPECT_EQ(elements.find("name"), nullptr);
  EXPECT_EQ(elements.get_string("gender"), "female");
  EXPECT_EQ(elements.find("meta")->find("tag")->as_array()[0].get_string("code"), "SUBSETTED");
  auto summary = json(call("GET", "/fhir/Patient/" + id + "?_summary=true"));
  EXPECT_NE(summary.find("name"), nullptr);  // Patient.name is a summary element
  EXPECT_EQ(call("GET", "/fhir/Patient/" + id + "?_summary=bogus").status, 400);
}

TEST_F(FhirRest, TransactionResolvesUrnReferencesAndIsAtomic) {
  std::string tx = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:0b0c9b57-2a4d-4ad2-9e2f-6b3b1e1a0001","resource":{"resourceType":"Patient","name":[{"family":"Bernard"}]},
     "request":{"method":"POST","url":"Patient"}},
    {"fullUrl":"urn:uuid:0b0c9b57-2a4d-4ad2-9e2f-6b3b1e1a0002","resource":{"resourceType":"Observation","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},
      "subject":{"reference":"urn:uuid:0b0c9b57-2a4d-4ad2-9e2f-6b3b1e1a0001"},
      "valueQuantity":{"value":72.50,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}},
     "request":{"method":"POST","url":"Observation"}}]})";
  auto r = call("POST", "/fhir", tx);
  ASSERT_EQ(r.status, 200) << r.body;
  Json resp = json(r);
  EXPECT_EQ(resp.get_string("type"), "transaction-response");
  const auto& entries = resp.find("entry")->as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].find("response")->get_string("status"), "201 Created");
  std::string patient_loc(entries[0].find("response")->get_string("location"));
  std::string patient_ref = patient_loc.substr(0, patient_loc.find("/_history"));
  std::string obs_loc(entries[1].find("response")->get_string("location"));
  auto obs = json(call("GET", "/fhir/" + obs_loc.substr(0, obs_loc.find("/_history"))));
  EXPECT_EQ(obs.find("subject")->get_string("reference"), patient_ref);
  EXPECT_EQ(obs.find("valueQuantity")->find("value")->number(), "72.50");  // decimal precision kept

  // An invalid second entry: nothing of the transaction is stored.
  auto before = json(call("GET", "/fhir/_history?_count=1")).find("total")->to_int64();
  std::string bad = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","id":"tx-atomic-1"},"request":{"method":"PUT","url":"Patient/tx-atomic-1"}},
    {"resource":{"resourceType":"Patient","birthDate":"not-a-date"},"request":{"method":"POST","url":"Patient"}}]})";
  auto failed = call("POST", "/fhir", bad);
  EXPECT_EQ(failed.status, 400);
  EXPECT_EQ(expression(failed), "Bundle.entry[1].resource.birthDate");
  EXPECT_EQ(call("GET", "/fhir/Patient/tx-atomic-1").status, 404);
  // A failure found while writing (a version conflict) also rolls back.
  std::string id = create_patient();
  std::string conflict = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","id":"tx-atomic-2"},"request":{"method":"PUT","url":"Patient/tx-atomic-2"}},
    {"resource":{"resourceType":"Patient","id":")" +
                         id + R"("},"request":{"method":"PUT","url":"Patient/)" + id +
                         R"(","ifMatch":"W/\"5\""}}]})";
  auto c = call("POST", "/fhir", conflict);
  EXPECT_EQ(c.status, 412);
  EXPECT_EQ(call("GET", "/fhir/Patient/tx-atomic-2").status, 404);
  auto after = json(call("GET", "/fhir/_history?_count=1")).find("total")->to_int64();
  EXPECT_EQ(*after, *before + 1);  // only create_patient() above
}

TEST_F(FhirRest, TransactionOrderAndConditionalReferences) {
  call(
      "PUT", "/fhir/Practitioner/gp-order",
      R"({"resourceType":"Practitioner","id":"gp-order","identifier":[{"system":"urn:oid:1.2.250.1.71.4.2.1","value":"10101010101"}]})");
  call("PUT", "/fhir/Patient/order-old", R"({"resourceType":"Patient","id":"order-old"})");
  // Listed GET first, DELETE last: the server must still DELETE first, then
  // POST, then PUT, then GET (R4 §3.1.0.11.2).
  std::string tx = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"request":{"method":"GET","url":"Patient/order-new"}},
    {"resource":{"resourceType":"Patient","id":"order-new","generalPractitioner":[{"reference":"Practitioner?identifier=urn:oid:1.2.250.1.71.4.2.1|10101010101"}]},
     "request":{"method":"PUT","url":"Patient/order-new"}},
    {"request":{"method":"DELETE","url":"Patient/order-old"}}]})";
  auto r = call("POST", "/fhir", tx);
  ASSERT_EQ(r.status, 200) << r.body;
  Json resp = json(r);
  const auto& e = resp.find("entry")->as_array();
  EXPECT_EQ(e[0].find("response")->get_string("status"), "200 OK");
  EXPECT_EQ(e[0].find("resource")->find("generalPractitioner")->as_array()[0].get_string("reference"),
            "Practitioner/gp-order");
  EXPECT_EQ(call("GET", "/fhir/Patient/order-old").status, 410);
  auto unresolved = call("POST", "/fhir", R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Patient","generalPractitioner":[{"reference":"urn:uuid:aaaaaaaa-0000-0000-0000-000000000000"}]},
     "request":{"method":"POST","url":"Patient"}}]})");
  EXPECT_EQ(unresolved.status, 400);
}

TEST_F(FhirRest, BatchEntriesAreIndependent) {
  std::string batch = R"({"resourceType":"Bundle","type":"batch","entry":[
    {"resource":{"resourceType":"Patient","id":"batch-ok"},"request":{"method":"PUT","url":"Patient/batch-ok"}},
    {"resource":{"resourceType":"Patient","gender":"nope"},"request":{"method":"POST","url":"Patient"}},
    {"request":{"method":"GET","url":"Patient/batch-missing"}}]})";
  auto r = call("POST", "/fhir", batch);
  ASSERT_EQ(r.status, 200) << r.body;
  Json resp = json(r);
  const auto& e = resp.find("entry")->as_array();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].find("response")->get_string("status"), "201 Created");
  EXPECT_EQ(e[1].find("response")->get_string("status").substr(0, 3), "400");
  EXPECT_EQ(e[2].find("response")->get_string("status").substr(0, 3), "404");
  EXPECT_EQ(call("GET", "/fhir/Patient/batch-ok").status, 200);
  EXPECT_EQ(call("POST", "/fhir", R"({"resourceType":"Bundle","type":"collection"})").status, 400);
}

TEST_F(FhirRest, HistoryPagingAndSince) {
  auto tp =
      call("PUT", "/fhir/Location/hist-loc", R"({"resourceType":"Location","id":"hist-loc","name":"v1"})");
  ASSERT_EQ(tp.status, 201);
  for (int i = 2; i <= 5; ++i)
    call("PUT", "/fhir/Location/hist-loc",
         R"({"resourceType":"Location","id":"hist-loc","name":"v)" + std::to_string(i) + R"("})");
  auto page1 = json(call("GET", "/fhir/Location/hist-loc/_history?_count=2"));
  EXPECT_EQ(page1.find("total")->to_int64(), 5);
  const auto& entries = page1.find("entry")->as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].find("resource")->get_string("name"), "v5");  // newest first
  std::string next;
  for (const Json& l : page1.find("link")->as_array())
    if (l.get_string("relation") == "next") next = std::string(l.get_string("url"));
  ASSERT_FALSE(next.empty());
  auto page2 = json(call("GET", next.substr(next.find("/fhir"))));
  EXPECT_EQ(page2.find("entry")->as_array()[0].find("resource")->get_string("name"), "v3");
  auto type_level = json(call("GET", "/fhir/Location/_history"));
  EXPECT_GE(*type_level.find("total")->to_int64(), 5);
  auto future = json(call("GET", "/fhir/Location/hist-loc/_history?_since=2100-01-01T00:00:00Z"));
  EXPECT_EQ(future.find("total")->to_int64(), 0);
  EXPECT_EQ(call("GET", "/fhir/_history?_since=yesterday").status, 400);
  EXPECT_EQ(call("GET", "/fhir/Location/nothing-here/_history").status, 404);
}

}  // namespace
}  // namespace parcours
