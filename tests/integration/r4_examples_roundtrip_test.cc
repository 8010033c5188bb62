// Every official R4 example (npm hl7.fhir.r4.examples) that the validator
// accepts is stored through the real server and read back equal, ignoring
// only meta.versionId and meta.lastUpdated. Examples the validator rejects
// must be rejected by the server too (400), and nothing of them is stored.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "fhir/json.h"
#include "fhir/validator.h"
#include "support/http_client.h"
#include "support/server_process.h"

namespace parcours {
namespace {

namespace fs = std::filesystem;

Json without_server_stamps(Json j) {
  if (Json* meta = j.find("meta")) {
    meta->erase("versionId");
    meta->erase("lastUpdated");
    if (meta->size() == 0) j.erase("meta");
  }
  return j;
}

struct Example {
  std::string name;
  std::string text;
  Json json;
  bool valid = false;
};

TEST(R4Examples, StoredAndReadBackEqualOverHttp) {
  std::vector<Example> examples;
  for (const auto& entry : fs::directory_iterator(PARCOURS_R4_EXAMPLES)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || entry.path().extension() != ".json" || name == "package.json" ||
        name == "ig-r4.json" || name[0] == '.')
      continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    auto json = parse_json(ss.str());
    if (!json.ok() || !json->is_object() || json->get_string("resourceType").empty()) continue;
    Example e{name, ss.str(), std::move(*json), false};
    e.valid = fhir::validate_resource(e.json).empty();
    examples.push_back(std::move(e));
  }
  std::sort(examples.begin(), examples.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  ASSERT_GT(examples.size(), 5000u);

  testing::TempDir dir;
  // Bundle-resources.json alone is 35 MB, above the default body limit.
  testing::ServerProcess server(dir.path() + "/s", "tok", {"--max-body-mb", "64"});
  const std::pair<std::string, std::string> auth{"Authorization", "Bearer tok"};

  std::atomic<std::size_t> next{0};
  std::vector<std::string> failures;
  std::mutex failures_mutex;
  std::atomic<int> stored{0}, rejected{0};
  auto fail = [&](std::string msg) {
    std::lock_guard lock(failures_mutex);
    failures.push_back(std::move(msg));
  };
  // Several keep-alive clients in parallel: group commit shares fsyncs.
  std::vector<std::thread> workers;
  for (int t = 0; t < 8; ++t) {
    workers.emplace_back([&] {
      testing::HttpClient c("127.0.0.1", server.port());
      for (std::size_t i; (i = next++) < examples.size();) {
        const Example& e = examples[i];
        std::string type(e.json.get_string("resourceType"));
        std::string id(e.json.get_string("id"));
        const std::string& target_id = id;
        auto r = target_id.empty() ? c.request("POST", "/fhir/" + type, e.text, {auth})
                                   : c.request("PUT", "/fhir/" + type + "/" + target_id, e.text, {auth});
        if (!e.valid) {
          ++rejected;
          if (r.status != 400) fail(e.name + ": invalid example answered " + std::to_string(r.status));
          continue;
        }
        if (r.status != 200 && r.status != 201) {
          fail(e.name + ": " + std::to_string(r.status) + " " + r.body.substr(0, 300));
          continue;
        }
        auto created = parse_json(r.body);
        std::string got_id(created.ok() ? created->get_string("id") : "");
        auto back = c.request("GET", "/fhir/" + type + "/" + got_id, "", {auth});
        auto json = parse_json(back.body);
        if (back.status != 200 || !json.ok()) {
          fail(e.name + ": read back " + std::to_string(back.status));
          continue;
        }
        Json expected = without_server_stamps(e.json);
        if (target_id.empty()) expected.set("id", Json(got_id));
        if (!without_server_stamps(*json).equals(expected, false)) {
          fail(e.name + ": read back differs: " + back.body.substr(0, 300));
          continue;
        }
        ++stored;
      }
    });
  }
  for (auto& w : workers) w.join();
  std::printf("[ R4 examples ] %d stored and read back equal, %d rejected as invalid, of %zu\n",
              stored.load(), rejected.load(), examples.size());
  for (std::size_t i = 0; i < failures.size() && i < 30; ++i) ADD_FAILURE() << failures[i];
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures";
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace parcours
