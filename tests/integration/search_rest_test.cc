// Search over real HTTP (FHIR R4 §3.1.1): the real `parcours serve`, a real
// store. Type, system and compartment searches, POST _search, paging links,
// _total, _summary, _elements, _include / _revinclude, strict and lenient
// handling, explain, $everything, conditional create / update / delete and
// conditional references in transactions.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "base/text.h"
#include "fhir/json.h"
#include "support/http_client.h"
#include "support/server_process.h"

namespace parcours {
namespace {

using testing::HttpClient;
using testing::Response;

constexpr const char* kToken = "search-rest-admin-token-0123456789";

class SearchRest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    server_ = new testing::ServerProcess(dir_->path(), kToken);
    HttpClient c("127.0.0.1", server_->port());
    auto put = [&](const std::string& path, const std::string& body) {
      auto r = c.request(
          "PUT", "/fhir/" + path, body,
          {{"Authorization", std::string("Bearer ") + kToken}, {"Content-Type", "application/fhir+json"}});
      ASSERT_TRUE(r.status == 201 || r.status == 200) << path << ": " << r.body;
    };
    put("Practitioner/dr1",
        R"({"resourceType":"Practitioner","id":"dr1","name":[{"family":"Leroy","given":["Camille"]}]})");
    put("Patient/p1", R"({"resourceType":"Patient","id":"p1","name":[{"family":"Lefèvre","given":["Hélène"]}],
      "identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"244037511303128"}],
      "gender":"female","birthDate":"1944-03-12","generalPractitioner":[{"reference":"Practitioner/dr1"}],
      "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Mme Hélène Lefèvre, diabète de type 2</div>"}})");
    put("Patient/p2",
        R"({"resourceType":"Patient","id":"p2","name":[{"family":"Martin","given":["Jean"]}],"gender":"male"})");
    for (int i = 1; i <= 7; ++i) {
      std::string day = "2024-0" + std::to_string(i) + "-15";
      put("Observation/o" + std::to_string(i),
          R"({"resourceType":"Observation","id":"o)" + std::to_string(i) +
              R"(","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
              "subject":{"reference":"Patient/p1"},"performer":[{"reference":"Practitioner/dr1"}],
              "effectiveDateTime":")" +
              day + R"(","valueQuantity":{"value":)" + std::to_string(6 + i) +
              R"(,"system":"http://unitsofmeasure.org","code":"%"}})");
    }
    put("Observation/o8", R"({"resourceType":"Observation","id":"o8","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},"subject":{"reference":"Patient/p2"},
      "effectiveDateTime":"2024-02-01"})");
    // A LOINC fragment with a grouping code, and a ValueSet filtering it.
    put("CodeSystem/loinc-fragment",
        R"({"resourceType":"CodeSystem","id":"loinc-fragment","url":"http://loinc.org","status":"active",
      "content":"fragment","hierarchyMeaning":"is-a","concept":[{"code":"glycemia-panel","display":"Glycémie",
        "concept":[{"code":"4548-4","display":"Hémoglobine glyquée"},{"code":"2339-0","display":"Glucose"}]}]})");
    put("ValueSet/glyc", R"({"resourceType":"ValueSet","id":"glyc","url":"http://example.org/vs/glycemia",
      "status":"active","compose":{"include":[{"system":"http://loinc.org","filter":[
        {"property":"concept","op":"descendent-of","value":"glycemia-panel"}]}]}})");
    put("ValueSet/snomed", R"({"resourceType":"ValueSet","id":"snomed","url":"http://example.org/vs/snomed",
      "status":"active","compose":{"include":[{"system":"http://snomed.info/sct","filter":[
        {"property":"concept","op":"is-a","value":"235856003"}]}]}})");
    put("CareTeam/ct1",
        R"({"resourceType":"CareTeam","id":"ct1","status":"active","subject":{"reference":"Patient/p1"},
      "participant":[{"member":{"reference":"Practitioner/dr1"}}]})");
    put("Provenance/pv1",
        R"({"resourceType":"Provenance","id":"pv1","target":[{"reference":"Observation/o1"}],
      "recorded":"2024-01-15T10:00:00Z","agent":[{"who":{"reference":"Practitioner/dr1"}}]})");
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(server_->stop(), 0) << server_->output();
    delete server_;
    delete dir_;
  }
  void SetUp() override { client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port()); }

  Response call(const std::string& method, const std::string& target, const std::string& body = "",
                std::vector<std::pair<std::string, std::string>> headers = {}) {
    headers.emplace_back("Authorization", std::string("Bearer ") + kToken);
    if (!body.empty() &&
        std::none_of(headers.begin(), headers.end(), [](auto& h) { return h.first == "Content-Type"; }))
      headers.emplace_back("Content-Type", "application/fhir+json");
    return client_->request(method, target, body, headers);
  }
  static Json json(const Response& r) {
    auto j = parse_json(r.body);
    EXPECT_TRUE(j.ok()) << r.body;
    return j.ok() ? *j : Json();
  }
  // (id, search.mode) of each entry.
  static std::vector<std::pair<std::string, std::string>> entries(const Json& b) {
    std::vector<std::pair<std::string, std::string>> out;
    if (const Json* e = b.find("entry"))
      for (const Json& x : e->as_array()) {
        const Json* res = x.find("resource");
        std::string id = res ? std::string(res->get_string("id")) : "";
        if (res && res->get_string("resourceType") == "OperationOutcome") id = "outcome";
        out.emplace_back(id, std::string(x.find("search") ? x.find("search")->get_string("mode") : ""));
      }
    return out;
  }
  static std::vector<std::string> match_ids(const Json& b) {
    std::vector<std::string> out;
    for (auto& [id, mode] : entries(b))
      if (mode == "match") out.push_back(id);
    return out;
  }
  static std::string link(const Json& b, std::string_view rel) {
    for (const Json& l : b.find("link")->as_array())
      if (l.get_string("relation") == rel) return std::string(l.get_string("url"));
    return "";
  }
  static std::string path_of(const std::string& url) { return url.substr(url.find("/fhir")); }

  static testing::TempDir* dir_;
  static testing::ServerProcess* server_;
  std::unique_ptr<HttpClient> client_;
};

