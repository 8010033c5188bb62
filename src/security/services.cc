#include "security/services.h"

#include "security/clock.h"
#include "security/secret_key.h"

namespace parcours::security {

Result<std::int64_t> ensure_labels(store::SecurityStore& store, const Policy& policy) {
  auto current = store.meta("label-fingerprint");
  if (!current) return std::move(current).error();
  if (*current == policy.fingerprint()) return std::int64_t{0};
  auto n = store.relabel([&](std::string_view type, const Json& r) { return policy.derive(type, r); });
  if (!n) return std::move(n).error();
  if (auto s = store.set_meta("label-fingerprint", policy.fingerprint()); !s) return std::move(s).error();
  return *n;
}

Result<std::unique_ptr<Services>> Services::open(store::Store& data, const std::string& dir,
                                                 std::shared_ptr<const Policy> policy,
                                                 SecurityOptions options) {
  if (auto s = crypto_init(); !s) return std::move(s).error();
  if (auto s = Clock::configure(options.production); !s) return std::move(s).error();
  if (options.production && !options.admin_token.empty())
    return internal_error(
        "PARCOURS_ADMIN_TOKEN is set but production mode (--production or PARCOURS_PRODUCTION=1) refuses the "
        "bootstrap token: unset it and use accounts (parcours user ...)");
  std::unique_ptr<Services> s(new Services(data));
  s->policy = std::move(policy);
  s->options = options;
  auto key = load_secret_key(dir);
  if (!key) return std::move(key).error();
  s->box = std::make_unique<SecretBox>(std::move(*key));
  auto sec = store::open_sqlite_security(dir);
  if (!sec) return std::move(sec).error();
  s->store = std::move(*sec);
  options.keys.longest_token = std::max(options.tokens.access_ttl, options.keys.longest_token);
  s->keys = std::make_unique<KeyRing>(*s->store, *s->box, options.keys);
  if (auto st = s->keys->load(); !st) return std::move(st).error();
  s->accounts = std::make_unique<AccountService>(*s->store, *s->box, s->policy, options.login);
  s->reaches = std::make_unique<ReachCache>();
  s->tokens =
      std::make_unique<TokenService>(*s->store, *s->keys, *s->accounts, s->policy, options.tokens,
                                     [data = &s->data, reaches = s->reaches.get()](const AccessContext& ac) {
                                       auto reader = data->reader();
                                       return reaches->get(ac, *reader);
                                     });
  s->audit = std::make_unique<AuditSink>(data, options.audit);
  return s;
}

Services::~Services() { close(); }

void Services::close() {
  if (audit) audit->close();
}

Status Services::authenticate(std::string_view auth, RequestContext& ctx) {
  ctx.audit = audit.get();
  ctx.reaches = reaches.get();
  ctx.policy = policy;
  if (auth.empty())
    return Error(401, "login", "Authentication required: send 'Authorization: Bearer <token>'");
  if (auth.size() < 7 || (auth.substr(0, 7) != "Bearer " && auth.substr(0, 7) != "bearer "))
    return Error(401, "login", "Unsupported authorization scheme: use 'Bearer <token>'");
  std::string_view token = auth.substr(7);
  if (!options.admin_token.empty() && same_secret(token, options.admin_token)) {
    RequestContext system = system_context("admin-token");
    ctx.caller = std::move(system.caller);
    ctx.caller.display = "Administrateur (jeton d'amorçage)";
    ctx.purpose = std::move(system.purpose);
    ctx.access = std::move(system.access);
    return Status::Ok();
  }
  // Only something shaped like a JWT is worth verifying.
  if (std::count(token.begin(), token.end(), '.') != 2)
    return Error(401, "login", "Invalid or expired token");
  auto who = tokens->authenticate(token);
  if (!who) return std::move(who).error();
  return tokens->bind(ctx, *who);
}

RequestContext Services::system_context(std::string_view who) const {
  RequestContext ctx;
  ctx.caller.kind = CallerKind::System;
  ctx.caller.subject = who;
  ctx.caller.display = who;
  ctx.caller.full_access = true;
  ctx.purpose = "HOPERAT";
  auto ac = std::make_shared<AccessContext>();
  ac->system = true;
  ac->scopes = Scopes::all_system();
  ac->now = Clock::now();
  ctx.access = std::move(ac);
  ctx.policy = policy;
  ctx.audit = audit.get();
  return ctx;
}

}  // namespace parcours::security
