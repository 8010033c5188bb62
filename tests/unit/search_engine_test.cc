// The search engine on a real store, with hand-checked expectations: every
// parameter type, prefix and modifier, the special parameters, chains,
// _has, includes, sorting and paging (FHIR R4 §3.1.1).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>

#include "base/text.h"
#include "search/lastn.h"
#include "search/registry.h"
#include "search/terminology.h"
#include "search/text.h"
#include "search/values.h"
#include "unit/search_support.h"

namespace parcours {
namespace {

using testing::SearchStore;
using Ids = std::vector<std::string>;

Ids sorted(Ids v) {
  std::sort(v.begin(), v.end());
  return v;
}

// --- values -----------------------------------------------------------------------

TEST(SearchValues, FoldsCaseAndAccents) {
  EXPECT_EQ(search::fold("Hélène LEFÈVRE"), "helene lefevre");
  EXPECT_EQ(search::fold("  Œuvre   Straße  "), "oeuvre strasse");
  EXPECT_EQ(search::fold("Çà et là, ŁÓDŹ"), "ca et la, lodz");
  EXPECT_EQ(search::fold("Villeneuve-d’Ascq"), "villeneuve-d'ascq");
}

TEST(SearchValues, DateRangesFollowPrecision) {
  auto y = search::date_range("2024");
  ASSERT_TRUE(y);
  EXPECT_EQ(y->low, 1704067200000000LL);       // 2024-01-01T00:00:00Z
  EXPECT_EQ(y->high, 1735689600000000LL - 1);  // 2024-12-31T23:59:59.999999Z
  auto m = search::date_range("2024-02");
  EXPECT_EQ(m->high - m->low + 1, 29LL * 86400 * 1000000);  // leap February
  auto d = search::date_range("2024-03-15");
  EXPECT_EQ(d->high - d->low + 1, 86400LL * 1000000);
  auto t = search::date_range("2024-03-15T10:30:00+02:00");
  EXPECT_EQ(t->low, search::date_range("2024-03-15T08:30:00Z")->low);
  EXPECT_EQ(t->high - t->low + 1, 1000000);
  auto ms = search::date_range("2024-03-15T08:30:00.120Z");
  EXPECT_EQ(ms->high - ms->low + 1, 1000);
  EXPECT_FALSE(search::date_range("2024-13"));
  EXPECT_FALSE(search::date_range("2023-02-29"));
  EXPECT_FALSE(search::date_range("2024-01-01T25:00"));
}

TEST(SearchValues, DecimalRangesFollowPrecision) {
  auto r = search::decimal_range("100");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->low, 99.5);
  EXPECT_EQ(r->high, 100.5);
  r = search::decimal_range("1.50");
  EXPECT_DOUBLE_EQ(r->low, 1.495);
  EXPECT_DOUBLE_EQ(r->high, 1.505);
  r = search::decimal_range("1e2");
  EXPECT_EQ(r->low, 50);
  EXPECT_EQ(r->high, 150);
  r = search::decimal_range("-2.5");
  EXPECT_DOUBLE_EQ(r->low, -2.55);
  EXPECT_DOUBLE_EQ(r->high, -2.45);
  r = search::decimal_range("0");
  EXPECT_DOUBLE_EQ(r->low, -0.5);
  EXPECT_FALSE(search::decimal_range("1.2.3"));
}

TEST(SearchValues, UcumCanonicalUnits) {
  auto mg = search::canonical_unit(search::kUcum, "mg");
  auto g = search::canonical_unit(search::kUcum, "g");
  EXPECT_EQ(mg.code, g.code);
  EXPECT_DOUBLE_EQ(mg.factor, 1e-3);
  auto mgdl = search::canonical_unit(search::kUcum, "mg/dL");
  auto gl = search::canonical_unit(search::kUcum, "g/L");
  EXPECT_EQ(mgdl.code, gl.code);
  EXPECT_DOUBLE_EQ(mgdl.factor / gl.factor, 0.01);
  auto other = search::canonical_unit("http://example.org/units", "pill");
  EXPECT_EQ(other.code, "http://example.org/units|pill");
  EXPECT_FALSE(other.ucum);
}

// --- searches -----------------------------------------------------------------------

class Search : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new SearchStore();
    auto& s = *db_;
    s.put(R"({"resourceType":"Patient","id":"p1","active":true,"gender":"female","birthDate":"1944-03-12",
      "identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"244037511303128",
        "type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"NI"}],"text":"INS"}}],
      "name":[{"family":"Lefèvre","given":["Hélène","Marie"]}],
      "telecom":[{"system":"phone","value":"+33320000001"},{"system":"email","value":"helene@example.fr"}],
      "address":[{"line":["12 rue des Arts"],"city":"Lille","postalCode":"59000","country":"FR"}],
      "generalPractitioner":[{"reference":"Practitioner/dr1"}]})");
    s.put(R"({"resourceType":"Patient","id":"p2","active":false,"gender":"male","birthDate":"1950",
      "name":[{"family":"Martin","given":["Jean"]}],
      "address":[{"city":"Roubaix","postalCode":"59100"}],
      "generalPractitioner":[{"reference":"Practitioner/dr2"}]})");
    s.put(R"({"resourceType":"Patient","id":"p3","gender":"female","birthDate":"1944-03",
      "name":[{"family":"MARTINEZ","given":["Lucía"]}],"deceasedDateTime":"2020-05-01"})");
    s.put(R"({"resourceType":"Practitioner","id":"dr1","name":[{"family":"Leroy","given":["Camille"]}],
      "identifier":[{"system":"urn:oid:1.2.250.1.71.4.2.1","value":"10000000001"}]})");
    s.put(R"({"resourceType":"Practitioner","id":"dr2","name":[{"family":"Petit","given":["Paul"]}]})");
    s.put(R"({"resourceType":"Observation","id":"o1","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"4548-4","display":"Hemoglobin A1c"}],"text":"HbA1c"},
      "subject":{"reference":"Patient/p1"},"effectiveDateTime":"2024-03-15T10:30:00+01:00",
      "valueQuantity":{"value":7.2,"unit":"%","system":"http://unitsofmeasure.org","code":"%"}})");
    s.put(R"({"resourceType":"Observation","id":"o2","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
      "subject":{"reference":"Patient/p1"},"effectiveDateTime":"2024-06-20",
      "valueQuantity":{"value":6.8,"unit":"%","system":"http://unitsofmeasure.org","code":"%"}})");
    s.put(R"({"resourceType":"Observation","id":"o3","status":"preliminary",
      "code":{"coding":[{"system":"http://loinc.org","code":"2339-0","display":"Glucose"}]},
      "subject":{"reference":"Patient/p2"},"effectivePeriod":{"start":"2024-01-01","end":"2024-01-31"},
      "valueQuantity":{"value":1.1,"unit":"g/L","system":"http://unitsofmeasure.org","code":"g/L"}})");
    s.put(R"({"resourceType":"Observation","id":"o4","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"2339-0"},{"system":"urn:local","code":"GLU"}]},
      "subject":{"reference":"Patient/p3"},"effectiveDateTime":"2023",
      "valueQuantity":{"value":95,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"}})");
    s.put(R"({"resourceType":"Observation","id":"o5","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
      "subject":{"reference":"Patient/p2"},"effectiveDateTime":"2024-02-02T08:00:00Z",
      "component":[
        {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},
         "valueQuantity":{"value":150,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
        {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},
         "valueQuantity":{"value":90,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]})");
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  Ids ids(const std::string& type, const std::string& q) { return sorted(db_->ids(type, q)); }
  static SearchStore* db_;
};
SearchStore* Search::db_ = nullptr;

TEST_F(Search, StringDefaultIsCaseAndAccentInsensitivePrefix) {
  EXPECT_EQ(ids("Patient", "name=lefevre"), Ids{"p1"});
  EXPECT_EQ(ids("Patient", "name=HEL"), Ids{"p1"});
  EXPECT_EQ(ids("Patient", "family=martin"), (Ids{"p2", "p3"}));
  EXPECT_EQ(ids("Patient", "name=lucia"), Ids{"p3"});
  EXPECT_EQ(ids("Patient", "address-city=lil"), Ids{"p1"});
  EXPECT_EQ(ids("Patient", "address=59"), (Ids{"p1", "p2"}));
}

TEST_F(Search, StringModifiers) {
  EXPECT_EQ(ids("Patient", "family:exact=Martin"), Ids{"p2"});
  EXPECT_EQ(ids("Patient", "family:exact=martin"), Ids{});
  EXPECT_EQ(ids("Patient", "family:contains=tin"), (Ids{"p2", "p3"}));
  EXPECT_EQ(ids("Patient", "family:contains=EZ"), Ids{"p3"});
  EXPECT_EQ(ids("Patient", "name:missing=true"), Ids{});
  EXPECT_EQ(ids("Patient", "address:missing=true"), Ids{"p3"});
}

TEST_F(Search, TokenForms) {
  EXPECT_EQ(ids("Observation", "code=4548-4"), (Ids{"o1", "o2"}));
  EXPECT_EQ(ids("Observation", "code=http://loinc.org|4548-4"), (Ids{"o1", "o2"}));
  EXPECT_EQ(ids("Observation", "code=urn:local|"), Ids{"o4"});
  EXPECT_EQ(ids("Observation", "code=|GLU"), Ids{});
  EXPECT_EQ(ids("Observation", "code=4548-4,2339-0"), (Ids{"o1", "o2", "o3", "o4"}));
  EXPECT_EQ(ids("Patient", "gender=female"), (Ids{"p1", "p3"}));
  EXPECT_EQ(ids("Patient", "active=true"), Ids{"p1"});
  EXPECT_EQ(ids("Patient", "identifier=urn:oid:1.2.250.1.213.1.4.8|244037511303128"), Ids{"p1"});
  EXPECT_EQ(ids("Patient", "phone=%2B33320000001"), Ids{"p1"});
  EXPECT_EQ(ids("Patient", "email=helene@example.fr"), Ids{"p1"});
}

TEST_F(Search, TokenModifiers) {
  EXPECT_EQ(ids("Observation", "code:text=hba1"), Ids{"o1"});
  EXPECT_EQ(ids("Observation", "code:text=hemoglobin"), Ids{"o1"});
  EXPECT_EQ(ids("Observation", "code:not=4548-4"), (Ids{"o3", "o4", "o5"}));
  EXPECT_EQ(ids("Patient", "gender:not=female"), Ids{"p2"});
  EXPECT_EQ(ids("Patient", "active:missing=true"), Ids{"p3"});
  EXPECT_EQ(
      ids("Patient", "identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|NI|244037511303128"),
      Ids{"p1"});
  EXPECT_EQ(ids("Patient", "identifier:text=ins"), Ids{"p1"});
}

// A token's texts are left to its code when they are those first seen with
// it (store/search_index.h, TokenRow): :text must still find exactly the
// resources that have the text, whatever their own texts, after updates,
// deletes, a rolled-back write and a restart.
std::string hba1c(const std::string& id, const std::string& codings, const std::string& text = "",
                  const std::string& status = "final") {
  return R"({"resourceType":"Observation","id":")" + id + R"(","status":")" + status +
         R"(","code":{"coding":[)" + codings + "]" + (text.empty() ? "" : R"(,"text":")" + text + "\"") +
         "}}";
}
std::string loinc(const std::string& display = "") {
  return R"({"system":"http://loinc.org","code":"4548-4")" +
         (display.empty() ? "" : R"(,"display":")" + display + "\"") + "}";
}
std::string snomed(const std::string& display, const std::string& code = "43396009") {
  return R"({"system":"http://snomed.info/sct","code":")" + code + R"(","display":")" + display + "\"}";
}

