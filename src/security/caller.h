// Who is calling. Built once per request by the API's authentication step and
// passed by reference through every layer below it (domain, security,
// search), so that access policy and audit always know the caller.
#pragma once

#include <memory>
#include <string>

namespace parcours::security {

struct AccessContext;  // security/policy.h
class Policy;          // security/policy.h
class AuditSink;       // security/audit.h
class ReachCache;      // security/reach.h

enum class CallerKind {
  System,  // bootstrap admin token or a machine client with full access
  User,    // a person's account (professional, patient, carer, staff...)
  Client,  // a machine client (client credentials), limited by its scopes
};

struct Caller {
  CallerKind kind = CallerKind::System;
  std::string subject;       // stable account id, e.g. "admin-token", "acc-..."
  std::string display;       // for audit and logs; never a secret
  bool full_access = false;  // may read and write everything (bootstrap token)
  std::string account_kind;  // professional, coordinator, patient, carer... ('' bootstrap)
  std::string role;          // policy role, e.g. "medecin"
  std::string on_behalf_of;  // a carer acts for "Patient/<id>"
  std::string client_id;     // OAuth client of the token
  std::string session_id;    // login session of the token
};

struct RequestContext {
  Caller caller;
  std::string request_id;  // echoed as X-Request-Id, recorded in audit
  std::string remote;      // peer address
  // Set by authentication. Without it every access is refused.
  std::shared_ptr<const AccessContext> access;
  std::shared_ptr<const Policy> policy;
  AuditSink* audit = nullptr;     // where reads are audited
  ReachCache* reaches = nullptr;  // professionals' relationships between requests (reach.h); may be null
  std::string purpose;            // v3 PurposeOfUse for the audit: TREAT, PATRQT, ...
};

}  // namespace parcours::security
