#include "api/search_bundle.h"

#include "api/query_string.h"
#include "api/rendering.h"
#include "fhir/operation_outcome.h"

namespace parcours::api {
namespace {

Summary to_summary(search::SummaryMode m) {
  switch (m) {
    case search::SummaryMode::True:
      return Summary::True;
    case search::SummaryMode::Text:
      return Summary::Text;
    case search::SummaryMode::Data:
      return Summary::Data;
    case search::SummaryMode::Count:
      return Summary::Count;
    default:
      return Summary::False;
  }
}

std::string query_text(const std::vector<search::Param>& params, const std::string& cursor) {
  std::string q;
  for (const auto& p : params)
    q += (q.empty() ? "" : "&") + percent_encode(p.name) + "=" + percent_encode(p.value);
  if (!cursor.empty()) q += (q.empty() ? "" : "&") + std::string("_cursor=") + cursor;
  return q;
}

void append_link(std::string& out, bool& first, const char* rel, const std::string& url) {
  out += first ? "" : ",";
  first = false;
  out += "{\"relation\":\"";
  out += rel;
  out += "\",\"url\":";
  append_json_string(out, url);
  out += "}";
}

}  // namespace

std::string searchset_bundle(const search::SearchResult& r, const SearchBundleOptions& opt) {
  const search::Query& q = r.query;
  const bool view = (q.summary != search::SummaryMode::None && q.summary != search::SummaryMode::False) ||
                    !q.elements.empty() || opt.pretty;
  std::string out;
  out.reserve(1024 + r.page.hits.size() * 1200);
  out += R"({"resourceType":"Bundle","type":"searchset")";
  if (r.page.total) out += ",\"total\":" + std::to_string(*r.page.total);
  out += ",\"link\":[";
  bool first = true;
  auto url = [&](const std::string& cursor) {
    std::string qs = query_text(q.applied, cursor);
    return opt.path_url + (qs.empty() ? "" : "?" + qs);
  };
  append_link(out, first, "self", url(q.cursor));
  if (!r.next_cursor.empty()) append_link(out, first, "next", url(r.next_cursor));
  if (!r.prev_cursor.empty()) append_link(out, first, "previous", url(r.prev_cursor));
  out += "]";

  bool any_entry = false;
  auto entry = [&](const store::SearchHit& h, const char* mode) {
    out += any_entry ? "," : ",\"entry\":[";
    any_entry = true;
    out += "{\"fullUrl\":";
    append_json_string(out, opt.base_url + "/" + h.type + "/" + h.id);
    out += ",\"resource\":";
    if (!view) {
      out += h.body;
    } else {
      auto j = parse_json(h.body);
      if (!j) {
        out += "{}";
      } else {
        if (std::string_view(mode) == "match") {
          if (q.summary != search::SummaryMode::None) apply_summary(*j, to_summary(q.summary));
          if (!q.elements.empty()) apply_elements(*j, q.elements);
        }
        j->dump_to(out, false);
      }
    }
    out += ",\"search\":{\"mode\":\"";
    out += mode;
    out += "\"}}";
  };
  if (q.summary != search::SummaryMode::Count) {
    for (const auto& h : r.page.hits) entry(h, "match");
    for (const auto& h : r.page.included) entry(h, "include");
  }
  std::vector<Issue> issues = q.ignored;
  if (r.page.included_truncated)
    issues.push_back(Issue{"warning", "too-costly", "Some included resources were left out (too many)", ""});
  for (const auto& line : r.explain) issues.push_back(Issue{"information", "informational", line, ""});
  if (!issues.empty()) {
    out += any_entry ? "," : ",\"entry\":[";
    any_entry = true;
    out += "{\"resource\":";
    fhir::operation_outcome(issues).dump_to(out, false);
    out += ",\"search\":{\"mode\":\"outcome\"}}";
  }
  if (any_entry) out += "]";
  out += "}";
  if (opt.pretty) {
    auto j = parse_json(out, JsonParseOptions{256});
    if (j) return j->dump(true);
  }
  return out;
}

}  // namespace parcours::api