// The first value of `sql` on the store in `directory`, as text.
std::string sql_value(const std::string& directory, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2((directory + "/parcours.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  std::string out;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Runs `sql` on the store in `directory` from a connection of its own, as
// another process would.
void sql_exec(const std::string& directory, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((directory + "/parcours.db").c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

// Rows of Observation.code: ":text" string rows, and token rows standing for their texts.
std::pair<std::string, std::string> text_rows(const std::string& directory) {
  return {sql_value(directory,
                    "SELECT count(*) FROM sp_string s JOIN search_param p ON p.pid = s.param WHERE p.name = "
                    "'Observation.code:text'"),
          sql_value(directory,
                    "SELECT count(*) FROM sp_token t JOIN search_param p ON p.pid = t.param WHERE p.name = "
                    "'Observation.code' AND t.implied")};
}

TEST(TokenTexts, TextsImpliedByCodesStayExact) {
  SearchStore db;
  db.put(hba1c("a1", loinc("Hemoglobin A1c"), "HbA1c"));  // first seen: 4548-4 implies both texts
  db.put(hba1c("a2", loinc("Hemoglobin A1c"), "HbA1c"));  // the same texts: implied
  db.put(hba1c("a3", loinc("Hemoglobin A1c"), "Glycated haemoglobin"));  // another text
  db.put(hba1c("a4", loinc()));                                          // no text at all
  db.put(hba1c("a5", loinc("Hemoglobin A1c")));                          // fewer texts
  db.put(hba1c("a6", loinc("Hemoglobin A1c") + "," + snomed("Haemoglobin A1c measurement"), "HbA1c",
               "amended"));                                    // more texts: SNOMED is new
  db.put(hba1c("a7", snomed("Haemoglobin A1c measurement")));  // fewer than SNOMED implies
  // Written: a3's two texts, a5's and a7's; implied: a1, a2 and a6's two codes.
  EXPECT_EQ(text_rows(db.directory()), (std::pair<std::string, std::string>{"4", "4"}));

  EXPECT_EQ(db.ids("Observation", "code:text=hba1c"), (Ids{"a1", "a2", "a6"}));
  EXPECT_EQ(db.ids("Observation", "code:text=glycated"), Ids{"a3"});
  EXPECT_EQ(db.ids("Observation", "code:text=hemoglobin"), (Ids{"a1", "a2", "a3", "a5", "a6"}));
  EXPECT_EQ(db.ids("Observation", "code:text=haemoglobin"), (Ids{"a6", "a7"}));
  EXPECT_EQ(db.ids("Observation", "code:text=glycated,hba1c"), (Ids{"a1", "a2", "a3", "a6"}));
  EXPECT_EQ(db.ids("Observation", "code:text=haemoglobin&code:text=hba1c"), Ids{"a6"});
  // Tested on each resource rather than enumerated (a rarer status drives).
  EXPECT_EQ(db.ids("Observation", "status=amended&code:text=hba1c"), Ids{"a6"});
  EXPECT_EQ(db.ids("Observation", "status=amended&code:text=glycated"), Ids{});
  EXPECT_EQ(db.ids("Observation", "code:text=hba1c&_sort=-_id"), (Ids{"a6", "a2", "a1"}));
  // combo-code reads code's rows (a union parameter).
  EXPECT_EQ(db.ids("Observation", "combo-code:text=hba1c"), (Ids{"a1", "a2", "a6"}));

  // An update changes what the resource is found by; a delete keeps the
  // texts 4548-4 implies for the next resource with them.
  db.put(hba1c("a2", loinc("Hemoglobin A1c"), "Glycated"));
  db.remove("Observation", "a1");
  db.put(hba1c("a8", loinc("Hemoglobin A1c"), "HbA1c"));
  EXPECT_EQ(db.ids("Observation", "code:text=hba1c"), (Ids{"a6", "a8"}));
  EXPECT_EQ(db.ids("Observation", "code:text=glycated"), (Ids{"a2", "a3"}));

  // A code first seen in a write that is rolled back implies nothing.
  Status st = db.store().write([&](store::Writer& w) -> Status {
    auto r = w.put("Observation", "x1", parse_json(hba1c("x1", snomed("Tension", "75367002"))).value());
    if (!r) return r.error();
    return internal_error("the unit fails after its put");
  });
  ASSERT_FALSE(st.ok());
  db.put(hba1c("x2", snomed("Blood pressure", "75367002")));
  db.put(hba1c("x3", snomed("Tension", "75367002")));
  EXPECT_EQ(db.ids("Observation", "code:text=tension"), Ids{"x3"});
  EXPECT_EQ(db.ids("Observation", "code:text=blood"), Ids{"x2"});

  // After a restart the codes' texts are read back from the store.
  db.reopen();
  db.put(hba1c("a9", loinc("Hemoglobin A1c"), "HbA1c"));
  db.put(hba1c("a10", loinc("Hemoglobin A1c"), "Hb glyquée"));
  EXPECT_EQ(db.ids("Observation", "code:text=hba1c"), (Ids{"a6", "a8", "a9"}));
  EXPECT_EQ(db.ids("Observation", "code:text=hb"), (Ids{"a6", "a8", "a9", "a10"}));
  EXPECT_EQ(db.ids("Observation", "code:text=hb glyquee"), Ids{"a10"});
}

TEST_F(Search, DatePrefixesUseRanges) {
  // o1 2024-03-15T09:30Z (a second), o2 2024-06-20 (a day), o3 January 2024
  // (a period), o4 2023 (a year), o5 2024-02-02T08:00:00Z.
  EXPECT_EQ(ids("Observation", "date=2024-03-15"), Ids{"o1"});
  EXPECT_EQ(ids("Observation", "date=2024"), (Ids{"o1", "o2", "o3", "o5"}));
  EXPECT_EQ(ids("Observation", "date=2024-01"), Ids{"o3"});
  EXPECT_EQ(ids("Observation", "date=gt2024-03"), Ids{"o2"});
  EXPECT_EQ(ids("Observation", "date=ge2024-03"), (Ids{"o1", "o2"}));
  EXPECT_EQ(ids("Observation", "date=lt2024-02"), (Ids{"o3", "o4"}));
  EXPECT_EQ(ids("Observation", "date=le2024-01-31"), (Ids{"o3", "o4"}));
  EXPECT_EQ(ids("Observation", "date=sa2024-01-15"), (Ids{"o1", "o2", "o5"}));
  EXPECT_EQ(ids("Observation", "date=eb2024-01-15"), Ids{"o4"});
  EXPECT_EQ(ids("Observation", "date=ne2024"), Ids{"o4"});
  // Timezones: 10:30+01:00 is 09:30Z.
  EXPECT_EQ(ids("Observation", "date=2024-03-15T09:30:00Z"), Ids{"o1"});
  EXPECT_EQ(ids("Observation", "date=2024-03-15T10:30:00%2B01:00"), Ids{"o1"});
  EXPECT_EQ(ids("Observation", "date=2024-03-15T10:30:00Z"), Ids{});
  // AND by repetition.
  EXPECT_EQ(ids("Observation", "date=ge2024-01-01&date=lt2024-04-01"), (Ids{"o1", "o3", "o5"}));
  // Partial dates in the data: 1944-03 contains 1944-03-12.
  EXPECT_EQ(ids("Patient", "birthdate=1944-03"), (Ids{"p1", "p3"}));
  EXPECT_EQ(ids("Patient", "birthdate=1944-03-12"), Ids{"p1"});
  // ge: the range above the value overlaps March 1944 (R4 prefix table).
  EXPECT_EQ(ids("Patient", "birthdate=ge1944-03-12"), (Ids{"p1", "p2", "p3"}));
  EXPECT_EQ(ids("Patient", "birthdate=gt1944-03-31"), Ids{"p2"});
}

TEST_F(Search, QuantityWithUnitsAndPrefixes) {
  EXPECT_EQ(ids("Observation", "value-quantity=7.2"), Ids{"o1"});
  EXPECT_EQ(ids("Observation", "value-quantity=7"), (Ids{"o1", "o2"}));  // [6.5, 7.5)
  EXPECT_EQ(ids("Observation", "value-quantity=7.0"), Ids{});            // [6.95, 7.05)
  EXPECT_EQ(ids("Observation", "value-quantity=gt7"), (Ids{"o1", "o4"}));
  EXPECT_EQ(ids("Observation", "value-quantity=lt7|http://unitsofmeasure.org|%25"), Ids{"o2"});
  // 95 mg/dL is 0.95 g/L: UCUM conversion.
  EXPECT_EQ(ids("Observation", "value-quantity=0.95|http://unitsofmeasure.org|g/L"), Ids{"o4"});
  EXPECT_EQ(ids("Observation", "value-quantity=le1|http://unitsofmeasure.org|g/L"), Ids{"o4"});
  EXPECT_EQ(ids("Observation", "value-quantity=110|http://unitsofmeasure.org|mg/dL"), Ids{"o3"});
  EXPECT_EQ(ids("Observation", "value-quantity=ap7"), (Ids{"o1", "o2"}));
}

TEST_F(Search, Composites) {
  EXPECT_EQ(ids("Observation", "component-code-value-quantity=http://loinc.org|8480-6$gt140"), Ids{"o5"});
  EXPECT_EQ(ids("Observation", "component-code-value-quantity=http://loinc.org|8462-4$gt140"), Ids{});
  EXPECT_EQ(ids("Observation", "code-value-quantity=4548-4$lt7"), Ids{"o2"});
  EXPECT_EQ(ids("Observation", "combo-code-value-quantity=8462-4$90"), Ids{"o5"});
}

// Weight on the root; a blood pressure whose systolic component has the
// root's value: a composite must not pair the root's code with a
// component's value, nor a component's code with the root's value. And an
// observation with neither value nor component.
void put_weight_and_blood_pressure(testing::SearchStore& db) {
  db.put(R"({"resourceType":"Observation","id":"weight","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"29463-7","display":"Poids"}]},
    "valueQuantity":{"value":150,"system":"http://unitsofmeasure.org","code":"kg"},
    "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}],"text":"Systolique"},
      "valueQuantity":{"value":70,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]})");
  db.put(R"({"resourceType":"Observation","id":"bp","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
    "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},
      "valueQuantity":{"value":140,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]})");
  db.put(R"({"resourceType":"Observation","id":"none","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]}})");
}

// Observation's combo-* parameters (and Patient.phonetic) are unions of
// other parameters' expressions: they have no rows of their own and read
// their sources' rows (search::ParamDef::union_of).
TEST(SearchUnionParameters, ReadTheirSourcesRows) {
  testing::SearchStore db;
  put_weight_and_blood_pressure(db);
  db.put(R"({"resourceType":"Patient","id":"p1","name":[{"family":"Lefèvre","given":["Hélène"]}]})");
  auto ids = [&](const std::string& type, const std::string& q) { return sorted(db.ids(type, q)); };

  EXPECT_EQ(ids("Observation", "combo-code=29463-7"), Ids{"weight"});
  EXPECT_EQ(ids("Observation", "combo-code=8480-6"), (Ids{"bp", "weight"}));
  EXPECT_EQ(ids("Observation", "combo-code:text=systol"), Ids{"weight"});
  EXPECT_EQ(ids("Observation", "combo-code:text=poids"), Ids{"weight"});
  EXPECT_EQ(ids("Observation", "combo-code:not=8480-6"), Ids{"none"});
  EXPECT_EQ(ids("Observation", "combo-value-quantity=150"), Ids{"weight"});
  EXPECT_EQ(ids("Observation", "combo-value-quantity=70"), Ids{"weight"});
  EXPECT_EQ(ids("Observation", "combo-value-quantity=140"), Ids{"bp"});
  EXPECT_EQ(ids("Observation", "combo-value-quantity:missing=true"), Ids{"none"});
  EXPECT_EQ(ids("Observation", "combo-value-quantity:missing=false"), (Ids{"bp", "weight"}));
  EXPECT_EQ(ids("Observation", "combo-code-value-quantity=29463-7$150"), Ids{"weight"});
  EXPECT_EQ(ids("Observation", "combo-code-value-quantity=8480-6$140"), Ids{"bp"});
  EXPECT_EQ(ids("Observation", "combo-code-value-quantity=8480-6$70"), Ids{"weight"});
  EXPECT_EQ(ids("Observation", "combo-code-value-quantity=8480-6$150"), Ids{});
  EXPECT_EQ(ids("Observation", "combo-code-value-quantity=29463-7$70"), Ids{});
  EXPECT_EQ(
      ids("Observation", "combo-code-value-quantity=8480-6$ge70&combo-code-value-quantity=29463-7$gt100"),
      Ids{"weight"});
  // Sorted on a union: each resource once, at its smallest (largest) value.
  EXPECT_EQ(db.ids("Observation", "combo-value-quantity:missing=false&_sort=combo-value-quantity"),
            (std::vector<std::string>{"weight", "bp"}));
  EXPECT_EQ(db.ids("Observation", "_sort=-combo-value-quantity"),
            (std::vector<std::string>{"weight", "bp", "none"}));
  EXPECT_EQ(ids("Patient", "phonetic=lefevre"), Ids{"p1"});
  // A reference parameter with another's expression (DeviceUseStatement.subject
  // reads patient's rows): values, chains, includes.
  db.put(R"({"resourceType":"DeviceUseStatement","id":"dus","status":"active",
    "subject":{"reference":"Patient/p1"},"device":{"reference":"Device/d1"}})");
  EXPECT_EQ(ids("DeviceUseStatement", "subject=Patient/p1"), Ids{"dus"});
  EXPECT_EQ(ids("DeviceUseStatement", "patient=p1"), Ids{"dus"});
  EXPECT_EQ(ids("DeviceUseStatement", "subject:Patient.name=lefevre"), Ids{"dus"});
  EXPECT_EQ(ids("Patient", "_has:DeviceUseStatement:subject:device=Device/d1"), Ids{"p1"});
  EXPECT_EQ(db.included_ids("DeviceUseStatement", "_include=DeviceUseStatement:subject"), Ids{"p1"});

  // The plan reads the sources' rows.
  auto r = db.run("Observation", "combo-code=8480-6&_explain=true");
  ASSERT_TRUE(r.ok()) << r.error().message();
  std::string plan;
  for (const auto& line : r->explain) plan += line + "\n";
  EXPECT_NE(plan.find(".param IN ("), std::string::npos) << plan;
}

// A composite whose element is the resource itself pairs the resource's own
// values: code-value-quantity reads Observation.code's and value-quantity's
// rows (ParamComponent::same_rows) and writes none of its own.
TEST(SearchCompositeOfTheResource, ReadsPlainParametersRows) {
  auto registry = search::Registry::current();
  const search::ParamDef* cvq = registry->find("Observation", "code-value-quantity");
  ASSERT_TRUE(cvq && cvq->reads_plain_rows());
  EXPECT_EQ(cvq->components[0].same_rows->name, "Observation.code");
  EXPECT_EQ(cvq->components[1].same_rows->name, "Observation.value-quantity");
  EXPECT_TRUE(registry->find("Observation", "code-value-concept")->reads_plain_rows());
  EXPECT_EQ(registry->find("Observation", "code")->grouped_by, nullptr);  // group 0

  testing::SearchStore db;
  put_weight_and_blood_pressure(db);
  db.put(R"({"resourceType":"Observation","id":"weight-local","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"29463-7"},{"system":"urn:local","code":"POIDS"}]},
    "valueQuantity":{"value":80,"system":"http://unitsofmeasure.org","code":"kg"}})");
  db.put(R"({"resourceType":"Observation","id":"mood","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"44250-9"}]},
    "valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"373067005"}]}})");
  auto ids = [&](const std::string& q) { return sorted(db.ids("Observation", q)); };

  EXPECT_EQ(ids("code-value-quantity=29463-7$150"), Ids{"weight"});
  EXPECT_EQ(ids("code-value-quantity=urn:local|POIDS$gt70"), Ids{"weight-local"});
  EXPECT_EQ(ids("code-value-quantity=29463-7$70"), Ids{});  // the component's value
  EXPECT_EQ(ids("code-value-quantity=8480-6$140"), Ids{});  // the component's code
  EXPECT_EQ(ids("code-value-quantity=85354-9$140"), Ids{});
  EXPECT_EQ(ids("code-value-concept=44250-9$373067005"), Ids{"mood"});
  EXPECT_EQ(ids("code-value-concept=29463-7$373067005"), Ids{});
  // A value is a code with a value: the codes alone are not one.
  EXPECT_EQ(ids("code-value-quantity:missing=false"), (Ids{"weight", "weight-local"}));
  EXPECT_EQ(ids("code-value-quantity:missing=true"), (Ids{"bp", "mood", "none"}));
  EXPECT_EQ(ids("component-code-value-quantity:missing=true"), (Ids{"mood", "none", "weight-local"}));

  EXPECT_EQ(sql_value(db.directory(),
                      "SELECT count(*) FROM search_param WHERE name LIKE 'Observation.code-value-%$%'"),
            "4")
      << "only code-value-date and code-value-string have rows";
}

// A composite whose element is a path of the resource pairs the values of
// each element: component-code-value-quantity reads component-code's and
// component-value-quantity's rows, which are written element by element in
// the composite's groups (ParamDef::grouped_by), so a code pairs only with
// the value of its own component.
TEST(SearchCompositeOfAnElement, ReadsPlainRowsGroupedByElement) {
  auto registry = search::Registry::current();
  const search::ParamDef* ccvq = registry->find("Observation", "component-code-value-quantity");
  ASSERT_TRUE(ccvq && ccvq->reads_plain_rows());
  EXPECT_EQ(ccvq->components[0].same_rows->name, "Observation.component-code");
  EXPECT_EQ(ccvq->components[1].same_rows->name, "Observation.component-value-quantity");
  const search::ParamDef* code = registry->find("Observation", "component-code");
  ASSERT_TRUE(code->grouped_by && code->grouped_as);  // by one of the two composites
  EXPECT_EQ(code->grouped_by->expression, "Observation.component");
  EXPECT_EQ(code->grouped_as->expression, "code");
  EXPECT_TRUE(registry->find("Observation", "component-code-value-concept")->reads_plain_rows());
  EXPECT_NE(registry->find("Observation", "component-value-concept")->grouped_by, nullptr);

  testing::SearchStore db;
  // Systolic 140 and diastolic 90 mm[Hg]; a second reading of each in the
  // other order; a component with a code and no value; one with a concept.
  db.put(R"({"resourceType":"Observation","id":"bp","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
    "component":[
      {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6","display":"Systolic blood pressure"}]},
       "valueQuantity":{"value":140,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
      {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},
       "valueQuantity":{"value":90,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]})");
  db.put(R"({"resourceType":"Observation","id":"bp2","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},
    "component":[
      {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},
       "valueQuantity":{"value":140,"system":"http://unitsofmeasure.org","code":"mm[Hg]"}},
      {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]}},
      {"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},
       "valueQuantity":{"value":12,"system":"http://unitsofmeasure.org","code":"kPa"}},
      {"code":{"coding":[{"system":"http://loinc.org","code":"72166-2"}]},
       "valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"8517006"}]}}]})");
  auto ids = [&](const std::string& q) { return sorted(db.ids("Observation", q)); };

  EXPECT_EQ(ids("component-code-value-quantity=8480-6$140"), Ids{"bp"});
  EXPECT_EQ(ids("component-code-value-quantity=8480-6$90"), Ids{});  // the other component's value
  EXPECT_EQ(ids("component-code-value-quantity=8462-4$140"), Ids{"bp2"});
  EXPECT_EQ(ids("component-code-value-quantity=8462-4$lt100"), Ids{"bp"});
  // 12 kPa is 90 mm[Hg] (UCUM), in the fourth element of bp2.
  EXPECT_EQ(ids("component-code-value-quantity=8480-6$ge89|http://unitsofmeasure.org|mm[Hg]"),
            (Ids{"bp", "bp2"}));
  EXPECT_EQ(ids("component-code-value-concept=72166-2$8517006"), Ids{"bp2"});
  EXPECT_EQ(ids("component-code-value-concept=8480-6$8517006"), Ids{});
  EXPECT_EQ(ids("combo-code-value-quantity=8480-6$90"), Ids{});
  EXPECT_EQ(ids("combo-code-value-quantity=8462-4$90"), Ids{"bp"});
  EXPECT_EQ(ids("component-code-value-quantity:missing=true"), Ids{});
  // The plain parameters still find every value.
  EXPECT_EQ(ids("component-code=8480-6"), (Ids{"bp", "bp2"}));
  EXPECT_EQ(ids("component-code:text=systolic"), Ids{"bp"});
  EXPECT_EQ(ids("component-value-quantity=90"), Ids{"bp"});
  EXPECT_EQ(ids("component-code:missing=false&component-value-concept=8517006"), Ids{"bp2"});

  EXPECT_EQ(
      sql_value(db.directory(),
                "SELECT count(*) FROM search_param WHERE name LIKE 'Observation.component-code-value-%$%'"),
      "0")
      << "the composites write no rows of their own";
  EXPECT_EQ(
      sql_value(db.directory(),
                "SELECT group_concat(t.grp, ',') FROM (SELECT t.grp FROM sp_token t JOIN search_param p ON "
                "p.pid = t.param JOIN search_resource r ON r.rid = t.rid WHERE p.name = "
                "'Observation.component-code' AND r.id = 'bp2' ORDER BY t.grp) t"),
      "1,2,3,4");
}

