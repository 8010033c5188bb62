#include "search/lastn.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <numeric>
#include <tuple>

#include "search/registry.h"

namespace parcours::search {
namespace {

constexpr int kMaxPerGroup = 1000;

// "patient:Patient.name" -> "patient".
std::string_view base_name(std::string_view name) { return name.substr(0, name.find_first_of(":.")); }

// A parameter on a code element (R4 $lastn: "a search parameter that
// contains a code element in its FHIRPath expression"), or category.
bool names_a_code(std::string_view name) {
  std::string_view base = base_name(name);
  if (base == "category") return true;
  const ParamDef* p = Registry::current()->find("Observation", base);
  if (!p) return false;
  if (p->expression.find(".code") != std::string::npos) return true;
  return std::any_of(p->components.begin(), p->components.end(),
                     [](const ParamComponent& c) { return c.expression.starts_with("code"); });
}

// Union-find over code keys ("system|code", or "text:" + the text).
class CodeGroups {
 public:
  std::size_t key(const std::string& k) {
    auto [it, fresh] = ids_.try_emplace(k, parent_.size());
    if (fresh) {
      parent_.push_back(parent_.size());
      names_.push_back(k);
    }
    return it->second;
  }
  std::size_t find(std::size_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  // The smaller name represents the merged group, so the order of groups
  // does not depend on the order the observations came in.
  void join(std::size_t a, std::size_t b) {
    a = find(a), b = find(b);
    if (a == b) return;
    if (names_[b] < names_[a]) std::swap(a, b);
    parent_[b] = a;
  }
  const std::string& name(std::size_t x) { return names_[find(x)]; }

 private:
  std::map<std::string, std::size_t> ids_;
  std::vector<std::size_t> parent_;
  std::vector<std::string> names_;
};

// The code keys of an Observation: its codings, or its text when it has none.
std::vector<std::string> code_keys(const Json& obs) {
  std::vector<std::string> out;
  const Json* code = obs.find("code");
  if (!code || !code->is_object()) return {"none"};
  if (const Json* cs = code->find("coding"); cs && cs->is_array())
    for (const Json& c : cs->as_array()) {
      std::string_view system = c.get_string("system"), value = c.get_string("code");
      if (!value.empty()) out.push_back(std::string(system) + "|" + std::string(value));
    }
  if (out.empty()) {
    std::string_view text = code->get_string("text");
    out.push_back(text.empty() ? std::string("none") : "text:" + std::string(text));
  }
  return out;
}

std::string subject_of(const Json& obs) {
  const Json* s = obs.find("subject");
  return s && s->is_object() ? std::string(s->get_string("reference")) : std::string();
}

Result<int> parse_max(const std::string& v) {
  int n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < 1 || n > kMaxPerGroup)
    return bad_request("Parameter 'max': '" + v + "' is not a whole number from 1 to " +
                           std::to_string(kMaxPerGroup) + " (observations per group, R4 $lastn)",
                       "max");
  return n;
}

}  // namespace

Result<SearchResult> lastn(store::Reader& reader, const SearchRequest& request) {
  if (request.types != std::vector<std::string>{"Observation"})
    return bad_request("$lastn is an operation on Observation");
  int max = 1;
  bool has_subject = !request.compartment.empty(), has_code = false;
  std::vector<Param> params;
  std::vector<Issue> ignored;
  std::vector<Param> max_param;
  for (const auto& p : request.params) {
    if (p.name == "max") {
      if (!max_param.empty()) return bad_request("Parameter 'max' is given twice", "max");
      auto m = parse_max(p.value);
      if (!m) return std::move(m).error();
      max = *m;
      max_param.push_back(p);
      continue;
    }
    // The operation decides the order, the page and the entries.
    static constexpr std::string_view kNotHere[] = {
        "_sort", "_count", "_cursor", "_total", "_include", "_revinclude", "_contained", "_containedType"};
    std::string_view base = base_name(p.name);
    if (std::find(std::begin(kNotHere), std::end(kNotHere), base) != std::end(kNotHere)) {
      std::string why =
          "Parameter '" + p.name + "' does not apply to $lastn (one page, in the operation's order)";
      if (request.strict) return bad_request(why, p.name);
      ignored.push_back(Issue{"warning", "not-supported", why + ": ignored", p.name});
      continue;
    }
    if (base == "patient" || base == "subject") has_subject = true;
    if (names_a_code(p.name)) has_code = true;
    params.push_back(p);
  }
  if (!has_subject)
    return bad_request(
        "$lastn needs the observations' subject: a 'patient' or 'subject' parameter (R4 $lastn)");
  if (!has_code)
    return bad_request(
        "$lastn needs a 'category' or a parameter on the code ('code', 'code-value-concept'...) (R4 $lastn)");

  // Every matching observation, most recent first (the date parameter is
  // effective[x]; its latest bound when descending), page after page.
  SearchRequest each = request;
  each.params = params;
  each.params.push_back({"_sort", "-date"});
  each.params.push_back({"_count", "1000"});
  each.params.push_back({"_total", "none"});
  const std::size_t fixed = each.params.size();
  SearchResult first;
  std::vector<store::SearchHit> hits;
  for (bool start = true;; start = false) {
    auto r = execute(reader, each);
    if (!r) return std::move(r).error();
    for (auto& h : r->page.hits) hits.push_back(std::move(h));
    if (hits.size() > static_cast<std::size_t>(kLastnScanned))
      return Error(400, "too-costly",
                   "$lastn would read more than " + std::to_string(kLastnScanned) +
                       " observations: narrow it (fewer patients or codes, a date range)");
    std::string next = r->next_cursor;
    if (start) first = std::move(*r);
    if (next.empty()) break;
    each.params.resize(fixed);
    each.params.push_back({"_cursor", next});
  }

  // Groups: codes made equivalent by any observation first, then the
  // observations in date order, `max` per (subject, code group).
  std::vector<std::string> subjects(hits.size());
  std::vector<std::size_t> group(hits.size());
  CodeGroups codes;
  for (std::size_t i = 0; i < hits.size(); ++i) {
    auto obs = parse_json(hits[i].body);
    if (!obs) return internal_error("stored Observation/" + hits[i].id + " is not valid JSON");
    subjects[i] = subject_of(*obs);
    auto keys = code_keys(*obs);
    std::size_t k0 = codes.key(keys.front());
    for (std::size_t k = 1; k < keys.size(); ++k) codes.join(k0, codes.key(keys[k]));
    group[i] = k0;
  }
  // Once every join is done, each observation's group is named once.
  std::vector<std::string> group_name(hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i) group_name[i] = codes.name(group[i]);
  std::map<std::pair<std::string_view, std::string_view>, int> taken;
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < hits.size(); ++i)
    if (++taken[{subjects[i], group_name[i]}] <= max) kept.push_back(i);
  std::stable_sort(kept.begin(), kept.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(subjects[a], group_name[a]) < std::tie(subjects[b], group_name[b]);
  });

  SearchResult out = std::move(first);
  out.page.hits.clear();
  for (std::size_t i : kept) out.page.hits.push_back(std::move(hits[i]));
  out.page.included.clear();
  out.page.more = false;
  out.page.total = static_cast<std::int64_t>(out.page.hits.size());
  out.next_cursor.clear();
  out.prev_cursor.clear();
  out.target_order = false;
  // The self link shows what was applied: the request's own parameters.
  std::erase_if(out.query.applied, [](const Param& p) {
    return p.name == "_sort" || p.name == "_count" || p.name == "_total" || p.name == "_cursor";
  });
  for (auto& p : max_param) out.query.applied.push_back(p);
  out.query.cursor.clear();
  for (auto& i : ignored) out.query.ignored.push_back(std::move(i));
  return out;
}

}  // namespace parcours::search
