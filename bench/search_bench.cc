// Search latency on a loaded store (bench/search.sh, docs/performance.md):
// the typical coordination queries, each run many times with parameters
// drawn from the data, in process (parse, plan, SQL, and the searchset
// Bundle text: everything but HTTP). Baseline measured in the same run: a
// read by id through the same store.
//
//   search_bench --data STORE [--iterations 300] [--threads 2] [--seed 7] [--care-team]
//   search_bench --data STORE --explain 'Encounter?subject:Patient.name=martin&_count=20'
//
// --explain: that one query's plan (the planner's notes, the SQL and
// SQLite's query plan), then its latency over --iterations runs.
//
// --care-team: the same queries, drawn from the patients of the GP with the
// most patients, run as that GP (access policy inside the SQL, reach cached
// as the server does) and as the administrator (no policy), interleaved in
// one run; prints both p50s and their ratio (the policy's cost, target 1.3).
//
// The first run adds the coordination resources the generated territory
// lacks (CarePlan, Task, Provenance) and reindexes nothing else.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "api/search_bundle.h"
#include "search/engine.h"
#include "search/indexer.h"
#include "search/lastn.h"
#include "security/clock.h"
#include "security/guard.h"
#include "security/reach.h"
#include "store/store.h"

using namespace parcours;

