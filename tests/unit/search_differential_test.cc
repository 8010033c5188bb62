// Differential test of the search engine (docs/decisions/search.md): on a
// generated territory loaded into a real store, then partly rewritten and
// deleted (the update path), random queries built from the data (every
// parameter type, prefixes, modifiers, OR lists, AND repetition, chains,
// _has, _text/_content, sorts on one or two keys, page sizes) run through
// the index engine — paging through every page — and through the
// brute-force oracle (search_oracle.h); the results must be identical, in
// order (an unsorted search walked by chain target: the same set).
//
// The bounded run (the test command) uses PARCOURS_DIFF_PATIENTS=120 and
// PARCOURS_DIFF_QUERIES=400 by default; bench/search_differential.sh runs
// it longer. A failure prints the query and both results; the seed
// (PARCOURS_DIFF_SEED) reproduces it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "base/text.h"
#include "search/extract.h"
#include "search/registry.h"
#include "search/text.h"
#include "search/values.h"
#include "territory/generator.h"
#include "unit/search_oracle.h"
#include "unit/search_support.h"

namespace parcours {
namespace {

using Kind = fhir::SearchParamType;
using testing::Oracle;

constexpr std::int64_t kNow = 1'793'491'200'000'000;  // 2026-11-01T00:00:00Z, the territory's "today"

long env_or(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

std::string enc(std::string_view s) { return parcours::percent_encode(s, "-._~:/|$,"); }

// Escapes a value for FHIR search (R4 §3.1.1.4.6).
std::string esc(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ',' || c == '|' || c == '$' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

void civil(std::int64_t days, int& y, int& m, int& d) {
  days += 719468;
  std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  auto doe = static_cast<unsigned>(days - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t yy = static_cast<std::int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  y = static_cast<int>(yy + (m <= 2));
}

// A FHIR date/dateTime for instant `us` at precision 0 year .. 4 seconds,
// written with offset `offset_min` when it has a time.
std::string date_text(std::int64_t us, int precision, int offset_min) {
  std::int64_t local = us + static_cast<std::int64_t>(offset_min) * 60'000'000;
  std::int64_t secs = local >= 0 ? local / 1'000'000 : (local - 999'999) / 1'000'000;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  std::int64_t sod = secs - days * 86400;
  int y, m, d;
  civil(days, y, m, d);
  char buf[64];
  if (precision == 0)
    std::snprintf(buf, sizeof buf, "%04d", y);
  else if (precision == 1)
    std::snprintf(buf, sizeof buf, "%04d-%02d", y, m);
  else if (precision == 2)
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  else {
    int hh = static_cast<int>(sod / 3600), mi = static_cast<int>(sod / 60 % 60),
        ss = static_cast<int>(sod % 60);
    char off[16];
    if (offset_min == 0)
      std::snprintf(off, sizeof off, "Z");
    else
      std::snprintf(off, sizeof off, "%c%02d:%02d", offset_min < 0 ? '-' : '+', std::abs(offset_min) / 60,
                    std::abs(offset_min) % 60);
    if (precision == 3)
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d%s", y, m, d, hh, mi, off);
    else
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d%s", y, m, d, hh, mi, ss, off);
  }
  return buf;
}

constexpr const char* kIcd10 = "http://hl7.org/fhir/sid/icd-10";
constexpr const char* kAtc = "http://www.whocc.no/atc";  // no CodeSystem stored: nests by prefix

// A CodeSystem over the ICD-10 codes of the generated Conditions (chapter
// letter > 3-character category > subcode; half the subcodes hang by the
// parent property, the others by their category's child property) and
// ValueSets with compose filters over it; their urls.
std::vector<std::string> add_terminology(std::vector<Json>& resources) {
  std::map<std::string, std::map<std::string, std::set<std::string>>> chapters;
  for (const Json& j : resources) {
    if (j.get_string("resourceType") != "Condition") continue;
    if (const Json* code = j.find("code"); code && code->find("coding"))
      for (const Json& c : code->find("coding")->as_array()) {
        std::string v(c.get_string("code"));
        if (c.get_string("system") != kIcd10 || v.size() < 3) continue;
        auto& cat = chapters[v.substr(0, 1)][v.substr(0, 3)];
        if (v.size() > 3) cat.insert(v);
      }
  }
  if (chapters.empty()) return {};
  auto prop = [](const std::string& code, const std::string& kind, const std::string& value) {
    return R"({"code":")" + code + R"(","value)" + kind + R"(":)" + value + "}";
  };
  std::string top, flat;
  std::vector<std::string> categories, leaves;
  int n = 0;
  for (const auto& [letter, cats] : chapters) {
    std::string kids;
    for (const auto& [cat, subs] : cats) {
      categories.push_back(cat);
      bool by_child = n++ % 2 == 1;
      std::string props = prop("chapter", "String", "\"" + letter + "\"");
      for (const auto& sub : subs) {
        leaves.push_back(sub);
        if (by_child) props += "," + prop("child", "Code", "\"" + sub + "\"");
        std::string sp =
            prop("chapter", "String", "\"" + letter + "\"") + "," + prop("leaf", "Boolean", "true");
        if (!by_child) sp += "," + prop("parent", "Code", "\"" + cat + "\"");
        flat += R"(,{"code":")" + sub + R"(","property":[)" + sp + "]}";
      }
      kids +=
          std::string(kids.empty() ? "" : ",") + R"({"code":")" + cat + R"(","property":[)" + props + "]}";
    }
    top += std::string(top.empty() ? "" : ",") + R"({"code":")" + letter + R"(","display":"Chapter )" +
           letter + R"(","property":[)" + prop("chapter", "String", "\"" + letter + "\"") +
           R"(],"concept":[)" + kids + "]}";
  }
  std::string cs = R"({"resourceType":"CodeSystem","id":"icd10","url":")" + std::string(kIcd10) +
                   R"(","status":"active","content":"fragment","hierarchyMeaning":"is-a","property":[
      {"code":"parent","uri":"http://hl7.org/fhir/concept-properties#parent","type":"code"},
      {"code":"child","uri":"http://hl7.org/fhir/concept-properties#child","type":"code"},
      {"code":"chapter","type":"string"},{"code":"leaf","type":"boolean"}],"concept":[)" +
                   top + flat + "]}";
  resources.push_back(*parse_json(cs));
  std::string c1 = chapters.begin()->first, c2 = chapters.rbegin()->first;
  std::string leaf = leaves.empty() ? categories.front() : leaves[leaves.size() / 2];
  std::string cat = categories[categories.size() / 2];
  auto f = [](const std::string& property, const std::string& op, const std::string& value) {
    return R"({"property":")" + property + R"(","op":")" + op + R"(","value":")" + value + R"("})";
  };
  auto inc = [](const std::string& filters) {
    return R"({"system":"http://hl7.org/fhir/sid/icd-10","filter":[)" + filters + "]}";
  };
  std::vector<std::string> composes = {
      R"({"include":[)" + inc(f("concept", "is-a", c1)) + "]}",
      R"({"include":[)" + inc(f("code", "regex", "[A-H].*")) + "]}",
      R"({"include":[)" + inc(f("chapter", "=", c2)) + "]}",
      R"({"include":[)" + inc(f("concept", "is-a", c1) + "," + f("leaf", "exists", "true")) +
          R"(],"exclude":[{"system":"http://hl7.org/fhir/sid/icd-10","concept":[{"code":")" + leaf +
          R"("}]}]})",
      R"({"include":[)" + inc(f("concept", "not-in", categories.front() + "," + cat)) + "]}",
      R"({"include":[)" + inc(f("concept", "generalizes", leaf)) + "]}",
      R"({"include":[)" + inc(f("concept", "descendent-of", cat)) + "]}",
      R"({"include":[)" + inc(f("chapter", "=", c1)) +
          R"(,{"system":"http://hl7.org/fhir/sid/icd-10","concept":[{"code":")" + categories.back() +
          R"("}]}]})",
      R"({"include":[{"system":"http://hl7.org/fhir/sid/icd-10"}],"exclude":[)" +
          inc(f("chapter", "in", c1 + "," + c2)) + "]}",
  };
  std::vector<std::string> urls;
  for (std::size_t i = 0; i < composes.size(); ++i) {
    std::string url = "http://test/vs/" + std::to_string(i + 1);
    resources.push_back(*parse_json(R"({"resourceType":"ValueSet","id":"vs-)" + std::to_string(i + 1) +
                                    R"(","url":")" + url + R"(","status":"active","compose":)" + composes[i] +
                                    "}"));
    urls.push_back(url);
  }
  return urls;
}

