// The SQLite store against the Store contract (store/store.h), on real
// database files in a fresh directory per test.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <atomic>
#include <filesystem>
#include <set>
#include <stdexcept>
#include <thread>

#include "store/content.h"
#include "store/store.h"

namespace parcours::store {
namespace {

namespace fs = std::filesystem;

// Patients of the resource: itself for a Patient, else subject.reference
// "Patient/x"; identifiers from identifier[].
IndexRows test_indexer(std::string_view type, const Json& r) {
  IndexRows rows;
  if (type == "Patient") rows.patients.emplace_back(r.get_string("id"));
  if (const Json* subject = r.find("subject")) {
    std::string_view ref = subject->get_string("reference");
    if (ref.starts_with("Patient/")) rows.patients.emplace_back(ref.substr(8));
  }
  if (const Json* ids = r.find("identifier"); ids && ids->is_array()) {
    for (const auto& i : ids->as_array())
      rows.identifiers.push_back({std::string(i.get_string("system")), std::string(i.get_string("value"))});
  }
  rows.search.text.content = std::string(type) + " " + std::string(r.get_string("id"));  // full-text rows
  return rows;
}

Json parse(std::string_view text) {
  auto j = parse_json(text);
  EXPECT_TRUE(j.ok()) << text;
  return j.ok() ? std::move(j).value() : Json();
}

Json patient(std::string_view id, std::string_view family, std::string_view mrn = "") {
  Json p = Json::object();
  p.set("resourceType", "Patient");
  p.set("id", id);
  if (!mrn.empty())
    p.set("identifier", Json::Array{parse(R"({"system":"urn:oid:1.2.250.1.213.1.4.8","value":")" +
                                          std::string(mrn) + "\"}")});
  p.set("name", Json::Array{parse(R"({"family":")" + std::string(family) + "\"}")});
  return p;
}

Json observation(std::string_view id, std::string_view patient_id, std::string_view value) {
  return parse(R"({"resourceType":"Observation","id":")" + std::string(id) +
               R"(","status":"final","code":{"text":"poids"},"subject":{"reference":"Patient/)" +
               std::string(patient_id) + R"("},"valueQuantity":{"value":)" + std::string(value) + "}}");
}

// Builders: designated initializers would trip -Wmissing-field-initializers.
struct Q {
  HistoryQuery q;
  Q& type(std::string v) {
    q.type = std::move(v);
    return *this;
  }
  Q& id(std::string v) {
    q.id = std::move(v);
    return *this;
  }
  Q& since(Micros v) {
    q.since = v;
    return *this;
  }
  Q& at_or_before(Micros v) {
    q.at_or_before = v;
    return *this;
  }
  Q& before_seq(std::int64_t v) {
    q.before_seq = v;
    return *this;
  }
  Q& count(int v) {
    q.count = v;
    return *this;
  }
  operator HistoryQuery() const { return q; }  // NOLINT
};
struct Opt {
  PutOptions o;
  Opt& method(std::string v) {
    o.method = std::move(v);
    return *this;
  }
  Opt& if_match(std::int64_t v) {
    o.if_match = v;
    return *this;
  }
  Opt& must_not_exist(bool v) {
    o.must_not_exist = v;
    return *this;
  }
  operator PutOptions() const { return o; }  // NOLINT
};

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "parcours_store_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = (root_ / "data").string();  // absent: open_sqlite creates it
    open();
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  void open(int readers = 4, int checkpoint_pages = 0, int wal_restart_pages = 0) {
    SqliteOptions o;
    o.directory = dir_;
    o.indexer = test_indexer;
    o.reader_connections = readers;
    o.checkpoint_pages = checkpoint_pages;
    o.wal_restart_pages = wal_restart_pages;
    auto s = open_sqlite(o);
    ASSERT_TRUE(s.ok()) << s.error().message();
    store_ = std::move(s).value();
  }
  void reopen() {
    store_->close();
    store_.reset();
    open();
  }

  // put() inside its own unit.
  Result<WriteOutcome> put(Json r, PutOptions opts = {}) {
    std::string type(r.get_string("resourceType")), id(r.get_string("id"));
    std::optional<Result<WriteOutcome>> out;
    Status s = store_->write([&](Writer& w) -> Status {
      out.emplace(w.put(type, id, std::move(r), opts));
      if (!out->ok()) return out->error();
      return Status::Ok();
    });
    if (!s.ok()) return std::move(s).error();
    return std::move(*out);
  }
  Result<std::optional<ResourceVersion>> remove(std::string_view type, std::string_view id,
                                                std::optional<std::int64_t> if_match = {}) {
    std::optional<Result<std::optional<ResourceVersion>>> out;
    Status s = store_->write([&](Writer& w) -> Status {
      out.emplace(w.remove(type, id, if_match));
      if (!out->ok()) return out->error();
      return Status::Ok();
    });
    if (!s.ok()) return std::move(s).error();
    return std::move(*out);
  }
  std::optional<ResourceVersion> read(std::string_view type, std::string_view id) {
    auto r = store_->reader()->read(type, id);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::nullopt;
  }
  HistoryPage history(HistoryQuery q) {
    auto r = store_->reader()->history(q);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : HistoryPage{};
  }

  // Direct look at the index tables, to check what the API cannot show.
  std::vector<std::string> sql_column(const std::string& sql) {
    sqlite3* db = nullptr;
    std::string path = (fs::path(dir_) / "parcours.db").string();
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::vector<std::string> out;
    while (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      out.emplace_back(t ? reinterpret_cast<const char*>(t) : "NULL");
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
  }

  // Closes the store and runs `sql` on its file, as an older (or newer)
  // version of Parcours would have left it.
  void rewrite_closed(const std::string& sql) {
    store_->close();
    store_.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((fs::path(dir_) / "parcours.db").c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  fs::path root_;
  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, CreatesDirectoryAndDatabase) {
  EXPECT_TRUE(fs::is_directory(dir_));
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "parcours.db"));
  EXPECT_EQ(sql_column("PRAGMA journal_mode"), std::vector<std::string>{"wal"});
  EXPECT_EQ(sql_column("PRAGMA user_version"), std::vector<std::string>{"14"});
}

TEST_F(StoreTest, UncreatableDirectoryIsAClearError) {
  std::string file = (root_ / "a_file").string();
  FILE* f = fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fclose(f);
  SqliteOptions o;
  o.directory = file + "/sub";
  o.indexer = test_indexer;
  auto s = open_sqlite(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().status(), 500);
  EXPECT_NE(s.error().message().find("cannot create data directory"), std::string::npos)
      << s.error().message();
}

TEST_F(StoreTest, IndexerIsRequired) {
  SqliteOptions o;
  o.directory = (root_ / "other").string();
  EXPECT_FALSE(open_sqlite(o).ok());
}

