#include "directory/find.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>

#include "directory/availability.h"
#include "directory/codes.h"
#include "search/engine.h"
#include "search/registry.h"

namespace parcours::directory {
namespace {

constexpr std::string_view kHealthcareService = "HealthcareService";

// The R4 HealthcareService search parameters $find passes through.
constexpr std::string_view kFilters[] = {"specialty",      "service-type", "service-category",
                                         "characteristic", "organization", "name"};

std::optional<double> parse_number(std::string_view s) {
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string decimal_text(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

Result<std::pair<Position, double>> parse_near(const std::string& value) {
  const std::string example =
      " : latitude|longitude|distance|unité attendu, par exemple 50.6292|3.0573|10|km";
  std::vector<std::string> parts = search::split_unescaped(value, '|');
  if (parts.size() < 2 || parts.size() > 4)
    return bad_request("Paramètre near invalide (" + value + ")" + example, "near");
  auto lat = parse_number(parts[0]), lon = parse_number(parts[1]);
  if (!lat || !lon || *lat < -90 || *lat > 90 || *lon < -180 || *lon > 180)
    return bad_request("Paramètre near invalide (" + value +
                           ") : latitude entre -90 et 90, longitude entre -180 et 180" + example,
                       "near");
  double km = kDefaultRadiusKm;
  if (parts.size() >= 3 && !parts[2].empty()) {
    auto d = parse_number(parts[2]);
    if (!d || *d <= 0)
      return bad_request("Paramètre near invalide (" + value + ") : la distance doit être positive", "near");
    km = *d;
    const std::string units = parts.size() == 4 && !parts[3].empty() ? parts[3] : "km";
    // UCUM units, as R4 asks for `near` (km when omitted).
    if (units == "m")
      km /= 1000;
    else if (units == "[mi_i]")
      km *= 1.609344;
    else if (units != "km")
      return bad_request("Paramètre near invalide (" + value + ") : unité km, m ou [mi_i]", "near");
  }
  if (km > kMaxRadiusKm)
    return bad_request("Paramètre near : " + decimal_text(km, 0) + " km dépasse la distance maximale de " +
                           decimal_text(kMaxRadiusKm, 0) + " km",
                       "near");
  return std::pair{Position{*lat, *lon}, km};
}

// Reads every page of a HealthcareService search (policy inside), with the
// services' Locations and Organizations.
struct Collected {
  std::map<std::string, Json> services;  // by id
  std::map<std::string, Json> included;  // by "Type/id"
};

Status collect(store::Reader& reader, std::vector<search::Param> params, const store::RowFilter& policy,
               store::Micros now, Collected& out) {
  params.push_back({"_include", "HealthcareService:location"});
  params.push_back({"_include", "HealthcareService:organization"});
  if (search::Registry::current()->find(kHealthcareService, codes::kCoverageParam))
    params.push_back({"_include", "HealthcareService:" + std::string(codes::kCoverageParam)});
  params.push_back({"_count", "1000"});
  params.push_back({"_total", "none"});
  std::string cursor;
  for (;;) {
    search::SearchRequest req;
    req.types = {std::string(kHealthcareService)};
    req.params = params;
    if (!cursor.empty()) req.params.push_back({"_cursor", cursor});
    req.strict = true;
    req.policy = policy;
    req.now = now;
    auto r = search::execute(reader, req);
    if (!r) return std::move(r).error();
    for (const auto& h : r->page.hits) {
      auto j = parse_json(h.body);
      if (!j) return internal_error("Stored resource HealthcareService/" + h.id + " is unreadable");
      out.services.emplace(h.id, std::move(*j));
    }
    if (out.services.size() > kMaxCandidates)
      return Error(422, "too-costly",
                   "Plus de " + std::to_string(kMaxCandidates) +
                       " services répondent : précisez la recherche (near, specialty, service-type)");
    for (const auto& h : r->page.included) {
      auto j = parse_json(h.body);
      if (!j) return internal_error("Stored resource " + h.type + "/" + h.id + " is unreadable");
      out.included.emplace(h.type + "/" + h.id, std::move(*j));
    }
    if (r->next_cursor.empty()) break;
    cursor = r->next_cursor;
  }
  return Status::Ok();
}

// The "Type/id" of the relative references to `type` in `element` (a
// Reference or an array of them), versions dropped ("Location/x/_history/2").
std::vector<std::string> references(const Json& resource, std::string_view element, std::string_view type) {
  std::vector<std::string> out;
  auto add = [&](const Json& ref) {
    std::string_view r = ref.get_string("reference");
    if (r.size() <= type.size() + 1 || r.substr(0, type.size()) != type || r[type.size()] != '/') return;
    out.emplace_back(r.substr(0, r.find('/', type.size() + 1)));
  };
  if (const Json* e = resource.find(element)) {
    if (e->is_array())
      for (const Json& ref : e->as_array()) add(ref);
    else if (e->is_object())
      add(*e);
  }
  return out;
}

}  // namespace

Result<FindRequest> parse_find_request(const std::vector<search::Param>& params, store::Micros now) {
  FindRequest req;
  std::set<std::string> seen;
  for (const auto& p : params) {
    if (p.name == "_format" || p.name == "_pretty") continue;
    const bool filter = std::find(std::begin(kFilters), std::end(kFilters), p.name) != std::end(kFilters);
    if (!filter && !seen.insert(p.name).second)
      return bad_request("Paramètre " + p.name + " donné deux fois", p.name);
    if (p.value.empty()) return bad_request("Paramètre " + p.name + " vide", p.name);
    if (filter) {
      req.filters.push_back(p);
    } else if (p.name == "near") {
      auto n = parse_near(p.value);
      if (!n) return std::move(n).error();
      req.near = n->first;
      req.radius_km = n->second;
    } else if (p.name == "accepting") {
      if (p.value != "true" && p.value != "false")
        return bad_request("Paramètre accepting invalide (" + p.value + ") : true ou false", p.name);
      req.filters.push_back({std::string(codes::kAcceptingParam), p.value});
    } else if (p.name == "language") {
      req.filters.push_back({std::string(codes::kLanguageParam), p.value});
    } else if (p.name == "open") {
      if (p.value == "now") {
        req.open = to_paris(now);
      } else {
        req.open = parse_local_time(p.value);
        if (!req.open)
          return bad_request("Paramètre open invalide (" + p.value +
                                 ") : une date et une heure de Paris AAAA-MM-JJThh:mm, ou now",
                             p.name);
      }
    } else if (p.name == "_count") {
      int n = 0;
      auto r = std::from_chars(p.value.data(), p.value.data() + p.value.size(), n);
      if (r.ec != std::errc() || r.ptr != p.value.data() + p.value.size() || n < 1 || n > kMaxCount)
        return bad_request(
            "Paramètre _count invalide (" + p.value + ") : entre 1 et " + std::to_string(kMaxCount), p.name);
      req.count = n;
    } else {
      return bad_request(
          "Paramètre inconnu " + p.name +
              " (near, specialty, service-type, service-category, characteristic, organization, name, "
              "accepting, language, open, _count)",
          p.name);
    }
    req.applied.push_back(p);
  }
  return req;
}

Result<FindResult> find_services(store::Reader& reader, const FindRequest& request,
                                 const store::RowFilter& policy, store::Micros now) {
  std::vector<search::Param> base = request.filters;
  // R4: a service without `active` is active (HealthcareService.active, "meaning if missing").
  base.push_back({"active:not", "false"});
  Collected found;
  if (request.near) {
    // Services with a place within the radius: their own Location, or a
    // Location of their coverage area (a SSIAD, the DAC, a home-visit service).
    const std::string near = decimal_text(request.near->latitude, 6) + "|" +
                             decimal_text(request.near->longitude, 6) + "|" +
                             decimal_text(request.radius_km, 6) + "|km";
    auto at_place = base;
    at_place.push_back({"location.near", near});
    if (auto s = collect(reader, at_place, policy, now, found); !s) return std::move(s).error();
    if (search::Registry::current()->find(kHealthcareService, codes::kCoverageParam)) {
      auto covering = base;
      covering.push_back({std::string(codes::kCoverageParam) + ".near", near});
      if (auto s = collect(reader, covering, policy, now, found); !s) return std::move(s).error();
    }
  } else {
    if (auto s = collect(reader, base, policy, now, found); !s) return std::move(s).error();
  }

  auto included_resource = [&](const std::string& ref) -> const Json* {
    auto it = found.included.find(ref);
    return it == found.included.end() ? nullptr : &it->second;
  };
  std::vector<FoundService> matches;
  for (auto& [id, service] : found.services) {
    FoundService m;
    m.id = id;
    const std::vector<std::string> own = references(service, "location", "Location");
    if (request.near) {
      // The distance to the nearest place the service works at or covers.
      std::vector<std::string> places = own;
      for (auto& c : references(service, "coverageArea", "Location")) places.push_back(std::move(c));
      for (const auto& ref : places)
        if (const Json* l = included_resource(ref))
          if (auto pos = position_of(*l)) {
            const double d = distance_km(*request.near, *pos);
            if (!m.distance_km || d < *m.distance_km) m.distance_km = d;
          }
      // The engine's bounding test and this one use the same formula; the
      // margin only absorbs rounding.
      if (!m.distance_km || *m.distance_km > request.radius_km + 1e-6) continue;
    }
    if (request.open) {
      Availability a = availability_of(service);
      if (!a.known()) {
        // No hours of its own: the hours of its site, with its own closures.
        for (const auto& ref : own)
          if (const Json* l = included_resource(ref)) {
            Availability site = availability_of(*l);
            if (site.known()) {
              a.weekly = std::move(site.weekly);
              break;
            }
          }
      }
      if (!is_open(a, *request.open)) continue;
    }
    m.resource = std::move(service);
    matches.push_back(std::move(m));
  }
  std::sort(matches.begin(), matches.end(), [](const FoundService& a, const FoundService& b) {
    if (a.distance_km && b.distance_km && *a.distance_km != *b.distance_km)
      return *a.distance_km < *b.distance_km;
    std::string_view na = a.resource.get_string("name"), nb = b.resource.get_string("name");
    if (na != nb) return na < nb;
    return a.id < b.id;
  });

  FindResult out;
  out.total = matches.size();
  if (matches.size() > static_cast<std::size_t>(request.count))
    matches.resize(static_cast<std::size_t>(request.count));
  std::set<std::string> included;
  for (const FoundService& m : matches) {
    std::vector<std::string> refs = references(m.resource, "location", "Location");
    for (auto& o : references(m.resource, "providedBy", "Organization")) refs.push_back(std::move(o));
    for (const auto& ref : refs)
      if (const Json* r = included_resource(ref); r && included.insert(ref).second)
        out.included.push_back(*r);
  }
  out.matches = std::move(matches);
  return out;
}

Json find_bundle(const FindResult& result, const std::string& base_url, const std::string& self_url) {
  Json bundle = Json::object();
  bundle.set("resourceType", "Bundle");
  bundle.set("type", "searchset");
  bundle.set("total", static_cast<std::int64_t>(result.total));
  Json self = Json::object();
  self.set("relation", "self");
  self.set("url", self_url);
  bundle.set("link", Json::Array{std::move(self)});
  Json entries = Json::array();
  auto entry = [&](const Json& resource, std::string_view mode, std::optional<double> km) {
    Json e = Json::object();
    e.set("fullUrl", base_url + "/" + std::string(resource.get_string("resourceType")) + "/" +
                         std::string(resource.get_string("id")));
    e.set("resource", resource);
    Json search = Json::object();
    if (km) {
      Json distance = Json::object();
      distance.set("value", Json::number_text(decimal_text(*km, 2)));
      distance.set("unit", "km");
      distance.set("system", "http://unitsofmeasure.org");
      distance.set("code", "km");
      Json ext = Json::object();
      ext.set("url", codes::kLocationDistance);
      ext.set("valueDistance", std::move(distance));
      search.set("extension", Json::Array{std::move(ext)});
    }
    search.set("mode", mode);
    e.set("search", std::move(search));
    entries.push_back(std::move(e));
  };
  for (const FoundService& m : result.matches) entry(m.resource, "match", m.distance_km);
  for (const Json& r : result.included) entry(r, "include", std::nullopt);
  if (!entries.as_array().empty()) bundle.set("entry", std::move(entries));
  return bundle;
}

}  // namespace parcours::directory
