#include "api/auth_api.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "api/query_string.h"
#include "base/text.h"
#include "fhir/json.h"
#include "search/text.h"
#include "security/clock.h"
#include "security/crypto.h"
#include "security/guard.h"

namespace parcours::api {
namespace {

using security::Micros;

std::string ip_of(std::string_view remote) {
  if (!remote.empty() && remote.front() == '[') {
    auto close = remote.find(']');
    return std::string(remote.substr(1, close == std::string_view::npos ? remote.size() - 1 : close - 1));
  }
  auto colon = remote.rfind(':');
  return std::string(colon == std::string_view::npos ? remote : remote.substr(0, colon));
}

std::map<std::string, std::string> form_of(std::string_view text) {
  std::map<std::string, std::string> out;
  auto params = parse_query(text);
  if (!params) return out;
  for (auto& p : *params) out.emplace(std::move(p.name), std::move(p.value));  // first wins
  return out;
}

std::string get(const std::map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

// In-memory back-off for client authentication failures per IP address
// (token, revoke, introspect): 30 failures in 10 minutes block 10 minutes.
class FailureLimiter {
 public:
  bool blocked(const std::string& ip, Micros now) {
    std::lock_guard lock(mu_);
    auto it = map_.find(ip);
    return it != map_.end() && it->second.blocked_until > now;
  }
  void fail(const std::string& ip, Micros now) {
    std::lock_guard lock(mu_);
    if (map_.size() > 100000) map_.clear();  // bounded memory under a spray of addresses
    auto& e = map_[ip];
    if (now - e.window_start > 10 * security::kMinute) {
      e.window_start = now;
      e.failures = 0;
    }
    if (++e.failures >= 30) e.blocked_until = now + 10 * security::kMinute;
  }

 private:
  struct Entry {
    Micros window_start = 0, blocked_until = 0;
    int failures = 0;
  };
  std::mutex mu_;
  std::map<std::string, Entry> map_;
};

const char* kPageStyle =
    "body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;line-height:1.5;"
    "color:#111}label{display:block;margin-top:1rem;font-weight:600}.en{color:#444;font-weight:normal}"
    "input{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box;border:1px solid #555}"
    "button{margin-top:1.5rem;font-size:1rem;padding:.6rem 1.2rem}"
    "[role=alert]{border:2px solid #a00;padding:.5rem;margin-top:1rem}:focus{outline:3px solid #1a5fb4}"
    "fieldset{margin-top:1rem;border:1px solid #555}.patient{margin:.4rem 0}"
    ".patient input{width:auto;margin-right:.5rem}.patient label{display:inline;font-weight:normal}"
    "button+button{margin-left:.5rem}";

// RFC 7523 §2.2: the client_assertion_type of private_key_jwt.
constexpr std::string_view kJwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// The picker shows at most this many patients; beyond, it asks to refine.
constexpr int kPickerCap = 50;

}  // namespace

struct AuthApi::Impl {
  security::Services& sec;
  AuthApiOptions options;
  FailureLimiter limiter;

  Impl(security::Services& s, AuthApiOptions o) : sec(s), options(std::move(o)) {}

  std::string origin(const HttpRequest& req) const {
    if (!options.base_url.empty()) {
      std::string b = options.base_url;
      if (b.ends_with("/fhir")) b.resize(b.size() - 5);
      return b;
    }
    return request_origin(req);
  }
  std::string issuer(const HttpRequest& req) const { return origin(req) + "/auth"; }

  // --- responses ---------------------------------------------------------------