TEST_F(StoreTest, CreateReadUpdate) {
  auto c = put(patient("p1", "Martin"), Opt().method("POST"));
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_TRUE(c->created);
  EXPECT_TRUE(c->changed);
  EXPECT_EQ(c->stored.version, 1);
  EXPECT_EQ(c->stored.method, "POST");
  EXPECT_FALSE(c->stored.deleted);

  auto r = read("Patient", "p1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->last_updated, c->stored.last_updated);
  EXPECT_EQ(r->body, c->stored.body);
  Json body = parse(r->body);
  // meta goes right after id, stamps inside it.
  ASSERT_GE(body.as_object().size(), 3u);
  EXPECT_EQ(body.as_object()[0].first, "resourceType");
  EXPECT_EQ(body.as_object()[1].first, "id");
  EXPECT_EQ(body.as_object()[2].first, "meta");
  EXPECT_EQ(body.find("meta")->get_string("versionId"), "1");
  EXPECT_EQ(body.find("meta")->get_string("lastUpdated"), format_instant(r->last_updated));
  EXPECT_EQ(body.find("name")->as_array()[0].get_string("family"), "Martin");

  auto u = put(patient("p1", "Martin-Dupont"));
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->created);
  EXPECT_TRUE(u->changed);
  EXPECT_EQ(u->stored.version, 2);
  EXPECT_EQ(u->stored.method, "PUT");
  EXPECT_GT(u->stored.last_updated, c->stored.last_updated);
  r = read("Patient", "p1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->version, 2);
  EXPECT_EQ(parse(r->body).find("meta")->get_string("versionId"), "2");

  EXPECT_FALSE(read("Patient", "nope"));
  EXPECT_FALSE(read("Observation", "p1"));
}

TEST_F(StoreTest, IdIsSetWhenAbsentAndValidated) {
  Json p = parse(R"({"resourceType":"Patient","active":true})");
  Status s = store_->write([&](Writer& w) -> Status {
    auto o = w.put("Patient", "abc", p);
    if (!o.ok()) return o.error();
    Json b = parse(o->stored.body);
    EXPECT_EQ(b.as_object()[1].first, "id");
    EXPECT_EQ(b.get_string("id"), "abc");

    auto bad_type = w.put("Observation", "abc", p);
    EXPECT_FALSE(bad_type.ok());
    if (!bad_type.ok()) {
      EXPECT_EQ(bad_type.error().status(), 400);
    }
    auto bad_id = w.put("Patient", "other", parse(R"({"resourceType":"Patient","id":"abc"})"));
    EXPECT_FALSE(bad_id.ok());
    if (!bad_id.ok()) {
      EXPECT_EQ(bad_id.error().status(), 400);
    }
    auto invalid_id = w.put("Patient", "a b", parse(R"({"resourceType":"Patient"})"));
    EXPECT_FALSE(invalid_id.ok());
    auto not_object = w.put("Patient", "x", Json::array());
    EXPECT_FALSE(not_object.ok());
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok());
}

TEST_F(StoreTest, IdenticalUpdateMakesNoVersion) {
  Json p = parse(R"({"resourceType":"Patient","id":"p1","meta":{"profile":["http://x/p"]},"gender":"female",
                    "birthDate":"1950-02-01","extension":[{"url":"u","valueDecimal":1.50}]})");
  auto c = put(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(parse(c->stored.body).find("meta")->find("profile")->as_array()[0].as_string(), "http://x/p");

  // Same content again: nothing appended.
  auto same = put(p);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->changed);
  EXPECT_FALSE(same->created);
  EXPECT_EQ(same->stored.version, 1);
  EXPECT_EQ(same->stored.body, c->stored.body);

  // Echoing the stored body (with its stamps) and reordering members: still identical.
  Json echoed = parse(c->stored.body);
  auto& o = echoed.as_object();
  std::reverse(o.begin(), o.end());
  auto again = put(echoed);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->changed);

  // Decimal text matters: 1.5 is not 1.50.
  Json changed =
      parse(R"({"resourceType":"Patient","id":"p1","meta":{"profile":["http://x/p"]},"gender":"female",
                          "birthDate":"1950-02-01","extension":[{"url":"u","valueDecimal":1.5}]})");
  auto v2 = put(changed);
  ASSERT_TRUE(v2.ok());
  EXPECT_TRUE(v2->changed);
  EXPECT_EQ(v2->stored.version, 2);

  // Array order matters.
  auto v3 = put(parse(R"({"resourceType":"Patient","id":"p1","name":[{"given":["A","B"]}]})"));
  auto v4 = put(parse(R"({"resourceType":"Patient","id":"p1","name":[{"given":["B","A"]}]})"));
  ASSERT_TRUE(v3.ok() && v4.ok());
  EXPECT_EQ(v4->stored.version, 4);

  auto h = history(Q().type("Patient").id("p1"));
  EXPECT_EQ(h.total, 4);
}

// The body put() stores is assembled from text prepared beforehand (bulk
// loads prepare it on their workers): it must be exactly the stamped
// resource's compact JSON, wherever meta sits or whether it exists.
TEST(PreparedContent, BodyIsTheStampedResourceAsDumped) {
  const char* shapes[] = {
      R"({"resourceType":"Patient","id":"a","gender":"female"})",
      R"({"id":"a","resourceType":"Patient"})",
      R"({"resourceType":"Patient","gender":"male"})",  // no id: a new meta goes last
      R"({"resourceType":"Patient","id":"a","meta":{"versionId":"7","lastUpdated":"2020-01-01T00:00:00Z"}})",
      R"({"resourceType":"Patient","id":"a","meta":{"profile":["p"],"versionId":"7"},"active":true})",
      R"({"resourceType":"Patient","active":true,"meta":{"tag":[{"code":"x"}]},"id":"a"})",
      R"({"resourceType":"Observation","id":"o","contained":[{"resourceType":"Patient","id":"c","meta":{"versionId":"1"}}],"status":"final","valueQuantity":{"value":1.50}})",
      R"({"resourceType":"Patient","id":"a","name":[{"family":"L\u00e9a \"q\"","given":["\u0001"]}]})",
  };
  for (const char* text : shapes) {
    Json prepared = parse(text), expected = parse(text);
    PreparedContent content;
    ASSERT_TRUE(prepare_content(prepared, content).ok()) << text;
    ASSERT_TRUE(strip_stamps(expected).ok());
    std::string canon;
    canonical(expected, canon);
    EXPECT_EQ(content.canonical, canon) << text;
    EXPECT_EQ(content.hash, static_cast<std::int64_t>(hash64(canon)));
    set_stamps(expected, 12, 1700000000123456);
    EXPECT_EQ(content.body(12, 1700000000123456), expected.dump()) << text;
    EXPECT_TRUE(parse_json(content.body(1, 0)).ok()) << text;
  }
  for (const char* bad_text : {R"({"resourceType":"Patient","id":"a","meta":[]})", R"(["Patient"])"}) {
    Json bad = parse(bad_text);
    PreparedContent content;
    auto s = prepare_content(bad, content);
    ASSERT_FALSE(s.ok()) << bad_text;
    EXPECT_EQ(s.error().status(), 400);
  }
}

