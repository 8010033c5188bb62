#include <cstdio>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/server_setup.h"
#include "ingest/importer.h"

namespace parcours::cli {

void print_load_summary(const ingest::LoadCounts& c, std::int64_t lines, double seconds,
                        const std::vector<ingest::LoadError>& errors, double index_seconds) {
  double rate = seconds > 0 ? static_cast<double>(c.loaded) / seconds : 0;
  std::printf("loaded %s resources (%s lines) in %.1f s: %s resources/s; %s rejected\n",
              with_thousands(c.loaded).c_str(), with_thousands(lines).c_str(), seconds,
              with_thousands(static_cast<std::int64_t>(rate)).c_str(), with_thousands(c.failed).c_str());
  if (index_seconds > 0)
    std::printf("of which %.1f s building the search indexes after the load\n", index_seconds);
  std::size_t shown = 0;
  for (const auto& e : errors) {
    if (++shown > 50) {
      std::printf("  ... %zu more\n", errors.size() - 50);
      break;
    }
    std::printf("  %s:%zu: %s\n", e.source.file.c_str(), e.source.line, e.reason.c_str());
  }
}

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
