#include <cstdio>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/server_setup.h"
#include "ingest/importer.h"

namespace parcours::cli {

int run_import(const ImportArgs& args) {
  auto store = open_store(args.data);
  if (!store) {
    std::fprintf(stderr, "parcours: cannot open the store in %s: %s\n", args.data.c_str(),
                 store.error().message().c_str());
    return 1;
  }
  ProgressLine line("import");
  ingest::ImportOptions opt;
  opt.loader.batch_size = args.batch;  // 0: chosen by import_ndjson
  opt.on_progress = [&](const ingest::ImportProgress& p) {
    double fraction =
        p.bytes_total > 0 ? static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total) : -1;
    line.update(p.counts.loaded, p.seconds, fraction, p.counts.failed);
  };
  opt.on_indexing = [&] {
    line.done();  // the line would otherwise sit at 100% while the indexes build
    std::fprintf(stderr, "import: building the search indexes...\n");
  };
  auto report = ingest::import_ndjson(**store, args.paths, opt);
  line.done();
  if (!report) {
    std::fprintf(stderr, "parcours import: %s\n", report.error().message().c_str());
    return 1;
  }
  print_load_summary(report->counts, report->lines, report->seconds, report->errors, report->index_seconds);
  (*store)->close();
  // Exit 0 even with rejected lines: the good lines are loaded and the
  // report says what was rejected; 3 tells scripts that some were.
  return report->counts.failed ? 3 : 0;
}

}  // namespace parcours::cli
