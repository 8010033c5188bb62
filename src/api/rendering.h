// How resources are rendered in responses: HTTP status lines and dates,
// ETags, and the _summary / _elements views (FHIR R4 §3.1.1.5.7-8 / search).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"
#include "store/store.h"

namespace parcours::api {

// "201 Created", as Bundle.entry.response.status wants it.
std::string status_line(int status);
// RFC 7231 IMF-fixdate, e.g. "Thu, 26 Nov 2026 10:15:30 GMT".
std::string http_date(store::Micros t);
// Parses an IMF-fixdate into seconds since the epoch; nullopt if malformed.
std::optional<std::int64_t> parse_http_date(std::string_view text);
std::string weak_etag(std::int64_t version);  // W/"3"

enum class Summary { False, True, Text, Data, Count };
// Parses the _summary value; 400 on anything else.
Result<Summary> parse_summary(std::string_view value);

// Reduces `resource` to its summary view. Marks the result SUBSETTED in
// meta.tag (R4 §3.1.1.5.7) unless the mode is False.
void apply_summary(Json& resource, Summary mode);
// Keeps only the listed top-level elements plus the mandatory ones
// (resourceType, id, meta); marks SUBSETTED.
void apply_elements(Json& resource, const std::vector<std::string>& elements);

}  // namespace parcours::api
