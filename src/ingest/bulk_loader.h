// Loads many resources into the store fast: batches them into large atomic
// units (one commit per batch), keeps client ids (update-as-create), and
// resolves conditional references such as
// "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999974493"
// (Synthea writes them). A resource whose conditional reference does not
// resolve yet is deferred and retried at finish(), so the order in which
// files arrive does not matter.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "fhir/json.h"
#include "store/content.h"
#include "store/store.h"

namespace parcours::ingest {

// Where a resource came from, for error reports ("Patient.ndjson:12").
struct Source {
  std::string file;
  std::size_t line = 0;
};

struct LoadError {
  Source source;
  std::string reason;
};

struct LoadCounts {
  std::int64_t loaded = 0;    // stored (new version or unchanged)
  std::int64_t failed = 0;    // rejected with a reason
  std::int64_t deferred = 0;  // currently waiting for a reference target
};

// Why `resource` cannot be loaded (not a resource, or invalid against the R4
// definitions), in one line; nullopt when it is fine. Thread-safe, so callers
// may check in parallel and pass already_checked to add().
std::optional<std::string> rejection_reason(const Json& resource);

// The writer thread's work for a resource stored as given, done beforehand
// on the caller's threads: its index rows and its stored content.
struct Prepared {
  store::IndexRows rows;
  store::PreparedContent content;
};

// Prepares `resource` (thread-safe; strips its stamps) when it will be stored
// as given: it has an id and no conditional reference to rewrite. nullopt
// otherwise, or when the store computes rows only inside put().
std::optional<Prepared> prepare(store::Store& store, Json& resource);

class BulkLoader {
 public:
  struct Options {
    std::size_t batch_size = 2000;       // resources per commit
    bool validate = true;                // structural validation (never store invalid data)
    std::size_t max_errors_kept = 1000;  // error details kept (all are counted)
  };
  BulkLoader(store::Store& store, Options options);
  ~BulkLoader();

  // Adds one resource; it is validated at once (unless already checked by the
  // caller, see rejection_reason) and written with its batch. Fails only when
  // the store fails; a bad resource is counted and reported, not an error.
  // `prepared`: prepare(store, resource), or nullopt.
  Status add(Json resource, Source source, bool already_checked = false,
             std::optional<Prepared> prepared = std::nullopt);
  // Flushes the batch, retries deferred resources, reports the ones still
  // unresolved as errors. Call once at the end.
  Status finish();
  // Writes the current batch now.
  Status flush();

  LoadCounts counts() const;
  const std::vector<LoadError>& errors() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parcours::ingest
