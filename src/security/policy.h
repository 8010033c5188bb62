// The access policy of medical secrecy, compiled from a readable file
// (config/policy.conf, explained in docs/security.md): who may do what on
// which category of a patient's data, and how resources fall into categories.
//
// One compiled object gives two views of the same rules:
//  (a) decide(): the decision on one resource (read, vread, history,
//      writes, Bundle entries), 404 / 403 / allowed;
//  (b) sql(): a boolean SQL predicate over a row's resource type and id, to
//      put INSIDE a query so pages, totals, includes and chains never see a
//      forbidden row. tests/unit/policy_test.cc checks that (a) and (b) agree.
//
// ---------------------------------------------------------------------------
// For the search engine (the contract to use; do not filter pages afterwards):
//
//   #include "security/guard.h"
//   store::RowFilter f = security::row_filter(ctx, reader, security::Interaction::Search).value();
//   // f is empty only for callers the policy does not restrict at all.
//   if (f) {
//     store::SqlFragment p = f(store::SqlColumns{"c.type", "c.id"}, /*first_param=*/next_param);
//     sql += " AND (" + p.sql + ")";         // p.sql uses ?next_param, ?next_param+1, ...
//     bind p.params in order from next_param  // int64 or text values
//   }
//
// The predicate reads the tables resource_label (type, id -> patient,
// category, disclose_after), access_fact (care-team, GP, referral, consent
// facts) and audit_event (open break-glass accesses). It is correct for any
// row naming a resource by type and id: resource_current, resource_version,
// typed index rows, _include/_revinclude targets, chained and _has
// subqueries (apply it to every table whose rows reach the response or a
// count). Use Interaction::Search for search and list-like reads; Read for
// reads by id. Totals (_total, Bundle.total) must be counted with the
// predicate in the WHERE clause.
// ---------------------------------------------------------------------------
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"
#include "security/scopes.h"
#include "store/security_store.h"

namespace parcours::security {

using store::Micros;

// R.1110-2: category 1 (health professionals) and 2 (listed social and
// medico-social professionals); then the people who are not professionals.
enum class RoleClass { Health, Social, Staff, Patient, Carer, Analyst, Admin };
std::string_view role_class_name(RoleClass c);

struct RoleDef {
  std::string name;
  RoleClass role_class;
  std::string description;
};

struct CategoryDef {
  std::string name;
  bool patient_data = true;  // false: "shared" (directory, definitions): no care relationship needed
  std::string description;
};

// One allow/deny line of the policy file.
struct Rule {
  bool allow = false;
  std::vector<std::string> subjects;    // role names, "@class" or "*"
  std::vector<std::string> categories;  // names or "*"
  std::vector<Interaction> interactions;
  std::string basis;  // the article of law after "--"
  int line = 0;
};

// Who is asking, as the policy sees it. Built once per request by the API's
// authentication (security/guard.h), from the account and the token.
struct AccessContext {
  bool system = false;  // bootstrap token or machine client: rules do not apply, scopes do
  int role = -1;        // index of Policy::roles()
  RoleClass role_class = RoleClass::Analyst;
  std::vector<std::string>
      principals;  // grant: "Practitioner/x", "PractitionerRole/y"(, "Organization/o" for staff)
  std::vector<std::string> identities;  // objections and authorship: principals + organisation + "Account/a"
  std::string account;                  // account id (break-glass grants name it)
  std::string patient;                  // patient and carer: the one record they may see
  std::vector<std::string> delegated;   // carer: delegated categories ("*" all)
  Scopes scopes;
  std::string scope_patient;  // SMART launch context for patient/ scopes ('' none)
  Micros now = 0;
};

// The outcome on one resource. `status` is what to answer when denied: 404 as
// if it did not exist (no care relationship, masked, someone else's record),
// 403 with a non-revealing message when the caller may know it exists (in
// the care team but the category is not theirs, or the token's scopes).
struct Decision {
  bool allowed = false;
  int status = 404;
  std::string reason;  // for the audit log, never sent to the client
  bool via_break_glass = false;
};

class Policy {
 public:
  // Parses policy text; errors name the line. `origin` names it in messages.
  static Result<std::shared_ptr<const Policy>> parse(std::string_view text, std::string_view origin);
  // The file shipped in config/policy.conf (compiled into the binary).
  static std::string_view default_text();
  // PARCOURS_POLICY (a path) when set, else the shipped file.
  static Result<std::shared_ptr<const Policy>> load_configured();

