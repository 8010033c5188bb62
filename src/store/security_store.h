// The security side of the store: what the access policy needs next to each
// resource (labels and access facts, written with every version), the
// hash-chained audit log, and the accounts/credentials of the built-in
// authorization server. Kept narrow so a PostgreSQL backend can implement it
// (docs/security.md).
//
// Secrets never reach this layer in clear: passwords, refresh tokens, codes
// and client secrets arrive hashed; TOTP secrets and signing keys arrive
// sealed (encrypted by security/crypto.h with the server's secret key).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"

namespace parcours::store {

using Micros = std::int64_t;  // microseconds since the Unix epoch, UTC (as in store.h)
inline constexpr Micros kBeginningOfTime = std::numeric_limits<Micros>::min();
inline constexpr Micros kEndOfTime = std::numeric_limits<Micros>::max();

// --- facts written with each resource version -------------------------------

// The policy's view of one resource. Kept after a delete, so the history of a
// deleted resource stays as protected as the resource was.
struct ResourceLabel {
  std::string patient;        // compartment key ('' when in no patient compartment)
  std::string category;       // data category of the access policy
  Micros disclose_after = 0;  // awaiting disclosure to the patient until then (0: none)
};

// A fact derived from a resource that opens or restricts access to a
// patient's record. Kinds (security/facts.h): team, gp, task, permit,
// deny-actor, deny-break-glass, mask-resource, mask-category, gp-only,
// author; and break-glass (read from the audit log, never written as a fact).
struct AccessFact {
  std::string kind;
  std::string patient;
  std::string principal;  // "Practitioner/x", "Organization/o", "Account/a"; '' when patient-wide
  std::string target;     // a category or "Type/id"; '' when none
  Micros start = kBeginningOfTime;
  Micros end = kEndOfTime;  // exclusive
  std::string source;       // "CareTeam/ctm-1": the resource it comes from (filled on read)
};

// The patients one professional reaches at one time, each with the
// patient-wide facts that decide it (security/reach.h builds it from
// Reader::reach_facts). Shared by the requests of that caller until the facts
// change or time crosses a fact's start or end. Inside SQL the backend
// exposes it as parcours_reach(handle, patient): 0 none, 1 reached, 2
// reached but the patient masked something (the query then checks the masks).
struct PatientReach {
  enum : std::uint8_t { kNone = 0, kOpen = 1, kMasked = 2 };
  struct Entry {
    std::uint8_t flag = kNone;
    std::vector<AccessFact> facts;  // what Reader::access_facts(patient, "", "") gives, for decide()
  };
  PatientReach();
  ~PatientReach();
  PatientReach(const PatientReach&) = delete;
  PatientReach& operator=(const PatientReach&) = delete;

  const Entry* find(std::string_view patient) const;
  // The value to bind for parcours_reach's first argument (registered while
  // this object lives; an unknown handle reaches nobody: fail closed).
  std::int64_t handle() const { return handle_; }

  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries;
  std::int64_t generation = 0;             // Reader::access_generation when built
  Micros valid_from = 0, valid_until = 0;  // [from, until): no fact starts or ends inside

