// Schema of the security tables (store/security_store.h), appended to the
// SQLite store's migrations (sqlite_store.cc, kMigrations): same database,
// same transactions as the resources they protect.
#pragma once

namespace parcours::store::sqlite {

// Migration 2: access-policy labels and facts, the audit log, accounts,
// clients, sessions, refresh tokens, codes, signing keys, login throttling.
inline constexpr const char* kSecurityMigration = R"sql(
CREATE TABLE resource_label (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  patient TEXT,                      -- compartment key of the last live version (kept after a delete)
  category TEXT NOT NULL,            -- data category of the access policy
  disclose_after INTEGER NOT NULL,   -- awaiting disclosure to the patient until then (0: none)
  PRIMARY KEY (type, id)
) WITHOUT ROWID;
CREATE TABLE access_fact (
  src_type TEXT NOT NULL,            -- the resource the fact comes from
  src_id TEXT NOT NULL,
  kind TEXT NOT NULL,                -- team gp task permit deny-actor mask-resource mask-category ...
  patient TEXT NOT NULL,
  principal TEXT NOT NULL,           -- '' when patient-wide
  target TEXT NOT NULL,              -- '' when none
  start_at INTEGER NOT NULL,
  end_at INTEGER NOT NULL,           -- exclusive
  PRIMARY KEY (src_type, src_id, kind, patient, principal, target)
) WITHOUT ROWID;
CREATE INDEX access_fact_by_patient ON access_fact(patient, kind, principal);

CREATE TABLE audit_event (
  seq INTEGER PRIMARY KEY,           -- 1, 2, 3... : a gap is tampering
  recorded INTEGER NOT NULL,
  category TEXT NOT NULL,
  action TEXT NOT NULL,
  subtype TEXT NOT NULL,
  outcome TEXT NOT NULL,
  agent TEXT NOT NULL,
  agent_kind TEXT NOT NULL,
  agent_role TEXT NOT NULL,
  agent_display TEXT NOT NULL,
  on_behalf_of TEXT NOT NULL,
  patient TEXT NOT NULL,
  entities TEXT NOT NULL,
  purpose TEXT NOT NULL,
  reason TEXT NOT NULL,
  request_id TEXT NOT NULL,
  remote TEXT NOT NULL,
  until INTEGER NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_event_by_patient ON audit_event(patient, seq);
CREATE INDEX audit_event_by_agent ON audit_event(agent, seq);
CREATE INDEX audit_event_break_glass ON audit_event(patient, agent, until) WHERE subtype='break-glass';
-- Append-only inside the engine too (the hash chain detects what bypasses it).
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE account (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  display TEXT NOT NULL,
  active INTEGER NOT NULL,
  practitioner TEXT NOT NULL,
  practitioner_role TEXT NOT NULL,
  organization TEXT NOT NULL,
  rpps TEXT NOT NULL,
  profession TEXT NOT NULL,
  patient TEXT NOT NULL,
  related_person TEXT NOT NULL,
  delegation TEXT NOT NULL,
  valid_until INTEGER NOT NULL,
  password_hash TEXT NOT NULL,       -- Argon2id
  totp_sealed TEXT NOT NULL,         -- encrypted with the server's secret key
  totp_last_step INTEGER NOT NULL,
  created INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE oauth_client (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  confidential INTEGER NOT NULL,
  secret_hash TEXT NOT NULL,         -- SHA-256 of a 256-bit random secret
  redirect_uris TEXT NOT NULL,
  scopes TEXT NOT NULL,
  account TEXT NOT NULL,
  active INTEGER NOT NULL,
  created INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE auth_session (
  id TEXT PRIMARY KEY,
  account TEXT NOT NULL,
  client TEXT NOT NULL,
  scope TEXT NOT NULL,
  patient TEXT NOT NULL,
  auth_methods TEXT NOT NULL,
  remote TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  created INTEGER NOT NULL,
  last_used INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  revoked INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX auth_session_by_account ON auth_session(account);
CREATE TABLE refresh_token (
  hash TEXT PRIMARY KEY,             -- SHA-256 of the token
  session TEXT NOT NULL,
  created INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  used INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE auth_code (
  hash TEXT PRIMARY KEY,             -- SHA-256 of the code
  client TEXT NOT NULL,
  account TEXT NOT NULL,
  session TEXT NOT NULL,
  redirect_uri TEXT NOT NULL,
  challenge TEXT NOT NULL,
  scope TEXT NOT NULL,
  patient TEXT NOT NULL,
  nonce TEXT NOT NULL,
  expires INTEGER NOT NULL,
  used INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE revoked_token (
  jti TEXT PRIMARY KEY,
  expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE signing_key (
  kid TEXT PRIMARY KEY,
  alg TEXT NOT NULL,
  public_pem TEXT NOT NULL,
  private_sealed TEXT NOT NULL,      -- encrypted with the server's secret key
  created INTEGER NOT NULL,
  retire_at INTEGER NOT NULL,
  drop_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE login_throttle (
  key TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  last_failure INTEGER NOT NULL,
  locked_until INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE security_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
)sql";

// Migration 5: the policy predicate's subqueries select facts by kind and
// principal (not by patient), and open break-glass accesses by agent.
inline constexpr const char* kSecurityMigration2 = R"sql(
CREATE INDEX access_fact_by_kind ON access_fact(kind, principal, patient);
CREATE INDEX audit_event_break_glass_by_agent ON audit_event(agent, until) WHERE subtype='break-glass';
)sql";

// Migration 6: clients' public keys (private_key_jwt, RFC 7523) and one-time
// values (client assertion ids, picker forms) kept until they expire.
inline constexpr const char* kSecurityMigration3 = R"sql(
ALTER TABLE oauth_client ADD COLUMN jwks TEXT NOT NULL DEFAULT '';
CREATE TABLE used_once (
  key TEXT PRIMARY KEY,
  expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX used_once_by_expiry ON used_once(expires);
)sql";

// Migration 7: a counter of the changes that can open or close a record
// (every fact but authorship, and break-glass accesses), bumped in the same
// transaction as the change (sqlite_security_store.cc), so a reader's
// snapshot tells whether a cached reach (security/reach.h) is still what the
// tables say. Bumped by the code, not by triggers: a trigger on audit_event
// or access_fact gave every insert a statement journal, and the audit
// writer, which appends one row per read, slowed down 3 to 4 times.
inline constexpr const char* kSecurityMigration4 = R"sql(
INSERT OR IGNORE INTO security_meta(key, value) VALUES('access_generation', '0');
)sql";

// Migration 12: authorship in its own table. A resource's authors are read
// by key only (the policy's "author" check, Policy::decide's facts), never by
// patient or kind, yet in access_fact each one, nearly one per resource, also
// filled both of its secondary indexes: 1.2 s of the 10k territory's 20 s
// import (docs/performance.md, "Authorship in its own table").
inline constexpr const char* kSecurityMigration5 = R"sql(
CREATE TABLE resource_author (
  type TEXT NOT NULL,
  id TEXT NOT NULL,
  principal TEXT NOT NULL,           -- "Practitioner/x": an author of the live version
  PRIMARY KEY (type, id, principal)
) WITHOUT ROWID;
INSERT OR IGNORE INTO resource_author(type, id, principal)
  SELECT src_type, src_id, principal FROM access_fact WHERE kind = 'author';
DELETE FROM access_fact WHERE kind = 'author';
)sql";

}  // namespace parcours::store::sqlite
