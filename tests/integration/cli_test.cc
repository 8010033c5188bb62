// The `parcours` command line: help, import (NDJSON, errors with file:line,
// references across files), demo generation, and the server's lifecycle
// (graceful stop, durability across restarts).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "fhir/json.h"
#include "support/http_client.h"
#include "support/server_process.h"

namespace parcours {
namespace {

using testing::run_parcours;
namespace fs = std::filesystem;

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(Cli, HelpForEveryCommand) {
  auto top = run_parcours({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* cmd : {"serve", "import", "demo"}) {
    EXPECT_NE(top.output.find(cmd), std::string::npos) << cmd;
    auto sub = run_parcours({cmd, "--help"});
    EXPECT_EQ(sub.exit_code, 0) << cmd;
    EXPECT_NE(sub.output.find("--data"), std::string::npos) << sub.output;
  }
  auto none = run_parcours({});
  EXPECT_NE(none.exit_code, 0);
  auto bad = run_parcours({"serve", "--listen", "nonsense"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("HOST:PORT"), std::string::npos) << bad.output;
}

TEST(Cli, ImportReportsBadLinesAndLoadsGoodOnes) {
  testing::TempDir dir;
  fs::path in = fs::path(dir.path()) / "in";
  // The Encounter file comes first alphabetically and references the
  // Practitioner through a conditional reference, as Synthea writes them.
  write_file(
      in / "Encounter.ndjson",
      R"({"resourceType":"Encounter","id":"enc-1","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"Patient/p-1"},"participant":[{"individual":{"reference":"Practitioner?identifier=urn:oid:1.2.250.1.71.4.2.1|10000000001"}}]})"
      "\n"
      R"({"resourceType":"Encounter","id":"enc-2","status":"not-a-status","class":{"code":"AMB"}})"
      "\n\n"
      "{not json\n");
  write_file(in / "sub" / "Patient.ndjson",
             R"({"resourceType":"Patient","id":"p-1","birthDate":"1950-01-01"})"
             "\n"
             R"({"resourceType":"Patient","id":"p-2","birthDate":"1950-02-31"})"
             "\n");
  write_file(
      in / "Practitioner.ndjson",
      R"({"resourceType":"Practitioner","id":"dr-1","identifier":[{"system":"urn:oid:1.2.250.1.71.4.2.1","value":"10000000001"}]})"
      "\n");
  // One resource per commit as well: the loader gathers each batch while
  // the previous one commits, and the counts must not depend on it.
  std::string one_by_one = dir.path() + "/one-by-one";
  auto single = run_parcours({"import", "--data", one_by_one, "--batch", "1", in.string()});
  EXPECT_EQ(single.exit_code, 3) << single.output;
  EXPECT_NE(single.output.find("loaded 3 resources"), std::string::npos) << single.output;
  EXPECT_NE(single.output.find("3 rejected"), std::string::npos) << single.output;