TEST_F(StoreTest, PreparedContentStoresWhatPutWouldStore) {
  Json r = parse(R"({"resourceType":"Patient","active":true,"meta":{"versionId":"3","tag":[{"code":"x"}]},
                     "id":"p1","identifier":[{"system":"s","value":"v"}]})");
  Json copy = r;
  PreparedContent content;
  ASSERT_TRUE(prepare_content(copy, content).ok());
  IndexRows rows = test_indexer("Patient", copy);
  PutOptions opts;
  opts.content = &content;
  opts.index = &rows;
  auto a = put(copy, opts);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->created);
  Json stored = parse(a->stored.body);
  EXPECT_EQ(stored.as_object()[2].first, "meta");
  EXPECT_EQ(stored.find("meta")->as_object()[0].first, "versionId");
  EXPECT_EQ(stored.find("meta")->get_string("versionId"), "1");
  // The same resource put without preparation is the same content: no version.
  auto b = put(r);
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(b->changed);
  EXPECT_EQ(b->stored.body, a->stored.body);
  auto found = store_->reader()->find_by_identifier("Patient", IdentifierKey{"s", "v"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->size(), 1u);

  // Prepared content of a resource without its id is not used: put() adds
  // the id, and the body has it.
  Json no_id = parse(R"({"resourceType":"Patient","active":false})");
  PreparedContent stale;
  ASSERT_TRUE(prepare_content(no_id, stale).ok());
  PutOptions with_stale;
  with_stale.content = &stale;
  std::string body;
  ASSERT_TRUE(store_
                  ->write([&](Writer& w) -> Status {
                    auto c = w.put("Patient", "p2", no_id, with_stale);
                    if (!c) return c.error();
                    body = c->stored.body;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(parse(body).get_string("id"), "p2");
}

TEST_F(StoreTest, DeleteTombstoneAndRecreate) {
  ASSERT_TRUE(put(patient("p1", "A")).ok());
  ASSERT_TRUE(put(patient("p1", "B")).ok());
  auto d = remove("Patient", "p1");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(*d);
  EXPECT_TRUE((*d)->deleted);
  EXPECT_EQ((*d)->version, 3);
  EXPECT_EQ((*d)->method, "DELETE");
  EXPECT_TRUE((*d)->body.empty());

  auto r = read("Patient", "p1");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->deleted);
  EXPECT_EQ(r->version, 3);
  EXPECT_TRUE(r->body.empty());

  // Deleting again, or something absent: not an error, nothing written.
  auto again = remove("Patient", "p1");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  auto absent = remove("Patient", "never");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(*absent);
  EXPECT_EQ(history(Q().type("Patient").id("p1")).total, 3);

  // Re-creating continues the numbering; identical content to v2 still makes
  // a version because the current one is a tombstone.
  auto re = put(patient("p1", "B"));
  ASSERT_TRUE(re.ok());
  EXPECT_TRUE(re->created);
  EXPECT_TRUE(re->changed);
  EXPECT_EQ(re->stored.version, 4);
  EXPECT_FALSE(read("Patient", "p1")->deleted);
}

TEST_F(StoreTest, VreadEachVersion) {
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(put(patient("p1", "F" + std::to_string(i))).ok());
  ASSERT_TRUE(remove("Patient", "p1").ok());
  auto reader = store_->reader();
  for (int i = 1; i <= 5; ++i) {
    auto v = reader->vread("Patient", "p1", i);
    ASSERT_TRUE(v.ok());
    ASSERT_TRUE(*v);
    EXPECT_EQ((*v)->version, i);
    EXPECT_FALSE((*v)->deleted);
    Json b = parse((*v)->body);
    EXPECT_EQ(b.find("name")->as_array()[0].get_string("family"), "F" + std::to_string(i));
    EXPECT_EQ(b.find("meta")->get_string("versionId"), std::to_string(i));
  }
  auto tomb = reader->vread("Patient", "p1", 6);
  ASSERT_TRUE(tomb.ok() && *tomb);
  EXPECT_TRUE((*tomb)->deleted);
  auto none = reader->vread("Patient", "p1", 7);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
}

TEST_F(StoreTest, IfMatchAndMustNotExist) {
  ASSERT_TRUE(put(patient("p1", "A")).ok());
  ASSERT_TRUE(put(patient("p1", "B")).ok());

  auto stale = put(patient("p1", "C"), Opt().if_match(1));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().status(), 412);
  EXPECT_NE(stale.error().message().find("expected version 1"), std::string::npos) << stale.error().message();
  EXPECT_NE(stale.error().message().find("current version is 2"), std::string::npos)
      << stale.error().message();
  EXPECT_EQ(read("Patient", "p1")->version, 2);

  auto fresh = put(patient("p1", "C"), Opt().if_match(2));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->stored.version, 3);

  auto absent = put(patient("p9", "C"), Opt().if_match(1));
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().status(), 412);

  auto taken = put(patient("p1", "D"), Opt().method("POST").must_not_exist(true));
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().status(), 409);
  auto free_id = put(patient("p2", "D"), Opt().method("POST").must_not_exist(true));
  ASSERT_TRUE(free_id.ok());
  EXPECT_TRUE(free_id->created);

  auto bad_delete = remove("Patient", "p1", 1);
  ASSERT_FALSE(bad_delete.ok());
  EXPECT_EQ(bad_delete.error().status(), 412);
  auto good_delete = remove("Patient", "p1", 3);
  ASSERT_TRUE(good_delete.ok() && *good_delete);

  // A tombstone does not block must_not_exist.
  auto recreate = put(patient("p1", "E"), Opt().must_not_exist(true));
  ASSERT_TRUE(recreate.ok());
  EXPECT_EQ(recreate->stored.version, 5);
}

TEST_F(StoreTest, HistoryThreeLevels) {
  ASSERT_TRUE(put(patient("p1", "A")).ok());             // p1 v1
  ASSERT_TRUE(put(observation("o1", "p1", "70")).ok());  // o1 v1
  ASSERT_TRUE(put(patient("p1", "B")).ok());             // p1 v2
  Micros mid = store_->now();
  ASSERT_TRUE(put(observation("o1", "p1", "71")).ok());  // o1 v2
  ASSERT_TRUE(put(patient("p2", "C")).ok());             // p2 v1
  ASSERT_TRUE(remove("Observation", "o1").ok());         // o1 v3 (tombstone)

  auto names = [](const HistoryPage& h) {
    std::vector<std::string> out;
    for (const auto& v : h.versions) out.push_back(v.id + "/" + std::to_string(v.version));
    return out;
  };
  using V = std::vector<std::string>;

  auto sys = history(Q());
  EXPECT_EQ(sys.total, 6);
  EXPECT_EQ(sys.next_seq, 0);
  EXPECT_EQ(names(sys), (V{"o1/3", "p2/1", "o1/2", "p1/2", "o1/1", "p1/1"}));
  EXPECT_TRUE(sys.versions[0].deleted);
  EXPECT_EQ(sys.versions[0].method, "DELETE");
  for (std::size_t i = 1; i < sys.versions.size(); ++i)
    EXPECT_LT(sys.versions[i].last_updated, sys.versions[i - 1].last_updated);

  auto type = history(Q().type("Patient"));
  EXPECT_EQ(type.total, 3);
  EXPECT_EQ(names(type), (V{"p2/1", "p1/2", "p1/1"}));

  auto inst = history(Q().type("Observation").id("o1"));
  EXPECT_EQ(inst.total, 3);
  EXPECT_EQ(names(inst), (V{"o1/3", "o1/2", "o1/1"}));
  EXPECT_EQ(history(Q().type("Observation").id("nope")).total, 0);

  // since is inclusive, and applies at every level.
  EXPECT_EQ(names(history(Q().since(mid))), (V{"o1/3", "p2/1", "o1/2"}));
  EXPECT_EQ(names(history(Q().type("Observation").since(mid))), (V{"o1/3", "o1/2"}));
  EXPECT_EQ(names(history(Q().type("Observation").id("o1").since(mid))), (V{"o1/3", "o1/2"}));
  Micros o1v2_time = history(Q().type("Observation").id("o1")).versions[1].last_updated;
  EXPECT_EQ(names(history(Q().since(o1v2_time))), (V{"o1/3", "p2/1", "o1/2"}));
  EXPECT_EQ(history(Q().since(store_->now())).total, 0);

  // at_or_before: versions up to that instant.
  auto before = history(Q().at_or_before(mid));
  EXPECT_EQ(before.total, 3);
  EXPECT_EQ(names(before), (V{"p1/2", "o1/1", "p1/1"}));
  EXPECT_EQ(names(history(Q().since(o1v2_time).at_or_before(o1v2_time))), (V{"o1/2"}));
  EXPECT_EQ(history(Q().at_or_before(0)).total, 0);

  // Paging by seq cursor; total ignores the cursor.
  auto p1 = history(Q().count(2));
  EXPECT_EQ(names(p1), (V{"o1/3", "p2/1"}));
  EXPECT_EQ(p1.total, 6);
  ASSERT_NE(p1.next_seq, 0);
  auto p2 = history(Q().before_seq(p1.next_seq).count(2));
  EXPECT_EQ(names(p2), (V{"o1/2", "p1/2"}));
  EXPECT_EQ(p2.total, 6);
  auto p3 = history(Q().before_seq(p2.next_seq).count(2));
  EXPECT_EQ(names(p3), (V{"o1/1", "p1/1"}));
  EXPECT_EQ(p3.next_seq, 0);
  auto tp = history(Q().type("Patient").count(1));
  EXPECT_EQ(names(tp), (V{"p2/1"}));
  EXPECT_EQ(names(history(Q().type("Patient").before_seq(tp.next_seq).count(5))), (V{"p1/2", "p1/1"}));
  auto ip = history(Q().type("Observation").id("o1").since(mid).count(1));
  EXPECT_EQ(names(ip), (V{"o1/3"}));
  EXPECT_EQ(ip.total, 2);
  EXPECT_EQ(names(history(Q().type("Observation").id("o1").since(mid).before_seq(ip.next_seq))), (V{"o1/2"}));

  // count is clamped to 1..1000.
  EXPECT_EQ(history(Q().count(0)).versions.size(), 1u);
  EXPECT_EQ(history(Q().count(-5)).versions.size(), 1u);
  EXPECT_EQ(history(Q().count(100000)).versions.size(), 6u);

  // An id without a type is a caller error.
  EXPECT_FALSE(store_->reader()->history(Q().id("o1")).ok());
}

