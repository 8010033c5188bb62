// A test world for end-to-end tests with real accounts: the real `parcours
// serve` on loopback, accounts made with `parcours user`, tokens obtained
// through the real login page (authorization code + PKCE + TOTP), and a test
// clock the server reads (PARCOURS_TEST_CLOCK_FILE). Helpers are written
// independently of the server's own code.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fhir/json.h"
#include "support/http_client.h"
#include "support/server_process.h"

namespace parcours::testing {

inline constexpr const char* kAdmin = "secrecy-admin-token-4f1c2b";
inline constexpr const char* kPassword = "Mot-de-passe-d-essai-2026";
inline constexpr const char* kRedirect = "http://localhost:9/cb";
inline constexpr const char* kScopes =
    "openid fhirUser offline_access launch/patient user/*.cruds patient/*.cruds";

// --- small helpers (independent of the server's own code) ------------------------

inline std::string enc(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

inline std::string form(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string out;
  for (const auto& [k, v] : kv) out += (out.empty() ? "" : "&") + enc(k) + "=" + enc(v);
  return out;
}

inline std::string b64url(const unsigned char* p, std::size_t n) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  for (std::size_t i = 0; i < n; i += 3) {
    std::uint32_t v = p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    out += a[(v >> 18) & 63];
    out += a[(v >> 12) & 63];
    if (i + 1 < n) out += a[(v >> 6) & 63];
    if (i + 2 < n) out += a[v & 63];
  }
  return out;
}

inline std::string sha256_b64url(const std::string& s) {
  unsigned char md[32];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, EVP_sha256(), nullptr);
  return b64url(md, n);
}

inline std::string base32_decode(const std::string& s) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
    if (v < 0) continue;
    acc = acc << 5 | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// RFC 6238 with HMAC-SHA-1, 30 s, 6 digits.
inline std::string totp(const std::string& secret_b32, std::int64_t unix_seconds) {
  std::string key = base32_decode(secret_b32);
  std::int64_t step = unix_seconds / 30;
  unsigned char msg[8];
  for (int i = 7; i >= 0; --i, step >>= 8) msg[i] = static_cast<unsigned char>(step & 0xFF);
  unsigned char mac[20];
  unsigned int n = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), msg, 8, mac, &n);
  int o = mac[19] & 15;
  std::uint32_t bin = (mac[o] & 0x7F) << 24 | mac[o + 1] << 16 | mac[o + 2] << 8 | mac[o + 3];
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06u", bin % 1000000);
  return buf;
}

inline std::string random_verifier() {
  std::random_device rd;
  unsigned char b[40];
  for (auto& c : b) c = static_cast<unsigned char>(rd());
  return b64url(b, sizeof b);
}

inline Json J(const Response& r) {
  auto j = parse_json(r.body);
  return j.ok() ? *j : Json();
}

// The expression of an OperationOutcome's first issue ('' when none).
inline std::string issue_expression(const Response& r) {
  Json b = J(r);
  if (const Json* is = b.find("issue"); is && is->is_array() && !is->as_array().empty())
    if (const Json* ex = is->as_array()[0].find("expression");
        ex && ex->is_array() && !ex->as_array().empty())
      return std::string(ex->as_array()[0].as_string());
  return {};
}

// Bundle.total, or -1 when the answer is not a Bundle with a total.
inline std::int64_t total(const Response& r) {
  Json b = J(r);
  const Json* t = b.find("total");
  return t && t->to_int64() ? *t->to_int64() : -1;
}

inline std::string query_param(const std::string& url, const std::string& name) {
  auto q = url.find('?');
  if (q == std::string::npos) return {};
  std::string rest = url.substr(q + 1);
  std::stringstream ss(rest);
  std::string kv;
  while (std::getline(ss, kv, '&')) {
    auto eq = kv.find('=');
    if (kv.substr(0, eq) != name) continue;
    std::string v = kv.substr(eq + 1), out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '%' && i + 2 < v.size()) {
        out += static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += v[i] == '+' ? ' ' : v[i];
      }
    }
    return out;
  }
  return {};
}

// --- the world: a server, accounts, logins ------------------------------------------

struct Account {
  std::string username, kind, role, totp_secret;
};

struct Tokens {
  int status = 0;
  std::string access, refresh, id_token, scope, patient, error;
};

class World {
 public:
  explicit World(std::vector<std::string> extra_args = {}, std::vector<std::string> extra_env = {})
      : clock_file_(dir_.path() + "/clock") {
    std::ofstream(clock_file_) << 0;
    std::ofstream(dir_.path() + "/pw") << kPassword << "\n";
    extra_env.push_back("PARCOURS_TEST_CLOCK_FILE=" + clock_file_);
    server_ = std::make_unique<ServerProcess>(data(), kAdmin, std::move(extra_args), std::move(extra_env));
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
    cli({"user", "client", "--id", "web", "--name", "Appli Parcours (test)", "--scopes", kScopes,
         "--redirect-uri", kRedirect});
  }
  ~World() {
    if (server_) server_->stop();
  }