// Reference :below/:above (R4 §3.1.1.4.14): through a type's partOf, the
// resource and those below (or above) it; on a canonical, its versions
// (§3.1.1.4.13).
TEST(SearchReferenceHierarchy, AboveAndBelowWalkPartOf) {
  testing::SearchStore db;
  auto org = [&](const std::string& id, const std::string& parent) {
    db.put(R"({"resourceType":"Organization","id":")" + id + R"(","name":")" + id + "\"" +
           (parent.empty() ? "" : R"(,"partOf":{"reference":"Organization/)" + parent + "\"}") + "}");
  };
  // A legal entity (FINESS EJ), two of its sites, a service of one site.
  org("ej", "");
  org("et1", "ej");
  org("et2", "ej");
  org("svc", "et1");
  org("other", "");
  // Two locations that name each other: a walk must end.
  db.put(R"({"resourceType":"Location","id":"l1","name":"A","partOf":{"reference":"Location/l2"}})");
  db.put(R"({"resourceType":"Location","id":"l2","name":"B","partOf":{"reference":"Location/l1"}})");
  auto enc = [&](const std::string& id, const std::string& provider, const std::string& location) {
    db.put(
        R"({"resourceType":"Encounter","id":")" + id +
        R"(","status":"finished","class":{"code":"AMB"},"serviceProvider":{"reference":"Organization/)" +
        provider + "\"}" +
        (location.empty() ? "" : R"(,"location":[{"location":{"reference":"Location/)" + location + "\"}}]") +
        "}");
  };
  enc("e1", "et1", "l1");
  enc("e2", "svc", "");
  enc("e3", "ej", "");
  enc("e4", "other", "");
  auto ids = [&](const std::string& type, const std::string& q) { return sorted(db.ids(type, q)); };

  EXPECT_EQ(ids("Encounter", "service-provider:below=Organization/ej"), (Ids{"e1", "e2", "e3"}));
  EXPECT_EQ(ids("Encounter", "service-provider:below=Organization/et1"), (Ids{"e1", "e2"}));
  EXPECT_EQ(ids("Encounter", "service-provider:below=svc"), Ids{"e2"});  // the targets' type
  EXPECT_EQ(ids("Encounter", "service-provider:below=http://test/fhir/Organization/et1"), (Ids{"e1", "e2"}));
  EXPECT_EQ(ids("Encounter", "service-provider:below=Organization/et2,Organization/other"), Ids{"e4"});
  EXPECT_EQ(ids("Encounter", "service-provider:above=Organization/svc"), (Ids{"e1", "e2", "e3"}));
  EXPECT_EQ(ids("Encounter", "service-provider:above=Organization/et2"), Ids{"e3"});
  EXPECT_EQ(ids("Encounter", "service-provider:below=Organization/nowhere"), Ids{});
  EXPECT_EQ(ids("Encounter", "location:below=Location/l2"), Ids{"e1"});
  EXPECT_EQ(ids("Encounter", "location:above=Location/l2"), Ids{"e1"});
  EXPECT_EQ(ids("Organization", "partof:below=Organization/ej"), (Ids{"et1", "et2", "svc"}));
  EXPECT_EQ(ids("Encounter", "service-provider.partof:below=Organization/ej"), (Ids{"e1", "e2"}));

  // Canonical references: :below takes the versions that start with the
  // one given, at a dot.
  for (const char* v : {"1.0", "1.1", "2.0", "10.0"})
    db.put(std::string(R"({"resourceType":"QuestionnaireResponse","id":"qr-)") + v +
           R"(","status":"completed","questionnaire":"http://parcours.example/Questionnaire/gir|)" + v +
           "\"}");
  EXPECT_EQ(ids("QuestionnaireResponse", "questionnaire:below=http://parcours.example/Questionnaire/gir|1"),
            (Ids{"qr-1.0", "qr-1.1"}));
  EXPECT_EQ(
      ids("QuestionnaireResponse", "questionnaire:below=http://parcours.example/Questionnaire/gir").size(),
      4u);
  EXPECT_EQ(ids("QuestionnaireResponse", "questionnaire=http://parcours.example/Questionnaire/gir|1"), Ids{});

  // What cannot be walked is a 400 naming the parameter.
  for (const auto& [type, q] : std::vector<std::pair<std::string, std::string>>{
           {"Encounter", "subject:below=Patient/p1"},
           {"QuestionnaireResponse", "questionnaire:above=http://parcours.example/Questionnaire/gir|1"}}) {
    auto r = db.run(type, q);
    ASSERT_FALSE(r.ok()) << q;
    EXPECT_EQ(r.error().status(), 400);
    ASSERT_FALSE(r.error().issues().empty());
    EXPECT_EQ(r.error().issues().front().expression, q.substr(0, q.find('='))) << q;
  }

  // The walk reads what the caller may see: with et1 hidden, neither it nor
  // the service under it belong to ej's hierarchy.
  store::RowFilter hide_et1 = [](const store::SqlColumns& c, int first) {
    store::SqlFragment f;
    f.sql = "NOT (" + c.type + " = 'Organization' AND " + c.id + " = ?" + std::to_string(first) + ")";
    f.params.push_back(std::string("et1"));
    return f;
  };
  auto req = db.request("Encounter", "service-provider:below=Organization/ej");
  ASSERT_TRUE(req.ok());
  req->policy = hide_et1;
  auto reader = db.store().reader();
  auto hidden = search::execute(*reader, *req);
  ASSERT_TRUE(hidden.ok()) << hidden.error().message();
  Ids seen;
  for (const auto& h : hidden->page.hits) seen.push_back(h.id);
  EXPECT_EQ(seen, Ids{"e3"});
}

// A hierarchy of more than 1 000 members is refused, not cut.
TEST(SearchReferenceHierarchy, TooLargeAHierarchyIsRefused) {
  testing::SearchStore db;
  db.put(R"({"resourceType":"Location","id":"region","name":"Hauts-de-France"})");
  Status st = db.store().write([&](store::Writer& w) -> Status {
    for (int i = 0; i < 1000; ++i) {
      const std::string id = "site-" + std::to_string(i);
      auto j = parse_json(R"({"resourceType":"Location","id":")" + id +
                          R"(","partOf":{"reference":"Location/region"}})");
      auto r = w.put("Location", id, std::move(*j));
      if (!r) return r.error();
    }
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.error().message();
  auto r = db.run("Location", "partof:below=Location/region");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().status(), 400);
  EXPECT_NE(r.error().message().find("more than 1000"), std::string::npos) << r.error().message();
  // Above a site: the site and the region, a walk of two.
  EXPECT_EQ(db.ids("Location", "_id=site-7,region&partof:above=Location/site-7"), Ids{"site-7"});
}

// Observation.patient is subject.where(resolve() is Patient): the subject
// rows that target a Patient stand for it (ParamDef::narrows), and only
// its other rows are written (a contained Patient, an absolute URL).
TEST(SearchNarrowedReference, ReadsTheWiderParametersRowsOfItsType) {
  auto registry = search::Registry::current();
  const search::ParamDef* patient = registry->find("Observation", "patient");
  ASSERT_TRUE(patient && patient->narrows);
  EXPECT_EQ(patient->narrows->name, "Observation.subject");
  EXPECT_EQ(patient->narrow_type, "Patient");
  EXPECT_EQ(registry->find("Encounter", "practitioner")->narrows->name, "Encounter.participant");

  testing::SearchStore db;
  db.put(R"({"resourceType":"Patient","id":"p1","name":[{"family":"Lefèvre"}]})");
  db.put(R"({"resourceType":"Group","id":"g1","type":"person","actual":true})");
  db.put(R"({"resourceType":"Observation","id":"of-p1","status":"final","code":{"text":"poids"},
    "subject":{"reference":"Patient/p1"}})");
  db.put(R"({"resourceType":"Observation","id":"of-g1","status":"final","code":{"text":"poids"},
    "subject":{"reference":"Group/g1"}})");
  db.put(R"({"resourceType":"Observation","id":"of-contained","status":"amended","code":{"text":"poids"},
    "contained":[{"resourceType":"Patient","id":"cp","name":[{"family":"Martin"}]}],
    "subject":{"reference":"#cp"}})");
  db.put(R"({"resourceType":"Observation","id":"of-url","status":"final","code":{"text":"poids"},
    "subject":{"reference":"http://autre.example/fhir/Patient/9"}})");
  db.put(R"({"resourceType":"Observation","id":"of-none","status":"final","code":{"text":"poids"}})");
  db.put(R"({"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"},
    "participant":[{"individual":{"reference":"Practitioner/d1"}},{"individual":{"reference":"RelatedPerson/r1"}}]})");
  auto ids = [&](const std::string& type, const std::string& q) { return sorted(db.ids(type, q)); };

  EXPECT_EQ(ids("Observation", "patient=p1"), Ids{"of-p1"});
  EXPECT_EQ(ids("Observation", "patient=Patient/p1"), Ids{"of-p1"});
  EXPECT_EQ(ids("Observation", "patient=g1"), Ids{});
  EXPECT_EQ(ids("Observation", "subject=Group/g1"), Ids{"of-g1"});
  EXPECT_EQ(ids("Observation", "patient=http://autre.example/fhir/Patient/9"), Ids{"of-url"});
  EXPECT_EQ(ids("Observation", "patient:missing=false"), (Ids{"of-contained", "of-p1", "of-url"}));
  EXPECT_EQ(ids("Observation", "patient:missing=true"), (Ids{"of-g1", "of-none"}));
  EXPECT_EQ(ids("Observation", "patient.name=lefevre"), Ids{"of-p1"});
  EXPECT_EQ(ids("Observation", "patient.name=martin"), Ids{"of-contained"});  // inside the container
  EXPECT_EQ(ids("Patient", "_has:Observation:patient:status=final"), Ids{"p1"});
  EXPECT_EQ(ids("Group", "_has:Observation:subject:status=final"), Ids{"g1"});
  EXPECT_EQ(db.ids("Observation", "_sort=patient&patient:missing=false&_count=5"),
            (Ids{"of-contained", "of-url", "of-p1"}));  // ids "Observation/of-contained#cp", URL, "p1"
  EXPECT_EQ(db.included_ids("Observation", "_include=Observation:patient&status=final"), Ids{"p1"});
  EXPECT_EQ(db.included_ids("Patient", "_revinclude=Observation:patient"), Ids{"of-p1"});
  EXPECT_EQ(db.included_ids("Group", "_revinclude=Observation:patient&_revinclude=Observation:subject"),
            Ids{"of-g1"});
  EXPECT_EQ(ids("Encounter", "practitioner=d1"), Ids{"e1"});
  EXPECT_EQ(ids("Encounter", "practitioner=RelatedPerson/r1"), Ids{});
  EXPECT_EQ(ids("Encounter", "participant=RelatedPerson/r1"), Ids{"e1"});
  // Written: the contained Patient and the absolute URL only.
  EXPECT_EQ(
      sql_value(db.directory(),
                "SELECT count(*) FROM sp_reference f JOIN search_param p ON p.pid = f.param WHERE p.name = "
                "'Observation.patient'"),
      "2");
}

// A chain without a type qualifier searches every target type that has the
// chained parameter (R4 §3.1.1.4.15): Observation.subject may be a Patient,
// a Group, a Device or a Location.
TEST(SearchChains, UntypedChainSearchesEveryTargetType) {
  testing::SearchStore db;
  db.put(R"({"resourceType":"Patient","id":"p1","name":[{"family":"Maison"}]})");
  db.put(
      R"({"resourceType":"Group","id":"g1","type":"person","actual":true,"name":"Maison des aidants"})");  // no 'name' parameter
  db.put(R"({"resourceType":"Location","id":"l1","name":"Maison de santé de Lille"})");
  auto obs = [&](const std::string& id, const std::string& subject) {
    db.put(R"({"resourceType":"Observation","id":")" + id + R"(","status":"final","code":{"text":"x"},
      "subject":{"reference":")" +
           subject + R"("}})");
  };
  obs("on-patient", "Patient/p1");
  obs("on-group", "Group/g1");
  obs("on-location", "Location/l1");
  EXPECT_EQ(sorted(db.ids("Observation", "subject.name=maison")), (Ids{"on-location", "on-patient"}));
  EXPECT_EQ(sorted(db.ids("Observation", "subject:Location.name=maison")), Ids{"on-location"});
  // Reference(Any): every resource type with a 'name' parameter, each once.
  EXPECT_EQ(sorted(db.ids("Observation", "focus.name=maison")), Ids{});
}

// Observation/$lastn (R4 OperationDefinition Observation-lastn).
class SearchLastn : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new SearchStore();
    auto obs = [](const std::string& id, const std::string& patient, const std::string& code,
                  const std::string& when, const std::string& status = "final") {
      std::string j =
          R"({"resourceType":"Observation","id":")" + id + R"(","status":")" + status +
          R"(","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],"code":)" +
          code + R"(,"subject":{"reference":"Patient/)" + patient + "\"}";
      if (!when.empty()) j += R"(,"effectiveDateTime":")" + when + "\"";
      db_->put(j + "}");
    };
    const std::string hba1c = R"({"coding":[{"system":"http://loinc.org","code":"4548-4"}]})";
    db_->put(R"({"resourceType":"Patient","id":"p1"})");
    db_->put(R"({"resourceType":"Patient","id":"p2"})");
    obs("a1", "p1", hba1c, "2024-01-10");
    obs("a2", "p1", hba1c, "2024-06-10");
    obs("a3", "p1", hba1c, "2024-03-10");
    obs("a4", "p1", hba1c, "2024-08-01", "entered-in-error");
    obs("a5", "p1", hba1c, "");
    obs("b1", "p2", hba1c, "2023-12-01");
    // Glucose in LOINC, in a local code, and once in both: one group (translations).
    obs("g1", "p1", R"({"coding":[{"system":"http://loinc.org","code":"2339-0"}]})", "2024-05-01");
    obs("g2", "p1",
        R"({"coding":[{"system":"http://loinc.org","code":"2339-0"},{"system":"urn:local","code":"GLU"}]})",
        "2024-02-01");
    obs("g3", "p1", R"({"coding":[{"system":"urn:local","code":"GLU"}]})", "2024-07-01T08:00:00+02:00");
    // Text-only codes group by their exact text.
    obs("t1", "p1", R"({"text":"Poids ressenti"})", "2024-04-01");
    obs("t2", "p1", R"({"text":"poids ressenti"})", "2024-04-02");
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  Result<search::SearchResult> run(const std::string& query, bool strict = true) {
    db_->strict = strict;
    return db_->lastn(query);
  }
  Ids ids(const std::string& query) {
    auto r = run(query);
    EXPECT_TRUE(r.ok()) << query << ": " << (r.ok() ? "" : r.error().message());
    Ids out;
    if (r.ok())
      for (const auto& h : r->page.hits) out.push_back(h.id);
    return out;
  }
  int status(const std::string& query, bool strict = true) {
    auto r = run(query, strict);
    return r.ok() ? 200 : r.error().status();
  }
  static SearchStore* db_;
};
SearchStore* SearchLastn::db_ = nullptr;