TEST_F(StoreTest, HistoryPagingStaysCorrectDuringWrites) {
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(put(observation("o" + std::to_string(i % 40), "p1", std::to_string(i))).ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      auto r = put(observation("o" + std::to_string(i % 40), "p2", std::to_string(1000 + i)));
      ASSERT_TRUE(r.ok());
    }
  });
  for (const std::string type : {"", "Observation"}) {
    HistoryPage first = history(Q().type(type).count(7));
    std::int64_t expected = first.total;
    EXPECT_GE(expected, 200);
    std::set<std::string> seen;
    Micros last_time = std::numeric_limits<Micros>::max();
    HistoryPage page = first;
    for (;;) {
      for (const auto& v : page.versions) {
        EXPECT_TRUE(seen.insert(v.id + "/" + std::to_string(v.version)).second) << "duplicate " << v.id;
        EXPECT_LT(v.last_updated, last_time);
        last_time = v.last_updated;
      }
      if (page.next_seq == 0) break;
      page = history(Q().type(type).before_seq(page.next_seq).count(7));
      EXPECT_GE(page.total, expected);  // grows with the concurrent writes
    }
    EXPECT_EQ(static_cast<std::int64_t>(seen.size()), expected);
  }
  // Instance level too.
  HistoryPage page = history(Q().type("Observation").id("o3").count(2));
  std::int64_t expected = page.total;
  std::int64_t got = 0, last_version = std::numeric_limits<std::int64_t>::max();
  for (;;) {
    for (const auto& v : page.versions) {
      EXPECT_LT(v.version, last_version);
      last_version = v.version;
      ++got;
    }
    if (page.next_seq == 0) break;
    page = history(Q().type("Observation").id("o3").before_seq(page.next_seq).count(2));
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(last_version, 1);
  stop = true;
  writer.join();
}

TEST_F(StoreTest, UnitIsAtomicAndSeesItsOwnWrites) {
  Status failed = store_->write([&](Writer& w) -> Status {
    for (int i = 0; i < 3; ++i) {
      auto o = w.put("Patient", "f" + std::to_string(i), patient("f" + std::to_string(i), "X", "mrn-f"));
      EXPECT_TRUE(o.ok());
    }
    auto r = w.read("Patient", "f2");
    EXPECT_TRUE(r.ok() && *r && (*r)->version == 1);
    auto ids = w.find_by_identifier("Patient", {"", "mrn-f"});
    EXPECT_TRUE(ids.ok() && ids->size() == 3u);
    auto counts = w.count_by_type();
    EXPECT_TRUE(counts.ok() && counts->size() == 1u && (*counts)[0].second == 3);
    EXPECT_EQ(w.history(Q().type("Patient")).value().total, 3);
    return unprocessable("business rule says no");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().status(), 422);
  EXPECT_EQ(failed.error().message(), "business rule says no");
  EXPECT_FALSE(read("Patient", "f0"));
  EXPECT_EQ(history(Q()).total, 0);
  EXPECT_TRUE(store_->reader()->find_by_identifier("Patient", {"", "mrn-f"})->empty());
  EXPECT_TRUE(store_->reader()->count_by_type()->empty());

  Status threw = store_->write([&](Writer& w) -> Status {
    EXPECT_TRUE(w.put("Patient", "t1", patient("t1", "X")).ok());
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(threw.ok());
  EXPECT_EQ(threw.error().status(), 500);
  EXPECT_NE(threw.error().message().find("boom"), std::string::npos);
  EXPECT_FALSE(read("Patient", "t1"));

  // A failed put inside a unit that carries on: the unit decides.
  Status partial = store_->write([&](Writer& w) -> Status {
    EXPECT_TRUE(w.put("Patient", "k1", patient("k1", "X")).ok());
    EXPECT_FALSE(w.put("Patient", "k1", patient("k1", "Y"), Opt().if_match(7)).ok());
    return Status::Ok();
  });
  EXPECT_TRUE(partial.ok());
  EXPECT_EQ(read("Patient", "k1")->version, 1);
}

TEST_F(StoreTest, NestedWriteIsRefused) {
  Status s = store_->write([&](Writer&) -> Status {
    Status inner = store_->write([](Writer&) { return Status::Ok(); });
    EXPECT_FALSE(inner.ok());
    return inner;
  });
  EXPECT_FALSE(s.ok());
}

TEST_F(StoreTest, GroupCommitFailingUnitDoesNotAffectItsBatch) {
  // The first unit holds the writer while the others queue up behind it, so
  // they share the next transaction.
  std::atomic<int> queued{0};
  std::thread slow([&] {
    Status s = store_->write([&](Writer& w) -> Status {
      while (queued.load() < 3) std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return w.put("Patient", "slow", patient("slow", "S")).ok() ? Status::Ok() : internal_error("put");
    });
    EXPECT_TRUE(s.ok());
  });
  auto unit = [&](std::string prefix, bool fail) {
    return [this, prefix, fail, &queued] {
      ++queued;
      Status s = store_->write([&](Writer& w) -> Status {
        for (int i = 0; i < 3; ++i) {
          std::string id = prefix + std::to_string(i);
          if (!w.put("Patient", id, patient(id, prefix)).ok()) return internal_error("put");
        }
        if (fail) return conflict("unit " + prefix + " gives up");
        return Status::Ok();
      });
      EXPECT_EQ(s.ok(), !fail);
    };
  };
  std::thread a(unit("a", false)), b(unit("b", true)), c(unit("c", false));
  slow.join();
  a.join();
  b.join();
  c.join();
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(read("Patient", "a" + std::to_string(i)));
    EXPECT_FALSE(read("Patient", "b" + std::to_string(i)));
    EXPECT_TRUE(read("Patient", "c" + std::to_string(i)));
  }
  EXPECT_EQ(store_->reader()->count_by_type().value()[0].second, 7);
  EXPECT_EQ(history(Q()).total, 7);
}

TEST_F(StoreTest, ManyConcurrentWriters) {
  constexpr int kThreads = 12, kUnits = 40;
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();
      for (int u = 0; u < kUnits; ++u) {
        const bool fail = u % 5 == 4, boom = u % 7 == 6;
        std::string prefix = "t" + std::to_string(t) + "-u" + std::to_string(u) + "-";
        Status s = store_->write([&](Writer& w) -> Status {
          for (int k = 0; k < 3; ++k) {
            std::string id = prefix + std::to_string(k);
            auto o = w.put("Observation", id, observation(id, "p" + std::to_string(t), std::to_string(u)));
            if (!o.ok()) return o.error();
          }
          if (boom) throw std::logic_error("unit threw");
          if (fail) return bad_request("refused");
          return Status::Ok();
        });
        EXPECT_EQ(s.ok(), !fail && !boom) << prefix;
      }
    });
  }
  for (auto& th : threads) th.join();
  int expected = 0;
  auto reader = store_->reader();
  for (int t = 0; t < kThreads; ++t) {
    for (int u = 0; u < kUnits; ++u) {
      const bool kept = !(u % 5 == 4) && !(u % 7 == 6);
      expected += kept ? 3 : 0;
      for (int k = 0; k < 3; ++k) {
        std::string id = "t" + std::to_string(t) + "-u" + std::to_string(u) + "-" + std::to_string(k);
        auto r = reader->read("Observation", id);
        ASSERT_TRUE(r.ok());
        EXPECT_EQ(r->has_value(), kept) << id;
      }
    }
  }
  auto counts = reader->count_by_type();
  ASSERT_TRUE(counts.ok());
  ASSERT_EQ(counts->size(), 1u);
  EXPECT_EQ((*counts)[0].second, expected);
  EXPECT_EQ(reader->history(Q()).value().total, expected);
}

