// Medical secrecy end to end: the real `parcours serve`, real HTTP on
// loopback, a real SQLite file, accounts made with `parcours user`, tokens
// obtained through the real login page (authorization code + PKCE + TOTP).
//
// The policy matrix is generated from config/policy.conf, read here by an
// independent parser: every role × data category × interaction × path
// (read, vread, instance history, type history, batch entry, transaction
// entry), in both directions. Adding a role or a category to the file
// extends it.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "fhir/json.h"
#include "support/http_client.h"
#include "support/server_process.h"
#include "support/world.h"

namespace parcours {
namespace {

using testing::HttpClient;
using testing::Response;
using namespace testing;  // the world (support/world.h)
namespace fs = std::filesystem;

// --- the policy file, read independently ------------------------------------------

struct MiniPolicy {
  std::vector<std::string> roles, categories;
  std::map<std::string, std::string> role_class;
  std::map<std::string, bool> patient_data;
  std::vector<std::pair<std::string, std::string>> professions;  // code, role
  struct Rule {
    bool allow;
    std::set<std::string> subjects, categories, interactions;
  };
  std::vector<Rule> rules;
  struct Map {
    std::string type, matcher, category;
  };
  std::vector<Map> maps;

  static std::set<std::string> list(const std::string& s) {
    std::set<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) out.insert(item);
    return out;
  }

  explicit MiniPolicy(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      auto dd = line.find(" --");
      if (dd != std::string::npos) line.resize(dd);
      std::stringstream ss(line);
      std::vector<std::string> w;
      std::string x;
      while (ss >> x) w.push_back(x);
      if (w.empty() || w[0][0] == '#') continue;
      if (w[0] == "category") {
        categories.push_back(w[1]);
        patient_data[w[1]] = w[2] == "patient";
      } else if (w[0] == "role") {
        roles.push_back(w[1]);
        role_class[w[1]] = w[2];
      } else if (w[0] == "profession") {
        professions.emplace_back(w[1], w[2]);
      } else if (w[0] == "allow" || w[0] == "deny") {
        rules.push_back({w[0] == "allow", list(w[1]), list(w[2]), list(w[3])});
      } else if (w[0] == "map") {
        maps.push_back({w[1], w[2], w[3]});
      }
    }
  }

  bool allowed(const std::string& role, const std::string& cat, const std::string& inter) const {
    for (const auto& r : rules) {
      bool s = r.subjects.count("*") || r.subjects.count(role) || r.subjects.count("@" + role_class.at(role));
      bool c = r.categories.count("*") || r.categories.count(cat);
      bool i = r.interactions.count("*") || r.interactions.count(inter);
      if (s && c && i) return r.allow;
    }
    return false;
  }
  std::string profession_of(const std::string& role) const {
    for (const auto& [code, r] : professions)
      if (r == role) return code;
    return {};
  }
};

// A resource of `category` for `patient`, built from the first 'map' line of
// the file the test knows how to satisfy.
std::optional<Json> sample(const MiniPolicy& p, const std::string& category, const std::string& id,
                           const std::string& patient) {
  auto subject = [&] {
    Json r = Json::object();
    r.set("reference", "Patient/" + patient);
    return r;
  };
  auto concept_code = [](const std::string& code) {
    Json coding = Json::object();
    coding.set("code", code);
    Json cc = Json::object();
    cc.set("coding", Json::Array{coding});
    return cc;
  };
  auto build = [&](const std::string& type, const std::string& matcher) -> std::optional<Json> {
    std::string path, code;
    if (matcher != "*") {
      auto op = matcher.find_first_of("=~");
      path = matcher.substr(0, op);
      code = matcher.substr(op + 1);
      if (matcher[op] == '~') code = code.substr(0, code.find('-'));  // a range's low end
      if (auto bar = code.rfind('|'); bar != std::string::npos) code = code.substr(bar + 1);
    }
    Json r = Json::object();
    r.set("resourceType", type);
    r.set("id", id);
    if (type == "Condition") {
      if (!path.empty() && path != "code") return std::nullopt;
      r.set("subject", subject());
      r.set("code", concept_code(path.empty() ? "E11" : code));
    } else if (type == "Observation") {
      if (!path.empty() && path != "category") return std::nullopt;
      r.set("status", "final");
      r.set("code", concept_code("8310-5"));
      r.set("subject", subject());
      if (!path.empty()) r.set("category", Json::Array{concept_code(code)});
    } else if (type == "CarePlan") {
      if (!path.empty() && path != "category") return std::nullopt;
      r.set("status", "active");
      r.set("intent", "plan");
      r.set("subject", subject());
      if (!path.empty()) r.set("category", Json::Array{concept_code(code)});
    } else if (!path.empty()) {
      return std::nullopt;
    } else if (type == "DiagnosticReport") {
      r.set("status", "final");
      r.set("code", concept_code("11502-2"));
      r.set("subject", subject());
    } else if (type == "MedicationRequest") {
      r.set("status", "active");
      r.set("intent", "order");
      r.set("medicationCodeableConcept", concept_code("A10BA02"));
      r.set("subject", subject());
    } else if (type == "Communication") {
      r.set("status", "completed");
      r.set("subject", subject());
    } else if (type == "CareTeam") {
      r.set("status", "proposed");
      r.set("subject", subject());
    } else if (type == "Consent") {
      r.set("status", "draft");
      r.set("scope", concept_code("patient-privacy"));
      r.set("category", Json::Array{concept_code("59284-0")});
      Json pr = Json::object();
      pr.set("reference", "Patient/" + patient);
      r.set("patient", pr);
    } else if (type == "RelatedPerson") {
      Json pr = Json::object();
      pr.set("reference", "Patient/" + patient);
      r.set("patient", pr);
    } else if (type == "Basic") {
      r.set("code", concept_code("x"));
      r.set("subject", subject());
    } else if (type == "Practitioner") {
      Json n = Json::object();
      n.set("family", "Annuaire");
      r.set("name", Json::Array{n});
    } else if (type == "Questionnaire") {
      r.set("status", "active");
    } else if (type == "AuditEvent") {
      Json t = Json::object();
      t.set("code", "rest");
      r.set("type", t);
      r.set("recorded", "2026-01-01T00:00:00Z");
      Json agent = Json::object();
      agent.set("requestor", true);
      r.set("agent", Json::Array{agent});
      Json obs = Json::object();
      obs.set("display", "ailleurs");
      Json src = Json::object();
      src.set("observer", obs);
      r.set("source", src);
    } else {
      return std::nullopt;
    }
    return r;
  };
  bool only_wildcards = true;
  for (const auto& m : p.maps) {
    if (m.category != category) continue;
    if (m.type == "*") continue;
    only_wildcards = false;
    if (m.type == "Patient") continue;  // the record itself is not a disposable sample
    if (auto r = build(m.type, m.matcher)) return r;
  }
  if (only_wildcards) return build("Basic", "*");  // a type the file does not name
  return std::nullopt;
}

std::string patient_json(const std::string& id, const std::string& gp) {
  return R"({"resourceType":"Patient","id":")" + id + R"(","name":[{"family":"Essai","given":["Jeanne"]}],)" +
         R"("generalPractitioner":[{"reference":"Practitioner/)" + gp + R"("}]})";
}