TEST_F(SearchLastn, MostRecentPerCodeAndSubject) {
  // Not filtered by status: entered-in-error comes too (R4 $lastn).
  EXPECT_EQ(ids("patient=p1&code=4548-4"), Ids{"a4"});
  EXPECT_EQ(ids("patient=p1&code=4548-4&status=final"), Ids{"a2"});
  EXPECT_EQ(ids("patient=p1&code=4548-4&max=3"), (Ids{"a4", "a2", "a3"}));
  // Without effective[x]: after the dated ones.
  EXPECT_EQ(ids("patient=p1&code=4548-4&max=10"), (Ids{"a4", "a2", "a3", "a1", "a5"}));
  // Several subjects: a group each, by subject.
  EXPECT_EQ(ids("patient=p2,p1&code=4548-4&status=final"), (Ids{"a2", "b1"}));
  EXPECT_EQ(ids("subject=Patient/p2&code=4548-4"), Ids{"b1"});
  EXPECT_EQ(ids("patient=p1,p2&code=2339-0"), Ids{"g1"});
}

TEST_F(SearchLastn, CodesGroupThroughTranslationsAndText) {
  EXPECT_EQ(ids("patient=p1&code=http://loinc.org|2339-0,urn:local|GLU&max=5"), (Ids{"g3", "g1", "g2"}));
  // By category: one per group, groups by code (LOINC glucose, HbA1c, then
  // the two texts, which differ by case).
  EXPECT_EQ(ids("patient=p1&category=laboratory"), (Ids{"g3", "a4", "t1", "t2"}));
  EXPECT_EQ(ids("patient=p1&category=laboratory&date=lt2024-04-02"), (Ids{"g2", "a3", "t1"}));
  EXPECT_EQ(ids("patient=p9&category=laboratory"), Ids{});
}

TEST_F(SearchLastn, OnePageWithItsOwnSelfLink) {
  auto r = run("patient=p1&category=laboratory&max=2");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->page.total, 6);  // 2 glucose, 2 HbA1c, each text once
  EXPECT_TRUE(r->next_cursor.empty());
  std::string applied;
  for (const auto& p : r->query.applied) applied += p.name + "=" + p.value + "&";
  EXPECT_EQ(applied, "patient=p1&category=laboratory&max=2&");
}

TEST_F(SearchLastn, BadRequestsSayWhy) {
  EXPECT_EQ(status("code=4548-4"), 400);  // no subject
  EXPECT_EQ(status("patient=p1"), 400);   // no code or category
  EXPECT_EQ(status("patient=p1&status=final"), 400);
  EXPECT_EQ(status("patient=p1&code=4548-4&max=0"), 400);
  EXPECT_EQ(status("patient=p1&code=4548-4&max=1001"), 400);
  EXPECT_EQ(status("patient=p1&code=4548-4&max=two"), 400);
  EXPECT_EQ(status("patient=p1&code=4548-4&max=1&max=2"), 400);
  EXPECT_EQ(status("patient=p1&code=4548-4&_sort=date"), 400);
  EXPECT_EQ(status("patient=p1&code=4548-4&nonsense=1"), 400);
  auto r = run("patient=p1&code=4548-4&_count=2&_sort=date", false);  // lenient: ignored and said
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->page.hits.size(), 1u);
  EXPECT_EQ(r->query.ignored.size(), 2u);
  auto e = run("patient=p1&max=0");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("max"), std::string::npos) << e.error().message();
}

TEST_F(Search, References) {
  EXPECT_EQ(ids("Observation", "subject=Patient/p1"), (Ids{"o1", "o2"}));
  EXPECT_EQ(ids("Observation", "subject=p1"), (Ids{"o1", "o2"}));
  EXPECT_EQ(ids("Observation", "patient=p2"), (Ids{"o3", "o5"}));
  EXPECT_EQ(ids("Observation", "subject:Patient=p3"), Ids{"o4"});
  EXPECT_EQ(ids("Observation", "subject=http://test/fhir/Patient/p3"), Ids{"o4"});
  EXPECT_EQ(ids("Patient", "general-practitioner:missing=true"), Ids{"p3"});
}

TEST_F(Search, Chains) {
  EXPECT_EQ(ids("Observation", "subject:Patient.name=martin"), (Ids{"o3", "o4", "o5"}));
  EXPECT_EQ(ids("Observation", "patient.gender=female&code=4548-4"), (Ids{"o1", "o2"}));
  EXPECT_EQ(ids("Observation", "subject:Patient.general-practitioner.name=leroy"), (Ids{"o1", "o2"}));
  EXPECT_EQ(ids("Observation", "subject:Patient.general-practitioner:Practitioner.identifier=10000000001"),
            (Ids{"o1", "o2"}));
}

TEST_F(Search, ReverseChains) {
  EXPECT_EQ(ids("Patient", "_has:Observation:patient:code=4548-4"), Ids{"p1"});
  EXPECT_EQ(ids("Patient", "_has:Observation:subject:status=preliminary"), Ids{"p2"});
  EXPECT_EQ(ids("Practitioner", "_has:Patient:general-practitioner:_has:Observation:patient:code=2339-0"),
            Ids{"dr2"});
}

TEST_F(Search, IdsAndMissingOnSpecials) {
  EXPECT_EQ(ids("Patient", "_id=p1,p3"), (Ids{"p1", "p3"}));
  EXPECT_EQ(ids("Patient", "_id=nope"), Ids{});
  EXPECT_EQ(ids("Patient", "_lastUpdated=gt2000-01-01"), (Ids{"p1", "p2", "p3"}));
  EXPECT_EQ(ids("Patient", "death-date=2020"), Ids{"p3"});
  EXPECT_EQ(ids("Patient", "deceased=true"), Ids{"p3"});
  EXPECT_EQ(ids("Patient", "deceased=false"), (Ids{"p1", "p2"}));
}

TEST_F(Search, SortAndPaging) {
  EXPECT_EQ(db_->ids("Observation", "_sort=date"), (Ids{"o4", "o3", "o5", "o1", "o2"}));
  EXPECT_EQ(db_->ids("Observation", "_sort=-date"), (Ids{"o2", "o1", "o5", "o3", "o4"}));
  EXPECT_EQ(db_->ids("Patient", "_sort=family,-birthdate"), (Ids{"p1", "p2", "p3"}));
  EXPECT_EQ(db_->ids("Patient", "_sort=-family"), (Ids{"p3", "p2", "p1"}));
  EXPECT_EQ(db_->all_ids("Observation", "_sort=-date&_count=2"), (Ids{"o2", "o1", "o5", "o3", "o4"}));
  EXPECT_EQ(db_->all_ids("Observation", "_count=2"), (Ids{"o1", "o2", "o3", "o4", "o5"}));
  EXPECT_EQ(db_->all_ids("Observation", "status=final&_sort=date&_count=1"), (Ids{"o4", "o5", "o1", "o2"}));
  // Missing values come last in both directions; ties follow the resource
  // key in the direction of the last sort key.
  EXPECT_EQ(db_->ids("Patient", "_sort=death-date"), (Ids{"p3", "p1", "p2"}));
  EXPECT_EQ(db_->ids("Patient", "_sort=-death-date"), (Ids{"p3", "p2", "p1"}));
  EXPECT_EQ(db_->all_ids("Patient", "_sort=-death-date&_count=1"), (Ids{"p3", "p2", "p1"}));
  EXPECT_EQ(db_->all_ids("Patient", "_sort=death-date&_count=1"), (Ids{"p3", "p1", "p2"}));
}

// Without _sort, a chain that drives comes in its targets' order (R4 leaves
// the order of an unsorted search to the server): the referrers of the
// first target, then of the next, each referrer once (under its first
// target), and every page, forward or back, continues that order.
TEST(SearchChainOrder, TargetByTargetEachReferrerOnce) {
  testing::SearchStore db;
  auto practitioner = [&](const std::string& id, const std::string& family) {
    db.put(R"({"resourceType":"Practitioner","id":")" + id + R"(","name":[{"family":")" + family + R"("}]})");
  };
  auto encounter = [&](const std::string& id, const std::vector<std::string>& who) {
    std::string parts;
    for (const auto& w : who)
      parts += std::string(parts.empty() ? "" : ",") + R"({"individual":{"reference":"Practitioner/)" + w +
               R"("}})";
    db.put(R"({"resourceType":"Encounter","id":")" + id +
           R"(","status":"finished","class":{"code":"AMB"},"participant":[)" + parts + "]}");
  };
  practitioner("dr-a", "Dupont");
  practitioner("dr-b", "Dupont");
  practitioner("dr-c", "Durand");
  encounter("e1", {"dr-b"});
  encounter("e2", {"dr-a", "dr-b"});
  encounter("e3", {"dr-c"});
  encounter("e4", {"dr-a"});
  encounter("e5", {"dr-b", "dr-a"});
  const std::string q = "participant:Practitioner.name=dupont";
  auto first = db.run("Encounter", q + "&_count=2");
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_TRUE(first->target_order) << "the chain drives: its targets give the order";
  EXPECT_EQ(db.all_ids("Encounter", q + "&_count=1"), (Ids{"e2", "e4", "e5", "e1"}));
  EXPECT_EQ(db.all_ids("Encounter", q + "&_count=3"), (Ids{"e2", "e4", "e5", "e1"}));

  // Back from the last page, through previous links.
  auto page = db.run("Encounter", q + "&_count=1");
  for (int i = 0; i < 3; ++i) page = db.run("Encounter", q + "&_count=1&_cursor=" + page->next_cursor);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->page.hits.at(0).id, "e1");
  Ids back;
  while (!page->prev_cursor.empty()) {
    page = db.run("Encounter", q + "&_count=1&_cursor=" + page->prev_cursor);
    ASSERT_TRUE(page.ok()) << page.error().message();
    for (const auto& h : page->page.hits) back.push_back(h.id);
  }
  EXPECT_EQ(back, (Ids{"e5", "e4", "e2"}));

  // A referrer written between two pages falls in its target's place.
  encounter("e6", {"dr-a"});
  auto next = db.run("Encounter", q + "&_count=2&_cursor=" + first->next_cursor);
  ASSERT_TRUE(next.ok());
  Ids rest;
  for (const auto& h : next->page.hits) rest.push_back(h.id);
  EXPECT_EQ(rest, (Ids{"e5", "e6"}));

  // A cursor naming no chain of this query is refused, not misread.
  auto other = db.run("Encounter", "status=finished&participant:Practitioner.name=durand&_count=1&_cursor=" +
                                       first->next_cursor);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().status(), 400);
  auto unsorted = db.run("Encounter", "status=finished&_count=1&_cursor=" + first->next_cursor);
  ASSERT_FALSE(unsorted.ok());
  EXPECT_EQ(unsorted.error().status(), 400);
}

// Contained resources (R4 §3.1.1.5.9): a chain evaluates inside them; they
// are never listed, included or counted themselves; their rows follow the
// container's versions; a caller's access policy applies to the container.
TEST(SearchContained, ChainsReachInsideTheContainerOnly) {
  testing::SearchStore db;
  // A prescription of a drug described in place (UCD code), one of a drug
  // in the directory, and an Observation whose subject is contained.
  db.put(R"({"resourceType":"MedicationRequest","id":"mr1","status":"active","intent":"order",
    "contained":[{"resourceType":"Medication","id":"med","code":{"coding":[{"system":"http://data.esante.gouv.fr/ansm/medicament/UCD","code":"9000001"}]},
      "manufacturer":{"reference":"#lab"}},
      {"resourceType":"Organization","id":"lab","name":"Laboratoire Contenu"}],
    "medicationReference":{"reference":"#med"},"subject":{"reference":"Patient/p1"}})");
  db.put(
      R"({"resourceType":"Medication","id":"m2","code":{"coding":[{"system":"http://data.esante.gouv.fr/ansm/medicament/UCD","code":"9000002"}]}})");
  db.put(R"({"resourceType":"MedicationRequest","id":"mr2","status":"active","intent":"order",
    "medicationReference":{"reference":"Medication/m2"},"subject":{"reference":"Patient/p1"}})");
  db.put(R"({"resourceType":"Observation","id":"o1","status":"final","code":{"text":"poids"},
    "contained":[{"resourceType":"Patient","id":"pt","name":[{"family":"Anonyme"}]}],"subject":{"reference":"#pt"}})");

  EXPECT_EQ(db.ids("MedicationRequest", "medication.code=9000001"), Ids{"mr1"});
  EXPECT_EQ(db.ids("MedicationRequest", "medication:Medication.code=9000002"), Ids{"mr2"});
  EXPECT_EQ(db.ids("MedicationRequest", "medication.manufacturer.name=laboratoire"), Ids{"mr1"})
      << "a contained resource's own local reference";
  EXPECT_EQ(db.ids("Observation", "subject:Patient.name=anonyme"), Ids{"o1"});
  EXPECT_EQ(db.ids("Observation", "subject:missing=false"), Ids{"o1"});
  EXPECT_EQ(db.all_ids("MedicationRequest", "medication.code=9000001,9000002&_count=1"), (Ids{"mr1", "mr2"}));

  // Not listed, by type or at system level, not counted, not included.
  EXPECT_EQ(db.ids("Medication", "code=9000001"), Ids{});
  EXPECT_EQ(db.ids("Patient", "name=anonyme"), Ids{});
  EXPECT_EQ(db.ids("Organization", ""), Ids{});
  auto all = db.run("", "_lastUpdated=gt2000-01-01&_total=accurate&_count=100");
  ASSERT_TRUE(all.ok()) << all.error().message();
  EXPECT_EQ(all->page.total, 4);
  EXPECT_EQ(all->page.hits.size(), 4u);
  auto inc = db.run("MedicationRequest", "_include=MedicationRequest:medication&_count=10");
  ASSERT_TRUE(inc.ok());
  ASSERT_EQ(inc->page.included.size(), 1u);
  EXPECT_EQ(inc->page.included[0].id, "m2");
  auto rev = db.run("Patient", "_id=nobody&_revinclude=Observation:subject");
  ASSERT_TRUE(rev.ok());
  EXPECT_TRUE(rev->page.included.empty());

  // A new version without the contained drug, then the deletion: the
  // contained rows follow.
  db.put(R"({"resourceType":"MedicationRequest","id":"mr1","status":"active","intent":"order",
    "medicationCodeableConcept":{"text":"paracétamol"},"subject":{"reference":"Patient/p1"}})");
  EXPECT_EQ(db.ids("MedicationRequest", "medication.code=9000001"), Ids{});
  db.remove("Observation", "o1");
  EXPECT_EQ(db.ids("Observation", "subject:Patient.name=anonyme"), Ids{});

  // With an access policy: the container decides. Here only
  // MedicationRequests and Observations are visible: the directory's
  // Medication is hidden, the contained one is part of what is visible.
  db.put(R"({"resourceType":"Observation","id":"o2","status":"final","code":{"text":"poids"},
    "contained":[{"resourceType":"Patient","id":"pt","name":[{"family":"Anonyme"}]}],"subject":{"reference":"#pt"}})");
  store::RowFilter only = [](const store::SqlColumns& c, int) {
    return store::SqlFragment{c.type + " IN ('MedicationRequest', 'Observation')", {}};
  };
  auto as_policy = [&](const std::string& type, const std::string& q) {
    search::SearchRequest req;
    req.types = {type};
    req.params = *search::parse_form(q);
    req.policy = only;
    auto reader = db.store().reader();
    auto r = search::execute(*reader, req);
    Ids out;
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    if (r)
      for (const auto& h : r->page.hits) out.push_back(h.id);
    return out;
  };
  EXPECT_EQ(as_policy("MedicationRequest", "medication:Medication.code=9000002"), Ids{}) << "m2 is hidden";
  EXPECT_EQ(as_policy("Observation", "subject:Patient.name=anonyme"), Ids{"o2"});
}

