// The built-in OAuth 2.0 / OpenID Connect authorization server at /auth, and
// the discovery documents:
//   GET  /.well-known/openid-configuration        OIDC discovery
//   GET  /fhir/.well-known/smart-configuration    SMART App Launch v2
//   GET  /auth/jwks                               signing keys (JWKS)
//   GET  /auth/authorize  POST /auth/authorize    login page (code + PKCE S256)
//   POST /auth/token                              authorization_code, refresh_token, client_credentials
//   POST /auth/revoke                             RFC 7009
//   POST /auth/introspect                         RFC 7662
//   GET  /auth/userinfo                           OIDC
//   GET  /auth/sessions   DELETE /auth/sessions/{id}   the owner's sessions
// Never logs a token, a password, a code or a secret.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "api/http_server.h"
#include "security/services.h"

namespace parcours::api {

struct AuthApiOptions {
  std::string base_url;  // public FHIR base ("https://x/fhir"); empty: from Host
};

class AuthApi {
 public:
  AuthApi(security::Services& security, AuthApiOptions options);
  ~AuthApi();
  // Whether `path` is served here rather than by the FHIR API.
  static bool handles(std::string_view path);
  void handle(const HttpRequest& request, HttpResponse& response);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parcours::api