  const std::vector<RoleDef>& roles() const { return roles_; }
  const std::vector<CategoryDef>& categories() const { return categories_; }
  const std::vector<Rule>& rules() const { return rules_; }
  std::optional<int> role(std::string_view name) const;
  std::optional<int> category(std::string_view name) const;
  // The role of a profession code ("G15-10"), if the file lists it.
  std::optional<int> role_for_profession(std::string_view code) const;
  const std::vector<std::pair<std::string, std::string>>& professions() const { return professions_; }

  // The rule table: does `role` may do `i` on `category` (first matching
  // line; no line: no). `line` receives the deciding line (0: none).
  bool allowed(int role, int category, Interaction i, int* line = nullptr) const;
  bool may_break_glass(int role) const;
  std::string_view source() const { return source_; }

  // The label and access facts of a resource (what the store keeps with each
  // version: security/facts.cc). Pure and thread-safe.
  store::SecurityRows derive(std::string_view type, const Json& resource) const;
  // Same, with the patient compartments already computed (the indexer's).
  store::SecurityRows derive(std::string_view type, const Json& resource,
                             const std::vector<std::string>& patients) const;
  std::string category_of(std::string_view type, const Json& resource) const;
  // Changes whenever derive() would label differently: the store relabels.
  std::string fingerprint() const;

  // (a) The decision on resource type/id with `label`, given `facts` (as
  // store::Reader::access_facts returns them for its patient).
  Decision decide(const AccessContext& ctx, Interaction i, std::string_view type, std::string_view id,
                  const store::ResourceLabel& label, const std::vector<store::AccessFact>& facts) const;
  // (b) The same rules as a SQL predicate over `columns` (SQLite dialect;
  // parameters "?N" numbered from `first_param`).
  // With `reach` (security/reach.h: the caller's relationships, built at
  // ctx.now and still valid), each row costs one probe instead of a dozen
  // index seeks; the rows it selects are the same.
  store::SqlFragment sql(const AccessContext& ctx, Interaction i, const store::SqlColumns& columns,
                         int first_param, const store::PatientReach* reach = nullptr) const;

  // How a professional stands with one patient, from that patient's facts
  // (patient-wide ones and the caller's break-glass accesses) at ctx.now.
  enum class Relationship { None, GpOnly, Objected, Granted, BreakGlass };
  static Relationship relationship(const AccessContext& ctx, const std::vector<store::AccessFact>& facts);
  // Whether an active mask of the patient's is among `facts`.
  static bool any_mask(const std::vector<store::AccessFact>& facts, Micros now);

  // The matchers and authorship paths (facts.cc).
  struct Matcher {
    std::string type;    // "*" any
    std::string path;    // "" (any resource), "category", "code", "meta.security"...
    std::string system;  // "" any
    std::string lo, hi;  // exact code: lo == hi, no range; range: prefix comparison
    bool range = false;
    int category = 0;
    int line = 0;
  };
  struct AuthorPath {
    std::string type;
    std::vector<std::string> paths;  // dotted element paths to References
  };

 private:
  Policy() = default;
  Status add_line(std::string_view line, int number);
  Status compile();
  bool subject_matches(const std::string& subject, int role) const;

  std::string source_;
  std::vector<RoleDef> roles_;
  std::vector<CategoryDef> categories_;
  std::vector<Rule> rules_;
  std::vector<std::pair<std::string, std::string>> professions_;  // code -> role name
  std::vector<std::string> break_glass_subjects_;
  std::vector<Matcher> matchers_;
  std::vector<AuthorPath> authors_;
  int default_category_ = -1;
  // [role][category][interaction] -> rule line (>0 allow, <0 deny, 0 none)
  std::vector<int> table_;
};

}  // namespace parcours::security
