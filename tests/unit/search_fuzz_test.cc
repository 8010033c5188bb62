// Bad input gets a clear 4xx, never a 500 nor a crash: thousands of
// malformed searches (names, modifiers, prefixes, chains, _has, _sort,
// _include, _filter, paging and $lastn values built from broken pieces),
// each run strict and lenient on a small store. Deterministic (fixed seed).
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "search/engine.h"
#include "search/lastn.h"
#include "search/query.h"
#include "search/registry.h"
#include "unit/search_support.h"

namespace parcours {
namespace {

using testing::SearchStore;

class Fuzzer {
 public:
  explicit Fuzzer(unsigned seed) : rng_(seed) {}

  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  template <class T>
  const T& one(const std::vector<T>& v) {
    return v[pick(v.size())];
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  // A piece of a value: plausible, broken or hostile.
  std::string value() {
    static const std::vector<std::string> kPieces = {
        "4548-4",
        "http://loinc.org|4548-4",
        "|",
        "||",
        "$",
        "\\",
        "\\,",
        ",",
        ",,",
        "ge2024",
        "2024-13-45",
        "eq",
        "sa",
        "ap1e400",
        "1e309",
        "-0",
        "NaN",
        "ge",
        "Patient/",
        "/p1",
        "Patient/p1/_history/x",
        "%",
        "%zz",
        "é",
        "\xC3",
        "'",
        "\"",
        "(",
        ")",
        "[",
        "]",
        "eq 5",
        "5||kg",
        "5|http://unitsofmeasure.org|",
        "lt-",
        "9999999999999999999999",
        "",
        " ",
        "true",
        "null",
        "*",
        ":",
        ".",
        "..",
        "p1",
        "Patient/p1",
        "#x",
        "12:00",
        "T",
        "2024-02-30T25:61:00Z",
    };
    std::string v;
    int n = 1 + static_cast<int>(pick(3));
    for (int i = 0; i < n; ++i) v += one(kPieces);
    if (chance(0.02)) v.append(3000, 'a');
    return v;
  }

  std::string name(const std::string& type) {
    static const std::vector<std::string> kSpecial = {
        "_id",         "_lastUpdated", "_tag",       "_profile",
        "_security",   "_source",      "_list",      "_text",
        "_content",    "_has",         "_sort",      "_count",
        "_total",      "_summary",     "_elements",  "_include",
        "_revinclude", "_filter",      "_contained", "_containedType",
        "_cursor",     "_query",       "_type",      "",
        ":",           "::",           ".",
    };
    static const std::vector<std::string> kModifiers = {
        "missing",     "exact",   "contains", "text",       "not",          "above",
        "below",       "in",      "not-in",   "identifier", "of-type",      "Patient",
        "Observation", "iterate", "bogus",    "",           "Patient.name",
    };
    std::string n;
    const auto& params = search::Registry::current()->for_type(type);
    if (!params.empty() && chance(0.7))
      n = params[pick(params.size())]->code;
    else
      n = one(kSpecial);
    if (chance(0.35)) n += ":" + one(kModifiers);
    if (chance(0.2)) {
      // A chain, perhaps with a type, perhaps broken.
      n += "." + (chance(0.5) ? std::string("name") : one(kSpecial));
      if (chance(0.3)) n += ".family";
    }
    if (n.starts_with("_has") && chance(0.8)) {
      static const std::vector<std::string> kHas = {":Observation:patient:code",
                                                    ":Observation",
                                                    ":Observation:",
                                                    ":Bogus:patient:code",
                                                    ":Observation:patient:",
                                                    ":Observation:patient:_has:Encounter:subject:status"};
      n += one(kHas);
    }
    return n;
  }

  // A _filter expression (R4 _filter grammar), often almost right.
  std::string filter(const std::string& type, int depth) {
    static const std::vector<std::string> kOps = {"eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le", "sa",
                                                  "eb", "ap", "ss", "sb", "in", "ni", "re", "pr", "po", "xx"};
    static const std::vector<std::string> kValues = {"4548-4",
                                                     "http://loinc.org|4548-4",
                                                     "\"Lef\u00e8vre\"",
                                                     "\"a\\\"b\"",
                                                     "2024-03",
                                                     "2024-03-15T10:00:00Z",
                                                     "7.2",
                                                     "5|http://unitsofmeasure.org|kg",
                                                     "true",
                                                     "false",
                                                     "Patient/p1",
                                                     "p1",
                                                     "\"\"",
                                                     "\"",
                                                     "-",
                                                     "1e400"};
    const auto& params = search::Registry::current()->for_type(type);
    auto path = [&] {
      std::string p = params.empty() || chance(0.1)
                          ? one(std::vector<std::string>{"_id", "_lastUpdated", "bogus"})
                          : params[pick(params.size())]->code;
      if (chance(0.15)) p += "." + (params.empty() ? std::string("name") : params[pick(params.size())]->code);
      if (chance(0.05)) p += "[type eq x]";
      if (chance(0.05)) p += ":exact";
      return p;
    };
    std::string e;
    if (depth < 4 && chance(0.25)) {
      e = (chance(0.3) ? "not (" : "(") + filter(type, depth + 1) + (chance(0.95) ? ")" : "");
    } else {
      e = path() + " " + one(kOps) + (chance(0.97) ? " " + one(kValues) : "");
    }
    if (depth < 4 && chance(0.35)) e += (chance(0.5) ? " and " : " or ") + filter(type, depth + 1);
    return e;
  }
  static std::string percent(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '|' || c == ':' || c == '/') {
        out.push_back(static_cast<char>(c));
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
    return out;
  }

  std::string query(const std::string& type) {
    std::string q;
    int n = 1 + static_cast<int>(pick(4));
    for (int i = 0; i < n; ++i) {
      if (!q.empty()) q += "&";
      std::string nm = name(type);
      if (nm == "_filter" && chance(0.8)) {
        q += nm + "=" + percent(filter(type, 0));
      } else {
        q += nm + "=" + value();
      }
    }
    return q;
  }

 private:
  std::mt19937 rng_;
};

Result<search::SearchResult> run(SearchStore& db, const std::string& type, const std::string& query,
                                 bool strict, bool lastn) {
  db.strict = strict;
  return lastn ? db.lastn(query) : db.run(type, query);
}

TEST(SearchFuzz, MalformedSearchesAreFourHundredsWithAReason) {
  SearchStore db;
  db.put(R"({"resourceType":"Patient","id":"p1","name":[{"family":"Lefèvre","given":["Hélène"]}],
    "birthDate":"1944-03-12","identifier":[{"system":"urn:oid:1.2.250.1.213.1.4.8","value":"244037511303128"}]})");
  db.put(R"({"resourceType":"Observation","id":"o1","status":"final",
    "code":{"coding":[{"system":"http://loinc.org","code":"4548-4","display":"HbA1c"}]},
    "subject":{"reference":"Patient/p1"},"effectiveDateTime":"2024-03-15",
    "valueQuantity":{"value":7.2,"system":"http://unitsofmeasure.org","code":"%"}})");
  db.put(R"({"resourceType":"Encounter","id":"e1","status":"finished","class":{"code":"AMB"},
    "subject":{"reference":"Patient/p1"}})");
  const std::vector<std::string> types = {"Patient", "Observation", "Encounter", "Location", ""};
  // Hostile shapes: deep nesting, wide chains over Reference(Any), long lists.
  std::string many_values, most_values, many_params, nots;
  for (int i = 0; i < 5000; ++i) many_values += (i ? "," : "") + std::to_string(i);
  for (int i = 0; i < 1000; ++i) most_values += (i ? "," : "") + std::to_string(i);
  std::string most_params;
  for (int i = 0; i < 500; ++i) many_params += (i ? "&" : "") + std::string("code=") + std::to_string(i);
  for (std::size_t i = 0; i < search::kMaxParams; ++i)
    most_params += (i ? "&" : "") + std::string(i % 2 ? "subject.name=" : "code:not=") + std::to_string(i);
  for (int i = 0; i < 5000; ++i) nots += "not (";
  const std::vector<std::pair<std::string, std::string>> hostile = {
      {"Task", "focus.focus.focus.focus._id=x"},
      {"Task", "focus.focus.focus._has:Observation:patient:code=x"},
      {"Observation", "focus._id=x"},
      {"Observation", "focus.focus._id=x&focus.focus._lastUpdated=gt2020"},
      {"Provenance", "target.subject.name=x"},
      {"Observation", "code=" + many_values},
      {"Observation", many_params},
      {"Observation", "_filter=" + nots + "code eq x"},
      {"Observation",
       "_has:Observation:patient:_has:Observation:patient:_has:Observation:patient:_has:"
       "Observation:patient:_has:Observation:patient:code=x"},
      {"Observation", "subject.subject.subject.subject.subject.name=x"},
      {"Observation", "_sort=" + many_values},
      {"Observation", "_include=" + many_values},
      {"Observation", "_elements=" + many_values},
      {"", "_type=" + many_values},
  };
  // At the bounds (search/query.h), answered.
  for (const auto& [type, q] : std::vector<std::pair<std::string, std::string>>{
           {"Observation", "code=" + most_values},
           {"Observation", "code=" + most_values + "&_sort=date"},
           {"Observation", "code:not=" + most_values},
           {"Observation", "subject=" + most_values},
           {"Observation", "subject.name=" + most_values},
           {"Patient", "_has:Observation:patient:code=" + most_values},
           {"Observation", "_id=" + most_values + "&_total=accurate"},
           {"Observation", most_params}}) {
    auto r = run(db, type, q, true, false);
    EXPECT_TRUE(r.ok()) << type << "?" << q.substr(0, 100) << ": " << (r ? "" : r.error().message());
  }
  for (const auto& [type, q] : hostile)
    for (bool strict : {true, false}) {
      auto r = run(db, type, q, strict, false);
      if (!r) {
        EXPECT_GE(r.error().status(), 400) << type << "?" << q.substr(0, 200);
        EXPECT_LT(r.error().status(), 500) << type << "?" << q.substr(0, 200) << ": " << r.error().message();
      }
    }

