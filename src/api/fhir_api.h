// The FHIR R4 REST API at /fhir: authentication, content negotiation,
// routing to interactions, bundles and history, and rendering of results and
// errors (every error is an OperationOutcome with the right status).
#pragma once

#include <memory>
#include <string>

#include "api/http_server.h"
#include "store/store.h"

namespace parcours::security {
class Services;
}

namespace parcours::api {

struct FhirApiOptions {
  // PARCOURS_ADMIN_TOKEN: a bearer token granting full access. Empty: no
  // bootstrap access (every request without a user token gets 401).
  std::string admin_token;
  // Public base URL, e.g. "https://parcours.example.fr/fhir". Empty: derived
  // from the Host header of each request.
  std::string base_url;
  std::size_t max_json_depth = 64;
  // Accounts, tokens, access policy and audit (security/services.h). Without
  // it only the bootstrap token authenticates, and the policy refuses all.
  security::Services* security = nullptr;
  std::string software_version = "0.1.0";
};

class FhirApi {
 public:
  FhirApi(store::Store& store, FhirApiOptions options);
  ~FhirApi();
  // The HttpHandler: thread-safe.
  void handle(const HttpRequest& request, HttpResponse& response);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parcours::api
