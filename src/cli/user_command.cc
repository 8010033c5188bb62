// `parcours user ...`: accounts, passwords, second factor, OAuth clients.
// Secrets are read from a file or stdin (never from the command line, where
// `ps` would show them) and printed only once when generated.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/security_commands.h"
#include "cli/server_setup.h"
#include "security/accounts.h"
#include "security/clock.h"
#include "security/crypto.h"
#include "security/guard.h"

namespace parcours::cli {

Opened::~Opened() {
  if (security) security->close();
  security.reset();
  if (store) store->close();
}

Result<std::unique_ptr<Opened>> open_for_cli(const std::string& dir) {
  auto policy = configured_policy();
  if (!policy) return policy.error();
  auto o = std::make_unique<Opened>();
  auto s = open_store(dir);
  if (!s) return std::move(s).error();
  o->store = std::move(*s);
  security::SecurityOptions so;
  auto sec = security::Services::open(*o->store, dir, *policy, so);
  if (!sec) return std::move(sec).error();
  o->security = std::move(*sec);
  return o;
}

Status audit_cli_action(Opened& o, std::string_view subtype, std::string_view subject,
                        std::string_view detail) {
  auto ctx = o.security->system_context("cli:" + std::string(getlogin() ? getlogin() : "unknown"));
  auto r = security::audit_record(ctx, "admin", "E", subtype);
  r.entities = std::string(subject);
  r.reason = std::string(detail);
  return o.store->write([&](store::Writer& w) -> Status { return w.append_audit(r); });
}

namespace {

int fail(const Error& e) {
  std::fprintf(stderr, "parcours: %s\n", e.message().c_str());
  return e.status() == 400 || e.status() == 409 || e.status() == 404 ? 2 : 1;
}

struct PasswordSource {
  bool from_stdin = false;
  std::string file;
};

Result<std::string> read_password(const PasswordSource& src) {
  std::string pw;
  if (src.from_stdin) {
    std::getline(std::cin, pw);
  } else if (!src.file.empty()) {
    std::ifstream in(src.file);
    if (!in) return bad_request("cannot read " + src.file);
    std::getline(in, pw);
  } else {
    return std::string();
  }
  while (!pw.empty() && (pw.back() == '\r' || pw.back() == '\n')) pw.pop_back();
  return pw;
}

void add_password_options(CLI::App* c, PasswordSource& src) {
  c->add_flag("--password-stdin", src.from_stdin, "Read the password from the first line of stdin");
  c->add_option("--password-file", src.file, "Read the password from the first line of FILE");
}

struct CreateArgs {
  std::string data = "parcours-data";
  security::NewAccount a;
  std::string valid_until;
  PasswordSource pw;
  bool totp = false;
};

struct NameArgs {
  std::string data = "parcours-data";
  std::string username;
  PasswordSource pw;
};

struct ClientArgs {
  std::string data = "parcours-data";
  std::string id, name, scopes;
  std::vector<std::string> redirect_uris;
  bool confidential = false;
  std::string jwks_file;
};

int run_create(CreateArgs& args) {
  auto o = open_for_cli(args.data);
  if (!o) return fail(o.error());
  auto pw = read_password(args.pw);
  if (!pw) return fail(pw.error());
  bool generated = pw->empty();
  if (generated) *pw = security::random_token(15);  // 20 characters, 120 bits
  args.a.password = *pw;
  if (!args.valid_until.empty()) {
    auto t = store::parse_instant(args.valid_until);
    if (!t) return fail(bad_request("--valid-until: expected a date or a FHIR instant"));
    args.a.valid_until = *t;
  }
  auto acc = (*o)->security->accounts->create(args.a);
  std::fill(pw->begin(), pw->end(), '\0');
  if (!acc) return fail(acc.error());
  (void)audit_cli_action(**o, "account-create", "Account/" + acc->id, acc->kind + " " + acc->username).ok();
  std::printf("account %s (%s) created: %s\n", acc->username.c_str(), acc->kind.c_str(), acc->id.c_str());
  if (generated) std::printf("password (shown once): %s\n", args.a.password.c_str());
  std::fill(args.a.password.begin(), args.a.password.end(), '\0');
  if (args.totp || security::totp_required(acc->kind)) {
    auto uri = (*o)->security->accounts->enrol_totp(acc->username);
    if (!uri) return fail(uri.error());
    std::printf("second factor (scan once, then keep it secret): %s\n", uri->c_str());
  }
  return 0;
}

int run_password(NameArgs& args) {
  auto o = open_for_cli(args.data);
  if (!o) return fail(o.error());
  auto pw = read_password(args.pw);
  if (!pw) return fail(pw.error());
  bool generated = pw->empty();
  if (generated) *pw = security::random_token(15);
  auto st = (*o)->security->accounts->set_password(args.username, *pw);
  if (!st) return fail(st.error());
  (void)audit_cli_action(**o, "account-password", "user:" + args.username, "password reset; sessions revoked")
      .ok();
  std::printf("password of %s changed; their sessions are revoked\n", args.username.c_str());
  if (generated) std::printf("password (shown once): %s\n", pw->c_str());
  std::fill(pw->begin(), pw->end(), '\0');
  return 0;
}

int run_totp(NameArgs& args) {
  auto o = open_for_cli(args.data);
  if (!o) return fail(o.error());
  auto uri = (*o)->security->accounts->enrol_totp(args.username);
  if (!uri) return fail(uri.error());
  (void)audit_cli_action(**o, "account-totp", "user:" + args.username, "second factor enrolled").ok();
  std::printf("%s\n", uri->c_str());
  return 0;
}

int run_active(NameArgs& args, bool active) {
  auto o = open_for_cli(args.data);
  if (!o) return fail(o.error());
  auto st = (*o)->security->accounts->set_active(args.username, active);
  if (!st) return fail(st.error());
  (void)audit_cli_action(**o, active ? "account-enable" : "account-disable", "user:" + args.username, "")
      .ok();
  std::printf("account %s %s\n", args.username.c_str(),
              active ? "enabled" : "disabled; its sessions are revoked");
  return 0;
}

int run_unlock(NameArgs& args) {
  auto o = open_for_cli(args.data);
  if (!o) return fail(o.error());
  auto st = (*o)->security->accounts->unlock(args.username);
  if (!st) return fail(st.error());
  (void)audit_cli_action(**o, "account-unlock", "user:" + args.username, "").ok();
  std::printf("account %s unlocked\n", args.username.c_str());
  return 0;
}

int run_list(const std::string& data) {
  auto o = open_for_cli(data);
  if (!o) return fail(o.error());
  auto list = (*o)->security->store->accounts();
  if (!list) return fail(list.error());
  std::printf("%-24s %-13s %-22s %-8s %-4s %s\n", "USERNAME", "KIND", "ROLE", "STATUS", "2FA", "LINK");
  for (const auto& a : *list) {
    std::string link = !a.practitioner.empty()     ? a.practitioner
                       : !a.related_person.empty() ? a.related_person + " for Patient/" + a.patient
                       : !a.patient.empty()        ? "Patient/" + a.patient
                                                   : a.organization;
    std::printf("%-24s %-13s %-22s %-8s %-4s %s\n", a.username.c_str(), a.kind.c_str(),
                (*o)->security->accounts->role_of(a).c_str(), a.active ? "active" : "disabled",
                a.totp_sealed.empty() ? "no" : "yes", link.c_str());
  }
  return 0;
}

int run_client(ClientArgs& args) {
  auto o = open_for_cli(args.data);
  if (!o) return fail(o.error());
  store::Client c;
  c.id = args.id;
  c.name = args.name;
  c.confidential = args.confidential;
  c.scopes = args.scopes;
  for (const auto& u : args.redirect_uris) c.redirect_uris += (c.redirect_uris.empty() ? "" : " ") + u;
  if (!args.jwks_file.empty()) {
    // private_key_jwt (RFC 7523): the client keeps its private keys; we keep
    // the public ones, checked here. No URL: the server fetches nothing.
    std::ifstream in(args.jwks_file);
    if (!in) return fail(bad_request("cannot read " + args.jwks_file));
    std::stringstream text;
    text << in.rdbuf();
    c.jwks = text.str();
    c.confidential = true;
  }
  if (!c.confidential && c.redirect_uris.empty())
    return fail(
        bad_request("a browser (public) client needs --redirect-uri; a system client needs --confidential"));
  auto secret = (*o)->security->tokens->register_client(c);
  if (!secret) return fail(secret.error());
  std::string id = c.confidential ? (c.id.empty() ? std::string("?") : c.id) : *secret;
  if (c.confidential && c.id.empty()) {
    // register_client chose the id: find it back by name (newest).
    auto all = (*o)->security->store->clients();
    if (all)
      for (const auto& x : *all)
        if (x.name == c.name) id = x.id;
  }
  (void)audit_cli_action(**o, "client-register", "client:" + id, c.scopes).ok();
  std::printf("client_id: %s\n", id.c_str());
  if (!c.jwks.empty())
    std::printf("authentication: private_key_jwt with the registered public keys (no secret)\n");
  else if (c.confidential)
    std::printf("client_secret (shown once): %s\n", secret->c_str());
  return 0;
}

}  // namespace

void add_user_commands(CLI::App& app, SecurityCommands& out) {
  auto* user = app.add_subcommand("user", "Accounts, passwords, second factor and OAuth clients of DIR");
  user->require_subcommand(1);

  static CreateArgs create;
  auto* c =
      user->add_subcommand("create", "Create an account (prints its id, and its TOTP URI when required)");
  c->add_option("--data", create.data, "Folder of the embedded database")->capture_default_str();
  c->add_option("--kind", create.a.kind,
                "professional, coordinator, admin-staff, patient, carer, analyst or admin")
      ->required();
  c->add_option("--username", create.a.username, "Login name")->required();
  c->add_option("--display", create.a.display, "Name shown in audit logs");
  c->add_option("--practitioner", create.a.practitioner, "Practitioner id (professionals, coordinators)");
  c->add_option("--practitioner-role", create.a.practitioner_role, "PractitionerRole id");
  c->add_option("--organization", create.a.organization, "Organization id (DAC, structure)");
  c->add_option("--rpps", create.a.rpps, "RPPS number (11 digits, health professionals)");
  c->add_option("--profession", create.a.profession, "Profession code of the policy, e.g. G15-10 (médecin)");
  c->add_option("--patient", create.a.patient, "Patient id (patient: own record; carer: the person helped)");
  c->add_option("--related-person", create.a.related_person, "RelatedPerson id (carer)");
  c->add_option("--delegation", create.a.delegation, "Carer: delegated categories, comma-separated, or *")
      ->capture_default_str();
  c->add_option("--valid-until", create.valid_until, "End of a carer's delegation (date or instant)");
  c->add_flag("--totp", create.totp, "Enrol a second factor even when not required");
  add_password_options(c, create.pw);
  c->footer("Without --password-stdin/--password-file a random password is generated and printed once.");
  c->callback([&out] { out.chosen = [] { return run_create(create); }; });

  static NameArgs password;
  auto* p = user->add_subcommand("password", "Set or reset a password (revokes the account's sessions)");
  p->add_option("--data", password.data, "Folder of the embedded database")->capture_default_str();
  p->add_option("--username", password.username, "Login name")->required();
  add_password_options(p, password.pw);
  p->callback([&out] { out.chosen = [] { return run_password(password); }; });

  static NameArgs totp;
  auto* t = user->add_subcommand("totp", "Enrol a new TOTP second factor; prints the otpauth:// URI");
  t->add_option("--data", totp.data, "Folder of the embedded database")->capture_default_str();
  t->add_option("--username", totp.username, "Login name")->required();
  t->callback([&out] { out.chosen = [] { return run_totp(totp); }; });

  static NameArgs toggle;
  for (const char* name : {"disable", "enable", "unlock"}) {
    auto* d = user->add_subcommand(name, std::string(name) == "disable"
                                             ? "Disable an account and revoke its sessions"
                                         : std::string(name) == "enable" ? "Enable an account"
                                                                         : "Lift a login lockout");
    d->add_option("--data", toggle.data, "Folder of the embedded database")->capture_default_str();
    d->add_option("--username", toggle.username, "Login name")->required();
    std::string n = name;
    d->callback([&out, n] {
      out.chosen = [n] { return n == "unlock" ? run_unlock(toggle) : run_active(toggle, n == "enable"); };
    });
  }

  static std::string list_data = "parcours-data";
  auto* l = user->add_subcommand("list", "List the accounts");
  l->add_option("--data", list_data, "Folder of the embedded database")->capture_default_str();
  l->callback([&out] { out.chosen = [] { return run_list(list_data); }; });

  static ClientArgs client;
  auto* k = user->add_subcommand("client", "Register an OAuth client: a browser app (public) or a system");
  k->add_option("--data", client.data, "Folder of the embedded database")->capture_default_str();
  k->add_option("--id", client.id, "client_id (default: generated)");
  k->add_option("--name", client.name, "Name shown on the login page")->required();
  k->add_option("--scopes", client.scopes, "The most it may ask for, e.g. 'openid fhirUser user/*.rs'")
      ->required();
  k->add_option("--redirect-uri", client.redirect_uris, "Browser app: exact redirect URI (repeatable)");
  k->add_flag("--confidential", client.confidential, "A system client with a secret (client credentials)");
  k->add_option("--jwks", client.jwks_file,
                "A confidential client authenticating with a signed JWT (private_key_jwt): its public keys, "
                "a JWK Set file (EC P-256 for ES256, RSA for RS384)");
  k->callback([&out] { out.chosen = [] { return run_client(client); }; });
}

SecurityCommands* add_security_commands(CLI::App& app) {
  static SecurityCommands commands;
  add_user_commands(app, commands);
  add_audit_commands(app, commands);
  return &commands;
}

int run_security_commands(SecurityCommands* commands) {
  if (!commands || !commands->chosen) return -1;
  return commands->chosen();
}

}  // namespace parcours::cli
