// `parcours audit verify`: checks the hash chain of the audit log (every
// record's hash, its link to the previous one, no missing seq) and prints the
// head hash, to be kept elsewhere: comparing it later also detects a log
// truncated at its end, which no chain can show by itself.
#include <cstdio>

#include "cli/security_commands.h"
#include "security/audit.h"
#include "store/security_store.h"

namespace parcours::cli {
namespace {

int verify(const std::string& dir, const std::string& expect_head) {
  // Read-only: the store is not opened for writing, nothing is appended.
  auto sec = store::open_sqlite_security(dir);
  if (!sec) {
    std::fprintf(stderr, "parcours audit: %s\n", sec.error().message().c_str());
    return 2;
  }
  auto report = security::verify_audit_chain(**sec);
  if (!report) {
    std::fprintf(stderr, "parcours audit: %s\n", report.error().message().c_str());
    return 2;
  }
  if (!report->ok) {
    std::printf("audit chain BROKEN at record %lld: %s (%lld records verified before it)\n",
                static_cast<long long>(report->bad_seq), report->problem.c_str(),
                static_cast<long long>(report->records));
    return 1;
  }
  std::printf("audit chain OK: %lld records, head %s\n", static_cast<long long>(report->records),
              report->head.c_str());
  if (!expect_head.empty() && expect_head != report->head) {
    std::printf(
        "audit chain head differs from the expected one: records were removed or replaced at the end\n");
    return 1;
  }
  return 0;
}

}  // namespace

void add_audit_commands(CLI::App& app, SecurityCommands& out) {
  auto* audit = app.add_subcommand("audit", "The audit log of DIR");
  audit->require_subcommand(1);
  static std::string data = "parcours-data";
  static std::string head;
  auto* v = audit->add_subcommand("verify", "Check the audit log's hash chain; exit 1 on tampering or gaps");
  v->add_option("--data", data, "Folder of the embedded database")->capture_default_str();
  v->add_option("--expect-head", head, "Head hash recorded earlier (detects truncation)");
  v->callback([&out] { out.chosen = [] { return verify(data, head); }; });
}

}  // namespace parcours::cli