testing::TempDir* SearchRest::dir_ = nullptr;
testing::ServerProcess* SearchRest::server_ = nullptr;

TEST_F(SearchRest, TypeSearchReturnsASearchset) {
  auto r = call("GET", "/fhir/Patient?family=lefevre");
  ASSERT_EQ(r.status, 200) << r.body;
  Json b = json(r);
  EXPECT_EQ(b.get_string("resourceType"), "Bundle");
  EXPECT_EQ(b.get_string("type"), "searchset");
  EXPECT_EQ(b.find("total")->to_int64(), 1);
  ASSERT_EQ(match_ids(b), std::vector<std::string>{"p1"});
  const Json& e = b.find("entry")->as_array()[0];
  EXPECT_NE(e.get_string("fullUrl").find("/fhir/Patient/p1"), std::string::npos);
  EXPECT_NE(link(b, "self").find("/fhir/Patient?family=lefevre"), std::string::npos);
}

TEST_F(SearchRest, PostSearchTakesAForm) {
  auto r = call("POST", "/fhir/Observation/_search", "code=4548-4&date=ge2024-06-01",
                {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(match_ids(json(r)), (std::vector<std::string>{"o6", "o7"}));
}

TEST_F(SearchRest, PagingFollowsNextAndPreviousLinks) {
  std::vector<std::string> seen;
  Json b = json(call("GET", "/fhir/Observation?code=4548-4&_sort=-date&_count=3"));
  EXPECT_EQ(b.find("total")->to_int64(), 7);
  std::string first_page = link(b, "self");
  for (auto& id : match_ids(b)) seen.push_back(id);
  std::string next = link(b, "next");
  ASSERT_FALSE(next.empty());
  // A write between pages does not shift the next page (keyset cursor).
  call("PUT", "/fhir/Observation/o0", R"({"resourceType":"Observation","id":"o0","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},"effectiveDateTime":"2024-12-31"})");
  Json b2 = json(call("GET", path_of(next)));
  for (auto& id : match_ids(b2)) seen.push_back(id);
  std::string prev = link(b2, "previous");
  ASSERT_FALSE(prev.empty());
  EXPECT_EQ(match_ids(json(call("GET", path_of(prev)))), (std::vector<std::string>{"o7", "o6", "o5"}));
  Json b3 = json(call("GET", path_of(link(b2, "next"))));
  for (auto& id : match_ids(b3)) seen.push_back(id);
  EXPECT_TRUE(link(b3, "next").empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"o7", "o6", "o5", "o4", "o3", "o2", "o1"}));
  call("DELETE", "/fhir/Observation/o0");
}