TEST_F(StoreTest, ReopenKeepsEverything) {
  ASSERT_TRUE(put(patient("p1", "A", "111")).ok());
  ASSERT_TRUE(put(patient("p1", "B", "111")).ok());
  ASSERT_TRUE(put(observation("o1", "p1", "70")).ok());
  ASSERT_TRUE(put(patient("p2", "C", "222")).ok());
  ASSERT_TRUE(remove("Patient", "p2").ok());
  Micros last = read("Patient", "p2")->last_updated;
  std::string body = read("Patient", "p1")->body;
  reopen();
  reopen();  // twice: the second open sees an existing, migrated schema
  auto p1 = read("Patient", "p1");
  ASSERT_TRUE(p1);
  EXPECT_EQ(p1->version, 2);
  EXPECT_EQ(p1->body, body);
  EXPECT_TRUE(read("Patient", "p2")->deleted);
  EXPECT_EQ(history(Q()).total, 5);
  EXPECT_EQ(store_->reader()->find_by_identifier("Patient", {"", "111"}).value(),
            std::vector<std::string>{"p1"});
  EXPECT_TRUE(store_->reader()->find_by_identifier("Patient", {"", "222"}).value().empty());
  auto counts = store_->reader()->count_by_type().value();
  EXPECT_EQ(counts, (std::vector<std::pair<std::string, std::int64_t>>{{"Observation", 1}, {"Patient", 1}}));
  EXPECT_GT(store_->now(), last);  // the clock never goes back across restarts
  auto next = put(patient("p1", "D"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->stored.version, 3);
  EXPECT_GT(next->stored.last_updated, last);
}

TEST_F(StoreTest, NewerSchemaIsRefused) {
  rewrite_closed("PRAGMA user_version=99");
  SqliteOptions o;
  o.directory = dir_;
  o.indexer = test_indexer;
  auto s = open_sqlite(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("newer"), std::string::npos) << s.error().message();
}

// Undoes migration 14 (token rows with their resource's latest date).
const std::string kUndo14 = "DROP INDEX sp_token_by_latest; ALTER TABLE sp_token DROP COLUMN latest;";

// Undoes migrations 14 and 13 (a full text without a copy): the texts are
// stored again, and none is indexed.
const std::string kUndo13 =
    kUndo14 +
    "ALTER TABLE search_resource DROP COLUMN text; DROP TABLE sp_text;"
    "CREATE VIRTUAL TABLE sp_text USING fts5(narrative, content, tokenize = 'unicode61 remove_diacritics 2', "
    "detail = column, columnsize = 0);";

// Undoes migration 13 and marks the store version 12.
const std::string kAsVersion12 = kUndo13 + "PRAGMA user_version=12;";

// Undoes migrations 13 and 12 (authorship) and marks the store version 11.
const std::string kAsVersion11 = kUndo13 + "DROP TABLE resource_author; PRAGMA user_version=11;";

// Undoes migrations 13, 12 and 10 (token texts) and marks the store version
// 9; migration 11 then rebuilds the full-text table again, as it would.
const std::string kAsVersion9 =
    kUndo13 +
    "DROP TABLE resource_author; DROP INDEX sp_token_by_code; DROP TABLE sp_token_text;"
    "ALTER TABLE sp_token DROP COLUMN implied;"
    "CREATE INDEX sp_token_by_code ON sp_token(param, code); PRAGMA user_version=9;";

// Migration 13 indexes the stored texts again without keeping them, and
// marks the resources that have one: an update then takes the old words out
// with the text computed again from the stored body.
TEST_F(StoreTest, FullTextWithoutACopyMigrationKeepsTheTexts) {
  ASSERT_TRUE(put(patient("p1", "A")).ok());
  ASSERT_TRUE(put(patient("p2", "B")).ok());
  // As a store of version 12 has them: p1's text (test_indexer's) stored,
  // p2 without one.
  rewrite_closed(std::string(kAsVersion12) +
                 "INSERT INTO sp_text(rowid, narrative, content) SELECT rid, '', 'Patient p1' FROM "
                 "search_resource WHERE id = 'p1';");
  open();
  EXPECT_EQ(sql_column("PRAGMA user_version"), std::vector<std::string>{"14"});
  auto create = sql_column("SELECT sql FROM sqlite_master WHERE name = 'sp_text'");
  ASSERT_EQ(create.size(), 1u);
  EXPECT_NE(create[0].find("content = ''"), std::string::npos) << create[0];
  EXPECT_EQ(sql_column("SELECT count(*) FROM sqlite_master WHERE name LIKE 'sp_text_stored%' OR name = "
                       "'sp_text_content'"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(sql_column("SELECT id || ' ' || text FROM search_resource ORDER BY id"),
            (std::vector<std::string>{"p1 -1", "p2 0"}));  // -1: no fingerprint to check
  const std::string p1_rows =
      "SELECT s.id FROM sp_text t JOIN search_resource s ON s.rid = t.rowid WHERE sp_text MATCH 'p1'";
  EXPECT_EQ(sql_column(p1_rows), std::vector<std::string>{"p1"});
  ASSERT_TRUE(remove("Patient", "p1").ok());  // its text, computed again, takes the row out
  EXPECT_EQ(sql_column("SELECT rowid FROM sp_text WHERE sp_text MATCH 'p1'"), std::vector<std::string>{});
  ASSERT_TRUE(put(patient("p2", "C")).ok());  // no row to take out: one is added
  EXPECT_EQ(sql_column("SELECT count(*) FROM sp_text WHERE sp_text MATCH 'p2'"),
            std::vector<std::string>{"1"});
}

// Migration 12 moves the authorship facts to resource_author, and leaves
// the other facts where they were.
TEST_F(StoreTest, AuthorshipMigrationMovesTheAuthorFacts) {
  rewrite_closed(
      std::string(kAsVersion11) +
      "INSERT INTO access_fact(src_type, src_id, kind, patient, principal, target, start_at, end_at) "
      "VALUES ('Observation', 'o1', 'author', 'p1', 'Practitioner/a', '', 0, 9),"
      "  ('Observation', 'o1', 'author', 'p1', 'PractitionerRole/r', '', 0, 9),"
      "  ('CareTeam', 'ct1', 'team', 'p1', 'Practitioner/a', '', 0, 9);");
  open();
  EXPECT_EQ(sql_column("PRAGMA user_version"), std::vector<std::string>{"14"});
  EXPECT_EQ(sql_column("SELECT type || '/' || id || ' ' || principal FROM resource_author ORDER BY 1"),
            (std::vector<std::string>{"Observation/o1 Practitioner/a", "Observation/o1 PractitionerRole/r"}));
  EXPECT_EQ(sql_column("SELECT src_type || ' ' || kind FROM access_fact"),
            std::vector<std::string>{"CareTeam team"});
  // What the policy reads for the resource: its authors, as facts.
  auto facts = store_->reader()->access_facts("", "Observation", "o1");
  ASSERT_TRUE(facts.ok());
  ASSERT_EQ(facts->size(), 2u);
  EXPECT_EQ((*facts)[0].kind, "author");
  EXPECT_EQ((*facts)[0].source, "Observation/o1");
}

// Migration 14 gives the token rows their resource's latest date, indexed
// where there is one: the rows a store of version 13 has are kept without
// one, until the reindex (an update still replaces such a row:
// SearchLatestOfACode.WalksTheCodeByItsLatestDate).
TEST_F(StoreTest, LatestDateMigrationKeepsTheTokens) {
  rewrite_closed(kUndo14 +
                 "INSERT INTO sp_token(rid, param, grp, system, code, implied) VALUES (3, 4, 0, "
                 "'http://loinc.org', '4548-4', 0); PRAGMA user_version=13;");
  open();
  EXPECT_EQ(sql_column("PRAGMA user_version"), std::vector<std::string>{"14"});
  EXPECT_EQ(sql_column("SELECT rid || ' ' || code || ' ' || coalesce(latest, 'none') FROM sp_token"),
            std::vector<std::string>{"3 4548-4 none"});
  auto create = sql_column("SELECT sql FROM sqlite_master WHERE name = 'sp_token_by_latest'");
  ASSERT_EQ(create.size(), 1u);
  EXPECT_NE(create[0].find("WHERE latest IS NOT NULL"), std::string::npos) << create[0];
  EXPECT_EQ(
      sql_column("SELECT count(*) FROM sp_token INDEXED BY sp_token_by_latest WHERE param = 4 AND code = "
                 "'4548-4' AND latest IS NOT NULL"),
      std::vector<std::string>{"0"});
}

// Migration 10 adds the token texts: the token rows a store of version 9
// has are kept, implying nothing (their :text rows are still there), and
// the code index carries the new column.
TEST_F(StoreTest, TokenTextMigrationKeepsTheTokens) {
  rewrite_closed(std::string(kAsVersion9) +
                 "INSERT INTO sp_token(rid, param, grp, system, code) VALUES (3, 4, 0, 'http://loinc.org', "
                 "'4548-4');");
  open();
  EXPECT_EQ(sql_column("PRAGMA user_version"), std::vector<std::string>{"14"});
  EXPECT_EQ(sql_column("SELECT rid || ' ' || code || ' ' || implied FROM sp_token"),
            std::vector<std::string>{"3 4548-4 0"});
  auto create = sql_column("SELECT sql FROM sqlite_master WHERE name = 'sp_token_by_code'");
  ASSERT_EQ(create.size(), 1u);
  EXPECT_NE(create[0].find("implied"), std::string::npos) << create[0];
  EXPECT_EQ(sql_column("SELECT count(*) FROM sp_token_text"), std::vector<std::string>{"0"});
}

// Migrations 9 and 11 rebuild the full-text table without word positions,
// then without per-row column sizes: a store of version 8 keeps every text,
// searchable, with the rowids it had.
TEST_F(StoreTest, FullTextMigrationKeepsTheTexts) {
  const char* as_version_8 =
      "DROP TABLE sp_text;"
      "CREATE VIRTUAL TABLE sp_text USING fts5(narrative, content, tokenize = 'unicode61 remove_diacritics "
      "2');"
      "INSERT INTO sp_text(rowid, narrative, content) VALUES (7, 'Hélène Lefèvre, diabète', 'female 1944'),"
      "  (12, '', 'Pression artérielle systolique');"
      "PRAGMA user_version=8;";
  rewrite_closed(std::string(kAsVersion9) + as_version_8);
  open();
  EXPECT_EQ(sql_column("PRAGMA user_version"), std::vector<std::string>{"14"});
  auto create = sql_column("SELECT sql FROM sqlite_master WHERE name = 'sp_text'");
  ASSERT_EQ(create.size(), 1u);
  EXPECT_NE(create[0].find("detail = column"), std::string::npos) << create[0];
  EXPECT_NE(create[0].find("columnsize = 0"), std::string::npos) << create[0];
  EXPECT_EQ(sql_column("SELECT count(*) FROM sqlite_master WHERE name = 'sp_text_docsize'"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(sql_column("SELECT rowid FROM sp_text WHERE sp_text MATCH 'narrative : (\"diabete\")'"),
            std::vector<std::string>{"7"});
  EXPECT_EQ(sql_column("SELECT rowid FROM sp_text WHERE sp_text MATCH '{narrative content} : (\"arter\"*)'"),
            std::vector<std::string>{"12"});
  EXPECT_EQ(sql_column("SELECT count(*) FROM sqlite_master WHERE name LIKE 'sp_text_positions%' OR name LIKE "
                       "'sp_text_sized%'"),
            std::vector<std::string>{"0"});
}

// A bulk load builds the value indexes at its end, and lets the full-text
// segments pile up (one per commit) until it merges them into one and
// restores FTS5's merge policy.
TEST_F(StoreTest, BulkLoadBuildsTheIndexesAndMergesTheFullTextAtItsEnd) {
  const std::string segments = "SELECT count(DISTINCT segid) FROM sp_text_idx";
  const std::string merge_policy =
      "SELECT k || '=' || v FROM sp_text_config WHERE k LIKE '%merge' ORDER BY k";
  ASSERT_TRUE(store_->begin_bulk_load().ok());
  EXPECT_EQ(sql_column("SELECT count(*) FROM sqlite_master WHERE name = 'sp_token_by_code'"),
            std::vector<std::string>{"0"});
  EXPECT_EQ(sql_column(merge_policy), (std::vector<std::string>{"automerge=0", "crisismerge=200"}));
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(put(patient("p" + std::to_string(i), "A")).ok());  // 6 commits
  EXPECT_EQ(sql_column(segments), std::vector<std::string>{"6"});
  ASSERT_TRUE(store_->end_bulk_load().ok());
  EXPECT_EQ(sql_column("SELECT count(*) FROM sqlite_master WHERE name = 'sp_token_by_code'"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(sql_column(segments), std::vector<std::string>{"1"});
  EXPECT_EQ(sql_column(merge_policy), (std::vector<std::string>{"automerge=4", "crisismerge=16"}));
  EXPECT_EQ(sql_column("SELECT rowid FROM sp_text WHERE sp_text MATCH 'content : p3'").size(), 1u);
}

// A bulk load cut short (a crash, a killed import) is finished at the next
// open: the value indexes are built and the full text merged.
TEST_F(StoreTest, InterruptedBulkLoadIsFinishedAtTheNextOpen) {
  ASSERT_TRUE(store_->begin_bulk_load().ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(put(patient("p" + std::to_string(i), "A")).ok());
  reopen();
  EXPECT_EQ(sql_column("SELECT count(*) FROM sqlite_master WHERE name = 'sp_token_by_code'"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(sql_column("SELECT count(DISTINCT segid) FROM sp_text_idx"), std::vector<std::string>{"1"});
  EXPECT_EQ(sql_column("SELECT k || '=' || v FROM sp_text_config WHERE k LIKE '%merge' ORDER BY k"),
            (std::vector<std::string>{"automerge=4", "crisismerge=16"}));
  EXPECT_EQ(sql_column("SELECT rowid FROM sp_text WHERE sp_text MATCH 'content : p2'").size(), 1u);
}

// A bulk load writes its pages once, through a rollback journal, instead of
// to the WAL and then again into the database file; the store is in WAL mode
// again once the load ends. Readers still read during the load.
TEST_F(StoreTest, BulkLoadWritesThroughARollbackJournalAndReturnsToWal) {
  const fs::path journal = fs::path(dir_) / "parcours.db-journal";
  ASSERT_TRUE(put(patient("before", "A")).ok());
  ASSERT_TRUE(store_->begin_bulk_load().ok());
  EXPECT_EQ(sql_column("PRAGMA journal_mode"),
            std::vector<std::string>{"delete"});  // as another process sees it
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(put(patient("p" + std::to_string(i), "A")).ok());
  EXPECT_TRUE(fs::exists(journal));
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "parcours.db-wal"));
  EXPECT_TRUE(read("Patient", "p1").has_value());
  ASSERT_TRUE(store_->end_bulk_load().ok());
  EXPECT_EQ(sql_column("PRAGMA journal_mode"), std::vector<std::string>{"wal"});
  EXPECT_FALSE(fs::exists(journal));
  ASSERT_TRUE(put(patient("after", "A")).ok());
  EXPECT_TRUE(fs::exists(fs::path(dir_) / "parcours.db-wal"));
  for (const char* id : {"before", "p0", "p2", "after"}) EXPECT_TRUE(read("Patient", id).has_value()) << id;
}

// Leaving WAL mode needs every other connection closed. A reader still open
// (a request being served, another process) keeps the load in WAL mode,
// with the checkpoints beside the writer: slower, never refused.
TEST_F(StoreTest, BulkLoadStaysInWalModeWhileAReaderIsOpen) {
  ASSERT_TRUE(put(patient("before", "A")).ok());
  auto open_reader = store_->reader();
  ASSERT_TRUE(open_reader->read("Patient", "before").ok());
  ASSERT_TRUE(store_->begin_bulk_load().ok());
  EXPECT_EQ(sql_column("PRAGMA journal_mode"), std::vector<std::string>{"wal"});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(put(patient("p" + std::to_string(i), "A")).ok());
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "parcours.db-journal"));
  ASSERT_TRUE(open_reader->read("Patient", "before").value().has_value());
  EXPECT_FALSE(open_reader->read("Patient", "p0").value().has_value());  // its snapshot
  open_reader.reset();
  ASSERT_TRUE(store_->end_bulk_load().ok());
  EXPECT_EQ(sql_column("PRAGMA journal_mode"), std::vector<std::string>{"wal"});
  EXPECT_EQ(sql_column("SELECT count(*) FROM sqlite_master WHERE name = 'sp_token_by_code'"),
            std::vector<std::string>{"1"});
  EXPECT_TRUE(read("Patient", "p2").has_value());
}

// A process killed in the middle of a bulk load's transaction, after that
// transaction outgrew the page cache and wrote pages into the file: at the
// next open the rollback journal undoes them, the committed transactions
// stay, the store is in WAL mode and its indexes are built.
TEST_F(StoreTest, BulkLoadKilledMidTransactionLosesOnlyThatTransaction) {
  store_.reset();  // no thread of ours left to fork beside
  const fs::path db = fs::path(dir_) / "parcours.db";
  const auto db_before = fs::file_size(db);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    SqliteOptions o;
    o.directory = dir_;
    o.indexer = test_indexer;
    o.writer_cache_kib = 64;
    auto opened = open_sqlite(o);  // not open(): an assertion failing here would go on in the child
    if (!opened.ok()) _exit(1);
    store_ = std::move(opened).value();
    if (!store_->begin_bulk_load().ok()) _exit(2);
    for (int i = 0; i < 3; ++i)
      if (!put(patient("p" + std::to_string(i), "A")).ok()) _exit(3);
    const auto committed = fs::file_size(db);
    (void)store_->write([&](Writer& w) -> Status {
      for (int i = 3; i < 2000; ++i)
        if (!w.put("Patient", "p" + std::to_string(i), patient("p" + std::to_string(i), "B"), {}).ok())
          _exit(4);
      if (fs::file_size(db) <= committed) _exit(6);  // nothing written ahead of the commit
      _exit(42);                                     // killed before COMMIT
    });
    _exit(5);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 42);
  EXPECT_GT(fs::file_size(db), db_before);
  open();
  EXPECT_EQ(sql_column("PRAGMA integrity_check"), std::vector<std::string>{"ok"});
  EXPECT_EQ(sql_column("PRAGMA journal_mode"), std::vector<std::string>{"wal"});
  EXPECT_EQ(sql_column("SELECT count(*) FROM resource_current"), std::vector<std::string>{"3"});
  EXPECT_TRUE(read("Patient", "p2").has_value());
  EXPECT_FALSE(read("Patient", "p3").has_value());
  EXPECT_EQ(sql_column("SELECT count(*) FROM sqlite_master WHERE name = 'sp_token_by_code'"),
            std::vector<std::string>{"1"});
  EXPECT_FALSE(fs::exists(fs::path(dir_) / "parcours.db-journal"));
}

TEST_F(StoreTest, FindByIdentifier) {
  ASSERT_TRUE(put(patient("p1", "A", "111")).ok());
  ASSERT_TRUE(put(patient("p2", "B", "111")).ok());
  ASSERT_TRUE(put(patient("p3", "C", "333")).ok());
  ASSERT_TRUE(put(parse(R"({"resourceType":"Practitioner","id":"d1",
      "identifier":[{"system":"urn:oid:1.2.250.1.71.4.2.1","value":"810000000001"},{"value":"111"}]})"))
                  .ok());
  auto reader = store_->reader();
  using Ids = std::vector<std::string>;
  EXPECT_EQ(reader->find_by_identifier("Patient", {"urn:oid:1.2.250.1.213.1.4.8", "111"}).value(),
            (Ids{"p1", "p2"}));
  EXPECT_EQ(reader->find_by_identifier("Patient", {"", "111"}).value(), (Ids{"p1", "p2"}));
  EXPECT_EQ(reader->find_by_identifier("Patient", {"urn:other", "111"}).value(), Ids{});
  EXPECT_EQ(reader->find_by_identifier("Practitioner", {"", "111"}).value(), Ids{"d1"});
  EXPECT_EQ(
      reader->find_by_identifier("Practitioner", {"urn:oid:1.2.250.1.71.4.2.1", "810000000001"}).value(),
      Ids{"d1"});
  reader.reset();

  // Update replaces the rows, delete removes them.
  ASSERT_TRUE(put(patient("p1", "A", "999")).ok());
  ASSERT_TRUE(remove("Patient", "p2").ok());
  reader = store_->reader();
  EXPECT_EQ(reader->find_by_identifier("Patient", {"", "111"}).value(), Ids{});
  EXPECT_EQ(reader->find_by_identifier("Patient", {"", "999"}).value(), Ids{"p1"});
}

TEST_F(StoreTest, CompartmentRowsReplacedAndRemoved) {
  ASSERT_TRUE(put(patient("p1", "A")).ok());
  ASSERT_TRUE(put(observation("o1", "p1", "70")).ok());
  ASSERT_TRUE(put(parse(R"({"resourceType":"Organization","id":"org1","name":"CPTS"})")).ok());
  using Rows = std::vector<std::string>;
  auto rows = [&] {
    return sql_column("SELECT type || '/' || id || '>' || patient FROM resource_patient ORDER BY 1");
  };
  auto key = [&](std::string_view type, std::string_view id) {
    return sql_column("SELECT patient FROM resource_current WHERE type='" + std::string(type) + "' AND id='" +
                      std::string(id) + "'");
  };
  EXPECT_EQ(rows(), (Rows{"Observation/o1>p1", "Patient/p1>p1"}));
  EXPECT_EQ(key("Observation", "o1"), Rows{"p1"});
  EXPECT_EQ(key("Organization", "org1"), Rows{"NULL"});

  ASSERT_TRUE(put(observation("o1", "p2", "70")).ok());
  EXPECT_EQ(rows(), (Rows{"Observation/o1>p2", "Patient/p1>p1"}));
  EXPECT_EQ(key("Observation", "o1"), Rows{"p2"});

  ASSERT_TRUE(remove("Observation", "o1").ok());
  EXPECT_EQ(rows(), (Rows{"Patient/p1>p1"}));
  EXPECT_EQ(key("Observation", "o1"), Rows{"NULL"});
}

TEST_F(StoreTest, CountByType) {
  auto counts = [&] { return store_->reader()->count_by_type().value(); };
  using C = std::vector<std::pair<std::string, std::int64_t>>;
  EXPECT_EQ(counts(), C{});
  ASSERT_TRUE(put(patient("p1", "A")).ok());
  ASSERT_TRUE(put(patient("p2", "A")).ok());
  ASSERT_TRUE(put(observation("o1", "p1", "1")).ok());
  ASSERT_TRUE(put(patient("p1", "B")).ok());  // update: no change in count
  ASSERT_TRUE(put(patient("p1", "B")).ok());  // identical: nothing
  EXPECT_EQ(counts(), (C{{"Observation", 1}, {"Patient", 2}}));
  ASSERT_TRUE(remove("Observation", "o1").ok());
  ASSERT_TRUE(remove("Observation", "o1").ok());  // already deleted
  EXPECT_EQ(counts(), (C{{"Patient", 2}}));
  ASSERT_TRUE(put(observation("o1", "p1", "2")).ok());
  EXPECT_EQ(counts(), (C{{"Observation", 1}, {"Patient", 2}}));
}

// Checkpoints: by the writer once the log holds checkpoint_pages; during a
// bulk load beside it, until the log holds wal_restart_pages and the writer
// copies the rest itself so that the log starts over. The log file keeps its
// largest size (journal_size_limit trims it only past 64 MiB), so its size
// at the end bounds every size it had. No reader runs here: a reader that
// holds a snapshot may hold a restart back, whoever checkpoints. Another
// connection to the file, idle, keeps the bulk load in WAL mode, as another
// process's would.
TEST_F(StoreTest, CheckpointsKeepTheLogBounded) {
  constexpr int kRestartPages = 40, kPerUnit = 10;
  store_->close();
  store_.reset();
  open(4, /*checkpoint_pages=*/4, kRestartPages);
  const fs::path db = fs::path(dir_) / "parcours.db", wal = fs::path(dir_) / "parcours.db-wal";
  const auto db_before = fs::file_size(db);
  const auto wal_before = fs::exists(wal) ? fs::file_size(wal) : 0;
  std::uintmax_t first_unit = 0;  // the log's growth for the first unit
  int units = 0;
  auto write_units = [&](int n) {
    for (int end = units + n; units < end; ++units) {
      Status s = store_->write([&](Writer& w) -> Status {
        for (int k = 0; k < kPerUnit; ++k) {
          std::string id = "u" + std::to_string(units) + "-" + std::to_string(k);
          auto o = w.put("Observation", id, observation(id, "p" + std::to_string(k), std::to_string(units)));
          if (!o.ok()) return o.error();
        }
        return Status::Ok();
      });
      ASSERT_TRUE(s.ok()) << s.error().message();
      if (units == 0) first_unit = fs::file_size(wal) - wal_before;
    }
  };
  write_units(100);
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &other, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr), SQLITE_OK);
  ASSERT_TRUE(store_->begin_bulk_load().ok());
  EXPECT_EQ(sql_column("PRAGMA journal_mode"), std::vector<std::string>{"wal"});
  write_units(300);
  ASSERT_TRUE(store_->end_bulk_load().ok());
  sqlite3_close(other);
  // Checkpoints ran while the store was open: the pages reached the file.
  EXPECT_GT(fs::file_size(db), db_before + 100 * 4096);
  // The restart threshold plus the unit that crossed it (0.39 MB here;
  // units grow to twice the first one as the tables deepen). Without the
  // writer's own copy past the threshold, the bulk load grew the log to
  // 21-30 MB: the next unit always began before the checkpoint beside it
  // had ended.
  const std::uintmax_t frame = 4096 + 24;
  EXPECT_LE(fs::file_size(wal), kRestartPages * frame + 8 * first_unit) << "first unit " << first_unit;
  reopen();
  auto counts = store_->reader()->count_by_type().value();
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].second, 400 * kPerUnit);
  EXPECT_EQ(read("Observation", "u399-9")->version, 1);
}

TEST_F(StoreTest, ReaderSeesASnapshot) {
  ASSERT_TRUE(put(patient("p1", "A")).ok());
  auto snapshot = store_->reader();
  ASSERT_TRUE(put(patient("p1", "B")).ok());
  ASSERT_TRUE(put(patient("p2", "C", "222")).ok());
  ASSERT_TRUE(remove("Patient", "p1").ok());

  auto p1 = snapshot->read("Patient", "p1");
  ASSERT_TRUE(p1.ok() && *p1);
  EXPECT_EQ((*p1)->version, 1);
  EXPECT_FALSE((*p1)->deleted);
  EXPECT_FALSE(snapshot->read("Patient", "p2").value());
  EXPECT_EQ(snapshot->history(Q()).value().total, 1);
  EXPECT_TRUE(snapshot->find_by_identifier("Patient", {"", "222"}).value().empty());
  EXPECT_EQ(snapshot->count_by_type().value()[0].second, 1);

  auto fresh = store_->reader();
  EXPECT_TRUE(fresh->read("Patient", "p1").value()->deleted);
  EXPECT_EQ(fresh->history(Q()).value().total, 4);
  EXPECT_EQ(fresh->find_by_identifier("Patient", {"", "222"}).value(), std::vector<std::string>{"p2"});
}

TEST_F(StoreTest, ManyReadersAcrossThreads) {
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(put(patient("p" + std::to_string(i), "N")).ok());
  std::vector<std::thread> threads;
  std::atomic<int> reads{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      // More live readers than pooled connections: extra ones are opened.
      std::vector<std::unique_ptr<Reader>> held;
      for (int k = 0; k < 3; ++k) held.push_back(store_->reader());
      for (int i = 0; i < 200; ++i) {
        auto& r = held[static_cast<std::size_t>(i) % held.size()];
        auto v = r->read("Patient", "p" + std::to_string((i + t) % 50));
        ASSERT_TRUE(v.ok() && *v);
        ++reads;
      }
    });
  }
  std::thread writer([&] {
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(put(patient("p" + std::to_string(i), "M")).ok());
  });
  for (auto& th : threads) th.join();
  writer.join();
  EXPECT_EQ(reads.load(), 1600);
}