  // PARCOURS_FUZZ_SEED and PARCOURS_FUZZ_QUERIES for longer hunts.
  const char* seed = getenv("PARCOURS_FUZZ_SEED");
  const char* count = getenv("PARCOURS_FUZZ_QUERIES");
  Fuzzer f(seed ? static_cast<unsigned>(std::stoul(seed)) : 20261126u);
  const int queries = count ? std::stoi(count) : 3000;
  int ok = 0, refused = 0;
  for (int i = 0; i < queries; ++i) {
    const bool lastn = i % 10 == 0;
    const std::string type = lastn ? "Observation" : f.one(types);
    const std::string q = f.query(type.empty() ? "Resource" : type);
    // A third of the searches also carry a generated _filter, another third
    // only that.
    std::string with_filter = q;
    if (!type.empty() && !lastn && i % 3 != 2)
      with_filter = (i % 3 == 0 ? q + "&" : std::string()) + "_filter=" + Fuzzer::percent(f.filter(type, 0));
    for (bool strict : {true, false}) {
      auto r = run(db, type, with_filter, strict, lastn);
      if (r) {
        ++ok;
        continue;
      }
      ++refused;
      EXPECT_GE(r.error().status(), 400) << type << "?" << with_filter;
      EXPECT_LT(r.error().status(), 500) << (lastn ? "$lastn " : "") << type << "?" << with_filter
                                         << " (strict " << strict << "): " << r.error().message();
      EXPECT_FALSE(r.error().message().empty()) << type << "?" << with_filter;
    }
  }
  std::printf("fuzz: %d searches answered, %d refused with a 4xx\n", ok, refused);
  // Both outcomes happen: the generator is not trivially all-bad or all-good.
  EXPECT_GT(ok, queries / 10);
  EXPECT_GT(refused, queries / 10);
}

}  // namespace
}  // namespace parcours