TEST_F(SearchRest, SystemAndCompartmentSearches) {
  Json sys = json(call("GET", "/fhir?_type=Patient,Practitioner&_id=p2,dr1"));
  auto ids = match_ids(sys);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::string>{"dr1", "p2"}));
  Json comp = json(call("GET", "/fhir/Patient/p2/Observation"));
  EXPECT_EQ(match_ids(comp), std::vector<std::string>{"o8"});
  Json all = json(call("GET", "/fhir/Patient/p1/*?_count=100"));
  std::set<std::string> got;
  for (auto& id : match_ids(all)) got.insert(id);
  EXPECT_TRUE(got.count("p1") && got.count("o1") && got.count("ct1")) << all.dump();
  EXPECT_FALSE(got.count("o8"));
}

TEST_F(SearchRest, IncludesAreMarked) {
  Json b = json(
      call("GET", "/fhir/Observation?_id=o1&_include=Observation:subject&_revinclude=Provenance:target"));
  auto e = entries(b);
  ASSERT_EQ(e.size(), 3u) << b.dump();
  EXPECT_EQ(e[0], (std::pair<std::string, std::string>{"o1", "match"}));
  std::set<std::pair<std::string, std::string>> rest(e.begin() + 1, e.end());
  EXPECT_TRUE(rest.count({"p1", "include"}));
  EXPECT_TRUE(rest.count({"pv1", "include"}));
  // :iterate follows the included resources' references too.
  Json it = json(call(
      "GET",
      "/fhir/Observation?_id=o1&_include=Observation:subject&_include:iterate=Patient:general-practitioner"));
  std::set<std::string> ids;
  for (auto& [id, mode] : entries(it)) ids.insert(id);
  EXPECT_TRUE(ids.count("dr1"));
  Json ct = json(call("GET", "/fhir/Patient?_id=p1&_revinclude=CareTeam:subject"));
  EXPECT_EQ(entries(ct).size(), 2u);
}

TEST_F(SearchRest, SummaryElementsAndTotals) {
  Json count = json(call("GET", "/fhir/Observation?code=4548-4&_summary=count"));
  EXPECT_EQ(count.find("total")->to_int64(), 7);
  EXPECT_EQ(count.find("entry"), nullptr);
  Json el = json(call("GET", "/fhir/Patient?_id=p1&_elements=gender"));
  const Json& res = *el.find("entry")->as_array()[0].find("resource");
  EXPECT_EQ(res.get_string("gender"), "female");
  EXPECT_EQ(res.find("name"), nullptr);
  Json none = json(call("GET", "/fhir/Observation?code=4548-4&_total=none"));
  EXPECT_EQ(none.find("total"), nullptr);
  Json text = json(call("GET", "/fhir/Patient?_text=diabete"));
  EXPECT_EQ(match_ids(text), std::vector<std::string>{"p1"});
  Json content = json(call("GET", "/fhir/Patient?_content=camille"));  // the GP display is not there
  EXPECT_EQ(match_ids(content), std::vector<std::string>{});
  // Nor are the store's stamps: p1 was written over HTTP, so its rows were
  // computed once stamped, unlike a bulk load's ("2026-11-26T14:05:..." gives
  // the word "26t14").
  Json p1 = json(call("GET", "/fhir/Patient/p1"));
  std::string stamp(p1.find("meta")->get_string("lastUpdated"));
  ASSERT_GE(stamp.size(), 13u);
  Json by_stamp = json(call("GET", "/fhir/Patient?_id=p1&_content=" + stamp.substr(8, 5)));
  EXPECT_EQ(match_ids(by_stamp), std::vector<std::string>{}) << stamp;
}

// _text reads the narrative, _content every text value: each word must be
// there (in any order: no phrases), a trailing * makes a prefix, a comma an
// alternative.
TEST_F(SearchRest, FullTextWordsPrefixesAndColumns) {
  auto ids = [&](const std::string& query) { return match_ids(json(call("GET", "/fhir/Patient?" + query))); };
  const std::vector<std::string> p1{"p1"}, none{};
  EXPECT_EQ(ids("_text=diabete%20type"), p1);
  EXPECT_EQ(ids("_text=type%20diab%C3%A8te"), p1);  // order does not matter, accents fold
  EXPECT_EQ(ids("_text=hel*%20diab*"), p1);
  EXPECT_EQ(ids("_text=diabete%20insipide"), none);  // every word
  EXPECT_EQ(ids("_text=insipide,lefevre"), p1);
  EXPECT_EQ(ids("_content=female"), p1);            // gender: in the content...
  EXPECT_EQ(ids("_text=female"), none);             // ...not in the narrative
  EXPECT_EQ(ids("_content=diabete%20helene"), p1);  // _content also reads the narrative
}