  std::string data = dir.path() + "/store";
  auto r = run_parcours({"import", "--data", data, in.string()});
  EXPECT_EQ(r.exit_code, 3) << r.output;  // some lines rejected
  EXPECT_NE(r.output.find("loaded 3 resources"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3 rejected"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Encounter.ndjson:2:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Encounter.ndjson:4: Malformed JSON"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Patient.ndjson:2:"), std::string::npos) << r.output;
  // A first load into an empty store builds the search indexes at its end:
  // it says so when they start, and the summary says how long they took
  // before it lists the rejected lines.
  auto building = r.output.find("import: building the search indexes...");
  auto indexes = r.output.find(" s building the search indexes after the load");
  EXPECT_NE(building, std::string::npos) << r.output;
  EXPECT_NE(indexes, std::string::npos) << r.output;
  EXPECT_LT(building, indexes) << r.output;
  EXPECT_LT(indexes, r.output.find("Encounter.ndjson:2:")) << r.output;

  // What was loaded is served, with the conditional reference resolved.
  testing::ServerProcess server(data, "tok");
  testing::HttpClient c("127.0.0.1", server.port());
  auto enc = c.request("GET", "/fhir/Encounter/enc-1", "", {{"Authorization", "Bearer tok"}});
  ASSERT_EQ(enc.status, 200);
  auto json = parse_json(enc.body);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->find("participant")->as_array()[0].find("individual")->get_string("reference"),
            "Practitioner/dr-1");
  EXPECT_EQ(c.request("GET", "/fhir/Patient/p-2", "", {{"Authorization", "Bearer tok"}}).status, 404);
  EXPECT_EQ(server.stop(), 0);
}

TEST(Cli, ImportOfAMissingPathFails) {
  testing::TempDir dir;
  auto r = run_parcours({"import", "--data", dir.path() + "/s", dir.path() + "/nothing-here"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("No such file"), std::string::npos) << r.output;
}

TEST(Cli, ImportSyntheaBulkExport) {
  testing::TempDir dir;
  std::string synthea = std::string(PARCOURS_SOURCE_DIR) + "/../shared/data/synthea-10-patients";
  if (!fs::exists(synthea)) GTEST_SKIP() << "shared Synthea sample not present";
  auto r = run_parcours({"import", "--data", dir.path() + "/s", synthea});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("loaded 7 160 resources"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(" 0 rejected"), std::string::npos) << r.output;
  // In small batches, each gathered while the one before commits: the
  // conditional references (Practitioner?identifier=...) still all resolve.
  auto small = run_parcours({"import", "--data", dir.path() + "/small", "--batch", "37", synthea});
  EXPECT_EQ(small.exit_code, 0) << small.output;
  EXPECT_NE(small.output.find("loaded 7 160 resources"), std::string::npos) << small.output;
  EXPECT_NE(small.output.find(" 0 rejected"), std::string::npos) << small.output;
}

TEST(Cli, DemoGeneratesAValidTerritoryAndKeepsIt) {
  testing::TempDir dir;
  std::string data = dir.path() + "/demo";
  auto r = run_parcours({"demo", "--patients", "120", "--seed", "3", "--data", data, "--no-serve"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(" 0 rejected"), std::string::npos) << r.output;
  auto again = run_parcours({"demo", "--patients", "120", "--data", data, "--no-serve"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.output.find("using the existing territory"), std::string::npos) << again.output;
}

TEST(Cli, WritesSurviveARestart) {
  testing::TempDir dir;
  std::string data = dir.path() + "/s";
  {
    testing::ServerProcess server(data, "tok");
    testing::HttpClient c("127.0.0.1", server.port());
    for (int i = 0; i < 20; ++i) {
      auto r = c.request("PUT", "/fhir/Patient/keep-" + std::to_string(i),
                         R"({"resourceType":"Patient","id":"keep-)" + std::to_string(i) + R"("})",
                         {{"Authorization", "Bearer tok"}});
      ASSERT_EQ(r.status, 201);
    }
    EXPECT_EQ(server.stop(), 0);
  }
  testing::ServerProcess server(data, "tok");
  testing::HttpClient c("127.0.0.1", server.port());
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(
        c.request("GET", "/fhir/Patient/keep-" + std::to_string(i), "", {{"Authorization", "Bearer tok"}})
            .status,
        200);
}

TEST(Cli, SigtermLetsInFlightWritesFinish) {
  testing::TempDir dir;
  std::string data = dir.path() + "/s";
  auto server = std::make_unique<testing::ServerProcess>(data, "tok");
  std::uint16_t port = server->port();
  // Several clients write continuously; the server is stopped under load.
  // Every write that was acknowledged must be readable after a restart.
  std::atomic<bool> go{true};
  std::vector<std::vector<std::string>> acked(4);
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      testing::HttpClient c("127.0.0.1", port);
      for (int i = 0; go && i < 100000; ++i) {
        std::string id = "w" + std::to_string(t) + "-" + std::to_string(i);
        try {
          auto r =
              c.request("PUT", "/fhir/Patient/" + id, R"({"resourceType":"Patient","id":")" + id + R"("})",
                        {{"Authorization", "Bearer tok"}});
          if (r.status == 201) acked[t].push_back(id);
        } catch (const std::exception&) {
          return;  // the server went away: expected
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(server->stop(), 0);
  go = false;
  for (auto& w : writers) w.join();
  server.reset();

  testing::ServerProcess again(data, "tok");
  testing::HttpClient c("127.0.0.1", again.port());
  std::size_t total = 0;
  for (const auto& ids : acked) {
    total += ids.size();
    for (const auto& id : ids)
      ASSERT_EQ(c.request("GET", "/fhir/Patient/" + id, "", {{"Authorization", "Bearer tok"}}).status, 200)
          << id;
  }
  EXPECT_GT(total, 0u);
}

TEST(Cli, ServeWithoutTokenAnswers401) {
  testing::TempDir dir;
  testing::ServerProcess server(dir.path() + "/s", "");
  testing::HttpClient c("127.0.0.1", server.port());
  EXPECT_EQ(c.request("GET", "/fhir/Patient/x", "", {{"Authorization", "Bearer "}}).status, 401);
  EXPECT_EQ(c.request("GET", "/fhir/metadata").status, 200);
}

}  // namespace
}  // namespace parcours
