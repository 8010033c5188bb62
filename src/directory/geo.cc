#include "directory/geo.h"

#include <algorithm>
#include <cmath>

namespace parcours::directory {

double distance_km(Position a, Position b) {
  constexpr double kEarthRadiusKm = 6371.0088;
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  const double dlat = (b.latitude - a.latitude) * kRad;
  const double dlon = (b.longitude - a.longitude) * kRad;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(a.latitude * kRad) *
                                                                 std::cos(b.latitude * kRad) *
                                                                 std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

std::optional<Position> position_of(const Json& location) {
  const Json* p = location.find("position");
  if (!p || !p->is_object()) return std::nullopt;
  const Json* lat = p->find("latitude");
  const Json* lon = p->find("longitude");
  if (!lat || !lon) return std::nullopt;
  auto la = lat->to_double(), lo = lon->to_double();
  if (!la || !lo || *la < -90 || *la > 90 || *lo < -180 || *lo > 180) return std::nullopt;
  return Position{*la, *lo};
}

}  // namespace parcours::directory