TEST_F(SearchRest, UnknownParametersLenientOrStrict) {
  auto lenient = call("GET", "/fhir/Patient?family=martin&nonsense=1");
  ASSERT_EQ(lenient.status, 200);
  Json b = json(lenient);
  EXPECT_EQ(match_ids(b), std::vector<std::string>{"p2"});
  auto e = entries(b);
  EXPECT_TRUE(std::count(e.begin(), e.end(), std::pair<std::string, std::string>{"outcome", "outcome"}));
  EXPECT_EQ(link(b, "self").find("nonsense"), std::string::npos);  // only what was applied
  auto strict = call("GET", "/fhir/Patient?family=martin&nonsense=1", "", {{"Prefer", "handling=strict"}});
  EXPECT_EQ(strict.status, 400);
  EXPECT_NE(strict.body.find("nonsense"), std::string::npos);
  auto bad_date = call("GET", "/fhir/Patient?birthdate=yesterday", "", {{"Prefer", "handling=strict"}});
  EXPECT_EQ(bad_date.status, 400);
}

TEST_F(SearchRest, FilterByGetAndPostSearch) {
  const std::string filter = "_filter=" + parcours::percent_encode(
                                              "code eq http://loinc.org|4548-4 and (date ge 2024-06-01 or "
                                              "not (subject re Patient/p1))");
  Json get = json(call("GET", "/fhir/Observation?" + filter + "&_sort=date"));
  EXPECT_EQ(match_ids(get), (std::vector<std::string>{"o6", "o7"}));
  EXPECT_NE(link(get, "self").find("_filter="), std::string::npos);
  auto post = call("POST", "/fhir/Observation/_search", filter + "&_sort=date",
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(post.status, 200) << post.body;
  EXPECT_EQ(match_ids(json(post)), (std::vector<std::string>{"o6", "o7"}));
  // With another parameter (ANDed) and subsumption inside the filter.
  Json sb = json(call("GET", "/fhir/Observation?subject=Patient/p2&_filter=" +
                                 parcours::percent_encode("code sb http://loinc.org|glycemia-panel")));
  EXPECT_EQ(match_ids(sb), std::vector<std::string>{"o8"});
  // A bad operator: 400 in strict mode, naming operator, parameter and position.
  auto strict = call("GET", "/fhir/Patient?_filter=" + parcours::percent_encode("gender co male"), "",
                     {{"Prefer", "handling=strict"}});
  EXPECT_EQ(strict.status, 400);
  EXPECT_NE(strict.body.find("position 8"), std::string::npos) << strict.body;
  EXPECT_NE(strict.body.find("'co'"), std::string::npos) << strict.body;
  EXPECT_NE(strict.body.find("gender"), std::string::npos) << strict.body;
  // Lenient: ignored, reported, left out of the self link.
  Json lenient =
      json(call("GET", "/fhir/Patient?family=martin&_filter=" + parcours::percent_encode("gender co male")));
  EXPECT_EQ(match_ids(lenient), std::vector<std::string>{"p2"});
  EXPECT_EQ(link(lenient, "self").find("_filter"), std::string::npos);
  EXPECT_NE(lenient.dump().find("position 8"), std::string::npos);
}

TEST_F(SearchRest, TokenSubsumptionAndFilteredValueSets) {
  auto ids = [&](const std::string& q, std::vector<std::pair<std::string, std::string>> h = {}) {
    auto r = call("GET", "/fhir/Observation?" + q + "&_count=100", "", std::move(h));
    EXPECT_EQ(r.status, 200) << r.body;
    auto v = match_ids(json(r));
    std::sort(v.begin(), v.end());
    return v;
  };
  const std::vector<std::string> all{"o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8"};
  EXPECT_EQ(ids("code:below=http://loinc.org|glycemia-panel"), all);
  EXPECT_EQ(ids("code:above=http://loinc.org|2339-0"), std::vector<std::string>{"o8"});
  EXPECT_EQ(ids("code:in=http://example.org/vs/glycemia"), all);
  auto no_system =
      call("GET", "/fhir/Observation?code:below=glycemia-panel", "", {{"Prefer", "handling=strict"}});
  EXPECT_EQ(no_system.status, 400);
  EXPECT_NE(no_system.body.find("needs system|code"), std::string::npos);
  // A filter over a CodeSystem not stored here cannot be expanded.
  auto snomed = call("GET", "/fhir/Observation?code:in=http://example.org/vs/snomed", "",
                     {{"Prefer", "handling=strict"}});
  EXPECT_EQ(snomed.status, 400);
  EXPECT_NE(snomed.body.find("http://snomed.info/sct"), std::string::npos) << snomed.body;
  Json lenient = json(call("GET", "/fhir/Observation?code:in=http://example.org/vs/snomed&_id=o8"));
  EXPECT_EQ(match_ids(lenient), std::vector<std::string>{"o8"});
  EXPECT_NE(lenient.dump().find("cannot be expanded"), std::string::npos);
}

TEST_F(SearchRest, ValueSetExpand) {
  auto codes = [](const Json& vs) {
    std::vector<std::string> out;
    const Json* exp = vs.find("expansion");
    if (exp && exp->find("contains"))
      for (const Json& c : exp->find("contains")->as_array()) out.emplace_back(c.get_string("code"));
    return out;
  };
  auto type_level =
      call("GET", "/fhir/ValueSet/$expand?url=" + parcours::percent_encode("http://example.org/vs/glycemia"));
  ASSERT_EQ(type_level.status, 200) << type_level.body;
  Json vs = json(type_level);
  EXPECT_EQ(vs.get_string("resourceType"), "ValueSet");
  EXPECT_EQ(codes(vs), (std::vector<std::string>{"2339-0", "4548-4"}));
  EXPECT_EQ(vs.find("expansion")->find("total")->to_int64(), 2);
  EXPECT_FALSE(vs.find("expansion")->get_string("timestamp").empty());
  EXPECT_EQ(vs.find("expansion")->find("contains")->as_array()[0].get_string("display"), "Glucose");
  Json instance = json(call("GET", "/fhir/ValueSet/glyc/$expand?filter=glyquee"));
  EXPECT_EQ(codes(instance), std::vector<std::string>{"4548-4"});
  EXPECT_EQ(instance.find("expansion")->find("total")->to_int64(), 1);
  auto post = call(
      "POST", "/fhir/ValueSet/$expand",
      R"({"resourceType":"Parameters","parameter":[{"name":"url","valueUri":"http://example.org/vs/glycemia"},
                     {"name":"count","valueInteger":1}]})");
  ASSERT_EQ(post.status, 200) << post.body;
  Json p = json(post);
  EXPECT_EQ(codes(p), std::vector<std::string>{"2339-0"});
  EXPECT_EQ(p.find("expansion")->find("total")->to_int64(), 2);
  auto inline_vs = call("POST", "/fhir/ValueSet/$expand",
                        R"({"resourceType":"Parameters","parameter":[{"name":"valueSet","resource":
                          {"resourceType":"ValueSet","status":"active","compose":{"include":[
                            {"system":"http://loinc.org","filter":[{"property":"concept","op":"generalizes","value":"2339-0"}]}]}}}]})");
  ASSERT_EQ(inline_vs.status, 200) << inline_vs.body;
  EXPECT_EQ(codes(json(inline_vs)), (std::vector<std::string>{"2339-0", "glycemia-panel"}));
  EXPECT_EQ(call("GET", "/fhir/ValueSet/$expand?url=http://example.org/vs/none").status, 404);
  EXPECT_EQ(call("GET", "/fhir/ValueSet/nope/$expand").status, 404);
  EXPECT_EQ(call("GET", "/fhir/ValueSet/$expand").status, 400);
  EXPECT_EQ(call("GET", "/fhir/ValueSet/$expand?url=x&colour=red").status, 400);
  auto snomed = call("GET", "/fhir/ValueSet/snomed/$expand");
  EXPECT_EQ(snomed.status, 400);
  EXPECT_NE(snomed.body.find("not stored on this server"), std::string::npos);
}

