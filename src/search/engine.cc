#include "search/engine.h"

#include <set>

#include "base/text.h"
#include "fhir/reference.h"

namespace parcours::search {
namespace {

store::SearchCursor cursor_at(const store::SearchHit& h, bool backward, const store::SearchPlan& plan) {
  store::SearchCursor c;
  c.backward = backward;
  c.target_order = plan.target_order;
  if (plan.target_order) c.chain = chain_tag(plan.where.at(static_cast<std::size_t>(plan.driver)));
  c.rid = h.match.rid;
  c.keys = h.match.keys;
  return c;
}

// _contained (R4 §3.1.1.5.9): a hit on a contained resource's row ("#Type",
// "ContainerType/id#local") becomes its container, once per page (the
// default), or with _containedType=contained the contained resource itself,
// whose full URL is then [base]/ContainerType/id#local.
void present_contained(store::SearchPage& page, bool return_contained) {
  std::vector<store::SearchHit> out;
  std::set<std::pair<std::string, std::string>> containers;
  for (auto& h : page.hits) {
    if (h.type.starts_with('#')) {
      auto slash = h.id.find('/'), hash = h.id.find('#');
      if (slash == std::string::npos || hash == std::string::npos || hash < slash) continue;
      std::string type = h.id.substr(0, slash), id = h.id.substr(slash + 1, hash - slash - 1);
      std::string local = h.id.substr(hash + 1);
      if (return_contained) {
        auto container = parse_json(h.body);
        const Json* found = container ? fhir::find_contained(&*container, local) : nullptr;
        if (!found) continue;
        h.body = found->dump();
        h.id = id + "#" + local;
      } else {
        h.id = std::move(id);
      }
      h.type = std::move(type);
    }
    if (!return_contained && !containers.insert({h.type, h.id}).second) continue;
    out.push_back(std::move(h));
  }
  page.hits = std::move(out);
}

}  // namespace

Result<std::vector<Param>> parse_form(std::string_view text) {
  std::vector<Param> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto amp = text.find('&', start);
    if (amp == std::string_view::npos) amp = text.size();
    std::string_view pair = text.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) {
      if (amp == text.size()) break;
      continue;
    }
    auto eq = pair.find('=');
    auto name = percent_decode_bytes(pair.substr(0, eq), true);
    auto value =
        percent_decode_bytes(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!name || !value) return bad_request("Malformed parameter '" + std::string(pair) + "'");
    out.push_back({std::move(*name), std::move(*value)});
    if (amp == text.size()) break;
  }
  return out;
}

Result<SearchResult> execute(store::Reader& reader, const SearchRequest& req) {
  SearchResult out;
  ParseOptions po;
  po.strict = req.strict;
  po.base_url = req.base_url;
  po.default_count = req.default_count;
  auto q = parse_query(req.types, req.params, po);
  if (!q) return std::move(q).error();
  out.query = std::move(*q);
  out.query.compartment = req.compartment;
  PlanOptions pl;
  pl.policy = req.policy;
  pl.now = req.now;
  pl.base_url = req.base_url;
  pl.strict = req.strict;
  pl.find = [&](const std::string& type, const std::string& query, int limit) {
    return find(reader, type, query, limit, req.policy, req.base_url);
  };
  auto planned = make_plan(out.query, reader, pl);
  if (!planned) return std::move(planned).error();
  for (auto& i : planned->issues) out.query.ignored.push_back(std::move(i));
  for (const auto& d : planned->dropped)
    std::erase_if(out.query.applied, [&](const Param& a) { return a.name == d.name && a.value == d.value; });
  store::SearchPlan& plan = planned->plan;
  if (!out.query.cursor.empty()) {
    auto c = decode_cursor(out.query.cursor, plan.sort.size());
    if (!c) return std::move(c).error();
    if (auto s = follow_cursor(plan, std::move(*c), planned->notes); !s) return std::move(s).error();
    // Totals describe the whole result, not the page: count them on the
    // first page only unless asked.
    if (out.query.total != TotalMode::Accurate) plan.count_total = false;
  }
  out.target_order = plan.target_order;
  out.latest_walk = plan.sort_driven && plan.latest_walk >= 0;
  auto page = reader.search(plan);
  if (!page) return std::move(page).error();
  out.page = std::move(*page);
  const auto& hits = out.page.hits;
  const bool backward = plan.cursor && plan.cursor->backward;
  if (!backward) {
    if (out.page.more && !hits.empty()) out.next_cursor = encode_cursor(cursor_at(hits.back(), false, plan));
    if (plan.cursor) {
      if (!hits.empty()) {
        out.prev_cursor = encode_cursor(cursor_at(hits.front(), true, plan));
      } else {
        store::SearchCursor c = *plan.cursor;
        c.backward = true;
        out.prev_cursor = encode_cursor(c);
      }
    }
  } else {
    if (out.page.more && !hits.empty()) out.prev_cursor = encode_cursor(cursor_at(hits.front(), true, plan));
    if (!hits.empty()) {
      out.next_cursor = encode_cursor(cursor_at(hits.back(), false, plan));
    } else {
      store::SearchCursor c = *plan.cursor;
      c.backward = false;
      out.next_cursor = encode_cursor(c);
    }
  }
  // After the cursors, which hold the rows' own keys.
  if (plan.contained != store::SearchPlan::Contained::No)
    present_contained(out.page, out.query.return_contained);
  if (out.query.explain) {
    out.explain = std::move(planned->notes);
    for (auto& line : out.page.explain) out.explain.push_back(std::move(line));
  }
  return out;
}

Result<std::vector<std::string>> find(store::Reader& reader, const std::string& type, std::string_view query,
                                      int limit, const store::RowFilter& policy,
                                      const std::string& base_url) {
  auto params = parse_form(query);
  if (!params) return std::move(params).error();
  std::vector<Param> kept;
  for (auto& p : *params) {
    if (p.name == "_count" || p.name == "_sort" || p.name == "_total" || p.name == "_summary" ||
        p.name == "_elements" || p.name == "_include" || p.name == "_revinclude" || p.name == "_format")
      continue;  // they do not change which resources match
    kept.push_back(std::move(p));
  }
  kept.push_back({"_count", std::to_string(limit)});
  kept.push_back({"_total", "none"});
  SearchRequest req;
  req.types = {type};
  req.params = std::move(kept);
  req.strict = true;
  req.policy = policy;
  req.base_url = base_url;
  auto r = execute(reader, req);
  if (!r) return std::move(r).error();
  std::vector<std::string> ids;
  for (const auto& h : r->page.hits) ids.push_back(h.id);
  return ids;
}

}  // namespace parcours::search