 private:
  std::int64_t handle_;
};
// Makes `reach` findable by its handle while it lives (call once, when built).
void register_reach(const std::shared_ptr<const PatientReach>& reach);
// The reach registered under `handle`, or null (the backend's SQL function).
std::shared_ptr<const PatientReach> find_reach(std::int64_t handle);

// Label and facts of one resource version, as the security layer derives them.
struct SecurityRows {
  std::optional<ResourceLabel> label;
  std::vector<AccessFact> facts;
};

// --- SQL row filters (the policy inside queries) -----------------------------

using SqlValue = std::variant<std::int64_t, std::string>;

// A boolean SQL expression plus its parameters, bound in order from the
// first number the caller gave.
struct SqlFragment {
  std::string sql;
  std::vector<SqlValue> params;
};

// SQL expressions that name the resource type and id of the row being
// filtered, e.g. {"resource_version.type", "resource_version.id"}. When the
// query already joins resource_label on them, `label` names that alias: the
// predicate then reads it directly (no correlated lookup), which lets the
// planner join in the order it prefers.
struct SqlColumns {
  std::string type;
  std::string id;
  std::string label = {};  // alias of `resource_label` joined ON label.type = type AND label.id = id
  // The query visits many rows (a whole type's history, an unselective
  // search): the caller's patients are computed once per statement (~1 ms
  // for a GP's 600 patients) rather than checked by index seeks per row
  // (~10 µs a row). Leave false for selective queries.
  bool bulk = false;
};

// Produces a row filter for a query. The backend decides the column names and
// where parameter numbering starts (SQLite "?N" placeholders).
using RowFilter = std::function<SqlFragment(const SqlColumns& columns, int first_param)>;

// --- the audit log -----------------------------------------------------------

// One audit record, shaped after IHE Basic Audit Log Patterns (AuditEvent):
// who, on behalf of whom, which patient, which resources, outcome, purpose.
struct AuditRecord {
  std::int64_t seq = 0;    // assigned on append: 1, 2, 3... without gaps
  Micros recorded = 0;     // AuditEvent.recorded
  std::string category;    // rest | login | security | break-glass | admin | export
  std::string action;      // AuditEvent.action: C R U D E
  std::string subtype;     // read vread history create update patch delete search login ...
  std::string outcome;     // AuditEvent.outcome: 0 success, 4 minor failure, 8 serious failure
  std::string agent;       // account id, client id or "admin-token"
  std::string agent_kind;  // professional, patient, carer, system...
  std::string agent_role;  // policy role (profession)
  std::string agent_display;
  std::string on_behalf_of;  // "RelatedPerson/x" for a carer, the client for a machine...
  std::string patient;       // patient id ('' none)
  std::string entities;      // space-separated "Type/id" or "Type/id/_history/n"
  std::string purpose;       // v3 PurposeOfUse: TREAT, ETREAT (emergency), PATRQT, HOPERAT...
  std::string reason;        // free text: break-glass reason, error summary (never a secret)
  std::string request_id;
  std::string remote;     // client IP address
  Micros until = 0;       // break-glass: end of the emergency access
  std::string prev_hash;  // hex SHA-256 of the previous record (64 zeros for the first)
  std::string hash;       // hex SHA-256 over prev_hash and this record's canonical text
};

// The chain: hash = SHA-256(prev_hash "\n" canonical(record)), where the
// canonical text lists every field above but the hashes, length-prefixed.
std::string audit_canonical(const AuditRecord& record);
std::string audit_hash(std::string_view prev_hash, const AuditRecord& record);
inline const std::string kAuditGenesis(64, '0');

struct AuditQuery {
  std::string patient;  // '' any
  std::string agent;    // '' any
  std::string subtype;  // '' any
  Micros since = kBeginningOfTime;
  Micros until = kEndOfTime;
  std::int64_t before_seq = 0;  // paging cursor (0: newest)
  int count = 50;
};

struct AuditPage {
  std::vector<AuditRecord> records;  // newest first
  std::int64_t next_seq = 0;         // cursor for the next page, 0 when last
};

// --- accounts and credentials ------------------------------------------------

struct Account {
  std::string id;        // "acc-..." (stable; the JWT subject)
  std::string username;  // login name, lower case, unique
  std::string kind;      // professional coordinator admin-staff patient carer analyst admin system
  std::string display;
  bool active = true;
  std::string practitioner;         // "Practitioner/x" (professionals, coordinators)
  std::string practitioner_role;    // "PractitionerRole/y"
  std::string organization;         // "Organization/o"
  std::string rpps;                 // 11 digits (health professionals)
  std::string profession;           // profession code key of the policy, e.g. "G15-10"
  std::string patient;              // patient id: own record (patient) or represented (carer)
  std::string related_person;       // "RelatedPerson/z" (carer)
  std::string delegation;           // carer: delegated data categories, space-separated, "*" all
  Micros valid_until = 0;           // 0: no end (carer delegations end)
  std::string password_hash;        // Argon2id string ('' none)
  std::string totp_sealed;          // sealed TOTP secret ('' not enrolled)
  std::int64_t totp_last_step = 0;  // last accepted time step (no replay)
  Micros created = 0;
};

struct Client {
  std::string id;
  std::string name;
  bool confidential = false;  // has a secret (machine clients)
  std::string secret_hash;    // hex SHA-256 of the secret
  std::string redirect_uris;  // space-separated, exact match (browser apps)
  std::string scopes;         // the most it may ask for, space-separated
  std::string account;        // machine clients act as this account ('' browser apps)
  bool active = true;
  Micros created = 0;
  // Public keys (a JWK Set, JSON text) for private_key_jwt client
  // authentication (RFC 7523, SMART Backend Services); '' none.
  std::string jwks;
};

// A login: created when a person authenticates for a client; refresh tokens
// are its family, access tokens name it (sid). Revoking it ends them all.
struct Session {
  std::string id;
  std::string account;
  std::string client;
  std::string scope;         // granted scope
  std::string patient;       // SMART launch context ('' none)
  std::string auth_methods;  // "pwd otp"
  std::string remote;
  std::string user_agent;
  Micros created = 0;
  Micros last_used = 0;
  Micros expires = 0;
  bool revoked = false;
};

struct RefreshToken {
  std::string hash;  // hex SHA-256 of the token
  std::string session;
  Micros created = 0;
  Micros expires = 0;
  bool used = false;  // rotated: presenting it again is reuse
};

struct AuthCode {
  std::string hash;  // hex SHA-256 of the code
  std::string client;
  std::string account;
  std::string session;
  std::string redirect_uri;
  std::string challenge;  // PKCE S256 code_challenge
  std::string scope;
  std::string patient;
  std::string nonce;
  Micros expires = 0;
  bool used = false;
};

struct SigningKey {
  std::string kid;
  std::string alg;  // ES256 | RS256
  std::string public_pem;
  std::string private_sealed;  // sealed PEM
  Micros created = 0;
  Micros retire_at = 0;  // stops signing then
  Micros drop_at = 0;    // leaves the JWKS then (after its last token expired)
};

struct Throttle {
  std::string key;  // "user:<name>" or "ip:<address>"
  int failures = 0;
  Micros last_failure = 0;
  Micros locked_until = 0;
};

class SecurityStore {
 public:
  virtual ~SecurityStore() = default;