// A prescription whose drug is contained (R4 §3.1.1.5.9): a chain looks
// inside it, a Medication search does not list it, _contained does, and
// _containedType=contained gives it its own full URL.
TEST_F(SearchRest, ContainedResources) {
  auto put = call("PUT", "/fhir/MedicationRequest/mr1", R"({"resourceType":"MedicationRequest","id":"mr1",
    "status":"active","intent":"order","subject":{"reference":"Patient/p1"},
    "contained":[{"resourceType":"Medication","id":"med","code":{"coding":[
      {"system":"http://data.esante.gouv.fr/ansm/medicament/UCD","code":"9000001","display":"METFORMINE 1000MG CPR"}]}}],
    "medicationReference":{"reference":"#med"}})");
  ASSERT_TRUE(put.status == 201 || put.status == 200) << put.body;
  auto chain = call("GET", "/fhir/MedicationRequest?medication.code=9000001");
  ASSERT_EQ(chain.status, 200) << chain.body;
  EXPECT_EQ(match_ids(json(chain)), std::vector<std::string>{"mr1"});
  auto plain = call("GET", "/fhir/Medication?code=9000001");
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_TRUE(match_ids(json(plain)).empty());
  auto containers = call("GET", "/fhir/Medication?code=9000001&_contained=true");
  ASSERT_EQ(containers.status, 200) << containers.body;
  EXPECT_EQ(match_ids(json(containers)), std::vector<std::string>{"mr1"});
  auto alone = call("GET", "/fhir/Medication?code=9000001&_contained=true&_containedType=contained");
  ASSERT_EQ(alone.status, 200) << alone.body;
  Json b = json(alone);
  ASSERT_EQ(match_ids(b), std::vector<std::string>{"med"});
  const Json& e = b.find("entry")->as_array()[0];
  EXPECT_TRUE(std::string(e.get_string("fullUrl")).ends_with("/fhir/MedicationRequest/mr1#med"))
      << e.get_string("fullUrl");
  EXPECT_EQ(e.find("resource")->get_string("resourceType"), "Medication");
  EXPECT_NE(link(b, "self").find("_containedType=contained"), std::string::npos);
  auto bad = call("GET", "/fhir/Medication?_contained=sometimes", "", {{"Prefer", "handling=strict"}});
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_NE(bad.body.find("_contained"), std::string::npos);
}