namespace {

struct Args {
  std::string data;
  int iterations = 300;
  int threads = 2;
  unsigned seed = 7;
  bool care_team = false;
  std::string explain;  // "Type?query"
};

using Clock = std::chrono::steady_clock;

struct Sample {
  std::vector<std::string> patients, practitioners, encounters, families, nirs, codes;
};

std::vector<std::string> ids_of(store::Store& s, const std::string& type, std::size_t limit) {
  std::vector<std::string> out;
  auto reader = s.reader();
  store::SearchPlan plan;
  plan.types = {type};
  plan.count = 1000;
  while (out.size() < limit) {
    auto page = reader->search(plan);
    if (!page || page->hits.empty()) break;
    for (const auto& h : page->hits) out.push_back(h.id);
    if (!page->more) break;
    plan.cursor = store::SearchCursor{};
    plan.cursor->rid = page->hits.back().match.rid;
  }
  return out;
}

// CarePlans, Tasks and Provenance for the coordination queries (the
// territory has CareTeams but none of these).
Status add_coordination(store::Store& s, const std::vector<std::string>& patients,
                        const std::vector<std::string>& practitioners,
                        const std::vector<std::string>& encounters) {
  static const char* kTaskStatus[] = {"requested", "accepted", "in-progress", "completed", "cancelled"};
  std::size_t done = 0;
  while (done < patients.size()) {
    std::size_t end = std::min(patients.size(), done + 500);
    Status st = s.write([&](store::Writer& w) -> Status {
      for (std::size_t i = done; i < end; ++i) {
        const std::string& p = patients[i];
        const std::string& dr = practitioners[i % practitioners.size()];
        std::string n = std::to_string(i);
        auto put = [&](const std::string& type, const std::string& id, const std::string& body) -> Status {
          auto j = parse_json(body);
          if (!j) return j.error();
          auto r = w.put(type, id, std::move(*j));
          return r ? Status() : Status(r.error());
        };
        if (auto e = put("CarePlan", "cp-" + n,
                         R"({"resourceType":"CarePlan","id":"cp-)" + n + R"(","status":")" +
                             (i % 3 ? "active" : "completed") +
                             R"(","intent":"plan","subject":{"reference":"Patient/)" + p +
                             R"("},"author":{"reference":"Practitioner/)" + dr + R"("}})");
            !e)
          return e;
        for (int t = 0; t < 2; ++t) {
          std::string tid = "task-" + n + "-" + std::to_string(t);
          if (auto e = put("Task", tid,
                           R"({"resourceType":"Task","id":")" + tid + R"(","status":")" +
                               kTaskStatus[(i + static_cast<std::size_t>(t)) % 5] +
                               R"(","intent":"order","for":{"reference":"Patient/)" + p +
                               R"("},"owner":{"reference":"Practitioner/)" + dr +
                               R"("},"authoredOn":"2026-10-)" + std::to_string(10 + t) + R"("})");
              !e)
            return e;
        }
        const std::string& enc = encounters[i % encounters.size()];
        if (auto e = put(
                "Provenance", "prov-" + n,
                R"({"resourceType":"Provenance","id":"prov-)" + n +
                    R"(","target":[{"reference":"Encounter/)" + enc +
                    R"("}],"recorded":"2026-10-01T10:00:00Z","agent":[{"who":{"reference":"Practitioner/)" +
                    dr + R"("}}]})");
            !e)
          return e;
      }
      return Status::Ok();
    });
    if (!st) return st;
    done = end;
  }
  return Status::Ok();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (k == "--data")
      a.data = next();
    else if (k == "--iterations")
      a.iterations = std::atoi(next().c_str());
    else if (k == "--threads")
      a.threads = std::atoi(next().c_str());
    else if (k == "--seed")
      a.seed = static_cast<unsigned>(std::atoi(next().c_str()));
    else if (k == "--care-team")
      a.care_team = true;
    else if (k == "--explain")
      a.explain = next();
  }
  if (a.data.empty()) {
    std::fprintf(stderr, "usage: search_bench --data STORE [--iterations N] [--threads T] [--seed S]\n");
    return 2;
  }
  auto policy = security::Policy::load_configured();
  if (!policy) {
    std::fprintf(stderr, "search_bench: %s\n", policy.error().message().c_str());
    return 1;
  }
  store::SqliteOptions o;
  o.directory = a.data;
  // As `parcours serve` does: each version with its access-policy label.
  o.indexer = [p = *policy](std::string_view type, const Json& resource) {
    store::IndexRows rows = search::index_resource(type, resource);
    rows.security = p->derive(type, resource, rows.patients);
    return rows;
  };
  o.text_indexer = search::index_text;
  auto opened = store::open_sqlite(o);
  if (!opened) {
    std::fprintf(stderr, "search_bench: %s\n", opened.error().message().c_str());
    return 1;
  }
  store::Store& s = **opened;
  auto stale = search::prepare_store(s);
  if (!stale) {
    std::fprintf(stderr, "search_bench: %s\n", stale.error().message().c_str());
    return 1;
  }

  Sample sm;
  sm.patients = ids_of(s, "Patient", 1u << 30);
  sm.practitioners = ids_of(s, "Practitioner", 100000);
  sm.encounters = ids_of(s, "Encounter", 200000);
  if (sm.patients.empty() || sm.practitioners.empty() || sm.encounters.empty()) {
    std::fprintf(stderr, "search_bench: the store holds no territory\n");
    return 1;
  }
  if (ids_of(s, "Task", 1).empty()) {
    auto t0 = Clock::now();
    std::fprintf(stderr, "adding CarePlan, Task and Provenance for %zu patients...\n", sm.patients.size());
    if (auto st = add_coordination(s, sm.patients, sm.practitioners, sm.encounters); !st) {
      std::fprintf(stderr, "search_bench: %s\n", st.error().message().c_str());
      return 1;
    }
    std::fprintf(stderr, "  done in %.1f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
  }
  // Names and NIRs for the Patient queries, from a sample of patients.
  {
    auto reader = s.reader();
    for (std::size_t i = 0; i < sm.patients.size() && sm.families.size() < 2000;
         i += 1 + sm.patients.size() / 2000) {
      auto v = reader->read("Patient", sm.patients[i]);
      if (!v || !*v) continue;
      auto j = parse_json((*v)->body);
      if (!j) continue;
      if (const Json* names = j->find("name"))
        sm.families.emplace_back(names->as_array()[0].get_string("family"));
      if (const Json* ids = j->find("identifier"))
        for (const Json& id : ids->as_array())
          if (id.get_string("system") == "urn:oid:1.2.250.1.213.1.4.8")
            sm.nirs.emplace_back(id.get_string("value"));
    }
  }
  sm.codes = {"http://loinc.org|4548-4", "http://loinc.org|29463-7", "http://loinc.org|85354-9",
              "http://loinc.org|8867-4", "http://loinc.org|2339-0"};

  std::mt19937 rng(a.seed);
  auto pick = [&](const std::vector<std::string>& v) {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng)];
  };
  auto prefix = [&](const std::string& f) {
    // Two or three characters of a family name: the name-prefix search.
    std::size_t n = 3;
    while (n < f.size() && (static_cast<unsigned char>(f[n]) & 0xC0) == 0x80) ++n;
    return f.substr(0, n);
  };

  struct Query {
    const char* name;
    std::string type;
    std::function<std::string()> make;
  };
  std::vector<Query> queries = {
      {"Observation by patient + code + date range", "Observation",
       [&] {
         return "patient=Patient/" + pick(sm.patients) + "&code=" + pick(sm.codes) +
                "&date=ge2025-01-01&date=lt2026-11-01";
       }},
      {"last observation of a code, one patient", "Observation",
       [&] { return "patient=" + pick(sm.patients) + "&code=" + pick(sm.codes) + "&_sort=-date&_count=1"; }},
      {"last 10 observations of a code, territory", "Observation",
       [&] { return "code=" + pick(sm.codes) + "&_sort=-date&_count=10"; }},
      {"Task by status + owner", "Task",
       [&] { return "status=requested&owner=Practitioner/" + pick(sm.practitioners); }},
      {"CarePlan by status + patient", "CarePlan",
       [&] { return "status=active&patient=Patient/" + pick(sm.patients); }},
      {"Patient by identifier (INS-NIR)", "Patient",
       [&] { return "identifier=urn:oid:1.2.250.1.213.1.4.8|" + pick(sm.nirs); }},
      {"Patient by name prefix", "Patient",
       [&] { return "name=" + prefix(pick(sm.families)) + "&_count=20"; }},
      {"Encounter chained to patient name", "Encounter",
       [&] { return "subject:Patient.name=" + pick(sm.families) + "&_count=20"; }},
      {"Encounter + _revinclude Provenance", "Encounter",
       [&] { return "_id=" + pick(sm.encounters) + "&_revinclude=Provenance:target"; }},
      {"Patient + _revinclude CareTeam", "Patient",
       [&] { return "_id=" + pick(sm.patients) + "&_revinclude=CareTeam:subject"; }},
      // Observation/$lastn (search/lastn.h): a GP's list, and one patient's vital signs.
      {"$lastn: last HbA1c of 50 patients", "Observation/$lastn",
       [&] {
         std::string list;
         for (int i = 0; i < 50; ++i) list += (i ? "," : "") + pick(sm.patients);
         return "patient=" + list + "&code=http://loinc.org|4548-4";
       }},
      {"$lastn: last 3 of each vital sign, one patient", "Observation/$lastn",
       [&] { return "patient=" + pick(sm.patients) + "&category=vital-signs&max=3"; }},
  };

  auto run_one = [&](const std::string& type, const std::string& q, std::size_t* entries,
                     const security::RequestContext* as = nullptr) -> double {
    auto t0 = Clock::now();
    auto params = search::parse_form(q);
    const bool lastn = type == "Observation/$lastn";
    search::SearchRequest req;
    req.types = {lastn ? std::string("Observation") : type};
    req.params = *params;
    req.base_url = "http://bench/fhir";
    req.now = 1'793'491'200'000'000;
    auto reader = s.reader();
    if (as) {
      auto filter = security::row_filter(*as, *reader, security::Interaction::Search);
      if (!filter) {
        std::fprintf(stderr, "policy: %s\n", filter.error().message().c_str());
        std::exit(1);
      }
      req.policy = std::move(*filter);
    }
    auto r = lastn ? search::lastn(*reader, req) : search::execute(*reader, req);
    if (!r) {
      std::fprintf(stderr, "query failed: %s?%s: %s\n", type.c_str(), q.c_str(), r.error().message().c_str());
      std::exit(1);
    }
    api::SearchBundleOptions bo{"http://bench/fhir", "http://bench/fhir/" + type, false};
    std::string bundle = api::searchset_bundle(*r, bo);
    if (entries) *entries += r->page.hits.size() + r->page.included.size();
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  };

  if (!a.explain.empty()) {
    auto mark = a.explain.find('?');
    std::string type = a.explain.substr(0, mark);
    std::string q = mark == std::string::npos ? "" : a.explain.substr(mark + 1);
    {
      auto params = search::parse_form(q + "&_explain=true");
      search::SearchRequest req;
      req.types = {type};
      req.params = params ? *params : std::vector<search::Param>{};
      req.base_url = "http://bench/fhir";
      auto reader = s.reader();
      auto r = search::execute(*reader, req);
      if (!r) {
        std::fprintf(stderr, "query failed: %s\n", r.error().message().c_str());
        return 1;
      }
      for (const auto& line : r->explain) std::printf("%s\n", line.c_str());
      std::printf("%zu entries, %s\n", r->page.hits.size(), r->next_cursor.empty() ? "last page" : "more");
    }
    std::vector<double> us;
    for (int i = 0; i < a.iterations; ++i) us.push_back(run_one(type, q, nullptr));
    std::sort(us.begin(), us.end());
    std::printf("%d runs: p50 %.3f ms, p95 %.3f ms\n", a.iterations, us[us.size() / 2] / 1000,
                us[us.size() * 95 / 100] / 1000);
    return 0;
  }

  if (a.care_team) {
    // The GP with the most patients, and the queries drawn from their care.
    std::string gp;
    std::vector<std::string> mine;
    for (const auto& pr : sm.practitioners) {
      auto reader = s.reader();
      auto r = search::find(*reader, "Patient", "general-practitioner=Practitioner/" + pr, 100000, {},
                            "http://bench/fhir");
      if (r && r->size() > mine.size()) {
        gp = pr;
        mine = std::move(*r);
      }
    }
    if (mine.empty()) {
      std::fprintf(stderr, "search_bench: no patient has a GP\n");
      return 1;
    }
    std::vector<std::string> encounters;
    for (std::size_t i = 0; i < mine.size() && encounters.size() < 2000; ++i) {
      auto reader = s.reader();
      auto r = search::find(*reader, "Encounter", "subject=Patient/" + mine[i], 100, {}, "http://bench/fhir");
      if (r) encounters.insert(encounters.end(), r->begin(), r->end());
    }
    const std::size_t territory = sm.patients.size();
    sm.patients = mine;
    sm.practitioners = {gp};
    if (!encounters.empty()) sm.encounters = encounters;
    auto access = std::make_shared<security::AccessContext>();
    access->role = (*policy)->role("medecin").value_or(-1);
    access->role_class = security::RoleClass::Health;
    access->principals = {"Practitioner/" + gp};
    access->identities = {"Practitioner/" + gp, "Account/bench-gp"};
    access->account = "bench-gp";
    access->scopes = security::Scopes::parse("user/*.cruds");
    access->now = security::Clock::now();
    security::ReachCache reaches;
    security::RequestContext as_gp;
    as_gp.access = access;
    as_gp.policy = *policy;
    as_gp.reaches = &reaches;
    std::printf("store: %s (%zu patients); care-team member: Practitioner/%s, GP of %zu patients\n",
                a.data.c_str(), territory, gp.c_str(), mine.size());
    std::printf("%-45s %10s %10s %7s %9s %9s\n", "query (same texts, interleaved)", "admin p50", "GP p50",
                "ratio", "admin n", "GP n");
    for (const auto& q : queries) {
      for (int i = 0; i < 5; ++i) {
        std::string text = q.make();
        run_one(q.type, text, nullptr);
        run_one(q.type, text, nullptr, &as_gp);
      }
      std::vector<double> ta, tg;
      std::size_t ea = 0, eg = 0;
      for (int i = 0; i < a.iterations; ++i) {
        std::string text = q.make();
        ta.push_back(run_one(q.type, text, &ea));
        tg.push_back(run_one(q.type, text, &eg, &as_gp));
      }
      double pa = percentile(ta, 0.5), pg = percentile(tg, 0.5);
      std::printf("%-45s %10.3f %10.3f %7.2f %9.1f %9.1f\n", q.name, pa / 1000, pg / 1000, pg / pa,
                  static_cast<double>(ea) / a.iterations, static_cast<double>(eg) / a.iterations);
      std::fflush(stdout);
    }
    s.close();
    return 0;
  }

  // Baseline: read by id (one reader per read, as the API does).
  std::vector<double> base;
  for (int i = 0; i < a.iterations; ++i) {
    std::string id = pick(sm.patients);
    auto t0 = Clock::now();
    auto reader = s.reader();
    auto v = reader->read("Patient", id);
    base.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (!v || !*v) return 1;
  }
  double base_p50 = percentile(base, 0.5);
  std::printf("store: %s (%zu patients)\n", a.data.c_str(), sm.patients.size());
  std::printf("%-45s %9s %9s %9s %10s %8s\n", "query", "p50 ms", "p95 ms", "q/s (1t)",
              ("q/s (" + std::to_string(a.threads) + "t)").c_str(), "entries");
  std::printf("%-45s %9.3f %9.3f %9.0f %10s %8s\n", "baseline: read Patient by id", base_p50 / 1000,
              percentile(base, 0.95) / 1000,
              1e6 / (std::accumulate(base.begin(), base.end(), 0.0) / base.size()), "-", "1");
  for (const auto& q : queries) {
    // Warm-up, then timed.
    for (int i = 0; i < 5; ++i) run_one(q.type, q.make(), nullptr);
    std::vector<double> t;
    std::size_t entries = 0;
    std::vector<std::string> texts;
    for (int i = 0; i < a.iterations; ++i) texts.push_back(q.make());
    for (const auto& text : texts) t.push_back(run_one(q.type, text, &entries));
    double mean = std::accumulate(t.begin(), t.end(), 0.0) / static_cast<double>(t.size());
    // Throughput with several threads, each with its own readers.
    std::atomic<std::size_t> next{0};
    auto t0 = Clock::now();
    std::vector<std::thread> pool;
    for (int k = 0; k < a.threads; ++k)
      pool.emplace_back([&] {
        for (std::size_t i; (i = next++) < texts.size();) run_one(q.type, texts[i], nullptr);
      });
    for (auto& th : pool) th.join();
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("%-45s %9.3f %9.3f %9.0f %10.0f %8.1f\n", q.name, percentile(t, 0.5) / 1000,
                percentile(t, 0.95) / 1000, 1e6 / mean, static_cast<double>(texts.size()) / secs,
                static_cast<double>(entries) / static_cast<double>(t.size()));
    std::fflush(stdout);
  }
  s.close();
  return 0;
}