// Ids of a Bundle's entries (from fullUrl: history tombstones have no resource).
std::vector<std::string> entry_ids(const Json& bundle) {
  std::vector<std::string> out;
  if (const Json* e = bundle.find("entry"); e && e->is_array())
    for (const Json& x : e->as_array()) {
      std::string url(x.get_string("fullUrl"));
      out.push_back(url.substr(url.rfind('/') + 1));
    }
  return out;
}

// --- the policy matrix ---------------------------------------------------------------

TEST(Secrecy, PolicyMatrixGeneratedFromThePolicyFile) {
  MiniPolicy policy(std::string(PARCOURS_SOURCE_DIR) + "/config/policy.conf");
  ASSERT_GE(policy.roles.size(), 8u);
  ASSERT_GE(policy.categories.size(), 10u);
  World w;

  // The record with a care team (every professional role, and the staff's
  // organisation, is in it), and a record nobody here cares for.
  std::string participants;
  for (const auto& role : policy.roles) {
    const std::string& cls = policy.role_class[role];
    if (cls == "health" || cls == "social")
      participants += std::string(participants.empty() ? "" : ",") +
                      R"({"member":{"reference":"Practitioner/pr-)" + role + R"("}})";
  }
  participants += R"(,{"member":{"reference":"Organization/org-staff"}})";
  w.put_text(patient_json("pat-team", "pr-medecin"));
  w.put_text(patient_json("pat-other", "pr-elsewhere"));
  w.put_text(
      R"({"resourceType":"CareTeam","id":"ct-team","status":"active","subject":{"reference":"Patient/pat-team"},"participant":[)" +
      participants + "]}");
  w.put_text(
      R"({"resourceType":"RelatedPerson","id":"rp-aidant","patient":{"reference":"Patient/pat-team"}})");

  // Samples: per category, one for each patient (shared categories: one),
  // and per role a copy to update and delete.
  struct Sample {
    std::string category, type, team_id, other_id;
  };
  std::vector<Sample> samples;
  for (const auto& cat : policy.categories) {
    Sample s{cat, "", "team-" + cat, "other-" + cat};
    auto a = sample(policy, cat, s.team_id, "pat-team");
    ASSERT_TRUE(a.has_value()) << "teach this test to build a resource of category '" << cat
                               << "' (see sample()): the policy file maps it to a type it does not know";
    s.type = a->get_string("resourceType");
    w.put(*a);
    if (policy.patient_data[cat]) w.put(*sample(policy, cat, s.other_id, "pat-other"));
    for (std::size_t r = 0; r < policy.roles.size(); ++r)
      w.put(*sample(policy, cat, "r" + std::to_string(r) + "-" + cat, "pat-team"));
    samples.push_back(s);
  }

  // One account per role, as the policy file lists them.
  std::map<std::string, Account> accounts;
  for (const auto& role : policy.roles) {
    const std::string& cls = policy.role_class[role];
    std::string user = "u-" + role;
    if (cls == "health" || cls == "social") {
      std::string prof = policy.profession_of(role);
      ASSERT_FALSE(prof.empty()) << "no profession code maps to role " << role;
      accounts[role] =
          w.account(user, "professional",
                    {"--practitioner", "pr-" + role, "--profession", prof, "--rpps", "10000000001"});
    } else if (cls == "staff") {
      accounts[role] = w.account(user, "admin-staff", {"--organization", "org-staff"});
    } else if (cls == "patient") {
      accounts[role] = w.account(user, "patient", {"--patient", "pat-team"});
    } else if (cls == "carer") {
      accounts[role] = w.account(
          user, "carer", {"--patient", "pat-team", "--related-person", "rp-aidant", "--delegation", "*"});
    } else if (cls == "analyst") {
      accounts[role] = w.account(user, "analyst", {});
    } else {
      accounts[role] = w.account(user, "admin", {});
    }
  }

  int checked = 0, allowed = 0, denied = 0;
  for (std::size_t ri = 0; ri < policy.roles.size(); ++ri) {
    const std::string& role = policy.roles[ri];
    const std::string cls = policy.role_class[role];
    Tokens t = w.login(accounts[role]);
    ASSERT_EQ(t.status, 200) << role << ": " << t.error;
    const std::string& tok = t.access;
    auto expect_read = [&](const std::string& cat, bool team) {
      bool rule = policy.allowed(role, cat, "read");
      if (!policy.patient_data[cat]) return rule ? 200 : 403;
      if (cls == "analyst" || cls == "admin") return 403;
      if (!team) return 404;
      return rule ? 200 : 403;
    };
    auto expect_write = [&](const std::string& cat, bool team, const std::string& inter, int ok) {
      bool rule = policy.allowed(role, cat, inter);
      if (!policy.patient_data[cat]) return rule ? ok : 403;
      if (cls == "analyst" || cls == "admin" || !team) return 403;
      return rule ? ok : 403;
    };
    auto note = [&](int expected) { ++checked, expected < 300 ? ++allowed : ++denied; };

    Json batch = Json::object();
    batch.set("resourceType", "Bundle");
    batch.set("type", "batch");
    Json entries = Json::array();
    std::vector<int> batch_expect;
    for (const auto& s : samples) {
      for (bool team : {true, false}) {
        if (!team && !policy.patient_data[s.category]) continue;
        const std::string& id = team ? s.team_id : s.other_id;
        int e = expect_read(s.category, team);
        std::string what = role + " " + s.category + (team ? " (team)" : " (other)");
        EXPECT_EQ(w.as(tok, "GET", "/fhir/" + s.type + "/" + id).status, e) << "read " << what;
        EXPECT_EQ(w.as(tok, "GET", "/fhir/" + s.type + "/" + id + "/_history/1").status, e)
            << "vread " << what;
        auto hist = w.as(tok, "GET", "/fhir/" + s.type + "/" + id + "/_history");
        EXPECT_EQ(hist.status, e) << "history " << what;
        // A transaction with one GET entry answers as the read.
        std::string txn =
            R"({"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"GET","url":")" +
            s.type + "/" + id + R"("}}]})";
        EXPECT_EQ(w.as(tok, "POST", "/fhir", txn).status, e) << "transaction GET " << what;
        Json entry = Json::object();
        Json req = Json::object();
        req.set("method", "GET");
        req.set("url", s.type + "/" + id);
        entry.set("request", req);
        entries.push_back(entry);
        batch_expect.push_back(e);
        for (int k = 0; k < 4; ++k) note(e);
      }
    }
    batch.set("entry", entries);
    auto br = w.as(tok, "POST", "/fhir", batch.dump());
    ASSERT_EQ(br.status, 200) << br.body;
    Json bj = J(br);
    ASSERT_EQ(bj.find("entry")->size(), batch_expect.size());
    for (std::size_t i = 0; i < batch_expect.size(); ++i) {
      std::string st(bj.find("entry")->as_array()[i].find("response")->get_string("status"));
      EXPECT_EQ(std::atoi(st.c_str()), batch_expect[i]) << "batch entry " << i << " for " << role;
      note(batch_expect[i]);
    }

    // Lists: the policy is inside the query; the total counts only what shows.
    std::set<std::string> types;
    for (const auto& s : samples) types.insert(s.type);
    for (const auto& type : types) {
      auto h = w.as(tok, "GET", "/fhir/" + type + "/_history?_count=1000");
      ASSERT_EQ(h.status, 200) << role << " " << type << " " << h.body;
      Json hb = J(h);
      auto ids = entry_ids(hb);
      std::set<std::string> seen(ids.begin(), ids.end());
      EXPECT_EQ(hb.find("total")->to_int64().value_or(-1), static_cast<std::int64_t>(ids.size()))
          << "total counts exactly what the caller may see (" << role << ", " << type << ")";
      auto one = w.as(tok, "GET", "/fhir/" + type + "/_history?_count=1");
      EXPECT_EQ(J(one).find("total")->to_int64().value_or(-1), static_cast<std::int64_t>(ids.size()));
      for (const auto& s : samples) {
        if (s.type != type) continue;
        bool rule = policy.allowed(role, s.category, "search");
        bool shared = !policy.patient_data[s.category];
        bool team_visible = rule && (shared || !(cls == "analyst" || cls == "admin"));
        EXPECT_EQ(seen.count(s.team_id), team_visible ? 1u : 0u)
            << "type history " << role << " " << s.category;
        if (!shared) {
          EXPECT_EQ(seen.count(s.other_id), 0u) << "type history " << role << " " << s.category << " (other)";
        }
        note(team_visible ? 200 : 404);
      }
    }

    // Search: the policy is inside the query, for the page, the total and
    // $everything alike.
    for (const auto& type : types) {
      auto sr = w.as(tok, "GET", "/fhir/" + type + "?_count=1000&_total=accurate");
      ASSERT_EQ(sr.status, 200) << role << " search " << type << " " << sr.body;
      Json sb = J(sr);
      std::set<std::string> seen;
      if (const Json* e = sb.find("entry"); e && e->is_array())
        for (const Json& x : e->as_array()) {
          const Json* mode = x.find("search");
          if (mode && mode->get_string("mode") != "match") continue;
          std::string url(x.get_string("fullUrl"));
          seen.insert(url.substr(url.rfind('/') + 1));
        }
      if (const Json* total = sb.find("total")) {
        EXPECT_EQ(total->to_int64().value_or(-1), static_cast<std::int64_t>(seen.size()))
            << "search total counts exactly what the caller may see (" << role << ", " << type << ")";
      }
      for (const auto& smp : samples) {
        if (smp.type != type) continue;
        bool rule = policy.allowed(role, smp.category, "search");
        bool shared = !policy.patient_data[smp.category];
        bool visible = rule && (shared || !(cls == "analyst" || cls == "admin"));
        EXPECT_EQ(seen.count(smp.team_id), visible ? 1u : 0u) << "search " << role << " " << smp.category;
        if (!shared) {
          EXPECT_EQ(seen.count(smp.other_id), 0u) << "search " << role << " " << smp.category << " (other)";
        }
        note(visible ? 200 : 404);
      }
    }
    {
      auto ev = w.as(tok, "GET", "/fhir/Patient/pat-other/$everything?_count=1000");
      std::string body = ev.body;
      for (const auto& smp : samples) {
        if (!policy.patient_data[smp.category]) continue;
        EXPECT_EQ(body.find("\"" + smp.other_id + "\""), std::string::npos)
            << "$everything of a record outside the team shows " << smp.category << " to " << role;
        note(404);
      }
      auto mine = w.as(tok, "GET", "/fhir/Patient/pat-team/$everything?_count=1000");
      for (const auto& smp : samples) {
        if (!policy.patient_data[smp.category]) continue;
        bool visible = policy.allowed(role, smp.category, "search") && !(cls == "analyst" || cls == "admin");
        if (!visible) {
          EXPECT_EQ(mine.body.find("\"" + smp.team_id + "\""), std::string::npos)
              << "$everything shows " << smp.category << " to " << role;
          note(404);
        }
      }
    }
    {
      // Observation/$lastn runs the same search inside: one group per
      // patient here (every sample has one code), max large enough for all.
      auto ln =
          w.as(tok, "GET", "/fhir/Observation/$lastn?patient=pat-team,pat-other&code:missing=false&max=1000");
      ASSERT_EQ(ln.status, 200) << role << " $lastn " << ln.body;
      for (const auto& smp : samples) {
        if (smp.type != "Observation") continue;
        bool rule = policy.allowed(role, smp.category, "search");
        bool shared = !policy.patient_data[smp.category];
        bool visible = rule && (shared || !(cls == "analyst" || cls == "admin"));
        EXPECT_EQ(ln.body.find("\"" + smp.team_id + "\"") != std::string::npos, visible)
            << "$lastn " << role << " " << smp.category;
        if (!shared) {
          EXPECT_EQ(ln.body.find("\"" + smp.other_id + "\""), std::string::npos)
              << "$lastn " << role << " " << smp.category << " (other)";
        }
        note(visible ? 200 : 404);
      }
    }

    // Writes: create (direct and in a transaction), update, delete.
    for (const auto& s : samples) {
      for (bool team : {true, false}) {
        if (!team && !policy.patient_data[s.category]) continue;
        std::string what = role + " " + s.category + (team ? " (team)" : " (other)");
        Json fresh = *sample(policy, s.category, "ignored", team ? "pat-team" : "pat-other");
        fresh.erase("id");
        int e = expect_write(s.category, team, "create", 201);
        EXPECT_EQ(w.as(tok, "POST", "/fhir/" + s.type, fresh.dump()).status, e) << "create " << what;
        std::string txn =
            R"({"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"POST","url":")" +
            s.type + R"("},"resource":)" + fresh.dump() + "}]}";
        EXPECT_EQ(w.as(tok, "POST", "/fhir", txn).status, e == 201 ? 200 : e)
            << "transaction create " << what;
        note(e), note(e);
      }
      std::string mine = "r" + std::to_string(ri) + "-" + s.category;
      Json changed = *sample(policy, s.category, mine, "pat-team");
      changed.set("language", "fr");
      int eu = expect_write(s.category, true, "update", 200);
      EXPECT_EQ(w.as(tok, "PUT", "/fhir/" + s.type + "/" + mine, changed.dump()).status, eu)
          << "update " << role << " " << s.category;
      int ed = expect_write(s.category, true, "delete", 200);
      EXPECT_EQ(w.as(tok, "DELETE", "/fhir/" + s.type + "/" + mine).status, ed)
          << "delete " << role << " " << s.category;
      if (policy.patient_data[s.category]) {
        EXPECT_EQ(w.as(tok, "DELETE", "/fhir/" + s.type + "/" + s.other_id).status, 403)
            << "delete " << role << " " << s.category << " (other)";
        note(403);
      }
      note(eu), note(ed);
    }
  }
  std::printf("policy matrix: %d checks (%d allowed, %d denied) over %zu roles and %zu categories\n", checked,
              allowed, denied, policy.roles.size(), policy.categories.size());
  EXPECT_GT(allowed, 200);
  EXPECT_GT(denied, 200);

  // Nothing of what passed through here is in the server's logs.
  std::string out = w.output();
  for (const auto& s : w.secrets())
    EXPECT_EQ(out.find(s), std::string::npos) << "a token or code leaked to the logs";
  EXPECT_EQ(out.find(kPassword), std::string::npos);
}