  static void no_store(HttpResponse& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_header("Pragma", "no-cache");
  }
  static void json(HttpResponse& res, int status, const Json& body) {
    res.status = status;
    res.set_header("Content-Type", "application/json");
    no_store(res);
    res.body = body.dump();
  }
  static void oauth_error(HttpResponse& res, const security::OAuthError& e) {
    Json b = Json::object();
    b.set("error", e.error);
    if (!e.description.empty()) b.set("error_description", e.description);
    json(res, e.status, b);
    if (e.status == 401) res.set_header("WWW-Authenticate", "Basic realm=\"parcours\"");
  }
  static void oauth_error(HttpResponse& res, int status, const char* error, std::string description) {
    oauth_error(res, security::OAuthError{status, error, std::move(description)});
  }
  static void html(HttpResponse& res, int status, std::string body) {
    res.status = status;
    res.set_header("Content-Type", "text/html; charset=utf-8");
    res.set_header("Content-Security-Policy",
                   "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "no-referrer");
    no_store(res);
    res.body = std::move(body);
  }

  void audit(const HttpRequest& req, std::string_view category, std::string_view subtype, std::string agent,
             std::string outcome, std::string reason, std::string patient = {}) {
    security::RequestContext ctx;
    ctx.caller.subject = std::move(agent);
    ctx.request_id = std::string(req.header("X-Request-Id")).substr(0, 64);
    ctx.remote = req.remote;
    auto r = security::audit_record(ctx, category, "E", subtype);
    r.agent_kind = "person";
    r.outcome = std::move(outcome);
    r.reason = std::move(reason);
    r.patient = std::move(patient);
    r.purpose = "";
    sec.audit->record(std::move(r));
  }

  // --- discovery ---------------------------------------------------------------

  Json scopes_supported() const {
    Json a = Json::array();
    for (const char* s :
         {"openid", "fhirUser", "profile", "launch/patient", "offline_access", "online_access",
          "patient/*.rs", "patient/*.cruds", "user/*.rs", "user/*.cruds", "system/*.rs", "system/*.cruds"})
      a.push_back(s);
    return a;
  }

  static Json auth_methods() {
    return Json::Array{Json("client_secret_basic"), Json("client_secret_post"), Json("private_key_jwt"),
                       Json("none")};
  }

  void openid_configuration(const HttpRequest& req, HttpResponse& res) {
    std::string iss = issuer(req);
    Json d = Json::object();
    d.set("issuer", iss);
    d.set("authorization_endpoint", iss + "/authorize");
    d.set("token_endpoint", iss + "/token");
    d.set("jwks_uri", iss + "/jwks");
    d.set("userinfo_endpoint", iss + "/userinfo");
    d.set("revocation_endpoint", iss + "/revoke");
    d.set("introspection_endpoint", iss + "/introspect");
    d.set("response_types_supported", Json::Array{Json("code")});
    d.set("grant_types_supported",
          Json::Array{Json("authorization_code"), Json("refresh_token"), Json("client_credentials")});
    d.set("code_challenge_methods_supported", Json::Array{Json("S256")});
    d.set("token_endpoint_auth_methods_supported", auth_methods());
    d.set("token_endpoint_auth_signing_alg_values_supported", Json::Array{Json("ES256"), Json("RS384")});
    d.set("subject_types_supported", Json::Array{Json("public")});
    d.set("id_token_signing_alg_values_supported", Json::Array{Json("ES256"), Json("RS256")});
    d.set("scopes_supported", scopes_supported());
    d.set("claims_supported",
          Json::Array{Json("sub"), Json("iss"), Json("aud"), Json("exp"), Json("iat"), Json("nonce"),
                      Json("auth_time"), Json("amr"), Json("fhirUser"), Json("name")});
    d.set("ui_locales_supported", Json::Array{Json("fr"), Json("en")});
    json(res, 200, d);
    res.set_header("Cache-Control", "max-age=300");
  }

  void smart_configuration(const HttpRequest& req, HttpResponse& res) {
    std::string iss = issuer(req);
    Json d = Json::object();
    d.set("issuer", iss);
    d.set("jwks_uri", iss + "/jwks");
    d.set("authorization_endpoint", iss + "/authorize");
    d.set("token_endpoint", iss + "/token");
    d.set("revocation_endpoint", iss + "/revoke");
    d.set("introspection_endpoint", iss + "/introspect");
    d.set("userinfo_endpoint", iss + "/userinfo");
    d.set("management_endpoint", iss + "/sessions");
    d.set("grant_types_supported",
          Json::Array{Json("authorization_code"), Json("refresh_token"), Json("client_credentials")});
    d.set("token_endpoint_auth_methods_supported", auth_methods());
    // SMART App Launch v2 Backend Services: servers accept ES256 and RS384.
    d.set("token_endpoint_auth_signing_alg_values_supported", Json::Array{Json("ES256"), Json("RS384")});
    d.set("scopes_supported", scopes_supported());
    d.set("response_types_supported", Json::Array{Json("code")});
    d.set("code_challenge_methods_supported", Json::Array{Json("S256")});
    Json caps = Json::array();
    for (const char* c : {"launch-standalone", "client-public", "client-confidential-symmetric",
                          "client-confidential-asymmetric", "sso-openid-connect",
                          "context-standalone-patient", "permission-offline", "permission-online",
                          "permission-patient", "permission-user", "permission-v1", "permission-v2"})
      caps.push_back(c);
    d.set("capabilities", std::move(caps));
    json(res, 200, d);
    res.set_header("Cache-Control", "max-age=300");
  }

  // --- the login page ------------------------------------------------------------

  struct AuthzRequest {
    std::string client_id, redirect_uri, scope, state, challenge, method, nonce, response_type, aud;
  };

  static AuthzRequest authz_of(const std::map<std::string, std::string>& m) {
    return {get(m, "client_id"), get(m, "redirect_uri"),   get(m, "scope"),
            get(m, "state"),     get(m, "code_challenge"), get(m, "code_challenge_method"),
            get(m, "nonce"),     get(m, "response_type"),  get(m, "aud")};
  }

  // Binds the form to its parameters and to a 10-minute window, so a login
  // cannot be forged from another site (login CSRF) nor its parameters changed.
  std::string form_token(const AuthzRequest& a, Micros expires) const {
    std::string data = a.client_id + "\n" + a.redirect_uri + "\n" + a.scope + "\n" + a.state + "\n" +
                       a.challenge + "\n" + a.nonce + "\n" + std::to_string(expires);
    return std::to_string(expires) + "." +
           security::base64url_encode(security::hmac_sha256(sec.box->derive("login-form"), data));
  }
  bool form_token_ok(const AuthzRequest& a, std::string_view token) const {
    auto dot = token.find('.');
    if (dot == std::string_view::npos) return false;
    Micros expires = std::atoll(std::string(token.substr(0, dot)).c_str());
    if (expires <= security::Clock::now()) return false;
    return security::same_secret(form_token(a, expires), token);
  }

  static std::string hidden(const char* name, const std::string& v) {
    return "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" + html_escape(v) + "\">\n";
  }
  // The authorization request, carried through the forms unchanged.
  static std::string authz_fields(const AuthzRequest& a) {
    return hidden("response_type", a.response_type) + hidden("client_id", a.client_id) +
           hidden("redirect_uri", a.redirect_uri) + hidden("scope", a.scope) + hidden("state", a.state) +
           hidden("code_challenge", a.challenge) + hidden("code_challenge_method", a.method) +
           hidden("nonce", a.nonce) + hidden("aud", a.aud);
  }

  std::string login_page(const AuthzRequest& a, const std::string& client_name,
                         const std::string& error) const {
    std::string p =
        "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>Connexion — Parcours</title>\n<style>";
    p += kPageStyle;
    p += "</style>\n</head>\n<body>\n<main>\n<h1>Connexion à Parcours <span lang=\"en\" class=\"en\">/ Sign "
         "in to "
         "Parcours</span></h1>\n";
    p += "<p>L'application « " + html_escape(client_name) +
         " » demande à accéder à Parcours en votre nom. <span lang=\"en\" class=\"en\">The application “" +
         html_escape(client_name) + "” asks to access Parcours on your behalf.</span></p>\n";
    if (!error.empty()) p += "<div role=\"alert\" id=\"error\">" + html_escape(error) + "</div>\n";
    p += "<form method=\"post\" action=\"/auth/authorize\"";
    if (!error.empty()) p += " aria-describedby=\"error\"";
    p += ">\n";
    p += authz_fields(a);
    p += hidden("form", form_token(a, security::Clock::now() + 10 * security::kMinute));
    p += "<label for=\"username\">Identifiant <span lang=\"en\" class=\"en\">/ Username</span></label>\n"
         "<input id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus "
         "autocapitalize=\"none\" spellcheck=\"false\">\n"
         "<label for=\"password\">Mot de passe <span lang=\"en\" class=\"en\">/ Password</span></label>\n"
         "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" "
         "required>\n"
         "<label for=\"totp\">Code à usage unique, à 6 chiffres, de votre application d'authentification "
         "(professionnels et administrateurs) <span lang=\"en\" class=\"en\">/ 6-digit one-time code from "
         "your "
         "authenticator app (professionals and administrators)</span></label>\n"
         "<input id=\"totp\" name=\"totp\" inputmode=\"numeric\" autocomplete=\"one-time-code\" "
         "pattern=\"[0-9]{6}\" maxlength=\"6\">\n"
         "<button type=\"submit\">Se connecter <span lang=\"en\">/ Sign in</span></button>\n</form>\n"
         "<p>Pas d'accès numérique ? Votre coordinateur de parcours peut agir pour vous. <span lang=\"en\" "
         "class=\"en\">No digital access? Your care coordinator can act for you.</span></p>\n"
         "</main>\n</body>\n</html>\n";
    return p;
  }

  // --- the patient picker (SMART App Launch v2, standalone launch) ---------------
  //
  // After a professional's login, when the app asked for launch/patient: the
  // patients they may open now, chosen on a form bound by HMAC to the
  // account, the authorization request, 10 minutes and a one-time id (used
  // once, so one login yields one code). The choice is re-checked against
  // the care relationships when it comes back.

  std::string pick_token(const AuthzRequest& a, const std::string& account, Micros expires,
                         const std::string& once) const {
    std::string data = account + "\n" + a.client_id + "\n" + a.redirect_uri + "\n" + a.scope + "\n" +
                       a.state + "\n" + a.challenge + "\n" + a.nonce + "\n" + std::to_string(expires) + "\n" +
                       once;
    return std::to_string(expires) + "." + once + "." +
           security::base64url_encode(security::hmac_sha256(sec.box->derive("patient-picker"), data));
  }
  // The token's expiry and one-time id when it is genuine and current.
  std::optional<std::pair<Micros, std::string>> pick_token_ok(const AuthzRequest& a,
                                                              const std::string& account,
                                                              std::string_view token) const {
    auto d1 = token.find('.');
    auto d2 = d1 == std::string_view::npos ? d1 : token.find('.', d1 + 1);
    if (d2 == std::string_view::npos) return std::nullopt;
    Micros expires = std::atoll(std::string(token.substr(0, d1)).c_str());
    std::string once(token.substr(d1 + 1, d2 - d1 - 1));
    if (expires <= security::Clock::now() || once.empty()) return std::nullopt;
    if (!security::same_secret(pick_token(a, account, expires, once), token)) return std::nullopt;
    return std::make_pair(expires, once);
  }

  static bool wants_picker(const store::Account& acc, const store::Client& c, const AuthzRequest& a) {
    if (!security::TokenService::picks_patient(acc)) return false;
    auto want =
        security::Scopes::parse(a.scope.empty() ? std::string_view(c.scopes) : std::string_view(a.scope));
    return security::Scopes::intersect(want, security::Scopes::parse(c.scopes)).has("launch/patient");
  }

  // The page; `status` answers 200, or 4xx with `error` shown.
  void picker_page(HttpResponse& res, int status, const AuthzRequest& a, const store::Client& c,
                   const store::Account& acc, const std::string& query, const std::string& token,
                   const std::string& error) {
    std::string prefix = search::fold(query);
    auto found = sec.tokens->pickable_patients(acc, prefix, kPickerCap, 0);
    if (!found) {
      unavailable(res);
      return;
    }
    bool more = static_cast<int>(found->size()) > kPickerCap;
    if (more) found->resize(kPickerCap);
    std::string fields = authz_fields(a) + hidden("account", acc.id) + hidden("pick", token);
    std::string p =
        "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>Choix du patient — Parcours</title>\n<style>";
    p += kPageStyle;
    p +=
        "</style>\n</head>\n<body>\n<main>\n<h1>Choisir un patient <span lang=\"en\" class=\"en\">/ Choose a "
        "patient</span></h1>\n";
    p += "<p>L'application « " + html_escape(c.name) +
         " » travaille sur le dossier d'un patient. Sont proposés les patients que vous pouvez consulter "
         "aujourd'hui : ceux dont vous êtes membre de l'équipe de soins ou le médecin traitant, ou pour "
         "lesquels une demande de prise en charge vous est adressée. <span lang=\"en\" class=\"en\">The "
         "application “" +
         html_escape(c.name) +
         "” works on one patient's record. Listed are the patients you may open today: those whose care "
         "team you are in, whose GP you are, or for whom a referral is addressed to you.</span></p>\n";
    if (!error.empty()) p += "<div role=\"alert\" id=\"error\">" + html_escape(error) + "</div>\n";
    p +=
        "<form method=\"post\" action=\"/auth/authorize\" role=\"search\">\n" + fields +
        "<label for=\"q\">Rechercher par nom <span lang=\"en\" class=\"en\">/ Search by name</span></label>\n"
        "<input id=\"q\" name=\"q\" value=\"" +
        html_escape(query) +
        "\" autocomplete=\"off\" spellcheck=\"false\" maxlength=\"100\">\n"
        "<button type=\"submit\" name=\"action\" value=\"search\">Rechercher <span lang=\"en\">/ "
        "Search</span></button>\n</form>\n";
    if (found->empty()) {
      p += "<p role=\"status\">" +
           std::string(
               prefix.empty()
                   ? "Aucun patient ne vous est accessible aujourd'hui. Vous pouvez continuer sans "
                     "patient (l'application n'aura pas d'accès « patient/ ») ou annuler. <span "
                     "lang=\"en\" class=\"en\">No patient is accessible to you today. You may continue "
                     "without a patient (the application gets no “patient/” access) or cancel.</span>"
                   : "Aucun patient accessible ne correspond à cette recherche. <span lang=\"en\" "
                     "class=\"en\">No accessible patient matches this search.</span>") +
           "</p>\n";
    } else {
      p += "<form method=\"post\" action=\"/auth/authorize\">\n" + fields + hidden("q", query) +
           "<fieldset>\n<legend>Patients accessibles <span lang=\"en\" class=\"en\">/ Accessible "
           "patients</span></legend>\n";
      int n = 0;
      for (const auto& pt : *found) {
        std::string id = "p" + std::to_string(n++);
        std::string label = html_escape(pt.name.empty() ? "(sans nom / no name)" : pt.name);
        if (!pt.birth_date.empty())
          label += ", né(e) le <span lang=\"en\" class=\"en\">/ born</span> " + html_escape(pt.birth_date);
        if (!pt.ins.empty()) label += ", INS " + html_escape(pt.ins);
        p += "<div class=\"patient\"><input type=\"radio\" name=\"patient\" id=\"" + id + "\" value=\"" +
             html_escape(pt.id) + "\" required" + (n == 1 ? " autofocus" : "") + "><label for=\"" + id +
             "\">" + label + "</label></div>\n";
      }
      p += "</fieldset>\n";
      if (more)
        p += "<p role=\"status\">Plus de " + std::to_string(kPickerCap) +
             " patients : affinez votre recherche. <span lang=\"en\" class=\"en\">More than " +
             std::to_string(kPickerCap) + " patients: refine your search.</span></p>\n";
      p += "<button type=\"submit\" name=\"action\" value=\"choose\">Choisir ce patient <span "
           "lang=\"en\">/ Choose this patient</span></button>\n</form>\n";
    }
    p += "<form method=\"post\" action=\"/auth/authorize\">\n" + fields +
         "<button type=\"submit\" name=\"action\" value=\"none\">Continuer sans patient <span lang=\"en\">/ "
         "Continue without a patient</span></button>"
         "<button type=\"submit\" name=\"action\" value=\"cancel\">Annuler <span lang=\"en\">/ "
         "Cancel</span></button>\n</form>\n</main>\n</body>\n</html>\n";
    html(res, status, std::move(p));
  }

  void picker_post(const HttpRequest& req, HttpResponse& res, const AuthzRequest& a, const store::Client& c,
                   const std::map<std::string, std::string>& form) {
    std::string account = get(form, "account");
    std::string token = get(form, "pick");
    auto genuine = pick_token_ok(a, account, token);
    auto acc =
        genuine ? sec.store->account_by_id(account) : Result<std::optional<store::Account>>(std::nullopt);
    if (!genuine || !acc || !*acc || !(*acc)->active || !security::TokenService::picks_patient(**acc)) {
      html(res, 400,
           error_page("Le formulaire a expiré ou n'est plus valable : reconnectez-vous depuis l'application.",
                      "The form has expired or is no longer valid: sign in again from the application."));
      return;
    }
    const store::Account& who = **acc;
    std::string action = get(form, "action");
    std::string query = get(form, "q").substr(0, 100);
    if (action == "cancel") {
      // RFC 6749 §4.1.2.1: the resource owner denied the request.
      audit(req, "login", "patient-pick", who.id, "4", "patient choice cancelled for client " + c.id);
      redirect(res, with_query(a.redirect_uri, {{"error", "access_denied"},
                                                {"error_description", "no patient chosen"},
                                                {"state", a.state},
                                                {"iss", issuer(req)}}));
      return;
    }
    std::string picked;
    if (action == "choose") {
      picked = get(form, "patient");
      if (picked.empty()) {
        picker_page(res, 400, a, c, who, query, token, "Choisissez un patient. / Choose a patient.");
        return;
      }
      auto ok = sec.tokens->may_pick(who, picked);
      if (!ok) {
        unavailable(res);
        return;
      }
      if (!*ok) {
        // A patient outside their care relationships: refused and audited,
        // like any access attempt outside the team (docs/security.md §4.6).
        audit(req, "security", "patient-pick", who.id, "4",
              "picker: no care relationship with the chosen patient (client " + c.id + ")",
              picked.substr(0, 64));
        picker_page(res, 403, a, c, who, query, token,
                    "Ce patient ne vous est pas accessible. / This patient is not accessible to you.");
        return;
      }
    } else if (action != "none") {
      picker_page(res, 200, a, c, who, query, token, "");  // a search
      return;
    }
    auto first =
        sec.store->use_once("patient-picker\n" + genuine->second, genuine->first, security::Clock::now());
    if (!first) {
      unavailable(res);
      return;
    }
    if (!*first) {
      html(res, 400,
           error_page("Ce formulaire a déjà servi : reconnectez-vous depuis l'application.",
                      "This form was already used: sign in again from the application."));
      return;
    }
    if (!picked.empty())
      audit(req, "login", "patient-pick", who.id, "0", "launch patient chosen for client " + c.id, picked);
    finish_login(req, res, a, c, who, picked);
  }

  // A one-time code for the login (and the chosen patient), back to the app.
  void finish_login(const HttpRequest& req, HttpResponse& res, const AuthzRequest& a, const store::Client& c,
                    const store::Account& acc, const std::string& picked) {
    security::Scopes granted = sec.tokens->grant(acc, c, a.scope, picked);
    auto code = sec.tokens->issue_code(acc, c, a.redirect_uri, a.challenge, granted, a.nonce, req.remote,
                                       req.header("User-Agent"), picked);
    if (!code) {
      unavailable(res);
      return;
    }
    redirect(res, with_query(a.redirect_uri, {{"code", *code}, {"state", a.state}, {"iss", issuer(req)}}));
  }

  // The store could not answer (busy, I/O): the person may simply retry.
  static void unavailable(HttpResponse& res) {
    html(res, 503,
         error_page("Service momentanément indisponible, réessayez.", "Temporarily unavailable, try again."));
  }

  static std::string error_page(const std::string& fr, const std::string& en) {
    std::string p =
        "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>Erreur — "
        "Parcours</title>\n<style>";
    p += kPageStyle;
    p += "</style>\n</head>\n<body>\n<main>\n<h1>Connexion impossible <span lang=\"en\" class=\"en\">/ "
         "Cannot sign "
         "in</span></h1>\n<div role=\"alert\">" +
         html_escape(fr) + " <span lang=\"en\" class=\"en\">" + html_escape(en) +
         "</span></div>\n</main>\n</body>\n</html>\n";
    return p;
  }

  static std::string with_query(const std::string& uri,
                                const std::vector<std::pair<std::string, std::string>>& q) {
    std::string out = uri + (uri.find('?') == std::string::npos ? "?" : "&");
    bool first = true;
    for (const auto& [k, v] : q) {
      if (v.empty()) continue;
      out += (first ? "" : "&") + percent_encode(k) + "=" + percent_encode(v);
      first = false;
    }
    return out;
  }

  void redirect(HttpResponse& res, const std::string& location) {
    res.status = 302;
    res.set_header("Location", location);
    no_store(res);
    res.body.clear();
  }

  // Checks the request; answers itself (error page or redirect) and returns
  // nullopt when it is not acceptable.
  std::optional<store::Client> check_authz(const HttpRequest& req, HttpResponse& res, const AuthzRequest& a) {
    auto c = sec.tokens->browser_client(a.client_id, a.redirect_uri);
    if (std::holds_alternative<security::OAuthError>(c)) {
      // Never redirect to an unverified URI (RFC 6749 §4.1.2.1).
      html(res, 400,
           error_page("Application inconnue ou adresse de retour non enregistrée.",
                      "Unknown application or unregistered redirect address."));
      return std::nullopt;
    }
    auto fail = [&](const char* error, const char* why) {
      redirect(res,
               with_query(
                   a.redirect_uri,
                   {{"error", error}, {"error_description", why}, {"state", a.state}, {"iss", issuer(req)}}));
      return std::nullopt;
    };
    if (a.response_type != "code")
      return fail("unsupported_response_type", "only the code flow is supported");
    if (a.challenge.empty()) return fail("invalid_request", "PKCE is required (code_challenge)");
    if (a.method != "S256") return fail("invalid_request", "code_challenge_method must be S256");
    if (a.challenge.size() != 43)
      return fail("invalid_request", "code_challenge must be a base64url SHA-256");
    if (!a.aud.empty() && a.aud != origin(req) + "/fhir")
      return fail("invalid_request", "aud is not this server");
    return std::get<store::Client>(std::move(c));
  }

  void authorize_get(const HttpRequest& req, HttpResponse& res) {
    auto params = form_of(req.query);
    AuthzRequest a = authz_of(params);
    auto c = check_authz(req, res, a);
    if (!c) return;
    html(res, 200, login_page(a, c->name, ""));
  }

  void authorize_post(const HttpRequest& req, HttpResponse& res) {
    auto form = form_of(req.body);
    AuthzRequest a = authz_of(form);
    auto c = check_authz(req, res, a);
    if (!c) return;
    if (form.count("pick")) return picker_post(req, res, a, *c, form);
    if (!form_token_ok(a, get(form, "form"))) {
      html(res, 400,
           login_page(a, c->name, "Le formulaire a expiré, recommencez. / The form has expired, try again."));
      return;
    }
    std::string ip = ip_of(req.remote);
    auto result = sec.accounts->login(get(form, "username"), get(form, "password"), get(form, "totp"), ip);
    if (!result.account) {
      // The username is recorded (it is not a secret); the password never is.
      audit(req, "login", "login", "user:" + std::string(get(form, "username")).substr(0, 64), "4",
            result.failure);
      html(res, 401, login_page(a, c->name, result.message));
      return;
    }
    const store::Account& acc = *result.account;
    audit(req, "login", "login", acc.id, "0", "client " + c->id, acc.patient);
    if (wants_picker(acc, *c, a)) {
      Micros expires = security::Clock::now() + 10 * security::kMinute;
      picker_page(res, 200, a, *c, acc, "", pick_token(a, acc.id, expires, security::random_token(16)), "");
      return;
    }
    finish_login(req, res, a, *c, acc, "");
  }

  // --- token endpoint ---------------------------------------------------------------

  // Client credentials from HTTP Basic (RFC 6749 §2.3.1) or the form.
  static std::pair<std::string, std::string> client_auth(const HttpRequest& req,
                                                         const std::map<std::string, std::string>& form) {
    std::string_view h = req.header("Authorization");
    if (h.size() > 6 && (h.substr(0, 6) == "Basic " || h.substr(0, 6) == "basic ")) {
      auto raw = security::base64_decode(h.substr(6));
      if (raw) {
        auto colon = raw->find(':');
        if (colon != std::string::npos) {
          auto id = percent_decode(raw->substr(0, colon), true);
          auto secret = percent_decode(raw->substr(colon + 1), true);
          if (id && secret) return {*id, *secret};
        }
      }
      return {"", ""};
    }
    return {get(form, "client_id"), get(form, "client_secret")};
  }

  // Client authentication at the token, revocation and introspection
  // endpoints: a secret (above) or a signed assertion, private_key_jwt (RFC
  // 7523 §2.2; SMART Backend Services). The assertion's aud must be the token
  // endpoint's absolute URL, as SMART asks, whichever endpoint receives it.
  security::OAuthResult<security::ClientAuth> client_of(
      const HttpRequest& req, const std::map<std::string, std::string>& form) const {
    auto [id, secret] = client_auth(req, form);
    security::ClientAuth a{id, secret, get(form, "client_assertion"), issuer(req) + "/token"};
    std::string type = get(form, "client_assertion_type");
    if (a.assertion.empty() && type.empty()) return a;
    if (type != kJwtBearer)
      return security::OAuthError{
          400, "invalid_request",
          "client_assertion_type must be " + std::string(kJwtBearer) + " (RFC 7523 §2.2)"};
    if (a.assertion.empty())
      return security::OAuthError{400, "invalid_request", "client_assertion is missing"};
    if (!req.header("Authorization").empty() || !a.secret.empty())
      return security::OAuthError{
          400, "invalid_request",
          "use one client authentication method: a secret or an assertion (RFC 6749 §2.3)"};
    return a;
  }

  void token(const HttpRequest& req, HttpResponse& res) {
    std::string ip = ip_of(req.remote);
    Micros now = security::Clock::now();
    if (limiter.blocked(ip, now)) return oauth_error(res, 429, "slow_down", "too many failed attempts");
    auto form = form_of(req.body);
    std::string grant = get(form, "grant_type");
    std::string iss = issuer(req);
    auto client = client_of(req, form);
    security::ClientAuth auth;
    if (auto* a = std::get_if<security::ClientAuth>(&client)) auth = std::move(*a);
    std::string client_id = security::client_id_of(auth);
    if (client_id.empty()) client_id = get(form, "client_id").substr(0, 64);
    security::OAuthResult<security::IssuedTokens> out =
        security::OAuthError{400, "unsupported_grant_type", ""};
    if (auto* e = std::get_if<security::OAuthError>(&client)) {
      out = *e;
    } else if (grant == "authorization_code") {
      out = sec.tokens->exchange_code(get(form, "code"), auth, get(form, "redirect_uri"),
                                      get(form, "code_verifier"), iss);
    } else if (grant == "refresh_token") {
      out = sec.tokens->refresh(get(form, "refresh_token"), auth, get(form, "scope"), iss);
    } else if (grant == "client_credentials") {
      out = sec.tokens->client_credentials(auth, get(form, "scope"), iss);
    } else {
      out = security::OAuthError{400, "unsupported_grant_type",
                                 "grant_type is authorization_code, refresh_token or client_credentials"};
    }
    if (auto* e = std::get_if<security::OAuthError>(&out)) {
      limiter.fail(ip, now);
      bool reuse = e->description.find("reuse") != std::string::npos ||
                   e->description.find("already used") != std::string::npos;
      audit(req, "security", reuse ? "token-reuse" : "token", "client:" + client_id.substr(0, 64),
            reuse ? "8" : "4", grant + ": " + e->description);
      return oauth_error(res, *e);
    }
    auto& t = std::get<security::IssuedTokens>(out);
    audit(req, "login", "token", t.account, "0", grant + " for client " + client_id, t.patient);
    Json b = Json::object();
    b.set("access_token", t.access_token);
    b.set("token_type", "Bearer");
    b.set("expires_in", Json(t.expires_in));
    b.set("scope", t.scope);
    if (!t.refresh_token.empty()) b.set("refresh_token", t.refresh_token);
    if (!t.id_token.empty()) b.set("id_token", t.id_token);
    if (!t.patient.empty()) b.set("patient", t.patient);
    json(res, 200, b);
  }

  void revoke(const HttpRequest& req, HttpResponse& res) {
    std::string ip = ip_of(req.remote);
    Micros now = security::Clock::now();
    if (limiter.blocked(ip, now)) return oauth_error(res, 429, "slow_down", "too many failed attempts");
    auto form = form_of(req.body);
    auto client = client_of(req, form);
    if (auto* e = std::get_if<security::OAuthError>(&client)) return oauth_error(res, *e);
    const auto& who = std::get<security::ClientAuth>(client);
    std::string client_id = security::client_id_of(who);
    auto c = sec.store->client(client_id);
    if (!c || !*c || !(*c)->active) {
      limiter.fail(ip, now);
      return oauth_error(res, 401, "invalid_client", "unknown client");
    }
    if ((*c)->confidential) {
      auto auth = sec.tokens->authenticate_client(who);
      if (std::holds_alternative<security::OAuthError>(auth)) {
        limiter.fail(ip, now);
        return oauth_error(res, std::get<security::OAuthError>(auth));
      }
    }
    if (auto s = sec.tokens->revoke(get(form, "token"), client_id); !s)
      return oauth_error(res, 503, "temporarily_unavailable", "try again");
    audit(req, "security", "revoke", "client:" + client_id, "0", "token revoked by its client");
    res.status = 200;
    no_store(res);
    res.body.clear();
  }

  void introspect(const HttpRequest& req, HttpResponse& res) {
    std::string ip = ip_of(req.remote);
    Micros now = security::Clock::now();
    if (limiter.blocked(ip, now)) return oauth_error(res, 429, "slow_down", "too many failed attempts");
    auto form = form_of(req.body);
    // The caller is a confidential client, or the bootstrap token.
    bool allowed = false;
    std::string_view h = req.header("Authorization");
    if (h.size() > 7 && h.substr(0, 7) == "Bearer ") {
      security::RequestContext ctx;
      allowed = sec.authenticate(h, ctx).ok() && ctx.caller.full_access;
    } else if (auto client = client_of(req, form); std::holds_alternative<security::ClientAuth>(client)) {
      const auto& who = std::get<security::ClientAuth>(client);
      allowed = (!who.secret.empty() || !who.assertion.empty()) &&
                std::holds_alternative<store::Client>(sec.tokens->authenticate_client(who));
    }
    if (!allowed) {
      limiter.fail(ip, now);
      return oauth_error(res, 401, "invalid_client", "introspection needs client authentication");
    }
    json(res, 200, sec.tokens->introspect(get(form, "token")));
  }

  // --- the owner's view ---------------------------------------------------------------

  bool person(const HttpRequest& req, HttpResponse& res, security::RequestContext& ctx) {
    ctx.remote = req.remote;
    auto st = sec.authenticate(req.header("Authorization"), ctx);
    if (!st || ctx.caller.kind != security::CallerKind::User) {
      res.set_header("WWW-Authenticate", "Bearer realm=\"parcours\"");
      oauth_error(res, 401, "invalid_token", "a person's access token is required");
      return false;
    }
    return true;
  }

  void userinfo(const HttpRequest& req, HttpResponse& res) {
    security::RequestContext ctx;
    if (!person(req, res, ctx)) return;
    auto a = sec.store->account_by_id(ctx.caller.subject);
    if (!a || !*a) return oauth_error(res, 401, "invalid_token", "unknown account");
    Json b = Json::object();
    b.set("sub", (*a)->id);
    if (auto fu = security::fhir_user_of(**a); !fu.empty()) b.set("fhirUser", fu);
    b.set("name", (*a)->display);
    json(res, 200, b);
  }

  void sessions(const HttpRequest& req, HttpResponse& res, const std::string& id) {
    security::RequestContext ctx;
    if (!person(req, res, ctx)) return;
    if (req.method == "DELETE") {
      auto s = sec.store->session(id);
      if (!s || !*s || (*s)->account != ctx.caller.subject)
        return oauth_error(res, 404, "not_found", "no such session of yours");
      if (!sec.store->revoke_session(id))
        return oauth_error(res, 503, "temporarily_unavailable", "try again");
      audit(req, "security", "session-revoke", ctx.caller.subject, "0", "session revoked by its owner");
      res.status = 204;
      no_store(res);
      res.body.clear();
      return;
    }
    auto list = sec.store->sessions_of(ctx.caller.subject);
    if (!list) return oauth_error(res, 503, "temporarily_unavailable", "try again");
    Json arr = Json::array();
    Micros now = security::Clock::now();
    for (const auto& s : *list) {
      Json o = Json::object();
      o.set("id", s.id);
      o.set("client", s.client);
      o.set("created", store::format_instant(s.created));
      o.set("last_used", store::format_instant(s.last_used));
      o.set("expires", store::format_instant(s.expires));
      o.set("active", !s.revoked && s.expires > now);
      o.set("current", s.id == ctx.caller.session_id);
      o.set("remote", ip_of(s.remote));
      o.set("user_agent", s.user_agent);
      arr.push_back(std::move(o));
    }
    Json b = Json::object();
    b.set("sessions", std::move(arr));
    json(res, 200, b);
  }
};

AuthApi::AuthApi(security::Services& security, AuthApiOptions options)
    : impl_(std::make_unique<Impl>(security, std::move(options))) {}
AuthApi::~AuthApi() = default;

bool AuthApi::handles(std::string_view path) {
  return path == "/auth" || path.starts_with("/auth/") || path == "/.well-known/openid-configuration" ||
         path == "/fhir/.well-known/smart-configuration";
}

void AuthApi::handle(const HttpRequest& req, HttpResponse& res) {
  const std::string& p = req.path;
  const std::string& m = req.method;
  bool get = m == "GET" || m == "HEAD";
  auto wrong_method = [&](const char* allow) {
    res.set_header("Allow", allow);
    Impl::oauth_error(res, 405, "invalid_request", "method not allowed");
  };
  if (p == "/.well-known/openid-configuration")
    return get ? impl_->openid_configuration(req, res) : wrong_method("GET");
  if (p == "/fhir/.well-known/smart-configuration")
    return get ? impl_->smart_configuration(req, res) : wrong_method("GET");
  if (p == "/auth/jwks") {
    if (!get) return wrong_method("GET");
    Impl::json(res, 200, impl_->sec.keys->jwks());
    res.set_header("Cache-Control", "max-age=300");
    return;
  }
  if (p == "/auth/authorize") {
    if (get) return impl_->authorize_get(req, res);
    if (m == "POST") return impl_->authorize_post(req, res);
    return wrong_method("GET, POST");
  }
  if (p == "/auth/token") return m == "POST" ? impl_->token(req, res) : wrong_method("POST");
  if (p == "/auth/revoke") return m == "POST" ? impl_->revoke(req, res) : wrong_method("POST");
  if (p == "/auth/introspect") return m == "POST" ? impl_->introspect(req, res) : wrong_method("POST");
  if (p == "/auth/userinfo") return get ? impl_->userinfo(req, res) : wrong_method("GET");
  if (p == "/auth/sessions") return get ? impl_->sessions(req, res, "") : wrong_method("GET");
  if (p.starts_with("/auth/sessions/")) {
    std::string id = p.substr(15);
    return m == "DELETE" ? impl_->sessions(req, res, id) : wrong_method("DELETE");
  }
  Impl::oauth_error(res, 404, "not_found", "nothing here");
}

}  // namespace parcours::api