// _contained=true|both and _containedType (R4 §3.1.1.5.9): the contained
// resources are searched; their containers come back, or with
// _containedType=contained the contained resources at Container/id#local;
// the access policy is the container's.
TEST(SearchContained, ContainedParameter) {
  testing::SearchStore db;
  db.put(R"({"resourceType":"MedicationRequest","id":"mr1","status":"active","intent":"order",
    "contained":[{"resourceType":"Medication","id":"med","code":{"coding":[{"system":"http://data.esante.gouv.fr/ansm/medicament/UCD","code":"9000001"}]}}],
    "medicationReference":{"reference":"#med"},"subject":{"reference":"Patient/p1"}})");
  db.put(R"({"resourceType":"Medication","id":"m2","code":{"coding":[{"code":"9000001"}]}})");
  db.put(R"({"resourceType":"MedicationRequest","id":"mr3","status":"active","intent":"order",
    "contained":[{"resourceType":"Medication","id":"a","code":{"coding":[{"code":"9000003"}]}},
                 {"resourceType":"Medication","id":"b","code":{"coding":[{"code":"9000003"}]}}],
    "medicationReference":{"reference":"#a"},"basedOn":[{"reference":"#b"}],"subject":{"reference":"Patient/p1"}})");
  auto hits = [&](const std::string& type, const std::string& q) {
    auto r = db.run(type, q);
    Ids out;
    EXPECT_TRUE(r.ok()) << q << ": " << (r.ok() ? "" : r.error().message());
    if (r)
      for (const auto& h : r->page.hits) out.push_back(h.type + "/" + h.id);
    return out;
  };
  EXPECT_EQ(hits("Medication", "code=9000001"), Ids{"Medication/m2"});
  EXPECT_EQ(hits("Medication", "code=9000001&_contained=false"), Ids{"Medication/m2"});
  EXPECT_EQ(hits("Medication", "code=9000001&_contained=true"), Ids{"MedicationRequest/mr1"});
  EXPECT_EQ(hits("Medication", "code=9000001&_contained=both"),
            (Ids{"MedicationRequest/mr1", "Medication/m2"}));
  EXPECT_EQ(hits("Medication", "code=9000003&_contained=true"), Ids{"MedicationRequest/mr3"})
      << "a container once per page";
  EXPECT_EQ(hits("Medication", "code=9000003&_contained=true&_containedType=contained"),
            (Ids{"MedicationRequest/mr3#a", "MedicationRequest/mr3#b"}));
  auto alone = db.run("Medication", "code=9000001&_contained=true&_containedType=contained");
  ASSERT_TRUE(alone.ok());
  ASSERT_EQ(alone->page.hits.size(), 1u);
  auto body = parse_json(alone->page.hits[0].body);
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->get_string("resourceType"), "Medication");
  EXPECT_EQ(body->get_string("id"), "med");
  EXPECT_EQ(db.all_ids("Medication", "_contained=true&_containedType=contained&_count=1"),
            (Ids{"mr1#med", "mr3#a", "mr3#b"}));
  auto system = db.run("", "_contained=true&_total=accurate");
  ASSERT_TRUE(system.ok());
  EXPECT_EQ(system->page.total, 3) << "three contained resources";

  db.strict = true;
  auto bad = db.run("Medication", "_contained=maybe");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().status(), 400);
  EXPECT_FALSE(db.run("Medication", "_containedType=inside").ok());

  // The container's access policy decides.
  auto with_policy = [&](const std::string& visible) {
    search::SearchRequest req;
    req.types = {"Medication"};
    req.params = *search::parse_form("code=9000001&_contained=both");
    req.policy = [visible](const store::SqlColumns& c, int) {
      return store::SqlFragment{c.type + " = '" + visible + "'", {}};
    };
    auto reader = db.store().reader();
    auto r = search::execute(*reader, req);
    Ids out;
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    if (r)
      for (const auto& h : r->page.hits) out.push_back(h.type + "/" + h.id);
    return out;
  };
  EXPECT_EQ(with_policy("MedicationRequest"), Ids{"MedicationRequest/mr1"});
  EXPECT_EQ(with_policy("Medication"), Ids{"Medication/m2"})
      << "a contained Medication is not a Medication's";
}

// Target order is a choice by cost: with many targets and few referrers,
// walking the referrers and testing each stays cheaper.
TEST(SearchChainOrder, FewReferrersOfManyTargetsKeepInsertionOrder) {
  testing::SearchStore db;
  for (int i = 0; i < 200; ++i)
    db.put(R"({"resourceType":"Patient","id":"p)" + std::to_string(i) + R"(","gender":")" +
           (i % 2 ? "female" : "male") + R"("})");
  db.put(
      R"({"resourceType":"Task","id":"t2","status":"requested","intent":"order","for":{"reference":"Patient/p3"}})");
  db.put(
      R"({"resourceType":"Task","id":"t1","status":"requested","intent":"order","for":{"reference":"Patient/p1"}})");
  db.put(
      R"({"resourceType":"Task","id":"t0","status":"requested","intent":"order","for":{"reference":"Patient/p0"}})");
  auto r = db.run("Task", "patient.gender=female");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->target_order) << "three Tasks: walk them";
  Ids got;
  for (const auto& h : r->page.hits) got.push_back(h.id);
  EXPECT_EQ(got, (Ids{"t2", "t1"})) << "insertion order";
}

TEST_F(Search, Totals) {
  auto r = db_->run("Observation", "code=4548-4&_total=accurate&_count=1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->page.total, 2);
  EXPECT_EQ(r->page.hits.size(), 1u);
  EXPECT_FALSE(r->next_cursor.empty());
}

}  // namespace
}  // namespace parcours

namespace parcours {
namespace {

// Custom SearchParameter resources stored on the server become searchable
// once the index is rebuilt (docs/decisions/search.md).
TEST(SearchCustomParameters, UsableAfterReindex) {
  testing::SearchStore db;
  db.put(
      R"({"resourceType":"Patient","id":"c1","extension":[{"url":"http://example.org/fhir/StructureDefinition/birth-city","valueString":"Lille"}]})");
  db.put(
      R"({"resourceType":"SearchParameter","id":"birth-city","url":"http://example.org/fhir/SearchParameter/birth-city",
    "name":"birth-city","status":"active","description":"City of birth","code":"birth-city","base":["Patient"],"type":"string",
    "expression":"Patient.extension('http://example.org/fhir/StructureDefinition/birth-city').value"})");
  EXPECT_FALSE(db.run("Patient", "birth-city=lil").ok()) << "unknown before it is installed";
  auto stale = search::prepare_store(db.store());
  ASSERT_TRUE(stale.ok()) << stale.error().message();
  EXPECT_TRUE(*stale) << "the index was built without it";
  auto n = db.store().reindex(nullptr);
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(*n, 2);
  EXPECT_EQ(db.ids("Patient", "birth-city=lil"), (std::vector<std::string>{"c1"}));
  db.put(
      R"({"resourceType":"Patient","id":"c2","extension":[{"url":"http://example.org/fhir/StructureDefinition/birth-city","valueString":"Roubaix"}]})");
  EXPECT_EQ(db.ids("Patient", "birth-city=roubaix"), (std::vector<std::string>{"c2"}));
  auto again = search::prepare_store(db.store());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again) << "reindexed: current";
  ASSERT_TRUE(search::Registry::install_custom({}).ok());  // back to the built-ins for the other tests
}

// How many resources the full-text index holds `word` for, read from FTS5's
// own vocabulary (https://sqlite.org/fts5.html, "The fts5vocab Virtual
// Table Module"): what a search cannot show, such as a word left behind
// under a rowid that has other words now.
std::string documents_with(const std::string& directory, const std::string& word) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2((directory + "/parcours.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr),
            SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, sp_text, row)", nullptr,
                         nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT doc FROM temp.vocab WHERE term = ?1", -1, &st, nullptr),
            SQLITE_OK);
  sqlite3_bind_text(st, 1, word.c_str(), -1, SQLITE_TRANSIENT);
  std::string out = "0";
  if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// The last results of a code (Observation?code=X&_sort=-date): the code's
// token rows carry their resource's latest date (TokenRow::latest), and the
// planner walks them by it (SearchPlan::latest_walk) when the code is more
// common than the page. The walk must give what sorting the matches gives:
// periods by their end, partial dates by their last instant, ties by the
// resource key, resources without a date last, a resource with the code
// twice once, and every page forward and back.
TEST(SearchLatestOfACode, WalksTheCodeByItsLatestDate) {
  auto registry = search::Registry::current();
  EXPECT_EQ(registry->find("Observation", "code")->latest_by, registry->find("Observation", "date"));
  EXPECT_EQ(registry->find("Immunization", "vaccine-code")->latest_by,
            registry->find("Immunization", "date"));
  EXPECT_EQ(registry->find("Observation", "category")->latest_by, nullptr);

  testing::SearchStore db;
  auto obs = [&](const std::string& id, const std::string& codings, const std::string& when,
                 const std::string& status = "final") {
    db.put(R"({"resourceType":"Observation","id":")" + id + R"(","status":")" + status +
           R"(","code":{"coding":[)" + codings + "]}" + (when.empty() ? "" : "," + when) + "}");
  };
  const std::string loinc = R"({"system":"http://loinc.org","code":"4548-4"})";
  const std::string local = R"({"system":"urn:oid:1.2.250.1.999","code":"4548-4"})";
  obs("a1", loinc, R"("effectiveDateTime":"2024-01-10T08:00:00+01:00")");
  obs("a2", loinc, R"("effectiveDateTime":"2024-03-05")");
  obs("a3", loinc, R"("effectiveDateTime":"2024-02")", "preliminary");  // ends 2024-02-29T23:59:59.999999
  obs("a4", loinc, R"("effectivePeriod":{"start":"2023-12-01","end":"2024-04-01"})");
  obs("a5", loinc, "");
  obs("a6", loinc + "," + local, R"("effectiveDateTime":"2024-01-20")");
  obs("a7", local, R"("effectiveDateTime":"2024-05-01")");
  obs("a8", loinc, R"("effectiveDateTime":"2024-03-05")");  // a2's day: after it, by the resource key
  obs("b1", R"({"system":"http://loinc.org","code":"2345-7"})", R"("effectiveDateTime":"2024-06-01")");

  const Ids all{"a7", "a4", "a8", "a2", "a3", "a6", "a1", "a5"};
  const std::string q = "code=4548-4&_sort=-date";
  auto walked = db.run("Observation", q + "&_count=2&_explain=true");
  ASSERT_TRUE(walked.ok()) << walked.error().message();
  std::string plan;
  for (const auto& line : walked->explain) plan += line + "\n";
  EXPECT_TRUE(walked->latest_walk) << plan;
  EXPECT_NE(plan.find("by their resource's latest date"), std::string::npos) << plan;
  EXPECT_NE(plan.find("sp_token_by_latest"), std::string::npos) << plan;
  // Eight matches for a page of fifty: the planner enumerates and sorts.
  auto sorted_plan = db.run("Observation", q + "&_count=50");
  ASSERT_TRUE(sorted_plan.ok());
  EXPECT_FALSE(sorted_plan->latest_walk);
  EXPECT_EQ(db.ids("Observation", q + "&_count=50"), all);
  for (const char* count : {"1", "2", "3"})
    EXPECT_EQ(db.all_ids("Observation", q + "&_count=" + count), all) << count;

  // Back from the last page through previous links.
  auto page = db.run("Observation", q + "&_count=3");
  while (page.ok() && !page->next_cursor.empty())
    page = db.run("Observation", q + "&_count=3&_cursor=" + page->next_cursor);
  ASSERT_TRUE(page.ok()) << page.error().message();
  Ids back;
  for (const auto& h : page->page.hits) back.push_back(h.id);
  while (!page->prev_cursor.empty()) {
    page = db.run("Observation", q + "&_count=3&_cursor=" + page->prev_cursor);
    ASSERT_TRUE(page.ok()) << page.error().message();
    Ids ids;
    for (const auto& h : page->page.hits) ids.push_back(h.id);
    back.insert(back.begin(), ids.begin(), ids.end());
  }
  EXPECT_EQ(back, all);

  // The system and the other predicates still apply.
  EXPECT_EQ(db.all_ids("Observation", "code=http://loinc.org|4548-4&_sort=-date&_count=2"),
            (Ids{"a4", "a8", "a2", "a3", "a6", "a1", "a5"}));
  EXPECT_EQ(db.all_ids("Observation", q + "&status=final&_count=2"),
            (Ids{"a7", "a4", "a8", "a2", "a6", "a1", "a5"}));
  // a4's period starts before March (lt: the range below the value
  // overlaps the resource's: R4 search, date prefixes), and sorts by its end.
  EXPECT_EQ(db.all_ids("Observation", q + "&date=lt2024-03&_count=2"), (Ids{"a4", "a3", "a6", "a1"}));

  // Writes move the rows: a new date, a new code, a deletion, a date added.
  obs("a1", loinc, R"("effectiveDateTime":"2025-01-01")");
  obs("a4", R"({"system":"http://loinc.org","code":"2345-7"})", R"("effectiveDateTime":"2024-04-01")");
  db.remove("Observation", "a7");
  obs("a5", loinc, R"("effectiveDateTime":"2024-02-15")");
  const Ids now{"a1", "a8", "a2", "a3", "a5", "a6"};
  EXPECT_EQ(db.ids("Observation", q + "&_count=50"), now);
  EXPECT_EQ(db.all_ids("Observation", q + "&_count=2"), now);
  EXPECT_EQ(sql_value(db.directory(),
                      "SELECT count(*) FROM sp_token t JOIN search_param p ON p.pid = t.param WHERE p.name = "
                      "'Observation.code' AND t.code = '4548-4' AND t.latest IS NOT NULL"),
            "7");  // a1 a2 a3 a5 a8, and a6 twice
  // Dates that are no longer the resource's are gone from the walk.
  obs("a2", loinc, "");
  EXPECT_EQ(db.all_ids("Observation", q + "&_count=2"), (Ids{"a1", "a8", "a3", "a5", "a6", "a2"}));

  // A row written before migration 14 has no latest date (NULL): an update
  // takes it out (the diff compares with IS) and writes the new one.
  sql_exec(db.directory(),
           "UPDATE sp_token SET latest = NULL WHERE rid = (SELECT rid FROM search_resource WHERE type = "
           "'Observation' AND id = 'a8')");
  obs("a8", loinc, R"("effectiveDateTime":"2026-01-01")");
  EXPECT_EQ(
      sql_value(db.directory(),
                "SELECT count(*) || ' ' || count(latest) FROM sp_token t JOIN search_param p ON p.pid = "
                "t.param WHERE p.name = 'Observation.code' AND t.rid = (SELECT rid FROM search_resource "
                "WHERE type = 'Observation' AND id = 'a8')"),
      "1 1");
  EXPECT_EQ(db.all_ids("Observation", q + "&_count=2"), (Ids{"a8", "a1", "a3", "a5", "a6", "a2"}));
}

// The full-text index keeps no copy of the texts (search_schema.h): an
// update or a delete takes a resource's old words out with the text of its
// stored version, and a reindex starts the index again.
TEST(SearchFullText, UpdatesAndDeletesTakeTheOldWordsOut) {
  testing::SearchStore db;
  auto patient = [](const std::string& family, const std::string& narrative, bool active) {
    return R"({"resourceType":"Patient","id":"p1","active":)" + std::string(active ? "true" : "false") +
           R"(,"name":[{"family":")" + family +
           R"("}],"text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">)" +
           narrative + R"(</div>"}})";
  };
  const Ids p1{"p1"}, none;
  db.put(patient("Lefèvre", "Diabète de type 2", true));
  db.put(R"({"resourceType":"Patient","id":"p2","name":[{"family":"Martin"}]})");
  EXPECT_EQ(db.ids("Patient", "_text=diabete"), p1);
  EXPECT_EQ(db.ids("Patient", "_content=lefevre"), p1);

  db.put(patient("Dupont", "Insuffisance cardiaque", true));  // another name and narrative
  EXPECT_EQ(db.ids("Patient", "_text=diabete"), none);
  EXPECT_EQ(db.ids("Patient", "_content=lefevre"), none);
  EXPECT_EQ(db.ids("Patient", "_text=cardiaque"), p1);
  EXPECT_EQ(db.ids("Patient", "_content=dupont"), p1);
  EXPECT_EQ(documents_with(db.directory(), "diabete"), "0");
  EXPECT_EQ(documents_with(db.directory(), "lefevre"), "0");
  EXPECT_EQ(documents_with(db.directory(), "dupont"), "1");

  db.put(patient("Dupont", "Insuffisance cardiaque", false));  // a new version, the same text
  EXPECT_EQ(db.ids("Patient", "_content=dupont"), p1);
  EXPECT_EQ(documents_with(db.directory(), "dupont"), "1");

  db.remove("Patient", "p1");
  EXPECT_EQ(db.ids("Patient", "_content=dupont"), none);
  EXPECT_EQ(documents_with(db.directory(), "dupont"), "0");
  EXPECT_EQ(documents_with(db.directory(), "martin"), "1");

  db.put(patient("Dupont", "Insuffisance cardiaque", true));  // created again after its delete
  EXPECT_EQ(db.ids("Patient", "_text=insuffisance"), p1);

  auto n = db.store().reindex(nullptr);
  ASSERT_TRUE(n.ok()) << n.error().message();
  EXPECT_EQ(documents_with(db.directory(), "dupont"), "1");  // indexed once, not twice
  EXPECT_EQ(documents_with(db.directory(), "martin"), "1");
  EXPECT_EQ(db.ids("Patient", "_content=martin"), (Ids{"p2"}));
  db.put(patient("Bernard", "Asthme", true));  // after the reindex, the old words still go
  EXPECT_EQ(db.ids("Patient", "_content=dupont"), none);
  EXPECT_EQ(documents_with(db.directory(), "dupont"), "0");
  EXPECT_EQ(db.ids("Patient", "_text=asthme"), p1);
}