TEST_F(SearchRest, ExplainShowsThePlan) {
  auto r = call("GET", "/fhir/Observation?subject=Patient/p1&code=4548-4&_sort=-date&_count=2", "",
                {{"X-Parcours-Explain", "1"}});
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("strategy:"), std::string::npos);
  EXPECT_NE(r.body.find("SQL: SELECT"), std::string::npos);
}

TEST_F(SearchRest, Everything) {
  Json b = json(call("GET", "/fhir/Patient/p1/$everything?_count=4"));
  std::set<std::string> ids;
  for (auto& [id, mode] : entries(b)) ids.insert(id);
  EXPECT_TRUE(ids.count("p1"));
  EXPECT_TRUE(ids.count("dr1"));  // referenced: included
  std::string next = link(b, "next");
  ASSERT_FALSE(next.empty());
  std::set<std::string> all = ids;
  while (!next.empty()) {
    Json page = json(call("GET", path_of(next)));
    for (auto& [id, mode] : entries(page)) all.insert(id);
    next = link(page, "next");
  }
  for (const char* id : {"p1", "o1", "o7", "ct1", "dr1"}) EXPECT_TRUE(all.count(id)) << id;
  EXPECT_FALSE(all.count("o8"));
  Json only_obs = json(call("GET", "/fhir/Patient/p1/$everything?_type=Observation&_count=100"));
  EXPECT_EQ(match_ids(only_obs).size(), 7u);
  EXPECT_EQ(call("GET", "/fhir/Patient/nobody/$everything").status, 404);
}

