// Shared by the serve, import and demo commands: opening the store with the
// resource indexer, and serving it until SIGINT/SIGTERM.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "cli/commands.h"
#include "security/policy.h"
#include "store/store.h"

namespace parcours::cli {

// The access policy of this process (PARCOURS_POLICY or the built-in file),
// loaded once. The store labels resources with it (open_store).
Result<std::shared_ptr<const security::Policy>> configured_policy();

// Opens the store of DIR with the resource indexer. The search index is
// rebuilt first when it was built from other search parameters, unless
// `reindex_if_stale` is false (`parcours reindex` does it itself).
Result<std::unique_ptr<store::Store>> open_store(const std::string& dir, bool reindex_if_stale = true);
// Must run before any thread starts.
void block_stop_signals();
// Serves until SIGINT/SIGTERM, then stops gracefully. `announce` prints the
// URL and the admin token for a person (demo).
int serve_store(store::Store& store, const ServeArgs& args, const std::string& admin_token, bool announce);

}  // namespace parcours::cli