  // Accounts. Usernames are unique (409 otherwise).
  virtual Status create_account(const Account& account) = 0;
  virtual Status update_account(const Account& account) = 0;
  virtual Result<std::optional<Account>> account_by_id(std::string_view id) = 0;
  virtual Result<std::optional<Account>> account_by_username(std::string_view username) = 0;
  virtual Result<std::vector<Account>> accounts() = 0;

  // OAuth clients.
  virtual Status put_client(const Client& client) = 0;  // insert or replace
  virtual Result<std::optional<Client>> client(std::string_view id) = 0;
  virtual Result<std::vector<Client>> clients() = 0;

  // Sessions and their refresh-token families.
  virtual Status create_session(const Session& session) = 0;
  virtual Result<std::optional<Session>> session(std::string_view id) = 0;
  virtual Result<std::vector<Session>> sessions_of(std::string_view account) = 0;
  virtual Status touch_session(std::string_view id, Micros when) = 0;
  virtual Status revoke_session(std::string_view id) = 0;
  virtual Status revoke_sessions_of(std::string_view account) = 0;
  virtual Status put_refresh_token(const RefreshToken& token) = 0;
  // Marks the token used and returns it as it was before (nullopt: unknown).
  // Atomic: two concurrent uses see used=false only once.
  virtual Result<std::optional<RefreshToken>> use_refresh_token(std::string_view hash) = 0;

  // Authorization codes: single use, atomically.
  virtual Status put_auth_code(const AuthCode& code) = 0;
  virtual Result<std::optional<AuthCode>> use_auth_code(std::string_view hash) = 0;

  // Revoked access tokens (RFC 7009), by JWT id, until they expire anyway.
  virtual Status revoke_token_id(std::string_view jti, Micros expires) = 0;
  virtual Result<bool> token_id_revoked(std::string_view jti) = 0;

  // What an access token depends on, in one round trip (checked on every
  // request): whether its id is revoked, its session (when `session` is not
  // empty), and the account.
  struct TokenState {
    bool revoked = false;
    std::optional<Session> session;
    std::optional<Account> account;
  };
  virtual Result<TokenState> token_state(std::string_view jti, std::string_view session,
                                         std::string_view account) = 0;

  // One-time values: records `key` until `expires` and answers true, or
  // answers false when it is already recorded and not yet expired. Expired
  // entries are purged on the way. Client assertion ids (RFC 7523 §3 item 7)
  // and the patient picker's forms use it.
  virtual Result<bool> use_once(std::string_view key, Micros expires, Micros now) = 0;

  // Live Patient resources among `patients` (the SMART patient picker:
  // the patients a person reaches, security/reach.h), by family name.
  struct PatientQuery {
    std::vector<std::string> patients;
    std::string name_prefix;  // folded (search::fold): a prefix of a name part; '' any
    std::string id;           // exactly this patient; '' any
    int limit = 50;
    int offset = 0;
  };
  struct PatientRow {
    std::string id;
    std::string body;  // the Patient resource, JSON
  };
  virtual Result<std::vector<PatientRow>> accessible_patients(const PatientQuery& query) = 0;

  // JWT signing keys.
  virtual Status put_signing_key(const SigningKey& key) = 0;  // insert or replace
  virtual Result<std::vector<SigningKey>> signing_keys() = 0;

  // Login throttling (per username and per IP address).
  virtual Result<Throttle> throttle(std::string_view key) = 0;
  virtual Status put_throttle(const Throttle& t) = 0;
  virtual Status clear_throttle(std::string_view key) = 0;

  // The audit log (appended through store::Writer::append_audit).
  virtual Result<AuditPage> audit(const AuditQuery& query) = 0;
  // Every record in seq order; stops when f returns false.
  virtual Status audit_scan(const std::function<bool(const AuditRecord&)>& f) = 0;

  // Small key-value settings (e.g. the fingerprint of the labelling rules).
  virtual Result<std::string> meta(std::string_view key) = 0;
  virtual Status set_meta(std::string_view key, std::string_view value) = 0;

  // Recomputes the labels and facts of every resource with `derive` (after
  // the labelling rules changed, or for a database older than them), in one
  // transaction. Returns the number of resources relabelled.
  using Deriver = std::function<SecurityRows(std::string_view type, const Json& resource)>;
  virtual Result<std::int64_t> relabel(const Deriver& derive) = 0;
};

// Opens the security tables of the SQLite store in `directory` (the store
// must have been opened once, so its migrations ran).
Result<std::unique_ptr<SecurityStore>> open_sqlite_security(const std::string& directory);

}  // namespace parcours::store