TEST_F(SearchRest, LastnOverHttp) {
  // The last two HbA1c of p1 and the last glucose of p2, in one request.
  auto r = call("GET", "/fhir/Observation/$lastn?patient=p1,p2&code=4548-4,2339-0&max=2");
  ASSERT_EQ(r.status, 200) << r.body;
  Json b = json(r);
  EXPECT_EQ(b.get_string("type"), "searchset");
  EXPECT_EQ(match_ids(b), (std::vector<std::string>{"o7", "o6", "o8"}));
  EXPECT_NE(link(b, "self").find("/fhir/Observation/$lastn?patient=p1,p2"), std::string::npos)
      << link(b, "self");
  EXPECT_TRUE(link(b, "next").empty());
  auto post = call("POST", "/fhir/Observation/$lastn", "patient=p1&code=4548-4",
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(post.status, 200) << post.body;
  EXPECT_EQ(match_ids(json(post)), std::vector<std::string>{"o7"});
  // What is missing is named, as an OperationOutcome.
  auto bad = call("GET", "/fhir/Observation/$lastn?code=4548-4");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json(bad).get_string("resourceType"), "OperationOutcome");
  EXPECT_NE(bad.body.find("patient"), std::string::npos) << bad.body;
  EXPECT_EQ(call("GET", "/fhir/Observation/$lastn?patient=p1&code=4548-4&max=-1").status, 400);
  EXPECT_EQ(call("DELETE", "/fhir/Observation/$lastn").status, 405);
  // In a patient's compartment, the subject is that patient.
  auto mine = call("GET", "/fhir/Patient/p1/Observation/$lastn?code=4548-4,2339-0&max=2");
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(match_ids(json(mine)), (std::vector<std::string>{"o7", "o6"}));
  EXPECT_NE(link(json(mine), "self").find("/fhir/Patient/p1/Observation/$lastn?"), std::string::npos);
  EXPECT_EQ(match_ids(json(call("GET", "/fhir/Patient/p2/Observation/$lastn?code=4548-4"))).size(), 0u);
  // Announced in the CapabilityStatement.
  EXPECT_NE(call("GET", "/fhir/metadata").body.find("OperationDefinition/Observation-lastn"),
            std::string::npos);
}

TEST_F(SearchRest, ConditionalCreateUpdateDelete) {
  const std::string body =
      R"({"resourceType":"Patient","identifier":[{"system":"urn:test","value":"c-1"}],"name":[{"family":"Cond"}]})";
  auto c1 = call("POST", "/fhir/Patient", body, {{"If-None-Exist", "identifier=urn:test|c-1"}});
  EXPECT_EQ(c1.status, 201) << c1.body;
  auto c2 = call("POST", "/fhir/Patient", body, {{"If-None-Exist", "identifier=urn:test|c-1"}});
  EXPECT_EQ(c2.status, 200) << c2.body;
  EXPECT_EQ(json(c1).get_string("id"), json(c2).get_string("id"));
  // Two matches: 412.
  call("PUT", "/fhir/Patient/twin1", R"({"resourceType":"Patient","id":"twin1","name":[{"family":"Twin"}]})");
  call("PUT", "/fhir/Patient/twin2", R"({"resourceType":"Patient","id":"twin2","name":[{"family":"Twin"}]})");
  EXPECT_EQ(call("POST", "/fhir/Patient", body, {{"If-None-Exist", "family=twin"}}).status, 412);
  EXPECT_EQ(
      call("PUT", "/fhir/Patient?family=twin", R"({"resourceType":"Patient","name":[{"family":"Twin"}]})")
          .status,
      412);
  // Conditional update: one match updates it, none creates.
  auto u1 = call(
      "PUT", "/fhir/Patient?identifier=urn:test|c-1",
      R"({"resourceType":"Patient","identifier":[{"system":"urn:test","value":"c-1"}],"gender":"other"})");
  EXPECT_EQ(u1.status, 200) << u1.body;
  EXPECT_EQ(json(u1).get_string("id"), json(c1).get_string("id"));
  auto u2 = call("PUT", "/fhir/Patient?identifier=urn:test|c-2",
                 R"({"resourceType":"Patient","identifier":[{"system":"urn:test","value":"c-2"}]})");
  EXPECT_EQ(u2.status, 201) << u2.body;
  // Conditional delete of several.
  auto d = call("DELETE", "/fhir/Patient?family=twin");
  EXPECT_EQ(d.status, 200);
  EXPECT_EQ(call("GET", "/fhir/Patient/twin1").status, 410);
  EXPECT_EQ(call("GET", "/fhir/Patient/twin2").status, 410);
}