// The full text is folded as the words of a query are: a ligature or a
// letter FTS5 would keep whole (œ, æ, ß, ø) matches what a keyboard types.
TEST(SearchFullText, LigaturesMatchWhatIsTyped) {
  testing::SearchStore db;
  db.put(R"({"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"},
    "code":{"text":"Œdème des membres inférieurs"},"note":[{"text":"Suivi par sa sœur, Straße 5, Ærø"}],
    "text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Insuffisance du cœur</div>"}})");
  const std::vector<std::string> c1{"c1"};
  EXPECT_EQ(db.ids("Condition", "_content=oedeme"), c1);
  EXPECT_EQ(db.ids("Condition", "_content=%C5%93d%C3%A8me"), c1);  // œdème
  EXPECT_EQ(db.ids("Condition", "_content=OEDEME"), c1);
  EXPECT_EQ(db.ids("Condition", "_content=soeur"), c1);
  EXPECT_EQ(db.ids("Condition", "_content=strasse"), c1);
  EXPECT_EQ(db.ids("Condition", "_content=aero"), c1);
  EXPECT_EQ(db.ids("Condition", "_text=coeur"), c1);
  EXPECT_EQ(db.ids("Condition", "_text=c%C5%93ur"), c1);                      // cœur
  EXPECT_EQ(db.ids("Condition", "_text=oede*"), std::vector<std::string>{});  // not in the narrative
  EXPECT_EQ(db.ids("Condition", "_content=oede*"), c1);
}

// A text computed again that is not the one indexed (which should never
// happen: it is a pure function of the stored body) is not used to take
// the row out; the index is marked stale, and the reindex the next open
// runs rebuilds the full text.
TEST(SearchFullText, ATextOutOfStepMarksTheIndexStale) {
  testing::SearchStore db;
  db.put(R"({"resourceType":"Patient","id":"p1","name":[{"family":"Lefèvre"}]})");
  auto current = search::prepare_store(db.store());
  ASSERT_TRUE(current.ok());
  EXPECT_FALSE(*current);
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(
        sqlite3_open_v2((db.directory() + "/parcours.db").c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr),
        SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(raw, "UPDATE search_resource SET text = 12345 WHERE id = 'p1'", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  db.put(R"({"resourceType":"Patient","id":"p1","name":[{"family":"Dupont"}]})");
  EXPECT_EQ(sql_value(db.directory(), "SELECT value FROM search_meta WHERE key = 'fingerprint'"), "");
  auto stale = search::prepare_store(db.store());
  ASSERT_TRUE(stale.ok());
  EXPECT_TRUE(*stale);
  ASSERT_TRUE(db.store().reindex(nullptr).ok());
  EXPECT_EQ(documents_with(db.directory(), "lefevre"), "0");
  EXPECT_EQ(documents_with(db.directory(), "dupont"), "1");
  EXPECT_EQ(db.ids("Patient", "_content=dupont"), (std::vector<std::string>{"p1"}));
}

}  // namespace
}  // namespace parcours

namespace parcours {
namespace {

// The special parameters and the rarer modifiers, hand-checked.
class SearchSpecials : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new testing::SearchStore();
    auto& s = *db_;
    s.put(R"({"resourceType":"Patient","id":"a","meta":{"tag":[{"system":"urn:tags","code":"vip"}],
      "profile":["https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient"],
      "security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"R"}],
      "source":"urn:source:dpi"},
      "name":[{"family":"Dupont, Jr","given":["A|B"]}],"multipleBirthInteger":2,
      "contained":[{"resourceType":"Practitioner","id":"c1","name":[{"family":"Contained"}]}],
      "generalPractitioner":[{"reference":"#c1"},{"identifier":{"system":"urn:rpps","value":"10000000042"}}]})");
    s.put(R"({"resourceType":"Patient","id":"b","name":[{"family":"Dupont$Sr"}],"multipleBirthInteger":1,
      "meta":{"tag":[{"system":"urn:tags","code":"std"}]}})");
    s.put(R"({"resourceType":"List","id":"l1","status":"current","mode":"working",
      "entry":[{"item":{"reference":"Patient/b"}}]})");
    s.put(
        R"({"resourceType":"Location","id":"lille","name":"Lille","position":{"latitude":50.6292,"longitude":3.0573}})");
    s.put(
        R"({"resourceType":"Location","id":"paris","name":"Paris","position":{"latitude":48.8566,"longitude":2.3522}})");
    s.put(
        R"({"resourceType":"ValueSet","id":"vs-glyc","url":"http://example.org/fhir/ValueSet/glycemia","status":"active",
      "compose":{"include":[{"system":"http://loinc.org","concept":[{"code":"4548-4"},{"code":"2339-0"}]}]}})");
    s.put(
        R"({"resourceType":"ValueSet","id":"vs-local","url":"http://example.org/fhir/ValueSet/local","status":"active",
      "compose":{"include":[{"system":"urn:local"}]}})");
    s.put(
        R"({"resourceType":"Observation","id":"x1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]}})");
    s.put(
        R"({"resourceType":"Observation","id":"x2","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]}})");
    s.put(
        R"({"resourceType":"Observation","id":"x3","status":"final","code":{"coding":[{"system":"urn:local","code":"GLU"}]}})");
    s.put(
        R"({"resourceType":"Questionnaire","id":"q1","status":"active","url":"http://example.org/fhir/Questionnaire/zarit/v2"})");
    s.put(
        R"({"resourceType":"Questionnaire","id":"q2","status":"active","url":"http://example.org/fhir/Questionnaire/zarit"})");
    s.put(R"({"resourceType":"RiskAssessment","id":"r1","status":"final","subject":{"reference":"Patient/a"},
      "prediction":[{"probabilityDecimal":0.25},{"probabilityDecimal":0.8}]})");
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  Ids ids(const std::string& type, const std::string& q) { return sorted(db_->ids(type, q)); }
  static testing::SearchStore* db_;
};
testing::SearchStore* SearchSpecials::db_ = nullptr;

TEST_F(SearchSpecials, MetaParameters) {
  EXPECT_EQ(ids("Patient", "_tag=urn:tags|vip"), Ids{"a"});
  EXPECT_EQ(ids("Patient", "_tag=std"), Ids{"b"});
  EXPECT_EQ(ids("Patient", "_profile=https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient"),
            Ids{"a"});
  EXPECT_EQ(ids("Patient", "_security=R"), Ids{"a"});
  EXPECT_EQ(ids("Patient", "_source=urn:source:dpi"), Ids{"a"});
  EXPECT_EQ(ids("", "_type=Patient,Observation&_tag=vip"), Ids{"a"});  // system-level, shared parameter
}

TEST_F(SearchSpecials, EscapingInValues) {
  EXPECT_EQ(ids("Patient", "family=Dupont\\,%20Jr"), Ids{"a"});  // "Dupont, Jr"
  EXPECT_EQ(ids("Patient", "family=Dupont\\$Sr"), Ids{"b"});
  EXPECT_EQ(ids("Patient", "given:exact=A\\|B"), Ids{"a"});
  EXPECT_EQ(ids("Patient", "family=Dupont"), (Ids{"a", "b"}));
  EXPECT_EQ(ids("Patient", "family=Dupont\\,%20Jr,Dupont\\$Sr"), (Ids{"a", "b"}));
}

TEST_F(SearchSpecials, ListMembership) { EXPECT_EQ(ids("Patient", "_list=l1"), Ids{"b"}); }

TEST_F(SearchSpecials, NearByDistance) {
  EXPECT_EQ(ids("Location", "near=50.63|3.06|5|km"), Ids{"lille"});
  EXPECT_EQ(ids("Location", "near=50.63|3.06|250|km"), (Ids{"lille", "paris"}));  // ~205 km apart
  EXPECT_EQ(ids("Location", "near=50.63|3.06|150|km"), Ids{"lille"});
  EXPECT_EQ(ids("Location", "near=48.86|2.35|2000|m"), Ids{"paris"});
}

TEST_F(SearchSpecials, ValueSetMembership) {
  EXPECT_EQ(ids("Observation", "code:in=http://example.org/fhir/ValueSet/glycemia"), Ids{"x1"});
  EXPECT_EQ(ids("Observation", "code:in=ValueSet/vs-local"), Ids{"x3"});
  EXPECT_EQ(ids("Observation", "code:not-in=http://example.org/fhir/ValueSet/glycemia"), (Ids{"x2", "x3"}));
  EXPECT_EQ(ids("Observation", "code:in=http://example.org/fhir/ValueSet/unknown"), Ids{});
}

TEST_F(SearchSpecials, UriAboveAndBelow) {
  EXPECT_EQ(ids("Questionnaire", "url=http://example.org/fhir/Questionnaire/zarit"), Ids{"q2"});
  EXPECT_EQ(ids("Questionnaire", "url:below=http://example.org/fhir/Questionnaire/zarit"), (Ids{"q1", "q2"}));
  EXPECT_EQ(ids("Questionnaire", "url:above=http://example.org/fhir/Questionnaire/zarit/v2/extra"),
            (Ids{"q1", "q2"}));
  EXPECT_EQ(ids("Questionnaire", "url:above=http://example.org/fhir/Questionnaire/zarit"), Ids{"q2"});
}

TEST_F(SearchSpecials, NumbersWithSeveralValues) {
  EXPECT_EQ(ids("RiskAssessment", "probability=0.25"), Ids{"r1"});
  EXPECT_EQ(ids("RiskAssessment", "probability=gt0.7"), Ids{"r1"});
  EXPECT_EQ(ids("RiskAssessment", "probability=lt0.2"), Ids{});
  EXPECT_EQ(ids("RiskAssessment", "probability=0.3"), Ids{"r1"});  // [0.25, 0.35) holds 0.25
  EXPECT_EQ(ids("RiskAssessment", "probability=0.2"), Ids{});      // [0.15, 0.25) does not
  EXPECT_EQ(ids("RiskAssessment", "probability=0.8&probability=0.25"),
            Ids{"r1"});  // both values, one resource
}

TEST_F(SearchSpecials, ReferencesByIdentifierAndContained) {
  EXPECT_EQ(ids("Patient", "general-practitioner:identifier=urn:rpps|10000000042"), Ids{"a"});
  // A contained resource is part of its container: "#c1" is not a search target.
  EXPECT_EQ(ids("Patient", "general-practitioner=c1"), Ids{});
  EXPECT_EQ(ids("Practitioner", "name=contained"), Ids{});
  // ...but a chain evaluates inside it (R4 §3.1.1.5.9).
  EXPECT_EQ(ids("Patient", "general-practitioner.name=contained"), Ids{"a"});
  EXPECT_EQ(ids("Patient", "general-practitioner:Practitioner.name=contained"), Ids{"a"});
  EXPECT_EQ(ids("Patient", "general-practitioner:Organization.name=contained"), Ids{});
}

TEST_F(SearchSpecials, LastUpdatedAndMissing) {
  EXPECT_EQ(ids("Patient", "_lastUpdated=gt2000"), (Ids{"a", "b"}));
  EXPECT_EQ(ids("Patient", "_lastUpdated=lt2000"), Ids{});
  EXPECT_EQ(ids("Patient", "_tag:missing=true"), Ids{});
  EXPECT_EQ(ids("Observation", "subject:missing=true"), (Ids{"x1", "x2", "x3"}));
}

// The access policy goes inside every part of the query (the security
// layer's RowFilter): pages, totals, includes, chains and _has never see a
// hidden row.
TEST_F(SearchSpecials, PolicyFiltersEveryPartOfTheQuery) {
  // Hide Patient/a and everything in its compartment.
  store::RowFilter hide_a = [](const store::SqlColumns& c, int first) {
    store::SqlFragment f;
    std::string p = "?" + std::to_string(first);
    f.sql = "NOT ((" + c.type + " = 'Patient' AND " + c.id + " = " + p +
            ") OR EXISTS (SELECT 1 FROM resource_patient rp WHERE rp.type = " + c.type +
            " AND rp.id = " + c.id + " AND rp.patient = " + p + "))";
    f.params.push_back(std::string("a"));
    return f;
  };
  auto run = [&](const std::string& type, const std::string& q) {
    auto params = search::parse_form(q);
    search::SearchRequest req;
    req.types = {type};
    req.params = *params;
    req.strict = true;
    req.policy = hide_a;
    auto reader = db_->store().reader();
    auto r = search::execute(*reader, req);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r;
  };
  auto all = run("Patient", "_total=accurate");
  EXPECT_EQ(all->page.total, 1);
  ASSERT_EQ(all->page.hits.size(), 1u);
  EXPECT_EQ(all->page.hits[0].id, "b");
  // Chain through a hidden patient: nothing.
  EXPECT_TRUE(run("RiskAssessment", "subject:Patient.name=dupont")->page.hits.empty());
  // Included resources obey it.
  auto inc = run("RiskAssessment", "_include=RiskAssessment:subject");
  EXPECT_TRUE(inc->page.hits.empty());  // r1 is in a's compartment
  auto rev = run("Patient", "_id=b&_revinclude=List:item");
  EXPECT_EQ(rev->page.included.size(), 1u);
  // _has through a hidden resource: nothing.
  EXPECT_TRUE(run("Patient", "_has:RiskAssessment:subject:probability=gt0.5")->page.hits.empty());
  // Without the policy, the same queries see them.
  EXPECT_EQ(ids("Patient", "_has:RiskAssessment:subject:probability=gt0.5"), Ids{"a"});
}

}  // namespace
}  // namespace parcours