  std::string data() const { return dir_.path() + "/data"; }
  const std::string& dir() const { return dir_.path(); }
  HttpClient& http() { return *client_; }
  ServerProcess& server() { return *server_; }
  std::string output() const { return server_->output(); }

  // Shifts the server's security clock (test hook).
  void advance(std::int64_t seconds) {
    offset_ += seconds;
    std::ofstream(clock_file_) << offset_;
  }
  std::int64_t now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           offset_;
  }

  RunResult cli(std::vector<std::string> args) {
    args.insert(args.begin() + 2, {"--data", data()});
    auto r = run_parcours(args, {"PARCOURS_TEST_CLOCK_FILE=" + clock_file_});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    cli_output_ += r.output;
    return r;
  }

  Account account(const std::string& username, const std::string& kind, std::vector<std::string> extra) {
    std::vector<std::string> args{"user",       "create", "--kind",          kind,
                                  "--username", username, "--password-file", dir_.path() + "/pw"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = cli(args);
    Account a{username, kind, "", ""};
    auto at = r.output.find("secret=");
    if (at != std::string::npos) a.totp_secret = r.output.substr(at + 7, r.output.find('&', at) - at - 7);
    return a;
  }

  Response admin(const std::string& method, const std::string& target, const std::string& body = "") {
    return client_->request(
        method, target, body,
        {{"Authorization", std::string("Bearer ") + kAdmin}, {"Content-Type", "application/fhir+json"}});
  }
  // admin("GET", target) once `ready` holds of its body, or after 5 s:
  // read records reach the audit log through a queue, and a loaded machine
  // (the sanitizer build) may take longer than its usual 100 ms.
  Response admin_when(const std::string& target, const std::function<bool(const std::string&)>& ready) {
    Response r = admin("GET", target);
    for (int attempt = 1; attempt < 50 && !(r.status == 200 && ready(r.body)); ++attempt) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      r = admin("GET", target);
    }
    return r;
  }
  void put(const Json& r) {
    std::string type(r.get_string("resourceType")), id(r.get_string("id"));
    auto res = admin("PUT", "/fhir/" + type + "/" + id, r.dump());
    ASSERT_TRUE(res.status == 200 || res.status == 201) << type << "/" << id << " " << res.body;
  }
  void put_text(const std::string& text) { put(parse_json(text).value()); }

  Response as(const std::string& token, const std::string& method, const std::string& target,
              const std::string& body = "") {
    return client_->request(
        method, target, body,
        {{"Authorization", "Bearer " + token}, {"Content-Type", "application/fhir+json"}});
  }

  // The login page, the way a browser app does it: the authorization
  // request, then the credentials posted on the login form.
  struct LoginStep {
    Response response;  // 302 to the app, or a page (the picker, an error)
    std::string base;   // the authorization request, form-encoded
    std::string verifier;
  };
  LoginStep submit_login(const Account& a, const std::string& scope = kScopes,
                         const std::string& password = kPassword, bool with_totp = true,
                         bool replay = false) {
    LoginStep step;
    step.verifier = random_verifier();
    step.base = form({{"response_type", "code"},
                      {"client_id", client_id},
                      {"redirect_uri", kRedirect},
                      {"scope", scope},
                      {"state", "st-1"},
                      {"code_challenge", sha256_b64url(step.verifier)},
                      {"code_challenge_method", "S256"}});
    auto page = client_->request("GET", "/auth/authorize?" + step.base);
    if (page.status != 200) {
      step.response = page;
      step.verifier.clear();  // refused before the login form
      return step;
    }
    std::string form_token = hidden_value(page.body, "form");
    EXPECT_FALSE(form_token.empty());
    std::string code;
    if (with_totp && !a.totp_secret.empty()) {
      // A code is accepted once: wait for the next 30-second step if needed.
      // A replay sends the very code of the last login, whatever the clock
      // says now: reading the clock again could cross into the next step and
      // make a fresh, valid code.
      if (replay) {
        code = totp(a.totp_secret, last_step_[a.username] * 30);
      } else {
        std::int64_t step_no = now() / 30;
        if (last_step_[a.username] >= step_no) {
          advance(30);
          step_no = now() / 30;
        }
        last_step_[a.username] = step_no;
        code = totp(a.totp_secret, step_no * 30);
      }
    }
    step.response = client_->request(
        "POST", "/auth/authorize",
        step.base + "&" +
            form({{"form", form_token}, {"username", a.username}, {"password", password}, {"totp", code}}),
        {{"Content-Type", "application/x-www-form-urlencoded"}});
    return step;
  }

  // The value of a hidden field of a page ('' when absent).
  static std::string hidden_value(const std::string& page, const std::string& name) {
    std::string key = "name=\"" + name + "\" value=\"";
    auto at = page.find(key);
    if (at == std::string::npos) return {};
    at += key.size();
    return page.substr(at, page.find('"', at) - at);
  }

  // Posts a form of the patient picker shown in `page`, with `fields`
  // (action=search|choose|none|cancel, q, patient).
  Response submit_picker(const LoginStep& step, const std::string& page,
                         const std::vector<std::pair<std::string, std::string>>& fields) {
    std::vector<std::pair<std::string, std::string>> all{{"account", hidden_value(page, "account")},
                                                         {"pick", hidden_value(page, "pick")}};
    all.insert(all.end(), fields.begin(), fields.end());
    return client_->request("POST", "/auth/authorize", step.base + "&" + form(all),
                            {{"Content-Type", "application/x-www-form-urlencoded"}});
  }

  // The code of a redirect to the app, exchanged at the token endpoint.
  Tokens redeem(const Response& redirect, const std::string& verifier) {
    Tokens t;
    if (redirect.status != 302) {
      t.status = redirect.status;
      t.error = redirect.body;
      return t;
    }
    std::string loc = redirect.header("Location");
    EXPECT_EQ(query_param(loc, "state"), "st-1");
    std::string auth_code = query_param(loc, "code");
    seen_secrets_.push_back(auth_code);
    auto tok = client_->request("POST", "/auth/token",
                                form({{"grant_type", "authorization_code"},
                                      {"code", auth_code},
                                      {"client_id", client_id},
                                      {"redirect_uri", kRedirect},
                                      {"code_verifier", verifier}}),
                                {{"Content-Type", "application/x-www-form-urlencoded"}});
    t.status = tok.status;
    Json j = J(tok);
    t.access = j.get_string("access_token");
    t.refresh = j.get_string("refresh_token");
    t.id_token = j.get_string("id_token");
    t.scope = j.get_string("scope");
    t.patient = j.get_string("patient");
    t.error = j.get_string("error");
    for (const auto& s : {t.access, t.refresh, t.id_token})
      if (!s.empty()) seen_secrets_.push_back(s);
    return t;
  }

  // A whole login. When the patient picker shows (a professional, an app
  // asking launch/patient), chooses `pick`, or continues without a patient.
  // `verifier_override` presents another PKCE verifier at the token endpoint.
  Tokens login(const Account& a, const std::string& scope = kScopes,
               const std::string& verifier_override = "", const std::string& password = kPassword,
               bool with_totp = true, bool replay = false, const std::string& pick = "") {
    LoginStep step = submit_login(a, scope, password, with_totp, replay);
    if (step.verifier.empty()) {
      Tokens t;
      t.status = step.response.status;
      t.error = step.response.header("Location");
      return t;
    }
    if (step.response.status == 200 && !hidden_value(step.response.body, "pick").empty()) {
      step.response = submit_picker(
          step, step.response.body,
          pick.empty()
              ? std::vector<std::pair<std::string, std::string>>{{"action", "none"}}
              : std::vector<std::pair<std::string, std::string>>{{"action", "choose"}, {"patient", pick}});
    }
    return redeem(step.response, verifier_override.empty() ? step.verifier : verifier_override);
  }

  Tokens refresh(const std::string& rt) {
    auto tok =
        client_->request("POST", "/auth/token",
                         form({{"grant_type", "refresh_token"}, {"refresh_token", rt}, {"client_id", "web"}}),
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
    Tokens t;
    t.status = tok.status;
    Json j = J(tok);
    t.access = j.get_string("access_token");
    t.refresh = j.get_string("refresh_token");
    t.error = j.get_string("error");
    for (const auto& s : {t.access, t.refresh})
      if (!s.empty()) seen_secrets_.push_back(s);
    return t;
  }

  // The browser app that logs in (registered by the constructor).
  std::string client_id = "web";

  // Secrets this test handled: none may ever appear in the server's output.
  std::vector<std::string>& secrets() { return seen_secrets_; }
  const std::string& cli_output() const { return cli_output_; }

 private:
  TempDir dir_;
  std::string clock_file_;
  std::int64_t offset_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> client_;
  std::map<std::string, std::int64_t> last_step_;
  std::vector<std::string> seen_secrets_;
  std::string cli_output_;
};

}  // namespace parcours::testing
