// The `parcours` subcommands. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace parcours::cli {

struct ServeArgs {
  std::string data = "parcours-data";
  std::string listen = "127.0.0.1:8080";
  int io_threads = 2;
  int worker_threads = 16;
  std::string base_url;  // public FHIR base; empty: from the Host header
  std::string log_level = "info";
  std::size_t max_body_mb = 32;  // larger request bodies get 413
  bool production = false;       // --production or PARCOURS_PRODUCTION=1: refuses PARCOURS_ADMIN_TOKEN
  std::string policy;            // access policy file (else PARCOURS_POLICY, else the built-in one)
  std::string tls_cert;          // HTTPS: PEM certificate chain (with tls_key)
  std::string tls_key;           // HTTPS: PEM private key
  int follow_up_seconds = 300;   // coordination follow-up pass (coordination/workflow/scheduler.h); 0 off
};

struct ImportArgs {
  std::string data = "parcours-data";
  std::vector<std::string> paths;
  std::size_t batch = 0;  // 0: ingest::ImportOptions decides
};

struct DemoArgs {
  ServeArgs serve;
  std::int64_t patients = 2000;
  std::uint64_t seed = 42;
  bool regenerate = false;
  bool no_serve = false;  // generate and exit (benchmarks, CI)
};

struct ReindexArgs {
  std::string data = "parcours-data";
  int batch = 500;  // resources per atomic unit
};

struct GenerateArgs {
  std::int64_t patients = 0;
  std::uint64_t seed = 42;
  std::string out;
  bool force = false;  // replace the .ndjson files already in `out`
};

int run_serve(const ServeArgs& args);
int run_import(const ImportArgs& args);
int run_demo(const DemoArgs& args);
int run_generate(const GenerateArgs& args);
int run_reindex(const ReindexArgs& args);
// `parcours user ...` and `parcours audit ...` (cli/user_command.cc,
// cli/audit_command.cc): added to the app before parsing; after parsing,
// run_security_commands() runs the chosen one and returns its exit code, or
// -1 when none was chosen.
struct SecurityCommands;
SecurityCommands* add_security_commands(CLI::App& app);
int run_security_commands(SecurityCommands* commands);
// `parcours fhirpath ...`: takes the arguments after "fhirpath" itself, since
// an expression may start with '-' (fhirpath_command.cc).
int run_fhirpath(int argc, char** argv);

}  // namespace parcours::cli