// A _filter string value, in double quotes with its escapes.
std::string filter_quoted(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// A _filter value: quoted when it is not a plain word.
std::string filter_word(const std::string& v) {
  bool plain = !v.empty() && v != "and" && v != "or" && v != "not";
  for (char c : v)
    if (std::isspace(static_cast<unsigned char>(c)) || c == '(' || c == ')' || c == '"') plain = false;
  return plain ? v : filter_quoted(v);
}

class Generator {
 public:
  // `older`: versions that were replaced or deleted, whose words _text and
  // _content queries sometimes ask for (they must not match any more).
  Generator(Oracle& oracle, std::uint64_t seed, std::vector<std::string> value_sets, std::vector<Json> older)
      : o_(oracle), rng_(seed), value_sets_(std::move(value_sets)), older_(std::move(older)) {
    for (std::size_t i = 0; i < o_.resources().size(); ++i)
      if (o_.resources()[i].container == Oracle::kTopLevel)
        by_type_[o_.resources()[i].type].push_back(i);
      else
        contained_.push_back(i);
  }

  // "Type", "query"
  std::pair<std::string, std::string> next() {
    static const char* kTypes[] = {"Observation",       "Observation",  "Observation",       "Patient",
                                   "Patient",           "Encounter",    "Condition",         "Condition",
                                   "MedicationRequest", "CareTeam",     "DocumentReference", "Practitioner",
                                   "PractitionerRole",  "Organization", "Location"};
    std::string type = kTypes[pick(std::size(kTypes))];
    std::vector<std::string> parts;
    // Sometimes the contained resources themselves (_contained), drawn
    // from one of them.
    const bool contained = !contained_.empty() && chance(0.06);
    if (contained) {
      type = o_.resources()[contained_[pick(contained_.size())]].type;
      parts.push_back(chance(0.6) ? "_contained=true" : "_contained=both");
      if (chance(0.5)) parts.push_back("_containedType=contained");
    }
    const auto& pool = contained ? contained_ : by_type_[type];
    if (pool.empty()) return {type, "_count=5"};
    std::size_t r = pool[pick(pool.size())];
    if (contained) {
      while (o_.resources()[r].type != type) r = pool[pick(pool.size())];
    }
    int clauses = 1 + static_cast<int>(pick(3));
    for (int k = 0; k < clauses; ++k) {
      auto c = clause(type, r, 0);
      if (!c.empty()) parts.push_back(c);
    }
    if (type == "Condition" && chance(0.6)) {
      // Subsumption and ValueSet filters: on code, as a modifier or in _filter.
      const auto* code = search::Registry::current()->find("Condition", "code");
      std::string op;
      std::string t = terminology(o_.values(r, *code), op, chance(0.4));
      if (t.empty()) {
      } else if (op.size() == 2) {
        parts.push_back("_filter=" + enc("code " + op + " " + filter_word(t)));
      } else if (op == "in" || op == "not-in") {
        parts.push_back("code:" + op + "=" + enc(esc(t)));
      } else {
        auto bar = t.find('|');
        parts.push_back("code:" + op + "=" + enc(esc(t.substr(0, bar)) + "|" + esc(t.substr(bar + 1))));
      }
    }
    if (chance(0.3)) {
      std::string f = filter(type, r, 0);
      if (!f.empty()) parts.push_back("_filter=" + enc(f));
    }
    if (chance(0.15)) {
      std::string t = full_text(r);
      if (!t.empty()) parts.push_back(t);
    }
    // The last results of a code (search::ParamDef::latest_by): one of r's
    // codes, latest first. A code more common than the page makes the
    // planner walk its rows by their latest date (SearchPlan::latest_walk).
    std::string latest_first;
    for (const auto* p : search::Registry::current()->for_type(type)) {
      if (!p->latest_by || !latest_first.empty() || !chance(0.25)) continue;
      std::string mod;
      std::string v = value(Kind::kToken, o_.values(r, *p), mod, false);
      if (v.empty()) continue;
      parts.push_back(p->code + "=" + enc(v));
      latest_first = "-" + p->latest_by->code;
    }
    if (!latest_first.empty())
      parts.push_back("_sort=" + latest_first);
    else if (chance(0.5))
      parts.push_back("_sort=" + sort(type));
    static const int kCounts[] = {1, 2, 3, 5, 10, 50};
    parts.push_back("_count=" + std::to_string(kCounts[pick(std::size(kCounts))]));
    std::string q;
    for (const auto& p : parts) q += (q.empty() ? "" : "&") + p;
    return {type, q};
  }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  std::vector<const search::ParamDef*> params_with_values(const std::string& type, std::size_t r) {
    std::vector<const search::ParamDef*> out;
    for (const auto* p : search::Registry::current()->for_type(type)) {
      if (!p->compiled || p->code == "_id" || p->code == "_lastUpdated") continue;
      if (p->kind == Kind::kSpecial) continue;
      if (p->kind == Kind::kComposite) {
        if (!o_.composite_values(r, *p).empty()) out.push_back(p);
        continue;
      }
      if (!o_.values(r, *p).empty()) out.push_back(p);
    }
    return out;
  }

  std::string prefix(bool with_ap = true) {
    static const char* kP[] = {"", "eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"};
    return kP[pick(with_ap ? 10 : 9)];
  }

  // One value of `p` (a non-composite kind) built from resource r's values,
  // with a modifier in `mod`.
  std::string value(Kind kind, const Oracle::Values& v, std::string& mod, bool allow_modifiers) {
    switch (kind) {
      case Kind::kToken: {
        if (v.tokens.empty()) return "";
        const auto& t = v.tokens[pick(v.tokens.size())];
        double x = std::uniform_real_distribution<double>(0, 1)(rng_);
        if (allow_modifiers && x < 0.1 && !v.texts.empty()) {
          mod = "text";
          std::string f = v.texts[pick(v.texts.size())];
          return esc(f.substr(0, 1 + pick(std::max<std::size_t>(f.size(), 1))));
        }
        if (allow_modifiers && x < 0.2) mod = "not";
        if (t.code.empty()) return esc(t.system) + "|";
        double y = std::uniform_real_distribution<double>(0, 1)(rng_);
        if (y < 0.45) return esc(t.code);
        if (y < 0.9 || !t.system.empty()) return esc(t.system) + "|" + esc(t.code);
        return "|" + esc(t.code);
      }
      case Kind::kString: {
        if (v.strings.empty()) return "";
        std::string s = v.strings[pick(v.strings.size())];
        double x = std::uniform_real_distribution<double>(0, 1)(rng_);
        if (allow_modifiers && x < 0.15) {
          mod = "exact";
          return esc(s);
        }
        if (allow_modifiers && x < 0.3) {
          mod = "contains";
          std::string f = search::fold(s);
          std::size_t a = pick(f.size()), n = 1 + pick(f.size() - a);
          // Whole UTF-8 characters only.
          while (a > 0 && (static_cast<unsigned char>(f[a]) & 0xC0) == 0x80) --a;
          std::string sub = f.substr(a, n);
          while (!sub.empty() && (static_cast<unsigned char>(sub.back()) & 0x80)) sub.pop_back();
          return sub.empty() ? esc(f.substr(0, 1)) : esc(sub);
        }
        std::size_t n = 1 + pick(s.size());
        while (n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) ++n;
        return esc(s.substr(0, n));
      }
      case Kind::kDate: {
        auto picked = instant_near(v);
        if (!picked) return "";
        std::int64_t at = *picked;
        int precision = static_cast<int>(pick(5));
        int offset = chance(0.5) ? 0 : (chance(0.5) ? 120 : -300);
        return prefix() + date_text(at, precision, offset);
      }
      case Kind::kQuantity: {
        if (v.quantities.empty()) return "";
        const auto& q = v.quantities[pick(v.quantities.size())];
        char num[64];
        double val =
            q.value * (chance(0.5) ? 1 : (0.8 + 0.4 * std::uniform_real_distribution<double>(0, 1)(rng_)));
        std::snprintf(num, sizeof num, chance(0.5) ? "%.0f" : "%.1f", val);
        std::string s = prefix() + num;
        if (chance(0.5) && !q.code.empty()) {
          if (q.code == "mg/dL" && chance(0.5)) {
            std::snprintf(num, sizeof num, "%.2f", val / 100);
            s = prefix() + num + "|" + esc(std::string(search::kUcum)) + "|g/L";
          } else {
            s += "|" + esc(q.system) + "|" + esc(q.code);
          }
        }
        return s;
      }
      case Kind::kNumber: {
        if (v.numbers.empty()) return "";
        char num[64];
        std::snprintf(num, sizeof num, "%g", v.numbers[pick(v.numbers.size())]);
        return prefix() + num;
      }
      case Kind::kReference: {
        if (v.refs.empty()) return "";
        const auto& ref = v.refs[pick(v.refs.size())];
        if (ref.type.starts_with('#')) return "";  // a contained resource has no reference to search by
        if (ref.type.empty()) return esc(ref.id);
        double x = std::uniform_real_distribution<double>(0, 1)(rng_);
        if (allow_modifiers && x < 0.15) {
          mod = ref.type;
          return esc(ref.id);
        }
        // The places and encounters nest (nest_some_places): :above/:below
        // walk their hierarchy (R4 §3.1.1.4.14).
        const bool nests = ref.type == "Location" || ref.type == "Organization" || ref.type == "Encounter";
        if (allow_modifiers && nests && x < 0.3) {
          mod = chance(0.5) ? "above" : "below";
          return ref.type + "/" + esc(ref.id);
        }
        if (x < 0.4) return esc(ref.id);
        if (x < 0.5) return "http://test/fhir/" + ref.type + "/" + esc(ref.id);
        return ref.type + "/" + esc(ref.id);
      }
      case Kind::kUri: {
        if (v.uris.empty()) return "";
        std::string u = v.uris[pick(v.uris.size())];
        if (allow_modifiers && chance(0.3)) {
          mod = "below";
          return esc(u.substr(0, 1 + pick(u.size())));
        }
        return esc(u);
      }
      default:
        return "";
    }
  }

  std::string clause(const std::string& type, std::size_t r, int depth) {
    auto params = params_with_values(type, r);
    if (params.empty()) return "";
    const search::ParamDef* p = params[pick(params.size())];
    // Chains and _has, from the data.
    if (p->kind == Kind::kReference && depth < 2 && chance(0.3)) {
      const auto& refs = o_.values(r, *p).refs;
      const auto& ref = refs[pick(refs.size())];
      // A contained target ("#Type"): the chain runs inside it.
      const std::string target_type = ref.type.starts_with('#') ? ref.type.substr(1) : ref.type;
      if (const auto* target = o_.find(target_type, ref.id)) {
        std::size_t ti = static_cast<std::size_t>(target - o_.resources().data());
        std::string inner = clause(target_type, ti, depth + 1);
        if (!inner.empty() && inner.find("_has") == std::string::npos) {
          bool qualify = p->targets.size() != 1 || chance(0.5);
          return p->code + (qualify ? ":" + target_type : "") + "." + inner;
        }
      }
    }
    if (depth == 0 && (type == "Patient" || type == "Practitioner" || type == "Encounter") && chance(0.1)) {
      // _has: a resource that refers to this one.
      for (int attempt = 0; attempt < 20; ++attempt) {
        const auto& all = o_.resources();
        std::size_t s = pick(all.size());
        if (all[s].container != Oracle::kTopLevel) continue;
        for (const auto* rp : search::Registry::current()->for_type(all[s].type)) {
          if (rp->kind != Kind::kReference || !rp->compiled) continue;
          for (const auto& ref : o_.values(s, *rp).refs)
            if (ref.type == type && ref.id == o_.resources()[r].id) {
              std::string inner = clause(all[s].type, s, depth + 1);
              if (inner.empty() || inner.find('.') != std::string::npos) continue;
              return "_has:" + all[s].type + ":" + rp->code + ":" + inner;
            }
        }
      }
    }
    if (chance(0.05)) return p->code + ":missing=" + (chance(0.5) ? "true" : "false");
    if (p->kind == Kind::kComposite) {
      const auto& elements = o_.composite_values(r, *p);
      const auto& e = elements[pick(elements.size())];
      std::string v;
      for (std::size_t k = 0; k < p->components.size(); ++k) {
        std::string mod;
        std::string part = value(p->components[k].kind, e[k], mod, false);
        if (part.empty()) return "";
        v += (k ? "$" : "") + part;
      }
      return p->code + "=" + enc(v);
    }
    if (p->kind == Kind::kToken && chance(0.3)) {
      std::string op;
      std::string t = terminology(o_.values(r, *p), op, false);
      if (!t.empty() && (op == "in" || op == "not-in")) return p->code + ":" + op + "=" + enc(esc(t));
      if (!t.empty()) {
        auto bar = t.find('|');
        return p->code + ":" + op + "=" + enc(esc(t.substr(0, bar)) + "|" + esc(t.substr(bar + 1)));
      }
    }
    std::string mod;
    std::string v = value(p->kind, o_.values(r, *p), mod, true);
    if (v.empty()) return "";
    if (chance(0.2)) {  // an OR list
      std::size_t other = another(type, r);
      std::string mod2;
      std::string v2 = value(p->kind, o_.values(other, *p), mod2, false);
      if (!v2.empty() && (mod2.empty())) v += "," + v2;
    }
    return p->code + (mod.empty() ? "" : ":" + mod) + "=" + enc(v);
  }

  // Terminology clauses on an ICD-10 coding: :below/:above (ancestors from
  // the CodeSystem), :in/:not-in (the generated ValueSets); '' otherwise.
  std::string terminology(const Oracle::Values& v, std::string& op, bool filter_ops) {
    std::vector<const Oracle::Token*> icd, atc;
    for (const auto& t : v.tokens) {
      if (t.system == kIcd10) icd.push_back(&t);
      if (t.system == kAtc) atc.push_back(&t);
    }
    if (icd.empty() && !atc.empty()) {
      // ATC (search::nests_by_prefix): a level of the code (1, 3, 4, 5 or 7
      // characters) below, the code above.
      const auto& t = *atc[pick(atc.size())];
      bool below = chance(0.6);
      op = filter_ops ? (below ? "sb" : "ss") : (below ? "below" : "above");
      static const std::size_t kLevels[] = {1, 3, 4, 5, 7};
      std::string code = below ? t.code.substr(0, std::min(t.code.size(), kLevels[pick(5)])) : t.code;
      return std::string(kAtc) + "|" + code;
    }
    if (icd.empty() || value_sets_.empty()) return "";
    const auto& t = *icd[pick(icd.size())];
    double x = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (x < 0.5) {
      auto up = o_.ancestors(kIcd10, t.code);
      if (up.empty()) up.push_back(t.code);
      bool below = x < 0.35;
      op = filter_ops ? (below ? "sb" : "ss") : (below ? "below" : "above");
      // :above from a code's ancestor usually matches only that ancestor: use
      // the code itself or a random other code's.
      std::string code = below ? up[pick(up.size())] : t.code;
      if (!below && chance(0.3)) code = up[pick(up.size())];
      return std::string(kIcd10) + "|" + code;
    }
    bool in = x < 0.85;
    op = filter_ops ? (in ? "in" : "ni") : (in ? "in" : "not-in");
    return value_sets_[pick(value_sets_.size())];
  }

  std::string filter(const std::string& type, std::size_t r, int depth) {
    double x = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (depth < 2 && x < 0.35) {
      std::string a = filter(type, r, depth + 1);
      std::size_t other = another(type, r);
      std::string b = filter(type, chance(0.5) ? r : other, depth + 1);
      if (a.empty() || b.empty()) return a.empty() ? b : a;
      std::string e = a + (chance(0.5) ? " and " : " or ") + b;
      return chance(0.5) ? "(" + e + ")" : e;
    }
    if (depth < 2 && x < 0.45) {
      std::string a = filter(type, r, depth + 1);
      return a.empty() ? a : "not (" + a + ")";
    }
    return filter_leaf(type, r, 0);
  }

  // One test, sometimes through a chain of references (`subject.name co "x"`).
  std::string filter_leaf(const std::string& type, std::size_t r, int chain_depth) {
    const auto& res = o_.resources()[r];
    if (chain_depth < 2 && chance(0.15)) {
      std::vector<std::pair<const search::ParamDef*, std::size_t>> targets;
      for (const auto* p : search::Registry::current()->for_type(type)) {
        if (p->kind != Kind::kReference || !p->compiled) continue;
        for (const auto& ref : o_.values(r, *p).refs)
          if (const auto* t = o_.find(ref.type.starts_with('#') ? ref.type.substr(1) : ref.type, ref.id))
            targets.emplace_back(p, static_cast<std::size_t>(t - o_.resources().data()));
      }
      if (!targets.empty()) {
        auto [p, t] = targets[pick(targets.size())];
        std::string inner = filter_leaf(o_.resources()[t].type, t, chain_depth + 1);
        if (!inner.empty()) return p->code + "." + inner;
      }
    }
    if (chance(0.05)) return std::string("_id ") + (chance(0.5) ? "eq " : "ne ") + filter_word(res.id);
    std::vector<const search::ParamDef*> params;
    for (const auto* p : params_with_values(type, r))
      if (p->kind != Kind::kComposite && p->kind != Kind::kSpecial) params.push_back(p);
    if (params.empty()) return "";
    const search::ParamDef* p = params[pick(params.size())];
    const Oracle::Values& v = o_.values(r, *p);
    if (chance(0.07)) return p->code + " pr " + (chance(0.5) ? "true" : "false");
    static const char* kOrder[] = {"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"};
    auto order_op = [&] { return std::string(kOrder[pick(std::size(kOrder))]); };
    switch (p->kind) {
      case Kind::kToken: {
        std::string op;
        if (chance(0.5)) {
          std::string t = terminology(v, op, true);
          if (!t.empty()) return p->code + " " + op + " " + filter_word(t);
        }
        if (v.tokens.empty()) return "";
        const auto& t = v.tokens[pick(v.tokens.size())];
        std::string val = t.code.empty()                    ? t.system + "|"
                          : t.system.empty() || chance(0.5) ? t.code
                                                            : t.system + "|" + t.code;
        if (val.empty() || val == "|") return "";
        return p->code + (chance(0.75) ? " eq " : " ne ") + filter_word(val);
      }
      case Kind::kString: {
        if (v.strings.empty()) return "";
        std::string s = v.strings[pick(v.strings.size())];
        static const char* kOps[] = {"eq", "ne", "co", "sw", "ew"};
        std::string op = kOps[pick(std::size(kOps))];
        // Whole UTF-8 characters: cut at character starts only.
        auto start_of_char = [&](std::size_t k) {
          while (k > 0 && k < s.size() && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
          return k;
        };
        std::string val = s;
        if (op == "sw") val = s.substr(0, std::max<std::size_t>(1, start_of_char(1 + pick(s.size()))));
        if (op == "ew") val = s.substr(start_of_char(pick(s.size())));
        if (op == "co") {
          std::size_t a = start_of_char(pick(s.size()));
          std::size_t b = start_of_char(a + 1 + pick(s.size() - a));
          val = s.substr(a, std::max<std::size_t>(b, a + 1) - a);
          while (!val.empty() && (static_cast<unsigned char>(val.back()) & 0x80)) val.pop_back();
        }
        if (search::fold(val).empty()) return "";
        return p->code + " " + op + " " + filter_quoted(val);
      }
      case Kind::kDate: {
        auto picked = instant_near(v);
        if (!picked) return "";
        std::int64_t at = *picked;
        std::string op = chance(0.15) ? "po" : order_op();
        int offset = chance(0.5) ? 0 : (chance(0.5) ? 120 : -300);
        return p->code + " " + op + " " + date_text(at, static_cast<int>(pick(5)), offset);
      }
      case Kind::kNumber: {
        if (v.numbers.empty()) return "";
        char num[64];
        std::snprintf(num, sizeof num, "%g", v.numbers[pick(v.numbers.size())]);
        return p->code + " " + order_op() + " " + num;
      }
      case Kind::kQuantity: {
        if (v.quantities.empty()) return "";
        const auto& q = v.quantities[pick(v.quantities.size())];
        char num[64];
        std::snprintf(num, sizeof num, chance(0.5) ? "%.0f" : "%.1f", q.value);
        std::string val = num;
        if (chance(0.5) && !q.code.empty()) val += "|" + q.system + "|" + q.code;
        return p->code + " " + order_op() + " " + filter_word(val);
      }
      case Kind::kReference: {
        if (v.refs.empty()) return "";
        const auto& ref = v.refs[pick(v.refs.size())];
        if (ref.type.starts_with('#')) return "";
        std::string val = ref.type.empty() || chance(0.3) ? ref.id : ref.type + "/" + ref.id;
        static const char* kOps[] = {"eq", "re", "ne"};
        return p->code + " " + kOps[pick(3)] + " " + filter_word(val);
      }
      case Kind::kUri: {
        if (v.uris.empty()) return "";
        std::string u = v.uris[pick(v.uris.size())];
        double y = std::uniform_real_distribution<double>(0, 1)(rng_);
        if (y < 0.3)
          return p->code + (chance(0.5) ? " sw " : " sb ") + filter_word(u.substr(0, 1 + pick(u.size())));
        if (y < 0.45) return p->code + " ss " + filter_word(chance(0.5) ? u + "/v2/x" : u + "/");
        return p->code + (y < 0.8 ? " eq " : " ne ") + filter_word(u);
      }
      default:
        return "";
    }
  }

  std::string sort(const std::string& type) {
    std::vector<std::string> keys{"_id", "_lastUpdated"};
    for (const auto* p : search::Registry::current()->for_type(type))
      if (p->compiled && p->code.front() != '_' &&
          (p->kind == Kind::kString || p->kind == Kind::kToken || p->kind == Kind::kDate ||
           p->kind == Kind::kQuantity || p->kind == Kind::kReference))
        keys.push_back(p->code);
    std::string s;
    int n = chance(0.7) ? 1 : 2;
    for (int i = 0; i < n; ++i)
      s += (i ? "," : "") + std::string(chance(0.5) ? "-" : "") + keys[pick(keys.size())];
    return s;
  }

  // _text or _content with words of resource r (or of an older version
  // of some resource): one or two words, some cut to a prefix, some in
  // capitals, sometimes ORed with another value.
  std::string full_text(std::size_t r) {
    const bool narrative = chance(0.4);
    // The words as written (the narrative without its tags: accents,
    // ligatures, capitals), then as the extraction folded them; often one
    // that is not plain ASCII, where folding matters.
    auto words_of = [&](const Json& j) {
      store::FullText t = search::extract_text(j);
      std::string raw;
      if (const Json* text = j.find("text")) {
        bool tag = false;
        for (char ch : text->get_string("div")) {
          if (ch == '<' || ch == '>') raw.push_back(' ');
          if (ch == '<') tag = true;
          if (!tag) raw.push_back(ch);
          if (ch == '>') tag = false;
        }
      }
      std::vector<std::string> words = testing::full_text_words(raw);
      for (auto& w : testing::full_text_words(narrative ? t.narrative : t.narrative + " " + t.content))
        words.push_back(std::move(w));
      std::vector<std::string> accented;
      for (const auto& w : words)
        if (std::any_of(w.begin(), w.end(), [](char ch) { return static_cast<unsigned char>(ch) >= 0x80; }))
          accented.push_back(w);
      return !accented.empty() && chance(0.4) ? accented : words;
    };
    std::string values;
    for (int v = 0; v < (chance(0.2) ? 2 : 1); ++v) {
      const Json& source =
          !older_.empty() && chance(0.3) ? older_[pick(older_.size())] : o_.resources()[r].json;
      std::vector<std::string> words = words_of(source);
      if (words.empty()) continue;
      std::string value;
      for (int k = 0; k < (chance(0.3) ? 2 : 1); ++k) {
        std::string w = words[pick(words.size())];
        if (w.size() > 3 && chance(0.3)) w = w.substr(0, 2 + pick(w.size() - 2)) + "*";
        if (chance(0.3)) w = to_upper_ascii(w);
        value += (value.empty() ? "" : " ") + w;
      }
      values += (values.empty() ? "" : ",") + esc(value);
    }
    if (values.empty()) return "";
    return std::string(narrative ? "_text=" : "_content=") + enc(values);
  }

  static std::string to_upper_ascii(std::string s) {
    for (char& ch : s)
      if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    return s;
  }

  Oracle& o_;
  std::mt19937_64 rng_;
  std::vector<std::string> value_sets_;
  std::vector<Json> older_;
  // An instant of one of the date values (its start, or its end when open
  // below), sometimes moved by up to 100 days; nullopt when there is none.
  std::optional<std::int64_t> instant_near(const Oracle::Values& v) {
    if (v.dates.empty()) return std::nullopt;
    const auto& d = v.dates[pick(v.dates.size())];
    std::int64_t at = d.low == search::kMinMicros ? d.high : d.low;
    if (at == search::kMaxMicros || at == search::kMinMicros) return std::nullopt;
    if (chance(0.3)) at += static_cast<std::int64_t>(pick(200) - 100) * 86'400'000'000LL;
    return at;
  }

  // Another resource of r's kind (a contained one's when r is contained).
  std::size_t another(const std::string& type, std::size_t r) {
    const auto& pool = o_.resources()[r].container == Oracle::kTopLevel ? by_type_[type] : contained_;
    for (int attempt = 0; attempt < 20; ++attempt) {
      std::size_t other = pool[pick(pool.size())];
      if (o_.resources()[other].type == type) return other;
    }
    return r;
  }

  std::map<std::string, std::vector<std::size_t>> by_type_;
  std::vector<std::size_t> contained_;  // the contained resources' entries
};

// Every fourth Patient, Condition or Observation gets a narrative (the
// territory writes none), in French with accents, ligatures and markup:
// words for _text, which the oracle finds through its own tokenizer.
void narrate_some(std::vector<Json>& resources) {
  static const char* kPhrases[] = {
      "Œdème des membres inférieurs, <b>bilatéral</b>",
      "Insuffisance cardiaque à fraction d'éjection préservée",
      "Suivie par sa sœur ; aide à domicile deux fois par semaine",
      "Bilan à l'hôpital de jour (HbA1c à 8,2 %)",
      "Diabète de type 2 déséquilibré, <i>rétinopathie</i> débutante",
      "Cœur : souffle systolique 2/6, pas d'œdème",
      "BPCO stade III — oxygénothérapie 2 L/min",
  };
  int n = 0;
  for (Json& r : resources) {
    std::string_view type = r.get_string("resourceType");
    if ((type != "Patient" && type != "Condition" && type != "Observation") || ++n % 4) continue;
    std::string div = "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>" +
                      std::string(kPhrases[(n / 4) % std::size(kPhrases)]) + "</p><p>" + std::string(type) +
                      " " + std::string(r.get_string("id")) + "</p></div>";
    Json text = Json::object();
    text.set("status", Json("generated"));
    text.set("div", Json(div));
    r.set("text", std::move(text));
  }
}

// Every third coded Observation or Condition says its code in its own words:
// another display, none, another text, or one more coding. :text then reads
// both the texts a code implies and the texts written for the resources
// that differ (store/search_index.h, TokenRow).
void vary_some_texts(std::vector<Json>& resources) {
  int n = 0;
  for (Json& r : resources) {
    std::string_view type = r.get_string("resourceType");
    if (type != "Observation" && type != "Condition") continue;
    Json* code = r.find("code");
    Json* codings = code ? code->find("coding") : nullptr;
    if (!codings || !codings->is_array() || codings->as_array().empty() || ++n % 3) continue;
    Json& first = codings->as_array().front();
    const std::string k = std::to_string(n % 5);
    switch (n / 3 % 4) {
      case 0:
        first.set("display", Json(std::string(first.get_string("display")) + " (variante " + k + ")"));
        break;
      case 1:
        first.erase("display");
        break;
      case 2:
        code->set("text", Json("Libellé local " + k));
        break;
      default: {
        Json extra = Json::object();
        extra.set("system", Json("urn:oid:1.2.250.1.213.2.5"));
        extra.set("code", Json("X" + k));
        extra.set("display", Json("Code local " + k));
        codings->push_back(std::move(extra));
      }
    }
  }
}

// Some observations are about a group, a patient named by an absolute URL
// or a patient they contain: `patient` then differs from `subject`, which
// it narrows to Patient targets (search::ParamDef::narrows).
void vary_some_subjects(std::vector<Json>& resources) {
  int n = 0;
  for (Json& r : resources) {
    if (r.get_string("resourceType") != "Observation" || !r.find("subject") || ++n % 7) continue;
    Json subject = Json::object();
    switch (n / 7 % 3) {
      case 0:
        subject.set("reference", Json("Group/g" + std::to_string(n % 4)));
        break;
      case 1:
        subject.set("reference", Json("http://autre.example/fhir/" +
                                      std::string(r.find("subject")->get_string("reference"))));
        break;
      default: {
        Json patient = Json::object();
        patient.set("resourceType", Json("Patient"));
        patient.set("id", Json("sujet"));
        patient.set("gender", Json(n % 2 ? "female" : "male"));
        Json contained = Json::array();
        contained.push_back(std::move(patient));
        r.set("contained", std::move(contained));
        subject.set("reference", Json("#sujet"));
      }
    }
    r.set("subject", std::move(subject));
  }
}

// Every other prescription names its drug with a contained Medication
// ("#med", as many French prescriptions carry the drug's own codes) instead
// of a CodeableConcept: chains such as medication.code then run inside it.
void contain_some_drugs(std::vector<Json>& resources) {
  int n = 0;
  for (Json& r : resources) {
    if (r.get_string("resourceType") != "MedicationRequest" || ++n % 2) continue;
    const Json* drug = r.find("medicationCodeableConcept");
    if (!drug) continue;
    Json med = Json::object();
    med.set("resourceType", Json("Medication"));
    med.set("id", Json("med"));
    med.set("code", *drug);
    Json contained = Json::array();
    contained.push_back(std::move(med));
    Json ref = Json::object();
    ref.set("reference", Json("#med"));
    std::erase_if(r.as_object(),
                  [](const Json::Member& m) { return m.first == "medicationCodeableConcept"; });
    r.set("contained", std::move(contained));
    r.set("medicationReference", std::move(ref));
  }
}

// Places and encounters form hierarchies through partOf (R4
// references.html#circular): an organisation belongs to another (as a
// FINESS site to its legal entity), a location is part of another, and
// some encounters are part of an earlier one. Two locations name each
// other, a cycle that a hierarchy walk must survive.
void nest_some_places(std::vector<Json>& resources) {
  std::map<std::string, std::vector<Json*>> by_type;
  for (Json& r : resources) by_type[std::string(r.get_string("resourceType"))].push_back(&r);
  for (const char* type : {"Organization", "Location", "Encounter"}) {
    auto& all = by_type[type];
    for (std::size_t i = 1; i < all.size(); ++i) {
      // Resource i under resource i / 3 (a tree three wide), one in five.
      if (i % 5 != 1) continue;
      Json parent = Json::object();
      parent.set("reference", Json(std::string(type) + "/" + std::string(all[i / 3]->get_string("id"))));
      all[i]->set("partOf", std::move(parent));
    }
    if (std::string_view(type) == "Location" && all.size() > 8) {
      for (auto [a, b] : {std::pair{7, 8}, std::pair{8, 7}}) {
        Json parent = Json::object();
        parent.set("reference", Json("Location/" + std::string(all[b]->get_string("id"))));
        all[a]->set("partOf", std::move(parent));
      }
    }
  }
}

// Everyday writes over the loaded store: one resource in eight takes the
// content of another of its type (its rows change in every table, its old
// full text is taken out with the text of its stored version), one in sixty
// is deleted. Terminology and resources with contained ones are left alone:
// a container's contained rows would take new rids, which the oracle's
// insertion order does not follow. Returns the versions replaced.
std::vector<Json> rewrite_some(testing::SearchStore& db, const std::vector<Json>& resources,
                               std::uint64_t seed) {
  static const std::set<std::string_view> kLeft = {"ValueSet", "CodeSystem", "ConceptMap", "SearchParameter"};
  auto eligible = [&](const Json& j) {
    return !kLeft.contains(j.get_string("resourceType")) && !j.find("contained");
  };
  std::map<std::string, std::vector<std::size_t>, std::less<>> by_type;
  for (std::size_t i = 0; i < resources.size(); ++i)
    if (eligible(resources[i])) by_type[std::string(resources[i].get_string("resourceType"))].push_back(i);
  std::mt19937_64 rng(seed ^ 0x9E3779B97F4A7C15ull);
  auto uniform = [&] { return std::uniform_real_distribution<double>(0, 1)(rng); };
  std::vector<std::pair<std::size_t, std::optional<Json>>> writes;  // nullopt: a delete
  for (std::size_t i = 0; i < resources.size(); ++i) {
    if (!eligible(resources[i])) continue;
    const double u = uniform();
    if (u < 1.0 / 60) {
      writes.emplace_back(i, std::nullopt);
    } else if (u < 1.0 / 60 + 1.0 / 8) {
      const auto& same = by_type.find(resources[i].get_string("resourceType"))->second;
      std::size_t j = same[std::uniform_int_distribution<std::size_t>(0, same.size() - 1)(rng)];
      if (j == i) continue;
      Json next = resources[j];
      next.set("id", Json(std::string(resources[i].get_string("id"))));
      writes.emplace_back(i, std::move(next));
    }
  }
  std::vector<Json> older;
  for (std::size_t b = 0; b < writes.size(); b += 200) {
    Status st = db.store().write([&](store::Writer& w) -> Status {
      for (std::size_t k = b; k < std::min(writes.size(), b + 200); ++k) {
        const Json& was = resources[writes[k].first];
        std::string type(was.get_string("resourceType")), id(was.get_string("id"));
        if (writes[k].second) {
          auto r = w.put(type, id, *writes[k].second);
          if (!r) return r.error();
        } else {
          auto r = w.remove(type, id);
          if (!r) return r.error();
        }
      }
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.error().message();
  }
  for (const auto& [i, next] : writes) older.push_back(resources[i]);
  return older;
}

TEST(SearchDifferential, IndexEngineAgreesWithBruteForce) {
  const long patients = env_or("PARCOURS_DIFF_PATIENTS", 120);
  const long queries = env_or("PARCOURS_DIFF_QUERIES", 400);
  const auto seed = static_cast<std::uint64_t>(env_or("PARCOURS_DIFF_SEED", 20261126));
  const bool verbose = env_or("PARCOURS_DIFF_VERBOSE", 0) != 0;

  testing::SearchStore db;
  Oracle oracle;
  std::vector<Json> resources;
  territory::TerritoryOptions to;
  to.patients = patients;
  territory::generate_territory(to, [&](Json&& j) { resources.push_back(std::move(j)); });
  const std::vector<std::string> value_sets = add_terminology(resources);
  contain_some_drugs(resources);
  vary_some_texts(resources);
  narrate_some(resources);
  vary_some_subjects(resources);
  nest_some_places(resources);
  ASSERT_FALSE(value_sets.empty()) << "the territory has ICD-10 conditions";
  // Load in batches, in order: rids follow insertion order.
  for (std::size_t i = 0; i < resources.size(); i += 500) {
    Status st = db.store().write([&](store::Writer& w) -> Status {
      for (std::size_t k = i; k < std::min(resources.size(), i + 500); ++k) {
        const Json& j = resources[k];
        auto r = w.put(j.get_string("resourceType"), j.get_string("id"), j);
        if (!r) return r.error();
      }
      return Status::Ok();
    });
    ASSERT_TRUE(st.ok()) << st.error().message();
  }
  std::vector<Json> older = rewrite_some(db, resources, seed);
  {
    auto reader = db.store().reader();
    for (const Json& j : resources) {
      std::string type(j.get_string("resourceType")), id(j.get_string("id"));
      auto v = reader->read(type, id);
      ASSERT_TRUE(v.ok());
      if (!*v || (*v)->deleted) continue;  // deleted by rewrite_some
      auto body = parse_json((*v)->body);
      ASSERT_TRUE(body.ok());
      oracle.add({type, id, std::move(*body), (*v)->last_updated});
    }
  }

  Generator gen(oracle, seed, value_sets, std::move(older));
  std::size_t nonempty = 0, compared = 0, failures = 0, target_ordered = 0, latest_walks = 0;
  for (long n = 0; n < queries && failures < 10; ++n) {
    auto [type, query] = gen.next();
    auto params = search::parse_form(query);
    ASSERT_TRUE(params.ok()) << query;
    search::ParseOptions po;
    po.strict = true;
    po.base_url = "http://test/fhir";
    auto parsed = search::parse_query({type}, *params, po);
    if (!parsed) {
      ADD_FAILURE() << "generated an invalid query " << type << "?" << query << ": "
                    << parsed.error().message();
      ++failures;
      continue;
    }
    std::vector<std::string> want = oracle.run(*parsed, kNow);
    auto started = std::chrono::steady_clock::now();
    // The engine, page after page through next links.
    std::vector<std::string> got;
    std::string q = query;
    bool ok = true;
    std::optional<std::int64_t> total;
    bool target_order = false;
    for (int page = 0; page < 100000; ++page) {
      auto r = db.run(type, page == 0 ? q + "&_total=accurate" : q, kNow);
      if (!r) {
        ADD_FAILURE() << type << "?" << q << ": " << r.error().message();
        ok = false;
        break;
      }
      if (page == 0) total = r->page.total;
      target_order = r->target_order;
      if (page == 0 && r->latest_walk) ++latest_walks;
      for (const auto& h : r->page.hits) got.push_back(h.id);
      if (r->next_cursor.empty()) break;
      // Sometimes step back once: the previous page must be this one.
      if (page == 1 && !r->prev_cursor.empty()) {
        auto back = db.run(type, query + "&_cursor=" + r->prev_cursor, kNow);
        if (back && !back->page.hits.empty()) {
          std::vector<std::string> prev;
          for (const auto& h : back->page.hits) prev.push_back(h.id);
          std::size_t size = prev.size();
          std::vector<std::string> expected(
              got.end() - static_cast<std::ptrdiff_t>(r->page.hits.size() + size),
              got.end() - static_cast<std::ptrdiff_t>(r->page.hits.size()));
          EXPECT_EQ(prev, expected) << "previous page of " << type << "?" << q;
        }
      }
      q = query + "&_cursor=" + r->next_cursor;
    }
    if (!ok) {
      ++failures;
      continue;
    }
    if (verbose)
      std::printf(
          "%8.1f ms  %s?%s -> %zu\n",
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count(),
          type.c_str(), query.c_str(), want.size());
    ++compared;
    if (!want.empty()) ++nonempty;
    if (target_order) {
      // Without _sort the order is the server's (R4 search): the oracle
      // lists by insertion, as the engine does except when it walks a
      // chain's targets. Then the same resources, each once.
      ++target_ordered;
      std::sort(got.begin(), got.end());
      std::sort(want.begin(), want.end());
    }
    if (got != want || total != static_cast<std::int64_t>(want.size())) {
      ++failures;
      std::string g, w;
      for (std::size_t i = 0; i < std::min<std::size_t>(got.size(), 30); ++i) g += got[i] + " ";
      for (std::size_t i = 0; i < std::min<std::size_t>(want.size(), 30); ++i) w += want[i] + " ";
      ADD_FAILURE() << "query #" << n << ": " << type << "?" << query << "\n  engine (" << got.size()
                    << ", total " << (total ? std::to_string(*total) : "none") << "): " << g << "\n  oracle ("
                    << want.size() << "): " << w;
    }
  }
  std::printf(
      "differential: %zu queries compared (%zu with results, %zu in a chain's target order, %zu walking a "
      "code by its latest date) on %zu resources\n",
      compared, nonempty, target_ordered, latest_walks, resources.size());
  EXPECT_GT(nonempty, compared / 3) << "the generator should mostly build queries that match something";
  if (compared >= 200) {
    EXPECT_GT(latest_walks, 0u) << "the generator should draw the last results of a code";
  }
}

}  // namespace
}  // namespace parcours