TEST_F(StoreTest, NowIsStrictlyIncreasingAcrossThreads) {
  std::vector<std::vector<Micros>> seen(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) seen[t].push_back(store_->now());
    });
  for (auto& th : threads) th.join();
  std::set<Micros> all;
  for (const auto& v : seen) {
    for (std::size_t i = 1; i < v.size(); ++i) EXPECT_LT(v[i - 1], v[i]);
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), 20000u);
}

TEST_F(StoreTest, NewIdsAreValidAndUnique) {
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) {
    std::string id = store_->new_id();
    ASSERT_TRUE(!id.empty() && id.size() <= 64);
    for (char c : id) ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') << id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 10000u);
}

TEST_F(StoreTest, LargeAndUnicodeBodiesRoundTrip) {
  Json p = patient("big", "Lefèvre-Ñúñez 李");
  std::string text(200'000, 'x');
  p.set("text", parse(R"({"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">)" + text +
                      "</div>\"}"));
  auto w = put(p);
  ASSERT_TRUE(w.ok());
  auto r = read("Patient", "big");
  ASSERT_TRUE(r);
  Json back = parse(r->body);
  EXPECT_EQ(back.find("name")->as_array()[0].get_string("family"), "Lefèvre-Ñúñez 李");
  EXPECT_EQ(back.find("text")->get_string("div").size(), text.size() + 48);  // the div element wrapping it
  EXPECT_FALSE(put(p)->changed);
}

TEST_F(StoreTest, CloseDrainsAndRefusesLaterCalls) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        std::string id = "c" + std::to_string(t) + "-" + std::to_string(i);
        Status s = store_->write([&](Writer& w) -> Status {
          auto o = w.put("Patient", id, patient(id, "Z"));
          return o.ok() ? Status::Ok() : Status(o.error());
        });
        if (s.ok()) ++ok;
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  store_->close();
  for (auto& th : threads) th.join();
  EXPECT_FALSE(store_->write([](Writer&) { return Status::Ok(); }).ok());
  EXPECT_FALSE(store_->reader()->read("Patient", "c0-0").ok());
  store_->close();  // idempotent
  int acknowledged = ok.load();
  store_.reset();
  open();
  // Every acknowledged unit is there after reopening.
  EXPECT_EQ(history(Q()).total, acknowledged);
}

