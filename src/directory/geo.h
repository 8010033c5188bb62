// Distances on the Earth's surface, for "near the patient's home".
#pragma once

#include <optional>

#include "fhir/json.h"

namespace parcours::directory {

// WGS84 degrees, as FHIR Location.position (R4 §8.3, "position").
struct Position {
  double latitude = 0;
  double longitude = 0;
};

// Great-circle distance in km (haversine, on a sphere of the IUGG mean
// radius 6,371.0088 km: the error against the WGS84 ellipsoid stays under
// 0.5 %, nothing at the scale of a care territory). The search engine's
// `near` uses the same formula and radius (store/sqlite/sqlite_search.cc),
// so a Location it returns is within the distance computed here.
double distance_km(Position a, Position b);

// Location.position, when both coordinates are there and in range.
std::optional<Position> position_of(const Json& location);

}  // namespace parcours::directory
