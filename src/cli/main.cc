// parcours: the territorial care-coordination platform's single binary.
#include <CLI/CLI.hpp>
#include <string_view>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace parcours::cli;
  // `fhirpath` parses its own arguments: CLI11 would take an expression such
  // as "-1.convertsToInteger()" for an option.
  if (argc >= 2 && std::string_view(argv[1]) == "fhirpath") return run_fhirpath(argc - 2, argv + 2);
  CLI::App app{
      "Parcours: FHIR R4 platform for territorial care coordination.\n"
      "Environment: PARCOURS_ADMIN_TOKEN grants full access to whoever presents it as a Bearer token."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "parcours 0.1.0");

  ServeArgs serve;
  auto* s = app.add_subcommand("serve", "Serve the FHIR API at http://HOST:PORT/fhir from the store in DIR");
  s->add_option("--data", serve.data, "Folder of the embedded database (created if absent)")
      ->capture_default_str();
  s->add_option("--listen", serve.listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  s->add_option("--io-threads", serve.io_threads, "Socket threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  s->add_option("--workers", serve.worker_threads, "Threads for writes")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  s->add_option("--base-url", serve.base_url, "Public FHIR base URL (default: from the Host header)");
  s->add_option("--log-level", serve.log_level, "trace, debug, info, warn, error")->capture_default_str();
  s->add_option("--max-body-mb", serve.max_body_mb, "Largest request body accepted, in MiB (else 413)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  s->add_flag("--production", serve.production,
              "Production mode (also PARCOURS_PRODUCTION=1): refuses PARCOURS_ADMIN_TOKEN and test hooks");
  s->add_option("--policy", serve.policy, "Access policy file (default: PARCOURS_POLICY, else built in)");
  s->add_option("--tls-cert", serve.tls_cert, "HTTPS: certificate chain, PEM (with --tls-key)")
      ->check(CLI::ExistingFile);
  s->add_option("--tls-key", serve.tls_key, "HTTPS: private key, PEM (with --tls-cert)")
      ->check(CLI::ExistingFile);
  s->add_option("--follow-up-interval", serve.follow_up_seconds,
                "Seconds between two follow-up passes (late tasks, PPS reviews); 0: never")
      ->capture_default_str()
      ->check(CLI::Range(0, 86400));

  ImportArgs imp;
  auto* i = app.add_subcommand("import",
                               "Load FHIR NDJSON files or folders (one resource per line) into the store");
  i->add_option("--data", imp.data, "Folder of the embedded database")->capture_default_str();
  i->add_option("--batch", imp.batch,
                "Resources per commit (default: 10000 for a first load into an empty store, 2000 otherwise)")
      ->check(CLI::Range(1, 100000));
  i->add_option("paths", imp.paths, "NDJSON files or folders (*.ndjson inside, recursively)")->required();

  DemoArgs demo;
  demo.serve.data = ".parcours-demo";
  auto* d = app.add_subcommand("demo", "Generate the demo territory (if the store is empty) and serve it");
  d->add_option("--patients", demo.patients, "Number of patients")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  d->add_option("--seed", demo.seed, "Generator seed (same seed, same territory)")->capture_default_str();
  d->add_option("--data", demo.serve.data, "Folder of the embedded database")->capture_default_str();
  d->add_option("--listen", demo.serve.listen, "HOST:PORT to listen on")->capture_default_str();
  d->add_option("--log-level", demo.serve.log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  d->add_flag("--regenerate", demo.regenerate, "Delete the demo database in --data and generate it anew");
  d->add_flag("--no-serve", demo.no_serve, "Generate, then exit");

  GenerateArgs gen;
  auto* g = app.add_subcommand(
      "generate", "Write the demo territory as FHIR Bulk Data NDJSON, one file per resource type");
  g->footer(
      "Same territory as `parcours demo` for the same --patients and --seed: byte-identical on every "
      "machine.\n"
      "Files: DIR/Patient.ndjson, DIR/Observation.ndjson, ... (one compact resource per line); every\n"
      "reference points to a resource in DIR. Load them back with `parcours import --data STORE DIR`.\n"
      "Written as generated: memory does not grow with --patients.");
  g->add_option("--patients", gen.patients, "Number of patients")->required()->check(CLI::Range(1, 10000000));
  g->add_option("--seed", gen.seed, "Generator seed (same seed, same territory)")->capture_default_str();
  g->add_option("--out", gen.out, "Output folder (created if absent)")->required();
  g->add_flag("--force", gen.force, "Replace the .ndjson files already in the output folder");

  ReindexArgs reindex;
  auto* ri =
      app.add_subcommand("reindex",
                         "Rebuild the search index of every resource in DIR (after a definitions change, "
                         "or to make stored custom SearchParameters searchable)");
  ri->add_option("--data", reindex.data, "Folder of the embedded database")->capture_default_str();
  ri->add_option("--batch", reindex.batch, "Resources per commit")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));

  app.add_subcommand("fhirpath",
                     "Evaluate a FHIRPath expression: fhirpath [--resource FILE.json] [--with-types] [--] "
                     "EXPRESSION (see `parcours fhirpath --help`)")
      ->prefix_command();

  SecurityCommands* security = add_security_commands(app);  // parcours user ..., parcours audit ...

  CLI11_PARSE(app, argc, argv);
  if (int rc = run_security_commands(security); rc >= 0) return rc;
  if (*s) return run_serve(serve);
  if (*i) return run_import(imp);
  if (*d) return run_demo(demo);
  if (*g) return run_generate(gen);
  if (*ri) return run_reindex(reindex);
  return 2;
}