TEST_F(StoreTest, FailedCommitRollsBackCleanly) {
  // A file size limit makes the WAL write at COMMIT fail, as a full disk
  // would. Every unit of that commit fails; nothing of it is visible, and the
  // store keeps working once space is back.
  ASSERT_TRUE(put(patient("before", "A")).ok());
  std::signal(SIGXFSZ, SIG_IGN);  // get EFBIG instead of being killed
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit small = saved;
  small.rlim_cur = 1 << 20;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  Status s = store_->write([&](Writer& w) -> Status {
    for (int i = 0; i < 40; ++i) {
      Json p = patient("big" + std::to_string(i), "B");
      p.set("text", parse(R"({"status":"generated","div":"<div>)" + std::string(100'000, 'a' + i % 26) +
                          "</div>\"}"));
      auto o = w.put("Patient", "big" + std::to_string(i), std::move(p));
      if (!o.ok()) return o.error();
    }
    return Status::Ok();
  });
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
  std::signal(SIGXFSZ, SIG_DFL);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().status(), 500);
  EXPECT_EQ(s.error().issues()[0].code, "exception");
  EXPECT_NE(s.error().message().find("storage error"), std::string::npos) << s.error().message();
  EXPECT_FALSE(read("Patient", "big0"));
  EXPECT_EQ(history(Q()).total, 1);

  ASSERT_TRUE(put(patient("after", "C")).ok());
  reopen();
  EXPECT_TRUE(read("Patient", "before"));
  EXPECT_TRUE(read("Patient", "after"));
  EXPECT_FALSE(read("Patient", "big39"));
  EXPECT_EQ(history(Q()).total, 2);
  EXPECT_EQ(store_->reader()->count_by_type().value()[0].second, 2);
}

}  // namespace
}  // namespace parcours::store
