// Everything security needs for one data directory, opened together by
// `parcours serve` and the `parcours user` / `audit` commands: the policy,
// the secret key, the security store, signing keys, accounts, tokens and the
// audit sink.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "security/accounts.h"
#include "security/audit.h"
#include "security/caller.h"
#include "security/crypto.h"
#include "security/jwt.h"
#include "security/policy.h"
#include "security/reach.h"
#include "security/tokens.h"
#include "store/security_store.h"
#include "store/store.h"

namespace parcours::security {

struct SecurityOptions {
  bool production = false;  // refuses the bootstrap token and test hooks
  std::string admin_token;  // PARCOURS_ADMIN_TOKEN ('' none)
  TokenOptions tokens;
  KeyRingOptions keys;
  LoginPolicy login;
  AuditSinkOptions audit;
  Micros break_glass_duration = 4 * kHour;  // an emergency access lasts this long
};

class Services {
 public:
  // `store` must outlive the services; `policy` labels its resources.
  static Result<std::unique_ptr<Services>> open(store::Store& store, const std::string& data_dir,
                                                std::shared_ptr<const Policy> policy,
                                                SecurityOptions options);
  ~Services();

  // Authenticates "Authorization: Bearer ..." into `ctx` (bootstrap token,
  // a person's or a machine's access token). 401 otherwise.
  Status authenticate(std::string_view authorization, RequestContext& ctx);
  // A context for internal actions (CLI): a system caller named `who`.
  RequestContext system_context(std::string_view who) const;
  // Flushes the audit; the store stays open.
  void close();

  store::Store& data;
  std::shared_ptr<const Policy> policy;
  SecurityOptions options;
  std::unique_ptr<store::SecurityStore> store;
  std::unique_ptr<SecretBox> box;
  std::unique_ptr<KeyRing> keys;
  std::unique_ptr<AccountService> accounts;
  std::unique_ptr<TokenService> tokens;
  std::unique_ptr<AuditSink> audit;
  std::unique_ptr<ReachCache> reaches;  // professionals' relationships, between requests

 private:
  explicit Services(store::Store& s) : data(s) {}
};

// Relabels every resource when the policy's labelling rules differ from the
// ones the store was labelled with (or it never was). Returns how many.
Result<std::int64_t> ensure_labels(store::SecurityStore& store, const Policy& policy);

}  // namespace parcours::security
