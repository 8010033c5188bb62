// What a professional reaches, kept between their requests. Deciding access
// row by row from the facts tables costs a dozen index seeks per row; the
// facts that open or close a record change rarely (a care team, a consent, a
// break-glass access), so the caller's relationships are built once and
// reused while the store's access generation and the clock say they still
// hold. The policy stays inside the query: the SQL asks the reach for each
// row's patient (Policy::sql), and a single read asks it for the facts
// (guard.cc). docs/security.md §4.8 explains the cost and the invalidation.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "base/result.h"
#include "security/policy.h"
#include "store/store.h"

namespace parcours::security {

// The reach of `ctx` in `reader`'s snapshot at ctx.now (generation: that
// snapshot's access generation).
Result<std::shared_ptr<const store::PatientReach>> build_reach(const AccessContext& ctx,
                                                               store::Reader& reader,
                                                               std::int64_t generation);

class ReachCache {
 public:
  explicit ReachCache(std::size_t capacity = 4096) : capacity_(capacity) {}

  // The reach of `ctx`, or null when none applies: callers who are not
  // professionals (patients, carers, analysts, systems), and snapshots with
  // uncommitted changes (a transaction's own writes must not be cached).
  Result<std::shared_ptr<const store::PatientReach>> get(const AccessContext& ctx, store::Reader& reader);

 private:
  const std::size_t capacity_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const store::PatientReach>> cache_;
};

}  // namespace parcours::security
