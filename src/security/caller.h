// Who is calling. Built once per request by the API's authentication step and
// passed by reference through every layer below it (domain, security,
// search), so that access policy and audit always know the caller.
#pragma once

#include <string>

namespace parcours::security {

enum class CallerKind {
  System,  // bootstrap admin token or a machine client with full access
  User,    // a person's account (arrives with the medical-secrecy work)
};

struct Caller {
  CallerKind kind = CallerKind::System;
  std::string subject;       // stable account id, e.g. "admin-token"
  std::string display;       // for audit and logs; never a secret
  bool full_access = false;  // may read and write everything (admin)
};

struct RequestContext {
  Caller caller;
  std::string request_id;  // echoed as X-Request-Id, recorded in audit
  std::string remote;      // peer address
};

}  // namespace parcours::security
