// Finding a service for a patient: GET /fhir/HealthcareService/$find
// (api/directory_ops.h). "Which cardiology consultation, open on Saturday
// morning, within 15 km of the patient's home, speaks Dutch?" — the brief's
// "find the service or person needed at each moment of the pathway" (seed
// 003 [501]-[506]).
//
// R4 search alone gets close (HealthcareService?location.near=...&specialty=
// ...) but cannot order by distance nor ask about opening hours. This runs
// the R4 searches through the search engine (policy inside, no SQL here),
// then computes the distance to each service's nearest place and its
// opening at the given moment.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "directory/geo.h"
#include "directory/paris_time.h"
#include "fhir/json.h"
#include "search/query.h"
#include "store/store.h"

namespace parcours::directory {

inline constexpr int kDefaultCount = 20;
inline constexpr int kMaxCount = 100;
inline constexpr double kDefaultRadiusKm = 10;
inline constexpr double kMaxRadiusKm = 250;  // a region; the Nord is under 200 km end to end
// The services a request may have to rank (all of them are read to order by
// distance); beyond, the request must be narrowed.
inline constexpr std::size_t kMaxCandidates = 5000;

struct FindRequest {
  std::optional<Position> near;
  double radius_km = kDefaultRadiusKm;
  // Search parameters of HealthcareService, as given (specialty, service-type,
  // service-category, characteristic, organization, name) or translated
  // (accepting, language).
  std::vector<search::Param> filters;
  std::optional<LocalTime> open;
  int count = kDefaultCount;
  std::vector<search::Param> applied;  // the request's parameters, for the self link
};

// Parameters (each at most once, except the search filters, ANDed when
// repeated; 400 naming the parameter otherwise):
//   near      latitude|longitude[|distance[|units]], units km (default), m or
//             [mi_i]; default distance 10 km, at most 250 km
//   specialty, service-type, service-category, characteristic, organization,
//   name      the R4 HealthcareService search parameters
//   accepting true|false: accepts new patients (extension, codes.h)
//   language  a BCP-47 code (fr, en, nl, ar...): HealthcareService.communication
//   open      YYYY-MM-DDThh:mm, Paris wall-clock time, or "now"
//   _count    1..100, default 20
// `now` serves open=now.
Result<FindRequest> parse_find_request(const std::vector<search::Param>& params, store::Micros now);

struct FoundService {
  std::string id;
  Json resource;
  std::optional<double> distance_km;  // with `near`
};

struct FindResult {
  std::vector<FoundService> matches;  // ordered, at most `count`
  std::size_t total = 0;              // every match, before the cut at `count`
  std::vector<Json> included;         // the matches' Locations and Organizations
};

// Runs the request with the caller's policy inside every search. Order: by
// distance (then name, then id) with `near`, else by name then id.
Result<FindResult> find_services(store::Reader& reader, const FindRequest& request,
                                 const store::RowFilter& policy, store::Micros now);

// The searchset Bundle: the matches (search.mode match, with the distance
// as the R4 extension location-distance), then their Locations and
// Organizations (mode include).
Json find_bundle(const FindResult& result, const std::string& base_url, const std::string& self_url);

}  // namespace parcours::directory