// --- behaviours ---------------------------------------------------------------------

// No token, code, password or TOTP secret handled by a test shows in the
// server's output (stdout and stderr), whatever the log level.
void expect_no_secrets_in_logs(World& w, const std::vector<std::string>& more = {}) {
  std::string out = w.output();
  for (const auto& s : w.secrets())
    if (s.size() >= 16) {
      EXPECT_EQ(out.find(s), std::string::npos) << "a token or code leaked to the logs";
    }
  for (const auto& s : more)
    if (!s.empty()) {
      EXPECT_EQ(out.find(s), std::string::npos) << "a secret leaked to the logs";
    }
  EXPECT_EQ(out.find(kPassword), std::string::npos) << "a password leaked to the logs";
  // Under the sanitizers, the server's own reports land here too.
  EXPECT_EQ(out.find("runtime error"), std::string::npos) << out;
  EXPECT_EQ(out.find("Sanitizer"), std::string::npos) << out;
}

// A patient with a GP, a nurse, a specialist and a social worker in the care
// team; another patient; a professional outside both teams.
struct Team {
  World& w;
  Account gp, nurse, specialist, social, outsider, patient;
  explicit Team(World& world) : w(world) {
    w.put_text(patient_json("p1", "pr-gp"));
    w.put_text(patient_json("p2", "pr-else"));
    w.put_text(
        R"({"resourceType":"CareTeam","id":"ct-p1","status":"active","subject":{"reference":"Patient/p1"},
      "participant":[{"member":{"reference":"Practitioner/pr-nurse"}},
                     {"member":{"reference":"Practitioner/pr-spec"},"period":{"start":"2020-01-01"}},
                     {"member":{"reference":"Practitioner/pr-social"}}]})");
    w.put_text(R"({"resourceType":"Observation","id":"obs-1","status":"final","code":{"text":"poids"},
      "category":[{"coding":[{"code":"vital-signs"}]}],"subject":{"reference":"Patient/p1"},
      "performer":[{"reference":"Practitioner/pr-nurse"}]})");
    w.put_text(R"({"resourceType":"Observation","id":"obs-2","status":"final","code":{"text":"tension"},
      "category":[{"coding":[{"code":"vital-signs"}]}],"subject":{"reference":"Patient/p1"},
      "performer":[{"reference":"Practitioner/pr-gp"}]})");
    w.put_text(
        R"({"resourceType":"Condition","id":"cond-1","code":{"coding":[{"code":"E11"}]},"subject":{"reference":"Patient/p1"}})");
    auto pro = [&](const char* user, const char* pr, const char* profession) {
      return w.account(user, "professional",
                       {"--practitioner", pr, "--profession", profession, "--rpps", "10000000001"});
    };
    gp = pro("dr.gp", "pr-gp", "G15-10");
    nurse = pro("ide.nurse", "pr-nurse", "G15-60");
    specialist = pro("dr.spec", "pr-spec", "G15-10");
    social =
        w.account("as.social", "professional", {"--practitioner", "pr-social", "--profession", "R94-41"});
    outsider = pro("dr.outsider", "pr-out", "G15-10");
    patient = w.account("jeanne", "patient", {"--patient", "p1"});
  }
};