namespace parcours {
namespace {

using Ids = std::vector<std::string>;

// Terminology stored on the server: token :below/:above by subsumption
// (R4 §3.1.1.5.5) and :in/:not-in over ValueSets with compose filters.
class SearchTerminology : public ::testing::Test {
 protected:
  static constexpr const char* kCs = "http://example.org/cs/care";
  static void SetUpTestSuite() {
    db_ = new testing::SearchStore();
    auto& s = *db_;
    // root > mob > walk > stairs (stairs by the parent property), mob > transfer;
    // root > cog > memory (nested), cog > orient (by the child property).
    s.put(R"({"resourceType":"CodeSystem","id":"care","url":"http://example.org/cs/care","status":"active",
      "content":"complete","hierarchyMeaning":"is-a",
      "property":[{"code":"parent","uri":"http://hl7.org/fhir/concept-properties#parent","type":"code"},
                  {"code":"kid","uri":"http://hl7.org/fhir/concept-properties#child","type":"code"},
                  {"code":"domain","type":"string"},{"code":"inactive","type":"boolean"}],
      "concept":[
        {"code":"root","display":"Care need","concept":[
          {"code":"mob","display":"Mobility","property":[{"code":"domain","valueString":"physical"}],"concept":[
            {"code":"walk","display":"Walking","property":[{"code":"domain","valueString":"physical"}]},
            {"code":"transfer","display":"Transfer","property":[{"code":"domain","valueString":"physical"}]}]},
          {"code":"cog","display":"Cognition","property":[{"code":"domain","valueString":"mental"},
                                                           {"code":"kid","valueCode":"orient"}],"concept":[
            {"code":"memory","display":"Memory","property":[{"code":"domain","valueString":"mental"},
                                                              {"code":"inactive","valueBoolean":true}]}]}]},
        {"code":"stairs","display":"Stairs","property":[{"code":"parent","valueCode":"walk"},
                                                         {"code":"domain","valueString":"physical"}]},
        {"code":"orient","display":"Orientation","property":[{"code":"domain","valueString":"mental"}]}]})");
    s.put(
        R"({"resourceType":"CodeSystem","id":"grouped","url":"http://example.org/cs/grouped","status":"active",
      "content":"complete","hierarchyMeaning":"grouped-by","concept":[{"code":"g","concept":[{"code":"g1"}]}]})");
    for (const char* code : {"root", "mob", "walk", "stairs", "cog", "memory", "orient"})
      s.put(std::string(R"({"resourceType":"Observation","id":"o-)") + code +
            R"(","status":"final","code":{"coding":[{"system":"http://example.org/cs/care","code":")" + code +
            R"("}]}})");
    s.put(R"({"resourceType":"Observation","id":"o-other","status":"final",
      "code":{"coding":[{"system":"urn:other","code":"walk"}]}})");
    s.put(R"({"resourceType":"Observation","id":"o-g1","status":"final",
      "code":{"coding":[{"system":"http://example.org/cs/grouped","code":"g1"}]}})");
    auto vs = [&](const std::string& id, const std::string& compose) {
      s.put(R"({"resourceType":"ValueSet","id":")" + id + R"(","url":"http://example.org/vs/)" + id +
            R"(","status":"active","compose":)" + compose + "}");
    };
    auto inc = [](const std::string& filters) {
      return R"({"include":[{"system":"http://example.org/cs/care","filter":[)" + filters + "]}]}";
    };
    vs("is-a", inc(R"({"property":"concept","op":"is-a","value":"mob"})"));
    vs("desc", inc(R"({"property":"concept","op":"descendent-of","value":"mob"})"));
    vs("not-a", inc(R"({"property":"concept","op":"is-not-a","value":"mob"})"));
    vs("eq", inc(R"({"property":"domain","op":"=","value":"mental"})"));
    vs("regex", inc(R"({"property":"code","op":"regex","value":"(w|s).*"})"));
    vs("in", inc(R"({"property":"concept","op":"in","value":"walk, cog"})"));
    vs("not-in", inc(R"({"property":"domain","op":"not-in","value":"physical"})"));
    vs("gen", inc(R"({"property":"concept","op":"generalizes","value":"stairs"})"));
    vs("exists", inc(R"({"property":"inactive","op":"exists","value":"true"})"));
    vs("and",
       inc(R"({"property":"concept","op":"is-a","value":"root"},{"property":"domain","op":"=","value":"physical"})"));
    vs("exclude",
       R"({"include":[{"system":"http://example.org/cs/care","filter":[{"property":"concept","op":"is-a","value":"root"}]}],
      "exclude":[{"system":"http://example.org/cs/care","filter":[{"property":"domain","op":"=","value":"mental"}]}]})");
    vs("whole-minus", R"({"include":[{"system":"http://example.org/cs/care"}],
      "exclude":[{"system":"http://example.org/cs/care","filter":[{"property":"domain","op":"=","value":"mental"}]}]})");
    vs("other-minus",
       R"({"include":[{"system":"urn:other"}],"exclude":[{"system":"urn:other","concept":[{"code":"x"}]}]})");
    vs("external",
       R"({"include":[{"system":"http://snomed.info/sct","filter":[{"property":"concept","op":"is-a","value":"235856003"}]}]})");
    vs("bad-op", inc(R"({"property":"concept","op":"sounds-like","value":"mob"})"));
    vs("bad-regex", inc(R"({"property":"code","op":"regex","value":"(unclosed"})"));
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  Ids ids(const std::string& q) {
    Ids v = db_->ids("Observation", q);
    std::sort(v.begin(), v.end());
    return v;
  }
  std::string error(const std::string& q) {
    auto r = db_->run("Observation", q);
    if (r.ok()) return "(no error)";
    EXPECT_EQ(r.error().status(), 400) << q;
    return r.error().message();
  }
  static testing::SearchStore* db_;
};
testing::SearchStore* SearchTerminology::db_ = nullptr;

TEST_F(SearchTerminology, BelowIsTheCodeAndItsDescendants) {
  EXPECT_EQ(ids("code:below=http://example.org/cs/care|mob"), (Ids{"o-mob", "o-stairs", "o-walk"}));
  EXPECT_EQ(ids("code:below=http://example.org/cs/care|cog"), (Ids{"o-cog", "o-memory", "o-orient"}));
  EXPECT_EQ(ids("code:below=http://example.org/cs/care|root").size(), 7u);  // not o-other (other system)
  EXPECT_EQ(ids("code:below=http://example.org/cs/care|stairs"), Ids{"o-stairs"});
  EXPECT_EQ(ids("code:below=http://example.org/cs/care|walk,http://example.org/cs/care|memory"),
            (Ids{"o-memory", "o-stairs", "o-walk"}));
}

TEST_F(SearchTerminology, AboveIsTheCodeAndItsAncestors) {
  EXPECT_EQ(ids("code:above=http://example.org/cs/care|stairs"),
            (Ids{"o-mob", "o-root", "o-stairs", "o-walk"}));
  EXPECT_EQ(ids("code:above=http://example.org/cs/care|orient"), (Ids{"o-cog", "o-orient", "o-root"}));
  EXPECT_EQ(ids("code:above=http://example.org/cs/care|root"), Ids{"o-root"});
}

TEST_F(SearchTerminology, FilterSubsumesAndSubsumedBy) {
  auto f = [&](const std::string& e) {
    std::string q = "_filter=";
    for (char ch : e)
      q += ch == ' ' ? std::string("%20") : ch == '|' ? std::string("%7C") : std::string(1, ch);
    return ids(q);
  };
  EXPECT_EQ(f("code sb http://example.org/cs/care|mob"), (Ids{"o-mob", "o-stairs", "o-walk"}));
  EXPECT_EQ(f("code ss http://example.org/cs/care|orient"), (Ids{"o-cog", "o-orient", "o-root"}));
  EXPECT_EQ(f("code in http://example.org/vs/eq and not (code eq cog)"), (Ids{"o-memory", "o-orient"}));
}

TEST_F(SearchTerminology, GroupedByIsNotSubsumption) {
  EXPECT_EQ(ids("code:below=http://example.org/cs/grouped|g"), Ids{});
  EXPECT_EQ(ids("code:below=http://example.org/cs/grouped|g1"), Ids{"o-g1"});
}

TEST_F(SearchTerminology, UnknownSystemOrCodeMatchesNothingAndSaysWhy) {
  auto r = db_->run("Observation", "code:below=urn:nowhere|x");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->page.hits.empty());
  ASSERT_EQ(r->query.ignored.size(), 1u);
  EXPECT_EQ(r->query.ignored[0].severity, "information");
  EXPECT_NE(r->query.ignored[0].diagnostics.find("urn:nowhere"), std::string::npos);
  EXPECT_EQ(ids("code:above=http://example.org/cs/care|nope"), Ids{});
}

// ATC and ICD-10 codes nest by prefix: without their CodeSystem stored,
// :below and :above follow the prefixes (search::nests_by_prefix); a stored
// CodeSystem's own hierarchy wins.
TEST(SearchPrefixHierarchies, AtcAndIcd10WithoutTheirCodeSystem) {
  testing::SearchStore db;
  auto rx = [&](const std::string& id, const std::string& atc) {
    db.put(R"({"resourceType":"MedicationRequest","id":")" + id + R"(","status":"active","intent":"order",
      "medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":")" +
           atc + R"("}]},
      "subject":{"reference":"Patient/p1"}})");
  };
  rx("metformin", "A10BA02");
  rx("gliclazide", "A10BB09");
  rx("amlodipine", "C08CA01");
  rx("class-only", "A10B");
  auto dx = [&](const std::string& id, const std::string& icd) {
    db.put(R"({"resourceType":"Condition","id":")" + id +
           R"(","code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":")" + icd +
           R"("}]},"subject":{"reference":"Patient/p1"}})");
  };
  dx("t2d", "E11.9");
  dx("t2d-renal", "E11.2");
  dx("t1d", "E10.9");
  dx("hta", "I10");
  auto ids = [&](const std::string& type, const std::string& q) { return sorted(db.ids(type, q)); };
  EXPECT_EQ(ids("MedicationRequest", "code:below=http://www.whocc.no/atc|A10BA"), Ids{"metformin"});
  EXPECT_EQ(ids("MedicationRequest", "code:below=http://www.whocc.no/atc|A10"),
            (Ids{"class-only", "gliclazide", "metformin"}));
  EXPECT_EQ(ids("MedicationRequest", "code:above=http://www.whocc.no/atc|A10BB09"),
            (Ids{"class-only", "gliclazide"}));
  EXPECT_EQ(
      ids("MedicationRequest", "code:below=http://www.whocc.no/atc|A10BA02,http://www.whocc.no/atc|C08"),
      (Ids{"amlodipine", "metformin"}));
  EXPECT_EQ(ids("Condition", "code:below=http://hl7.org/fhir/sid/icd-10|E11"), (Ids{"t2d", "t2d-renal"}));
  EXPECT_EQ(ids("Condition", "code:not=E11.9&code:below=http://hl7.org/fhir/sid/icd-10|E1"),
            (Ids{"t1d", "t2d-renal"}));
  EXPECT_EQ(ids("Condition", "_filter=code sb http://hl7.org/fhir/sid/icd-10|E11"),
            (Ids{"t2d", "t2d-renal"}));
  // Another system's codes are not taken.
  EXPECT_EQ(ids("Condition", "code:below=http://snomed.info/sct|E11"), Ids{});
  // Once a CodeSystem with that url is stored, its hierarchy decides.
  db.put(R"({"resourceType":"CodeSystem","id":"icd","url":"http://hl7.org/fhir/sid/icd-10","status":"active",
    "content":"fragment","hierarchyMeaning":"is-a","concept":[{"code":"E11","concept":[{"code":"E11.9"}]}]})");
  EXPECT_EQ(ids("Condition", "code:below=http://hl7.org/fhir/sid/icd-10|E11"), Ids{"t2d"});
}

TEST_F(SearchTerminology, BelowNeedsSystemAndCode) {
  EXPECT_NE(error("code:below=mob").find("needs system|code"), std::string::npos);
  EXPECT_NE(error("code:above=http://example.org/cs/care|").find("needs system|code"), std::string::npos);
}

TEST_F(SearchTerminology, ValueSetFilterOperators) {
  EXPECT_EQ(ids("code:in=http://example.org/vs/is-a"), (Ids{"o-mob", "o-stairs", "o-walk"}));
  EXPECT_EQ(ids("code:in=http://example.org/vs/desc"), (Ids{"o-stairs", "o-walk"}));
  EXPECT_EQ(ids("code:in=http://example.org/vs/not-a"), (Ids{"o-cog", "o-memory", "o-orient", "o-root"}));
  EXPECT_EQ(ids("code:in=http://example.org/vs/eq"), (Ids{"o-cog", "o-memory", "o-orient"}));
  EXPECT_EQ(ids("code:in=http://example.org/vs/regex"), (Ids{"o-stairs", "o-walk"}));
  EXPECT_EQ(ids("code:in=http://example.org/vs/in"), (Ids{"o-cog", "o-walk"}));
  EXPECT_EQ(ids("code:in=http://example.org/vs/not-in"), (Ids{"o-cog", "o-memory", "o-orient", "o-root"}));
  EXPECT_EQ(ids("code:in=http://example.org/vs/gen"), (Ids{"o-mob", "o-root", "o-stairs", "o-walk"}));
  EXPECT_EQ(ids("code:in=http://example.org/vs/exists"), Ids{"o-memory"});
  EXPECT_EQ(ids("code:in=ValueSet/and"), (Ids{"o-mob", "o-stairs", "o-walk"}));
  EXPECT_EQ(ids("code:in=http://example.org/vs/exclude"), (Ids{"o-mob", "o-root", "o-stairs", "o-walk"}));
  // Excluding codes from a whole system: the system's stored concepts minus them.
  EXPECT_EQ(ids("code:in=http://example.org/vs/whole-minus"), (Ids{"o-mob", "o-root", "o-stairs", "o-walk"}));
  EXPECT_NE(error("code:in=http://example.org/vs/other-minus").find("urn:other"), std::string::npos);
  // :not-in: every other observation, including other systems.
  EXPECT_EQ(ids("code:not-in=http://example.org/vs/is-a"),
            (Ids{"o-cog", "o-g1", "o-memory", "o-orient", "o-other", "o-root"}));
}

TEST_F(SearchTerminology, FiltersThatCannotBeExpanded) {
  std::string e = error("code:in=http://example.org/vs/external");
  EXPECT_NE(e.find("http://example.org/vs/external"), std::string::npos) << e;
  EXPECT_NE(e.find("http://snomed.info/sct"), std::string::npos) << e;
  EXPECT_NE(error("code:in=http://example.org/vs/bad-op").find("sounds-like"), std::string::npos);
  EXPECT_NE(error("code:in=http://example.org/vs/bad-regex").find("regular expression"), std::string::npos);
  // Lenient: the parameter is ignored with a warning, the rest applies.
  db_->strict = false;
  auto r = db_->run("Observation", "code:in=http://example.org/vs/external&code=walk");
  db_->strict = true;
  ASSERT_TRUE(r.ok()) << r.error().message();
  Ids got;
  for (const auto& h : r->page.hits) got.push_back(h.id);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (Ids{"o-other", "o-walk"}));
  ASSERT_EQ(r->query.ignored.size(), 1u);
  EXPECT_EQ(r->query.ignored[0].severity, "warning");
  EXPECT_EQ(r->query.ignored[0].expression, "code:in");
  ASSERT_EQ(r->query.applied.size(), 1u);  // the self link keeps code=walk only
  EXPECT_EQ(r->query.applied[0].name, "code");
}

