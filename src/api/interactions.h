// The FHIR RESTful interactions (R4 §3.1.0), independent of HTTP framing so
// that direct requests and Bundle entries share one implementation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "coordination/workflow/rules.h"
#include "fhir/json.h"
#include "security/caller.h"
#include "store/store.h"

namespace parcours::api {

// What an interaction produced: the HTTP status plus, when a version is
// involved, the stored version (for ETag, Last-Modified, Location and body).
struct InteractionResult {
  int status = 200;
  std::optional<store::ResourceVersion> version;  // stored/current version
  std::optional<Json> outcome;                    // OperationOutcome to return, if any
  bool created = false;
};

// Parses and checks a request body: JSON, a resource of `expected_type`, and
// valid against the R4 definitions. Errors are 400 with located issues.
Result<Json> parse_resource_body(std::string_view body, std::string_view expected_type,
                                 std::size_t max_depth);
// Same checks on an already parsed resource (Bundle entries).
Status check_resource(const Json& resource, std::string_view expected_type);

// Parses an If-Match value (W/"3" or "3"); 400 when malformed.
Result<std::optional<std::int64_t>> parse_if_match(std::string_view header);

// Each function expects an already checked resource where one is passed.
Result<InteractionResult> create(const security::RequestContext& ctx, store::Writer& w, std::string_view type,
                                 std::string_view new_id, Json resource);
Result<InteractionResult> update(const security::RequestContext& ctx, store::Writer& w, std::string_view type,
                                 std::string_view id, Json resource, std::optional<std::int64_t> if_match);
Result<InteractionResult> patch(const security::RequestContext& ctx, store::Writer& w, std::string_view type,
                                std::string_view id, const Json& json_patch,
                                std::optional<std::int64_t> if_match);
Result<InteractionResult> remove(const security::RequestContext& ctx, store::Writer& w, std::string_view type,
                                 std::string_view id, std::optional<std::int64_t> if_match);
Result<InteractionResult> read(const security::RequestContext& ctx, store::Reader& r, std::string_view type,
                               std::string_view id);
Result<InteractionResult> vread(const security::RequestContext& ctx, store::Reader& r, std::string_view type,
                                std::string_view id, std::string_view version_id);

// Writes the resources a coordination rule or operation produced, each with
// the caller's access checks and audit, in the unit of `w`.
Status write_effects(const security::RequestContext& ctx, store::Writer& w,
                     std::vector<coordination::Effect>& effects);

// Validates a logical id (FHIR R4 §2.24.0.1 "id" type); 400 otherwise.
Status check_id(std::string_view id, std::string_view where);
// Checks that `type` is a known concrete resource type; 404 otherwise (the
// spec says an unknown type in the URL is "not found").
Status check_type(std::string_view type);

}  // namespace parcours::api
