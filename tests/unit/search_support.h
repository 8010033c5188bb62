// A temporary store with the real indexer, for the search tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "fhir/json.h"
#include "search/engine.h"
#include "search/indexer.h"
#include "search/lastn.h"
#include "store/store.h"
#include "support/server_process.h"

namespace parcours::testing {

class SearchStore {
 public:
  SearchStore() { open(); }
  ~SearchStore() {
    if (store_) store_->close();
  }

  // Closes the store and opens its files again (a restarted server).
  void reopen() {
    store_->close();
    store_.reset();
    open();
  }
  const std::string& directory() const { return dir_.path(); }

  store::Store& store() { return *store_; }
  bool strict = true;  // Prefer: handling=strict for run()

  void open() {
    store::SqliteOptions o;
    o.directory = dir_.path();
    o.indexer = search::index_resource;
    o.text_indexer = search::index_text;
    o.synchronous_full = false;
    auto s = store::open_sqlite(o);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message());
    store_ = std::move(*s);
    auto stale = search::prepare_store(*store_);
    EXPECT_TRUE(stale.ok()) << (stale.ok() ? "" : stale.error().message());
  }

  void put(std::string_view json) {
    auto j = parse_json(json);
    ASSERT_TRUE(j.ok()) << json;
    put_json(std::move(*j));
  }
  void put_json(Json j) {
    std::string type(j.get_string("resourceType")), id(j.get_string("id"));
    Status st = store_->write([&](store::Writer& w) -> Status {
      auto r = w.put(type, id, std::move(j));
      return r ? Status() : Status(r.error());
    });
    ASSERT_TRUE(st.ok()) << st.error().message();
  }
  void remove(const std::string& type, const std::string& id) {
    Status st = store_->write([&](store::Writer& w) -> Status {
      auto r = w.remove(type, id);
      return r ? Status() : Status(r.error());
    });
    ASSERT_TRUE(st.ok()) << st.error().message();
  }

  // The request for "Type?query" (or "?query" for a system search).
  Result<search::SearchRequest> request(const std::string& type, const std::string& query,
                                        std::int64_t now = 1'790'000'000'000'000) const {
    auto params = search::parse_form(query);
    if (!params) return std::move(params).error();
    search::SearchRequest req;
    if (!type.empty()) req.types = {type};
    req.params = std::move(*params);
    req.strict = strict;
    req.base_url = "http://test/fhir";
    req.now = now;
    return req;
  }
  // Runs "Type?query".
  Result<search::SearchResult> run(const std::string& type, const std::string& query,
                                   std::int64_t now = 1'790'000'000'000'000) {
    auto req = request(type, query, now);
    if (!req) return std::move(req).error();
    auto reader = store_->reader();
    return search::execute(*reader, *req);
  }
  // Runs "Observation/$lastn?query" (search/lastn.h).
  Result<search::SearchResult> lastn(const std::string& query) {
    auto req = request("Observation", query);
    if (!req) return std::move(req).error();
    auto reader = store_->reader();
    return search::lastn(*reader, *req);
  }

  // The ids of the matches of "Type?query" (its first page).
  std::vector<std::string> ids(const std::string& type, const std::string& query) {
    return page_ids(type, query, &store::SearchPage::hits);
  }
  // The ids of the resources it includes (_include, _revinclude).
  std::vector<std::string> included_ids(const std::string& type, const std::string& query) {
    return page_ids(type, query, &store::SearchPage::included);
  }

  // The matches' ids, every page followed through next cursors.
  std::vector<std::string> all_ids(const std::string& type, const std::string& query) {
    std::vector<std::string> out;
    std::string q = query;
    for (int guard = 0; guard < 10000; ++guard) {
      auto r = run(type, q);
      EXPECT_TRUE(r.ok()) << q << ": " << (r.ok() ? "" : r.error().message());
      if (!r.ok()) break;
      for (const auto& h : r->page.hits) out.push_back(h.id);
      if (r->next_cursor.empty()) break;
      q = query + "&_cursor=" + r->next_cursor;
    }
    return out;
  }

 private:
  std::vector<std::string> page_ids(const std::string& type, const std::string& query,
                                    std::vector<store::SearchHit> store::SearchPage::*part) {
    auto r = run(type, query);
    EXPECT_TRUE(r.ok()) << type << "?" << query << ": " << (r.ok() ? "" : r.error().message());
    std::vector<std::string> out;
    if (!r.ok()) return out;
    for (const auto& h : (r->page).*part) out.push_back(h.id);
    return out;
  }

  TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace parcours::testing