TEST(SearchTerminologyUnit, ClosureIsCapped) {
  Json cs = *parse_json(R"({"resourceType":"CodeSystem","url":"urn:x","concept":[{"code":"a","concept":[
    {"code":"b"},{"code":"c"},{"code":"d","concept":[{"code":"e"}]}]}]})");
  auto s = search::CodeSystem::from_json(cs);
  auto all = s.descendants("a", true, 10);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 5u);
  auto capped = s.descendants("a", true, 3);
  ASSERT_FALSE(capped.ok());
  EXPECT_EQ(capped.error().status(), 400);
  EXPECT_NE(capped.error().message().find("more than 3 codes"), std::string::npos);
  EXPECT_EQ(*s.ancestors("e", false), (std::set<std::string>{"a", "d"}));
}

}  // namespace
}  // namespace parcours

namespace parcours {
namespace {

using Ids = std::vector<std::string>;

// _filter (R4 search_filter.html): every operator, the logical structure,
// quoting, and the errors, hand-checked.
class SearchFilter : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    db_ = new testing::SearchStore();
    auto& s = *db_;
    s.put(R"({"resourceType":"Practitioner","id":"dr1","name":[{"family":"Say \"Hi\" \\ there"}]})");
    s.put(
        R"({"resourceType":"Patient","id":"p1","name":[{"family":"Dupont","given":["Jean"]}],"gender":"male",
      "birthDate":"1950-03-10","generalPractitioner":[{"reference":"Practitioner/dr1"}]})");
    s.put(
        R"({"resourceType":"Patient","id":"p2","name":[{"family":"Durand","given":["Émilie"]}],"gender":"female",
      "birthDate":"1985-07-01"})");
    s.put(
        R"({"resourceType":"Patient","id":"p3","name":[{"family":"Le Dû","given":["Anne Marie"]}],"gender":"female",
      "birthDate":"2001"})");
    s.put(R"({"resourceType":"ValueSet","id":"hba1c","url":"http://example.org/vs/hba1c","status":"active",
      "compose":{"include":[{"system":"http://loinc.org","concept":[{"code":"4548-4"}]}]}})");
    s.put(R"({"resourceType":"Observation","id":"ob1","status":"final","subject":{"reference":"Patient/p1"},
      "code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},"effectiveDateTime":"2024-03-15T10:00:00Z",
      "valueQuantity":{"value":95,"unit":"mg/dL","system":"http://unitsofmeasure.org","code":"mg/dL"}})");
    s.put(
        R"({"resourceType":"Observation","id":"ob2","status":"preliminary","subject":{"reference":"Patient/p2"},
      "code":{"coding":[{"system":"http://loinc.org","code":"4548-4"}]},
      "effectivePeriod":{"start":"2024-01-01","end":"2024-06-30"},
      "valueQuantity":{"value":6.5,"unit":"%","system":"http://unitsofmeasure.org","code":"%"}})");
    s.put(R"({"resourceType":"Observation","id":"ob3","status":"final","subject":{"reference":"Patient/p2"},
      "code":{"coding":[{"system":"http://loinc.org","code":"2339-0"}]},"effectiveDateTime":"2023-12-31",
      "valueQuantity":{"value":1.2,"unit":"g/L","system":"http://unitsofmeasure.org","code":"g/L"}})");
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
  }
  static std::string enc(std::string_view s) { return parcours::percent_encode(s); }

  Ids ids(const std::string& type, const std::string& filter, const std::string& more = "") {
    Ids v = db_->ids(type, "_filter=" + enc(filter) + more);
    std::sort(v.begin(), v.end());
    return v;
  }
  Ids pat(const std::string& filter) { return ids("Patient", filter); }
  Ids obs(const std::string& filter) { return ids("Observation", filter); }
  std::string error(const std::string& type, const std::string& filter) {
    auto r = db_->run(type, "_filter=" + enc(filter));
    if (r.ok()) return "(no error)";
    EXPECT_EQ(r.error().status(), 400) << filter;
    EXPECT_EQ(r.error().issues().at(0).expression, "_filter");
    return r.error().message();
  }
  static testing::SearchStore* db_;
};
testing::SearchStore* SearchFilter::db_ = nullptr;

TEST_F(SearchFilter, StringOperatorsFoldCaseAndAccents) {
  EXPECT_EQ(pat(R"(family eq "dupont")"), Ids{"p1"});
  EXPECT_EQ(pat(R"(family eq "dup")"), Ids{});  // eq is the whole value, not a prefix
  EXPECT_EQ(pat(R"(family sw "DU")"), (Ids{"p1", "p2"}));
  EXPECT_EQ(pat(R"(family co "ran")"), Ids{"p2"});
  EXPECT_EQ(pat(R"(family ew "ont")"), Ids{"p1"});
  EXPECT_EQ(pat(R"(family ew "du")"), Ids{"p3"});  // "Le Dû", folded
  EXPECT_EQ(pat(R"(family ne "dupont")"), (Ids{"p2", "p3"}));
  EXPECT_EQ(pat("given eq émilie"), Ids{"p2"});
  EXPECT_EQ(pat(R"(given eq "anne marie")"), Ids{"p3"});
}

TEST_F(SearchFilter, TokenOperators) {
  EXPECT_EQ(pat("gender eq female"), (Ids{"p2", "p3"}));
  EXPECT_EQ(pat("gender ne female"), Ids{"p1"});
  EXPECT_EQ(obs("code eq http://loinc.org|2339-0"), (Ids{"ob1", "ob3"}));
  EXPECT_EQ(obs("code eq urn:other|2339-0"), Ids{});
  EXPECT_EQ(obs("code in http://example.org/vs/hba1c"), Ids{"ob2"});
  EXPECT_EQ(obs("code ni http://example.org/vs/hba1c"), (Ids{"ob1", "ob3"}));
  EXPECT_EQ(obs("status eq final and code eq 2339-0"), (Ids{"ob1", "ob3"}));
}

TEST_F(SearchFilter, DateOperatorsUseRanges) {
  EXPECT_EQ(pat("birthdate eq 1950"), Ids{"p1"});
  EXPECT_EQ(pat("birthdate ne 1950"), (Ids{"p2", "p3"}));
  EXPECT_EQ(pat("birthdate lt 1980"), Ids{"p1"});
  EXPECT_EQ(pat("birthdate gt 1985-07-01"), Ids{"p3"});
  EXPECT_EQ(pat("birthdate ge 1985-07-01"), (Ids{"p2", "p3"}));
  EXPECT_EQ(pat("birthdate le 1985-07"), (Ids{"p1", "p2"}));
  EXPECT_EQ(pat("birthdate sa 1985"), Ids{"p3"});
  EXPECT_EQ(pat("birthdate eb 1985"), Ids{"p1"});
  EXPECT_EQ(obs("date eq 2024-03"), Ids{"ob1"});               // the period is not inside March
  EXPECT_EQ(obs("date po 2024-03"), (Ids{"ob1", "ob2"}));      // but it overlaps it
  EXPECT_EQ(obs("date po 2023-12-31T12:00:00Z"), Ids{"ob3"});  // a day overlaps its noon
  EXPECT_EQ(pat("_lastUpdated gt 2000 and _lastUpdated lt 2100").size(), 3u);
}

TEST_F(SearchFilter, QuantityOperatorsConvertUnits) {
  EXPECT_EQ(obs("value-quantity gt 90"), Ids{"ob1"});
  EXPECT_EQ(obs("value-quantity eq 1.2|http://unitsofmeasure.org|g/L"), Ids{"ob3"});
  EXPECT_EQ(obs("value-quantity lt 1|http://unitsofmeasure.org|g/L"), Ids{"ob1"});  // 95 mg/dL = 0.95 g/L
  EXPECT_EQ(obs("value-quantity ap 6.4"), Ids{"ob2"});
  EXPECT_EQ(obs("value-quantity sa 6.5 and value-quantity eb 100"), Ids{"ob1"});
}

TEST_F(SearchFilter, ReferencesIdsAndPresence) {
  EXPECT_EQ(obs("subject eq Patient/p2"), (Ids{"ob2", "ob3"}));
  EXPECT_EQ(obs("subject re Patient/p1"), Ids{"ob1"});
  EXPECT_EQ(obs("subject ne Patient/p2"), Ids{"ob1"});
  EXPECT_EQ(pat("general-practitioner pr true"), Ids{"p1"});
  EXPECT_EQ(pat("general-practitioner pr false"), (Ids{"p2", "p3"}));
  EXPECT_EQ(pat("_id eq p1 or _id eq p3"), (Ids{"p1", "p3"}));
  EXPECT_EQ(pat("_id ne p1"), (Ids{"p2", "p3"}));
}

TEST_F(SearchFilter, ChainsThroughReferences) {
  EXPECT_EQ(obs("subject.gender eq female"), (Ids{"ob2", "ob3"}));
  EXPECT_EQ(obs(R"(subject.name co "dup")"), Ids{"ob1"});  // Patient and Location have a name: ORed
  EXPECT_EQ(obs(R"(subject.general-practitioner.name co "hi")"), Ids{"ob1"});
  EXPECT_EQ(obs("not (subject.gender eq female) and status eq final"), Ids{"ob1"});
  EXPECT_EQ(obs("subject._id eq p2 and code eq 2339-0"), Ids{"ob3"});
  EXPECT_EQ(pat("general-practitioner.name pr true"), Ids{"p1"});
}

TEST_F(SearchFilter, NotBindsTighterThanAndThanOr) {
  // and before or: male, or (female and born 1985 or later).
  EXPECT_EQ(pat("gender eq male or gender eq female and birthdate ge 1985"), (Ids{"p1", "p2", "p3"}));
  EXPECT_EQ(pat("gender eq male and birthdate ge 1985 or gender eq female"), (Ids{"p2", "p3"}));
  // Parentheses regroup.
  EXPECT_EQ(pat("(gender eq male or gender eq female) and birthdate ge 1985"), (Ids{"p2", "p3"}));
  EXPECT_EQ(pat("gender eq male and (birthdate ge 1985 or gender eq female)"), Ids{});
  EXPECT_EQ(pat("((gender eq male))"), Ids{"p1"});
  // not applies to its parenthesised operand only.
  EXPECT_EQ(pat("not (gender eq female)"), Ids{"p1"});
  EXPECT_EQ(pat(R"(not(gender eq female) or family eq "le dû")"), (Ids{"p1", "p3"}));
  EXPECT_EQ(pat("not (gender eq female and birthdate lt 2000)"), (Ids{"p1", "p3"}));
  EXPECT_EQ(pat("NOT (gender eq female) OR _id eq p2"), (Ids{"p1", "p2"}));  // keywords in any case
}

TEST_F(SearchFilter, CombinesWithOtherParameters) {
  EXPECT_EQ(ids("Patient", "gender eq female", "&birthdate=1985"), Ids{"p2"});
  EXPECT_EQ(ids("Patient", "gender eq female", "&_filter=" + enc("birthdate lt 1990")), Ids{"p2"});
}

TEST_F(SearchFilter, QuotedStringsAndEscapes) {
  EXPECT_EQ(ids("Practitioner", R"(family eq "Say \"Hi\" \\ there")"), Ids{"dr1"});
  EXPECT_EQ(ids("Practitioner", R"(name co "\u0022hi\u0022")"), Ids{"dr1"});
  EXPECT_EQ(ids("Practitioner", R"(name co "\"hi\" \\")"), Ids{"dr1"});
  EXPECT_EQ(ids("Practitioner", R"x(name co "(hi)")x"), Ids{});  // parentheses inside a string are text
}

TEST_F(SearchFilter, ErrorsNameTheProblemAndItsPosition) {
  std::string e = error("Patient", "gender co ma");
  EXPECT_NE(e.find("position 8"), std::string::npos) << e;
  EXPECT_NE(e.find("'co'"), std::string::npos) << e;
  EXPECT_NE(e.find("token parameter 'gender'"), std::string::npos) << e;
  e = error("Patient", "gender eq male and colour eq red");
  EXPECT_NE(e.find("position 20"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown search parameter 'colour'"), std::string::npos) << e;
  EXPECT_NE(error("Patient", "gender xx male").find("unknown operator 'xx'"), std::string::npos);
  EXPECT_NE(error("Patient", "").find("empty"), std::string::npos);
  EXPECT_NE(error("Patient", "   ").find("empty"), std::string::npos);
  EXPECT_NE(error("Patient", "(gender eq male").find("expected ')'"), std::string::npos);
  EXPECT_NE(error("Patient", "gender eq male)").find("unexpected ')'"), std::string::npos);
  EXPECT_NE(error("Patient", R"(family eq "open)").find("unterminated string"), std::string::npos);
  EXPECT_NE(error("Patient", R"(family eq "a\qb")").find("unknown escape"), std::string::npos);
  EXPECT_NE(error("Patient", "not gender eq male").find("'not' must be followed"), std::string::npos);
  EXPECT_NE(error("Patient", "gender eq").find("expected a value"), std::string::npos);
  EXPECT_NE(error("Patient", "gender eq male female").find("unexpected 'female'"), std::string::npos);
  EXPECT_NE(error("Patient", "gender eq male or").find("expected a search parameter"), std::string::npos);
  EXPECT_NE(error("Patient", "birthdate eq 19xx").find("not a date"), std::string::npos);
  EXPECT_NE(error("Patient", "birthdate co 1950").find("'co' does not apply to date parameter"),
            std::string::npos);
  EXPECT_NE(error("Patient", "family gt a").find("'gt' does not apply to string parameter"),
            std::string::npos);
  EXPECT_NE(error("Patient", "gender pr maybe").find("true or false"), std::string::npos);
  EXPECT_NE(
      error("Observation", "subject.colour eq x").find("no target of 'subject' has a parameter 'colour'"),
      std::string::npos);
  EXPECT_NE(error("Observation", "status.name eq x").find("'status' is not a reference parameter"),
            std::string::npos);
  EXPECT_NE(
      error("Observation", "subject.gender co x").find("'co' does not apply to token parameter 'gender'"),
      std::string::npos);
  EXPECT_NE(error("Observation", "related[type eq has-component].target pr true").find("not supported"),
            std::string::npos);
  EXPECT_NE(error("Patient", "family:exact eq x").find("modifiers are not allowed"), std::string::npos);
  EXPECT_NE(error("Observation", "code sb 2339-0").find("needs system|code"), std::string::npos);
  EXPECT_NE(error("Observation", "code-value-quantity eq x").find("composite"), std::string::npos);
  EXPECT_NE(error("", "_id eq p1").find("needs a resource type"), std::string::npos);
}

TEST_F(SearchFilter, LenientModeIgnoresAndReports) {
  db_->strict = false;
  auto r = db_->run("Patient", "_filter=" + enc("gender co ma") + "&gender=male");
  db_->strict = true;
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->page.hits.size(), 1u);
  EXPECT_EQ(r->page.hits[0].id, "p1");
  ASSERT_EQ(r->query.ignored.size(), 1u);
  EXPECT_EQ(r->query.ignored[0].expression, "_filter");
  EXPECT_NE(r->query.ignored[0].diagnostics.find("position 8"), std::string::npos);
}

}  // namespace
}  // namespace parcours