TEST_F(SearchRest, TransactionsResolveConditionsWithSearch) {
  std::string tx = R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:11111111-1111-1111-1111-111111111111",
     "resource":{"resourceType":"Patient","identifier":[{"system":"urn:test","value":"tx-1"}],"name":[{"family":"Tx"}]},
     "request":{"method":"POST","url":"Patient","ifNoneExist":"identifier=urn:test|tx-1"}},
    {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"code":"x"}]},
                 "subject":{"reference":"urn:uuid:11111111-1111-1111-1111-111111111111"},
                 "performer":[{"reference":"Practitioner?family=leroy&given=camille"}]},
     "request":{"method":"POST","url":"Observation"}},
    {"request":{"method":"GET","url":"Patient?family=martin"}}]})";
  auto r = call("POST", "/fhir", tx);
  ASSERT_EQ(r.status, 200) << r.body;
  Json resp = json(r);
  const auto& e = resp.find("entry")->as_array();
  EXPECT_EQ(e[0].find("response")->get_string("status"), "201 Created");
  const Json* obs = e[1].find("resource");
  ASSERT_NE(obs, nullptr);
  EXPECT_EQ(obs->find("performer")->as_array()[0].get_string("reference"), "Practitioner/dr1");
  std::string patient_ref(obs->find("subject")->get_string("reference"));
  EXPECT_EQ(patient_ref.substr(0, 8), "Patient/");
  EXPECT_EQ(e[2].find("resource")->get_string("type"), "searchset");
  // Again: the conditional create matches, nothing new, same patient.
  auto again = json(call("POST", "/fhir", tx));
  const auto& e2 = again.find("entry")->as_array();
  EXPECT_EQ(e2[0].find("response")->get_string("status"), "200 OK");
  EXPECT_EQ(e2[1].find("resource")->find("subject")->get_string("reference"), patient_ref);
  // An ambiguous conditional reference: 412, nothing written.
  call("PUT", "/fhir/Practitioner/dr-twin",
       R"({"resourceType":"Practitioner","id":"dr-twin","name":[{"family":"Leroy"}]})");
  auto amb = call("POST", "/fhir", R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},"performer":[{"reference":"Practitioner?family=leroy"}]},
     "request":{"method":"POST","url":"Observation"}}]})");
  EXPECT_EQ(amb.status, 412) << amb.body;
}

// Reference :below over HTTP (R4 §3.1.1.4.14): the encounters of a legal
// entity's sites; a parameter that has no hierarchy is a 400 naming it in
// strict mode, and in lenient mode is left out and reported.
TEST_F(SearchRest, ReferenceBelowWalksAHierarchy) {
  ASSERT_EQ(
      call("PUT", "/fhir/Organization/h-ej",
           R"({"resourceType":"Organization","id":"h-ej","name":"Centre hospitalier, entite juridique"})")
          .status,
      201);
  ASSERT_EQ(call("PUT", "/fhir/Organization/h-et1",
                 R"({"resourceType":"Organization","id":"h-et1","name":"Site de Roubaix",
                     "partOf":{"reference":"Organization/h-ej"}})")
                .status,
            201);
  ASSERT_EQ(call("PUT", "/fhir/Encounter/h-e1",
                 R"({"resourceType":"Encounter","id":"h-e1","status":"finished","class":{"code":"AMB"},
                     "serviceProvider":{"reference":"Organization/h-et1"}})")
                .status,
            201);
  auto r = call("GET", "/fhir/Encounter?service-provider:below=Organization/h-ej");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(match_ids(json(r)), std::vector<std::string>{"h-e1"});
  EXPECT_TRUE(match_ids(json(call("GET", "/fhir/Encounter?service-provider=Organization/h-ej"))).empty());

  auto strict = call("GET", "/fhir/Encounter?subject:below=Patient/p1", "", {{"Prefer", "handling=strict"}});
  EXPECT_EQ(strict.status, 400) << strict.body;
  Json oo = json(strict);
  EXPECT_EQ(oo.get_string("resourceType"), "OperationOutcome");
  EXPECT_NE(strict.body.find("subject:below"), std::string::npos) << strict.body;
  auto lenient = call("GET", "/fhir/Encounter?subject:below=Patient/p1&_id=h-e1");
  ASSERT_EQ(lenient.status, 200) << lenient.body;
  Json b = json(lenient);
  EXPECT_EQ(match_ids(b), std::vector<std::string>{"h-e1"});
  EXPECT_EQ(link(b, "self").find("subject"), std::string::npos);  // only what was applied
}

}  // namespace
}  // namespace parcours

namespace parcours {
namespace {

TEST(SearchCli, ReindexRebuildsEveryResource) {
  testing::TempDir ndjson, data;
  auto gen = testing::run_parcours({"generate", "--patients", "5", "--out", ndjson.path()});
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  auto imp = testing::run_parcours({"import", "--data", data.path(), ndjson.path()});
  ASSERT_EQ(imp.exit_code, 0) << imp.output;
  auto re = testing::run_parcours({"reindex", "--data", data.path(), "--batch", "7"});
  ASSERT_EQ(re.exit_code, 0) << re.output;
  EXPECT_NE(re.output.find("reindexed"), std::string::npos) << re.output;
}

}  // namespace
}  // namespace parcours