TEST(Secrecy, ConsentChangesTakeEffectAtOnce) {
  World w;
  Team t(w);
  std::string gp = w.login(t.gp).access, nurse = w.login(t.nurse).access, spec = w.login(t.specialist).access,
              out = w.login(t.outsider).access, pat = w.login(t.patient).access;
  ASSERT_FALSE(gp.empty() || nurse.empty() || spec.empty() || out.empty() || pat.empty());
  EXPECT_EQ(w.as(gp, "GET", "/fhir/Observation/obs-1").status, 200);
  EXPECT_EQ(w.as(nurse, "GET", "/fhir/Observation/obs-2").status, 200);
  EXPECT_EQ(w.as(out, "GET", "/fhir/Patient/p1").status, 404);

  auto consent = [&](const std::string& status, const std::string& provisions) {
    return R"({"resourceType":"Consent","id":"cs-1","status":")" + status +
           R"(","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
      "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],"patient":{"reference":"Patient/p1"},
      "provision":{"type":"permit","provision":[)" +
           provisions + "]}}";
  };
  // The patient masks the category "observations" from the team: the
  // authors keep access to their own (obs-1: the nurse, obs-2: the GP).
  auto r = w.as(
      pat, "PUT", "/fhir/Consent/cs-1",
      consent(
          "active",
          R"({"type":"deny","code":[{"coding":[{"system":"https://parcours.example.fr/fhir/CodeSystem/data-category","code":"observations"}]}]})"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(w.as(gp, "GET", "/fhir/Observation/obs-1").status, 404);
  EXPECT_EQ(w.as(gp, "GET", "/fhir/Observation/obs-2").status, 200) << "the author keeps access";
  EXPECT_EQ(w.as(nurse, "GET", "/fhir/Observation/obs-1").status, 200) << "the author keeps access";
  EXPECT_EQ(w.as(nurse, "GET", "/fhir/Observation/obs-2").status, 404);
  EXPECT_EQ(w.as(pat, "GET", "/fhir/Observation/obs-1").status, 200)
      << "masks hide from the team, not the patient";
  {
    auto h = J(w.as(gp, "GET", "/fhir/Observation/_history"));
    auto ids = entry_ids(h);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), "obs-1"), 0) << "nor in lists";
    EXPECT_EQ(h.find("total")->to_int64(), static_cast<std::int64_t>(ids.size()));
  }
  // Masking one document instead.
  r = w.as(
      pat, "PUT", "/fhir/Consent/cs-1",
      consent(
          "active",
          R"({"type":"deny","data":[{"meaning":"instance","reference":{"reference":"Observation/obs-2"}}]})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(w.as(gp, "GET", "/fhir/Observation/obs-1").status, 200);
  EXPECT_EQ(w.as(nurse, "GET", "/fhir/Observation/obs-2").status, 404);
  // Objection to a named professional: the nurse no longer reaches the record.
  r = w.as(
      pat, "PUT", "/fhir/Consent/cs-1",
      consent(
          "active",
          R"({"type":"deny","actor":[{"role":{"text":"x"},"reference":{"reference":"Practitioner/pr-nurse"}}]})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(w.as(nurse, "GET", "/fhir/Patient/p1").status, 404);
  EXPECT_EQ(w.as(nurse, "GET", "/fhir/Observation/obs-1").status, 404);
  EXPECT_EQ(w.as(spec, "GET", "/fhir/Patient/p1").status, 200);
  // Refusing all sharing but with the GP.
  r = w.as(pat, "PUT", "/fhir/Consent/cs-1", consent("active", R"({"type":"deny"})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(w.as(spec, "GET", "/fhir/Patient/p1").status, 404);
  EXPECT_EQ(w.as(nurse, "GET", "/fhir/Condition/cond-1").status, 404);
  EXPECT_EQ(w.as(gp, "GET", "/fhir/Condition/cond-1").status, 200);
  // Extending sharing beyond the team, to a named professional.
  r = w.as(
      pat, "PUT", "/fhir/Consent/cs-1",
      consent(
          "active",
          R"({"type":"permit","actor":[{"role":{"text":"x"},"reference":{"reference":"Practitioner/pr-out"}}]})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(w.as(out, "GET", "/fhir/Patient/p1").status, 200);
  EXPECT_EQ(w.as(spec, "GET", "/fhir/Patient/p1").status, 200);
  // Withdrawn: back to the team alone.
  r = w.as(
      pat, "PUT", "/fhir/Consent/cs-1",
      consent(
          "inactive",
          R"({"type":"permit","actor":[{"role":{"text":"x"},"reference":{"reference":"Practitioner/pr-out"}}]})"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(w.as(out, "GET", "/fhir/Patient/p1").status, 404);
  // The patient decides for their own record only.
  EXPECT_EQ(
      w.as(pat, "PUT", "/fhir/Consent/cs-2",
           R"({"resourceType":"Consent","id":"cs-2","status":"active","scope":{"coding":[{"code":"patient-privacy"}]},"category":[{"text":"x"}],"patient":{"reference":"Patient/p2"}})")
          .status,
      403);
  expect_no_secrets_in_logs(w);
}

TEST(Secrecy, LeavingTheCareTeamEndsAccess) {
  World w;
  Team t(w);
  std::string spec = w.login(t.specialist).access, nurse = w.login(t.nurse).access;
  EXPECT_EQ(w.as(spec, "GET", "/fhir/Condition/cond-1").status, 200);
  // The specialist's participation ended yesterday.
  w.put_text(
      R"({"resourceType":"CareTeam","id":"ct-p1","status":"active","subject":{"reference":"Patient/p1"},
    "participant":[{"member":{"reference":"Practitioner/pr-nurse"}},
                   {"member":{"reference":"Practitioner/pr-spec"},"period":{"start":"2020-01-01","end":"2020-06-30"}}]})");
  EXPECT_EQ(w.as(spec, "GET", "/fhir/Condition/cond-1").status, 404) << "same token, access gone at once";
  EXPECT_EQ(w.as(spec, "GET", "/fhir/Patient/p1/_history").status, 404);
  EXPECT_EQ(w.as(nurse, "GET", "/fhir/Condition/cond-1").status, 200);
  // An open referral (Task owned by the specialist) opens it again, until closed.
  w.put_text(
      R"({"resourceType":"Task","id":"task-1","status":"requested","intent":"order","for":{"reference":"Patient/p1"},"owner":{"reference":"Practitioner/pr-spec"}})");
  EXPECT_EQ(w.as(spec, "GET", "/fhir/Condition/cond-1").status, 200);
  w.put_text(
      R"({"resourceType":"Task","id":"task-1","status":"completed","intent":"order","for":{"reference":"Patient/p1"},"owner":{"reference":"Practitioner/pr-spec"}})");
  EXPECT_EQ(w.as(spec, "GET", "/fhir/Condition/cond-1").status, 404);
  // The whole team closed.
  w.put_text(
      R"({"resourceType":"CareTeam","id":"ct-p1","status":"inactive","subject":{"reference":"Patient/p1"},
    "participant":[{"member":{"reference":"Practitioner/pr-nurse"}}]})");
  EXPECT_EQ(w.as(nurse, "GET", "/fhir/Condition/cond-1").status, 404);
  // Nobody adds themselves to a team they are not in.
  auto self_add =
      w.as(spec, "PUT", "/fhir/CareTeam/ct-p1",
           R"({"resourceType":"CareTeam","id":"ct-p1","status":"active","subject":{"reference":"Patient/p1"},
                           "participant":[{"member":{"reference":"Practitioner/pr-spec"}}]})");
  EXPECT_EQ(self_add.status, 403);
  EXPECT_EQ(w.as(spec, "POST", "/fhir/CareTeam",
                 R"({"resourceType":"CareTeam","status":"active","subject":{"reference":"Patient/p1"},
                     "participant":[{"member":{"reference":"Practitioner/pr-spec"}}]})")
                .status,
            403);
  EXPECT_EQ(w.as(spec, "GET", "/fhir/Condition/cond-1").status, 404);
}

TEST(Secrecy, BreakGlassIsJustifiedTimeLimitedAuditedAndNotified) {
  World w;
  Team t(w);
  std::string out = w.login(t.outsider).access, social = w.login(t.social).access;
  EXPECT_EQ(w.as(out, "GET", "/fhir/Condition/cond-1").status, 404);
  auto reason = [](const std::string& text) {
    return R"({"resourceType":"Parameters","parameter":[{"name":"reason","valueString":")" + text + R"("}]})";
  };
  EXPECT_EQ(w.as(out, "POST", "/fhir/Patient/p1/$break-glass", R"({"resourceType":"Parameters"})").status,
            400)
      << "the reason is mandatory";
  EXPECT_EQ(w.as(out, "POST", "/fhir/Patient/p1/$break-glass", reason("urgence")).status, 400);
  EXPECT_EQ(
      w.as(social, "POST", "/fhir/Patient/p2/$break-glass", reason("Hospitalisation en urgence")).status, 403)
      << "category 2 professionals have no emergency access";
  EXPECT_EQ(w.as(out, "POST", "/fhir/Patient/nobody/$break-glass", reason("Patient inconscient aux urgences"))
                .status,
            404);
  auto bg =
      w.as(out, "POST", "/fhir/Patient/p1/$break-glass", reason("Patient inconscient aux urgences du CH"));
  ASSERT_EQ(bg.status, 200) << bg.body;
  EXPECT_NE(bg.body.find("expires"), std::string::npos);
  EXPECT_NE(bg.body.find("Practitioner/pr-gp"), std::string::npos) << "the GP is notified";
  EXPECT_EQ(w.as(out, "GET", "/fhir/Condition/cond-1").status, 200);
  EXPECT_EQ(w.as(out, "GET", "/fhir/Patient/p1").status, 200);
  EXPECT_EQ(w.as(out, "GET", "/fhir/Patient/p2").status, 404) << "only the patient named";

  // The GP finds the notice in the record; the patient sees it in their access log.
  std::string gp = w.login(t.gp).access, pat = w.login(t.patient).access;
  auto comms = J(w.as(gp, "GET", "/fhir/Communication/_history"));
  ASSERT_GE(comms.find("total")->to_int64().value_or(0), 1);
  EXPECT_NE(comms.dump().find("bris de glace"), std::string::npos);
  auto log = w.as(pat, "GET", "/fhir/Patient/p1/$access-log");
  ASSERT_EQ(log.status, 200) << log.body;
  EXPECT_NE(log.body.find("\"break-glass\""), std::string::npos);
  EXPECT_NE(log.body.find("ETREAT"), std::string::npos);
  EXPECT_NE(log.body.find("Patient inconscient aux urgences du CH"), std::string::npos);
  EXPECT_NE(log.body.find("dr.outsider"), std::string::npos) << log.body.substr(0, 400);
  EXPECT_EQ(log.body.find("\"network\""), std::string::npos) << "the patient's view omits network addresses";

  // Four hours later the access has ended.
  w.advance(4 * 3600 + 60);
  out = w.login(t.outsider).access;
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(w.as(out, "GET", "/fhir/Condition/cond-1").status, 404);

  // A patient may refuse emergency access.
  pat = w.login(t.patient).access;
  ASSERT_EQ(
      w.as(pat, "PUT", "/fhir/Consent/no-bg",
           R"({"resourceType":"Consent","id":"no-bg","status":"active","scope":{"coding":[{"code":"patient-privacy"}]},"category":[{"text":"x"}],"patient":{"reference":"Patient/p1"},
                     "provision":{"type":"permit","provision":[{"type":"deny","purpose":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActReason","code":"ETREAT"}]}]}})")
          .status,
      201);
  EXPECT_EQ(
      w.as(out, "POST", "/fhir/Patient/p1/$break-glass", reason("Patient inconscient aux urgences du CH"))
          .status,
      403);
  expect_no_secrets_in_logs(w);
}

TEST(Secrecy, CarerDelegationAndDisclosureDeadline) {
  World w;
  Team t(w);
  w.put_text(R"({"resourceType":"RelatedPerson","id":"rp-1","patient":{"reference":"Patient/p1"}})");
  w.put_text(R"({"resourceType":"DocumentReference","id":"doc-held","status":"current",
    "meta":{"tag":[{"system":"https://parcours.example.fr/fhir/CodeSystem/disclosure","code":"awaiting-disclosure"}]},
    "extension":[{"url":"https://parcours.example.fr/fhir/StructureDefinition/disclosure-deadline","valueDateTime":"2099-01-01"}],
    "subject":{"reference":"Patient/p1"},"author":[{"reference":"Practitioner/pr-gp"}],"content":[{"attachment":{"url":"x"}}]})");
  std::string until = [&] {
    std::time_t tt = static_cast<std::time_t>(w.now() + 86400);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&tt));
    return std::string(buf);
  }();
  Account carer = w.account("aidant.paul", "carer",
                            {"--patient", "p1", "--related-person", "rp-1", "--delegation",
                             "administrative,coordination", "--valid-until", until});
  Tokens c = w.login(carer);
  ASSERT_EQ(c.status, 200) << c.error;
  EXPECT_EQ(c.patient, "p1") << "SMART launch context";
  EXPECT_EQ(w.as(c.access, "GET", "/fhir/Patient/p1").status, 200);
  EXPECT_EQ(w.as(c.access, "GET", "/fhir/CareTeam/ct-p1").status, 200);
  EXPECT_EQ(w.as(c.access, "GET", "/fhir/Observation/obs-1").status, 403) << "not delegated";
  EXPECT_EQ(w.as(c.access, "GET", "/fhir/Patient/p2").status, 404) << "never anyone else's record";
  EXPECT_EQ(w.as(c.access, "GET", "/fhir/Patient/p1/$access-log").status, 200);
  EXPECT_EQ(w.as(c.access, "GET", "/fhir/Patient/p2/$access-log").status, 404);
  std::string pat = w.login(t.patient).access;
  EXPECT_EQ(w.as(pat, "GET", "/fhir/DocumentReference/doc-held").status, 404) << "awaiting disclosure";
  EXPECT_EQ(w.as(pat, "GET", "/fhir/Observation/obs-1").status, 200);
  std::string gp = w.login(t.gp).access;
  EXPECT_EQ(w.as(gp, "GET", "/fhir/DocumentReference/doc-held").status, 200);
  EXPECT_EQ(w.as(gp, "GET", "/fhir/Patient/p1/$access-log").status, 403);
  // The author sets the deadline to yesterday: the patient sees it at once.
  w.put_text(R"({"resourceType":"DocumentReference","id":"doc-held","status":"current",
    "meta":{"tag":[{"system":"https://parcours.example.fr/fhir/CodeSystem/disclosure","code":"awaiting-disclosure"}]},
    "extension":[{"url":"https://parcours.example.fr/fhir/StructureDefinition/disclosure-deadline","valueDateTime":"2020-01-01"}],
    "subject":{"reference":"Patient/p1"},"author":[{"reference":"Practitioner/pr-gp"}],"content":[{"attachment":{"url":"x"}}]})");
  EXPECT_EQ(w.as(pat, "GET", "/fhir/DocumentReference/doc-held").status, 200);
  // The delegation ends: the carer's token stops working, and so does login.
  w.advance(2 * 86400);
  EXPECT_EQ(w.as(c.access, "GET", "/fhir/Patient/p1").status, 401);
  Tokens again = w.login(carer);
  EXPECT_EQ(again.status, 401);
  EXPECT_NE(again.error.find("délégation"), std::string::npos);
  EXPECT_EQ(w.refresh(c.refresh).status, 400);
}

TEST(Secrecy, TokenExpiryRevocationAndIntrospection) {
  World w;
  Team t(w);
  Tokens a = w.login(t.gp);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(w.as(a.access, "GET", "/fhir/Patient/p1").status, 200);
  auto introspect = [&](const std::string& tok) {
    return J(w.http().request("POST", "/auth/introspect", form({{"token", tok}}),
                              {{"Authorization", std::string("Bearer ") + kAdmin},
                               {"Content-Type", "application/x-www-form-urlencoded"}}));
  };
  EXPECT_TRUE(introspect(a.access).find("active")->as_bool());
  EXPECT_EQ(introspect(a.access).get_string("scope"), a.scope);
  EXPECT_EQ(w.http()
                .request("POST", "/auth/introspect", form({{"token", a.access}}),
                         {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            401)
      << "introspection needs client authentication";
  // Expiry (10 minutes).
  w.advance(11 * 60);
  EXPECT_EQ(w.as(a.access, "GET", "/fhir/Patient/p1").status, 401);
  EXPECT_FALSE(introspect(a.access).find("active")->as_bool());
  Tokens b = w.refresh(a.refresh);
  ASSERT_EQ(b.status, 200) << b.error;
  EXPECT_EQ(w.as(b.access, "GET", "/fhir/Patient/p1").status, 200);
  // Revoking the access token (RFC 7009).
  auto rv = w.http().request("POST", "/auth/revoke", form({{"token", b.access}, {"client_id", "web"}}),
                             {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(rv.status, 200);
  EXPECT_EQ(w.as(b.access, "GET", "/fhir/Patient/p1").status, 401);
  // Revoking the refresh token ends its session and every token of it.
  Tokens c = w.refresh(b.refresh);
  ASSERT_EQ(c.status, 200);
  rv = w.http().request("POST", "/auth/revoke", form({{"token", c.refresh}, {"client_id", "web"}}),
                        {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(rv.status, 200);
  EXPECT_EQ(w.as(c.access, "GET", "/fhir/Patient/p1").status, 401);
  EXPECT_EQ(w.refresh(c.refresh).status, 400);
  // Disabling the account ends its sessions.
  Tokens d = w.login(t.nurse);
  EXPECT_EQ(w.as(d.access, "GET", "/fhir/Patient/p1").status, 200);
  w.cli({"user", "disable", "--username", "ide.nurse"});
  EXPECT_EQ(w.as(d.access, "GET", "/fhir/Patient/p1").status, 401);
  expect_no_secrets_in_logs(w);
}

TEST(Secrecy, RefreshRotationDetectsReuse) {
  World w;
  Team t(w);
  Tokens a = w.login(t.gp);
  ASSERT_FALSE(a.refresh.empty());
  Tokens b = w.refresh(a.refresh);
  ASSERT_EQ(b.status, 200);
  EXPECT_NE(b.refresh, a.refresh) << "rotated";
  EXPECT_EQ(w.as(b.access, "GET", "/fhir/Patient/p1").status, 200);
  // The old refresh token comes back: someone copied it. The family goes.
  Tokens reuse = w.refresh(a.refresh);
  EXPECT_EQ(reuse.status, 400);
  EXPECT_EQ(reuse.error, "invalid_grant");
  EXPECT_EQ(w.refresh(b.refresh).status, 400) << "the newer token is revoked too";
  EXPECT_EQ(w.as(b.access, "GET", "/fhir/Patient/p1").status, 401);
  // The audit names it.
  auto audit = w.admin("GET", "/fhir/$audit?subtype=token-reuse");
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("token-reuse"), std::string::npos);
}

TEST(Secrecy, PkceAndSecondFactor) {
  World w;
  Team t(w);
  Tokens bad = w.login(t.gp, kScopes, random_verifier());
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error, "invalid_grant");
  // S256 only.
  auto plain = w.http().request("GET", "/auth/authorize?" + form({{"response_type", "code"},
                                                                  {"client_id", "web"},
                                                                  {"redirect_uri", kRedirect},
                                                                  {"scope", "openid"},
                                                                  {"state", "s"},
                                                                  {"code_challenge", random_verifier()},
                                                                  {"code_challenge_method", "plain"}}));
  EXPECT_EQ(plain.status, 302);
  EXPECT_NE(plain.header("Location").find("error=invalid_request"), std::string::npos);
  // Unknown redirect URIs are never redirected to.
  auto evil = w.http().request("GET", "/auth/authorize?" + form({{"response_type", "code"},
                                                                 {"client_id", "web"},
                                                                 {"redirect_uri", "https://evil.example/cb"},
                                                                 {"code_challenge", sha256_b64url("x")},
                                                                 {"code_challenge_method", "S256"}}));
  EXPECT_EQ(evil.status, 400);
  EXPECT_TRUE(evil.header("Location").empty());
  // The page is French first, English second, with labelled fields.
  auto page = w.http().request("GET", "/auth/authorize?" + form({{"response_type", "code"},
                                                                 {"client_id", "web"},
                                                                 {"redirect_uri", kRedirect},
                                                                 {"code_challenge", sha256_b64url("x")},
                                                                 {"code_challenge_method", "S256"}}));
  EXPECT_NE(page.body.find("<html lang=\"fr\">"), std::string::npos);
  EXPECT_NE(page.body.find("<label for=\"password\">Mot de passe <span lang=\"en\""), std::string::npos);
  EXPECT_NE(page.header("Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
  // A professional without the second factor, or with a wrong one, is refused.
  Tokens no_totp = w.login(t.gp, kScopes, "", kPassword, false);
  EXPECT_EQ(no_totp.status, 401);
  Account wrong = t.gp;
  wrong.totp_secret = "JBSWY3DPEHPK3PXP";
  EXPECT_EQ(w.login(wrong).status, 401);
  // A code is good once.
  Tokens first = w.login(t.nurse);
  ASSERT_EQ(first.status, 200);
  Tokens replay = w.login(t.nurse, kScopes, "", kPassword, true, /*replay=*/true);
  EXPECT_EQ(replay.status, 401) << "a TOTP code replayed in the same step";
  // Patients have no second factor by default; a wrong password still fails.
  EXPECT_EQ(w.login(t.patient, kScopes, "", "not-the-password").status, 401);
  EXPECT_EQ(w.login(t.patient).status, 200);
  // The ID token is signed by a key of the JWKS.
  auto jwks = J(w.http().request("GET", "/auth/jwks"));
  ASSERT_GE(jwks.find("keys")->size(), 1u);
  EXPECT_EQ(first.id_token.substr(0, 3), "eyJ");
}

TEST(Secrecy, LockoutAfterRepeatedFailures) {
  World w;
  Team t(w);
  auto fail = [&](const Account& a) { return w.login(a, kScopes, "", "wrong-password-123", false).status; };
  for (int i = 0; i < 5; ++i) EXPECT_EQ(fail(t.gp), 401);
  Tokens locked = w.login(t.gp);
  EXPECT_EQ(locked.status, 401) << "locked even with the right password";
  EXPECT_NE(locked.error.find("Trop de tentatives"), std::string::npos);
  // Unknown usernames lock the same way (no account enumeration).
  Account ghost{"nobody.here", "professional", "", ""};
  for (int i = 0; i < 5; ++i) fail(ghost);
  EXPECT_NE(w.login(ghost).error.find("Trop de tentatives"), std::string::npos);
  // The lockout lifts after its back-off; then a good login works.
  w.advance(2 * 60);
  EXPECT_EQ(w.login(t.gp).status, 200);
  // A failure right after a lockout locks twice as long (exponential back-off).
  for (int i = 0; i < 5; ++i) fail(t.gp);
  w.advance(61);
  EXPECT_EQ(fail(t.gp), 401);
  w.advance(90);
  EXPECT_EQ(w.login(t.gp).status, 401) << "the second lockout lasts 2 minutes";
  w.cli({"user", "unlock", "--username", "dr.gp"});
  EXPECT_EQ(w.login(t.gp).status, 200);
  // Failed logins are audited, without the password.
  auto audit = w.admin("GET", "/fhir/$audit?subtype=login&_count=100");
  EXPECT_NE(audit.body.find("wrong password"), std::string::npos);
  EXPECT_EQ(audit.body.find("wrong-password-123"), std::string::npos);
  expect_no_secrets_in_logs(w, {"wrong-password-123"});
}

TEST(Secrecy, SessionsListedAndRevokedByTheirOwner) {
  World w;
  Team t(w);
  Tokens a = w.login(t.gp), b = w.login(t.gp), n = w.login(t.nurse);
  auto list = J(w.as(a.access, "GET", "/auth/sessions"));
  ASSERT_EQ(list.find("sessions")->size(), 2u);
  std::string other;
  for (const auto& s : list.find("sessions")->as_array())
    if (!s.find("current")->as_bool()) other = s.get_string("id");
  ASSERT_FALSE(other.empty());
  auto nurse_sessions = J(w.as(n.access, "GET", "/auth/sessions"));
  std::string nurse_session(nurse_sessions.find("sessions")->as_array()[0].get_string("id"));
  EXPECT_EQ(w.as(a.access, "DELETE", "/auth/sessions/" + nurse_session).status, 404) << "only one's own";
  EXPECT_EQ(w.as(a.access, "DELETE", "/auth/sessions/" + other).status, 204);
  EXPECT_EQ(w.as(b.access, "GET", "/fhir/Patient/p1").status, 401);
  EXPECT_EQ(w.as(a.access, "GET", "/fhir/Patient/p1").status, 200);
  EXPECT_EQ(w.as(n.access, "GET", "/fhir/Patient/p1").status, 200);
  auto info = J(w.as(a.access, "GET", "/auth/userinfo"));
  EXPECT_EQ(info.get_string("fhirUser"), "Practitioner/pr-gp");
}

TEST(Secrecy, MachineClientsAndScopes) {
  World w;
  Team t(w);
  auto reg = w.cli({"user", "client", "--id", "gw-telesurveillance", "--name", "Passerelle", "--confidential",
                    "--scopes", "system/Observation.c"});
  auto at = reg.output.find("client_secret (shown once): ");
  ASSERT_NE(at, std::string::npos) << reg.output;
  std::string secret = reg.output.substr(at + 28, reg.output.find('\n', at) - at - 28);
  auto tok = J(w.http().request("POST", "/auth/token",
                                form({{"grant_type", "client_credentials"},
                                      {"client_id", "gw-telesurveillance"},
                                      {"client_secret", secret}}),
                                {{"Content-Type", "application/x-www-form-urlencoded"}}));
  std::string access(tok.get_string("access_token"));
  ASSERT_FALSE(access.empty()) << tok.dump();
  EXPECT_EQ(tok.get_string("scope"), "system/Observation.c");
  EXPECT_EQ(
      w.as(access, "POST", "/fhir/Observation",
           R"({"resourceType":"Observation","status":"final","code":{"text":"poids"},"subject":{"reference":"Patient/p1"}})")
          .status,
      201);
  EXPECT_EQ(w.as(access, "GET", "/fhir/Observation/obs-1").status, 403) << "outside its scopes";
  EXPECT_EQ(w.as(access, "GET", "/fhir/Observation/_history").status, 403);
  auto bad = w.http().request("POST", "/auth/token",
                              form({{"grant_type", "client_credentials"},
                                    {"client_id", "gw-telesurveillance"},
                                    {"client_secret", "wrong"}}),
                              {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(bad.status, 401);
  // A person's token limited by its scopes: user/Observation.rs reads no Condition.
  Tokens narrow = w.login(t.gp, "openid user/Observation.rs");
  ASSERT_EQ(narrow.status, 200);
  EXPECT_EQ(w.as(narrow.access, "GET", "/fhir/Observation/obs-1").status, 200);
  EXPECT_EQ(w.as(narrow.access, "GET", "/fhir/Condition/cond-1").status, 403);
  EXPECT_EQ(
      w.as(narrow.access, "PUT", "/fhir/Observation/obs-2",
           R"({"resourceType":"Observation","id":"obs-2","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p1"}})")
          .status,
      403);
  // Discovery documents.
  auto oidc = J(w.http().request("GET", "/.well-known/openid-configuration"));
  EXPECT_EQ(oidc.get_string("issuer"), "http://127.0.0.1:" + std::to_string(w.server().port()) + "/auth");
  auto smart = w.http().request("GET", "/fhir/.well-known/smart-configuration");
  EXPECT_EQ(smart.status, 200);
  EXPECT_NE(smart.body.find("\"S256\""), std::string::npos);
  EXPECT_NE(smart.body.find("permission-v2"), std::string::npos);
  expect_no_secrets_in_logs(w, {secret});
}

TEST(Secrecy, AuditIsAppendOnlyAndItsChainDetectsTampering) {
  World w({"--log-level", "debug"});
  Team t(w);
  std::string gp = w.login(t.gp).access, pat = w.login(t.patient).access;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(w.as(gp, "GET", "/fhir/Observation/obs-1").status, 200);
  EXPECT_EQ(
      w.as(gp, "PUT", "/fhir/Observation/obs-2",
           R"({"resourceType":"Observation","id":"obs-2","status":"final","code":{"text":"tension 13/8"},"category":[{"coding":[{"code":"vital-signs"}]}],"subject":{"reference":"Patient/p1"},"performer":[{"reference":"Practitioner/pr-gp"}]})")
          .status,
      200);
  // The patient sees who read their record, when, with which role.
  auto log = J(w.as(pat, "GET", "/fhir/Patient/p1/$access-log?_count=200"));
  std::string text = log.dump();
  EXPECT_NE(text.find("Observation/obs-1"), std::string::npos);
  EXPECT_NE(text.find("medecin"), std::string::npos);
  EXPECT_NE(text.find("\"update\""), std::string::npos);
  // Nobody writes the audit through the API, nor reads it unless administrator.
  EXPECT_EQ(
      w.as(gp, "POST", "/fhir/AuditEvent",
           R"({"resourceType":"AuditEvent","type":{"code":"rest"},"recorded":"2026-01-01T00:00:00Z","agent":[{"requestor":true}],"source":{"observer":{"display":"x"}}})")
          .status,
      403);
  EXPECT_EQ(w.as(gp, "GET", "/fhir/$audit").status, 403);
  Account admin = w.account("root.admin", "admin", {});
  std::string adm = w.login(admin).access;
  EXPECT_EQ(w.as(adm, "GET", "/fhir/$audit?patient=p1").status, 200);
  EXPECT_EQ(w.as(adm, "GET", "/fhir/Patient/p1/$access-log").status, 200);
  EXPECT_EQ(w.as(adm, "GET", "/fhir/Patient/p1").status, 403) << "administrators do not read records";

  ASSERT_EQ(w.server().stop(), 0);
  expect_no_secrets_in_logs(w);
  // The secret key sealing TOTP secrets and signing keys was created private.
  EXPECT_EQ(fs::status(fs::path(w.data()) / "secret.key").permissions() &
                (fs::perms::group_all | fs::perms::others_all),
            fs::perms::none);
  auto ok = testing::run_parcours({"audit", "verify", "--data", w.data()});
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("audit chain OK"), std::string::npos);
  std::string head = ok.output.substr(ok.output.find("head ") + 5, 64);

  // Tamper with the database file directly: the engine's own guard first...
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((w.data() + "/parcours.db").c_str(), &db), SQLITE_OK);
  EXPECT_NE(
      sqlite3_exec(db, "UPDATE audit_event SET agent='quelqu-un' WHERE seq=3", nullptr, nullptr, nullptr),
      SQLITE_OK)
      << "append-only inside SQLite";
  // ...then as an attacker with the file would: drop it and rewrite a record.
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TRIGGER audit_event_no_update; DROP TRIGGER audit_event_no_delete; "
                         "UPDATE audit_event SET agent='quelqu-un' WHERE seq=3",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto bad = testing::run_parcours({"audit", "verify", "--data", w.data()});
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("BROKEN at record 3"), std::string::npos) << bad.output;
  // Recomputing that record's hash does not help: the next link breaks.
  // Removing a record is a gap.
  ASSERT_EQ(sqlite3_exec(db, "DELETE FROM audit_event WHERE seq=2", nullptr, nullptr, nullptr), SQLITE_OK);
  bad = testing::run_parcours({"audit", "verify", "--data", w.data()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.output.find("BROKEN at record 2: it is missing"), std::string::npos) << bad.output;
  // Truncating the end is caught against the head recorded earlier.
  sqlite3_close(db);
}

TEST(Secrecy, ProductionModeRefusesTheBootstrapToken) {
  testing::TempDir dir;
  auto r = testing::run_parcours({"serve", "--data", dir.path(), "--listen", "127.0.0.1:0", "--production"},
                                 {"PARCOURS_ADMIN_TOKEN=some-token"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("production mode"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("some-token"), std::string::npos);
  auto hook = testing::run_parcours({"serve", "--data", dir.path(), "--listen", "127.0.0.1:0"},
                                    {"PARCOURS_PRODUCTION=1", "PARCOURS_TEST_CLOCK_FILE=/tmp/x"});
  EXPECT_EQ(hook.exit_code, 2) << hook.output;
  EXPECT_NE(hook.output.find("test hook"), std::string::npos) << hook.output;
}
}  // namespace
}  // namespace parcours
