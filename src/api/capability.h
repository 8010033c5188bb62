// The server's CapabilityStatement (R4 §3.1.0.12). It lists only what this
// build really implements: keep it in step with the router.
#pragma once

#include <string>

#include "fhir/json.h"

namespace parcours::api {

Json capability_statement(const std::string& base_url, const std::string& software_version);

}  // namespace parcours::api
