// Every official R4 example (npm hl7.fhir.r4.examples 4.0.1) must parse,
// round-trip through our JSON DOM unchanged, and pass the structural
// validator, except the few the spec itself ships broken (listed below with
// the reason).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "fhir/json.h"
#include "fhir/validator.h"

namespace parcours::fhir {
namespace {

namespace fs = std::filesystem;

// Official examples that are invalid as published. Each entry names the file
// and what is wrong with it; the test fails if one of them starts passing
// (then remove it) or if any other example fails.
const std::map<std::string, std::string>& known_invalid() {
  static const std::map<std::string, std::string> m = {
      // Reference targets outside the element's targetProfile list.
      {"DeviceMetric-example.json", "parent is Reference(Device) but points to DeviceDefinition/dc102"},
      {"DeviceUseStatement-example.json", "reasonReference does not allow Procedure (Procedure/example)"},
      {"MedicationRequest-medrx0301.json",
       "dispenseRequest.performer is Reference(Organization) but points to Practitioner/f001"},
      {"Observation-clinical-gender.json", "performer does not allow Encounter (Encounter/example)"},
      // Required elements missing.
      {"ImplementationGuide-fhir.json",
       "a manifest-only fragment: no name or status (1..1), and it references a SearchParameter id of 67 "
       "characters (ids are at most 64)"},
      {"Questionnaire-qs1.json", "nested items have no linkId (1..1)"},
      {"SearchParameter-codesystem-extensions-CodeSystem-author.json", "no base (1..*)"},
      {"SearchParameter-codesystem-extensions-CodeSystem-effective.json", "no base (1..*)"},
      {"SearchParameter-codesystem-extensions-CodeSystem-end.json", "no base (1..*)"},
      {"SearchParameter-codesystem-extensions-CodeSystem-keyword.json", "no base (1..*)"},
      {"SearchParameter-codesystem-extensions-CodeSystem-workflow.json", "no base (1..*)"},
      {"SearchParameter-valueset-extensions-ValueSet-author.json", "no base (1..*)"},
      {"SearchParameter-valueset-extensions-ValueSet-effective.json", "no base (1..*)"},
      {"SearchParameter-valueset-extensions-ValueSet-end.json", "no base (1..*)"},
      {"SearchParameter-valueset-extensions-ValueSet-keyword.json", "no base (1..*)"},
      {"SearchParameter-valueset-extensions-ValueSet-workflow.json", "no base (1..*)"},
      // Invalid id.
      {"SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json",
       "id of 67 characters (ids are at most 64)"},
  };
  return m;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Package metadata rather than resources.
bool is_package_file(const std::string& name) {
  return name == "package.json" || name == "ig-r4.json" || name == ".index.json" || name[0] == '.';
}

struct Example {
  std::string name;
  Json json;
};

const std::vector<Example>& examples() {
  static const std::vector<Example> all = [] {
    std::vector<Example> out;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(PARCOURS_R4_EXAMPLES))
      if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::string name = f.filename().string();
      if (is_package_file(name)) continue;
      auto parsed = parse_json(read_file(f));
      if (!parsed) {
        ADD_FAILURE() << name << ": " << parsed.error().message();
        continue;
      }
      out.push_back({name, std::move(parsed).value()});
    }
    return out;
  }();
  return all;
}

TEST(R4Examples, Found) { EXPECT_GT(examples().size(), 5000u); }

TEST(R4Examples, JsonRoundTrips) {
  for (const fs::directory_entry& entry : fs::directory_iterator(PARCOURS_R4_EXAMPLES)) {
    if (entry.path().extension() != ".json" || is_package_file(entry.path().filename().string())) continue;
    std::string text = read_file(entry.path());
    auto first = parse_json(text);
    ASSERT_TRUE(first.ok()) << entry.path();
    // Compact and pretty output both parse back to the same ordered document.
    for (bool pretty : {false, true}) {
      std::string dumped = first->dump(pretty);
      auto second = parse_json(dumped);
      ASSERT_TRUE(second.ok()) << entry.path();
      EXPECT_TRUE(second->equals(*first, true)) << entry.path() << (pretty ? " (pretty)" : " (compact)");
      EXPECT_EQ(second->dump(pretty), dumped) << entry.path();
    }
  }
}

TEST(R4Examples, AllValidExamplesAreAccepted) {
  std::size_t accepted = 0, total = 0;
  std::vector<std::string> unexpected_failures, unexpected_passes;
  for (const Example& ex : examples()) {
    if (!ex.json.is_object() || !ex.json.find("resourceType")) continue;  // not a resource
    ++total;
    auto issues = validate_resource(ex.json);
    bool excluded = known_invalid().count(ex.name) > 0;
    if (issues.empty()) {
      ++accepted;
      if (excluded) unexpected_passes.push_back(ex.name);
      continue;
    }
    if (!excluded) {
      std::string msg = ex.name + ":";
      for (std::size_t i = 0; i < issues.size() && i < 5; ++i)
        msg += "\n    [" + issues[i].code + "] " + issues[i].diagnostics + " @ " + issues[i].expression;
      unexpected_failures.push_back(msg);
    }
  }
  std::printf("R4 examples accepted by the validator: %zu/%zu (%zu known invalid)\n", accepted, total,
              known_invalid().size());
  for (const auto& f : unexpected_failures) ADD_FAILURE() << f;
  for (const auto& p : unexpected_passes) ADD_FAILURE() << p << " is listed as invalid but passes: remove it";
  EXPECT_EQ(accepted + known_invalid().size(), total);
}

// Mutations of the accepted examples must be caught at the right place: an
// unknown member, an array element written as a single value, and an empty
// string.
TEST(R4Examples, MutationsAreRejected) {
  std::size_t checked = 0;
  for (const Example& ex : examples()) {
    if (!ex.json.is_object() || known_invalid().count(ex.name) || !validate_resource(ex.json).empty())
      continue;
    const std::string type(ex.json.get_string("resourceType"));
    auto has = [](const std::vector<Issue>& issues, std::string_view code, const std::string& expr) {
      for (const auto& i : issues)
        if (i.code == code && i.expression == expr) return true;
      return false;
    };
    Json bogus = ex.json;
    bogus.set("bogusElement", true);
    EXPECT_TRUE(has(validate_resource(bogus), "structure", type + ".bogusElement")) << ex.name;
    for (const auto& [key, value] : ex.json.as_object()) {
      if (value.is_array() && key[0] != '_') {
        Json unwrapped = ex.json;
        unwrapped.set(key, value.as_array().front());
        EXPECT_TRUE(has(validate_resource(unwrapped), "structure", type + "." + key))
            << ex.name << " " << key;
        break;
      }
    }
    for (const auto& [key, value] : ex.json.as_object()) {
      if (value.is_string() && key != "resourceType") {
        Json emptied = ex.json;
        emptied.set(key, "");
        EXPECT_TRUE(has(validate_resource(emptied), "value", type + "." + key)) << ex.name << " " << key;
        break;
      }
    }
    ++checked;
  }
  EXPECT_GT(checked, 5000u);
}

}  // namespace
}  // namespace parcours::fhir
