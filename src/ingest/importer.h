// `parcours import`: bulk load of FHIR NDJSON files or folders (one resource
// per line, any mix of types), as written by FHIR Bulk Data exports.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ingest/bulk_loader.h"

namespace parcours::ingest {

struct ImportProgress {
  std::int64_t bytes_done = 0;
  std::int64_t bytes_total = 0;
  LoadCounts counts;
  double seconds = 0;
};

struct ImportReport {
  std::int64_t files = 0;
  std::int64_t lines = 0;
  LoadCounts counts;
  std::vector<LoadError> errors;  // first errors (all are counted)
  double seconds = 0;
  // Of `seconds`, building the search indexes at the end of a bulk load
  // (0 when the store was not empty enough for one).
  double index_seconds = 0;
};

struct ImportOptions {
  // loader.batch_size 0: kBulkBatch resources per commit for a first load
  // into an (almost) empty store, BulkLoader's default otherwise.
  BulkLoader::Options loader;
  std::function<void(const ImportProgress&)> on_progress;  // called ~5 times a second
  // Called once when a bulk load's resources are in and its search indexes
  // start building (a minute at 100 000 patients, with no progress to show).
  std::function<void()> on_indexing;
};

// Expands folders to their *.ndjson files (sorted), reads and loads every
// line. Lines that fail are reported with file:line and the reason; the good
// lines are still loaded. Fails only on I/O errors (unreadable path) or a
// store failure.
Result<ImportReport> import_ndjson(store::Store& store, const std::vector<std::string>& paths,
                                   const ImportOptions& options);

}  // namespace parcours::ingest
